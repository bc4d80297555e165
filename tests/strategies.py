"""Hypothesis strategies: valid histories, and invalid facts to append to them.

A valid history is drawn on a day axis from ``DAY0`` (the partnership's formation):
mentors enrol in the first month and stay active until after every other dated fact (their
withdrawals, if any, close the file); registrants enrol later, are matched, have contacts
(with one-to-one time logged by the mentor), may leave late or early and rejoin; events are
planned, rostered and delivered with feedback, or cancelled. Some facts are written out of date
order (back-dated pay rates, outcomes after later contacts), and some are corrected or voided.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from tests import builders as b

Fact = dict[str, Any]
DAY0 = date(2024, 4, 1)
HORIZON = 700  # no registrant or event fact is dated later than this many days after DAY0

ROLES = st.sampled_from(["legacy_mentor", "ambassador"])
SECTORS = st.sampled_from(["health", "social_care"])
MODES = st.sampled_from(["in_person", "virtual", "phone", "group"])
DESTINATIONS = st.sampled_from(["other_nhs", "primary_care", "left_profession", "unknown"])
NOTES = st.one_of(st.none(), st.sampled_from(["late report", "from the diary", "agreed at panel"]))


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


def money() -> st.SearchStrategy[str]:
    return st.builds(lambda p: f"{p // 100}.{p % 100:02d}", st.integers(0, 5_000_000))


def hours() -> st.SearchStrategy[str]:
    return st.builds(lambda q: str(q / 4) if q % 4 else str(q // 4), st.integers(0, 40))


@st.composite
def partnership(draw: st.DrawFn) -> list[Fact]:
    facts = [b.partnership_formed(on=day(0), programme=draw(st.sampled_from(
        ["legacy_mentoring", "ambassadors", "other"])))]
    orgs = draw(st.lists(st.sampled_from(["ods:RXF", "ods:RR8", "gss:E08000032"]), unique=True))
    facts += [b.organisation_joined(on=day(draw(st.integers(0, 30))), org=o) for o in orgs]
    facts += [b.funding_received(on=day(draw(st.integers(0, 300))), amount=draw(money()))
              for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        facts.append(b.recruitment_target_set(
            on=day(1), target_active=draw(st.integers(0, 50)),
            assumed_dropout_rate=f"0.{draw(st.integers(0, 99)):02d}"))
    return facts


@st.composite
def mentor(draw: st.DrawFn, key: str) -> tuple[list[Fact], int]:
    """A mentor's facts and enrolment day; only pay rates may be dated before enrolment."""
    start = draw(st.integers(0, 30))
    facts = [b.mentor_enrolled(key, on=day(start), role=draw(ROLES), sector=draw(SECTORS),
                               contracted_hours_per_week=draw(hours()))]
    for _ in range(draw(st.integers(0, 2))):
        facts.append(b.pay_rate_set(key, on=day(start - draw(st.integers(0, 400))),
                                    annual_salary=draw(money()),
                                    oncost_rate=f"0.{draw(st.integers(0, 999)):03d}"))
    if draw(st.booleans()):
        facts.append(b.mentor_inducted(key, on=day(start + draw(st.integers(0, 20)))))
    for _ in range(draw(st.integers(0, 2))):
        facts.append(b.time_logged(key, on=day(start + draw(st.integers(0, 300))),
                                   hours=draw(hours()), note=draw(NOTES)))
    return facts, start


@st.composite
def registrant(draw: st.DrawFn, key: str, mentors: list[str]) -> list[Fact]:
    """Enrolment, maybe a match with contacts and one-to-one time, outcomes, leaving."""
    start = draw(st.integers(31, 200))
    comparator = draw(st.booleans()) if draw(st.booleans()) else False
    facts = [b.registrant_enrolled(
        key, on=day(start), registered_on=day(start - draw(st.integers(0, 700))),
        in_post_since=day(start), comparator=comparator)]
    last = start
    if mentors and not comparator and draw(st.booleans()):
        facts_, last = draw(mentoring(key, draw(st.sampled_from(mentors)), start))
        facts += facts_
    outcomes = [b.outcome_measured(key, on=day(start + draw(st.integers(0, 400))),
                                   score=str(draw(st.integers(0, 50)) / 10))
                for _ in range(draw(st.integers(0, 2)))]
    facts += outcomes
    if draw(st.booleans()):
        leaving = last + draw(st.integers(0, 120))
        facts.append(b.left(key, on=day(leaving), destination=draw(DESTINATIONS)))
        if draw(st.booleans()):
            facts.append(b.rejoined(key, on=day(leaving + draw(st.integers(0, 90)))))
    return facts


@st.composite
def mentoring(draw: st.DrawFn, key: str, mentor_key: str, start: int) -> tuple[list[Fact], int]:
    match = start + draw(st.integers(0, 30))
    facts = [b.matched(key, on=day(match), mentor=mentor_key)]
    when = match
    for _ in range(draw(st.integers(0, 4))):
        when += draw(st.integers(0, 30))
        facts.append(b.contact(key, on=day(when), mentor=mentor_key,
                               minutes=draw(st.integers(0, 120)), mode=draw(MODES)))
        if draw(st.booleans()):
            facts.append(b.time_logged(mentor_key, on=day(when), activity="one_to_one",
                                       category="delivery", registrant=key, hours=draw(hours())))
    return facts, when


@st.composite
def programme_event(draw: st.DrawFn, key: str, mentors: list[str]) -> list[Fact]:
    planned = draw(st.integers(31, 400))
    facts = [b.event_planned(key, on=day(planned), integrated=draw(st.booleans()),
                             expected_audience=draw(st.integers(0, 200)))]
    roster = draw(st.lists(st.sampled_from(mentors), unique=True, max_size=3)) if mentors else []
    facts += [b.rostered(key, on=day(planned), mentor=m) for m in roster]
    fate = draw(st.sampled_from(["planned", "delivered", "cancelled"]))
    if fate == "cancelled":
        facts.append(b.cancelled(key, on=day(planned)))
    if fate == "delivered":
        facts += draw(delivery(key, planned, mentors))
    return facts


@st.composite
def delivery(draw: st.DrawFn, key: str, planned: int, mentors: list[str]) -> list[Fact]:
    on = planned + draw(st.integers(0, 10))
    reached = draw(st.integers(0, 200))
    attendees = draw(st.lists(st.sampled_from(mentors), unique=True, max_size=3)) if mentors else []
    facts = [b.delivered(key, on=day(on), audience_reached=reached, attendees=attendees,
                         duration_minutes=draw(st.integers(0, 240)))]
    if draw(st.booleans()):
        responses = draw(st.integers(0, reached))
        agree = draw(st.integers(0, responses))
        items = {"would_consider_career": {"agree": agree, "neutral": responses - agree,
                                           "disagree": 0}}
        facts.append(b.feedback(key, on=day(on + draw(st.integers(0, 5))), responses=responses,
                                items=items))
    return facts


@st.composite
def corrections(draw: st.DrawFn, facts: list[Fact]) -> list[Fact]:
    """Correct some contacts' minutes and void some outcomes (always keeps history possible)."""
    contacts = [f for f in facts if f["fact"] == "MentoringContactRecorded"]
    outcomes = [f for f in facts if f["fact"] == "OutcomeMeasured"]
    fixes = [b.corrected(f["source_ref"], {"minutes": draw(st.integers(0, 120))}, on=day(HORIZON))
             for f in contacts if draw(st.booleans())]
    fixes += [b.voided(f["source_ref"], on=day(HORIZON)) for f in outcomes if draw(st.booleans())]
    return fixes


@st.composite
def histories(draw: st.DrawFn, max_mentors: int = 3, max_registrants: int = 4,
              max_events: int = 2) -> list[Fact]:
    """A valid history, in an order an import accepts (not always date order)."""
    facts = draw(partnership())
    mentors = [f"M-{i}" for i in range(draw(st.integers(0, max_mentors)))]
    for key in mentors:
        facts += draw(mentor(key))[0]
    for i in range(draw(st.integers(0, max_registrants))):
        facts += draw(registrant(f"R-{i}", mentors))
    for i in range(draw(st.integers(0, max_events))):
        facts += draw(programme_event(f"EV-{i}", mentors))
    facts += draw(corrections(facts))
    facts += [b.mentor_withdrew(m, on=day(HORIZON + draw(st.integers(400, 500))))
              for m in mentors if draw(st.booleans())]
    return facts


@st.composite
def amended_histories(draw: st.DrawFn) -> tuple[list[Fact], list[Fact]]:
    """A valid history, then amendments to try one at a time, all dated at any day (so often
    back-dated behind later facts). Each of a few facts gets a story: corrections, maybe a void
    of one of them, maybe a void of the fact, maybe one more correction or void of the fact or
    of any amendment before it (of a voided fact, a correction or a void: the ledger must
    refuse those). The stories are interleaved."""
    facts = draw(histories(max_mentors=2, max_registrants=3, max_events=1))
    targets = [f for f in facts if f["fact"] in b.CORRECTABLE] or facts[-1:]
    stories = [draw(amendment_story(target)) for target in draw(
        st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique_by=id))]
    amendments: list[Fact] = []
    while any(stories):
        story = draw(st.sampled_from([s for s in stories if s]))
        amendments.append(story.pop(0))
    return facts, amendments


@st.composite
def amendment_story(draw: st.DrawFn, target: Fact) -> list[Fact]:
    def on() -> str:
        return day(draw(st.integers(0, HORIZON)))

    first = draw(st.integers(0, 3))  # each correction a new value, so their order shows
    story = [b.correction_of(target, first + i, on=on()) for i in range(draw(st.integers(0, 3)))]
    if story and draw(st.booleans()):
        story.append(b.voided(draw(st.sampled_from(story))["source_ref"], on=on()))
    if draw(st.booleans()):
        story.append(b.voided(target["source_ref"], on=on()))
    if draw(st.booleans()):
        last = draw(st.sampled_from([target, *story]))
        story.append(b.correction_of(last, draw(st.integers(0, 3)), on=on()) if draw(
            st.booleans()) else b.voided(last["source_ref"], on=on()))
    return story


# -- invalid facts: (fact, field the error must name) --------------------------------------


def subjects(facts: list[Fact]) -> dict[str, list[str]]:
    """Keys per key field, for invalid facts that name existing subjects."""
    found: dict[str, list[str]] = {"partnership": [], "mentor": [], "registrant": [], "event": []}
    for f in facts:
        for field, keys in found.items():
            if f["fact"] in CREATION[field] and f[field] not in keys:
                keys.append(f[field])
    return found


CREATION = {"partnership": ("PartnershipFormed",), "mentor": ("MentorEnrolled",),
            "registrant": ("RegistrantEnrolled",), "event": ("EventPlanned",)}


@st.composite
def invalid_facts(draw: st.DrawFn, facts: list[Fact]) -> tuple[Fact, str]:
    """One fact that must be rejected after ``facts``, with the field its error names."""
    keys = subjects(facts)
    p = keys["partnership"][0]
    kinds = [wrong_type(p), unknown_enum(p), negative_amount(p), unknown_field(p),
             missing_key(p), unknown_key()]
    if keys["mentor"]:
        kinds.append(before_enrolment(draw(st.sampled_from(keys["mentor"]))))
    return draw(st.one_of(kinds))


def wrong_type(p: str) -> st.SearchStrategy[tuple[Fact, str]]:
    return st.sampled_from([
        (b.recruitment_target_set(p, target_active="ten"), "target_active"),
        (b.funding_received(p, amount=12.5), "amount"),
        (b.event_planned("EV-new", partnership=p, integrated="yes"), "integrated"),
        (b.funding_received(p, on=20240501), "on"),
    ])


def unknown_enum(p: str) -> st.SearchStrategy[tuple[Fact, str]]:
    odd = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
    return st.builds(lambda v: (b.funding_received(p, purpose=f"x_{v}"), "purpose"), odd)


def negative_amount(p: str) -> st.SearchStrategy[tuple[Fact, str]]:
    pence = st.integers(1, 10**8)
    return st.builds(lambda n: (b.cost_incurred(p, amount=f"-{n // 100}.{n % 100:02d}"), "amount"),
                     pence)


def unknown_field(p: str) -> st.SearchStrategy[tuple[Fact, str]]:
    names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
    known = set(b.commitment_formalised()) | {"v"}
    return st.builds(lambda n: (b.commitment_formalised(p, **{f"x{n}": 1}), f"x{n}"),
                     names.filter(lambda n: f"x{n}" not in known))


def missing_key(p: str) -> st.SearchStrategy[tuple[Fact, str]]:
    return st.sampled_from([(b.commitment_formalised(p, partnership=b.OMIT), "partnership"),
                            (b.mentor_trained(mentor=b.OMIT), "mentor"),
                            (b.left(registrant=b.OMIT), "registrant")])


def unknown_key() -> st.SearchStrategy[tuple[Fact, str]]:
    return st.sampled_from([(b.mentor_trained("M-404", on=day(50)), "mentor"),
                            (b.left("R-404", on=day(300)), "registrant"),
                            (b.delivered("EV-404", on=day(300)), "event")])


def before_enrolment(key: str) -> st.SearchStrategy[tuple[Fact, str]]:
    """Out of date order: training dated before the mentor's enrolment (day 0..30)."""
    return st.builds(lambda n: (b.mentor_trained(key, on=day(-n)), "on"), st.integers(1, 300))
