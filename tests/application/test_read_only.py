"""Read-only use (issue 12, "Read-only and misconfigured"): a ledger that cannot be written
is still read (report, export, verify, explain), a write says so in one line, and a closed
ledger says it is closed."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from legacyledger import Ledger, LedgerClosed, LedgerReadOnly
from legacyledger.reports import build_report, check_ledger
from legacyledger_cli import main
from tests.builders import cost_incurred

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example-facts.jsonl"
FIGURE = "retention.cohort_size/cohort=2024-25/scope=nhs"


def files_of(folder: Path) -> dict[str, str]:
    """The folder's files and their digests, but the WAL index and log a reader may make
    beside the ledger where it can (on a read-only filesystem it opens it immutable)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
            if not p.name.endswith(("-wal", "-shm"))}


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        ledger.import_file(EXAMPLE)
    return path


def test_a_read_only_ledger_reports_exports_verifies_and_explains(written: Path) -> None:
    before = files_of(written.parent)
    with Ledger(written, read_only=True) as ledger:
        assert ledger.count() == 17
        assert len(list(ledger.export_lines())) == 17
        assert check_ledger(ledger).ok
        assert build_report(ledger).figures
        assert ledger.explain(FIGURE).facts
    assert files_of(written.parent) == before


def test_recording_into_a_read_only_ledger_is_one_clear_error(written: Path) -> None:
    with Ledger(written, read_only=True) as ledger:
        with pytest.raises(LedgerReadOnly, match="open read-only: nothing can be recorded"):
            ledger.record(cost_incurred(key="wy-legacy"))
        assert ledger.count() == 17


def test_a_missing_file_opened_read_only_is_not_created(tmp_path: Path) -> None:
    from legacyledger import LedgerNotFound

    with pytest.raises(LedgerNotFound):
        Ledger(tmp_path / "typo.db", read_only=True)
    assert not (tmp_path / "typo.db").exists()


def test_use_after_close_says_the_ledger_was_closed(location: str) -> None:
    ledger = Ledger(location)
    ledger.close()
    with pytest.raises(LedgerClosed, match="was closed"):
        ledger.count()
    with pytest.raises(LedgerClosed, match="was closed"):
        ledger.record(cost_incurred(key="wy-legacy"))
    ledger.close()  # closing again does nothing


def cannot_write(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file and its folder cannot be written (as on a read-only filesystem, which a
    test running as root cannot make with permissions)."""
    real = os.access
    folder = str(path.parent.absolute())

    def access(target: Any, mode: int, **kwargs: Any) -> bool:
        if mode & os.W_OK and str(Path(target).absolute()).startswith(folder):
            return False
        return real(target, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize(
    "args", [["verify"], ["export"], ["report", "all"], ["explain", FIGURE], ["head"]]
)
def test_reading_commands_work_on_a_ledger_that_cannot_be_written(
    written: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    cannot_write(written, monkeypatch)
    before = files_of(written.parent)
    result = CliRunner().invoke(main, ["--ledger", str(written), *args])
    assert result.exit_code == 0, result.output
    assert files_of(written.parent) == before


#: Commands that write to the ledger or beside it (``follow`` and ``views rebuild`` write
#: its persisted views): each gave a traceback on a ledger that cannot be written.
WRITES = [["import", str(EXAMPLE)], ["record", "CostIncurred", "--partnership", "wy-legacy",
           "--on", "2024-05-01", "--amount", "1.00", "--category", "administration",
           "--description", "room hire", "--source_ref", "ro-1"],
          ["follow", "--once"], ["views", "rebuild"]]


@pytest.mark.parametrize("args", WRITES, ids=lambda args: " ".join(args[:2]))
def test_writing_to_a_ledger_that_cannot_be_written_is_one_clear_error(
    written: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    cannot_write(written, monkeypatch)
    before = files_of(written.parent)
    result = CliRunner().invoke(main, ["--ledger", str(written), *args])
    assert result.exit_code == 1 and not isinstance(result.exception, Exception), result.output
    assert "read-only" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
    assert files_of(written.parent) == before


def test_a_ledger_opened_read_only_on_either_store_reads_and_refuses_writes(
    location: str,
) -> None:
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    with Ledger(location, read_only=True) as ledger:
        assert check_ledger(ledger).ok and build_report(ledger).figures
        with pytest.raises(LedgerReadOnly):
            ledger.record(cost_incurred(key="wy-legacy"))
        assert ledger.count() == 17


@pytest.fixture
def read_only_filesystem(tmp_path: Path) -> Any:
    """A real read-only filesystem: a tmpfs mounted here, written, then remounted read-only
    (needs root and mount rights, as on CI; skipped elsewhere)."""
    import subprocess

    folder = tmp_path / "media"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    ).returncode:
        pytest.skip("mounting a read-only filesystem needs root and mount rights")
    try:
        yield folder, lambda: subprocess.run(
            ["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
    finally:
        busy = subprocess.run(["umount", str(folder)], capture_output=True, text=True)
        if busy.returncode:  # a file left open: unmount once it is collected, then say so
            gc.collect()
            subprocess.run(["umount", str(folder)], check=False, capture_output=True)
            pytest.fail(f"the read-only filesystem was still in use: {busy.stderr.strip()}")


def open_in(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(f"{folder}{os.sep}"):
                found.append(target)
    return found


def test_a_ledger_closed_on_a_read_only_filesystem_leaves_no_file_open(
    read_only_filesystem: Any,
) -> None:
    """The first, failed read-only open (before the immutable one) left its connection
    open until the garbage collector ran, so the filesystem could not be unmounted."""
    folder, make_read_only = read_only_filesystem
    path = folder / "ledger.db"
    with Ledger(path) as ledger:
        ledger.import_file(EXAMPLE)
    make_read_only()
    gc.disable()  # what a close leaves open stays open: none of it is collected by chance
    try:
        with Ledger(path, read_only=True) as ledger:
            assert check_ledger(ledger).ok
        assert open_in(folder) == []
    finally:
        gc.enable()


def test_reading_commands_work_on_a_real_read_only_filesystem(read_only_filesystem: Any) -> None:
    """No -shm can be made beside the ledger: it is opened immutable, and every reading
    command works; every writing one says read-only in one line."""
    folder, make_read_only = read_only_filesystem
    path = folder / "ledger.db"
    with Ledger(path) as ledger:
        ledger.import_file(EXAMPLE)
    make_read_only()
    before = files_of(folder)
    runner = CliRunner()
    for args in (["verify"], ["export"], ["report", "all"], ["explain", FIGURE], ["head"]):
        result = runner.invoke(main, ["--ledger", str(path), *args])
        assert result.exit_code == 0, (args, result.output)
    for args in WRITES:
        result = runner.invoke(main, ["--ledger", str(path), *args])
        assert result.exit_code == 1 and "read-only" in result.stderr, (args, result.output)
        assert not isinstance(result.exception, Exception), (args, result.exception)
    assert files_of(folder) == before


@pytest.fixture
def reader_dsn(pg_dsn: str) -> Any:
    """A DSN for a PostgreSQL role that may read the ledger (USAGE, SELECT) and no more."""
    from tests.conftest import postgres_role

    schema = pg_dsn.partition("?schema=")[2]
    with Ledger(pg_dsn) as ledger:
        ledger.import_file(EXAMPLE)
    with postgres_role(schema, "GRANT USAGE ON SCHEMA {schema} TO {role}",
                       "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}") as reader:
        yield f"{reader}?schema={schema}"


def test_a_postgres_role_that_may_only_read_reads_and_each_write_is_one_clear_error(
    reader_dsn: str, tmp_path: Path
) -> None:
    """Writes as a role without INSERT gave a traceback (import: permission denied for
    table legacyledger_source_refs; follow: for the schema)."""
    runner = CliRunner()
    for args in (["verify"], ["export"], ["report", "all"], ["explain", FIGURE], ["head"]):
        result = runner.invoke(main, ["--ledger", reader_dsn, *args])
        assert result.exit_code == 0, (args, result.output)
    new = tmp_path / "new.jsonl"
    new.write_bytes(orjson.dumps(cost_incurred(key="wy-legacy")) + b"\n")
    for args in [["import", str(new)], *WRITES[1:]]:
        result = runner.invoke(main, ["--ledger", reader_dsn, *args])
        assert result.exit_code == 1, (args, result.output)
        assert not isinstance(result.exception, Exception), (args, result.exception)
        assert "cannot be written" in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
    with Ledger(reader_dsn, create=False) as ledger:
        assert ledger.count() == 17
