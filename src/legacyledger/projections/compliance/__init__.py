"""Framework compliance: each partnership's standing against each framework, as of a date.

``project_compliance(records, params) -> ComplianceView`` is a pure fold. Corrections and
voids are applied first (:class:`~legacyledger.projections.tables.EffectiveTables`, shared with the
other families by ``build_views``); then the facts, as one pass in ledger order would see
them, go into a small index (facts dated after ``as_of`` are skipped; a subject's many
contacts, outcomes and time logs are kept as rows of the settled tables), and each framework
item is judged from it: a computed item by its rule (``compliance_rules``), a self-assessed
item by the partnership's latest ``FrameworkItemAssessed`` on or before ``as_of``
(``not_started`` reads as ``not_met``; none at all is ``no_evidence``).

A partnership is judged against every framework it adopted (the version of its latest
``FrameworkAdopted``) and every framework named in ``params.frameworks`` (latest version).
Figures are named ``compliance.<metric>/framework=<id>/item=<item>/partnership=<key>``;
``compliance.status/...`` is 1 for met, 0 for any other status, None when not applicable (its
label is the status), and the framework totals drop the ``item=`` part. Each derivation
lists every position the figure rests on, so replaying only those reproduces it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.frameworks import Framework, FrameworkItem, FrameworkRegistry
from legacyledger.projections.base import (
    Contributing,
    Derivation,
    FactRecord,
    Figure,
    PositionSet,
    Relation,
    Value,
)
from legacyledger.projections.compliance.rules import (
    NO_POSITIONS,
    RULE_FUNCTIONS,
    RULE_VERSIONS,
    SECTORS,
    Context,
    Evidence,
    Measure,
    RuleResult,
    Status,
    integrated_delivered,
    on,
)
from legacyledger.projections.compliance.subjects import (
    EventFacts,
    FactIndex,
    MentorFacts,
    PartnershipFacts,
    RegistrantFacts,
    attendees,
)
from legacyledger.projections.periods import parse_date
from legacyledger.projections.tables import ROW, EffectiveTables, FactRows, Table
from legacyledger.projections.tables import FactView as Fact

__all__ = [
    "ActionRow",
    "ComplianceParams",
    "ComplianceView",
    "Evidence",
    "FrameworkSummary",
    "ItemResult",
    "PairingException",
    "StatusMatrix",
    "compliance_from_settled",
    "project_compliance",
]

ASSESSED_STATUS: Mapping[str, Status] = {
    "not_started": "not_met",
    "partial": "partial",
    "met": "met",
    "not_applicable": "not_applicable",
}
SELF_ASSESSED_FORMULA = ("compliance.self_assessed", 1)


@attrs.frozen
class ComplianceParams:
    """``as_of`` is inclusive; shares at or above ``met_share`` are met, above
    ``partial_share`` partial (an item's rule may override both)."""

    as_of: date
    registry: FrameworkRegistry = attrs.field(factory=FrameworkRegistry, eq=False)
    frameworks: tuple[str, ...] = ()
    met_share: Decimal = Decimal("0.8")
    partial_share: Decimal = Decimal("0")


#: Fact name -> (subjects, key field, how it attaches: "list" attribute, "set" attribute,
#: "keyed" attribute by a field, or "assessed"). Creators are handled first.
ATTACH: Mapping[str, tuple[str, str, str, str]] = {
    Partnership.Closed.FACT: ("partnerships", "partnership", "set", "closed"),
    Partnership.FrameworkAdopted.FACT: ("partnerships", "partnership", "list", "adopted"),
    Partnership.OrganisationJoined.FACT: ("partnerships", "partnership", "list", "orgs"),
    Partnership.OrganisationLeft.FACT: ("partnerships", "partnership", "list", "orgs"),
    Partnership.CoordinatorAppointed.FACT: ("partnerships", "partnership", "list", "coordinators"),
    Partnership.CoordinatorLeft.FACT: ("partnerships", "partnership", "list", "coordinators"),
    Partnership.RecruitmentTargetSet.FACT: ("partnerships", "partnership", "list", "targets"),
    Partnership.CommitmentFormalised.FACT: ("partnerships", "partnership", "list", "commitments"),
    Partnership.FrameworkItemAssessed.FACT: ("partnerships", "partnership", "assessed", ""),
    Partnership.ActionAgreed.FACT: ("partnerships", "partnership", "keyed:action", "actions"),
    Partnership.ActionCompleted.FACT: ("partnerships", "partnership", "keyed:action",
                                       "completions"),
    Mentor.Withdrew.FACT: ("mentors", "mentor", "set", "withdrew"),
    Mentor.Inducted.FACT: ("mentors", "mentor", "list", "inductions"),
    Mentor.Trained.FACT: ("mentors", "mentor", "list", "trainings"),
    Mentor.PayRateSet.FACT: ("mentors", "mentor", "list", "pay_rates"),
    Registrant.MentorMatched.FACT: ("registrants", "registrant", "list", "matches"),
    Registrant.Left.FACT: ("registrants", "registrant", "list", "exits"),
    Registrant.Rejoined.FACT: ("registrants", "registrant", "list", "exits"),
    Registrant.FollowUpEnded.FACT: ("registrants", "registrant", "list", "exits"),
    ProgrammeEvent.Delivered.FACT: ("events", "event", "set", "delivered"),
    ProgrammeEvent.Cancelled.FACT: ("events", "event", "set", "cancelled"),
}
CREATORS: Mapping[str, tuple[str, str]] = {
    Partnership.Formed.FACT: ("partnerships", "partnership"),
    Mentor.Enrolled.FACT: ("mentors", "mentor"),
    Registrant.Enrolled.FACT: ("registrants", "registrant"),
    ProgrammeEvent.Planned.FACT: ("events", "event"),
}
#: Many per subject, kept as row numbers (see ``settled.FactRows``).
GROUPED: Mapping[str, tuple[str, str, str]] = {
    Mentor.TimeLogged.FACT: ("mentors", "mentor", "time"),
    Registrant.MentoringContactRecorded.FACT: ("registrants", "registrant", "contacts"),
    Registrant.OutcomeMeasured.FACT: ("registrants", "registrant", "outcomes"),
}
NAMES = frozenset({*ATTACH, *CREATORS, *GROUPED})


def index_facts(records: Iterable[FactRecord], as_of: date) -> FactIndex:
    """Effective facts dated on or before ``as_of``, dispatched by name into the index."""
    return index_settled(EffectiveTables.of(records, NAMES), as_of)


def index_settled(settled: EffectiveTables, as_of: date) -> FactIndex:
    """The index from facts already settled.

    The facts are applied as in one pass in ledger order: a creator (``MentorEnrolled`` and
    the like) makes the subject afresh, so a fact attaches to the subject made by the last
    creator before it, and facts before any creator are dropped.
    """
    index, cutoff = FactIndex(), as_of.isoformat()
    made: dict[str, dict[str, int]] = {}  # subjects -> key -> position of its latest creator
    creators: dict[str, dict[str, Fact]] = {}  # subjects -> key -> its latest creator
    for name, (subjects, field) in CREATORS.items():
        table, last = settled.table(name), made.setdefault(subjects, {})
        latest = creators.setdefault(subjects, {})
        for row, (p, day, key) in enumerate(table.rows("on", field)):
            if day <= cutoff:
                last[key] = p
                latest[key] = Fact(table, row)
    grouped: dict[tuple[str, str], dict[str, array[int]]] = {}
    for name, (subjects, field, attr) in GROUPED.items():
        table = settled.table(name)
        grouped[(subjects, attr)] = _group_rows(table, field, cutoff, made[subjects])
    _make_subjects(index, settled, creators, grouped)
    lists: dict[tuple[str, str, str], list[tuple[int, Fact]]] = {}
    for name, (subjects, field, how, attr) in ATTACH.items():
        table, last, owners = settled.table(name), made[subjects], getattr(index, subjects)
        for row, (p, day, key) in enumerate(table.rows("on", field)):
            if day > cutoff or p <= last.get(key, p):
                continue
            subject, fact = owners[key], Fact(table, row)
            if how == "list":
                lists.setdefault((subjects, key, attr), []).append((p, fact))
            elif how == "set":
                held = getattr(subject, attr)
                if held is None or held.position < p:
                    setattr(subject, attr, fact)
            elif how == "assessed":
                _assessed(subject, fact)
            else:
                keyed, by = getattr(subject, attr), str(fact[how.partition(":")[2]])
                if by not in keyed or keyed[by].position < p:
                    keyed[by] = fact
    for (subjects, key, attr), facts in lists.items():
        facts.sort(key=lambda pair: pair[0])
        getattr(getattr(index, subjects)[key], attr).extend(f for _, f in facts)
    return index.link()


def _group_rows(
    table: Table, field: str, cutoff: str, last: Mapping[str, int]
) -> dict[str, array[int]]:
    """Subject key -> rows of the facts dated by ``cutoff`` that came after the subject's
    (latest) creator. The hot loop of the index: it compares codes, not values."""
    days, day_values = table.raw("on")
    keys, key_values = table.raw(field)
    if day_values is None or key_values is None:  # not coded: compare the values
        days, keys = table.col("on"), table.col(field)
        day_values, key_values = None, None
    dated = None if day_values is None else [d <= cutoff for d in day_values]
    coder = table.coder(field)
    since = {coder[k]: p for k, p in last.items()} if key_values is not None else dict(last)
    by_code: dict[Any, array[int]] = {}
    get, early = by_code.get, since.get
    for row, (p, day, key) in enumerate(zip(table.pos, days, keys)):
        if (dated[day] if dated is not None else day <= cutoff) and p > early(key, p):
            found = get(key)
            if found is None:
                found = by_code[key] = array(ROW)
            found.append(row)
    if key_values is None:
        return dict(by_code)
    return {key_values[code]: rows for code, rows in by_code.items()}


def _make_subjects(
    index: FactIndex,
    settled: EffectiveTables,
    creators: Mapping[str, Mapping[str, Fact]],
    grouped: Mapping[tuple[str, str], Mapping[str, array[int]]],
) -> None:
    """Turn each subject's latest creator fact into its subject object (dict order: first
    creation, as in one pass)."""
    time, contacts, outcomes = (
        (settled.table(name), grouped[(subjects, attr)])
        for name, (subjects, _, attr) in GROUPED.items()
    )
    empty = array(ROW)
    index.partnerships = {k: PartnershipFacts(k, f) for k, f in creators["partnerships"].items()}
    index.mentors = {
        k: MentorFacts(k, f, FactRows(time[0], time[1].get(k, empty)))
        for k, f in creators["mentors"].items()
    }
    index.registrants = {
        k: RegistrantFacts(
            k,
            f,
            FactRows(contacts[0], contacts[1].get(k, empty)),
            FactRows(outcomes[0], outcomes[1].get(k, empty)),
        )
        for k, f in creators["registrants"].items()
    }
    index.events = {k: EventFacts(k, f) for k, f in creators["events"].items()}


def _assessed(partnership: PartnershipFacts, fact: Fact) -> None:
    """Keep the latest assessment per item by business date, then ledger position."""
    key = (str(fact["framework"]), str(fact["item"]))
    held = partnership.assessments.get(key)
    if held is None or (on(held), held.position) < (on(fact), fact.position):
        partnership.assessments[key] = fact


# The view ---------------------------------------------------------------------------------


@attrs.frozen
class ItemResult:
    """One cell of the partnership-by-item matrix, with what it rests on."""

    partnership: str
    framework: str
    version: str
    item: str
    title: str
    area: str
    assessment: str
    status: Status
    figure: Figure
    measures: tuple[Figure, ...]
    evidence: tuple[Evidence, ...]
    assessed_on: date | None = None
    assessor: str | None = None
    evidence_text: tuple[str, ...] = ()
    note: str = ""


@attrs.frozen
class ActionRow:
    partnership: str
    framework: str
    item: str
    action: str
    description: str
    owner: str
    agreed_on: date
    due: date
    completed_on: date | None
    overdue: bool
    positions: tuple[int, ...]

    @property
    def open(self) -> bool:
        return self.completed_on is None


@attrs.frozen
class FrameworkSummary:
    """``items met / items applicable`` and the action counts for one partnership."""

    partnership: str
    framework: str
    version: str
    adopted: bool
    items_met: Figure
    items_applicable: Figure
    items_met_share: Figure
    open_actions: Figure
    overdue_actions: Figure

    def figures(self) -> tuple[Figure, ...]:
        return (
            self.items_met,
            self.items_applicable,
            self.items_met_share,
            self.open_actions,
            self.overdue_actions,
        )


@attrs.frozen
class PairingException:
    """An integrated event delivered without both sectors: reported, never refused."""

    partnership: str
    event: str
    on: date
    sectors: tuple[str, ...]
    positions: tuple[int, ...]


@attrs.frozen
class StatusMatrix:
    """Rows of statuses for a heat map; None where a partnership's version lacks the item."""

    framework: str
    items: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Status | None, ...]], ...]


@attrs.frozen
class ComplianceView:
    as_of: date
    items: tuple[ItemResult, ...]
    summaries: tuple[FrameworkSummary, ...]
    actions: tuple[ActionRow, ...]
    pairing_exceptions: tuple[PairingException, ...]

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure, like the other views' ``figures`` attribute."""
        per_item = (f for row in self.items for f in (row.figure, *row.measures))
        return (*per_item, *(f for s in self.summaries for f in s.figures()))

    def figure(self, figure_id: str) -> Figure:
        for figure in self.figures:
            if figure.id == figure_id:
                return figure
        raise KeyError(f"no compliance figure {figure_id!r} as of {self.as_of}")

    def item(self, partnership: str, framework: str, item: str) -> ItemResult:
        for row in self.items:
            if (row.partnership, row.framework, row.item) == (partnership, framework, item):
                return row
        raise KeyError(f"{partnership!r} was not judged on {framework!r} item {item!r}")

    def matrix(self, framework: str) -> StatusMatrix:
        rows = [r for r in self.items if r.framework == framework]
        items = tuple(dict.fromkeys(r.item for r in rows))
        cells: dict[str, dict[str, Status]] = {}
        for row in rows:
            cells.setdefault(row.partnership, {})[row.item] = row.status
        return StatusMatrix(
            framework,
            items,
            tuple((p, tuple(statuses.get(i) for i in items)) for p, statuses in cells.items()),
        )


# Judging ----------------------------------------------------------------------------------


def project_compliance(records: Iterable[FactRecord], params: ComplianceParams) -> ComplianceView:
    return compliance_from_settled(EffectiveTables.of(records, NAMES), params)


def compliance_from_settled(settled: EffectiveTables, params: ComplianceParams) -> ComplianceView:
    """The view from facts already settled (``build_views`` settles once for every family)."""
    index = index_settled(settled, params.as_of)
    ctx = Context(
        index, params.as_of, params.met_share, params.partial_share, more=settled.more
    )
    items: list[ItemResult] = []
    summaries: list[FrameworkSummary] = []
    actions: list[ActionRow] = []
    for key in sorted(index.partnerships):
        partnership = index.partnerships[key]
        for framework, adoptions in _frameworks(partnership, params):
            base = _base(partnership, adoptions)
            judged = [_judge(ctx, partnership, framework, i, base) for i in framework.items]
            rows = [row for row, _ in judged]
            acts = _actions(partnership, framework, params.as_of)
            used = _union(ctx, [base, *(positions for _, positions in judged)])
            items += rows
            actions += acts
            summaries.append(
                _summary(framework, bool(adoptions), rows, acts, used, base, params.as_of)
            )
    return ComplianceView(
        params.as_of, tuple(items), tuple(summaries), tuple(actions), _pairing_exceptions(ctx)
    )


def _union(ctx: Context, sets: list[Contributing | frozenset[int]]) -> PositionSet:
    """The union (read lazily); the same shared set behind several items is taken once."""
    distinct = {id(s): s for s in sets}.values()
    return PositionSet(distinct, ctx.more)


def _frameworks(
    p: PartnershipFacts, params: ComplianceParams
) -> list[tuple[Framework, tuple[Fact, ...]]]:
    """Adopted frameworks at their latest adopted version, then those named in params."""
    latest: dict[str, Fact] = {}
    for fact in sorted(p.adopted, key=lambda f: (on(f), f.position)):
        latest[str(fact["framework"])] = fact
    chosen = {f: params.registry.get(f, str(a["version"])) for f, a in latest.items()}
    for framework_id in params.frameworks:
        chosen.setdefault(framework_id, params.registry.get(framework_id))
    return [(chosen[f], tuple(a for a in p.adopted if a["framework"] == f)) for f in sorted(chosen)]


def _base(p: PartnershipFacts, adoptions: tuple[Fact, ...]) -> frozenset[int]:
    """What every figure of a partnership and framework rests on: its existence and adoption."""
    facts = (p.formed, p.closed, *adoptions)
    return frozenset(pos for f in facts if f is not None for pos in f.positions)


def _judge(
    ctx: Context,
    p: PartnershipFacts,
    framework: Framework,
    item: FrameworkItem,
    base: frozenset[int],
) -> tuple[ItemResult, Contributing]:
    """The item's row, and the positions it rests on (for the framework totals)."""
    if item.rule is None:
        row = _self_assessed(ctx, p, framework, item, base)
        return row, row.figure.derivation.contributing
    result = RULE_FUNCTIONS[item.rule.id](ctx, p, item.rule.params)
    return _computed(ctx, p, framework, item, result, base), result.positions


def _computed(
    ctx: Context,
    p: PartnershipFacts,
    framework: Framework,
    item: FrameworkItem,
    result: RuleResult,
    base: frozenset[int],
) -> ItemResult:
    """A computed item's row: the rule's verdict, derived from its parameters and facts."""
    assert item.rule is not None
    parameters = {**_ids(framework, item), "rule": item.rule.id, **_resolved(ctx, item)}
    derivation = _derivation(
        f"compliance.{item.rule.id}",
        RULE_VERSIONS[item.rule.id],
        parameters,
        ctx.as_of,
        _contributing(ctx, result.positions, base),
        result.note,
    )
    return _row(p.key, framework, item, result, derivation)


def _contributing(ctx: Context, positions: PositionSet, base: frozenset[int]) -> PositionSet:
    """The rule's positions and the partnership's base (read lazily, see PositionSet)."""
    return PositionSet((positions, base), ctx.more)


def _resolved(ctx: Context, item: FrameworkItem) -> dict[str, Any]:
    """The rule's parameters with the share thresholds it was actually judged by."""
    assert item.rule is not None
    params = dict(item.rule.params)
    if "met_share" in params:
        params["met_share"] = str(params["met_share"] or ctx.met_share)
        params["partial_share"] = str(params["partial_share"] or ctx.partial_share)
    return params


def _ids(framework: Framework, item: FrameworkItem) -> dict[str, Any]:
    return {"framework": framework.id, "framework_version": framework.version, "item": item.id}


def _derivation(
    formula: str,
    version: int,
    parameters: Mapping[str, Any],
    as_of: date,
    contributing: Contributing,
    note: str | None = None,
) -> Derivation:
    return Derivation(formula, version, parameters, as_of, None, contributing, note=note or None)


def _self_assessed(
    ctx: Context,
    p: PartnershipFacts,
    framework: Framework,
    item: FrameworkItem,
    base: frozenset[int],
) -> ItemResult:
    """The latest assessment on or before as_of (later ones were never indexed)."""
    fact = p.assessments.get((framework.id, item.id))
    formula, version = SELF_ASSESSED_FORMULA
    positions = tuple(sorted(base.union(fact.positions if fact else ())))
    derivation = _derivation(formula, version, _ids(framework, item), ctx.as_of, positions)
    if fact is None:
        empty = RuleResult("no_evidence", (), (), NO_POSITIONS, "no assessment on or before as_of")
        return _row(p.key, framework, item, empty, derivation)
    status = ASSESSED_STATUS[str(fact["status"])]
    assessor = str(fact["assessor"])
    evidence = Evidence(
        f"assessment:{fact.source_ref}",
        status,
        f"assessed {fact['status']} by {assessor}",
        (fact,),
    )
    result = RuleResult(status, (), (evidence,), NO_POSITIONS)
    return attrs.evolve(
        _row(p.key, framework, item, result, derivation),
        assessed_on=parse_date(on(fact)),
        assessor=assessor,
        evidence_text=tuple(fact.get("evidence", ())),
    )


#: Item metrics that are not counts of people (disclosure control never suppresses them).
NOT_COUNTS = frozenset({"status", "threshold"})


def _row(
    partnership: str,
    framework: Framework,
    item: FrameworkItem,
    result: RuleResult,
    derivation: Derivation,
) -> ItemResult:
    def figure_id(metric: str) -> str:
        return (
            f"compliance.{metric}/framework={framework.id}/item={item.id}/partnership={partnership}"
        )

    # A status (met: 1, else 0) and a rule's threshold are not counts of anyone: they are
    # never suppressed. The rule's own counts (registrants, ambassadors) are; a share is a
    # rate resting on them, so it is suppressed with them (figures.md §5).
    counts = tuple(
        figure_id(m.metric)
        for m in result.measures
        if m.metric not in NOT_COUNTS and isinstance(m.value, int)
    )

    def figure(measure: Measure, label: str) -> Figure:
        metric, value, unit = measure.metric, measure.value, measure.unit
        if metric in NOT_COUNTS:
            return Figure(figure_id(metric), value, unit, derivation, label, "statistic")
        parts = tuple(figure_id(m) for m in measure.rests_on) or counts
        if unit == "ratio" and parts:
            rests_on = attrs.evolve(derivation, inputs=parts)
            return Figure(figure_id(metric), value, unit, rests_on, label, "rate")
        if measure.adds_up:  # a count stating the counts it is the sum of
            relation = Relation(figure_id(metric), tuple(figure_id(m) for m in measure.adds_up))
            stated = attrs.evolve(derivation, relations=(relation,))
            return Figure(figure_id(metric), value, unit, stated, label)
        return Figure(figure_id(metric), value, unit, derivation, label)

    met = None if result.status == "not_applicable" else int(result.status == "met")
    status = Measure("status", met, "items")
    measures = tuple(figure(m, f"{item.title}: {m.metric}") for m in result.measures)
    return ItemResult(
        partnership,
        framework.id,
        framework.version,
        item.id,
        item.title,
        item.area,
        item.assessment,
        result.status,
        figure(status, result.status),
        measures,
        result.evidence,
        note=result.note,
    )


def _actions(p: PartnershipFacts, framework: Framework, as_of: date) -> list[ActionRow]:
    rows = []
    for action, agreed in p.actions.items():
        if agreed["framework"] != framework.id:
            continue
        done = p.completions.get(action)
        due = date.fromisoformat(agreed["due"])
        positions = agreed.positions + (done.positions if done else ())
        rows.append(
            ActionRow(
                p.key,
                framework.id,
                str(agreed["item"]),
                action,
                str(agreed.get("description", "")),
                str(agreed.get("owner", "")),
                date.fromisoformat(on(agreed)),
                due,
                date.fromisoformat(on(done)) if done else None,
                done is None and due < as_of,
                tuple(sorted(positions)),
            )
        )
    return rows


def _summary(
    framework: Framework,
    adopted: bool,
    rows: list[ItemResult],
    actions: list[ActionRow],
    used: Contributing,
    base: frozenset[int],
    as_of: date,
) -> FrameworkSummary:
    partnership = rows[0].partnership
    met = sum(1 for r in rows if r.status == "met")
    applicable = sum(1 for r in rows if r.status != "not_applicable")
    open_ = [a for a in actions if a.open]
    acted = tuple(sorted(base.union(*(a.positions for a in open_))))
    ids = {"framework": framework.id, "framework_version": framework.version}

    def figure(metric: str, value: Value, unit: str, positions: Contributing) -> Figure:
        derivation = _derivation(f"compliance.{metric}", 1, ids, as_of, positions)
        figure_id = f"compliance.{metric}/framework={framework.id}/partnership={partnership}"
        # Items and actions of a partnership, not people: disclosure control leaves them be.
        label = f"{framework.title}: {metric}"
        return Figure(figure_id, value, unit, derivation, label, "statistic")

    share = Decimal(met) / Decimal(applicable) if applicable else None
    return FrameworkSummary(
        partnership,
        framework.id,
        framework.version,
        adopted,
        figure("items_met", met, "items", used),
        figure("items_applicable", applicable, "items", used),
        figure("items_met_share", share, "ratio", used),
        figure("open_actions", len(open_), "actions", acted),
        figure("overdue_actions", sum(a.overdue for a in open_), "actions", acted),
    )


def _pairing_exceptions(ctx: Context) -> tuple[PairingException, ...]:
    rows = []
    for key in sorted(ctx.index.partnerships):
        for event in integrated_delivered(ctx.index.partnerships[key]):
            mentors = [ctx.index.mentors.get(k) for k in attendees(event)]
            sectors = sorted({str(m.enrolled["sector"]) for m in mentors if m is not None})
            if not set(sectors) >= SECTORS:
                facts = [f for f in (event.planned, event.delivered) if f is not None]
                rows.append(
                    PairingException(
                        key,
                        event.key,
                        date.fromisoformat(on(facts[-1])),
                        tuple(sectors),
                        tuple(sorted(p for f in facts for p in f.positions)),
                    )
                )
    return tuple(rows)
