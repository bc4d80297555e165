"""Many writers: processes recording into one ledger at once lose and duplicate nothing.

A write that races another on the same subject fails eventsourcing's optimistic concurrency
check; the import is then planned again from the ledger as it stands and retried whole
(eventsourcing brief §8, P3), never silently dropped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from legacyledger import Ledger
from tests.builders import (
    contact,
    matched,
    mentor_enrolled,
    partnership_formed,
    registrant_enrolled,
)
from tests.sync import HUNG, release_together

pytestmark = pytest.mark.concurrency

REGISTRANTS = [f"R-{i:03d}" for i in range(40)]

WRITER = """
import sys
from legacyledger import Ledger
print("ready", flush=True)
sys.stdin.readline()  # released by the test once both writers are up
with Ledger(sys.argv[1], batch_size=int(sys.argv[3])) as ledger:
    for _ in range(3):
        ledger.import_file(sys.argv[2])
    print(ledger.conflicts_retried)
"""


def base_facts() -> list[dict[str, object]]:
    facts = [partnership_formed(source_ref="p"), mentor_enrolled(source_ref="m")]
    for key in REGISTRANTS:
        facts += [
            registrant_enrolled(key, source_ref=f"enrol-{key}"),
            matched(key, source_ref=f"match-{key}"),
        ]
    return facts


def contacts(writer: str, shared: bool) -> list[dict[str, object]]:
    """Contacts for every registrant: the same subjects as the other writer (conflicting
    writes), and, when ``shared``, some facts both writers send (same source_ref)."""
    facts = []
    for day, key in enumerate(REGISTRANTS):
        on = f"2024-11-{1 + day % 28:02d}"
        facts.append(contact(key, on=on, minutes=30, source_ref=f"{writer}-{key}"))
        if shared:
            facts.append(contact(key, on="2024-12-01", minutes=45, source_ref=f"both-{key}"))
    return facts


def write(path: Path, facts: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in facts))
    return path


@pytest.mark.slow
def test_two_processes_recording_at_once_store_every_fact_once(
    location: str, tmp_path: Path
) -> None:
    base = base_facts()
    with Ledger(location) as ledger:
        ledger.import_facts(base)
    files = [write(tmp_path / f"{w}.jsonl", contacts(w, shared=True)) for w in ("a", "b")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, location, str(f), "7"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for f in files
    ]
    release_together(writers)  # both interpreters up: then released together
    retried = 0
    for writer in writers:
        out, err = writer.communicate(timeout=HUNG)
        assert writer.returncode == 0, err.decode()[-2000:]
        retried += int(out.split()[-1])
    with Ledger(location) as ledger:
        refs = [r.fact["source_ref"] for r in ledger.records()]
        assert len(refs) == len(set(refs)), "a fact was stored twice"
        expected = {f["source_ref"] for f in base + contacts("a", True) + contacts("b", True)}
        assert set(refs) == expected, "a fact was lost"
        assert ledger.verify_chain().ok
        for key in REGISTRANTS[:5]:
            assert len([r for r in ledger.history("registrant", key)
                        if r.fact["fact"] == "MentoringContactRecorded"]) == 3
    print(f"imports retried after a conflict: {retried}")


def test_an_import_rejected_after_a_conflict_says_what_it_had_written(tmp_path: Path) -> None:
    """Another writer records a leaving between two batches of an import: the import is
    planned again, its remaining contact now falls after the leaving and is refused, and the
    error says the first contact was already written (not "nothing was written")."""
    from legacyledger import ImportRejected
    from tests.builders import left

    path = tmp_path / "race.db"
    with Ledger(path) as setup:
        setup.import_facts([partnership_formed(), mentor_enrolled(), registrant_enrolled(),
                            matched(on="2024-10-01")])
    first, second = contact(on="2024-10-08"), contact(on="2024-10-20")
    raced: list[int] = []

    def race(phase: str, done: int, total: int) -> None:
        if phase == "written" and not raced:
            raced.append(done)
            with Ledger(path) as other:
                other.record(left(on="2024-10-10"))

    with Ledger(path, batch_size=1) as ledger:
        with pytest.raises(ImportRejected) as caught:
            ledger.import_facts([first, second], progress=race)
        assert caught.value.written == 1
        assert "1 fact(s) were written in earlier batches" in str(caught.value)
        assert [e.line for e in caught.value.errors] == [2]
        refs = {r.fact["source_ref"] for r in ledger.records()}
        assert first["source_ref"] in refs and second["source_ref"] not in refs
