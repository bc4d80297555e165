"""Stored names: reads go by fact name and version, never by module path.

A ledger holding 0.1.0 rows (module-path topics) and newer ones (stable names) is read by
a copy of the library, then by a copy in which ``domain/mentor.py`` has moved to another
package: every read path must give the same answer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from legacyledger.domain import AGGREGATES
from legacyledger.persistence.names import (
    LEGACY_TOPICS,
    event_class_of,
    name_of,
    stable_topic,
    topic_of,
    topics_of,
)
from tests.persistence.old_ledgers import ledger_with_0_1_0_rows, library_copy, read_back


def moved_library(tmp_path: Path) -> Path:
    """The library with ``legacyledger.domain.mentor`` moved to
    ``legacyledger.domain.people.mentor`` and every import of it rewritten."""
    library = library_copy(tmp_path / "moved")
    domain = library / "legacyledger" / "domain"
    (domain / "people").mkdir()
    (domain / "people" / "__init__.py").write_text("")
    shutil.move(domain / "mentor.py", domain / "people" / "mentor.py")
    for module in library.rglob("*.py"):
        text = module.read_text()
        if "from legacyledger.domain.mentor import" in text:
            module.write_text(text.replace("from legacyledger.domain.mentor import",
                                           "from legacyledger.domain.people.mentor import"))
    return library


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return ledger_with_0_1_0_rows(request.getfixturevalue("pg_dsn"), tmp_path)
    return ledger_with_0_1_0_rows("sqlite", tmp_path)


def test_moving_a_module_changes_nothing_read(location: str, tmp_path: Path) -> None:
    before = read_back(library_copy(tmp_path / "here"), location)
    after = read_back(moved_library(tmp_path), location)
    assert after == before
    assert len(before["by_name"]) == 7 and len(before["all"]) == 1345 + 3
    assert {"MentorEnrolled", "MentorTrained", "FactCorrected"} <= set(before["names_between"])
    assert before["names_after_0_1_0"] == ["FactCorrected", "MentorTimeLogged", "MentorTrained"]
    assert len(before["aggregate"]) > 3 and "M-002" in before["show"]


def test_every_0_1_0_topic_names_a_fact_of_today() -> None:
    for topic, cls in LEGACY_TOPICS.items():
        stored = name_of(topic)
        assert stored.fact == cls.FACT and stored.version == 1
        assert event_class_of(stored) is cls
        assert topic.partition(":")[2] == cls.__qualname__, "the table names the class 0.1.0 wrote"
    # every fact of 0.1.0's four aggregates; the Framework aggregate came after 0.1.0
    in_0_1_0 = [a for a in AGGREGATES if a.__name__ != "Framework"]
    assert len(LEGACY_TOPICS) == sum(len(a.FACTS) for a in in_0_1_0)


def test_stable_names_round_trip_and_are_never_module_paths() -> None:
    for aggregate in AGGREGATES:
        for name, cls in aggregate.FACTS.items():
            topic = topic_of(cls)
            assert topic.startswith("fact:") and topic.count(":") >= 2
            assert event_class_of(name_of(topic)) is cls
            assert name_of(topic).fact == name
            assert topic in topics_of([name])
    assert name_of("fact:FactCorrected:1:mentor").subject == "mentor"
    assert set(topics_of(["FactVoided"])) >= {
        stable_topic("FactVoided", 1, "event"),
        "legacyledger.domain.programme_event:ProgrammeEvent.Voided",
    }
    with pytest.raises(LookupError):
        name_of("legacyledger.domain.somewhere:Else.Happened")


def test_the_table_covers_every_topic_the_0_1_0_ledger_file_holds() -> None:
    import sqlite3
    from pathlib import Path

    path = Path(__file__).parent.parent / "data" / "ledger-0.1.0" / "ledger.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        topics = {row[0] for row in conn.execute("SELECT DISTINCT topic FROM stored_events")}
    assert topics and topics <= set(LEGACY_TOPICS)
