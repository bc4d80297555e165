"""Rules across two subjects hold from both sides, across imports, corrections and voids
(``legacyledger.domain.links``), on SQLite and PostgreSQL: the links index is stored with the
facts."""

from __future__ import annotations

from typing import Any

import pytest

from legacyledger import ImportRejected, Ledger
from tests.builders import (
    M,
    P,
    R,
    contact,
    corrected,
    delivered,
    event_planned,
    matched,
    mentor_enrolled,
    mentor_resumed,
    mentor_withdrew,
    partnership_closed,
    partnership_formed,
    registrant_enrolled,
    rostered,
    time_logged,
    unmatched,
    voided,
)


def base() -> list[dict[str, Any]]:
    return [partnership_formed(), mentor_enrolled(), registrant_enrolled(), event_planned()]


def refused(ledger: Ledger, fact: dict[str, Any], field: str = "on") -> str:
    before = ledger.count()
    with pytest.raises(ImportRejected) as caught:
        ledger.record(fact)
    assert ledger.count() == before
    (error,) = caught.value.errors
    assert error.field == field, error
    return error.message


def test_a_late_withdrawal_is_refused_when_a_stored_contact_needs_the_mentor(
    ledger: Ledger,
) -> None:
    match, talk = matched(on="2024-10-01"), contact(on="2024-10-08")
    ledger.import_facts([*base(), match, talk])
    message = refused(ledger, mentor_withdrew(on="2024-10-05"))
    assert talk["source_ref"] in message and "MentoringContactRecorded" in message
    ledger.record(mentor_withdrew(on="2024-10-08"))  # the contact's own day still counts


def test_voiding_the_fact_that_needed_the_mentor_lets_the_withdrawal_in(ledger: Ledger) -> None:
    match, talk = matched(on="2024-10-01"), contact(on="2024-10-08")
    ledger.import_facts([*base(), match, talk])
    ledger.record(voided(talk["source_ref"]))
    ledger.record(mentor_withdrew(on="2024-10-05"))
    assert ledger.subject("mentor", M).withdrawn  # type: ignore[attr-defined]


def test_a_contact_corrected_to_an_earlier_day_no_longer_holds_the_mentor(
    ledger: Ledger,
) -> None:
    match, talk = matched(on="2024-10-01"), contact(on="2024-10-08")
    ledger.import_facts([*base(), match, talk])
    ledger.record(corrected(talk["source_ref"], {"on": "2024-10-03"}))
    refused(ledger, mentor_withdrew(on="2024-10-02"))
    ledger.record(mentor_withdrew(on="2024-10-04"))


def test_voiding_the_correction_restores_the_later_day(ledger: Ledger) -> None:
    match, talk = matched(on="2024-10-01"), contact(on="2024-10-08")
    fix = corrected(talk["source_ref"], {"on": "2024-10-03"})
    ledger.import_facts([*base(), match, talk, fix, voided(fix["source_ref"])])
    refused(ledger, mentor_withdrew(on="2024-10-05"))


def test_a_withdrawal_corrected_to_before_a_stored_match_is_refused(ledger: Ledger) -> None:
    withdrawal = mentor_withdrew(on="2024-12-01")
    ledger.import_facts([*base(), matched(on="2024-10-01"), withdrawal])
    refused(ledger, corrected(withdrawal["source_ref"], {"on": "2024-09-15"}), "target")
    ledger.record(corrected(withdrawal["source_ref"], {"on": "2024-10-01"}))


def test_a_late_closure_is_refused_while_an_event_or_enrolment_is_dated_after_it(
    ledger: Ledger,
) -> None:
    ledger.import_facts(base())
    message = refused(ledger, partnership_closed(on="2024-06-01"))
    assert "RegistrantEnrolled" in message or "EventPlanned" in message
    ledger.record(partnership_closed(on="2025-03-31"))


def test_an_unmatching_before_a_stored_one_to_one_session_is_refused(ledger: Ledger) -> None:
    session = time_logged(on="2024-11-05", activity="one_to_one", registrant=R,
                          category="delivery")
    ledger.import_facts([*base(), matched(on="2024-10-01"), session])
    message = refused(ledger, unmatched(on="2024-11-01"))
    assert session["source_ref"] in message
    ledger.record(unmatched(on="2024-11-05"))


def test_attending_an_event_holds_the_mentor(ledger: Ledger) -> None:
    ledger.import_facts([*base(), delivered(on="2025-02-11", attendees=[M])])
    refused(ledger, mentor_withdrew(on="2025-02-01"))


def test_the_links_are_written_in_the_batch_of_their_fact(tmp_path: Any) -> None:
    """Imports are written 5,000 facts per transaction: each link goes with its own fact's
    batch, so a later batch's rule sees an earlier batch's links."""
    with Ledger(tmp_path / "small.db", batch_size=2) as ledger:
        ledger.import_facts([*base(), matched(on="2024-10-01"), contact(on="2024-10-08")])
        refused(ledger, mentor_withdrew(on="2024-10-05"))
        cursor = ledger.app.recorder.datastore  # type: ignore[attr-defined]
        with cursor.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM fact_links")
            assert c.fetchone()[0] == 5  # 2 enrolments and an event name p1; match, contact M-1


def test_voiding_a_resumption_is_refused_while_a_contact_needs_it(ledger: Ledger) -> None:
    back = mentor_resumed(on="2024-09-01")
    ledger.import_facts([*base(), mentor_withdrew(on="2024-08-01"), back,
                         matched(on="2024-10-01"), contact(on="2024-10-08")])
    message = refused(ledger, voided(back["source_ref"]), "target")
    assert "MentorMatched" in message or "MentoringContactRecorded" in message


def test_moving_an_enrolment_after_a_match_is_refused(ledger: Ledger) -> None:
    facts = base()
    ledger.import_facts([*facts, matched(on="2024-10-01")])
    refused(ledger, corrected(facts[1]["source_ref"], {"on": "2024-11-01"}), "target")
    ledger.record(corrected(facts[1]["source_ref"], {"on": "2024-06-01"}))


def test_moving_a_partnership_formation_after_its_enrolments_is_refused(ledger: Ledger) -> None:
    facts = base()
    ledger.import_facts(facts)
    message = refused(ledger, corrected(facts[0]["source_ref"], {"on": "2024-07-01"}), "target")
    assert f"partnership {P} open" in message


def test_voiding_a_match_is_refused_while_a_one_to_one_session_needs_it(ledger: Ledger) -> None:
    match = matched(on="2024-10-01")
    session = time_logged(on="2024-11-05", activity="one_to_one", registrant=R,
                          category="delivery")
    ledger.import_facts([*base(), match, session])
    message = refused(ledger, voided(match["source_ref"]), "target")
    assert session["source_ref"] in message


def test_voiding_a_correction_checks_the_fact_as_it_is_restored(ledger: Ledger) -> None:
    talk = contact(on="2024-11-08")
    fix = corrected(talk["source_ref"], {"on": "2024-10-03"})
    ledger.import_facts([*base(), matched(on="2024-10-01"), talk, fix])
    ledger.record(mentor_withdrew(on="2024-10-05"))
    before = ledger.count()
    with pytest.raises(ImportRejected) as caught:
        ledger.record(voided(fix["source_ref"]))  # the contact would be back on 11-08
    assert ledger.count() == before and "not active on 2024-11-08" in str(caught.value)


def test_voiding_a_correction_of_a_voided_fact_is_accepted(ledger: Ledger) -> None:
    talk = contact(on="2024-10-08")
    fix = corrected(talk["source_ref"], {"minutes": 30})
    ledger.import_facts([*base(), matched(on="2024-10-01"), talk, fix, voided(talk["source_ref"])])
    ledger.record(voided(fix["source_ref"]))
    assert talk["source_ref"] not in ledger.subject("registrant", R).facts  # type: ignore[attr-defined]


def test_a_spread_one_to_one_session_needs_the_match_on_its_last_day_either_way(
    ledger: Ledger,
) -> None:
    session = time_logged(on="2024-11-05", until="2024-12-20", activity="one_to_one",
                          registrant=R, category="delivery")
    ledger.import_facts([*base(), matched(on="2024-10-01")])
    with pytest.raises(ImportRejected):
        ledger.import_facts([unmatched(on="2024-12-01"), session])
    with pytest.raises(ImportRejected):
        ledger.import_facts([session, unmatched(on="2024-12-01")])


WITHDRAWN = [*base(), mentor_withdrew(on="2024-12-01")]
SESSION = {"activity": "one_to_one", "registrant": R, "category": "delivery"}


@pytest.mark.parametrize(
    ("given", "when", "field", "message"),
    [
        ([partnership_formed(), partnership_closed(on="2024-06-01")],
         mentor_enrolled(on="2024-07-01"), "partnership",
         "partnership p1 was not open on 2024-07-01"),
        (base(), contact(mentor="M-9"), "mentor", "mentor M-9 does not exist (yet)"),
        (WITHDRAWN, rostered(), "mentor", "mentor M-1 was not active on 2025-02-11"),
        (WITHDRAWN, delivered(attendees=[M]), "attendees",
         "attendee M-1 was not an active mentor on 2025-02-11"),
        (base(), time_logged(event="EV-9", category="delivery"), "event",
         "programmeevent EV-9 does not exist (yet)"),
        (base(), time_logged(**SESSION), "registrant",
         "registrant R-1 was not matched to M-1 on 2024-10-08"),
        ([*base(), matched(on="2024-10-01"), unmatched(on="2025-02-01")],
         time_logged(on="2024-10-08", until="2025-03-01", **SESSION),
         "registrant", "registrant R-1 was not matched to M-1 on 2025-03-01"),
    ],
)
def test_each_rule_across_subjects_says_what_it_needs(
    ledger: Ledger, given: list[dict[str, Any]], when: dict[str, Any], field: str, message: str
) -> None:
    ledger.import_facts(given)
    assert refused(ledger, when, field) == message


@pytest.mark.parametrize("verb", ["withdrew", "unmatched"])
def test_a_closing_fact_names_the_fact_that_needs_its_subject(ledger: Ledger, verb: str) -> None:
    needing = contact() if verb == "withdrew" else time_logged(**SESSION)
    ledger.import_facts([*base(), matched(on="2024-10-01"), needing])
    late = (mentor_withdrew if verb == "withdrew" else unmatched)(on="2024-10-05")
    assert refused(ledger, late) == (
        f"{verb} on 2024-10-05, but {needing['fact']} {needing['source_ref']} "
        f"(dated 2024-10-08) needs {'M-1' if verb == 'withdrew' else 'the match'} active on "
        "2024-10-08"
    )


def test_a_link_moved_away_and_back_stands_again(location: str) -> None:
    """The links index is a log (append-only): moving a fact's day away and back adds rows,
    and the link's last row says whether it stands."""
    from legacyledger.reports import check_ledger

    with Ledger(location) as ledger:
        match, talk = matched(on="2024-10-01"), contact(on="2024-10-08")
        ledger.import_facts([*base(), match, talk])
        ledger.record(corrected(talk["source_ref"], {"on": "2024-10-03"}))
        back = corrected(talk["source_ref"], {"on": "2024-10-08"})
        ledger.record(back)
        refused(ledger, mentor_withdrew(on="2024-10-05"))
        ledger.record(voided(back["source_ref"]))  # 10-03 again
        ledger.record(mentor_withdrew(on="2024-10-05"))
        assert check_ledger(ledger).ok, check_ledger(ledger).problems


def test_a_links_index_kept_by_an_earlier_release_becomes_the_log(location: str) -> None:
    """Before the links index was a log its rows were deleted when a link moved; such an
    index is taken over, each row a standing link, when the ledger is next opened."""
    from legacyledger.reports import check_ledger
    from tests.tampering import tamper

    with Ledger(location) as ledger:
        ledger.import_facts([*base(), matched(on="2024-10-01"), contact(on="2024-10-08")])
    tamper(
        location,
        "CREATE TABLE old AS SELECT subject, day, source_ref, fact FROM fact_links; "
        "DROP TABLE fact_links; CREATE TABLE fact_links (subject TEXT NOT NULL, day TEXT NOT "
        "NULL, source_ref TEXT NOT NULL, fact TEXT NOT NULL, PRIMARY KEY (subject, day, "
        "source_ref)) WITHOUT ROWID; INSERT INTO fact_links SELECT * FROM old; DROP TABLE old",
        "ALTER TABLE {schema}.legacyledger_links DROP CONSTRAINT legacyledger_links_pkey, "
        "DROP COLUMN n, DROP COLUMN live, ADD PRIMARY KEY (subject, day, source_ref)",
    )
    with Ledger(location) as ledger:
        refused(ledger, mentor_withdrew(on="2024-10-05"))
        assert check_ledger(ledger).ok, check_ledger(ledger).problems
        ledger.record(mentor_withdrew(on="2024-10-09"))
