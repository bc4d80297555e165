"""The costs family kept incrementally: month-level group state persisted beside its snapshot.

The cost figures are made from a :class:`~legacyledger.projections.costs.state.CostState`: per
month-level key ``(partnership, month, category)`` a priced total, unpriced hours and the facts
behind them; per ``(partnership, month)`` the unit-cost denominators' tallies and the cost
booked to cancelled events; the funding; the mentors' and registrants' enrolment positions.
This module keeps exactly that state as rows of the ``groups`` table, one set per snapshot
view (it depends on ``as_of`` and the params, as the figures do), written in the same
transaction as the snapshot's move to a new position. A bucket or tally is two rows: a
summary (its sums, its members, and ``n``, the number of the stored part its positions were
written as) and its positions, read only when the group changes.

* a **full build** folds the ledger into a ``CostState`` (the projection's own fold, over
  the stored records decoded as plain dicts) and stores its groups, with the few facts of
  other subjects that a later fact is priced against (each mentor's enrolments and pay
  rates, each registrant's enrolments, event cancellations), and the exponents the fold's
  running totals keep for keys whose facts were all withdrawn;
* an **increment** takes the facts recorded since the snapshot. When each is a new fact that
  only adds to the groups (a cost, funding, a time log, a contact: no correction or void of a
  cost fact, no enrolment, pay rate, plan, delivery or cancellation, which can move or
  reprice what others contributed), the projection's own fold is run on those facts alone,
  with the stored facts they are priced against, and its groups are added to the stored
  ones (sums are exact Decimals, positions and members are unions, so the result is the
  state a full fold would reach, to the exponent). Anything else is a full build.

The figures are made by the projection's own figure function
(:func:`~legacyledger.projections.costs.cost_figures`) from stored groups: one truth for the
figure maths, whichever way the groups were reached. An increment makes again only the
figures of the financial years its facts touch (every cost figure's period lies within one
year, so the state of those years' groups gives them exactly) and the running totals (from
every year's bucket summaries, fy grain only); groups that did not change stand for their
stored parts (:class:`KeptState`), so the figures written again name those parts rather than
read them. Only those figures are updated; their new parts are appended, and the parts no
figure names any more are dropped when the snapshot is next written whole (a full build, or
a compaction: see :data:`COMPACT`). A new period or scope, or retention inputs in the
params, make every figure again from the groups (still no fold of the ledger).

The law ``increment == full build == build_views``, figure for figure and digit for digit,
is tested over random histories (tests/application/test_incremental_views.py).

``as_of`` moving (a snapshot of ``today`` read on a later day) changes which facts count:
that is a full build (a fold of the ledger), once a day for views of ``today``.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from functools import partial
from typing import Any, NamedTuple

import attrs
import orjson

from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.projections.base import CORRECTIONS, FactRecord, Figure, PositionSet
from legacyledger.projections.costs import NAMES, CostParams, cost_figures
from legacyledger.projections.costs.history import History
from legacyledger.projections.costs.pricing import MonthKey
from legacyledger.projections.costs.state import Bucket, CostState, SubKey, Tally
from legacyledger.projections.periods import SUM_CTX, ZERO, period_of
from legacyledger.projections.tables import POS, EffectiveTables, Table
from legacyledger.views.store.backends import Cursor, Store, select_in
from legacyledger.views.store.snapshots import Parts, insert_rows

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
    """A state's groups as rows (grp -> JSON-able body): per bucket and tally a summary row
    (its sums, members, and ``n``: the number of its positions' part in the snapshot, once
    written) and a row of its positions (``p`` + its grp), read only when it changes."""
    rows: Rows = {}
    for key, bucket in state.buckets.items():
        grp = "b|" + "|".join(key)
        rows[grp] = {"c": str(state.cost(key)), "u": str(state.unpriced(key)), "n": None}
        rows["p" + grp] = {"p": list(bucket.positions), "m": sorted(bucket.mentors),
                           "r": sorted(bucket.rates)}
    history = state.history
    for key in {*history.cost, *history.hours} - state.buckets.keys():
        # A key whose facts were all withdrawn: no bucket, but the fold's running totals
        # keep the exponents of what was withdrawn (see costs.history), and a new fact there
        # adds to them.
        rows["h|" + "|".join(key)] = {"c": str(_zero(history.cost.get(key))),
                                      "u": str(_zero(history.hours.get(key)))}
    for metric, tallies in state.tallies.items():
        for (partnership, month), tally in tallies.items():
            grp = f"t|{metric}|{partnership}|{month}"
            rows[grp] = {"v": str(state.tally_value(metric, tally)), "s": sorted(tally.members),
                         "n": None}
            rows["p" + grp] = {"p": list(tally.positions), "m": sorted(tally.mentors)}
    for (partnership, month), (costs, parts) in state.cancelled_rows().items():
        rows[f"x|{partnership}|{month}"] = {"c": [str(c) for c in costs],
                                           "q": [list(p) for p in parts], "n": None}
    for key, (costs, parts) in state.event_rows().items():
        rows["v|" + "|".join(key)] = {"c": [str(c) for c in costs],
                                      "q": [list(p) for p in parts], "n": None}
    rows["f"] = [[p, label, str(amount), list(positions)]
                 for p, label, amount, positions in state.funding]
    rows["e"] = state.enrolled
    rows["g"] = state.registrant_enrolment
    rows["o"] = {str(k): list(v) for k, v in state.more.items()}
    return rows


def _zero(exponent: int | None) -> Decimal:
    """Zero, spelled down to ``exponent`` when that is below zero's (as the fold's sums)."""
    return ZERO if exponent is None else ZERO + Decimal((0, (0,), exponent))


def kind_of(grp: str) -> str:
    return grp.partition("|")[0]


def fy_of(grp: str) -> str:
    """The financial year of a month-level group's summary (read by year), else ''."""
    kind, _, rest = grp.partition("|")
    if kind in ("b", "x", "v"):
        return period_of(rest.split("|")[1], "fy")
    if kind == "t":
        return period_of(rest.split("|")[2], "fy")
    return ""


def _stored_fy(grp: str) -> str:
    """The ``fy`` column: a summary's year; '' for the few rows every refresh reads; '-' for
    positions and dimension rows (read by name only)."""
    kind = kind_of(grp)
    if kind in MONTHLY or kind in GLOBAL:
        return fy_of(grp)
    return "-"


#: Month-level groups: buckets (``b``), tallies (``t``), the cost booked to cancelled events
#: (``x``) and to any event (``v``); the last two hold their costs and parts in one row.
MONTHLY = ("b", "t", "x", "v")
LISTED = ("x", "v")

#: Rows read with every year's summaries (the registrants' enrolments, ``g``, are read only
#: when the positions of a tally of registrants supported are made again).
GLOBAL = ("f", "e", "o", "O")


def merge(rows: Rows, add: Rows) -> set[str]:
    """Add a state's groups (``add``, of new facts only) to stored ones (``rows``, which
    hold every group ``add`` names, summary and positions), in place; the grps changed."""
    changed = set()
    for grp, body in add.items():
        kind = kind_of(grp)
        old = rows.get(grp)
        if kind == "f":
            if body:
                rows[grp] = [*(old or []), *body]
                changed.add(grp)
            continue
        if kind not in (*MONTHLY, "pb", "pt"):
            continue
        changed.add(grp)
        withdrawn = rows.get("h" + grp[1:]) if kind == "b" else None
        if old is None and withdrawn is not None:
            old = rows[grp] = {**withdrawn, "n": None}
        if old is None:
            rows[grp] = body
        elif kind in LISTED:
            old["c"] += body["c"]
            old["q"] += body["q"]
            old["n"] = None
        elif kind in ("b", "t"):
            with localcontext(SUM_CTX):
                for field in ("c", "u", "v"):
                    if field in old:
                        old[field] = str(Decimal(old[field]) + Decimal(body[field]))
            if "s" in old:
                old["s"] = sorted({*old["s"], *body["s"]})
            old["n"] = None
        else:
            old["p"] += body["p"]
            for field in ("m", "r"):
                if field in old:
                    old[field] = sorted({*old[field], *body[field]})
    return changed


class _Unread:
    """Stands for the positions of a stored part that was not read (see :class:`KeptState`):
    it is never iterated, only named by its stored number."""

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[int]:
        raise AssertionError("the positions of a stored part were read, not named")


class KeptState(CostState):
    """A :class:`CostState` holding stored groups, for the projection's figure functions.

    The sums and members are the stored ones. The positions behind a group are made by the
    state's own methods from its stored positions when they were read, else they stand for
    the group's part already stored in the snapshot (``standins``: object id -> number), so
    that a figure written again names that part rather than re-reading it. ``made`` (grp ->
    positions) is shared between the states of one refresh, so a group is one part.
    """

    made: dict[str, PositionSet]
    standins: dict[str, int]
    _tally_groups: dict[int, str]

    def _kept(self, grp: str, make: Callable[[], PositionSet]) -> PositionSet:
        found = self.made.get(grp)
        if found is None:
            number = self.standins.get(grp)
            found = make() if number is None else PositionSet((_Unread(),))
            self.made[grp] = found
        return found

    def positions(self, key: MonthKey) -> PositionSet:
        return self._kept("b|" + "|".join(key), lambda: super(KeptState, self).positions(key))

    def tally_positions(self, metric: str, tally: Tally) -> PositionSet:
        return self._kept(self._tally_groups[id(tally)],
                          lambda: super(KeptState, self).tally_positions(metric, tally))

    def cancelled_rows(self) -> Mapping[SubKey, tuple[list[Decimal], list[Any]]]:
        """The cost booked to cancelled events, with the facts behind each month as one
        part (the union of the state's own parts), kept like the other groups."""
        rows = super().cancelled_rows()
        return {key: (costs, [self._kept("x|" + "|".join(key), partial(PositionSet, parts))])
                for key, (costs, parts) in rows.items()}

    def event_rows(self) -> Mapping[MonthKey, tuple[list[Decimal], list[Any]]]:
        """The cost booked to events, kept like the cancelled events' (one part a group)."""
        rows = super().event_rows()
        return {key: (costs, [self._kept("v|" + "|".join(key), partial(PositionSet, parts))])
                for key, (costs, parts) in rows.items()}


def kept_state(rows: Rows, params: CostParams, made: dict[str, PositionSet] | None = None,
               fys: set[str] | None = None,
               more: dict[int, tuple[int, ...]] | None = None, whole: bool = False) -> KeptState:
    """The state of the stored groups in ``rows`` (of the financial years ``fys``, or all);
    a group whose positions row is not in ``rows`` stands for its stored part (none does when
    the snapshot is written ``whole``: its parts are all written anew). ``more``: the
    corrected facts' positions, when already read (one object, so one part)."""
    state = KeptState.__new__(KeptState)
    state.params = params
    state.as_of = params.as_of_iso
    state.more = more if more is not None else {
        int(k): tuple(v) for k, v in rows.get("o", {}).items()}
    state.history = History()
    state.hours = {}
    state.enrolled = rows.get("e", {})
    state.registrant_enrolment = rows.get("g", {})  # (partnership, position) as a list
    state.buckets = {}
    state.tallies = {m: {} for m in ("registrants_supported", "contact_hours",
                                     "events_delivered", "audience_reached",
                                     "ambassadors_active")}
    state.cancelled_cost = {}
    state.event_cost = {}
    state.made = {} if made is None else made
    state.standins = {}
    state._tally_groups = {}
    for grp, body in rows.items():
        kind, _, rest = grp.partition("|")
        if kind not in MONTHLY or (fys is not None and fy_of(grp) not in fys):
            continue
        held = body if kind in LISTED and (whole or body["n"] is None) else rows.get("p" + grp)
        if held is None:
            assert body["n"] is not None, grp
            state.standins[grp] = body["n"]
        if kind == "b":
            partnership, month, category = rest.split("|")
            bucket = state.buckets[(partnership, month, category)] = Bucket()
            bucket.extra_cost.append(Decimal(body["c"]))
            bucket.extra_hours.append(Decimal(body["u"]))
            if held is not None:
                bucket.positions = array(POS, held["p"])
                bucket.mentors = set(held["m"])
                bucket.rates = set(held["r"])
        elif kind == "t":
            metric, partnership, month = rest.split("|")
            tally = state.tallies[metric][(partnership, month)] = Tally()
            state._tally_groups[id(tally)] = grp
            tally.extra.append(Decimal(body["v"]))
            tally.members = set(body["s"])
            if held is not None:
                tally.positions = array(POS, held["p"])
                tally.mentors = set(held["m"])
        elif kind == "x":
            partnership, month = rest.split("|")
            state.cancelled_cost[(partnership, month)] = _listed(body, held)
        else:
            partnership, month, category = rest.split("|")
            state.event_cost[(partnership, month, category)] = _listed(body, held)
    state.funding = [(p, label, Decimal(amount), tuple(positions))
                     for p, label, amount, positions in rows.get("f", [])
                     if fys is None or label in fys]
    return state


def _listed(body: Any, held: Any) -> tuple[list[Decimal], list[Any]]:
    """A month's cost booked to (cancelled) events as the state holds it: its costs (their
    exact sum: the figures only add them up) and, when read, the parts of its positions (a
    group that stands for its stored part needs none)."""
    with localcontext(SUM_CTX):
        total = sum((Decimal(c) for c in body["c"]), ZERO)
    return [total], [] if held is None else [tuple(q) for q in held["q"]]


# -- the persisted groups ----------------------------------------------------------------


def _groups_sql(store: Store) -> str:
    return (f"SELECT view, grp, fy, {store.json('body')}, seal FROM {store.table('groups')} "
            "WHERE view = ?")


def _checked(store: Store, rows: Iterable[Any]) -> Rows:
    """Stored group rows by name, each row's seal checked."""
    return {grp: orjson.loads(body)
            for _, grp, _, body in (store.sealer.check("groups", row) for row in rows)}


def read_groups(store: Store, cur: Cursor, view: str, fys: Iterable[str]) -> Rows:
    """The summaries of the years ``fys`` and the rows of no year (:data:`GLOBAL`)."""
    return _checked(store, select_in(cur, _groups_sql(store) + " AND", "fy", {"", *fys},
                                     (view,)))


def read_kind(store: Store, cur: Cursor, view: str, *kinds: str) -> Rows:
    """Every stored row of these kinds (one row named ``kind``, or a range of the primary
    key: ``kind|…``)."""
    rows: Rows = {}
    for kind in kinds:
        cur.execute(_groups_sql(store) + " AND (grp = ? OR grp >= ? AND grp < ?)",
                    (view, kind, f"{kind}|", f"{kind}}}"))
        rows.update(_checked(store, cur.fetchall()))
    return rows


def read_some(store: Store, cur: Cursor, view: str, grps: Iterable[str]) -> Rows:
    """The stored groups named ``grps`` (those that exist)."""
    return _checked(store, select_in(cur, _groups_sql(store) + " AND", "grp", set(grps),
                                     (view,)))


def write_groups(store: Store, cur: Cursor, view: str, rows: Rows, whole: bool) -> None:
    """Upsert ``rows`` (``whole``: they are every group of the view; the rest are deleted)."""
    t = store.table("groups")
    if whole:
        cur.execute(f"DELETE FROM {t} WHERE view = ?", (view,))
    insert_rows(cur, f"INSERT INTO {t} VALUES",
                [store.sealer.sealed("groups", (view, grp, _stored_fy(grp), dumps(body)))
                 for grp, body in rows.items()],
                " ON CONFLICT (view, grp) DO UPDATE SET body = excluded.body, "
                "seal = excluded.seal")


def at(position: int) -> Rows:
    """The row naming the snapshot position the groups are at (moved with it, so that groups
    left behind by a writer that knew none are never added to)."""
    return {"A": {"at": position}}


def numbered(rows: Rows, grps: Iterable[str], state: KeptState, parts: Parts) -> Rows:
    """The rows ``grps``, with the part numbers their positions were written as."""
    out = {grp: rows[grp] for grp in grps}
    for grp, body in out.items():
        if kind_of(grp) in MONTHLY and grp in state.made:
            body["n"] = parts.number_of(state.made[grp])
    if "O" in out:  # every part was written anew: how many there are now
        out["O"] = {"n": parts.number_of(state.more) if state.more else None,
                    "parts": parts.start + len(parts.rows)}
    return out


# -- building and increments -------------------------------------------------------------

#: An increment appends the parts of the figures it writes and leaves those they replace:
#: once the parts number this many times those of the last whole write, every figure is
#: written again (from the groups), dropping the parts no figure names.
COMPACT = 10
COMPACT_FLOOR = 1000

#: Figures that run over every earlier period (made from every year's totals).
RUNNING = "costs.cumulative"
#: Figures over every period (made only when the whole state is).
WHOLE = "costs.per_additional_retained"


class Refresh(NamedTuple):
    """A costs snapshot's new figures and the group rows to store with them (``groups()``,
    read once the figures' parts are numbered in ``parts``)."""

    figures: tuple[Figure, ...]
    parts: Parts
    some: bool  # the figures replace only those with their ids (else every figure)
    groups: Callable[[], Rows]
    whole: bool  # the groups are every group of the view (else: upserted)


def full_state(records: Iterable[FactRecord], params: CostParams) -> Rows:
    """The projection's fold over every record: its groups and dimension rows."""
    settled = EffectiveTables(NAMES).extend(records).finish()
    with localcontext(SUM_CTX):
        state = CostState(settled, params)
        groups = groups_of(state)
    return {**groups, **_dims(settled), "O": {"n": None}}


def build(records: Iterable[FactRecord], params: CostParams) -> Refresh:
    """Every figure and group from a fold of ``records`` (the whole ledger)."""
    rows = full_state(records, params)
    return _every_figure(rows, params, set(rows), whole=True)


def _every_figure(rows: Rows, params: CostParams, write: set[str], whole: bool) -> Refresh:
    """Every figure from every group in ``rows`` (positions too); the groups ``write`` and
    every summary (its part is numbered anew) to store."""
    state = kept_state(rows, params, whole=True)
    figures = cost_figures(state)
    parts = Parts()
    write = write | {grp for grp in rows if kind_of(grp) in (*MONTHLY, "O")}
    return Refresh(figures, parts, False, lambda: numbered(rows, write, state, parts), whole)


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
    settled = EffectiveTables(ADDITIVE | set(DIMENSIONS)).extend(
        r for r in records if r.fact["fact"] in ADDITIVE)
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


def step(store: Store, cur: Cursor, view: str, records: Sequence[FactRecord],
         params: CostParams) -> Refresh:
    """The snapshot moved over new additive ``records``: their groups added to the stored
    ones, and the figures of the financial years they touch made again (with the running
    totals of every year); the figures of other years and the parts of groups that did not
    change stay as stored."""
    add = increment(records, read_some(store, cur, view, dimension_keys(records)), params)
    years = {fy_of(grp) for grp in add} - {""}
    years |= {label for _, label, _, _ in add.get("f", ())}
    rows = read_groups(store, cur, view, years)
    rows.update(read_some(store, cur, view, {"p" + g for g in add if kind_of(g) in ("b", "t")}))
    rows.update(read_some(store, cur, view, {"h" + g[1:] for g in add
                                             if kind_of(g) == "b" and g not in rows}))
    changed = merge(rows, add)
    stored = {row[0] for row in cur.execute(
        f"SELECT figure_id FROM {store.table('figures')} WHERE view = ?", (view,)).fetchall()}
    more_part = rows.get("O", {}).get("n")
    cur.execute(f"SELECT max(part) FROM {store.table('parts')} WHERE view = ?", (view,))
    start = int(cur.fetchone()[0] or 0) + 1
    if (params.retention or (rows.get("o") and more_part is None)
            or start > COMPACT * max(rows.get("O", {}).get("parts", 0), COMPACT_FLOOR)):
        # every figure again from the groups (no fold of the ledger): the parts of figures
        # written over since the last time are dropped with the rest
        return _every_figure(_all(store, cur, view, add), params, changed, whole=False)
    _read_unnumbered(store, cur, view, rows)
    if any(g.startswith("pt|registrants_supported|") for g in rows):
        rows.update(read_some(store, cur, view, ["g"]))
    made: dict[str, PositionSet] = {}
    state = kept_state(rows, params, made, years)
    figures = [f for f in cost_figures(state) if not f.id.startswith(RUNNING)]
    every = read_kind(store, cur, view, "b")
    every.update({g: body for g, body in rows.items() if kind_of(g) in ("b", "pb", "o", "e")})
    _read_unnumbered(store, cur, view, every)
    running = kept_state(every, attrs.evolve(params, grains=params.cumulative, unit_grains=()),
                         made, more=state.more)
    figures += [f for f in cost_figures(running) if f.id.startswith(RUNNING)]
    if not {f.id for f in figures} <= stored:  # a new period or scope: every figure again
        return _every_figure(_all(store, cur, view, add), params, changed, whole=False)
    parts = Parts(start)
    for kept in (state, running):
        for grp, number in kept.standins.items():
            parts.stored(made[grp], number)
    if state.more:
        parts.stored(state.more, more_part)
    write = changed | {g for g in made if g not in state.standins and g not in running.standins}
    both = {**every, **rows}
    return Refresh(tuple(figures), parts, True, lambda: numbered(both, write, state, parts), False)


def _read_unnumbered(store: Store, cur: Cursor, view: str, rows: Rows) -> None:
    """Read the positions of the groups in ``rows`` whose part has no number (yet)."""
    wanted = {"p" + g for g, body in rows.items()
              if kind_of(g) in ("b", "t") and body["n"] is None and "p" + g not in rows}
    if wanted:
        rows.update(read_some(store, cur, view, wanted))


def _all(store: Store, cur: Cursor, view: str, add: Rows) -> Rows:
    """Every stored group, positions too, with ``add``'s groups added."""
    rows = read_kind(store, cur, view, *MONTHLY, *GLOBAL, "g", "pb", "pt", "h")
    merge(rows, add)
    return rows
