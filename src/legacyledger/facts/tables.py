"""Facts as table rows: one row per fact, one column per field, every cell text.

The columns of a fact type are its model's fields (``MODELS``), so a template, a CSV export
and a spreadsheet import all follow the one vocabulary. A row's cells become the same
interchange dict a JSON line is (:func:`fact_of_row`) and go through the same validation;
a cell that cannot be read as its field's type is passed on as text, for validation to name.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Annotated, Any, Union, get_args, get_origin

from legacyledger.domain.values import FY_RE, KEY_RE, ORG_RE
from legacyledger.facts import MODELS, _standard

#: The column naming each row's fact type, when one table holds several.
FACT = "fact"
#: The column an export writes first: the fact's ledger position (order across tables).
POSITION = "position"
#: How a boolean cell may be written.
TRUE, FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


def columns(name: str) -> tuple[str, ...]:
    """The columns of fact type ``name``: its fields in declared order, without ``fact``."""
    return tuple(field for field in MODELS[name].model_fields if field != FACT)


def shape(name: str, field: str) -> str:
    """How a field's text is read: ``int``, ``bool``, ``date``, ``list``, ``object`` or
    ``text``."""
    info = MODELS[name].model_fields.get(field)
    hint = info.annotation if info is not None else str
    while get_origin(hint) in (Annotated, Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    origin: Any = get_origin(hint) or hint
    if hint is bool:
        return "bool"
    if hint is int:
        return "int"
    if hint is date:
        return "date"
    return {tuple: "list", list: "list", dict: "object"}.get(origin, "text")


def date_fields(name: str) -> frozenset[str]:
    """The columns of fact type ``name`` that hold a date."""
    return frozenset(f for f in columns(name) if shape(name, f) == "date")


def cell_value(name: str, field: str, text: str) -> Any:
    """A cell's text as the field's JSON value; text that does not convert is returned as
    it is, so validation names the row and column."""
    kind = shape(name, field)
    if kind == "int":
        return int(text) if text.strip().lstrip("-").isdigit() else text
    if kind == "bool":
        lowered = text.strip().lower()
        return True if lowered in TRUE else False if lowered in FALSE else text
    if kind == "list":
        return _json(text) if text.lstrip().startswith("[") else _items(text)
    return _json(text) if kind == "object" else text


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def fact_of_row(name: str, cells: Mapping[str, str]) -> dict[str, Any]:
    """The interchange dict of one row of fact type ``name``: empty cells are absent fields."""
    fact: dict[str, Any] = {FACT: name}
    for field, text in cells.items():
        if field not in (FACT, POSITION) and text.strip():
            fact[field] = cell_value(name, field, text)
    return fact


def cell_text(value: Any) -> str:
    """A stored value as a cell: lists and objects as JSON, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def row_of(fact: Mapping[str, Any]) -> list[str]:
    """An interchange fact as the cells of its type's :func:`columns`."""
    return [cell_text(fact.get(field)) for field in columns(str(fact[FACT]))]


def guide(name: str) -> Iterator[tuple[str, bool, str]]:
    """Each column of fact type ``name``: whether it is required, and what it accepts."""
    node = _standard(MODELS[name].model_json_schema(mode="validation"))
    required = set(node.get("required", ()))
    for field in columns(name):
        yield field, field in required, allowed(node["properties"][field])


def allowed(prop: Mapping[str, Any]) -> str:
    """What a column accepts, in words, from its JSON Schema."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    if len(options) == 2 and options[0].get("type") == "string" and "pattern" in options[0]:
        return f"decimal such as 12.50{_bounds(options[1])}"
    node = options[0]
    if "enum" in node:
        return "one of: " + " | ".join(node["enum"])
    return _kind(node)


def _kind(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    if node.get("format") == "date":
        return "date as YYYY-MM-DD, e.g. 2024-04-01"
    if kind == "integer":
        return f"whole number{_bounds(node)}"
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        return "list: comma-separated, or a JSON array"
    if kind == "object":
        return "JSON object"
    if "pattern" in node:
        pattern = node["pattern"].removeprefix("^").removesuffix("$")
        return _PATTERNS.get(pattern, f"text matching {pattern}")
    limit = node.get("maxLength")
    return f"text, at most {limit} characters" if limit else "text"


_PATTERNS = {
    KEY_RE: "a key: letters, digits, '.', '_' or '-' (at most 64), e.g. R-0001",
    ORG_RE: "an organisation as system:code, e.g. ods:RR8, gss:E08000035",
    FY_RE: "a financial year such as 2024/25",
}


def _bounds(node: Mapping[str, Any]) -> str:
    words = {"minimum": "≥", "maximum": "≤", "exclusiveMaximum": "<", "exclusiveMinimum": ">"}
    found = [f"{words[k]} {node[k]}" for k in words if k in node]
    return f" ({', '.join(found)})" if found else ""


__all__ = [
    "FACT",
    "POSITION",
    "allowed",
    "cell_text",
    "cell_value",
    "columns",
    "date_fields",
    "fact_of_row",
    "guide",
    "row_of",
    "shape",
]
