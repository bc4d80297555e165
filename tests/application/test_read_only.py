"""Read-only use (issue 12, "Read-only and misconfigured"): a ledger that cannot be written
is still read (report, export, verify, explain), a write says so in one line, and a closed
ledger says it is closed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

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


def test_writing_to_a_ledger_that_cannot_be_written_is_one_clear_error(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cannot_write(written, monkeypatch)
    result = CliRunner().invoke(main, ["--ledger", str(written), "import", str(EXAMPLE)])
    assert result.exit_code == 1
    assert "read-only" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 2


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
