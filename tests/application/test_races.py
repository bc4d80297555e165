"""Writers racing past a rule across subjects: of two facts that cannot both hold, recorded at
the same moment by two writers, exactly one is stored and the other gets the rule's error
(issue 12: "Two writers race past a cross-subject rule"). The rules are checked again, under
the write lock, against what was stored meanwhile (``legacyledger.persistence.guard``)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from legacyledger import ImportRejected, Ledger
from tests.builders import (
    contact,
    matched,
    mentor_enrolled,
    mentor_withdrew,
    partnership_formed,
    registrant_enrolled,
)
from tests.sync import HUNG

pytestmark = pytest.mark.concurrency

ROUNDS = 50


def race(
    writers: tuple[Ledger, Ledger], first: dict[str, Any], second: dict[str, Any]
) -> list[object]:
    """Record ``first`` and ``second`` through two writers released together by a barrier:
    what each got (its result, or the ImportRejected it raised)."""
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def write(index: int, fact: dict[str, Any]) -> None:
        start.wait(HUNG)
        try:
            outcomes[index] = writers[index].record(fact)
        except ImportRejected as rejected:
            outcomes[index] = rejected

    threads = [threading.Thread(target=write, args=(i, f)) for i, f in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HUNG)
        assert not thread.is_alive(), "hung: a writer never finished"
    return outcomes


def test_two_writers_race_past_a_cross_subject_rule(location: str, tmp_path: Path) -> None:
    """A withdrawal and a later-dated contact with that mentor, recorded at once: in every
    round one is stored and the other refused, naming the rule; the ledger's export then
    imports again."""
    setup = [partnership_formed()]
    for n in range(ROUNDS):
        setup += [
            mentor_enrolled(f"M-{n}"),
            registrant_enrolled(f"R-{n}"),
            matched(f"R-{n}", mentor=f"M-{n}", on="2024-10-01"),
        ]
    with Ledger(location) as ledger:
        ledger.import_facts(setup)
    # Two long-lived writers, as two services would be: each round, whatever either has
    # read or cached before, the rule is checked again under the write lock.
    with Ledger(location) as one, Ledger(location) as other:
        for n in range(ROUNDS):
            withdrawal = mentor_withdrew(f"M-{n}", on="2024-11-01")
            talk = contact(f"R-{n}", mentor=f"M-{n}", on="2024-11-15")
            outcomes = race((one, other) if n % 2 else (other, one), withdrawal, talk)
            refused = [o for o in outcomes if isinstance(o, ImportRejected)]
            assert len(refused) == 1, f"round {n}: {outcomes}"
            (error,) = refused[0].errors
            assert "withdrew" in error.message or "was not active" in error.message, error
    with Ledger(location) as ledger:
        exported = list(ledger.export_lines())
        assert ledger.verify_chain().ok
    with Ledger(tmp_path / "again.db") as again:
        again.import_facts(exported)
        assert again.count() == len(exported)


WRITER = """
import sys
from legacyledger import Ledger
with Ledger(sys.argv[1], batch_size=int(sys.argv[3])) as ledger:
    print("ready", flush=True)
    sys.stdin.readline()
    result = ledger.import_file(sys.argv[2])
    print(result.recorded, result.already_present, ledger.conflicts_retried, flush=True)
"""


def programme_file(path: Path, mentors: int = 10, registrants: int = 40) -> Path:
    """A file of facts on many subjects that need each other (matches, contacts): 1,211
    facts, some fifty 25-fact batches for each of two importers to interleave."""
    facts = [partnership_formed()]
    for m in range(mentors):
        facts.append(mentor_enrolled(f"M-{m}"))
        for r in range(registrants):
            key = f"R-{m}-{r}"
            facts += [
                registrant_enrolled(key),
                matched(key, mentor=f"M-{m}", on="2024-10-01"),
                contact(key, mentor=f"M-{m}", on="2024-10-08"),
            ]
    path.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in facts))
    return path


@pytest.mark.slow
def test_the_same_file_imported_by_two_processes_at_once_ends_with_one_copy(
    location: str, tmp_path: Path
) -> None:
    """Both imports succeed without a rule error; every fact is stored once."""
    source = programme_file(tmp_path / "programme.jsonl")
    with Ledger(location):
        pass  # created before the writers start, so neither creates the tables
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, location, str(source), "25"], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for writer in writers:  # both started and holding a ledger: then released together
        assert writer.stdout is not None and writer.stdout.readline() == b"ready\n"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
    recorded = 0
    for writer in writers:
        out, err = writer.communicate(timeout=HUNG)
        assert writer.returncode == 0, err.decode()[-3000:]
        recorded += int(out.split()[0])
    lines = source.read_bytes().splitlines()
    assert recorded == len(lines)
    with Ledger(location) as ledger:
        refs = [r.fact["source_ref"] for r in ledger.records()]
        assert sorted(refs) == sorted(orjson.loads(line)["source_ref"] for line in lines)
        assert ledger.verify_chain().ok
