"""Framework files that 0.1.0 kept beside a SQLite ledger, still read.

0.1.0 copied a loaded framework file into ``programme.db.frameworks/``. Frameworks are now
facts in the ledger (``legacyledger frameworks load`` records one, so every reader sees it);
the files of such a folder are still read, validated again each time, so a 0.1.0 ledger keeps
its frameworks, and ``frameworks load`` of one of them records it in the ledger.
"""

from __future__ import annotations

from pathlib import Path

from legacyledger.frameworks import Framework, load_framework, shipped_frameworks
from legacyledger_cli.locations import is_postgres


def directory(location: str) -> Path | None:
    """Where 0.1.0 kept the frameworks of the SQLite ledger at ``location`` (None: nowhere)."""
    if location == ":memory:" or is_postgres(location):
        return None
    return Path(f"{location}.frameworks")


def stored_files(location: str) -> list[Path]:
    folder = directory(location)
    return sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []


def folder_frameworks(location: str) -> list[Framework]:
    """The frameworks in the 0.1.0 folder of this ledger (FrameworkError if one is invalid)."""
    return [load_framework(path) for path in stored_files(location)]


def catalogue(location: str) -> list[Framework]:
    """What the ledger's recorded frameworks join: the shipped ones and the folder's."""
    return [*shipped_frameworks().values(), *folder_frameworks(location)]
