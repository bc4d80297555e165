"""legacyledger: an event-sourced ledger for NHS workforce programmes.

Facts in (JSON Lines, spreadsheets or dicts), validated against ``docs/spec/facts.md`` and
the rules of each aggregate; figures out, each with its derivation. Start with
:class:`Ledger`: ``record`` and ``import_file`` put facts in, ``views`` and ``explain`` read
figures out, ``export_lines`` gives the facts back. ``import legacyledger`` never imports
click and changes nothing in the process.

The names below are the public API; everything else may move between versions.
"""

from legacyledger.application import ImportResult, Ledger, LedgerClosed, LedgerReadOnly, Progress
from legacyledger.facts import json_schema
from legacyledger.facts.mapping import ColumnMapping, MappingError
from legacyledger.facts.parsing import FactError, ImportRejected
from legacyledger.facts.sheets import SheetError, Spreadsheets, open_tables
from legacyledger.frameworks import Framework, FrameworkError, load_framework
from legacyledger.persistence import ChainCheck, LedgerNotFound
from legacyledger.projections.base import Derivation, FactRecord, Figure
from legacyledger.reports import Report, ReportFigure, build_report
from legacyledger.reports.words import Words, in_words
from legacyledger.views import Explanation, FigureDiff, Views

#: The release; the package metadata reads it from here (pyproject.toml).
__version__ = "0.2.0.dev0"

__all__ = [
    "ChainCheck",
    "ColumnMapping",
    "Derivation",
    "Explanation",
    "FactError",
    "FactRecord",
    "Figure",
    "FigureDiff",
    "Framework",
    "FrameworkError",
    "ImportRejected",
    "ImportResult",
    "Ledger",
    "LedgerClosed",
    "LedgerNotFound",
    "LedgerReadOnly",
    "MappingError",
    "Progress",
    "Report",
    "ReportFigure",
    "SheetError",
    "Spreadsheets",
    "Views",
    "Words",
    "__version__",
    "build_report",
    "in_words",
    "json_schema",
    "load_framework",
    "open_tables",
]
