"""The computed rules that frameworks name, each a small function over the fact index.

A rule is ``rule(ctx, partnership, params) -> RuleResult``. It records every fact it read
about every subject it considered (via :class:`Trace`), always with the subject's lifecycle
facts (enrolment and withdrawal, leaving, an event's plan and outcome). That makes the law
"replaying only the contributing positions reproduces the figure" hold by construction: a
subject the rule skipped is skipped again when absent, and one it kept brings everything
its verdict rested on. Windows are half-open ``[start, end)`` with ``end = as_of + 1 day``.

Statuses: a share of a population is ``met`` at ``>= met_share``, ``partial`` above
``partial_share``, else ``not_met``; an empty population is ``not_applicable``. Checklists
(the NEY stages, broad engagement) are ``met`` when every condition holds, ``partial`` when
some do. The parameters and their defaults are listed in ``legacyledger.frameworks.RULES``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from calendar import monthrange
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from typing import Any, Literal

import attrs

from legacyledger.domain import Partnership, Registrant
from legacyledger.projections.base import PositionSet, Value
from legacyledger.projections.compliance.subjects import (
    EventFacts,
    FactIndex,
    MentorFacts,
    PartnershipFacts,
    RegistrantFacts,
    attendees,
)
from legacyledger.projections.periods import parse_date
from legacyledger.projections.tables import POS, FactRows
from legacyledger.projections.tables import FactView as Fact

_COORDINATOR_APPOINTED = Partnership.CoordinatorAppointed.FACT
_FOLLOW_UP_ENDED = Registrant.FollowUpEnded.FACT
_ORGANISATION_JOINED = Partnership.OrganisationJoined.FACT
_REGISTRANT_REJOINED = Registrant.Rejoined.FACT


Status = Literal["met", "partial", "not_met", "not_applicable", "no_evidence"]

#: Event kinds that are the programme's own business, not outreach experience.
INTERNAL_KINDS = frozenset({"induction", "cpd", "action_research_meeting", "celebration"})
SECTORS = frozenset({"health", "social_care"})


@attrs.frozen
class Evidence:
    """One subject behind an item (an event, a mentor, a registrant, an assessment).

    Holds the facts themselves (a subject's many contacts or time logs as one
    :class:`FactRows`); the facts one by one, their positions and source refs are derived
    on demand, because a large population yields many rows and few of them are ever printed.
    """

    subject: str
    outcome: str
    detail: str
    _facts: tuple[Fact | FactRows, ...] = attrs.field(alias="facts", repr=False)

    @property
    def facts(self) -> tuple[Fact, ...]:
        return tuple(f for item in self._facts for f in _each(item))

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(sorted({p for f in self.facts for p in f.positions}))

    @property
    def source_refs(self) -> tuple[str, ...]:
        return tuple(f.source_ref for f in self.facts)


def _each(item: Fact | FactRows) -> Iterable[Fact]:
    return item if isinstance(item, FactRows) else (item,)


@attrs.frozen
class Measure:
    metric: str
    value: Value
    unit: str
    #: For a share: the measures it is (numerator, denominator) of, which disclosure control
    #: computes it from as displayed; empty: it rests on every count of the item.
    rests_on: tuple[str, ...] = ()
    #: For a count: the measures it is the sum of, which disclosure control audits.
    adds_up: tuple[str, ...] = ()


@attrs.frozen
class RuleResult:
    """A rule's verdict. ``measures`` starts with ``value`` and ``threshold``; ``positions``
    names the facts it read (by original position: corrections are added when read)."""

    status: Status
    measures: tuple[Measure, ...]
    evidence: tuple[Evidence, ...]
    positions: PositionSet
    note: str = ""


@attrs.frozen
class Context:
    """What every rule sees; ``memo`` shares per-subject work between the items of a run."""

    index: FactIndex
    as_of: date
    met_share: Decimal
    partial_share: Decimal
    memo: dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False)
    #: positions behind corrected facts, by original position (see ``settled.EffectiveTables``)
    more: Mapping[int, tuple[int, ...]] | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def end(self) -> date:
        return self.as_of + timedelta(days=1)


NO_POSITIONS = PositionSet()


class Trace:
    """Collects the positions a rule read and the evidence rows it reports.

    A rule whose population is shared between items passes its precomputed positions to
    :meth:`share`; when nothing else is read, the result keeps that very set, so the run
    reads it once for all the items that rest on it.
    """

    def __init__(self) -> None:
        self.positions = array(POS)
        self.shared: PositionSet = NO_POSITIONS
        self.evidence: list[Evidence] = []

    def use(self, facts: Iterable[Fact | FactRows | None]) -> None:
        for f in facts:
            if f is None:
                continue
            if isinstance(f, FactRows):
                f.originals(self.positions)
            else:
                self.positions.append(f.position)

    def share(self, positions: PositionSet) -> None:
        self.shared = positions

    def row(
        self,
        subject: str,
        outcome: str,
        detail: str,
        facts: Iterable[Fact | FactRows],
        positions: PositionSet | None = None,
    ) -> None:
        """One evidence row; ``positions`` says the facts are already counted elsewhere."""
        facts = tuple(facts)
        if positions is None:
            self.use(facts)
        self.evidence.append(Evidence(subject, outcome, detail, facts))

    def result(self, status: Status, measures: Iterable[Measure], note: str = "") -> RuleResult:
        positions = PositionSet((self.shared, self.positions)) if self.positions else self.shared
        return RuleResult(status, tuple(measures), tuple(self.evidence), positions, note)


Rule = Callable[[Context, "PartnershipFacts", Mapping[str, Any]], RuleResult]


@lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def on(fact: Fact) -> str:
    return str(fact["on"])


def memoised(ctx: Context, key: Any, compute: Callable[[], Any]) -> Any:
    if key not in ctx.memo:
        ctx.memo[key] = compute()
    return ctx.memo[key]


# Subjects and their lifecycle facts ------------------------------------------------------


def mentor_base(mentor: MentorFacts) -> list[Fact]:
    return [f for f in (mentor.enrolled, mentor.withdrew) if f is not None]


def registrant_base(registrant: RegistrantFacts) -> list[Fact]:
    return [registrant.enrolled, *registrant.exits]


def event_base(event: EventFacts) -> list[Fact]:
    return [f for f in (event.planned, event.delivered, event.cancelled) if f is not None]


def delivered(p: PartnershipFacts, kind: str | None = None) -> list[EventFacts]:
    return [
        e
        for e in p.events
        if e.delivered is not None and (kind is None or e.planned["kind"] == kind)
    ]


def integrated_delivered(p: PartnershipFacts) -> list[EventFacts]:
    return [e for e in delivered(p) if e.planned.get("integrated") is True]


def delivered_on(event: EventFacts) -> str:
    assert event.delivered is not None
    return on(event.delivered)


def inductions_before(ctx: Context, mentor: MentorFacts, day: str) -> list[Fact]:
    """Proof that a mentor was inducted before ``day``: their earliest induction, whether a
    MentorInducted or a delivered induction event attended; empty when there is none."""
    earliest = _earliest_induction(ctx, mentor)
    return list(earliest[1]) if earliest is not None and earliest[0] < day else []


def _earliest_induction(ctx: Context, mentor: MentorFacts) -> tuple[str, tuple[Fact, ...]] | None:
    def compute() -> tuple[str, tuple[Fact, ...]] | None:
        own = [(on(f), f.position, (f,)) for f in mentor.inductions]
        events = [
            (delivered_on(e), e.planned.position, tuple(event_base(e)))
            for e in mentor.attended
            if e.planned["kind"] == "induction"
        ]
        found = min(own + events, default=None, key=lambda x: (x[0], x[1]))
        return None if found is None else (found[0], found[2])

    result: tuple[str, tuple[Fact, ...]] | None = memoised(ctx, ("induction", mentor.key), compute)
    return result


def exit_date(registrant: RegistrantFacts) -> date | None:
    """First leaving or end of follow-up; a later rejoin is not followed (documented)."""
    dates = [on(f) for f in registrant.exits if f["fact"] != _REGISTRANT_REJOINED]
    return date.fromisoformat(min(dates)) if dates else None


# Status helpers --------------------------------------------------------------------------


def share_threshold(ctx: Context, params: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    met = params.get("met_share")
    partial = params.get("partial_share")
    return (
        ctx.met_share if met is None else Decimal(met),
        ctx.partial_share if partial is None else Decimal(partial),
    )


def share_result(
    ctx: Context,
    params: Mapping[str, Any],
    trace: Trace,
    counts: Mapping[str, int],
    unit: str,
) -> RuleResult:
    """Status from ``met / (met + not_met)``; ``counts`` may also carry pending and censored."""
    met_share, partial_share = share_threshold(ctx, params)
    met, population = counts["met"], counts["met"] + counts["not_met"]
    share = Decimal(met) / Decimal(population) if population else None
    status: Status
    if share is None:
        status = "not_applicable"
    elif share >= met_share:
        status = "met"
    else:
        status = "partial" if share > partial_share else "not_met"
    measures = [
        Measure("value", share, "ratio"),
        Measure("threshold", met_share, "ratio"),
        Measure("population", population, unit, adds_up=("met", "not_met")),
        *(Measure(name, count, unit) for name, count in counts.items()),
    ]
    note = "" if population else f"no {unit} to assess as of {ctx.as_of}"
    return trace.result(status, measures, note)


Condition = tuple[str, Value, Any, str]


def checklist_result(trace: Trace, conditions: list[Condition]) -> RuleResult:
    """``conditions`` are (metric, measured, minimum, unit): all held → met, some → partial.
    A minimum may be a rule parameter as written (an int, or a decimal string)."""
    minima = [Decimal(m) if isinstance(m, str) else m for _, _, m, _ in conditions]
    held = sum(1 for (_, v, _, _), m in zip(conditions, minima) if v is not None and v >= m)
    status: Status = "met" if held == len(conditions) else "partial" if held else "not_met"
    measures = [
        Measure("value", held, "conditions"),
        Measure("threshold", len(conditions), "conditions"),
        *(Measure(metric, value, unit) for metric, value, _, unit in conditions),
    ]
    return trace.result(status, measures)


def ceil_div(target: int, fraction: Decimal) -> int:
    return int((Decimal(target) / fraction).to_integral_value(rounding=ROUND_CEILING))


# ica-integrated-csf ----------------------------------------------------------------------


def introduced_before_joint_events(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """Integrated events whose attendees had all been inducted before the event date."""
    trace, counts = Trace(), {"met": 0, "not_met": 0}
    for event in integrated_delivered(p):
        day, present = delivered_on(event), attendees(event)
        proofs = {key: _inducted(ctx, key, day) for key in present}
        missing = [key for key, proof in proofs.items() if not proof]
        outcome = "met" if present and not missing else "not_met"
        counts[outcome] += 1
        facts = event_base(event) + [f for proof in proofs.values() for f in proof]
        trace.row(f"event:{event.key}", outcome, _missing(present, missing), facts)
    return share_result(ctx, params, trace, counts, "events")


def _inducted(ctx: Context, key: str, day: str) -> list[Fact]:
    """The mentor's lifecycle and earliest induction if that was before ``day``, else []."""
    mentor = ctx.index.mentors.get(key)
    proof = [] if mentor is None else inductions_before(ctx, mentor, day)
    return mentor_base(mentor) + proof if mentor is not None and proof else []


def _missing(present: tuple[str, ...], missing: list[str]) -> str:
    if not present:
        return "no ambassadors recorded"
    return f"not inducted before: {', '.join(missing)}" if missing else "all inducted before"


def joint_induction(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
    """A delivered induction event with both sectors, or a joint MentorInducted (met); only
    single-sector induction events (partial)."""
    trace, joint, single = Trace(), 0, 0
    for event in delivered(p, "induction"):
        mentors = [ctx.index.mentors.get(key) for key in attendees(event)]
        present = [m for m in mentors if m is not None]
        both = {str(m.enrolled["sector"]) for m in present} >= SECTORS
        joint, single = joint + both, single + (not both)
        facts = event_base(event) + [f for m in present for f in mentor_base(m)]
        trace.row(f"event:{event.key}", "met" if both else "partial", _sectors(both), facts)
    for mentor in p.mentors:
        for fact in mentor.inductions:
            if fact.get("induction") == "joint":
                joint += 1
                trace.row(
                    f"mentor:{mentor.key}",
                    "met",
                    "joint induction recorded",
                    [*mentor_base(mentor), fact],
                )
    status: Status = "met" if joint else "partial" if single else "not_met"
    return trace.result(
        status,
        [
            Measure("value", joint, "inductions"),
            Measure("threshold", 1, "inductions"),
            Measure("single_sector_events", single, "events"),
        ],
    )


def _sectors(both: bool) -> str:
    return "health and social care attended" if both else "only one sector attended"


def ongoing_cpd(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
    """Of the active mentors of the role, the share with training or a CPD event lately."""
    active_from = add_months(ctx.end, -int(params["active_months"])).isoformat()
    cpd_from = add_months(ctx.end, -int(params["window_months"])).isoformat()
    trace, counts = Trace(), {"met": 0, "not_met": 0}
    for mentor in _current(p, str(params["role"])):
        activity = _activity_since(mentor, active_from)
        if not activity:
            continue
        cpd = [f for f in mentor.trainings if on(f) >= cpd_from] + [
            f
            for e in mentor.attended
            if e.planned["kind"] == "cpd" and delivered_on(e) >= cpd_from
            for f in event_base(e)
        ]
        outcome = "met" if cpd else "not_met"
        counts[outcome] += 1
        detail = f"training or CPD since {cpd_from}" if cpd else f"no training since {cpd_from}"
        trace.row(f"mentor:{mentor.key}", outcome, detail, [*mentor_base(mentor), *activity, *cpd])
    return share_result(ctx, params, trace, counts, "ambassadors")


def _current(p: PartnershipFacts, role: str) -> list[MentorFacts]:
    return [m for m in p.mentors if m.withdrew is None and m.enrolled["role"] == role]


def _activity_since(mentor: MentorFacts, since: str) -> list[Fact | FactRows]:
    """What makes an ambassador active: an event attended or delivery time logged since."""
    events: list[Fact | FactRows] = [
        f for e in mentor.attended if delivered_on(e) >= since for f in event_base(e)
    ]
    time = mentor.time
    logged = time.where(
        day >= since and category == "delivery"
        for day, category in zip(time.values("on"), time.values("category"))
    )
    return [*events, logged] if logged else events


def single_point_of_contact(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """A coordinator whose latest appointment or leaving, by date, is an appointment."""
    trace, latest = Trace(), _latest_by(p.coordinators, "coordinator")
    trace.use(p.coordinators)
    in_post = [f for f in latest.values() if f["fact"] == _COORDINATOR_APPOINTED]
    for fact in in_post:
        trace.row(f"coordinator:{fact['coordinator']}", "met", "in post", [fact])
    return trace.result(
        "met" if in_post else "not_met",
        [Measure("value", len(in_post), "coordinators"), Measure("threshold", 1, "coordinators")],
    )


def _latest_by(facts: list[Fact], field: str) -> dict[str, Fact]:
    """The latest fact per value of ``field``, by business date and then ledger position."""
    latest: dict[str, Fact] = {}
    for fact in sorted(facts, key=lambda f: (on(f), f.position)):
        latest[str(fact[field])] = fact
    return latest


def broad_engagement_commitment(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """Organisations still joined, by sector (latest join or leave wins), and a commitment."""
    trace, latest = Trace(), _latest_by(p.orgs, "org")
    trace.use(p.orgs)
    members = [f for f in latest.values() if f["fact"] == _ORGANISATION_JOINED]
    for fact in members + p.commitments:
        subject = fact.get("org") or f"commitment {fact['kind']}"
        trace.row(str(subject), "met", str(fact.get("sector", "formalised")), [fact])
    sectors = [f["sector"] for f in members]
    return checklist_result(
        trace,
        [
            ("health_orgs", sectors.count("health"), params["min_health_orgs"], "organisations"),
            (
                "social_care_orgs",
                sectors.count("social_care"),
                params["min_social_care_orgs"],
                "organisations",
            ),
            ("commitments", len(p.commitments), 1, "commitments"),
        ],
    )


def experienced_pairing(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
    """Both sectors at the event, and someone with ``experienced_after_events`` earlier ones."""
    needed = int(params["experienced_after_events"])
    trace, counts, paired = Trace(), {"met": 0, "not_met": 0}, 0
    for event in integrated_delivered(p):
        present = [m for m in map(ctx.index.mentors.get, attendees(event)) if m is not None]
        both = {str(m.enrolled["sector"]) for m in present} >= SECTORS
        proof = _experience(ctx, present, delivered_on(event), needed)
        paired += both
        outcome = "met" if both and proof else "not_met"
        counts[outcome] += 1
        facts = event_base(event) + [f for m in present for f in mentor_base(m)] + proof
        trace.row(f"event:{event.key}", outcome, _pairing(both, bool(proof)), facts)
    result = share_result(ctx, params, trace, counts, "events")
    return attrs.evolve(result, measures=(*result.measures, Measure("paired", paired, "events")))


def _experience(ctx: Context, mentors: list[MentorFacts], day: str, needed: int) -> list[Fact]:
    """The first ``needed`` earlier outreach events of the first experienced attendee."""
    for mentor in mentors:
        earlier = [e for d, e in _outreach(ctx, mentor) if d < day]
        if len(earlier) >= needed:
            return [f for e in earlier[:needed] for f in event_base(e)]
    return []


def _outreach(ctx: Context, mentor: MentorFacts) -> list[tuple[str, EventFacts]]:
    """A mentor's delivered outreach events in date order (computed once per run)."""

    def compute() -> list[tuple[str, EventFacts]]:
        found = [(delivered_on(e), e) for e in mentor.attended]
        outreach = [(d, e) for d, e in found if e.planned["kind"] not in INTERNAL_KINDS]
        return sorted(outreach, key=lambda pair: (pair[0], pair[1].planned.position))

    result: list[tuple[str, EventFacts]] = memoised(ctx, ("outreach", mentor.key), compute)
    return result


def _pairing(both: bool, experienced: bool) -> str:
    sectors = "both sectors" if both else "not both sectors (pairing rule not met)"
    return f"{sectors}; {'an' if experienced else 'no'} experienced ambassador"


def over_recruitment(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
    """Recruited enough for the drop-out: ever enrolled against ceil(target / (1 - rate))."""
    trace = Trace()
    if not p.targets:
        return trace.result(
            "not_applicable",
            [Measure("value", None, "ambassadors"), Measure("threshold", None, "ambassadors")],
            "no recruitment target set",
        )
    target = max(p.targets, key=lambda f: (on(f), f.position))
    trace.use(p.targets)
    wanted = int(target["target_active"])
    required = ceil_div(wanted, 1 - Decimal(params["dropout_rate"]))
    role = str(params["role"])
    enrolled = [m for m in p.mentors if m.enrolled["role"] == role]
    for mentor in enrolled:
        trace.row(f"mentor:{mentor.key}", "met", "enrolled", mentor_base(mentor))
    count = len(enrolled)
    status: Status = "met" if count >= required else "partial" if count >= wanted else "not_met"
    return trace.result(
        status,
        [
            Measure("value", count, "ambassadors"),
            Measure("threshold", required, "ambassadors"),
            Measure("target_active", wanted, "ambassadors"),
        ],
    )


# ney-legacy-stages -----------------------------------------------------------------------


def ney_planning_preparation(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """Stage 1: current mentors of the role, the share inducted, the share with a pay rate."""
    trace, inducted, paid = Trace(), 0, 0
    current = _current(p, str(params["role"]))
    for mentor in current:
        induction = inductions_before(ctx, mentor, ctx.end.isoformat())
        inducted, paid = inducted + bool(induction), paid + bool(mentor.pay_rates)
        detail = f"inducted: {bool(induction)}, pay rate set: {bool(mentor.pay_rates)}"
        outcome = "met" if induction and mentor.pay_rates else "not_met"
        facts = mentor_base(mentor) + induction + mentor.pay_rates
        trace.row(f"mentor:{mentor.key}", outcome, detail, facts)
    share = len(current) or 1
    result = checklist_result(
        trace,
        [
            ("mentors", len(current), params["min_mentors"], "mentors"),
            ("inducted_share", Decimal(inducted) / share, params["min_inducted_share"], "ratio"),
            ("pay_rate_share", Decimal(paid) / share, params["min_pay_rate_share"], "ratio"),
        ],
    )
    parts = {
        "inducted_share": ("inducted", "mentors"),
        "pay_rate_share": ("pay_rate_set", "mentors"),
    }
    measures = (attrs.evolve(m, rests_on=parts.get(m.metric, ())) for m in result.measures)
    counts = (Measure("inducted", inducted, "mentors"), Measure("pay_rate_set", paid, "mentors"))
    return attrs.evolve(result, measures=(*measures, *counts))


def ney_process_actions(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
    """Stage 2: matches made, contacts recorded, action-research meetings delivered."""
    trace, matches, contacts = Trace(), 0, 0
    trace.share(_mentoring_positions(ctx, p))
    for registrant in p.registrants:
        if registrant.matches or registrant.contacts:
            matches += len(registrant.matches)
            contacts += len(registrant.contacts)
            facts: list[Fact | FactRows] = [
                *registrant_base(registrant),
                *registrant.matches,
                registrant.contacts,
            ]
            detail = f"{len(registrant.matches)} matches, {len(registrant.contacts)} contacts"
            trace.row(f"registrant:{registrant.key}", "met", detail, facts, NO_POSITIONS)
    meetings = delivered(p, "action_research_meeting")
    for event in meetings:
        trace.row(
            f"event:{event.key}", "met", "action-research meeting delivered", event_base(event)
        )
    return checklist_result(
        trace,
        [
            ("matches", matches, params["min_matches"], "matches"),
            ("contacts", contacts, params["min_contacts"], "contacts"),
            ("meetings", len(meetings), params["min_action_research_meetings"], "events"),
        ],
    )


def _mentoring_positions(ctx: Context, p: PartnershipFacts) -> PositionSet:
    """Every registrant's lifecycle, matches and contacts (once per run)."""

    def compute() -> PositionSet:
        own = array(
            POS, (f.position for r in p.registrants for f in (*registrant_base(r), *r.matches))
        )
        for r in p.registrants:
            r.contacts.originals(own)
        return PositionSet((own,), ctx.more)

    result: PositionSet = memoised(ctx, ("mentoring", p.key), compute)
    return result


def ney_outputs_outcomes(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """Stage 3: registrants with an outcome measured, and with retention observable (their
    ``registered_on`` + ``retention_months`` reached without follow-up ending earlier)."""
    trace, measured, observable = Trace(), 0, 0
    months = int(params["retention_months"])
    for registrant in p.registrants:
        horizon = add_months(date.fromisoformat(registrant.enrolled["registered_on"]), months)
        ended = [f for f in registrant.exits if f["fact"] == _FOLLOW_UP_ENDED]
        seen = horizon <= ctx.as_of and not any(on(f) < horizon.isoformat() for f in ended)
        measured, observable = measured + bool(registrant.outcomes), observable + seen
        if registrant.outcomes or seen:
            detail = f"{len(registrant.outcomes)} outcomes; retention observable: {seen}"
            outcomes = [registrant.outcomes] if registrant.outcomes else []
            trace.row(
                f"registrant:{registrant.key}",
                "met",
                detail,
                [*registrant_base(registrant), *outcomes],
            )
    return checklist_result(
        trace,
        [
            ("measured", measured, params["min_registrants_measured"], "registrants"),
            ("observable", observable, params["min_registrants_observable"], "registrants"),
        ],
    )


def ney_reflection_next_steps(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """Stage 4: actions agreed, and actions completed, under any framework."""
    trace, completed = Trace(), 0
    for action, agreed in p.actions.items():
        done = p.completions.get(action)
        completed += done is not None
        trace.row(
            f"action:{action}",
            "met" if done else "not_met",
            "completed" if done else "open",
            [agreed] + ([done] if done else []),
        )
    return checklist_result(
        trace,
        [
            ("actions_agreed", len(p.actions), params["min_actions_agreed"], "actions"),
            ("actions_completed", completed, params["min_actions_completed"], "actions"),
        ],
    )


# preceptorship-core-gold -----------------------------------------------------------------
# Per registrant (comparators excluded) a check gives (met?, the day from which a miss shows).
# Met early counts; a miss counts once that day is reached while the registrant is followed;
# a registrant who left or stopped being followed before then is censored; others pending.
# Contacts before in_post_since count as early contacts. Dates are compared as ISO strings.

Check = Callable[[date, tuple[str, ...], Mapping[str, Any]], tuple[bool, str]]


@lru_cache(maxsize=65536)
def _iso_months(start: date, months: int) -> str:
    return add_months(start, months).isoformat()


def _meetings_min(
    start: date, days: tuple[str, ...], params: Mapping[str, Any]
) -> tuple[bool, str]:
    due = _iso_months(start, int(params["period_months"]))
    return bisect_left(days, due) >= int(params["min_meetings"]), due


def _meetings_every(
    start: date, days: tuple[str, ...], params: Mapping[str, Any]
) -> tuple[bool, str]:
    """At least one contact in every block of ``interval_months``."""
    step, months = int(params["interval_months"]), int(params["period_months"])
    low = ""
    for k in range(step, months + 1, step):
        high = _iso_months(start, k)
        i = bisect_left(days, low)
        if i == len(days) or days[i] >= high:
            return False, high
        low = high
    return True, low


def _first_meeting(
    start: date, days: tuple[str, ...], params: Mapping[str, Any]
) -> tuple[bool, str]:
    due = (start + timedelta(days=int(params["within_days"]) + 1)).isoformat()
    return bool(days) and days[0] < due, due


@attrs.frozen
class Preceptee:
    """What the preceptorship checks read about one registrant, worked out once per run."""

    key: str
    start: date
    enrolled_on: str
    days: tuple[str, ...]
    left: str | None
    facts: tuple[Fact | FactRows, ...]


def _originals(items: Iterable[Fact | FactRows]) -> Iterator[array[int]]:
    """Original positions, as one PositionSet part."""
    out = array(POS)
    for item in items:
        if isinstance(item, FactRows):
            item.originals(out)
        else:
            out.append(item.position)
    yield out


def preceptees(ctx: Context, p: PartnershipFacts) -> tuple[list[Preceptee], PositionSet]:
    """The partnership's mentored registrants, and every position behind them."""

    def compute() -> tuple[list[Preceptee], PositionSet]:
        people = [_preceptee(r) for r in p.registrants if r.enrolled.get("comparator") is not True]
        return people, PositionSet(_originals(f for m in people for f in m.facts), ctx.more)

    result: tuple[list[Preceptee], PositionSet] = memoised(ctx, ("preceptees", p.key), compute)
    return result


def _preceptee(r: RegistrantFacts) -> Preceptee:
    left = exit_date(r)
    return Preceptee(
        r.key,
        parse_date(r.enrolled["in_post_since"]),
        on(r.enrolled),
        tuple(sorted(r.contacts.values("on"))),
        None if left is None else left.isoformat(),
        (*registrant_base(r), r.contacts) if r.contacts else tuple(registrant_base(r)),
    )


def _preceptee_rule(check: Check) -> Rule:
    def rule(ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]) -> RuleResult:
        trace, end = Trace(), ctx.end.isoformat()
        counts = {"met": 0, "not_met": 0, "pending": 0, "censored": 0}
        people, positions = preceptees(ctx, p)
        trace.share(positions)
        for person in people:
            met, due = check(person.start, person.days, params)
            if person.enrolled_on >= due:
                continue  # enrolled after the standard was already missed: outside its reach
            outcome = _outcome(met, due, end, person.left)
            counts[outcome] += 1
            detail = f"in post {person.start}, due before {due}"
            trace.row(f"registrant:{person.key}", outcome, detail, person.facts, NO_POSITIONS)
        return share_result(ctx, params, trace, counts, "registrants")

    return rule


def _outcome(met: bool, due: str, end: str, left: str | None) -> str:
    if met:
        return "met"
    if due <= (end if left is None else min(end, left)):
        return "not_met"
    return "pending" if left is None else "censored"


@attrs.frozen
class Preceptor:
    """A matched mentor's one-to-one time over their window, worked out once per run."""

    key: str
    start: date
    stop: date
    logged: Decimal
    facts: tuple[Fact | FactRows, ...]


def preceptors(ctx: Context, p: PartnershipFacts) -> tuple[list[Preceptor], PositionSet]:
    """Mentors matched in the partnership, each over the last year or since the first match,
    up to any withdrawal; and every position behind them."""

    def compute() -> tuple[list[Preceptor], PositionSet]:
        found = [_preceptor(ctx, k, m) for k, m in _matches_by_mentor(p).items()]
        people = [x for x in found if x is not None]
        return people, PositionSet(_originals(f for x in people for f in x.facts), ctx.more)

    result: tuple[list[Preceptor], PositionSet] = memoised(ctx, ("preceptors", p.key), compute)
    return result


def _preceptor(ctx: Context, key: str, matches: Matches) -> Preceptor | None:
    mentor = ctx.index.mentors.get(key)
    if mentor is None:
        return None
    start = max(add_months(ctx.end, -12), parse_date(min(on(m) for _, m in matches)))
    stop = ctx.end if mentor.withdrew is None else min(ctx.end, _date(mentor.withdrew))
    low, high = start.isoformat(), stop.isoformat()
    time = mentor.time
    keep = [
        activity == "one_to_one" and low <= day < high
        for activity, day in zip(time.values("activity"), time.values("on"))
    ]
    logs = time.where(keep)
    hours = _decimals(ctx)
    logged = sum((hours(h) for h in logs.values("hours")), Decimal(0))
    paired = (f for r, m in matches for f in (*registrant_base(r), m))
    facts = (*mentor_base(mentor), *paired, *((logs,) if logs else ()))
    return Preceptor(key, start, stop, logged, facts) if start < stop else None


def _decimals(ctx: Context) -> Callable[[str], Decimal]:
    """``Decimal(text)``, made once per distinct text in a run."""
    made: dict[str, Decimal] = memoised(ctx, "decimals", dict)

    def get(text: str) -> Decimal:
        found = made.get(text)
        if found is None:
            found = made[text] = Decimal(text)
        return found

    return get


def preceptor_protected_time(
    ctx: Context, p: PartnershipFacts, params: Mapping[str, Any]
) -> RuleResult:
    """One-to-one hours against ``hours_per_year``, pro rata to the preceptor's window."""
    per_year = Decimal(params["hours_per_year"])
    year_days = (ctx.end - add_months(ctx.end, -12)).days
    trace, counts = Trace(), {"met": 0, "not_met": 0}
    people, positions = preceptors(ctx, p)
    trace.share(positions)
    for person in people:
        required = per_year * (person.stop - person.start).days / year_days
        outcome = "met" if person.logged >= required else "not_met"
        counts[outcome] += 1
        detail = (
            f"{person.logged} h one-to-one from {person.start} to {person.stop}; "
            f"needed {required:.2f} h"
        )
        trace.row(f"mentor:{person.key}", outcome, detail, person.facts, NO_POSITIONS)
    return share_result(ctx, params, trace, counts, "preceptors")


Matches = list[tuple["RegistrantFacts", Fact]]


def _matches_by_mentor(p: PartnershipFacts) -> dict[str, Matches]:
    found: dict[str, Matches] = {}
    for registrant in p.registrants:
        for match in registrant.matches:
            found.setdefault(str(match["mentor"]), []).append((registrant, match))
    return found


def _date(fact: Fact) -> date:
    return parse_date(on(fact))


#: Rule name → implementation; the names and parameters are ``legacyledger.frameworks.RULES``.
RULE_FUNCTIONS: Mapping[str, Rule] = {
    "introduced_before_joint_events": introduced_before_joint_events,
    "joint_induction": joint_induction,
    "ongoing_cpd": ongoing_cpd,
    "single_point_of_contact": single_point_of_contact,
    "broad_engagement_commitment": broad_engagement_commitment,
    "experienced_pairing": experienced_pairing,
    "over_recruitment": over_recruitment,
    "ney_planning_preparation": ney_planning_preparation,
    "ney_process_actions": ney_process_actions,
    "ney_outputs_outcomes": ney_outputs_outcomes,
    "ney_reflection_next_steps": ney_reflection_next_steps,
    "preceptee_meetings_min": _preceptee_rule(_meetings_min),
    "preceptee_meetings_every": _preceptee_rule(_meetings_every),
    "preceptee_first_meeting": _preceptee_rule(_first_meeting),
    "preceptor_protected_time": preceptor_protected_time,
}

#: Formula versions: bump one when its rule changes meaning, so old derivations stay honest.
#: Version 2 of ``ney_planning_preparation``: the inducted and pay-rate shares rest on the
#: new counts ``inducted`` and ``pay_rate_set`` (disclosure control shows them from those).
RULE_VERSIONS: Mapping[str, int] = {
    **{name: 1 for name in RULE_FUNCTIONS},
    "ney_planning_preparation": 2,
}
