"""Between typed field values and their interchange form (ISO dates, decimal strings, lists).

Used by the event mapper (stored facts are the interchange form) and by corrections, whose
replacement fields arrive in interchange form. Decoders are built once per type hint.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

Decoder = Callable[[Any], Any]
_DECODERS: dict[Any, Decoder] = {}


def decode_value(hint: Any, value: Any) -> Any:
    return decoder_for(hint)(value)


def decoder_for(hint: Any) -> Decoder:
    try:
        return _DECODERS[hint]
    except KeyError:
        _DECODERS[hint] = decoder = _build(hint)
        return decoder
    except TypeError:  # unhashable hint
        return _build(hint)


def _identity(value: Any) -> Any:
    return value


def _build(hint: Any) -> Decoder:
    origin = get_origin(hint)
    if origin is Annotated:
        return decoder_for(get_args(hint)[0])
    if origin in (Union, types.UnionType):
        return _optional(hint)
    if hint is date:
        return _date
    if hint is Decimal:
        return Decimal
    if origin is tuple:
        item = decoder_for(get_args(hint)[0])
        return lambda values: tuple(item(v) for v in values)
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        return lambda value: dict(value)
    if origin is Literal or hint in (str, int, bool) or hint is Any:
        return _identity
    return _identity


def _optional(hint: Any) -> Decoder:
    inner = [a for a in get_args(hint) if a is not type(None)]
    decode = decoder_for(inner[0])
    return lambda value: None if value is None else decode(value)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
