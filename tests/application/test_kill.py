"""An import killed part-way leaves whole batches only, and re-running it completes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import orjson
import pytest

from legacyledger import Ledger

BATCH = 500
FACTS = 30_000
#: The import, saying on stdout how many events each committed batch brings it to (the
#: test kills it on hearing a number, never by polling the file on a clock).
IMPORT = (
    "import sys; from legacyledger import Ledger\n"
    "def said(phase, done, total):\n"
    "    if phase == 'written': print(done, flush=True)\n"
    "Ledger(sys.argv[1], batch_size={batch}).import_file(sys.argv[2], progress=said)"
)

pytestmark = pytest.mark.slow


def write_facts(path: Path) -> int:
    """A large valid history: the synthetic programme if present, else a plain loop."""
    try:
        from legacyledger.synthetic import SyntheticConfig, write_jsonl
    except ImportError:
        from tests.builders import long_history

        path.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in long_history(FACTS)))
        return FACTS
    return write_jsonl(path, SyntheticConfig.for_facts(FACTS))


def stored(db: Path, table: str) -> int:
    """Rows in a table, read with plain sqlite3 (0 while the table does not exist yet)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def kill_when_written(db: Path, facts: Path, after: int) -> subprocess.Popen[bytes]:
    """Start the import in a subprocess and SIGKILL it once it says ``after`` events are
    committed (it may commit more before the signal lands: that is the point)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    code = IMPORT.format(batch=BATCH)
    with db.with_suffix(".stderr").open("wb") as errors:
        process = subprocess.Popen([sys.executable, "-c", code, str(db), str(facts)], env=env,
                                   stdout=subprocess.PIPE, stderr=errors)
    assert process.stdout is not None
    for line in process.stdout:
        if int(line) >= after:
            process.send_signal(signal.SIGKILL)
            break
    process.stdout.close()
    process.wait(timeout=120)
    return process


def partial_import(tmp_path: Path) -> tuple[Path, Path, int, int]:
    """(db, facts file, facts in the file, events stored) of an import killed part-way."""
    facts = tmp_path / "facts.jsonl"
    total = write_facts(facts)
    for attempt in range(3):
        db = tmp_path / f"ledger-{attempt}.db"
        process = kill_when_written(db, facts, after=total // 3 if attempt == 0 else 1)
        errors = db.with_suffix(".stderr").read_text()
        assert process.returncode in (-signal.SIGKILL, 0), errors
        written = stored(db, "stored_events")
        if 0 < written < total:
            return db, facts, total, written
    pytest.fail("the import finished before it could be killed three times running")


def test_a_killed_import_leaves_whole_batches_and_resumes(tmp_path: Path) -> None:
    db, facts, total, written = partial_import(tmp_path)

    assert written % BATCH == 0, f"{written} events is not a whole number of {BATCH}-fact batches"
    assert stored(db, "source_refs") == written

    with Ledger(db, batch_size=BATCH) as ledger:
        assert ledger.count() == written
        result = ledger.import_file(facts)
        assert (result.recorded, result.already_present) == (total - written, written)
        assert ledger.count() == total
        refs = [record.fact["source_ref"] for record in ledger.records()]

    assert len(refs) == len(set(refs)) == total
    expected = {orjson.loads(line)["source_ref"] for line in facts.read_bytes().splitlines()}
    assert set(refs) == expected
    assert stored(db, "source_refs") == total
