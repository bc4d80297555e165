"""The ``Ledger`` use cases on every store (SQLite file and PostgreSQL schema)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from legacyledger import ImportRejected, Ledger
from tests.builders import (
    R,
    contact,
    corrected,
    left,
    matched,
    programme,
    time_logged,
)
from tests.sync import HUNG


def lines(facts: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(f) + b"\n" for f in facts]


def without_refs(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "source_ref"} for f in facts]


def test_reimporting_a_file_is_a_no_op(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_bytes(b"".join(lines(programme())))
    first = ledger.import_file(path)
    head, count = ledger.head(), ledger.count()
    again = ledger.import_file(path)
    assert (first.recorded, first.already_present) == (count, 0)
    assert (again.recorded, again.already_present, again.batches) == (0, count, 0)
    assert (ledger.head(), ledger.count()) == (head, count)


def test_a_file_that_adds_to_an_import_records_only_the_new_facts(ledger: Ledger) -> None:
    facts = programme()
    ledger.import_facts(facts[:10])
    result = ledger.import_facts(facts)
    assert (result.recorded, result.already_present) == (len(facts) - 10, 10)
    assert ledger.count() == len(facts)


def test_the_same_source_ref_with_other_content_is_a_conflict(ledger: Ledger) -> None:
    facts = programme()
    ledger.import_facts(facts)
    changed = {**facts[12], "minutes": 90}
    with pytest.raises(ImportRejected) as caught:
        ledger.import_facts([changed])
    (error,) = caught.value.errors
    assert (error.line, error.fact, error.field) == (1, changed["fact"], "source_ref")
    assert changed["source_ref"] in error.message
    assert ledger.count() == len(facts)


def test_the_same_source_ref_twice_in_one_file_with_other_content_is_a_conflict(
    memory_ledger: Ledger,
) -> None:
    facts = programme()
    twin = {**facts[-2], "reason": "retired"}
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts([*facts, twin])
    assert [(e.line, e.field) for e in caught.value.errors] == [(len(facts) + 1, "source_ref")]
    assert memory_ledger.count() == 0


def test_facts_without_source_ref_get_a_stable_derived_ref(ledger: Ledger) -> None:
    facts = without_refs(programme()[:-1])  # the correction needs its target's ref
    first = ledger.import_facts(facts)
    again = ledger.import_facts(facts)
    assert first.recorded == len(facts)
    assert (again.recorded, again.already_present) == (0, len(facts))
    refs = [r.fact["source_ref"] for r in ledger.records()]
    assert len(set(refs)) == len(refs)
    assert all(r.startswith("auto-") for r in refs)


def test_two_identical_facts_without_source_ref_stay_two_facts(memory_ledger: Ledger) -> None:
    facts = [*programme()[:14], *without_refs([time_logged()] * 2)]
    assert memory_ledger.import_facts(facts).recorded == len(facts)
    assert memory_ledger.import_facts(facts).already_present == len(facts)


def test_a_batched_import_writes_contiguous_positions_on_sqlite(tmp_path: Path) -> None:
    facts = programme()
    with Ledger(tmp_path / "ledger.db", batch_size=3) as small:
        result = small.import_facts(facts)
        positions = [r.position for r in small.records()]
    assert result.batches == -(-len(facts) // 3)
    assert (result.first_position, result.last_position) == (1, len(facts))
    assert positions == list(range(1, len(facts) + 1))


def test_a_batched_import_on_every_store(location: str) -> None:
    facts = programme()
    with Ledger(location, batch_size=3) as small:
        result = small.import_facts(facts)
        positions = [r.position for r in small.records()]
        assert small.count() == len(facts)
    assert result.batches == -(-len(facts) // 3)
    assert positions == sorted(positions)
    assert (positions[0], positions[-1]) == (result.first_position, result.last_position)


def test_history_and_subject_as_known_at_an_earlier_position(ledger: Ledger) -> None:
    first = contact(on="2024-10-08", minutes=55)
    early = [*programme()[:11], matched(), first]
    ledger.import_facts(early)
    known_at = ledger.head()
    ledger.import_facts([left(on="2025-08-29"), corrected(first["source_ref"], {"minutes": 65})])

    then = ledger.history("registrant", R, known_at=known_at)
    now = ledger.history("registrant", R)
    assert [r.fact["fact"] for r in then] == ["RegistrantEnrolled", "MentorMatched",
                                             "MentoringContactRecorded"]
    assert [r.fact["fact"] for r in now[3:]] == ["RegistrantLeft", "FactCorrected"]
    assert all(r.position <= known_at for r in then)

    before = ledger.subject("registrant", R, known_at=known_at)
    after = ledger.subject("registrant", R)
    assert (before.left, after.left) == (False, True)
    assert before.facts[first["source_ref"]].minutes == 55
    assert after.facts[first["source_ref"]].minutes == 65


def test_a_subject_not_yet_known_at_a_position_is_a_key_error(ledger: Ledger) -> None:
    facts = programme()
    ledger.import_facts(facts[:5])
    known_at = ledger.head()
    ledger.import_facts(facts)
    with pytest.raises(KeyError):
        ledger.subject("registrant", R, known_at=known_at)
    with pytest.raises(KeyError):
        ledger.subject("registrant", "R-404")


def test_export_import_export_is_byte_identical(ledger: Ledger, tmp_path: Path) -> None:
    ledger.import_facts(programme())
    ledger.import_facts(without_refs([time_logged(on="2024-11-01"), time_logged(on="2024-11-01")]))
    exported = b"".join(ledger.export_lines())
    with Ledger(tmp_path / "copy.db") as copy:
        result = copy.import_facts(exported.splitlines())
        assert result.recorded == ledger.count()
        assert b"".join(copy.export_lines()) == exported


def test_export_is_the_interchange_format(memory_ledger: Ledger) -> None:
    facts = programme()
    memory_ledger.import_facts(facts)
    exported = [orjson.loads(line) for line in memory_ledger.export_lines()]
    assert exported == facts


def test_a_reopened_ledger_holds_the_same_facts(location: str) -> None:
    facts = programme()
    with Ledger(location) as first:
        first.import_facts(facts)
        exported = b"".join(first.export_lines())
        registrant = first.subject("registrant", R)
    with Ledger(location) as reopened:
        assert reopened.count() == len(facts)
        assert b"".join(reopened.export_lines()) == exported
        assert reopened.subject("registrant", R).spans == registrant.spans


def test_importing_the_library_does_not_import_click() -> None:
    code = "import legacyledger, sys; assert 'click' not in sys.modules, 'click imported'"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=HUNG)
    assert done.returncode == 0, done.stderr


def test_facts_after_a_correction_keep_their_subject(memory_ledger: Ledger) -> None:
    first = contact(on="2024-10-08", minutes=55)
    memory_ledger.import_facts([*programme()[:11], matched(), first])
    memory_ledger.import_facts([corrected(first["source_ref"], {"minutes": 65}),
                                contact(on="2024-11-08")])
    history = memory_ledger.history("registrant", R)
    assert {r.fact["registrant"] for r in history} == {R}
    assert memory_ledger.subject("registrant", R).key == R


# -- subjects kept between imports ----------------------------------------------------------


def test_a_subject_written_by_this_ledger_is_not_replayed_for_the_next_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.builders import contact, matched, mentor_enrolled, partnership_formed
    from tests.builders import registrant_enrolled as enrolled

    with Ledger(tmp_path / "kept.db") as ledger:
        ledger.import_facts([partnership_formed(), mentor_enrolled(), enrolled(),
                             matched(on="2024-10-01")])
        replayed: list[object] = []
        real = ledger.app.repository.get
        monkeypatch.setattr(ledger.app.repository, "get",
                            lambda *a, **k: replayed.append(a) or real(*a, **k))
        ledger.record(contact(on="2024-10-08"))
        ledger.record(contact(on="2024-10-09"))
        assert replayed == []
        assert ledger.subject("registrant", "R-1").version == 4  # type: ignore[attr-defined]


def test_a_subject_another_writer_moved_on_is_read_again(tmp_path: Path) -> None:
    from tests.builders import contact, left, matched, mentor_enrolled, partnership_formed
    from tests.builders import registrant_enrolled as enrolled

    path = tmp_path / "two.db"
    with Ledger(path) as first, Ledger(path) as second:
        first.import_facts([partnership_formed(), mentor_enrolled(), enrolled(),
                            matched(on="2024-10-01")])
        second.record(left(on="2024-10-05"))
        with pytest.raises(ImportRejected) as caught:
            first.record(contact(on="2024-10-08"))  # after leaving: first must see it
        assert caught.value.errors[0].fact == "MentoringContactRecorded"


def test_a_rejected_import_leaves_no_trace_in_the_kept_subjects(tmp_path: Path) -> None:
    from tests.builders import contact, matched, mentor_enrolled, partnership_formed
    from tests.builders import registrant_enrolled as enrolled

    with Ledger(tmp_path / "kept.db") as ledger:
        ledger.import_facts([partnership_formed(), mentor_enrolled(), mentor_enrolled("M-2"),
                             enrolled(), matched(on="2024-10-01")])
        with pytest.raises(ImportRejected):
            ledger.import_facts([matched(on="2024-10-02", mentor="M-2"),
                                 contact(on="2024-10-03", mentor="M-404")])
        with pytest.raises(ImportRejected) as caught:
            ledger.record(contact(on="2024-10-04", mentor="M-2"))  # M-2 was never matched
        assert caught.value.errors[0].field == "mentor"
