"""The costs family kept incrementally: month-level group state persisted beside its snapshot.

The cost figures are made from a :class:`~legacyledger.projections.costs.state.CostState`: per
month-level key ``(partnership, month, category)`` a priced total, unpriced hours and the facts
behind them; per ``(partnership, month)`` the unit-cost denominators' tallies and the cost
booked to cancelled events; the funding; the mentors' and registrants' enrolment positions.
This module keeps exactly that state as rows of the ``groups`` table, one set per snapshot
view (it depends on ``as_of`` and the params, as the figures do), written in the same
transaction as the snapshot's move to a new position:

* a **full build** folds the ledger into a ``CostState`` (the projection's own fold) and
  stores its groups, with the few facts of other subjects that a later fact is priced
  against (each mentor's enrolments and pay rates, each registrant's enrolments, event
  cancellations);
* an **increment** takes the facts recorded since the snapshot. When each is a new fact that
  only adds to the groups (a cost, funding, a time log, a contact: no correction or void, no
  enrolment, pay rate, plan, delivery or cancellation, which can move or reprice what others
  contributed), the projection's own fold is run on those facts alone, with the stored
  facts they are priced against, and its groups are added to the stored ones (sums are exact
  Decimals, positions and members are unions, so the result is the state a full fold would
  reach, to the exponent). Anything else is a full build.

The figures are then made by the projection's own figure functions
(:func:`~legacyledger.projections.costs.cost_figures`) from the stored groups: one truth for
the figure maths, whichever way the groups were reached. The law ``increment == full build
== build_views``, figure for figure, is tested over random histories.

``as_of`` moving (a snapshot of ``today`` read on a later day) changes which facts count:
that is a full build.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, localcontext
from typing import Any

import orjson

from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.projections.base import CORRECTIONS, FactRecord, Figure
from legacyledger.projections.costs import NAMES, CostParams, cost_figures
from legacyledger.projections.costs.history import History
from legacyledger.projections.costs.state import Bucket, CostState, Tally
from legacyledger.projections.periods import SUM_CTX
from legacyledger.projections.tables import POS, EffectiveTables, Table
from legacyledger.views.store.backends import Cursor, Store, select_in

#: New facts that only add to the groups (see the module docstring).
ADDITIVE = frozenset({
    Partnership.CostIncurred.FACT,
    Partnership.FundingReceived.FACT,
    Mentor.TimeLogged.FACT,
    Registrant.MentoringContactRecorded.FACT,
})

_MENTOR_ENROLLED = Mentor.Enrolled.FACT
_PAY_RATE_SET = Mentor.PayRateSet.FACT
_REGISTRANT_ENROLLED = Registrant.Enrolled.FACT
_EVENT_CANCELLED = ProgrammeEvent.Cancelled.FACT
#: The facts of other subjects an additive fact is priced or attributed against.
DIMENSIONS = (_MENTOR_ENROLLED, _PAY_RATE_SET, _REGISTRANT_ENROLLED, _EVENT_CANCELLED)

Rows = dict[str, Any]

#: Beyond this many positions behind, a snapshot is built afresh rather than read through.
INCREMENT_LIMIT = 20_000


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# -- groups of a state -------------------------------------------------------------------


def _dims(settled: EffectiveTables) -> Rows:
    """Rows of the facts other subjects' facts are priced against (see ``DIMENSIONS``)."""
    rows: Rows = {}

    def facts(table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
        for row in range(len(table)):
            yield table.pos[row], table.fact(row, ref=True)

    for name, key in ((_MENTOR_ENROLLED, "mentor"), (_PAY_RATE_SET, "mentor"),
                      (_REGISTRANT_ENROLLED, "registrant")):
        for position, fact in facts(settled.table(name)):
            rows.setdefault(f"d|{key}|{fact[key]}", []).append([name, position, fact])
    rows["k"] = [[_EVENT_CANCELLED, p, f] for p, f in facts(settled.table(_EVENT_CANCELLED))]
    return rows


def groups_of(state: CostState) -> Rows:
    """A state's groups as rows (grp -> JSON-able body)."""
    rows: Rows = {}
    for key, bucket in state.buckets.items():
        rows["b|" + "|".join(key)] = {
            "c": str(state.cost(key)), "u": str(state.unpriced(key)),
            "p": list(bucket.positions), "m": sorted(bucket.mentors), "r": sorted(bucket.rates),
        }
    for metric, tallies in state.tallies.items():
        for (partnership, month), tally in tallies.items():
            rows[f"t|{metric}|{partnership}|{month}"] = {
                "v": str(state.tally_value(metric, tally)), "s": sorted(tally.members),
                "p": list(tally.positions), "m": sorted(tally.mentors),
            }
    for (partnership, month), (costs, parts) in state.cancelled_rows().items():
        rows[f"x|{partnership}|{month}"] = {"c": [str(c) for c in costs],
                                           "q": [list(p) for p in parts]}
    rows["f"] = [[p, label, str(amount), list(positions)]
                 for p, label, amount, positions in state.funding]
    rows["e"] = state.enrolled
    rows["g"] = state.registrant_enrolment
    rows["o"] = {str(k): list(v) for k, v in state.more.items()}
    return rows


def merge(rows: Rows, add: Rows) -> None:
    """Add a state's groups (``add``, of new facts only) to stored ones, in place."""
    for grp, body in add.items():
        kind = grp[0]
        old = rows.get(grp)
        if kind == "f":
            rows[grp] = [*(old or []), *body]
        elif kind not in "btx":
            continue
        elif old is None:
            rows[grp] = body
        elif kind == "x":
            old["c"] += body["c"]
            old["q"] += body["q"]
        else:
            with localcontext(SUM_CTX):
                old[_SUM[kind]] = str(Decimal(old[_SUM[kind]]) + Decimal(body[_SUM[kind]]))
                if kind == "b":
                    old["u"] = str(Decimal(old["u"]) + Decimal(body["u"]))
            old["p"] += body["p"]
            for field in ("m", "r", "s"):
                if field in old:
                    old[field] = sorted({*old[field], *body[field]})


_SUM = {"b": "c", "t": "v"}


def state_of(rows: Rows, params: CostParams) -> CostState:
    """A :class:`CostState` holding stored groups, for the projection's figure functions."""
    state = CostState.__new__(CostState)
    state.params = params
    state.as_of = params.as_of_iso
    state.more = {int(k): tuple(v) for k, v in rows.get("o", {}).items()}
    state.history = History()
    state.hours = {}
    state.enrolled = rows.get("e", {})
    state.registrant_enrolment = {k: (v[0], v[1]) for k, v in rows.get("g", {}).items()}
    state.buckets = {}
    state.tallies = {m: {} for m in ("registrants_supported", "contact_hours",
                                     "events_delivered", "audience_reached",
                                     "ambassadors_active")}
    state.cancelled_cost = {}
    for grp, body in rows.items():
        kind, _, rest = grp.partition("|")
        if kind == "b":
            partnership, month, category = rest.split("|")
            bucket = state.buckets[(partnership, month, category)] = Bucket()
            bucket.extra_cost.append(Decimal(body["c"]))
            bucket.extra_hours.append(Decimal(body["u"]))
            bucket.positions = array(POS, body["p"])
            bucket.mentors = set(body["m"])
            bucket.rates = set(body["r"])
        elif kind == "t":
            metric, partnership, month = rest.split("|")
            tally = state.tallies[metric][(partnership, month)] = Tally()
            tally.extra.append(Decimal(body["v"]))
            tally.members = set(body["s"])
            tally.positions = array(POS, body["p"])
            tally.mentors = set(body["m"])
        elif kind == "x":
            partnership, month = rest.split("|")
            state.cancelled_cost[(partnership, month)] = (
                [Decimal(c) for c in body["c"]], [tuple(q) for q in body["q"]])
    state.funding = [(p, label, Decimal(amount), tuple(positions))
                     for p, label, amount, positions in rows.get("f", [])]
    return state


# -- the persisted groups ----------------------------------------------------------------


def read_groups(store: Store, cur: Cursor, view: str, kinds: str | None = None) -> Rows:
    """The stored groups of a snapshot view (every kind, or those whose grp starts with one
    of ``kinds``)."""
    cur.execute(f"SELECT grp, {store.json('body')} FROM {store.table('groups')} WHERE view = ?",
                (view,))
    return {grp: orjson.loads(body) for grp, body in cur.fetchall()
            if kinds is None or grp[0] in kinds}


def read_some(store: Store, cur: Cursor, view: str, grps: Iterable[str]) -> Rows:
    """The stored groups named ``grps`` (those that exist)."""
    rows = select_in(cur, f"SELECT grp, {store.json('body')} FROM {store.table('groups')} "
                     "WHERE view = ? AND", "grp", set(grps), (view,))
    return {grp: orjson.loads(body) for grp, body in rows}


def write_groups(store: Store, cur: Cursor, view: str, rows: Rows, whole: bool) -> None:
    """Upsert ``rows`` (``whole``: they are every group of the view; the rest are deleted)."""
    t = store.table("groups")
    if whole:
        cur.execute(f"DELETE FROM {t} WHERE view = ?", (view,))
    cur.executemany(
        f"INSERT INTO {t} VALUES (?, ?, ?) ON CONFLICT (view, grp) DO UPDATE SET body = "
        "excluded.body", [(view, grp, dumps(body)) for grp, body in rows.items()])


# -- building and increments -------------------------------------------------------------


def full_state(records: Iterable[FactRecord], params: CostParams) -> tuple[CostState, Rows]:
    """The projection's fold over every record; its groups and dimension rows."""
    settled = EffectiveTables(NAMES).extend(records).finish()
    with localcontext(SUM_CTX):
        state = CostState(settled, params)
        groups = groups_of(state)
    return state, {**groups, **_dims(settled)}


def additive(records: Sequence[FactRecord]) -> bool:
    """Whether every cost fact among ``records`` only adds to the groups (corrections and
    voids of anything are not)."""
    return all(r.fact["fact"] in ADDITIVE for r in records
               if r.fact["fact"] in NAMES or r.fact["fact"] in CORRECTIONS)


def dimension_keys(records: Sequence[FactRecord]) -> set[str]:
    """The dimension rows the new facts are priced or attributed against."""
    keys = {"k"}
    for record in records:
        fact = record.fact
        if fact.get("mentor") is not None:
            keys.add(f"d|mentor|{fact['mentor']}")
        if fact.get("registrant") is not None:
            keys.add(f"d|registrant|{fact['registrant']}")
    return keys


def increment(records: Sequence[FactRecord], dims: Rows, params: CostParams) -> Rows:
    """The groups the new (additive) facts add: the projection's fold run on them alone,
    with the stored facts they are priced against."""
    settled = EffectiveTables(NAMES).extend(r for r in records if r.fact["fact"] in ADDITIVE)
    known: dict[str, list[tuple[int, dict[str, Any], tuple[int, ...]]]] = {}
    for body in dims.values():
        for name, position, fact in body:
            known.setdefault(name, []).append((position, fact, (position,)))
    for name in DIMENSIONS:
        settled.extend_known(name, sorted(known.get(name, ()), key=lambda k: k[0]))
    settled.finish()
    with localcontext(SUM_CTX):
        state = CostState(settled, params)
        return groups_of(state)


def touched(add: Rows) -> set[str]:
    return {grp for grp in add if grp[0] in "btx"}


def figures_of(rows: Rows, params: CostParams) -> tuple[Figure, ...]:
    return cost_figures(state_of(rows, params))
