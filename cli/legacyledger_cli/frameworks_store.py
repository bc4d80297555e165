"""Framework files the user has loaded, kept beside the ledger so every later command sees them.

A SQLite ledger ``programme.db`` keeps them in ``programme.db.frameworks/``; a PostgreSQL
ledger in ``./.legacyledger-frameworks/`` (the directory the commands run in); an in-memory
ledger has nowhere to keep them. Each file is stored as given, named ``<id>-<version>.json``,
and validated again whenever it is read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from legacyledger.frameworks import Framework, FrameworkError, FrameworkRegistry, load_framework
from legacyledger_cli.locations import is_postgres

POSTGRES_DIRECTORY = ".legacyledger-frameworks"


def directory(location: str) -> Path | None:
    """Where the ledger at ``location`` keeps loaded frameworks (None for ``:memory:``)."""
    if location == ":memory:":
        return None
    if is_postgres(location):
        return Path(POSTGRES_DIRECTORY)
    return Path(f"{location}.frameworks")


def stored_files(location: str) -> list[Path]:
    folder = directory(location)
    return sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []


def registry(location: str) -> FrameworkRegistry:
    """The shipped frameworks plus every framework file stored for this ledger."""
    return FrameworkRegistry(load_framework(path) for path in stored_files(location))


def loaded_ids(location: str) -> set[tuple[str, str]]:
    """(id, version) of the frameworks stored for this ledger, to tell them from shipped ones."""
    return {(f.id, f.version) for f in map(load_framework, stored_files(location))}


def store(location: str, source: Path) -> tuple[Framework, bool]:
    """Validate ``source`` against what is already known, then keep a copy.

    Returns the framework and whether it was new (False: the same id, version and content
    were already there).
    """
    folder = directory(location)
    if folder is None:
        raise FrameworkError("an in-memory ledger cannot keep framework files")
    known = registry(location)
    framework = load_framework(source)
    already = framework.version in known.versions(framework.id)
    known.register(framework)  # the same id and version with other content is an error
    if already:
        return framework, False
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / f"{framework.id}-{framework.version}.json")
    return framework, True
