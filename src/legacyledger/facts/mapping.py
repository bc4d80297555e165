"""A column mapping: another system's export (REDCap, ESR, a local spreadsheet) read as facts
(the keys of a mapping file are documented on :class:`ColumnMapping`)."""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from legacyledger.facts import MODELS
from legacyledger.facts.tables import FACT, date_fields

_KEYS = frozenset({"about", "columns", "values", "fact", "set", "source_ref", "dates"})
_DATE_PARTS = {"DD": "%d", "MM": "%m", "YYYY": "%Y"}


class MappingError(ValueError):
    """A mapping file that cannot be used, or a row it cannot map (the message says where)."""


@attrs.frozen
class ColumnMapping:
    """How one system's columns and values become our fields: a small JSON file
    (``examples/redcap-mapping.json`` is a worked one) with these keys, all optional:

    - ``columns``: ``{"their column": "our field"}``; ``null`` ignores a column. Columns not
      named keep their names.
    - ``values``: ``{"our field": {"their value": "our value"}}``, e.g. REDCap's coded choices.
    - ``fact``: the fact type of every row, when the export holds one; otherwise rows name it
      in a column mapped to ``fact`` (its values mapped like any other field's).
    - ``set``: fields a fact type always has here,
      ``{"RegistrantEnrolled": {"partnership": "wy"}}`` (``"*"`` for every fact type); a cell
      that is not empty wins.
    - ``source_ref``: a template over their columns, ``"redcap-{record_id}-{instance}"``,
      so exporting again and re-importing is a no-op, as it is for JSON Lines.
    - ``dates``: how their dates are written (``DD/MM/YYYY``, ``MM/DD/YYYY``,
      ``YYYY-MM-DD``, with ``/``, ``-`` or ``.``); a cell not in that form is passed on for
      validation to name.
    """

    columns: Mapping[str, str | None] = attrs.field(factory=dict)
    values: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    fact: str | None = None
    set: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    source_ref: str | None = None
    dates: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ColumnMapping:
        """Read and check a mapping file; a wrong one is one clear :class:`MappingError`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MappingError(f"cannot read the mapping {path}: {error}") from None
        if not isinstance(data, dict):
            raise MappingError(f"mapping {path}: must be a JSON object")
        return cls.of(data, str(path))

    @classmethod
    def of(cls, data: Mapping[str, Any], where: str = "mapping") -> ColumnMapping:
        """A mapping from its JSON object, checked: unknown keys, fact names, date forms."""
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise MappingError(f"{where}: unknown key {unknown[0]!r} (known: {sorted(_KEYS)})")
        found = cls(**{k: v for k, v in data.items() if k != "about"})
        for name in [found.fact or "*", *found.set]:
            if name != "*" and name not in MODELS:
                raise MappingError(f"{where}: unknown fact {name!r}")
        if found.dates is not None:
            strptime_pattern(found.dates, where)
        return found

    def field_of(self, column: str) -> str | None:
        """The field a column is read as (``None``: ignored)."""
        return self.columns.get(column, column)

    def row(self, cells: Mapping[str, str]) -> dict[str, str]:
        """One row's cells keyed by field, values mapped (empty cells stay empty). Raises
        :class:`MappingError` when two columns give one field different values."""
        fields: dict[str, str] = {}
        for column, text in cells.items():
            field = self.field_of(column)
            if field is None:
                continue
            text = self.values.get(field, {}).get(text.strip(), text)
            if text.strip() and fields.get(field, "").strip() not in ("", text.strip()):
                raise MappingError(f"two columns give {field!r} different values")
            if text.strip() or field not in fields:
                fields[field] = text
        return self._completed(fields, cells)

    def _completed(self, fields: dict[str, str], cells: Mapping[str, str]) -> dict[str, str]:
        if self.fact is not None:
            fields[FACT] = self.fact
        name = fields.get(FACT, "").strip()
        for field, text in {**self.set.get("*", {}), **self.set.get(name, {})}.items():
            if not fields.get(field, "").strip():
                fields[field] = text
        if self.source_ref is not None and not fields.get("source_ref", "").strip():
            fields["source_ref"] = self._ref(cells)
        if self.dates is not None and name in MODELS:
            self._iso_dates(name, fields)
        return fields

    def _ref(self, cells: Mapping[str, str]) -> str:
        names = [n for _, n, _, _ in string.Formatter().parse(self.source_ref or "") if n]
        missing = [n for n in names if n not in cells]
        if missing:
            raise MappingError(f"source_ref names column {missing[0]!r}, which is not there")
        ref = (self.source_ref or "").format(**{n: cells[n].strip() for n in names})
        return re.sub(r"[^A-Za-z0-9._\-]+", "-", ref).strip("-")

    def _iso_dates(self, name: str, fields: dict[str, str]) -> None:
        pattern = strptime_pattern(self.dates or "")
        for field in date_fields(name) & set(fields):
            try:
                fields[field] = datetime.strptime(fields[field].strip(), pattern).date().isoformat()
            except ValueError:
                continue  # left as given: validation names the row, column and form wanted


def strptime_pattern(form: str, where: str = "mapping") -> str:
    """``DD/MM/YYYY`` as ``%d/%m/%Y``; any other form is a :class:`MappingError`."""
    parts = re.fullmatch(r"(DD|MM|YYYY)([/.\-])(DD|MM|YYYY)\2(DD|MM|YYYY)", form)
    if parts is None or {parts[1], parts[3], parts[4]} != set(_DATE_PARTS):
        raise MappingError(f"{where}: dates {form!r} must be like DD/MM/YYYY or YYYY-MM-DD")
    return parts[2].join(_DATE_PARTS[p] for p in (parts[1], parts[3], parts[4]))


__all__ = ["ColumnMapping", "MappingError", "strptime_pattern"]
