"""Registrant: given facts, when a fact, then events or a domain error (no ledger)."""

from __future__ import annotations

from datetime import date

import pytest

from legacyledger.domain import ImpossibleHistory, Registrant, RuleBroken, SubjectClosed
from tests.builders import (
    Domain,
    R,
    contact,
    corrected,
    employment_status_changed,
    follow_up_ended,
    left,
    matched,
    outcome_measured,
    registrant_enrolled,
    registrant_moved,
    rejoined,
    then_error,
    then_events,
    unmatched,
    voided,
)


def in_post() -> list[dict]:
    return [registrant_enrolled()]


def mentored() -> list[dict]:
    return [registrant_enrolled(), matched(), contact()]


def registrant(facts: list[dict]) -> Registrant:
    return Domain(facts).get(Registrant, R)  # type: ignore[return-value]


# -- enrolment ------------------------------------------------------------------------------


def test_enrolment_creates_the_registrant_in_post() -> None:
    enrolment = registrant_enrolled()
    assert then_events([], enrolment) == ["RegistrantEnrolled"]
    subject = registrant([enrolment])
    assert subject.spans == [[date(2024, 9, 30), None]]
    assert subject.registered_on == date(2024, 9, 2)
    assert not subject.left


def test_registered_on_after_enrolment_is_rejected() -> None:
    error = then_error([], registrant_enrolled(on="2024-09-30", registered_on="2024-10-01"))
    assert isinstance(error, RuleBroken)
    assert error.field == "registered_on"


def test_registered_on_the_enrolment_day_is_accepted() -> None:
    assert then_events([], registrant_enrolled(on="2024-09-30", registered_on="2024-09-30"))


@pytest.mark.parametrize(
    ("registered_on", "enrolled_on"),
    [("2024-09-02", "2026-09-02"), ("2024-02-29", "2026-02-28"), ("2023-12-31", "2025-12-31")],
)
def test_enrolment_up_to_24_months_after_registration_is_eligible(
    registered_on: str, enrolled_on: str
) -> None:
    fact = registrant_enrolled(on=enrolled_on, registered_on=registered_on)
    assert then_events([], fact) == ["RegistrantEnrolled"]


@pytest.mark.parametrize(
    ("registered_on", "enrolled_on"),
    [("2024-09-02", "2026-09-03"), ("2024-02-29", "2026-03-01"), ("2020-01-01", "2024-09-30")],
)
def test_enrolment_more_than_24_months_after_registration_is_rejected(
    registered_on: str, enrolled_on: str
) -> None:
    error = then_error([], registrant_enrolled(on=enrolled_on, registered_on=registered_on))
    assert isinstance(error, RuleBroken)
    assert error.field == "on"
    assert "24 months" in error.message


# -- leaving and rejoining ------------------------------------------------------------------


def test_left_before_enrolled_is_impossible() -> None:
    error = then_error(in_post(), left(on="2024-09-29"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_leaving_closes_the_registrant() -> None:
    assert then_events(mentored(), left()) == ["RegistrantLeft"]
    assert registrant([*mentored(), left(on="2025-08-29")]).spans[-1][1] == date(2025, 8, 29)


def test_a_late_leaver_dated_before_facts_already_recorded_is_accepted() -> None:
    given = [*mentored(), outcome_measured(on="2025-03-31")]
    assert then_events(given, left(on="2025-01-31")) == ["RegistrantLeft"]


def test_leaving_before_the_last_recorded_contact_is_impossible() -> None:
    error = then_error(mentored(), left(on="2024-10-07"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


@pytest.mark.parametrize(
    "fact",
    [matched(on="2024-11-01"), registrant_moved(on="2024-11-01"),
     employment_status_changed(on="2024-11-01"), unmatched(on="2024-11-01")],
    ids=lambda f: f["fact"],
)
def test_leaving_before_a_recorded_fact_that_shows_the_registrant_in_post_is_impossible(
    fact: dict,
) -> None:
    given = [*in_post(), matched(on="2024-10-01"), fact] if fact["fact"] == "MentorUnmatched" else [
        *in_post(), fact]
    error = then_error(given, left(on="2024-10-15"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_leaving_twice_is_rejected() -> None:
    error = then_error([*in_post(), left(on="2025-01-31")], left(on="2025-03-31"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


@pytest.mark.parametrize(
    "fact",
    [registrant_moved(on="2025-09-01"), employment_status_changed(on="2025-09-01"),
     matched(on="2025-09-01", mentor="M-2"), contact(on="2025-09-01")],
    ids=lambda f: f["fact"],
)
def test_a_fact_about_a_left_registrant_is_rejected(fact: dict) -> None:
    error = then_error([*mentored(), left(on="2025-08-29")], fact)
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_rejoining_reopens_a_left_registrant() -> None:
    given = [*mentored(), left(on="2025-08-29")]
    assert then_events(given, rejoined(on="2025-10-01")) == ["RegistrantRejoined"]
    reopened = [*given, rejoined(on="2025-10-01")]
    assert then_events(reopened, registrant_moved(on="2025-11-01")) == ["RegistrantMoved"]
    assert not registrant(reopened).left


def test_rejoining_before_leaving_is_impossible() -> None:
    error = then_error([*in_post(), left(on="2025-08-29")], rejoined(on="2025-08-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_rejoining_without_leaving_is_rejected() -> None:
    error = then_error(in_post(), rejoined())
    assert isinstance(error, RuleBroken)
    assert error.field == "fact"


# -- matches and contacts -------------------------------------------------------------------


def test_a_contact_on_the_day_of_the_match_is_accepted() -> None:
    given = [*in_post(), matched(on="2024-10-01")]
    assert then_events(given, contact(on="2024-10-01")) == ["MentoringContactRecorded"]


def test_a_contact_before_the_match_is_rejected() -> None:
    error = then_error([*in_post(), matched(on="2024-10-01")], contact(on="2024-09-30"))
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_a_contact_with_a_mentor_the_registrant_is_not_matched_to_is_rejected() -> None:
    error = then_error([*in_post(), matched()], contact(mentor="M-2"))
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_a_contact_after_the_unmatching_is_rejected() -> None:
    given = [*mentored(), unmatched(on="2025-01-31")]
    error = then_error(given, contact(on="2025-02-01"))
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_a_contact_after_leaving_is_rejected() -> None:
    error = then_error([*mentored(), left(on="2024-12-01")], contact(on="2024-12-02"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_a_back_dated_contact_before_leaving_is_accepted() -> None:
    given = [*mentored(), left(on="2024-12-01")]
    assert then_events(given, contact(on="2024-11-20")) == ["MentoringContactRecorded"]


def test_a_comparator_is_not_matched() -> None:
    error = then_error([registrant_enrolled(comparator=True)], matched())
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_matching_the_same_mentor_twice_is_rejected() -> None:
    error = then_error([*in_post(), matched()], matched(on="2024-11-01"))
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_unmatching_a_mentor_that_is_not_matched_is_rejected() -> None:
    error = then_error(in_post(), unmatched())
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_unmatching_before_the_match_is_impossible() -> None:
    error = then_error([*in_post(), matched(on="2024-10-01")], unmatched(on="2024-09-30"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_rematching_after_unmatching_is_accepted() -> None:
    given = [*mentored(), unmatched(on="2025-01-31")]
    assert then_events(given, matched(on="2025-03-01")) == ["MentorMatched"]


# -- follow-up ------------------------------------------------------------------------------


def test_facts_after_follow_up_ended_are_rejected() -> None:
    given = [*in_post(), follow_up_ended(on="2025-06-30")]
    error = then_error(given, outcome_measured(on="2025-07-01"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_outcomes_may_be_measured_after_leaving() -> None:
    given = [*in_post(), left(on="2025-01-31")]
    assert then_events(given, outcome_measured(on="2025-03-31")) == ["OutcomeMeasured"]


def test_follow_up_cannot_end_twice() -> None:
    given = [*in_post(), follow_up_ended(on="2025-06-30")]
    error = then_error(given, follow_up_ended(on="2025-06-01"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "fact"


def test_follow_up_cannot_end_before_a_recorded_outcome() -> None:
    given = [*in_post(), outcome_measured(on="2025-03-31")]
    error = then_error(given, follow_up_ended(on="2025-01-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_follow_up_cannot_end_before_the_last_contact() -> None:
    error = then_error(mentored(), follow_up_ended(on="2024-10-07"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


# -- corrections and voids ------------------------------------------------------------------


def test_voiding_the_leaving_restores_the_registrant_in_post() -> None:
    leaving = left(on="2024-12-01")
    given = [*mentored(), leaving]
    assert then_events(given, voided(leaving["source_ref"])) == ["FactVoided"]
    restored = [*given, voided(leaving["source_ref"])]
    assert not registrant(restored).left
    assert then_events(restored, contact(on="2025-01-05")) == ["MentoringContactRecorded"]


def test_voiding_the_enrolment_is_rejected() -> None:
    enrolment = registrant_enrolled()
    error = then_error([enrolment], voided(enrolment["source_ref"]))
    assert isinstance(error, RuleBroken)
    assert error.field == "target"


def test_voiding_the_match_behind_a_contact_is_rejected() -> None:
    match = matched()
    error = then_error([registrant_enrolled(), match, contact()], voided(match["source_ref"]))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "mentor"


def test_a_correction_replaces_the_fields_it_names() -> None:
    first = contact()
    fix = corrected(first["source_ref"], {"minutes": 65})
    facts = [registrant_enrolled(), matched(), first, fix]
    assert then_events(facts[:-1], facts[-1]) == ["FactCorrected"]
    fixed = registrant(facts).facts[first["source_ref"]]
    assert (fixed.minutes, fixed.mode) == (65, "in_person")


def test_a_correction_that_moves_the_match_after_its_contact_is_rejected() -> None:
    match = matched(on="2024-10-01")
    given = [registrant_enrolled(), match, contact(on="2024-10-08")]
    error = then_error(given, corrected(match["source_ref"], {"on": "2024-10-09"}))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "mentor"


def test_a_correction_that_breaks_eligibility_is_rejected() -> None:
    enrolment = registrant_enrolled()
    fix = corrected(enrolment["source_ref"], {"registered_on": "2021-01-01"})
    error = then_error([enrolment], fix)
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_voiding_a_fact_that_is_no_longer_effective_is_rejected() -> None:
    leaving = left()
    subject = registrant([registrant_enrolled(), leaving, voided(leaving["source_ref"])])
    with pytest.raises(RuleBroken) as caught:
        subject.void(leaving["source_ref"], on=date(2025, 9, 3), source_ref="x-1",
                     recorded_by=None, note=None, reason="again")
    assert caught.value.field == "target"


def test_moving_the_enrolment_after_later_facts_is_impossible() -> None:
    enrolment = registrant_enrolled(on="2024-09-30")
    given = [enrolment, matched(on="2024-10-01")]
    with pytest.raises(ImpossibleHistory):
        Domain(given).apply(corrected(enrolment["source_ref"], {"on": "2024-10-20"}))


def test_moving_the_enrolment_earlier_is_accepted() -> None:
    enrolment = registrant_enrolled(on="2024-09-30")
    given = [enrolment, matched(on="2024-10-01")]
    assert then_events(given, corrected(enrolment["source_ref"], {"on": "2024-09-20"}))
