"""Facts in: validation of the public interchange format (``docs/spec/facts.md``).

One pydantic model per fact, built from the domain event classes' annotated fields, so a
field's type and its rule are declared once (``legacyledger.domain.values``). Validation
here is about the shape of one fact (types, enums, ranges, unknown fields, personal data);
rules about histories are the aggregates' guards.
"""

from __future__ import annotations

import hashlib
import re
import types
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le, Lt, MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    create_model,
)

from legacyledger.domain import AGGREGATES
from legacyledger.domain.base import ENVELOPE, field_types
from legacyledger.domain.corrections import CORRECTED, VOIDED
from legacyledger.domain.values import (
    CONTROL_RE,
    DECIMAL_PLACES,
    DecimalText,
    FrameworkDocument,
    FreeText,
    Key,
    Pattern,
    Pseudonym,
    Pseudonymous,
    Text,
    check_day,
)
from legacyledger.frameworks import FrameworkError, document, framework_of

COMMON = ("on", "source_ref", "recorded_by", "note")
_PLACES = rf"(\.[0-9]{{1,{DECIMAL_PLACES}}})?"
_DECIMAL_RE = re.compile(rf"-?[0-9]+{_PLACES}")
_CONTROL_RE = re.compile(CONTROL_RE)
_EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
#: Ten digits grouped 3-3-4, with any separators (up to three characters that are neither
#: letters nor digits: spaces of every width, dots, dashes, slashes...), once the text is
#: normalised (``_normalised``: full-width and other scripts' digits are digits).
_NHS_NUMBER_RE = re.compile(
    r"(?<![0-9])[0-9]{3}(?:[\W_]{1,3})?[0-9]{3}(?:[\W_]{1,3})?[0-9]{4}(?![0-9])"
)


def _normalised(text: str) -> str:
    """NFKC (full-width forms, ligatures) with every decimal digit, of any script, as
    ASCII: what a reader would see as the same characters."""
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        return folded
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in folded)


def _decimal_text(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError(
            "must be a decimal string such as \"12.50\", not a JSON number with a fraction"
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite decimal such as \"12.50\"")
        # plain notation (Decimal("1E+3") is stored as "1000", as a string would be given)
        value = format(value, "f")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_RE.fullmatch(value):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_RE.fullmatch(value.split(".")[0]):
        raise ValueError(f"must have at most {DECIMAL_PLACES} digits after the point")
    raise ValueError("must be a decimal string such as \"12.50\"")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"is not a real date: {error}") from None
    raise ValueError("must be an ISO date such as \"2024-04-01\"")


def _bounded_day(value: date) -> date:
    return check_day(value, "date")


def _no_personal_data(value: str) -> str:
    control = _CONTROL_RE.search(value)
    if control:
        raise ValueError(
            f"holds control character U+{ord(control.group()):04X}: text may hold tabs and "
            "line breaks, no other control characters"
        )
    seen = _normalised(value)
    if _EMAIL_RE.search(seen):
        raise ValueError("looks like an e-mail address: keep personal data out of the ledger")
    if _NHS_NUMBER_RE.search(seen):
        raise ValueError("looks like an NHS number: keep personal data out of the ledger")
    return value


#: The refs the ledger derives from a fact's digest (hex: they may hold any run of digits).
_DERIVED_REF_RE = re.compile(r"auto-[0-9a-f]{20}(-[0-9]+)?")


def is_nhs_number(digits: str) -> bool:
    """Ten digits whose modulus-11 check digit is valid (the NHS number algorithm)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(digits[9])


def _not_an_nhs_number(value: str) -> str:
    """Keys are pseudonyms: one holding a valid NHS number (``943 476 5919``,
    ``R-9434765919``) is refused, whatever its separators."""
    seen = _normalised(value)
    if _NHS_NUMBER_RE.search(seen) is None or _DERIVED_REF_RE.fullmatch(value):
        return value  # almost every key: no run of ten digits
    for found in _NHS_NUMBER_RE.finditer(seen):
        if is_nhs_number(re.sub(r"[^0-9]", "", found.group())):
            raise ValueError(
                "holds an NHS number: keys must be pseudonyms (see the README on personal data)"
            )
    return value


def _framework_content(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """A valid framework naming the fact's framework and version, in its canonical form."""
    try:
        framework = framework_of(value, "framework")
    except FrameworkError as error:
        lines = [line.strip() for line in str(error).splitlines()]
        lines[0] = lines[0].removeprefix("framework: ").removeprefix("invalid framework file")
        raise ValueError(f"is not a valid framework: {'; '.join(filter(None, lines))}") from None
    for field, given in (("framework", framework.id), ("version", framework.version)):
        if field in info.data and info.data[field] != given:
            raise ValueError(f"is {field} {given!r}, but the fact names {info.data[field]!r}")
    return document(framework)


def pydantic_type(hint: Any) -> Any:
    """Translate a domain annotation into one pydantic validates strictly."""
    origin = get_origin(hint)
    if origin is Annotated:
        base, *marks = get_args(hint)
        return Annotated[(pydantic_type(base), *(found for m in marks for found in _marks(m)))]
    if origin in (Union, types.UnionType):
        inner = [pydantic_type(a) for a in get_args(hint) if a is not type(None)]
        return inner[0] | None
    if origin is tuple:
        return tuple[pydantic_type(get_args(hint)[0]), ...]  # type: ignore[misc]
    if origin is Mapping or origin is dict:
        key, value = get_args(hint)
        return dict[pydantic_type(key), pydantic_type(value)]  # type: ignore[misc]
    return {
        bool: StrictBool,
        int: StrictInt,
        date: Annotated[date, BeforeValidator(_iso_date), AfterValidator(_bounded_day)],
    }.get(hint, hint)


def _marks(mark: Any) -> tuple[Any, ...]:
    if isinstance(mark, FrameworkDocument):
        described = Field(description="a framework file's content (frameworks/FORMAT.md)")
        return (AfterValidator(_framework_content), described)
    return (_mark(mark),)


def _mark(mark: Any) -> Any:
    if isinstance(mark, Pattern):
        return StringConstraints(pattern=f"^{mark}$")
    if isinstance(mark, FreeText):
        return AfterValidator(_no_personal_data)
    if isinstance(mark, Pseudonymous):
        return AfterValidator(_not_an_nhs_number)
    if isinstance(mark, DecimalText):
        return BeforeValidator(_decimal_text)
    assert isinstance(mark, (Ge, Le, Lt, MaxLen)), mark
    return mark


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _model(name: str, key_field: str | None, event_class: type[Any]) -> type[Fact]:
    hints = field_types(event_class)
    own = [f for f in event_class.__dataclass_fields__ if f not in ENVELOPE | {"key", *COMMON}]
    fields: dict[str, Any] = {"fact": (Literal[name], ...)}
    if event_class.VERSION > 1:  # version 1 carries no "v" (legacyledger.domain.upcasting)
        fields["v"] = (Literal[event_class.VERSION], event_class.VERSION)
    if key_field:
        fields[key_field] = (pydantic_type(Key), ...)
    fields["on"] = (pydantic_type(date), ...)
    for field in own:
        typed = pydantic_type(hints[field])
        fields[field] = (typed, None) if _optional(hints[field]) else (typed, ...)
    if name == CORRECTED:
        fields["replacement"] = (dict[str, Any], ...)
    fields["source_ref"] = (pydantic_type(Key) | None, None)
    fields["recorded_by"] = (pydantic_type(Pseudonym) | None, None)
    fields["note"] = (pydantic_type(Text) | None, None)
    return create_model(name, __base__=Fact, **fields)


def _optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


def _build() -> tuple[dict[str, type[Fact]], dict[str, str | None]]:
    models: dict[str, type[Fact]] = {}
    keys: dict[str, str | None] = {}
    for aggregate in AGGREGATES:
        for name, event_class in aggregate.FACTS.items():
            if name in models:
                continue
            key = None if name in (CORRECTED, VOIDED) else aggregate.KEY_FIELD
            models[name], keys[name] = _model(name, key, event_class), key
    return models, keys


MODELS, KEY_OF = _build()
FACT_ADAPTER: TypeAdapter[Any] = TypeAdapter(
    Annotated[Union[tuple(MODELS.values())], Field(discriminator="fact")]  # type: ignore[arg-type]  # noqa: UP007
)


def canonical(model: Fact) -> dict[str, Any]:
    """The interchange dict: declared field order, absent optionals omitted."""
    return model.model_dump(mode="json", exclude_none=True)


def digest(body: bytes) -> str:
    """Content digest of a fact's canonical JSON bytes.

    Two facts with the same ``source_ref`` are the same fact only if their digests agree; a
    fact without a ``source_ref`` gets one derived from this digest.
    """
    return hashlib.sha256(body).hexdigest()[:32]


def json_schema() -> dict[str, Any]:
    """JSON Schema (Draft 2020-12) of every fact, for tools that write facts.

    Decimals (money, hours, rates, scores) are strings such as ``"12.50"`` (or whole JSON
    integers), never floats: the schema says so with a pattern, and states their bounds in
    standard keywords (``minimum``, ``maximum``, ``exclusiveMaximum``) on the integer form and
    in the description (a pattern cannot bound a number).
    """
    schema: dict[str, Any] = _standard(FACT_ADAPTER.json_schema(mode="validation"))
    return schema


_BOUNDS = {"ge": "minimum", "le": "maximum", "lt": "exclusiveMaximum", "gt": "exclusiveMinimum"}
_SAYS = {"ge": "≥", "le": "≤", "lt": "<", "gt": ">"}


def _standard(node: Any) -> Any:
    """pydantic's schema with decimal-text fields and stray bound keys made standard."""
    if isinstance(node, list):
        return [_standard(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _standard(value) for key, value in node.items()}
    bounds = {key: node.pop(key) for key in list(node) if key in _BOUNDS}
    if node.get("anyOf") == [{"type": "number"}, {"type": "string"}]:
        signed = not any(key in ("ge", "gt") and value >= 0 for key, value in bounds.items())
        limits = ", ".join(f"{_SAYS[k]} {v}" for k, v in bounds.items())
        node["anyOf"] = [
            {"type": "string", "pattern": f"^-?[0-9]+{_PLACES}$" if signed
             else f"^[0-9]+{_PLACES}$"},
            {"type": "integer", **{_BOUNDS[k]: v for k, v in bounds.items()}},
        ]
        node["description"] = "a decimal as a string such as \"12.50\", never a float" + (
            f" ({limits})" if limits else "")
        return node
    node.update({_BOUNDS[key]: value for key, value in bounds.items()})
    return node


__all__ = [
    "FACT_ADAPTER",
    "KEY_OF",
    "MODELS",
    "Fact",
    "ValidationError",
    "canonical",
    "digest",
    "json_schema",
]
