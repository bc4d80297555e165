"""Partnership: given facts, when a fact, then events or a domain error (no ledger)."""

from __future__ import annotations

from datetime import date

import pytest

from legacyledger.domain import ImpossibleHistory, Partnership, RuleBroken, SubjectClosed
from tests.builders import (
    Domain,
    P,
    action_agreed,
    action_completed,
    commitment_formalised,
    coordinator_appointed,
    coordinator_left,
    corrected,
    cost_incurred,
    framework_adopted,
    framework_item_assessed,
    funding_received,
    organisation_joined,
    organisation_left,
    partnership_closed,
    partnership_formed,
    recruitment_target_set,
    then_error,
    then_events,
    voided,
)


def formed() -> list[dict]:
    return [partnership_formed(on="2024-04-01")]


def closed(on: str = "2026-03-31") -> list[dict]:
    return [*formed(), partnership_closed(on=on)]


def partnership(facts: list[dict]) -> Partnership:
    return Domain(facts).get(Partnership, P)  # type: ignore[return-value]


def test_forming_creates_an_open_partnership() -> None:
    assert then_events([], partnership_formed()) == ["PartnershipFormed"]
    subject = partnership(formed())
    assert subject.open_on(date(2024, 4, 1))
    assert not subject.open_on(date(2024, 3, 31))


@pytest.mark.parametrize(
    "fact",
    [organisation_joined(on="2024-03-31"), funding_received(on="2024-03-31"),
     cost_incurred(on="2024-03-31"), partnership_closed(on="2024-03-31")],
    ids=lambda f: f["fact"],
)
def test_a_fact_before_forming_is_impossible(fact: dict) -> None:
    error = then_error(formed(), fact)
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


@pytest.mark.parametrize(
    "fact",
    [organisation_joined(), coordinator_appointed(), funding_received(), cost_incurred(),
     recruitment_target_set(), commitment_formalised(), framework_adopted()],
    ids=lambda f: f["fact"],
)
def test_partnership_facts_are_recorded(fact: dict) -> None:
    assert then_events(formed(), fact) == [fact["fact"]]


def test_an_organisation_cannot_join_twice() -> None:
    error = then_error([*formed(), organisation_joined()], organisation_joined(on="2024-05-01"))
    assert isinstance(error, RuleBroken)
    assert error.field == "org"


def test_only_a_member_can_leave() -> None:
    error = then_error(formed(), organisation_left())
    assert isinstance(error, RuleBroken)
    assert error.field == "org"


def test_a_member_leaves() -> None:
    facts = [*formed(), organisation_joined(), organisation_left()]
    assert partnership(facts).members == {}


def test_only_the_coordinator_can_leave_the_role() -> None:
    given = [*formed(), coordinator_appointed(coordinator="C-7")]
    error = then_error(given, coordinator_left(coordinator="C-8"))
    assert isinstance(error, RuleBroken)
    assert error.field == "coordinator"


def test_funding_names_a_real_financial_year() -> None:
    error = then_error(formed(), funding_received(financial_year="2024/26"))
    assert isinstance(error, RuleBroken)
    assert error.field == "financial_year"


def test_an_item_of_a_framework_not_adopted_cannot_be_assessed() -> None:
    error = then_error(formed(), framework_item_assessed())
    assert isinstance(error, RuleBroken)
    assert error.field == "framework"


def test_an_adopted_framework_item_is_assessed() -> None:
    given = [*formed(), framework_adopted()]
    assert then_events(given, framework_item_assessed()) == ["FrameworkItemAssessed"]


def test_an_action_is_agreed_then_completed() -> None:
    given = [*formed(), framework_adopted(), action_agreed()]
    assert then_events(given, action_completed()) == ["ActionCompleted"]


def test_an_action_cannot_be_agreed_twice_while_open() -> None:
    error = then_error([*formed(), framework_adopted(), action_agreed()], action_agreed())
    assert isinstance(error, RuleBroken)
    assert error.field == "action"


def test_an_action_cannot_be_completed_before_it_was_agreed() -> None:
    given = [*formed(), framework_adopted(), action_agreed(on="2024-06-01")]
    error = then_error(given, action_completed(on="2024-05-31"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_an_unknown_action_cannot_be_completed() -> None:
    error = then_error(formed(), action_completed())
    assert isinstance(error, RuleBroken)
    assert error.field == "action"


# -- closing --------------------------------------------------------------------------------


def test_a_fact_after_closing_is_rejected() -> None:
    late = funding_received(on="2026-04-01", financial_year="2026/27")
    error = then_error(closed("2026-03-31"), late)
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_a_back_dated_fact_before_closing_is_accepted() -> None:
    assert then_events(closed("2026-03-31"), cost_incurred(on="2026-03-31")) == ["CostIncurred"]


def test_closing_before_a_recorded_fact_is_impossible() -> None:
    given = [*formed(), cost_incurred(on="2025-05-10")]
    error = then_error(given, partnership_closed(on="2025-04-30"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_closing_twice_is_rejected() -> None:
    error = then_error(closed("2026-03-31"), partnership_closed(on="2026-01-01"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "fact"


def test_voiding_the_closure_reopens_the_partnership() -> None:
    closure = partnership_closed(on="2026-03-31")
    restored = [*formed(), closure, voided(closure["source_ref"])]
    assert partnership(restored).closed_on is None
    assert then_events(restored, cost_incurred(on="2026-05-01")) == ["CostIncurred"]


def test_voiding_the_formation_is_rejected() -> None:
    formation = partnership_formed()
    error = then_error([formation], voided(formation["source_ref"]))
    assert isinstance(error, RuleBroken)
    assert error.field == "target"


def test_a_corrected_organisation_replaces_the_member() -> None:
    joined = organisation_joined(org="ods:RXF")
    facts = [*formed(), joined, corrected(joined["source_ref"], {"org": "ods:RR8"})]
    assert partnership(facts).members == {"ods:RR8": "health"}


def test_voiding_the_join_behind_a_leaving_is_rejected() -> None:
    joined = organisation_joined()
    error = then_error([*formed(), joined, organisation_left()], voided(joined["source_ref"]))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "org"
