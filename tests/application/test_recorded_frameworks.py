"""Frameworks are facts: loaded into the ledger, seen by every reader, cut off by known_at."""

from __future__ import annotations

import copy
import io
from datetime import date
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.application import framework_fact
from legacyledger.facts import json_schema
from legacyledger.facts.parsing import ImportRejected
from legacyledger.frameworks import framework_of
from legacyledger.reports import build_report, report_digest, report_json
from tests.builders import CUSTOM_FRAMEWORK, framework_adopted, framework_loaded, partnership_formed

AS_OF = date(2025, 3, 31)
CUSTOM = framework_of(CUSTOM_FRAMEWORK)


def adopted(version: str = "1") -> list[dict[str, Any]]:
    return [partnership_formed(), framework_adopted(framework="custom-csf", version=version)]


def custom_figures(ledger: Ledger, known_at: int | None = None) -> dict[str, Any]:
    views = ledger.views(AS_OF, known_at, families=["compliance"])
    return {f.id: f.value for f in views.figures if "custom-csf" in f.id}


def test_a_loaded_framework_is_a_fact_every_ledger_on_the_store_sees(location: str) -> None:
    with Ledger(location) as writer:
        assert writer.load_framework(CUSTOM, date(2024, 4, 1)).recorded == 1
        writer.import_facts(adopted())
        written = custom_figures(writer)
    with Ledger(location) as reader:  # another program: no file, no registry given
        assert reader.frameworks.get("custom-csf", "1") == CUSTOM
        assert custom_figures(reader) == written != {}


def test_known_at_before_the_load_does_not_see_it(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([partnership_formed()])
    before = memory_ledger.head()
    memory_ledger.load_framework(CUSTOM)
    assert "custom-csf" not in memory_ledger.frameworks_at(before)
    assert "custom-csf" in memory_ledger.frameworks
    memory_ledger.import_facts([framework_adopted(framework="custom-csf", version="1")])
    with pytest.raises(KeyError):  # nothing was adopted, nor known, at ``before``
        memory_ledger.views(AS_OF, before).figure("compliance.custom-csf")
    assert custom_figures(memory_ledger, before) == {}
    assert custom_figures(memory_ledger) != {}


def test_loading_the_same_framework_again_records_nothing(memory_ledger: Ledger) -> None:
    memory_ledger.load_framework(CUSTOM, date(2024, 4, 1))
    again = memory_ledger.load_framework(CUSTOM, date(2024, 5, 1))
    assert (again.recorded, again.already_present) == (0, 1)
    same_fact = framework_fact(CUSTOM, date(2024, 4, 1))  # the same line of a file, again
    assert memory_ledger.import_facts([same_fact]).already_present == 1
    assert memory_ledger.count() == 1
    with pytest.raises(ImportRejected) as caught:  # the version again, under another ref
        memory_ledger.import_facts([framework_loaded(source_ref="other")])
    assert caught.value.errors[0].field == "version"


def test_the_same_version_with_other_content_is_refused_naming_the_field(
    memory_ledger: Ledger,
) -> None:
    memory_ledger.load_framework(CUSTOM)
    other = copy.deepcopy(CUSTOM_FRAMEWORK)
    other["items"][0]["title"] = "Another title"
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts([framework_loaded(other)])
    (error,) = caught.value.errors
    assert (error.fact, error.field) == ("FrameworkLoaded", "content.items[spoc].title")
    assert "'Another title' here" in error.message
    assert memory_ledger.count() == 1


def test_a_shipped_version_cannot_be_recorded_with_other_content(memory_ledger: Ledger) -> None:
    shipped = memory_ledger.frameworks.get("people-promise", "1")
    other = {**CUSTOM_FRAMEWORK, "id": shipped.id, "version": "1"}
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts([framework_loaded(other)])
    assert caught.value.errors[0].field == "content.title"


def test_adopting_an_unknown_version_is_refused(memory_ledger: Ledger) -> None:
    memory_ledger.load_framework(CUSTOM)
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts(adopted(version="2"))
    assert [(e.fact, e.field) for e in caught.value.errors] == [("FrameworkAdopted", "version")]


def test_a_framework_loaded_earlier_in_the_same_file_counts(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([framework_loaded(), *adopted()])
    assert custom_figures(memory_ledger) != {}
    with Ledger(":memory:") as fresh, pytest.raises(ImportRejected):
        fresh.import_facts([*adopted(), framework_loaded()])  # adopted before it was loaded


def test_a_loaded_version_cannot_be_corrected_or_voided(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([framework_loaded(source_ref="f-1")])
    void = {"fact": "FactVoided", "target": "f-1", "on": "2024-05-01", "reason": "wrong"}
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts([void])
    assert "another version" in caught.value.errors[0].message


def test_export_and_import_keep_it(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.load_framework(CUSTOM, date(2024, 4, 1))
        ledger.import_facts(adopted())
        exported = io.BytesIO()
        ledger.export(exported)
        figures = custom_figures(ledger)
    with Ledger(":memory:") as copied:
        copied.import_facts(exported.getvalue().splitlines())
        again = io.BytesIO()
        copied.export(again)
        assert again.getvalue() == exported.getvalue()
        assert custom_figures(copied) == figures
        assert copied.verify_chain().ok


def test_the_json_schema_has_the_fact() -> None:
    schema = json_schema()["$defs"]["FrameworkLoaded"]
    assert set(schema["required"]) >= {"framework", "version", "on", "content"}
    assert schema["properties"]["content"]["type"] == "object"


def test_content_must_be_a_framework_naming_the_facts_version() -> None:
    with Ledger(":memory:") as ledger, pytest.raises(ImportRejected) as caught:
        ledger.import_facts([framework_loaded(version="2"),
                             framework_loaded({**CUSTOM_FRAMEWORK, "items": []})])
    assert [(e.line, e.field) for e in caught.value.errors] == [(1, "content"), (2, "content")]


def test_a_reports_digest_and_footer_name_the_framework_versions(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([partnership_formed()])
    before = memory_ledger.head()
    memory_ledger.load_framework(CUSTOM)
    memory_ledger.import_facts([framework_adopted(framework="custom-csf", version="1")])
    report = build_report(memory_ledger, ["compliance"], as_of=AS_OF)
    assert "custom-csf@1" in report.frameworks
    assert report_json(report)["frameworks"] == list(report.frameworks)
    r = report
    unnamed = report_digest(r.families, r.as_of, r.known_at, r.parameters, r.disclosure,
                            r.figures, r.chain_link)
    assert report.digest != unnamed
    earlier = build_report(memory_ledger, ["compliance"], as_of=AS_OF, known_at=before)
    assert "custom-csf@1" not in earlier.frameworks
