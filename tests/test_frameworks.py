"""Framework files: the shipped ones load, a user's own loads, bad files say what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from legacyledger.frameworks import (
    RULES,
    Framework,
    FrameworkError,
    FrameworkRegistry,
    UnknownFrameworkError,
    load_framework,
    parse_framework,
    shipped_frameworks,
)
from legacyledger.projections.compliance.rules import RULE_FUNCTIONS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "six-pillars.example.json"


def framework_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "mine",
        "version": "1",
        "title": "My framework",
        "source": "my notes",
        "items": [
            {"id": "a", "title": "A", "description": "", "area": "x",
             "assessment": "self_assessed"},
            {"id": "b", "title": "B", "description": "", "area": "x", "assessment": "computed",
             "rule": {"id": "single_point_of_contact", "params": {}}},
        ],
    }
    data.update(changes)
    return data


def write(tmp_path: Path, data: Any, name: str = "mine.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_every_shipped_framework_loads() -> None:
    shipped = shipped_frameworks()
    assert sorted(shipped) == [
        "ica-integrated-csf",
        "ney-legacy-stages",
        "people-promise",
        "preceptorship-core-gold",
        "retention-self-assessment",
    ]
    assert all(isinstance(f, Framework) and f.version == "1" for f in shipped.values())


def test_retention_and_people_promise_item_ids_are_the_public_ones() -> None:
    shipped = shipped_frameworks()
    assert [i.id for i in shipped["retention-self-assessment"].items] == [
        "health_wellbeing", "autonomy_shared_decisions", "leadership_teamwork",
        "professional_development", "pride_recognition", "flexible_working",
        "excellence_in_care",
    ]
    assert [i.id for i in shipped["people-promise"].items] == [
        "compassionate_inclusive", "recognised_rewarded", "voice_that_counts", "safe_healthy",
        "always_learning", "work_flexibly", "we_are_a_team",
    ]
    for framework_id in ("retention-self-assessment", "people-promise"):
        assert {i.assessment for i in shipped[framework_id].items} == {"self_assessed"}


def test_ney_stages_are_computed_with_documented_thresholds() -> None:
    stages = shipped_frameworks()["ney-legacy-stages"]
    assert [i.assessment for i in stages.items] == ["computed"] * 4
    process = stages.item("process_actions")
    assert process.rule is not None
    assert process.rule.params["min_action_research_meetings"] == 3


def test_ica_computed_items_match_the_spec() -> None:
    ica = shipped_frameworks()["ica-integrated-csf"]
    computed = {i.id: i.rule.id for i in ica.items if i.rule is not None}
    assert len(ica.items) == 11
    assert len(computed) == 7
    over = ica.item("over_recruitment").rule
    assert over is not None and over.params["dropout_rate"] == "0.60"


def test_loaded_params_carry_every_default() -> None:
    framework = parse_framework(json.dumps(framework_json(items=[
        {"id": "cpd", "title": "CPD", "description": "", "area": "x", "assessment": "computed",
         "rule": {"id": "ongoing_cpd", "params": {"window_months": 6}}},
    ])))
    rule = framework.items[0].rule
    assert rule is not None
    assert dict(rule.params) == {
        "role": "ambassador", "window_months": 6, "active_months": 6,
        "met_share": None, "partial_share": None,
    }
    with pytest.raises(TypeError):
        rule.params["window_months"] = 1  # type: ignore[index]


def test_every_rule_in_the_format_has_an_implementation() -> None:
    assert set(RULES) == set(RULE_FUNCTIONS)


def test_the_six_pillar_example_loads_as_a_user_framework() -> None:
    registry = FrameworkRegistry()
    example = registry.load(EXAMPLE)
    assert [i.id for i in example.items] == [f"pillar_{n}" for n in range(1, 7)]
    assert "Example only" in example.source
    assert all("replace with the pillar names" in i.description for i in example.items)
    assert registry.has_item("ney-six-pillars-example", "pillar_3")
    assert "ney-six-pillars-example" not in shipped_frameworks()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (framework_json(owner="me"), "owner: Extra inputs are not permitted"),
        (framework_json(items=[{**framework_json()["items"][0], "weight": 2}]),
         "item 'a' (#1): weight: Extra inputs are not permitted"),
        (framework_json(items=[framework_json()["items"][0]] * 2), "item 'a': duplicate item id"),
        (framework_json(items=[{**framework_json()["items"][1], "rule": None}]),
         "item 'b': a computed item must name a rule"),
        (framework_json(items=[{**framework_json()["items"][1], "rule": {"id": "magic"}}]),
         "item 'b': unknown rule 'magic' (known: broad_engagement_commitment"),
        (framework_json(items=[{**framework_json()["items"][0],
                                "rule": {"id": "joint_induction"}}]),
         "item 'a': a self_assessed item must not name a rule"),
        (framework_json(items=[{**framework_json()["items"][1],
                                "rule": {"id": "ongoing_cpd", "params": {"windw_months": 6}}}]),
         "rule 'ongoing_cpd' has no parameter 'windw_months' (accepted: active_months"),
        (framework_json(items=[{**framework_json()["items"][1],
                                "rule": {"id": "ongoing_cpd", "params": {"window_months": "6"}}}]),
         "parameter 'window_months' must be a whole number"),
        (framework_json(items=[{**framework_json()["items"][1],
                                "rule": {"id": "over_recruitment",
                                         "params": {"dropout_rate": 0.6}}}]),
         "parameter 'dropout_rate' must be a decimal string"),
        (framework_json(items=[{**framework_json()["items"][0], "assessment": "vibes"}]),
         "item 'a' (#1): assessment: Input should be 'computed' or 'self_assessed'"),
        (framework_json(version=1), "version: Input should be a valid string"),
        (framework_json(items=[]), "items: List should have at least 1 item"),
        (framework_json(id="a/b"), "id: String should match pattern"),
        ("{not json", "not valid JSON at line 1 column 2"),
    ],
)
def test_bad_framework_files_name_the_file_item_and_problem(
    tmp_path: Path, data: Any, message: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(FrameworkError) as raised:
        load_framework(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_a_missing_file_is_a_framework_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="cannot read framework file"):
        load_framework(tmp_path / "absent.json")


def test_registry_serves_latest_or_named_version(tmp_path: Path) -> None:
    registry = FrameworkRegistry(shipped=False)
    for version in ("2", "10", "9"):
        registry.load(write(tmp_path, framework_json(version=version), f"v{version}.json"))
    assert registry.versions("mine") == ("2", "9", "10")
    assert registry.get("mine").version == "10"
    assert registry.get("mine", "9").version == "9"
    assert registry.has_item("mine", "a", "2")
    assert registry.item("mine", "b").rule is not None


def test_unknown_framework_version_or_item_is_a_clear_error() -> None:
    registry = FrameworkRegistry()
    with pytest.raises(UnknownFrameworkError, match=r"unknown framework 'nope' .*load its file"):
        registry.get("nope")
    with pytest.raises(UnknownFrameworkError, match="'people-promise' has no version '7'"):
        registry.get("people-promise", "7")
    with pytest.raises(UnknownFrameworkError, match=r"has no item 'be_nice' .*we_are_a_team"):
        registry.item("people-promise", "be_nice")
    assert not registry.has_item("people-promise", "be_nice")
    assert not registry.has_item("nope", "we_are_a_team")
    assert registry.has_item("people-promise", "we_are_a_team")


def test_same_id_and_version_with_other_content_is_refused(tmp_path: Path) -> None:
    registry = FrameworkRegistry()
    registry.load(write(tmp_path, framework_json()))
    registry.load(write(tmp_path, framework_json()))  # identical: a no-op
    with pytest.raises(FrameworkError, match="already registered with different content"):
        registry.load(write(tmp_path, framework_json(title="Changed")))
