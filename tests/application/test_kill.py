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
from tests.sync import HUNG

BATCH = 500
#: Enough for a dozen batches, so the kill lands mid-import; no more, so that the
#: stress loop (`make stress`) can run it hundreds of times.
FACTS = 6_000
#: The import, saying on stdout how many events each committed batch brings it to (the
#: test kills it on hearing a number, never by polling the file on a clock). Before its last
#: batch it waits on its stdin, which the test never writes: it cannot finish before the
#: kill lands, however the machine schedules the two.
IMPORT = (
    "import sys; from legacyledger import Ledger\n"
    "def said(phase, done, total):\n"
    "    if phase == 'written':\n"
    "        print(done, flush=True)\n"
    "        if done + {batch} >= total: sys.stdin.readline()\n"
    "Ledger(sys.argv[1], batch_size={batch}).import_file(sys.argv[2], progress=said)"
)

pytestmark = [pytest.mark.slow, pytest.mark.concurrency]


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
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:
        if int(line) >= after:
            process.send_signal(signal.SIGKILL)
            break
    process.stdout.close()
    process.wait(HUNG)
    process.stdin.close()
    return process


def partial_import(tmp_path: Path) -> tuple[Path, Path, int, int]:
    """(db, facts file, facts in the file, events stored) of an import killed part-way."""
    facts = tmp_path / "facts.jsonl"
    total = write_facts(facts)
    db = tmp_path / "ledger.db"
    process = kill_when_written(db, facts, after=total // 3)
    assert process.returncode == -signal.SIGKILL, db.with_suffix(".stderr").read_text()
    written = stored(db, "stored_events")
    assert 0 < written < total
    return db, facts, total, written


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
