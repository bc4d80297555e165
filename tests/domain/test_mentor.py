"""Mentor: given facts, when a fact, then events or a domain error (no ledger)."""

from __future__ import annotations

from datetime import date

import pytest

from legacyledger.domain import ImpossibleHistory, Mentor, RuleBroken, SubjectClosed
from tests.builders import (
    Domain,
    M,
    corrected,
    mentor_enrolled,
    mentor_inducted,
    mentor_moved,
    mentor_paused,
    mentor_resumed,
    mentor_trained,
    mentor_withdrew,
    pay_rate_set,
    then_error,
    then_events,
    time_logged,
    voided,
)

ENROLLED = "2024-05-01"


def enrolled() -> list[dict]:
    return [mentor_enrolled(on=ENROLLED)]


def withdrawn(on: str = "2025-06-30") -> list[dict]:
    return [*enrolled(), mentor_withdrew(on=on)]


def mentor(facts: list[dict]) -> Mentor:
    return Domain(facts).get(Mentor, M)  # type: ignore[return-value]


def test_enrolment_creates_an_active_mentor() -> None:
    assert then_events([], mentor_enrolled()) == ["MentorEnrolled"]
    subject = mentor(enrolled())
    assert subject.active_on(date(2024, 5, 1))
    assert not subject.active_on(date(2024, 4, 30))
    assert not subject.withdrawn


@pytest.mark.parametrize(
    "fact",
    [mentor_inducted(on="2024-04-30"), mentor_trained(on="2024-04-30"),
     mentor_moved(on="2024-04-30"), mentor_paused(on="2024-04-30"),
     mentor_withdrew(on="2024-04-30"), time_logged(on="2024-04-30")],
    ids=lambda f: f["fact"],
)
def test_a_fact_before_enrolment_is_impossible(fact: dict) -> None:
    error = then_error(enrolled(), fact)
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_a_pay_rate_may_be_back_dated_before_enrolment() -> None:
    assert then_events(enrolled(), pay_rate_set(on="2024-04-01")) == ["MentorPayRateSet"]


def test_a_pay_rate_recorded_after_withdrawal_but_effective_before_it_is_accepted() -> None:
    assert then_events(withdrawn(), pay_rate_set(on="2025-04-01")) == ["MentorPayRateSet"]


def test_a_pay_rate_effective_after_withdrawal_is_rejected() -> None:
    error = then_error(withdrawn(), pay_rate_set(on="2025-07-01"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


# -- time logged ----------------------------------------------------------------------------


def test_time_logged_while_active_is_accepted() -> None:
    assert then_events(enrolled(), time_logged(on="2024-10-08")) == ["MentorTimeLogged"]


def test_time_logged_on_the_withdrawal_day_is_accepted() -> None:
    assert then_events(withdrawn("2025-06-30"), time_logged(on="2025-06-30"))


def test_time_logged_after_withdrawal_is_impossible() -> None:
    error = then_error(withdrawn("2025-06-30"), time_logged(on="2025-07-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_a_period_of_time_ending_after_withdrawal_is_impossible() -> None:
    error = then_error(withdrawn("2025-06-30"), time_logged(on="2025-06-01", until="2025-07-31"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "until"


def test_a_period_that_ends_before_it_starts_is_rejected() -> None:
    error = then_error(enrolled(), time_logged(on="2024-10-08", until="2024-10-01"))
    assert isinstance(error, RuleBroken)
    assert error.field == "until"


def test_late_time_before_withdrawal_is_accepted() -> None:
    assert then_events(withdrawn("2025-06-30"), time_logged(on="2025-05-01"))


# -- withdrawal, pause, resume --------------------------------------------------------------


def test_withdrawal_closes_the_mentor() -> None:
    subject = mentor(withdrawn("2025-06-30"))
    assert subject.withdrawn
    assert subject.active_on(date(2025, 6, 30))
    assert not subject.active_on(date(2025, 7, 1))


@pytest.mark.parametrize(
    "fact",
    [mentor_trained(on="2025-07-01"), mentor_moved(on="2025-07-01"),
     mentor_inducted(on="2025-07-01"), mentor_paused(on="2025-07-01")],
    ids=lambda f: f["fact"],
)
def test_a_fact_about_a_withdrawn_mentor_is_rejected(fact: dict) -> None:
    error = then_error(withdrawn("2025-06-30"), fact)
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_withdrawing_twice_is_rejected() -> None:
    error = then_error(withdrawn("2025-06-30"), mentor_withdrew(on="2025-08-01"))
    assert isinstance(error, SubjectClosed)
    assert error.field == "on"


def test_withdrawing_before_time_already_logged_is_impossible() -> None:
    given = [*enrolled(), time_logged(on="2024-10-08")]
    error = then_error(given, mentor_withdrew(on="2024-10-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


@pytest.mark.parametrize(
    "fact",
    [mentor_trained(on="2024-10-08"), mentor_moved(on="2024-10-08"),
     mentor_inducted(on="2024-10-08"), mentor_paused(on="2024-10-08"),
     time_logged(on="2024-09-20", until="2024-10-08")],
    ids=lambda f: f["fact"],
)
def test_withdrawing_before_a_recorded_activity_is_impossible(fact: dict) -> None:
    error = then_error([*enrolled(), fact], mentor_withdrew(on="2024-10-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_withdrawing_before_a_recorded_pay_rate_takes_effect_is_impossible() -> None:
    given = [*enrolled(), pay_rate_set(on="2025-04-01")]
    error = then_error(given, mentor_withdrew(on="2024-10-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_resuming_reopens_a_withdrawn_mentor() -> None:
    assert then_events(withdrawn(), mentor_resumed(on="2025-09-01")) == ["MentorResumed"]
    reopened = [*withdrawn(), mentor_resumed(on="2025-09-01")]
    assert not mentor(reopened).withdrawn
    assert then_events(reopened, mentor_trained(on="2025-09-02")) == ["MentorTrained"]


def test_the_gap_between_withdrawal_and_resumption_stays_closed() -> None:
    reopened = [*withdrawn("2025-06-30"), mentor_resumed(on="2025-09-01")]
    error = then_error(reopened, time_logged(on="2025-08-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_resuming_before_the_withdrawal_is_impossible() -> None:
    error = then_error(withdrawn("2025-06-30"), mentor_resumed(on="2025-06-01"))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_resuming_an_active_mentor_is_rejected() -> None:
    error = then_error(enrolled(), mentor_resumed())
    assert isinstance(error, RuleBroken)
    assert error.field == "fact"


def test_pausing_twice_is_rejected() -> None:
    given = [*enrolled(), mentor_paused(on="2024-12-01")]
    error = then_error(given, mentor_paused(on="2024-12-15"))
    assert isinstance(error, RuleBroken)
    assert error.field == "fact"


def test_resuming_a_paused_mentor_is_accepted() -> None:
    given = [*enrolled(), mentor_paused(on="2024-12-01")]
    assert then_events(given, mentor_resumed(on="2025-01-06")) == ["MentorResumed"]
    assert not mentor([*given, mentor_resumed(on="2025-01-06")]).paused


def test_resuming_before_the_pause_is_impossible() -> None:
    given = [*enrolled(), mentor_paused(on="2024-12-01")]
    error = then_error(given, mentor_resumed(on="2024-11-15"))
    assert isinstance(error, ImpossibleHistory)


def test_moving_changes_the_employer() -> None:
    subject = mentor([*enrolled(), mentor_moved(employer="ods:RR8")])
    assert subject.employer == "ods:RR8"


# -- corrections and voids ------------------------------------------------------------------


def test_voiding_the_withdrawal_restores_an_active_mentor() -> None:
    withdrawal = mentor_withdrew(on="2025-06-30")
    given = [*enrolled(), withdrawal]
    assert then_events(given, voided(withdrawal["source_ref"])) == ["FactVoided"]
    restored = [*given, voided(withdrawal["source_ref"])]
    assert not mentor(restored).withdrawn
    assert then_events(restored, time_logged(on="2025-08-01")) == ["MentorTimeLogged"]


def test_voiding_the_enrolment_is_rejected() -> None:
    enrolment = mentor_enrolled()
    error = then_error([enrolment], voided(enrolment["source_ref"]))
    assert isinstance(error, RuleBroken)
    assert error.field == "target"


def test_correcting_the_withdrawal_to_before_logged_time_is_impossible() -> None:
    withdrawal = mentor_withdrew(on="2025-06-30")
    given = [*enrolled(), time_logged(on="2025-05-01"), withdrawal]
    error = then_error(given, corrected(withdrawal["source_ref"], {"on": "2025-04-01"}))
    assert isinstance(error, ImpossibleHistory)
    assert error.field == "on"


def test_correcting_logged_hours_keeps_the_other_fields() -> None:
    log = time_logged(hours="1", activity="admin")
    facts = [*enrolled(), log, corrected(log["source_ref"], {"hours": "1.5"})]
    fixed = mentor(facts).facts[log["source_ref"]]
    assert (str(fixed.hours), fixed.activity) == ("1.5", "admin")
