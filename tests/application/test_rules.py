"""Every rule of ``spec/facts.md`` ("Rules every import enforces") through the ``Ledger``.

Given facts already in the ledger, when a file holds one more (valid) fact and then the
fact under test, then the import is rejected with one ``FactError`` naming line 2, the fact
and the field, and nothing is written. Accepted cases import and change state as stated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from legacyledger import FactError, ImportRejected, Ledger
from legacyledger.facts.parsing import parse_lines
from tests.builders import (
    BUILDERS,
    OMIT,
    M,
    R,
    cancelled,
    commitment_formalised,
    contact,
    corrected,
    cost_incurred,
    delivered,
    event_planned,
    feedback,
    follow_up_ended,
    funding_received,
    left,
    matched,
    mentor_enrolled,
    mentor_paused,
    mentor_resumed,
    mentor_trained,
    mentor_withdrew,
    organisation_joined,
    outcome_measured,
    partnership_closed,
    partnership_formed,
    pay_rate_set,
    recruitment_target_set,
    registrant_enrolled,
    registrant_moved,
    rejoined,
    rostered,
    time_logged,
    unmatched,
    voided,
)

Facts = list[dict[str, Any]]


def base() -> Facts:
    """A partnership, two mentors, a registrant and a planned event."""
    return [partnership_formed(), mentor_enrolled(), mentor_enrolled("M-2", role="ambassador"),
            registrant_enrolled(), event_planned()]


def mentored() -> Facts:
    return [*base(), matched(on="2024-10-01"), contact(on="2024-10-08")]


def rejected(ledger: Ledger, given: Facts, bad: dict[str, Any]) -> FactError:
    """Import ``given``, then [a valid fact, ``bad``]: the one error, with nothing written."""
    ledger.import_facts(given)
    before = ledger.count()
    with pytest.raises(ImportRejected) as caught:
        ledger.import_facts([commitment_formalised(), bad])
    assert ledger.count() == before
    errors = caught.value.errors
    assert len(errors) == 1, errors
    assert errors[0].line == 2
    return errors[0]


# -- the rules, each a (given, when) pair with the fact and field the error must name --------

RULES: dict[str, tuple[Callable[[], tuple[Facts, dict[str, Any]]], str, str]] = {}


def rule(fact: str, field: str) -> Callable[[Callable[[], tuple[Facts, dict[str, Any]]]], Any]:
    def register(build: Callable[[], tuple[Facts, dict[str, Any]]]) -> Any:
        RULES[build.__name__] = (build, fact, field)
        return build

    return register


# A fact about a key that does not exist (yet).


@rule("RegistrantLeft", "registrant")
def unknown_registrant() -> tuple[Facts, dict[str, Any]]:
    return base(), left("R-404")


@rule("MentorTrained", "mentor")
def unknown_mentor() -> tuple[Facts, dict[str, Any]]:
    return base(), mentor_trained("M-404")


@rule("EventDelivered", "event")
def unknown_event() -> tuple[Facts, dict[str, Any]]:
    return base(), delivered("EV-404")


@rule("OrganisationJoined", "partnership")
def unknown_partnership() -> tuple[Facts, dict[str, Any]]:
    return base(), organisation_joined("p-404")


@rule("RegistrantEnrolled", "partnership")
def enrolment_in_an_unknown_partnership() -> tuple[Facts, dict[str, Any]]:
    return base(), registrant_enrolled("R-2", partnership="p-404")


@rule("MentorMatched", "mentor")
def match_with_an_unknown_mentor() -> tuple[Facts, dict[str, Any]]:
    return base(), matched(mentor="M-404")


@rule("MentoringContactRecorded", "mentor")
def contact_with_an_unknown_mentor() -> tuple[Facts, dict[str, Any]]:
    return base(), contact(mentor="M-404")


@rule("MentorTimeLogged", "registrant")
def time_for_an_unknown_registrant() -> tuple[Facts, dict[str, Any]]:
    return base(), time_logged(registrant="R-404")


@rule("MentorTimeLogged", "event")
def time_at_an_unknown_event() -> tuple[Facts, dict[str, Any]]:
    return base(), time_logged(event="EV-404")


@rule("CostIncurred", "event")
def cost_of_an_unknown_event() -> tuple[Facts, dict[str, Any]]:
    return base(), cost_incurred(event="EV-404")


@rule("EventDelivered", "attendees")
def unknown_attendee() -> tuple[Facts, dict[str, Any]]:
    return base(), delivered(attendees=["M-404"])


@rule("AmbassadorRostered", "mentor")
def unknown_ambassador_rostered() -> tuple[Facts, dict[str, Any]]:
    return base(), rostered(mentor="M-404")


# Creating a subject twice.


@rule("PartnershipFormed", "partnership")
def partnership_formed_twice() -> tuple[Facts, dict[str, Any]]:
    return base(), partnership_formed(on="2024-05-01")


@rule("MentorEnrolled", "mentor")
def mentor_enrolled_twice() -> tuple[Facts, dict[str, Any]]:
    return base(), mentor_enrolled(on="2024-06-01")


@rule("RegistrantEnrolled", "registrant")
def registrant_enrolled_twice() -> tuple[Facts, dict[str, Any]]:
    return base(), registrant_enrolled(on="2024-10-30")


@rule("EventPlanned", "event")
def event_planned_twice() -> tuple[Facts, dict[str, Any]]:
    return base(), event_planned(on="2025-03-01")


# A fact about a closed / withdrawn / left / delivered / cancelled subject.


@rule("MentorTrained", "on")
def fact_about_a_withdrawn_mentor() -> tuple[Facts, dict[str, Any]]:
    return [*base(), mentor_withdrew(on="2025-06-30")], mentor_trained(on="2025-07-01")


@rule("MentorMatched", "mentor")
def match_with_a_withdrawn_mentor() -> tuple[Facts, dict[str, Any]]:
    return [*base(), mentor_withdrew(on="2024-09-30")], matched(on="2024-10-01")


@rule("AmbassadorRostered", "mentor")
def withdrawn_ambassador_rostered() -> tuple[Facts, dict[str, Any]]:
    return [*base(), mentor_withdrew("M-2", on="2025-01-31")], rostered(mentor="M-2")


@rule("EventDelivered", "attendees")
def withdrawn_attendee() -> tuple[Facts, dict[str, Any]]:
    return [*base(), mentor_withdrew("M-2", on="2025-01-31")], delivered(attendees=["M-2"])


@rule("RegistrantMoved", "on")
def fact_about_a_left_registrant() -> tuple[Facts, dict[str, Any]]:
    return [*base(), left(on="2025-08-29")], registrant_moved(on="2025-09-01")


@rule("OutcomeMeasured", "on")
def fact_after_follow_up_ended() -> tuple[Facts, dict[str, Any]]:
    return [*base(), follow_up_ended(on="2025-06-30")], outcome_measured(on="2025-07-01")


@rule("OrganisationJoined", "on")
def fact_about_a_closed_partnership() -> tuple[Facts, dict[str, Any]]:
    return [*base(), partnership_closed(on="2026-03-31")], organisation_joined(on="2026-04-01")


@rule("RegistrantEnrolled", "partnership")
def enrolment_in_a_closed_partnership() -> tuple[Facts, dict[str, Any]]:
    late = registrant_enrolled("R-2", on="2026-04-01", registered_on="2026-01-05")
    return [*base(), partnership_closed(on="2026-03-31")], late


@rule("EventPlanned", "partnership")
def event_in_a_closed_partnership() -> tuple[Facts, dict[str, Any]]:
    return [*base(), partnership_closed(on="2026-03-31")], event_planned("EV-2", on="2026-05-01")


@rule("PartnershipClosed", "fact")
def partnership_closed_twice() -> tuple[Facts, dict[str, Any]]:
    return [*base(), partnership_closed(on="2026-03-31")], partnership_closed(on="2026-01-31")


@rule("AmbassadorRostered", "fact")
def roster_after_delivery() -> tuple[Facts, dict[str, Any]]:
    return [*base(), delivered()], rostered(mentor="M-2", on="2025-02-12")


@rule("EventCancelled", "fact")
def cancelled_after_delivery() -> tuple[Facts, dict[str, Any]]:
    return [*base(), delivered()], cancelled(on="2025-02-12")


@rule("EventDelivered", "fact")
def delivered_after_cancellation() -> tuple[Facts, dict[str, Any]]:
    return [*base(), cancelled()], delivered(on="2025-02-12")


@rule("EventDelivered", "fact")
def delivered_twice() -> tuple[Facts, dict[str, Any]]:
    return [*base(), delivered()], delivered(on="2025-02-12")


# Impossible histories once the fact is placed at its date.


@rule("RegistrantLeft", "on")
def left_before_enrolled() -> tuple[Facts, dict[str, Any]]:
    return base(), left(on="2024-09-29")


@rule("EventDelivered", "on")
def delivered_before_planned() -> tuple[Facts, dict[str, Any]]:
    return base(), delivered(on="2025-02-10")


@rule("MentoringContactRecorded", "mentor")
def contact_before_the_match() -> tuple[Facts, dict[str, Any]]:
    return [*base(), matched(on="2024-10-01")], contact(on="2024-09-30")


@rule("MentoringContactRecorded", "on")
def contact_after_leaving() -> tuple[Facts, dict[str, Any]]:
    return [*mentored(), left(on="2024-12-01")], contact(on="2024-12-02")


@rule("RegistrantLeft", "on")
def leaving_before_a_recorded_contact() -> tuple[Facts, dict[str, Any]]:
    return mentored(), left(on="2024-10-07")


@rule("MentorTimeLogged", "on")
def time_logged_before_enrolment() -> tuple[Facts, dict[str, Any]]:
    return base(), time_logged(on="2024-04-30")


@rule("MentorTimeLogged", "on")
def time_logged_after_withdrawal() -> tuple[Facts, dict[str, Any]]:
    return [*base(), mentor_withdrew(on="2025-06-30")], time_logged(on="2025-07-01")


@rule("MentorWithdrew", "on")
def withdrawal_before_logged_time() -> tuple[Facts, dict[str, Any]]:
    return [*base(), time_logged(on="2024-10-08")], mentor_withdrew(on="2024-10-01")


# Eligibility.


@rule("RegistrantEnrolled", "registered_on")
def registered_after_enrolment() -> tuple[Facts, dict[str, Any]]:
    return base(), registrant_enrolled("R-2", on="2024-09-30", registered_on="2024-10-01")


@rule("RegistrantEnrolled", "on")
def enrolled_more_than_24_months_after_registration() -> tuple[Facts, dict[str, Any]]:
    return base(), registrant_enrolled("R-2", on="2026-09-03", registered_on="2024-09-02")


# Contacts and one-to-one time need the match on that date.


@rule("MentoringContactRecorded", "mentor")
def contact_with_an_unmatched_mentor() -> tuple[Facts, dict[str, Any]]:
    return [*base(), matched()], contact(mentor="M-2")


@rule("MentorTimeLogged", "registrant")
def one_to_one_time_with_an_unmatched_registrant() -> tuple[Facts, dict[str, Any]]:
    one_to_one = time_logged("M-2", activity="one_to_one", category="delivery", registrant=R)
    return [*base(), matched()], one_to_one


@rule("MentorTimeLogged", "registrant")
def one_to_one_time_before_the_match() -> tuple[Facts, dict[str, Any]]:
    early = time_logged(on="2024-09-30", activity="one_to_one", category="delivery", registrant=R)
    return [*base(), matched(on="2024-10-01")], early


# Events: feedback only after delivery, responses within the audience reached.


@rule("FeedbackRecorded", "fact")
def feedback_before_delivery() -> tuple[Facts, dict[str, Any]]:
    return base(), feedback()


@rule("FeedbackRecorded", "on")
def feedback_dated_before_delivery() -> tuple[Facts, dict[str, Any]]:
    return [*base(), delivered(on="2025-02-12")], feedback(on="2025-02-11")


@rule("FeedbackRecorded", "responses")
def more_responses_than_audience() -> tuple[Facts, dict[str, Any]]:
    return [*base(), delivered(audience_reached=30)], feedback(responses=31)


# Shape: money, hours, minutes, counts, rates, enums, fields, personal data.

SHAPE: list[tuple[str, Callable[[], dict[str, Any]], str]] = [
    ("negative_funding", lambda: funding_received(amount="-0.01"), "amount"),
    ("negative_cost", lambda: cost_incurred(amount="-5"), "amount"),
    ("negative_salary", lambda: pay_rate_set(annual_salary="-1"), "annual_salary"),
    ("negative_hours", lambda: time_logged(hours="-1"), "hours"),
    ("negative_contracted_hours",
     lambda: mentor_enrolled("M-3", contracted_hours_per_week="-7.5"), "contracted_hours_per_week"),
    ("negative_minutes", lambda: contact(minutes=-1), "minutes"),
    ("negative_duration", lambda: delivered(duration_minutes=-1), "duration_minutes"),
    ("negative_expected_audience",
     lambda: event_planned("EV-2", expected_audience=-1), "expected_audience"),
    ("negative_audience_reached", lambda: delivered(audience_reached=-1), "audience_reached"),
    ("negative_responses", lambda: feedback(responses=-1), "responses"),
    ("negative_target", lambda: recruitment_target_set(target_active=-1), "target_active"),
    ("negative_item_count",
     lambda: feedback(items={"x": {"agree": -1, "neutral": 0, "disagree": 0}}), "items.x.agree"),
    ("oncost_above_one", lambda: pay_rate_set(oncost_rate="1.5"), "oncost_rate"),
    ("oncost_negative", lambda: pay_rate_set(oncost_rate="-0.1"), "oncost_rate"),
    ("dropout_of_one", lambda: recruitment_target_set(assumed_dropout_rate="1.0"),
     "assumed_dropout_rate"),
    ("dropout_negative", lambda: recruitment_target_set(assumed_dropout_rate="-0.2"),
     "assumed_dropout_rate"),
    ("unknown_destination", lambda: left(destination="mars"), "destination"),
    ("unknown_event_kind", lambda: event_planned("EV-2", kind="rave"), "kind"),
    ("unknown_contact_mode", lambda: contact(mode="telepathy"), "mode"),
    ("unknown_activity", lambda: time_logged(activity="golf"), "activity"),
    ("unknown_field", lambda: left(colour="red"), "colour"),
    ("float_money", lambda: funding_received(amount=12.5), "amount"),
    ("float_whole_money", lambda: funding_received(amount=12.0), "amount"),
    ("float_hours", lambda: time_logged(hours=1.5), "hours"),
    ("decimal_text_with_comma", lambda: funding_received(amount="1,250.00"), "amount"),
    ("email_in_note", lambda: left(note="ask jo.bloggs@example.org"), "note"),
    ("nhs_number_in_note", lambda: left(note="NHS no 943 476 5919"), "note"),
    ("nhs_number_digits_in_note", lambda: left(note="ref 9434765919"), "note"),
    ("nhs_number_in_reason", lambda: left(reason="943-476-5919 moved"), "reason"),
    ("minutes_as_text", lambda: contact(minutes="55"), "minutes"),
    ("comparator_as_text", lambda: registrant_enrolled("R-2", comparator="no"), "comparator"),
    ("missing_key", lambda: left(registrant=OMIT), "registrant"),
    ("missing_field", lambda: left(destination=OMIT), "destination"),
    ("missing_date", lambda: left(on=OMIT), "on"),
    ("impossible_date", lambda: left(on="2025-02-30"), "on"),
    ("date_not_iso", lambda: left(on="29/08/2025"), "on"),
    ("malformed_organisation", lambda: registrant_enrolled("R-2", employer="RXF"), "employer"),
]


@pytest.mark.parametrize(
    ("fact", "field"), [(b, f) for _, b, f in SHAPE], ids=[n for n, _, _ in SHAPE]
)
def test_a_fact_of_the_wrong_shape_is_rejected(
    memory_ledger: Ledger, fact: Callable[[], dict[str, Any]], field: str
) -> None:
    bad = fact()
    error = rejected(memory_ledger, base(), bad)
    assert (error.fact, error.field) == (bad["fact"], field)


@pytest.mark.parametrize(
    ("fact", "field"),
    [
        pytest.param(lambda: registrant_enrolled("jo.bloggs@nhs.net"), "registrant",
                     id="key_email"),
        pytest.param(lambda: registrant_enrolled("R 2"), "registrant", id="key_with_a_space"),
        pytest.param(lambda: registrant_enrolled("R" * 80), "registrant", id="key_too_long"),
        pytest.param(lambda: left(recorded_by="jo@example.org"), "recorded_by",
                     id="recorded_by_email"),
        pytest.param(lambda: left(source_ref="jo@example.org"), "source_ref",
                     id="source_ref_email"),
    ],
)
def test_keys_source_refs_and_recorders_are_pseudonymous_ids(
    memory_ledger: Ledger, fact: Callable[[], dict[str, Any]], field: str
) -> None:
    bad = fact()
    error = rejected(memory_ledger, base(), bad)
    assert (error.fact, error.field) == (bad["fact"], field)


def test_a_reference_to_another_subject_must_look_like_a_key(memory_ledger: Ledger) -> None:
    error = rejected(memory_ledger, base(), matched(mentor="jo@example.org"))
    assert (error.fact, error.field) == ("MentorMatched", "mentor")


def test_an_unknown_fact_is_rejected(memory_ledger: Ledger) -> None:
    promoted = {"fact": "MentorPromoted", "mentor": M, "on": "2025-01-01"}
    error = rejected(memory_ledger, base(), promoted)
    assert (error.fact, error.field) == ("MentorPromoted", "fact")


def test_a_line_without_a_fact_name_is_rejected(memory_ledger: Ledger) -> None:
    error = rejected(memory_ledger, base(), {"mentor": M, "on": "2025-01-01"})
    assert error.field == "fact"


def test_a_line_that_is_not_json_is_rejected(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts(base())
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts(['{"fact": "CommitmentFormalised", ', b"\n"])
    assert [e.line for e in caught.value.errors] == [1]
    assert "JSON" in caught.value.errors[0].message


# Corrections.


@rule("FactCorrected", "replacement.minutes")
def correction_of_the_wrong_type() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"minutes": "lots"})


@rule("FactCorrected", "replacement.mode")
def correction_with_an_unknown_enum() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"mode": "telepathy"})


@rule("FactCorrected", "replacement.colour")
def correction_with_an_unknown_field() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"colour": "red"})


@rule("FactCorrected", "replacement.note")
def correction_with_personal_data() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"note": "jo@example.org"})


@rule("FactCorrected", "replacement.registrant")
def correction_of_the_key() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"registrant": "R-2"})


@rule("FactCorrected", "replacement.fact")
def correction_of_the_fact_name() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"fact": "RegistrantLeft"})


@rule("FactCorrected", "mentor")
def correction_that_makes_history_impossible() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-2]["source_ref"], {"on": "2024-10-09"})


@rule("FactCorrected", "target")
def correction_of_an_unknown_fact() -> tuple[Facts, dict[str, Any]]:
    return mentored(), corrected("no-such-ref", {"minutes": 5})


@rule("FactCorrected", "reason")
def correction_without_a_reason() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, corrected(given[-1]["source_ref"], {"minutes": 5}, reason=OMIT)


@rule("FactVoided", "target")
def voiding_a_creation_fact() -> tuple[Facts, dict[str, Any]]:
    given = base()
    return given, voided(given[3]["source_ref"])


@rule("FactVoided", "mentor")
def voiding_that_makes_history_impossible() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    return given, voided(given[-2]["source_ref"])


@rule("FactCorrected", "target")
def correcting_a_voided_fact() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    leaving = left(on="2025-01-31")
    return [*given, leaving, voided(leaving["source_ref"])], corrected(leaving["source_ref"],
                                                                       {"reason": "moved"})


@rule("FactCorrected", "target")
def correcting_a_correction() -> tuple[Facts, dict[str, Any]]:
    given = mentored()
    fix = corrected(given[-1]["source_ref"], {"minutes": 60})
    return [*given, fix], corrected(fix["source_ref"], {"reason": "again"})


@pytest.mark.parametrize("name", RULES)
def test_a_broken_rule_is_rejected_naming_line_fact_and_field(
    memory_ledger: Ledger, name: str
) -> None:
    build, fact, field = RULES[name]
    given, bad = build()
    error = rejected(memory_ledger, given, bad)
    assert (error.line, error.fact, error.field) == (2, fact, field)
    assert str(error).startswith(f"line 2: {fact}.{field}: ")


@pytest.mark.parametrize(
    "name",
    ["unknown_registrant", "fact_about_a_withdrawn_mentor",
     "correction_that_makes_history_impossible"],
)
def test_nothing_is_written_on_every_store(ledger: Ledger, name: str) -> None:
    build, fact, field = RULES[name]
    given, bad = build()
    error = rejected(ledger, given, bad)
    assert (error.fact, error.field) == (fact, field)


# -- what the rules allow ------------------------------------------------------------------

ACCEPTED: dict[str, Callable[[], Facts]] = {
    "rejoining_reopens_a_left_registrant": lambda: [
        *mentored(), left(on="2025-08-29"), rejoined(on="2025-10-01"),
        registrant_moved(on="2025-11-01")],
    "resuming_reopens_a_withdrawn_mentor": lambda: [
        *base(), mentor_withdrew(on="2025-06-30"), mentor_resumed(on="2025-09-01"),
        mentor_trained(on="2025-09-02"), time_logged(on="2025-09-03")],
    "a_late_leaver": lambda: [
        *mentored(), outcome_measured(on="2025-03-31"), left(on="2025-01-31")],
    "a_pay_rate_back_dated_before_enrolment": lambda: [*base(), pay_rate_set(on="2023-04-01")],
    "enrolment_exactly_24_months_after_registration": lambda: [
        *base(), registrant_enrolled("R-2", on="2026-09-02", registered_on="2024-09-02")],
    "contact_and_one_to_one_time_with_the_matched_mentor": lambda: [
        *mentored(), time_logged(activity="one_to_one", category="delivery", registrant=R)],
    "lines_in_no_date_order": lambda: [
        *base(), matched(on="2024-10-01"), outcome_measured(on="2025-06-30"),
        contact(on="2024-11-05"), contact(on="2024-10-08"), time_logged(on="2025-01-10"),
        time_logged(on="2024-10-02"), left(on="2025-08-29")],
    "an_integrated_event_without_a_social_care_ambassador": lambda: [
        *base(), delivered(attendees=[M])],
    "whole_pounds_as_a_json_integer": lambda: [*base(), funding_received(amount=25000)],
    "a_note_with_ordinary_numbers": lambda: [
        *base(), cost_incurred(note="12 mentors, 3 events on 2024-10-08, 1234.50 paid")],
    "a_fact_on_the_closing_day": lambda: [
        *base(), partnership_closed(on="2026-03-31"), cost_incurred(on="2026-03-31")],
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_possible_history_is_accepted(memory_ledger: Ledger, name: str) -> None:
    facts = ACCEPTED[name]()
    result = memory_ledger.import_facts(facts)
    assert result.recorded == memory_ledger.count() == len(facts)


def test_attendees_not_rostered_are_rostered_by_the_delivery(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts([*base(), rostered(mentor="M-2"), delivered(attendees=["M-2", M])])
    assert memory_ledger.subject("event", "EV-1").rostered == {"M-2", M}


def test_a_void_restores_the_state_before_the_voided_fact(memory_ledger: Ledger) -> None:
    leaving = left(on="2024-12-01")
    memory_ledger.import_facts([*mentored(), leaving])
    assert memory_ledger.subject("registrant", R).left
    memory_ledger.import_facts([voided(leaving["source_ref"]), contact(on="2025-01-05")])
    assert not memory_ledger.subject("registrant", R).left


def test_a_correction_is_validated_against_its_target_and_applied(memory_ledger: Ledger) -> None:
    given = mentored()
    memory_ledger.import_facts([*given, corrected(given[-1]["source_ref"], {"minutes": 65})])
    fixed = memory_ledger.subject("registrant", R).facts[given[-1]["source_ref"]]
    assert (fixed.minutes, fixed.mode) == (65, "in_person")


# -- one report for the whole file ---------------------------------------------------------


def test_every_broken_rule_of_a_file_is_reported_at_once(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts(base())
    facts = [left(on="2024-09-01"), commitment_formalised(), contact(mentor="M-2"),
             mentor_trained("M-404"), delivered(on="2025-01-01")]
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts(facts)
    found = [(e.line, e.fact, e.field) for e in caught.value.errors]
    assert found == [(1, "RegistrantLeft", "on"), (3, "MentoringContactRecorded", "mentor"),
                     (4, "MentorTrained", "mentor"), (5, "EventDelivered", "on")]
    assert "4 error(s); nothing was written" in str(caught.value)
    assert memory_ledger.count() == len(base())


def test_every_shape_error_of_a_file_is_reported_at_once(memory_ledger: Ledger) -> None:
    facts = [partnership_formed(), left(colour="red"), commitment_formalised(),
             funding_received(amount=-1, purpose="fun")]
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts(facts)
    found = [(e.line, e.field) for e in caught.value.errors]
    assert found == [(2, "colour"), (4, "amount"), (4, "purpose")]
    assert memory_ledger.count() == 0


def test_shape_errors_and_broken_rules_come_in_one_report(memory_ledger: Ledger) -> None:
    facts = [partnership_formed(), left(colour="red"), left("R-404")]
    with pytest.raises(ImportRejected) as caught:
        memory_ledger.import_facts(facts)
    found = [(e.line, e.fact, e.field) for e in caught.value.errors]
    assert found == [(2, "RegistrantLeft", "colour"), (3, "RegistrantLeft", "registrant")]
    assert memory_ledger.count() == 0


# -- the builders themselves ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_fact_has_a_builder_whose_defaults_are_valid(name: str) -> None:
    built = BUILDERS[name]("x-1", {"minutes": 1}) if name == "FactCorrected" else (
        BUILDERS[name]("x-1") if name == "FactVoided" else BUILDERS[name]())
    parsed, errors = parse_lines([built])
    assert errors == []
    assert parsed[0].name == name


def test_builders_cover_every_fact_of_the_format() -> None:
    from legacyledger.facts import MODELS

    assert set(BUILDERS) == set(MODELS)


# -- lines need not be sorted: the outcome must not depend on the file order ----------------


def accepts(facts: Facts) -> bool:
    with Ledger(":memory:") as fresh:
        try:
            fresh.import_facts(facts)
        except ImportRejected:
            return False
        return True


def history_pairs() -> list[Any]:
    """(given, first, second): ``first`` is dated before ``second``; neither needs the other to
    be recorded first, so both file orders must get the same answer."""
    return [
        pytest.param(mentored(), outcome_measured(on="2025-01-31"), left(on="2025-03-31"),
                     id="outcome_then_leaving"),
        pytest.param(mentored(), left(on="2024-12-01"), contact(on="2024-12-02"),
                     id="leaving_then_contact"),
        pytest.param(base(), left(on="2024-10-15"), matched(on="2024-11-01"),
                     id="leaving_then_match"),
        pytest.param(base(), left(on="2024-10-15"), registrant_moved(on="2024-11-01"),
                     id="leaving_then_move"),
        pytest.param(base(), mentor_withdrew(on="2024-06-01"), mentor_trained(on="2024-07-01"),
                     id="withdrawal_then_training"),
        pytest.param(base(), partnership_closed(on="2024-05-01"),
                     organisation_joined(on="2024-06-01"),
                     id="closure_then_join"),
        pytest.param(base(), follow_up_ended(on="2025-01-01"), outcome_measured(on="2025-03-31"),
                     id="follow_up_end_then_outcome"),
        pytest.param(base(), mentor_withdrew(on="2024-10-01"), pay_rate_set(on="2025-04-01"),
                     id="withdrawal_then_pay_rate"),
        pytest.param(base(), mentor_withdrew(on="2024-09-30"), matched(on="2024-10-01"),
                     id="mentor_withdrawal_then_match"),
        pytest.param([*base(), matched(on="2024-10-01")], mentor_withdrew(on="2024-10-05"),
                     contact(on="2024-10-08"), id="mentor_withdrawal_then_contact"),
        pytest.param(base(), mentor_withdrew(on="2025-02-01"), rostered(on="2025-02-11"),
                     id="mentor_withdrawal_then_roster"),
        pytest.param(base(), mentor_withdrew(on="2025-02-01"),
                     delivered(on="2025-02-11", attendees=[M]),
                     id="mentor_withdrawal_then_attending"),
        pytest.param(base()[:1], partnership_closed(on="2024-04-20"),
                     mentor_enrolled(on="2024-05-01"), id="closure_then_enrolment"),
        pytest.param(base(), partnership_closed(on="2024-10-01"),
                     registrant_enrolled("R-2", on="2024-10-02"),
                     id="closure_then_registrant_enrolment"),
        pytest.param(mentored(), unmatched(on="2024-11-01"),
                     time_logged(on="2024-11-05", activity="one_to_one", registrant=R,
                                 category="delivery"),
                     id="unmatching_then_one_to_one"),
        pytest.param([*base(), matched(on="2024-10-01")], unmatched(on="2024-10-05"),
                     contact(on="2024-10-08"), id="unmatching_then_contact"),
    ]


@pytest.mark.parametrize(("given", "first", "second"), history_pairs())
def test_the_file_order_of_two_facts_does_not_decide(
    given: Facts, first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert accepts([*given, first, second]) == accepts([*given, second, first])


def test_a_pause_reported_late_does_not_change_what_resuming_means() -> None:
    paused, withdrew = mentor_paused(on="2024-07-01"), mentor_withdrew(on="2024-08-01")
    after = [mentor_resumed(on="2024-09-01"), mentor_trained(on="2024-10-01")]
    assert accepts([*base(), paused, withdrew, *after])
    assert accepts([*base(), withdrew, paused, *after])


def test_a_contact_with_a_withdrawn_mentor_is_rejected(memory_ledger: Ledger) -> None:
    error = rejected(memory_ledger, [*base(), matched(), mentor_withdrew(on="2024-10-05")],
                     contact(on="2024-10-08"))
    assert (error.fact, error.field) == ("MentoringContactRecorded", "mentor")


# -- corrections of references (not keys) --------------------------------------------------


def test_the_mentor_of_a_contact_can_be_corrected(memory_ledger: Ledger) -> None:
    given = [*base(), matched(), matched(mentor="M-2"), contact()]
    memory_ledger.import_facts([*given, corrected(given[-1]["source_ref"], {"mentor": "M-2"})])
    assert memory_ledger.subject("registrant", R).facts[given[-1]["source_ref"]].mentor == "M-2"


def test_a_contact_corrected_to_an_unmatched_mentor_is_rejected(memory_ledger: Ledger) -> None:
    given = mentored()
    error = rejected(memory_ledger, given, corrected(given[-1]["source_ref"], {"mentor": "M-2"}))
    assert (error.fact, error.field) == ("FactCorrected", "replacement.mentor")


def reference_corrections() -> list[Any]:
    """(given, target index, replacement, field): the corrected reference breaks a rule."""
    one_to_one = {"activity": "one_to_one", "category": "delivery", "registrant": R}
    return [
        pytest.param([*base(), matched()], {"mentor": "M-404"}, "mentor",
                     id="match_to_an_unknown_mentor"),
        pytest.param([*base(), mentor_withdrew("M-2", on="2024-09-01"), matched()],
                     {"mentor": "M-2"}, "mentor", id="match_to_a_withdrawn_mentor"),
        pytest.param([*base(), registrant_enrolled("R-2")], {"partnership": "p-404"},
                     "partnership", id="enrolment_in_an_unknown_partnership"),
        pytest.param([*base(), delivered()], {"attendees": ["M-404"]}, "attendees",
                     id="delivery_with_an_unknown_attendee"),
        pytest.param([*base(), time_logged()], {"registrant": "R-404"}, "registrant",
                     id="time_for_an_unknown_registrant"),
        pytest.param([*base(), time_logged()], one_to_one, "registrant",
                     id="one_to_one_time_with_an_unmatched_registrant"),
    ]


@pytest.mark.parametrize(("given", "replacement", "field"), reference_corrections())
def test_a_corrected_reference_is_checked_like_a_new_fact(
    memory_ledger: Ledger, given: Facts, replacement: dict[str, Any], field: str
) -> None:
    error = rejected(memory_ledger, given, corrected(given[-1]["source_ref"], replacement))
    # The field is named as it appears in the correction (as validation names it).
    assert (error.fact, error.field) == ("FactCorrected", f"replacement.{field}")


def test_correcting_a_correction_says_what_to_do(memory_ledger: Ledger) -> None:
    given = mentored()
    fix = corrected(given[-1]["source_ref"], {"minutes": 40})
    error = rejected(memory_ledger, [*given, fix], corrected(fix["source_ref"], {"minutes": 45}))
    assert (error.fact, error.field) == ("FactCorrected", "target")
    assert "is a correction" in error.message and "voided" not in error.message


def test_a_number_too_large_to_store_is_a_line_error_not_a_crash(memory_ledger: Ledger) -> None:
    memory_ledger.import_facts(mentored())
    huge = 99999999999999999999
    errors = errors_of(memory_ledger, [contact(minutes=huge),
                                       corrected(mentored()[-1]["source_ref"], {"minutes": huge})])
    assert [(e.line, e.fact) for e in errors] == [(1, "MentoringContactRecorded"),
                                                  (2, "FactCorrected")]


@pytest.mark.parametrize("key", ["9434765919", "943-476-5919", "R-943 476 5919"])
def test_a_key_holding_an_nhs_number_is_refused(memory_ledger: Ledger, key: str) -> None:
    errors = errors_of(memory_ledger, [registrant_enrolled(key.replace(" ", "-")),
                                       commitment_formalised(source_ref=key.replace(" ", "-")),
                                       commitment_formalised(recorded_by=key.replace(" ", "-"))])
    assert [(e.line, e.field) for e in errors] == [(1, "registrant"), (2, "source_ref"),
                                                   (3, "recorded_by")]
    assert all("NHS number" in e.message for e in errors)


def errors_of(ledger: Ledger, facts: Facts) -> list[FactError]:
    before = ledger.count()
    with pytest.raises(ImportRejected) as caught:
        ledger.import_facts(facts)
    assert ledger.count() == before
    return list(caught.value.errors)


def test_a_decimal_given_with_an_exponent_is_stored_in_plain_notation(
    memory_ledger: Ledger,
) -> None:
    from decimal import Decimal

    memory_ledger.import_facts(base())
    memory_ledger.record(funding_received(amount=Decimal("1E+3")))
    stored = [r.fact for r in memory_ledger.records(names=["FundingReceived"])]
    assert stored[-1]["amount"] == "1000"
    errors = errors_of(memory_ledger, [funding_received(amount=Decimal("Infinity"))])
    assert [(e.line, e.field) for e in errors] == [(1, "amount")]
