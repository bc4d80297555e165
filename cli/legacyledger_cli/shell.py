"""What every command shares: where the ledger is, how loud to be, how to fail.

Commands build a :class:`~legacyledger.Ledger` through :meth:`Shell.ledger`, so opening
errors (a missing file, an unreachable server, a bad DSN) become one clear line and exit 1
instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse, urlunparse

import attrs
import click

from legacyledger import Ledger, LedgerNotFound, LedgerReadOnly
from legacyledger.views import resolve_known_at
from legacyledger_cli.frameworks_store import catalogue
from legacyledger_cli.locations import is_postgres


class Failure(click.ClickException):
    """An expected error: one line saying what went wrong, then the detail that fixes it."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)

    def show(self, file: object = None) -> None:
        click.echo(click.style(f"Error: {self.format_message()}", fg="red"), err=True)
        for line in self.details:
            click.echo(f"  {line}", err=True)


def display_location(location: str) -> str:
    """Where the ledger is, for people: an absolute path, or the DSN without its password."""
    if not is_postgres(location):
        return location if location == ":memory:" else str(Path(location).resolve())
    url = urlparse(location)
    if url.password is None:
        return location
    netloc = url.netloc.replace(f":{url.password}@", ":***@", 1)
    return urlunparse(url._replace(netloc=netloc))


#: PostgreSQL's codes for a write refused to the user: no privilege, a read-only transaction.
REFUSED_WRITES = frozenset({"42501", "25006"})


def refused_write(error: BaseException) -> str | None:
    """PostgreSQL's words when it refused this user a write (a role that may only read, a
    read-only server), from ``error`` or what it was raised from; else None."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if getattr(found, "sqlstate", None) in REFUSED_WRITES:
            return str(found).splitlines()[0]
        found = found.__cause__ or found.__context__
    return None


#: Why a ledger is read-only here (the CLI opens a SQLite file read-only when it must).
CANNOT_WRITE = "the file or its folder cannot be written"


@attrs.frozen
class Shell:
    """The group's options, passed to every command as ``ctx.obj``."""

    location: str
    quiet: bool = False

    @property
    def where(self) -> str:
        return display_location(self.location)

    def exists(self) -> bool:
        """Whether the ledger is already there (a PostgreSQL schema is assumed to be)."""
        location = self.location
        return is_postgres(location) or location == ":memory:" or Path(location).exists()

    def may_create(self) -> bool:
        """Whether a command other than ``init`` may create the ledger it writes to: a new
        SQLite file, yes (``import`` into a new file); a PostgreSQL schema, no: a mistyped
        schema would start an empty ledger unnoticed, so only ``init`` creates one."""
        return not is_postgres(self.location)

    @contextlib.contextmanager
    def ledger(
        self, *, create: bool = False, batch_size: int | None = None, writes_views: bool = False
    ) -> Iterator[Ledger]:
        """The ledger, opened read-only where it cannot be written; ``writes_views``: the
        command writes its persisted views, which a read-only ledger refuses up front."""
        if not create and not self.exists():
            raise Failure(
                f"no ledger at {self.where}",
                [
                    "create one with `legacyledger init`, "
                    "or point --ledger (or LEGACYLEDGER_LEDGER) at it"
                ],
            )
        opened = self._open(batch_size, create)
        try:
            if writes_views and opened.read_only:
                raise Failure(f"the ledger at {self.where} is read-only: its persisted views "
                              "cannot be written", [CANNOT_WRITE])
            yield opened
        except LedgerReadOnly as error:
            raise Failure(str(error).partition(" (")[0], [CANNOT_WRITE]) from None
        except Exception as error:
            reason = refused_write(error)
            if reason is None:
                raise
            raise Failure(f"the ledger at {self.where} cannot be written by this user",
                          [reason]) from None
        finally:
            opened.close()

    def read_only(self) -> bool:
        """Whether the ledger is a SQLite file this process cannot write (a read-only file,
        folder or filesystem): then it is opened read-only, and can still be read."""
        location = self.location
        if is_postgres(location) or location == ":memory:" or not Path(location).exists():
            return False
        folder = Path(location).absolute().parent
        return not (os.access(location, os.W_OK) and os.access(folder, os.W_OK))

    def _open(self, batch_size: int | None, create: bool) -> Ledger:
        try:
            frameworks = catalogue(self.location)
            options: dict[str, Any] = {"create": create, "read_only": self.read_only()}
            if batch_size is not None:
                options["batch_size"] = batch_size
            return Ledger(self.location, frameworks=frameworks, **options)
        except LedgerNotFound as error:
            raise Failure(
                f"no ledger at {self.where}",
                [str(error).partition(": create")[0],
                 "create one with `legacyledger init`, or point --ledger at it"],
            ) from None
        except Exception as error:  # any failure to open is the user's location, not a bug
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise Failure(f"cannot open the ledger at {self.where}", [detail]) from None

    def say(self, message: str, *, err: bool = False) -> None:
        """A confirmation (what was done, where): silenced by --quiet."""
        if not self.quiet:
            click.echo(message, err=err)

    def show_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


pass_shell = click.make_pass_decorator(Shell)


def missing(error: KeyError) -> Failure:
    """The library's KeyError for an unknown kind or key, as a clean failure."""
    return Failure(str(error.args[0]) if error.args else "not found")


def known_position(ledger: Ledger, known_at: int | datetime | str | None) -> int:
    """``--known-at`` as a ledger position, or one clear line if the ledger never got there."""
    try:
        return resolve_known_at(ledger, known_at)
    except ValueError as error:
        raise Failure(str(error)) from None


def check_output(output: str) -> None:
    """Fail before any work if ``-o FILE`` cannot be written (its directory is missing)."""
    if output == "-":
        return
    directory = Path(output).parent
    if not directory.exists():
        raise Failure(f"cannot write {output}: directory {directory} does not exist")
    if not directory.is_dir():
        raise Failure(f"cannot write {output}: {directory} is not a directory")


def open_output(output: str, mode: str, encoding: str | None = None) -> IO[Any]:
    """``-o FILE`` (or stdout for ``-``), replaced whole only once written: a write that
    cannot start is one line, not a traceback."""
    check_output(output)
    try:
        return click.open_file(output, mode, encoding=encoding, atomic=output != "-")
    except OSError as error:
        raise Failure(f"cannot write {output}: {error.strerror or error}") from None
