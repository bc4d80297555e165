"""A real schema change: MentorTrained v2 calls ``course`` ``course_title``.

The ledger is written by today's code (0.1.0 rows under module-path topics, newer rows under
stable names, both at version 1). The change is made to a copy of the library, as a
developer would make it (the field renamed, ``VERSION = 2``, an upcaster registered), and
every read path of that copy must see version 2 facts only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from legacyledger.domain.upcasting import VersionError, at_version, upcast, version_of
from tests.persistence.old_ledgers import NEW_FACTS, ledger_with_0_1_0_rows, library_copy, read_back

UPCASTER = '''

@upcaster("MentorTrained", 1)
def _course_becomes_title(fact: Fact) -> Fact:
    fact["course_title"] = fact.pop("course")
    return fact
'''


def version_2_library(tmp_path: Path) -> Path:
    library = library_copy(tmp_path)
    mentor = library / "legacyledger" / "domain" / "mentor.py"
    text = mentor.read_text()
    old = '''        course: ShortText
        hours: Hours
        FACT, GUARD = "MentorTrained", "check_active"
'''
    assert old in text, "the test's change no longer applies: update it"
    mentor.write_text(text.replace(old, '''        course_title: ShortText
        hours: Hours
        FACT, GUARD, VERSION = "MentorTrained", "check_active", 2
'''))
    upcasting = library / "legacyledger" / "domain" / "upcasting.py"
    upcasting.write_text(upcasting.read_text() + UPCASTER)
    return library


def trained(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in facts if f["fact"] == "MentorTrained"]


def assert_version_2(facts: list[dict[str, Any]], count: int) -> None:
    assert len(facts) == count
    for fact in facts:
        assert fact["v"] == 2 and "course" not in fact and fact["course_title"], fact
        assert list(fact)[:2] == ["fact", "v"]


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return ledger_with_0_1_0_rows(request.getfixturevalue("pg_dsn"), tmp_path)
    return ledger_with_0_1_0_rows("sqlite", tmp_path)


def test_version_1_rows_read_as_version_2_everywhere(location: str, tmp_path: Path) -> None:
    seen = read_back(version_2_library(tmp_path), location)
    assert seen["checked"][0], seen["checked"][1]  # stored version 1 facts still validate
    assert_version_2([f for _, f in seen["by_name"]], 7)  # 6 from 0.1.0, one newer
    assert_version_2(trained(seen["all"]), 7)
    assert_version_2(seen["at"], 7)
    assert_version_2(trained(seen["history"]), 3)
    assert_version_2(trained(list(seen["aggregate"].values())), 3)
    assert seen["aggregate"]["syn-000064"]["hours"] == "8"  # the correction still applies
    exported = [line for line in seen["export"].splitlines() if "MentorTrained" in line]
    assert len(exported) == 7
    assert all(line.startswith('{"fact":"MentorTrained","v":2,') for line in exported)
    assert "course_title" in seen["show"] and "Refresher" in seen["show"]
    assert "'course'" not in seen["show"] and '"course"' not in seen["show"]


def test_imports_take_every_version_up_to_the_current(location: str, tmp_path: Path) -> None:
    base = {"fact": "MentorTrained", "mentor": "M-002", "on": "2026-03-04", "hours": "1"}
    lines = [
        {**base, "course": "as version 1", "source_ref": "v1"},
        {**base, "v": 1, "course": "as version 1, said so", "source_ref": "v1-said"},
        {**base, "v": 2, "course_title": "as version 2", "source_ref": "v2"},
    ]
    seen = read_back(version_2_library(tmp_path), location, "import", lines)
    assert "rejected" not in seen, seen.get("rejected")
    assert [(f["source_ref"], f["v"], f["course_title"]) for f in seen["imported"]] == [
        ("v1", 2, "as version 1"),
        ("v1-said", 2, "as version 1, said so"),
        ("v2", 2, "as version 2"),
    ]


def test_a_version_newer_than_the_code_is_a_line_error(location: str, tmp_path: Path) -> None:
    base = {"fact": "MentorTrained", "mentor": "M-002", "on": "2026-03-04", "hours": "1"}
    lines = [
        {**base, "v": 2, "course_title": "fine", "source_ref": "ok"},
        {**base, "v": 3, "course_title": "from the future", "source_ref": "future"},
        {**base, "v": "2", "course_title": "not a number", "source_ref": "text"},
    ]
    seen = read_back(version_2_library(tmp_path), location, "import", lines)
    rejected = seen["rejected"]
    assert [(line, fact, field) for line, fact, field, _ in rejected] == [
        (2, "MentorTrained", "v"),
        (3, "MentorTrained", "v"),
    ]
    assert "newer than this legacyledger knows (2)" in rejected[0][3]


def test_without_the_change_nothing_is_upcast(location: str, tmp_path: Path) -> None:
    seen = read_back(library_copy(tmp_path), location)
    facts = [f for _, f in seen["by_name"]]
    assert len(facts) == 7 and all("v" not in f and f["course"] for f in facts)
    assert facts[-1] == {**NEW_FACTS[0], "recorded_at": facts[-1]["recorded_at"]}


def test_today_imports_refuse_a_version_2_fact() -> None:
    with pytest.raises(VersionError, match="newer than this legacyledger knows"):
        upcast({"fact": "MentorTrained", "v": 2})
    assert version_of({"fact": "MentorTrained"}) == 1
    with pytest.raises(VersionError):
        version_of({"fact": "MentorTrained", "v": 0})
    assert list(at_version({"on": "x", "fact": "F", "v": 1}, 3)) == ["fact", "v", "on"]
    assert at_version({"fact": "F", "v": 3, "on": "x"}, 1) == {"fact": "F", "on": "x"}
