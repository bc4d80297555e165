"""Facts in: parse and validate an import's lines before anything is written.

An import is checked whole, a chunk at a time (``parse_stream``): every line is parsed and
validated (shape), given a ``source_ref`` (derived from the content when the source has
none), compared with what the ledger already holds (same ref and content: skipped; same ref,
other content: conflict), and then applied to the subjects in file order so their guards see
the history it makes. Every error is collected with its line, fact and field; the caller
writes nothing unless the list is empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs
import orjson
from pydantic import ValidationError

from legacyledger.domain.corrections import CORRECTED
from legacyledger.domain.upcasting import VersionError, needed, upcast
from legacyledger.facts import FACT_ADAPTER, KEY_OF, MODELS, Fact, canonical, digest

#: How much of an input value an error shows (a key or name, a whole message).
SHOWN = 80
MESSAGE_SHOWN = 400


def cut(text: str | None, limit: int = SHOWN) -> str | None:
    """``text`` cut to ``limit`` characters (marked with …), for an error that shows input."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def _cut_message(text: str) -> str:
    return cut(text, MESSAGE_SHOWN) or ""


@attrs.frozen
class FactError:
    """One problem with one input line, precise enough to fix the source; what it shows of
    the input is cut to a readable length."""

    line: int | None
    fact: str | None = attrs.field(converter=cut)
    field: str | None = attrs.field(converter=cut)
    message: str = attrs.field(converter=_cut_message)

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "fact"
        what = ".".join(p for p in (self.fact, self.field) if p)
        return f"{where}: {what}: {self.message}" if what else f"{where}: {self.message}"


class ImportRejected(Exception):
    """Nothing was written: the facts break the format or the rules (see ``errors``)."""

    def __init__(self, errors: Iterable[FactError], written: int = 0) -> None:
        self.errors = tuple(errors)
        #: Facts of this import already committed before it was rejected: only when another
        #: writer changed the ledger between two of its batches and the rest no longer fit.
        self.written = written
        count = len(self.errors)
        head = "\n".join(f"  {e}" for e in self.errors[:20])
        more = f"\n  … and {count - 20} more" if count > 20 else ""
        what = (
            f"{written} fact(s) were written in earlier batches before another writer changed "
            "the ledger; the rest were not written"
            if written
            else "nothing was written"
        )
        super().__init__(f"{count} error(s); {what}:\n{head}{more}")


@attrs.frozen
class Parsed:
    """A validated input fact: its line, name, source_ref, digest and canonical JSON.

    An import spools every fact of a file until all are checked, so a fact is kept as its
    canonical bytes (about 0.5 KB) and its dict and typed model are rebuilt when read (about
    2 KB more each if kept: 2 GB for a million-line file).
    """

    line: int
    name: str
    source_ref: str
    digest: str
    body: bytes  # the canonical JSON, reused as the stored state

    @property
    def fact(self) -> dict[str, Any]:
        """The canonical interchange dict (a new one on every read)."""
        return orjson.loads(self.body)  # type: ignore[no-any-return]

    @property
    def model(self) -> Fact:
        """The typed, validated model (rebuilt from the canonical bytes on every read)."""
        return FACT_ADAPTER.validate_json(self.body)  # type: ignore[no-any-return]


def parse_lines(
    lines: Iterable[bytes | str | Mapping[str, Any]],
) -> tuple[list[Parsed], list[FactError]]:
    """Validate every line; derive missing source_refs; report all errors."""
    parsed: list[Parsed] = []
    errors: list[FactError] = []
    for found in parse_stream(lines):
        (parsed if isinstance(found, Parsed) else errors).append(found)  # type: ignore[arg-type]
    return parsed, errors


def parse_stream(lines: Iterable[bytes | str | Mapping[str, Any]]) -> Iterator[Parsed | FactError]:
    """Each line validated as it is read: its ``Parsed`` fact or its errors, in file order."""
    seen: dict[str, int] = {}
    upcasting = needed()
    for number, line in enumerate(lines, start=1):
        if isinstance(line, (bytes, str)) and not line.strip():
            continue
        yield from _parse_line(number, line, upcasting, seen)


def _parse_line(
    number: int, line: bytes | str | Mapping[str, Any], upcasting: bool, seen: dict[str, int]
) -> Iterator[Parsed | FactError]:
    try:
        if isinstance(line, Mapping):
            line = _json_of(line)
        duplicate = _duplicate_key(line)
        if duplicate is not None:
            yield FactError(number, _fact_name(line), duplicate,
                            "is given twice in one object: a field may appear once")
            return
        model = _validate(line, upcasting)
    except Unserialisable as error:
        yield FactError(number, _fact_name(error.fact), error.field, error.message)
        return
    except ValidationError as error:
        yield from describe(error, number, line)
        return
    except orjson.JSONDecodeError as error:
        yield FactError(number, None, None, f"not valid JSON: {error}")
        return
    except VersionError as error:
        yield FactError(number, _fact_name(line), "v", str(error))
        return
    fact = canonical(model)
    try:
        body = orjson.dumps(fact)
    except TypeError as error:  # e.g. an integer beyond 64 bits in a free-form mapping
        yield FactError(number, fact["fact"], None, f"cannot be stored: {error}")
        return
    fact_digest = digest(body)
    if "source_ref" not in fact:
        fact = _with_derived_ref(fact, fact_digest, seen)
        body = orjson.dumps(fact)
    yield Parsed(number, fact["fact"], fact["source_ref"], fact_digest, _compact(body))


class Unserialisable(ValueError):
    """A fact given through the API holds a value no JSON line could hold (a set, bytes,
    an object): refused, as its order or form would not be stable."""

    def __init__(self, fact: Mapping[str, Any], field: str | None, message: str) -> None:
        super().__init__(message)
        self.fact, self.field, self.message = fact, field, message


def _plain(value: Any) -> Any:
    """The JSON form of the few non-JSON values the API accepts: a Decimal (as its plain
    notation, as a string would be given)."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    raise TypeError(type(value).__name__)


def _json_of(fact: Mapping[str, Any]) -> bytes:
    """A fact given as a mapping, as the JSON line it stands for: validated like a line of a
    file, so what the API accepts is what a file may hold."""
    try:
        return orjson.dumps(fact, default=_plain, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        for key, value in fact.items():
            try:
                orjson.dumps(value, default=_plain)
            except TypeError as error:
                raise Unserialisable(fact, str(key), _not_json(str(error))) from None
        raise Unserialisable(fact, None, "is not a JSON object") from None


def _not_json(said: str) -> str:
    """Why a value is no JSON, in words, from what orjson said of it."""
    if "64-bit" in said:
        return "is a whole number too large for a JSON line (over 64 bits)"
    kind = said.rsplit(":", 1)[-1].strip() or "?"
    hint = " (give a list, not a set)" if kind in ("set", "frozenset") else ""
    return f"is of type {kind}, which a JSON line cannot hold{hint}"


#: A quote then whitespace before a colon: a key written as ``"key" : value``.
_SPACED_KEY = re.compile(rb'"[ \t\r\n]+:')


def _duplicate_key(line: bytes | str) -> str | None:
    """The first key given twice in one object of a JSON line (None if none).

    Quickly, for the usual line (no escapes, no space before a colon): every key is a
    ``":`` in the text, so as many of them as keys parsed means none is repeated. Any
    other line is read again, noting each object's keys.
    """
    raw = line.encode() if isinstance(line, str) else line
    try:
        if (b"\\" not in raw and not _SPACED_KEY.search(raw)
                and raw.count(b'":') == _keys(orjson.loads(raw))):
            return None
    except orjson.JSONDecodeError:
        return None  # not JSON: the validation says where
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        if not repeated and len(keys) != len(set(keys)):
            repeated.append(next(k for i, k in enumerate(keys) if k in keys[:i]))
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except ValueError:
        return None
    return repeated[0] if repeated else None


def _keys(node: Any) -> int:
    """How many keys the objects in a parsed JSON value hold."""
    if isinstance(node, dict):
        return len(node) + sum(_keys(v) for v in node.values() if isinstance(v, (dict, list)))
    if isinstance(node, list):
        return sum(_keys(v) for v in node if isinstance(v, (dict, list)))
    return 0


def _compact(body: bytes) -> bytes:
    """A copy the size of its content: orjson's result keeps the ~4 KiB buffer it was written
    into, which for a million kept bodies is 4 GB (measured with tracemalloc, orjson 3.x)."""
    return bytes(memoryview(body))


def _validate(line: bytes | str, upcasting: bool) -> Fact:
    """The line's fact at its current version: a line at an older one (``"v"``; none is
    version 1) is upcast first. Lines are validated straight from JSON when none can be
    (``upcasting``: some fact has a version above 1)."""
    if upcasting or _mentions_v(line):
        return FACT_ADAPTER.validate_python(_current(orjson.loads(line)))  # type: ignore[no-any-return]
    return FACT_ADAPTER.validate_json(line)  # type: ignore[no-any-return]


def _mentions_v(line: bytes | str) -> bool:
    return '"v"' in line if isinstance(line, str) else b'"v"' in line


def _current(data: Any) -> Any:
    """A fact dict brought to its current version (anything else is left to validation)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("fact"), str):
        return data
    fact = upcast(dict(data))
    return {k: v for k, v in fact.items() if k != "v"} if fact.get("v") == 1 else fact


#: How a ref the ledger derived from a fact's digest begins.
DERIVED_REF_PREFIX = "auto-"


def _with_derived_ref(
    fact: dict[str, Any], fact_digest: str, seen: dict[str, int]
) -> dict[str, Any]:
    """A stable ref for facts without one, so re-importing the same file is a no-op.

    The n-th identical fact of a file gets ``-n`` appended, so two genuinely repeated
    facts (two equal time logs on one day) stay two facts.
    """
    base = f"{DERIVED_REF_PREFIX}{fact_digest[:20]}"
    seen[base] = seen.get(base, 0) + 1
    ref = base if seen[base] == 1 else f"{base}-{seen[base]}"
    tail: dict[str, Any] = {k: fact.pop(k) for k in ("recorded_by", "note") if k in fact}
    return {**fact, "source_ref": ref, **tail}


def describe(error: ValidationError, line: int | None, raw: Any) -> list[FactError]:
    """Pydantic's errors as ``FactError`` rows naming the fact and the field."""
    name = _fact_name(raw)
    rows = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        if loc and loc[0] in MODELS:
            loc = loc[1:]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "json_invalid":
            message, loc = f"not valid JSON ({message.removeprefix('Invalid JSON: ')})", []
        elif item["type"] == "union_tag_invalid":
            message = f"unknown fact {cut(name)!r}" if name else "unknown fact"
            loc = ["fact"]
        elif item["type"] == "union_tag_not_found":
            message, loc = "every fact needs a \"fact\" field naming it", ["fact"]
        elif item["type"] == "missing":
            message = "is required"
        rows.append(FactError(line, name, ".".join(loc) or None, message))
    return rows


def _fact_name(raw: Any) -> str | None:
    try:
        data = raw if isinstance(raw, Mapping) else orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    name = data.get("fact") if isinstance(data, Mapping) else None
    return name if isinstance(name, str) else None


def validate_replacement(
    target: Mapping[str, Any], replacement: Mapping[str, Any], line: int | None
) -> tuple[dict[str, Any], list[FactError]]:
    """The corrected fields, validated as part of the target fact's own model."""
    name = str(target["fact"])
    frozen = {"fact", "source_ref", KEY_OF[name] or "fact"}
    bad = sorted(frozen & set(replacement))
    if bad:
        message = f"{bad[0]} cannot be corrected (it identifies the fact)"
        return {}, [FactError(line, CORRECTED, f"replacement.{bad[0]}", message)]
    merged = {k: v for k, v in target.items() if k != "recorded_at"}
    merged.update(replacement)
    try:
        model = MODELS[name].model_validate(merged)
    except ValidationError as error:
        rows = describe(error, line, merged)
        return {}, [
            FactError(line, CORRECTED, f"replacement.{r.field}", f"{name}: {r.message}")
            for r in rows
        ]
    fixed = canonical(model)
    return {k: fixed.get(k) for k in replacement}, []
