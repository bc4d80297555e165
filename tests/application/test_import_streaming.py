"""The import reads a file in chunks, keeps compact subjects, and still writes all or nothing."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest

from legacyledger import ImportRejected, Ledger
from legacyledger.application import importer
from legacyledger.domain import Registrant
from legacyledger.synthetic import SyntheticConfig, write_jsonl
from tests.builders import (
    contact,
    corrected,
    matched,
    mentor_enrolled,
    partnership_formed,
    registrant_enrolled,
    unmatched,
    voided,
)

BASE = [partnership_formed(), mentor_enrolled(), registrant_enrolled(), matched()]


def write(path: Path, facts: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in facts))
    return path


def contacts(count: int) -> list[dict[str, Any]]:
    return [contact(on=f"2024-10-{8 + n % 20:02d}", source_ref=f"c-{n}") for n in range(count)]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "CHUNK", 3)


@pytest.mark.usefixtures("small_chunks")
def test_an_error_in_a_late_chunk_writes_nothing(location: str, tmp_path: Path) -> None:
    facts = [*BASE, *contacts(20), contact(on="2024-09-01", source_ref="too-early"),
             *contacts(3), {"fact": "MentoringContactRecorded", "registrant": "R-1"}]
    with Ledger(location, batch_size=2) as ledger:
        with pytest.raises(ImportRejected) as caught:
            ledger.import_file(write(tmp_path / "facts.jsonl", facts))
        assert ledger.head() == 0 and ledger.subjects == {}
    assert sorted({e.line for e in caught.value.errors}) == [25, 29]  # 29 lacks 4 fields
    assert "nothing was written" in str(caught.value)


@pytest.mark.usefixtures("small_chunks")
def test_a_multi_chunk_file_is_written_whole_and_reimported_as_a_no_op(
    location: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "facts.jsonl", [*BASE, *contacts(20)])
    with Ledger(location, batch_size=4) as ledger:
        first = ledger.import_file(path)
        again = ledger.import_file(path)
        assert (first.recorded, first.batches, ledger.count()) == (24, 6, 24)
        assert (again.recorded, again.already_present) == (0, 24)


@pytest.mark.usefixtures("small_chunks")
def test_a_correction_reads_its_subjects_history_from_the_store_and_the_spool(
    location: str, tmp_path: Path
) -> None:
    """The registrant is compact in memory: correcting its facts reads the stored ones and
    those this import planned in earlier chunks."""
    with Ledger(location) as ledger:
        ledger.import_facts([*BASE, contact(source_ref="stored")])
    later = [contact(on="2024-11-20", source_ref="planned"), *contacts(6),
             corrected("stored", {"minutes": 45}, source_ref="fix-stored"),
             corrected("planned", {"on": "2024-10-30"}, source_ref="fix-planned"),
             unmatched(on="2024-10-29")]
    with Ledger(location) as ledger:
        assert ledger.subjects == {}
        with pytest.raises(ImportRejected) as caught:  # the contact moved is still after
            ledger.import_file(write(tmp_path / "bad.jsonl", later))
        assert [(e.line, e.field) for e in caught.value.errors] == [(10, "on")]
        assert "contact planned" in caught.value.errors[0].message
        later[-1] = unmatched(on="2024-11-01")
        ledger.import_file(write(tmp_path / "good.jsonl", later))
        kept = ledger.subjects[Registrant.id_for("R-1")]
        assert not kept.keeps_history and kept.facts == {}
        stored = ledger.subject("registrant", "R-1")
        assert stored.facts["stored"].minutes == 45
        assert str(stored.facts["planned"].on) == "2024-10-30"
        assert stored.matches == kept.matches
        ledger.import_facts([voided("fix-stored", source_ref="undo")])  # from the keep
        restored = ledger.subject("registrant", "R-1").facts["stored"]
        assert restored.minutes == contact()["minutes"] != 45


def test_a_correction_of_a_subject_created_in_the_same_import(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([*BASE, contact(source_ref="new"),
                                corrected("new", {"minutes": 5}, source_ref="fix")])
    assert memory_ledger.subject("registrant", "R-1").facts["new"].minutes == 5


def import_peak(tmp_path: Path, facts: int) -> int:
    """tracemalloc's peak while importing a synthetic file of about ``facts`` facts."""
    path = tmp_path / f"{facts}.jsonl"
    write_jsonl(str(path), SyntheticConfig.for_facts(facts))
    with Ledger(tmp_path / f"{facts}.db", batch_size=500) as ledger:
        tracemalloc.start()
        try:
            ledger.import_file(path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_memory_grows_far_slower_than_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four times the facts take well under four times the memory: the file is never held
    whole, nor every event of a subject (planned whole, 8,000 facts took 3.6 times the
    memory of 2,000)."""
    monkeypatch.setattr(importer, "CHUNK", 500)
    small, large = import_peak(tmp_path, 2000), import_peak(tmp_path, 8000)
    assert large < 2.5 * small, (small, large)


@pytest.mark.usefixtures("small_chunks")
def test_a_correction_after_another_writer_moved_its_subject_on(location: str) -> None:
    """Between two chunks another process records a fact about the registrant: the
    correction reads the history this import started from, the write meets the conflict,
    and the import runs again from its spool."""
    with Ledger(location) as setup:
        setup.import_facts(BASE)
    raced: list[int] = []

    def race(phase: str, done: int, total: int) -> None:
        if phase == "checked" and not raced:
            raced.append(done)
            with Ledger(location) as other:
                other.record(contact(source_ref="other"))

    facts = [*contacts(3), corrected("c-0", {"minutes": 45}, source_ref="fix")]
    with Ledger(location) as ledger:
        result = ledger.import_facts(facts, progress=race)
        assert (result.recorded, ledger.conflicts_retried) == (4, 1)
        history = ledger.subject("registrant", "R-1").facts
        assert history["c-0"].minutes == 45 and "other" in history
