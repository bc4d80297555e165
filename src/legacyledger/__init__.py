"""legacyledger: an event-sourced ledger for NHS workforce programmes.

Facts in (JSON Lines or dicts), validated against ``docs/spec/facts.md`` and the rules of each
aggregate; figures out, each with its derivation. ``import legacyledger`` never imports click.
"""

from legacyledger.application import ImportResult, Ledger, LedgerClosed, LedgerReadOnly
from legacyledger.facts.parsing import FactError, ImportRejected
from legacyledger.persistence import LedgerNotFound
from legacyledger.projections.base import FactRecord

__version__ = "0.1.0"

__all__ = [
    "FactError",
    "FactRecord",
    "ImportRejected",
    "ImportResult",
    "Ledger",
    "LedgerClosed",
    "LedgerNotFound",
    "LedgerReadOnly",
    "__version__",
]
