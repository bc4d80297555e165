"""Facts in domain words: one builder per fact of ``spec/facts.md``.

Every builder returns an interchange dict (the shape of one JSON line) with valid defaults
that fit one coherent story (:func:`programme`) and a unique ``source_ref``. Override any
field by keyword; pass ``OMIT`` to leave a field out::

    registrant_left("R-1", on="2025-01-31", destination="left_uk")
    matched(mentor=OMIT)

:class:`Domain` applies facts straight to the aggregates (``base.create`` / ``record`` /
``correct`` / ``void``), without the ``Ledger``, for domain tests and for comparing the
aggregates a ledger rebuilds with the ones the domain builds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from legacyledger.domain import (
    FACT_TYPES,
    DomainError,
    Framework,
    Mentor,
    Partnership,
    ProgrammeEvent,
    Registrant,
    Subject,
    UnknownSubject,
)
from legacyledger.domain.base import ENVELOPE, create, fields_of
from legacyledger.facts import FACT_ADAPTER, KEY_OF
from legacyledger.facts.parsing import validate_replacement
from legacyledger.persistence import fact_of

OMIT: Any = object()
_REFS = itertools.count(1)

P, M, R, EV = "p1", "M-1", "R-1", "EV-1"


def ref() -> str:
    """A source_ref no other built fact has."""
    return f"b-{next(_REFS)}"


def fact(event_class: type[Subject.Event], key: str | None, on: str, body: dict[str, Any],
         over: Mapping[str, Any]) -> dict[str, Any]:
    """One fact: ``fact``, key, ``on``, the body, a fresh source_ref, then the overrides."""
    built: dict[str, Any] = {"fact": event_class.FACT}
    key_field = KEY_OF[event_class.FACT]
    if key_field:
        built[key_field] = key
    built.update(on=on, **body, source_ref=ref())
    built.update(over)
    return {k: v for k, v in built.items() if v is not OMIT}


# -- Framework -----------------------------------------------------------------------------

#: A small framework of one computed and one self-assessed item, for FrameworkLoaded facts.
CUSTOM_FRAMEWORK: dict[str, Any] = {
    "id": "custom-csf", "version": "1", "title": "A partnership's own framework",
    "source": "tests", "items": [
        {"id": "spoc", "title": "Single point of contact", "description": "", "area": "a",
         "assessment": "computed", "rule": {"id": "single_point_of_contact"}},
        {"id": "voice", "title": "Voice", "description": "", "area": "a",
         "assessment": "self_assessed"},
    ],
}


def framework_loaded(content: Mapping[str, Any] = CUSTOM_FRAMEWORK, on: str = "2024-04-01",
                     **over: Any) -> dict[str, Any]:
    body = {"version": content["version"], "content": content}
    return fact(Framework.Loaded, str(content["id"]), on, body, over)


# -- Partnership ---------------------------------------------------------------------------


def partnership_formed(key: str = P, on: str = "2024-04-01", **over: Any) -> dict[str, Any]:
    body = {"name": "West Yorkshire Legacy Mentors", "programme": "legacy_mentoring",
            "lead_org": "ods:QWO"}
    return fact(Partnership.Formed, key, on, body, over)


def organisation_joined(key: str = P, on: str = "2024-04-01", **over: Any) -> dict[str, Any]:
    body = {"org": "ods:RXF", "sector": "health", "setting": "secondary_care"}
    return fact(Partnership.OrganisationJoined, key, on, body, over)


def organisation_left(key: str = P, on: str = "2025-03-31", **over: Any) -> dict[str, Any]:
    body = {"org": "ods:RXF", "reason": "merged"}
    return fact(Partnership.OrganisationLeft, key, on, body, over)


def coordinator_appointed(key: str = P, on: str = "2024-04-15", **over: Any) -> dict[str, Any]:
    return fact(Partnership.CoordinatorAppointed, key, on, {"coordinator": "C-7"}, over)


def coordinator_left(key: str = P, on: str = "2025-03-31", **over: Any) -> dict[str, Any]:
    return fact(Partnership.CoordinatorLeft, key, on, {"coordinator": "C-7"}, over)


def funding_received(key: str = P, on: str = "2024-04-20", **over: Any) -> dict[str, Any]:
    body = {"amount": "25000.00", "funder": "NHS England NEY", "financial_year": "2024/25",
            "purpose": "delivery"}
    return fact(Partnership.FundingReceived, key, on, body, over)


def cost_incurred(key: str = P, on: str = "2024-05-10", **over: Any) -> dict[str, Any]:
    body = {"amount": "120.50", "category": "administration", "description": "room hire"}
    return fact(Partnership.CostIncurred, key, on, body, over)


def recruitment_target_set(key: str = P, on: str = "2024-04-15", **over: Any) -> dict[str, Any]:
    body = {"target_active": 10, "assumed_dropout_rate": "0.60"}
    return fact(Partnership.RecruitmentTargetSet, key, on, body, over)


def commitment_formalised(key: str = P, on: str = "2024-04-15", **over: Any) -> dict[str, Any]:
    return fact(Partnership.CommitmentFormalised, key, on, {"kind": "mou"}, over)


def framework_adopted(key: str = P, on: str = "2024-04-15", **over: Any) -> dict[str, Any]:
    body = {"framework": "ney-legacy-stages", "version": "1"}
    return fact(Partnership.FrameworkAdopted, key, on, body, over)


def framework_item_assessed(key: str = P, on: str = "2024-06-01", **over: Any) -> dict[str, Any]:
    body = {"framework": "ney-legacy-stages", "item": "planning_preparation", "status": "partial",
            "evidence": ["board minutes"], "assessor": "C-7"}
    return fact(Partnership.FrameworkItemAssessed, key, on, body, over)


def action_agreed(key: str = P, on: str = "2024-06-01", **over: Any) -> dict[str, Any]:
    body = {"action": "A-1", "framework": "ney-legacy-stages", "item": "planning_preparation",
            "description": "record pay rates", "owner": "C-7", "due": "2024-09-01"}
    return fact(Partnership.ActionAgreed, key, on, body, over)


def action_completed(key: str = P, on: str = "2024-08-01", **over: Any) -> dict[str, Any]:
    return fact(Partnership.ActionCompleted, key, on, {"action": "A-1"}, over)


def partnership_closed(key: str = P, on: str = "2026-03-31", **over: Any) -> dict[str, Any]:
    return fact(Partnership.Closed, key, on, {"reason": "funding ended"}, over)


# -- Mentor --------------------------------------------------------------------------------


def mentor_enrolled(key: str = M, on: str = "2024-05-01", **over: Any) -> dict[str, Any]:
    body = {"partnership": P, "role": "legacy_mentor", "sector": "health",
            "profession": "midwife", "employer": "ods:RXF", "setting": "secondary_care",
            "employment_route": "partial_retirement", "contracted_hours_per_week": "22.5"}
    return fact(Mentor.Enrolled, key, on, body, over)


def mentor_inducted(key: str = M, on: str = "2024-05-08", **over: Any) -> dict[str, Any]:
    return fact(Mentor.Inducted, key, on, {"induction": "joint", "hours": "6"}, over)


def mentor_trained(key: str = M, on: str = "2024-06-01", **over: Any) -> dict[str, Any]:
    body = {"course": "coaching skills", "hours": "3.5"}
    return fact(Mentor.Trained, key, on, body, over)


def pay_rate_set(key: str = M, on: str = "2024-04-01", **over: Any) -> dict[str, Any]:
    body = {"annual_salary": "50056", "oncost_rate": "0.287", "basis": "AfC band 7"}
    return fact(Mentor.PayRateSet, key, on, body, over)


def time_logged(key: str = M, on: str = "2024-10-08", **over: Any) -> dict[str, Any]:
    body = {"hours": "1", "activity": "admin", "category": "administration"}
    return fact(Mentor.TimeLogged, key, on, body, over)


def mentor_moved(key: str = M, on: str = "2024-12-01", **over: Any) -> dict[str, Any]:
    body = {"employer": "ods:RR8", "setting": "secondary_care"}
    return fact(Mentor.Moved, key, on, body, over)


def mentor_paused(key: str = M, on: str = "2024-12-01", **over: Any) -> dict[str, Any]:
    return fact(Mentor.Paused, key, on, {"reason": "sick leave"}, over)


def mentor_resumed(key: str = M, on: str = "2025-01-06", **over: Any) -> dict[str, Any]:
    return fact(Mentor.Resumed, key, on, {"reason": "back at work"}, over)


def mentor_withdrew(key: str = M, on: str = "2025-06-30", **over: Any) -> dict[str, Any]:
    body = {"stage": "active", "reason": "retired fully"}
    return fact(Mentor.Withdrew, key, on, body, over)


# -- Registrant ----------------------------------------------------------------------------


def registrant_enrolled(key: str = R, on: str = "2024-09-30", **over: Any) -> dict[str, Any]:
    body = {"partnership": P, "profession": "midwife", "registered_on": "2024-09-02",
            "employer": "ods:RXF", "setting": "secondary_care", "in_post_since": "2024-09-30",
            "comparator": False}
    return fact(Registrant.Enrolled, key, on, body, over)


def matched(key: str = R, on: str = "2024-10-01", **over: Any) -> dict[str, Any]:
    return fact(Registrant.MentorMatched, key, on, {"mentor": M}, over)


def unmatched(key: str = R, on: str = "2025-01-31", **over: Any) -> dict[str, Any]:
    body = {"mentor": M, "reason": "mentor moved"}
    return fact(Registrant.MentorUnmatched, key, on, body, over)


def contact(key: str = R, on: str = "2024-10-08", **over: Any) -> dict[str, Any]:
    body = {"mentor": M, "minutes": 55, "mode": "in_person"}
    return fact(Registrant.MentoringContactRecorded, key, on, body, over)


def outcome_measured(key: str = R, on: str = "2025-03-31", **over: Any) -> dict[str, Any]:
    body = {"instrument": "intention-to-stay", "timepoint": "m6", "score": "4.2"}
    return fact(Registrant.OutcomeMeasured, key, on, body, over)


def employment_status_changed(key: str = R, on: str = "2025-02-01", **over: Any) -> dict[str, Any]:
    body = {"status": "parental_leave"}
    return fact(Registrant.EmploymentStatusChanged, key, on, body, over)


def registrant_moved(key: str = R, on: str = "2025-04-01", **over: Any) -> dict[str, Any]:
    body = {"employer": "ods:RR8", "setting": "secondary_care", "sector": "nhs_trust",
            "same_staff_group": True}
    return fact(Registrant.Moved, key, on, body, over)


def left(key: str = R, on: str = "2025-08-29", **over: Any) -> dict[str, Any]:
    body = {"destination": "other_nhs", "reason": "relocation"}
    return fact(Registrant.Left, key, on, body, over)


def rejoined(key: str = R, on: str = "2025-10-01", **over: Any) -> dict[str, Any]:
    body = {"employer": "ods:RXF", "setting": "secondary_care"}
    return fact(Registrant.Rejoined, key, on, body, over)


def follow_up_ended(key: str = R, on: str = "2026-09-30", **over: Any) -> dict[str, Any]:
    return fact(Registrant.FollowUpEnded, key, on, {"reason": "programme_end"}, over)


# -- ProgrammeEvent ------------------------------------------------------------------------


def event_planned(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"partnership": P, "kind": "careers_fair", "audience": "school", "integrated": True,
            "expected_audience": 60}
    return fact(ProgrammeEvent.Planned, key, on, body, over)


def event_rescheduled(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"new_date": "2025-02-18", "reason": "half term"}
    return fact(ProgrammeEvent.Rescheduled, key, on, body, over)


def rostered(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    return fact(ProgrammeEvent.AmbassadorRostered, key, on, {"mentor": M}, over)


def stood_down(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"mentor": M, "reason": "clinical cover"}
    return fact(ProgrammeEvent.AmbassadorStoodDown, key, on, body, over)


def delivered(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"audience_reached": 50, "attendees": [], "duration_minutes": 90}
    return fact(ProgrammeEvent.Delivered, key, on, body, over)


def cancelled(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"by": "host", "reason": "school closed"}
    return fact(ProgrammeEvent.Cancelled, key, on, body, over)


def feedback(key: str = EV, on: str = "2025-02-11", **over: Any) -> dict[str, Any]:
    body = {"questionnaire": "ica-2018", "phase": "post", "responses": 40,
            "items": {"would_consider_career": {"agree": 25, "neutral": 10, "disagree": 5}}}
    return fact(ProgrammeEvent.FeedbackRecorded, key, on, body, over)


# -- Corrections ---------------------------------------------------------------------------


def corrected(target: str, replacement: Mapping[str, Any], on: str = "2025-09-03",
              **over: Any) -> dict[str, Any]:
    body = {"target": target, "replacement": dict(replacement), "reason": "typed from the diary"}
    return fact(Subject.Corrected, None, on, body, over)


def voided(target: str, on: str = "2025-09-03", **over: Any) -> dict[str, Any]:
    return fact(Subject.Voided, None, on, {"target": target, "reason": "entered twice"}, over)


#: The field a correction changes, and values it may take, by the name of the fact it corrects.
CORRECTABLE: dict[str, tuple[str, tuple[Any, ...]]] = {
    "MentoringContactRecorded": ("minutes", (0, 25, 65, 120)),
    "MentorTimeLogged": ("hours", ("0.5", "2", "3.25")),
    "OutcomeMeasured": ("score", ("1.5", "3.8", "4.9")),
    "FundingReceived": ("amount", ("100.00", "2500.50")),
}


def correction_of(target: Mapping[str, Any], choice: int, on: str = "2025-09-03",
                  **over: Any) -> dict[str, Any]:
    """A correction of ``target`` (a correctable fact, or anything else: then the field of a
    contact, which the ledger must refuse) to the ``choice``-th value of its field."""
    field, values = CORRECTABLE.get(target["fact"], CORRECTABLE["MentoringContactRecorded"])
    return corrected(target["source_ref"], {field: values[choice % len(values)]}, on=on, **over)


#: Fact name → its builder (corrections need a target, so they are called differently).
BUILDERS = {
    "PartnershipFormed": partnership_formed, "OrganisationJoined": organisation_joined,
    "OrganisationLeft": organisation_left, "CoordinatorAppointed": coordinator_appointed,
    "CoordinatorLeft": coordinator_left, "FundingReceived": funding_received,
    "CostIncurred": cost_incurred, "RecruitmentTargetSet": recruitment_target_set,
    "CommitmentFormalised": commitment_formalised, "FrameworkAdopted": framework_adopted,
    "FrameworkItemAssessed": framework_item_assessed, "ActionAgreed": action_agreed,
    "ActionCompleted": action_completed, "PartnershipClosed": partnership_closed,
    "MentorEnrolled": mentor_enrolled, "MentorInducted": mentor_inducted,
    "MentorTrained": mentor_trained, "MentorPayRateSet": pay_rate_set,
    "MentorTimeLogged": time_logged, "MentorMoved": mentor_moved,
    "MentorPaused": mentor_paused, "MentorResumed": mentor_resumed,
    "MentorWithdrew": mentor_withdrew, "RegistrantEnrolled": registrant_enrolled,
    "MentorMatched": matched, "MentorUnmatched": unmatched,
    "MentoringContactRecorded": contact, "OutcomeMeasured": outcome_measured,
    "EmploymentStatusChanged": employment_status_changed, "RegistrantMoved": registrant_moved,
    "RegistrantLeft": left, "RegistrantRejoined": rejoined, "FollowUpEnded": follow_up_ended,
    "EventPlanned": event_planned, "EventRescheduled": event_rescheduled,
    "AmbassadorRostered": rostered, "AmbassadorStoodDown": stood_down,
    "EventDelivered": delivered, "EventCancelled": cancelled, "FeedbackRecorded": feedback,
    "FrameworkLoaded": framework_loaded, "FactCorrected": corrected, "FactVoided": voided,
}


def programme() -> list[dict[str, Any]]:
    """A small coherent history touching every aggregate (valid in this order)."""
    contact_fact = contact()
    return [
        partnership_formed(), organisation_joined(),
        organisation_joined(on="2024-06-01", org="gss:E08000032", sector="social_care",
                            setting="local_authority_social_care"),
        coordinator_appointed(), framework_adopted(), funding_received(),
        mentor_enrolled(), pay_rate_set(), mentor_inducted(),
        mentor_enrolled("M-2", role="ambassador", sector="social_care",
                        setting="local_authority_social_care", employer="gss:E08000032"),
        registrant_enrolled(), matched(), contact_fact,
        time_logged(activity="one_to_one", category="delivery", registrant=R),
        event_planned(), rostered(mentor="M-2"), delivered(attendees=["M-2", M]), feedback(),
        outcome_measured(), left(),
        corrected(contact_fact["source_ref"], {"minutes": 65}),
    ]


# -- the domain without the ledger ----------------------------------------------------------


def typed_fields(
    fact: Mapping[str, Any],
) -> tuple[type[Subject], type[Subject.Event], str, dict[str, Any]]:
    """Validate a fact as an import does and return its aggregate, event class, key, fields."""
    model = FACT_ADAPTER.validate_python(fact)
    cls, event_class = FACT_TYPES[fact["fact"]]
    names = [f for f in event_class.__dataclass_fields__ if f not in ENVELOPE and f != "key"]
    return cls, event_class, fact[cls.KEY_FIELD], {f: getattr(model, f, None) for f in names}


class Domain:
    """Aggregates built by applying facts through the domain commands, keyed (class, key)."""

    def __init__(self, facts: Iterable[Mapping[str, Any]] = ()) -> None:
        self.subjects: dict[tuple[type[Subject], str], Subject] = {}
        for each in facts:
            self.apply(each)

    def apply(self, fact: Mapping[str, Any]) -> list[Subject.Event]:
        """Apply one fact; return the new events (or raise the domain error)."""
        if fact["fact"] in ("FactCorrected", "FactVoided"):
            subject = self.correction(fact)
        else:
            subject = self.command(fact)
        return list(subject.collect_events())

    def command(self, fact: Mapping[str, Any]) -> Subject:
        cls, event_class, key, fields = typed_fields(fact)
        if issubclass(event_class, Subject.Created):
            subject = create(cls, event_class, key, **fields)
            self.subjects[(cls, key)] = subject
            return subject
        subject = self.get(cls, key)
        subject.record(event_class, **fields)
        return subject

    def correction(self, fact: Mapping[str, Any]) -> Subject:
        target = fact["target"]
        subject = next(
            s for s in self.subjects.values() if target in s.facts or target in s.live_corrections()
        )
        common = {k: fact.get(k) for k in ("source_ref", "recorded_by", "note")}
        common["on"] = FACT_ADAPTER.validate_python(fact).on
        if fact["fact"] == "FactVoided":
            subject.void(target, reason=fact["reason"], **common)
            return subject
        replacement, errors = validate_replacement(
            fact_of(subject.facts[target]), fact["replacement"], None
        )
        assert not errors, errors
        subject.correct(target, replacement, reason=fact["reason"], **common)
        return subject

    def get(self, cls: type[Subject], key: str) -> Subject:
        try:
            return self.subjects[(cls, key)]
        except KeyError:
            raise UnknownSubject(f"{cls.__name__} {key} does not exist", cls.KEY_FIELD) from None


def then_events(given: Iterable[Mapping[str, Any]], when: Mapping[str, Any]) -> list[str]:
    """Given facts, when one more fact: the fact names of the events it triggers."""
    return [type(e).FACT for e in Domain(given).apply(when)]


def then_error(given: Iterable[Mapping[str, Any]], when: Mapping[str, Any]) -> DomainError:
    """Given facts, when one more fact: the domain error it raises (fails if none)."""
    domain = Domain(given)
    try:
        domain.apply(when)
    except DomainError as error:
        return error
    raise AssertionError(f"{when['fact']} was accepted")


def state(subject: Subject) -> dict[str, Any]:
    """A subject's state without eventsourcing internals; facts by their own fields."""
    events = ("facts", "originals", "amendments")
    found = {k: v for k, v in vars(subject).items() if not k.startswith("_") and k not in events}
    found["facts"] = {r: (type(e).__qualname__, fields_of(e)) for r, e in subject.facts.items()}
    found["originals"] = {r: fields_of(e) for r, e in subject.originals.items()}
    found["amendments"] = [(type(a).__qualname__, fields_of(a)) for a in subject.amendments]
    return found


def long_history(size: int) -> list[dict[str, Any]]:
    """Exactly ``size`` valid facts (size >= 12): mentors, then registrants with a match,
    contacts and an outcome each, in blocks of 8 facts."""
    facts = [partnership_formed()]
    mentors = [f"M-{i}" for i in range(10)]
    facts += [mentor_enrolled(m) for m in mentors]
    n = 0
    while len(facts) + 8 <= size:
        key, mentor = f"R-{n}", mentors[n % len(mentors)]
        facts += [registrant_enrolled(key), matched(key, mentor=mentor)]
        facts += [contact(key, on=f"2024-10-{d:02d}", mentor=mentor) for d in range(2, 7)]
        facts.append(outcome_measured(key))
        n += 1
    facts += [time_logged(mentors[0], on="2024-10-01") for _ in range(size - len(facts))]
    return facts
