"""ProgrammeEvent: given facts, when a fact, then events or a domain error (no ledger)."""

from __future__ import annotations

import pytest

from legacyledger.domain import ImpossibleHistory, ProgrammeEvent, RuleBroken, SubjectClosed
from tests.builders import (
    EV,
    Domain,
    cancelled,
    delivered,
    event_planned,
    event_rescheduled,
    feedback,
    rostered,
    stood_down,
    then_error,
    then_events,
    voided,
)

PLANNED = "2025-02-11"


def planned() -> list[dict]:
    return [event_planned(on=PLANNED)]


def done(**over: object) -> list[dict]:
    return [*planned(), delivered(on=PLANNED, audience_reached=50, **over)]


def event(facts: list[dict]) -> ProgrammeEvent:
    return Domain(facts).get(ProgrammeEvent, EV)  # type: ignore[return-value]


def test_planning_creates_a_planned_event() -> None:
    assert then_events([], event_planned()) == ["EventPlanned"]
    assert event(planned()).status == "planned"


def test_delivered_before_planned_is_impossible() -> None:
    error = then_error(planned(), delivered(on="2025-02-10"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_delivery_records_the_audience() -> None:
    subject = event(done())
    assert (subject.status, subject.audience_reached) == ("delivered", 50)


@pytest.mark.parametrize(
    "fact",
    [delivered(on="2025-02-12"), cancelled(on="2025-02-12"), rostered(on="2025-02-12"),
     stood_down(on="2025-02-12"), event_rescheduled(on="2025-02-12")],
    ids=lambda f: f["fact"],
)
def test_a_delivered_event_is_final(fact: dict) -> None:
    error = then_error([*planned(), rostered(), delivered()], fact)
    assert isinstance(error, SubjectClosed)
    assert error.field == "fact"


@pytest.mark.parametrize(
    "fact",
    [delivered(on="2025-02-12"), cancelled(on="2025-02-12"), rostered(on="2025-02-12"),
     event_rescheduled(on="2025-02-12")],
    ids=lambda f: f["fact"],
)
def test_a_cancelled_event_is_final(fact: dict) -> None:
    error = then_error([*planned(), cancelled()], fact)
    assert isinstance(error, SubjectClosed)
    assert error.field == "fact"


# -- roster ---------------------------------------------------------------------------------


def test_attendees_not_rostered_are_rostered_by_the_delivery() -> None:
    facts = [*planned(), rostered(mentor="M-1"), delivered(attendees=["M-1", "M-2"])]
    assert event(facts).rostered == {"M-1", "M-2"}


def test_an_attendee_listed_twice_is_rejected() -> None:
    error = then_error(planned(), delivered(attendees=["M-1", "M-1"]))
    assert isinstance(error, RuleBroken)
    assert error.field == "attendees"


def test_rostering_twice_is_rejected() -> None:
    error = then_error([*planned(), rostered()], rostered())
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_standing_down_someone_not_rostered_is_rejected() -> None:
    error = then_error(planned(), stood_down())
    assert isinstance(error, RuleBroken)
    assert error.field == "mentor"


def test_standing_down_removes_from_the_roster() -> None:
    assert event([*planned(), rostered(), stood_down()]).rostered == set()


# -- feedback -------------------------------------------------------------------------------


def test_feedback_after_delivery_is_accepted() -> None:
    assert then_events(done(), feedback(on="2025-02-11")) == ["FeedbackRecorded"]


def test_feedback_before_delivery_is_rejected() -> None:
    error = then_error(planned(), feedback())
    assert isinstance(error, RuleBroken)
    assert error.field == "fact"


def test_feedback_on_a_cancelled_event_is_rejected() -> None:
    error = then_error([*planned(), cancelled()], feedback())
    assert isinstance(error, RuleBroken)
    assert error.field == "fact"


def test_feedback_dated_before_the_delivery_is_impossible() -> None:
    given = [*planned(), delivered(on="2025-02-12")]
    error = then_error(given, feedback(on="2025-02-11"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_responses_may_equal_the_audience_reached() -> None:
    reply = feedback(responses=50, items={})
    assert then_events(done(), reply) == ["FeedbackRecorded"]


def test_more_responses_than_the_audience_reached_are_rejected() -> None:
    error = then_error(done(), feedback(responses=51, items={}))
    assert isinstance(error, RuleBroken)
    assert error.field == "responses"


def test_an_item_with_more_answers_than_responses_is_rejected() -> None:
    items = {"would_consider_career": {"agree": 30, "neutral": 10, "disagree": 5}}
    error = then_error(done(), feedback(responses=40, items=items))
    assert isinstance(error, RuleBroken)
    assert error.field == "items"


# -- corrections and voids ------------------------------------------------------------------


def test_voiding_the_delivery_reopens_the_event() -> None:
    delivery = delivered()
    restored = [*planned(), delivery, voided(delivery["source_ref"])]
    assert event(restored).status == "planned"
    assert then_events(restored, cancelled()) == ["EventCancelled"]


def test_voiding_the_delivery_behind_feedback_is_rejected() -> None:
    delivery = delivered()
    given = [*planned(), delivery, feedback()]
    error = then_error(given, voided(delivery["source_ref"]))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "fact"


def test_voiding_the_planning_is_rejected() -> None:
    planning = event_planned()
    error = then_error([planning], voided(planning["source_ref"]))
    assert isinstance(error, RuleBroken)
    assert error.field == "target"


def test_an_event_brought_forward_is_delivered_on_its_new_date() -> None:
    given = [*planned(), event_rescheduled(on=PLANNED, new_date="2025-02-04")]
    assert then_events(given, delivered(on="2025-02-04")) == ["EventDelivered"]
