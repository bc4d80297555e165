"""Persisted, incremental views of a ledger: exactly-once, resumable, rebuilt blue/green.

``PersistedViews(ledger)`` keeps two kinds of view in a store beside the ledger (the file
``X.db.views`` for a SQLite ledger ``X.db``; ``views_*`` tables in a PostgreSQL ledger's
schema; see :mod:`legacyledger.views.store.backends`):

* ``current_facts``: every fact as it now stands (corrections applied, voided facts gone,
  voided corrections undone), truly incremental. :meth:`~PersistedViews.catch_up` applies the
  facts recorded since the tracked position in batches, each batch in one transaction with
  the move of the tracked position.
* figure snapshots: every family's figures for one (as_of, params), at a position.
  :meth:`~PersistedViews.refresh` recomputes only the families that can use a fact recorded
  since (``FAMILIES[f].names``), the others just move their position; one transaction moves
  them all. The costs family keeps its group state beside its snapshot
  (:mod:`~legacyledger.views.store.costs`): a new cost, funding, time log or contact is
  added to its groups and only the figures of the financial years it touches are made
  again, without reading the ledger; anything else that reaches costs (a correction, a void,
  a pay rate, an enrolment, a plan, a delivery, a cancellation), a new day for a view of
  ``today``, or a snapshot far behind is a full build. Retention, reach and compliance are
  still folded from the ledger when stale.
* :meth:`~PersistedViews.update` does both, as ``follow`` does: the facts recorded since the
  tracked position are read once, and the last batch of them is applied in the same
  transaction as the snapshots' move (one commit for a fact recorded).

Exactly-once: a transaction first moves the tracked position with ``UPDATE … SET position =
new WHERE position = old``. If another worker moved it first, no row matches (on PostgreSQL
the row lock makes the second worker wait for the first one's commit, then re-check), and
the whole transaction rolls back: a batch is applied by one worker, once. A crash of the
process loses only the uncommitted batch; the next run starts from the tracked position. The
views' commits do not wait for the disk (SQLite: WAL with ``synchronous=NORMAL``; PostgreSQL:
``synchronous_commit = off``), so a crash of the machine or the database server can also lose
their last committed transactions, never part of one: the views are then whole at an earlier
tracked position, and the next run applies those facts again (the ledger's own commits wait).

Sealed: every row carries a seal keyed by the ledger (:mod:`~legacyledger.views.store.seals`);
a row that fails its seal is never served (reports and ``explain`` compute from the facts) nor
built on (``follow`` builds the views again from the facts).

:func:`~legacyledger.views.follow.follow` is the worker loop behind ``legacyledger follow``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from legacyledger.projections.base import CORRECTIONS, FactRecord, Figure
from legacyledger.projections.costs import NAMES as COST_NAMES
from legacyledger.views.families import FAMILIES, build_views
from legacyledger.views.store import costs
from legacyledger.views.store.backends import (
    CURRENT_FACTS,
    Cursor,
    ForeignViews,
    LostRace,
    Store,
    anchor_to_chain,
    select_in,
)
from legacyledger.views.store.location import store_exists, store_for
from legacyledger.views.store.rows import FactsBatch, target_names
from legacyledger.views.store.seals import EditedViews
from legacyledger.views.store.snapshots import (
    Params,
    Snapshot,
    SnapshotWrite,
    names_between,
    select_figure,
    select_figures,
    select_snapshots,
    snapshot_write,
    view_name,
    write_snapshots,
)

if TYPE_CHECKING:
    from legacyledger.views.source import LedgerReader

__all__ = [
    "EditedViews",
    "ForeignViews",
    "Params",
    "PersistedViews",
    "Reading",
    "Snapshot",
    "Status",
    "Updated",
    "current_or_built",
    "persisted_figure",
]


class Reading(NamedTuple):
    """A family's persisted figures, the position they reflect, and whether that is the head."""

    figures: tuple[Figure, ...]
    position: int | None
    current: bool
    #: Why the stored figures were not read: a row changed outside legacyledger.
    edited: str | None = None


class Status(NamedTuple):
    """Where the persisted views stand against the ledger's head."""

    head: int
    tracked: int
    snapshots: tuple[Snapshot, ...]
    #: Views built from another ledger history (their position's chain link differs).
    other_history: tuple[str, ...] = ()
    #: A row whose seal fails (changed outside legacyledger): nothing is served until a
    #: rebuild.
    edited: str | None = None

    @property
    def behind(self) -> int:
        return max(self.head - self.tracked, 0)


class PersistedViews:
    """The persisted views of one ledger (see the module docstring)."""

    def __init__(self, ledger: LedgerReader, store: Store | None = None) -> None:
        self.ledger = ledger
        self.store = store if store is not None else store_for(ledger)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> PersistedViews:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- current facts --------------------------------------------------------------------

    def tracked(self) -> int:
        """The position the current facts reflect."""
        with self.store.read() as cur:
            return self.store.tracked(cur)

    def catch_up(self, batch: int = 5000, stop: int | None = None,
                 should_stop: Callable[[], bool] = lambda: False,
                 on_batch: Callable[[int, int], None] | None = None) -> int:
        """Apply the facts after the tracked position up to ``stop`` (default: the head),
        ``batch`` per transaction; returns the tracked position."""
        target = self.ledger.head() if stop is None else stop
        tracked = self.tracked()
        if self.from_another_history(CURRENT_FACTS, tracked):
            raise ForeignViews(
                f"the persisted views in {self.store.where} were built from another ledger "
                f"history (its hash chain differs at position {tracked}): run "
                "`legacyledger views rebuild`"
            )
        while tracked < target and not should_stop():
            records = list(itertools.islice(
                self.ledger.records(start=tracked, stop=target, batch=batch), batch))
            upto = records[-1].position if len(records) == batch else target
            if self.apply(records, tracked, upto) and on_batch is not None:
                on_batch(upto, target)
            tracked = self.tracked()
        return tracked

    def apply(self, records: list[FactRecord], after: int, upto: int) -> bool:
        """Apply the facts in (after, upto] and move the tracked position from ``after`` to
        ``upto``, in one transaction; False (nothing applied) if ``after`` is no longer the
        tracked position, i.e. another worker applied them."""
        write = self._apply(records, after, upto, self.ledger.chain_link(upto))
        return write_snapshots(self.store, [write])[0]

    def _apply(self, records: list[FactRecord], after: int, upto: int,
               link: str | None) -> SnapshotWrite:
        """:meth:`apply` as a write to run in a transaction (:class:`LostRace` if ``after``
        is no longer the tracked position); ``link``: the ledger's chain link at ``upto``."""
        def write(cur: Cursor) -> None:
            if self.store.tracked(cur) != after:
                raise LostRace(after)
            cur.execute(
                f"UPDATE {self.store.table('tracking')} SET position = ?, seal = ? "
                "WHERE view = ? AND position = ?",
                (*self.store.tracking_row(CURRENT_FACTS, upto)[1:], CURRENT_FACTS, after),
            )
            if cur.rowcount != 1:
                raise LostRace(after)
            FactsBatch(self.store, cur).apply_all(records)
            anchor_to_chain(cur, self.store, CURRENT_FACTS, upto, link)

        return write

    def update(self, as_of: date | None = None, params: Params | None = None,
               position: int | None = None, batch: int = 5000,
               should_stop: Callable[[], bool] = lambda: False,
               on_batch: Callable[[int, int], None] | None = None) -> Updated:
        """Bring the current facts and the figure snapshots of (as_of, params) to
        ``position`` (default: the head), as :meth:`catch_up` then :meth:`refresh` do, but
        with the last batch of facts applied in the same transaction as the snapshots' move:
        one commit, and the facts read once, when a few facts were recorded (what ``follow``
        does). Stopped by ``should_stop`` between batches, it refreshes nothing."""
        head = self.ledger.head() if position is None else position
        tracked = self.catch_up(batch, max(head - batch, 0), should_stop, on_batch)
        if should_stop():
            return Updated(tracked, [])
        since = None
        if tracked < head:
            since = _Since(tracked, head, list(self.ledger.records(start=tracked, stop=head,
                                                                   batch=batch)))
        families, applied = self._refresh(as_of, params, head, None, since)
        if since is None:
            return Updated(tracked, families)
        if not applied:  # another worker applied them first
            return Updated(self.tracked(), families)
        if on_batch is not None:
            on_batch(head, head)
        return Updated(head, families)

    # -- figure snapshots -----------------------------------------------------------------

    def refresh(self, as_of: date | None = None, params: Params | None = None,
                position: int | None = None, families: Iterable[str] | None = None) -> list[str]:
        """Bring the figure snapshots of (as_of, params) to ``position`` (default: the head);
        returns the families recomputed (the others only moved their position)."""
        position = self.ledger.head() if position is None else position
        return self._refresh(as_of, params, position, families, None)[0]

    def _refresh(self, as_of: date | None, params: Params | None, position: int,
                 families: Iterable[str] | None, since: _Since | None) -> tuple[list[str], bool]:
        """:meth:`refresh`; with ``since``, the facts not yet applied to the current facts,
        applied in the same transaction (and read from there rather than from the ledger
        again). Also returns whether they were applied (by this call, not another worker)."""
        day = as_of or date.today()
        stale: dict[str, int | None] = {}
        moved: dict[str, int] = {}
        names: dict[int, frozenset[str]] = {}
        chosen = list(families or FAMILIES)
        recomputed: list[str] = []
        writes: list[SnapshotWrite] = []
        link = self.ledger.chain_link(position)
        if since is not None:
            writes.append(self._apply(since.records, since.after, since.upto, link))
        known = self._known([view_name(f, as_of, params) for f in chosen], since)
        if "costs" in chosen:
            chosen.remove("costs")
            write, again = self._refresh_costs(as_of, day, params, position, link, known)
            writes += [] if write is None else [write]
            recomputed += ["costs"] if again else []
        for family in chosen:
            snapshot = known.snapshots.get(view_name(family, as_of, params))
            if snapshot is None or snapshot.as_of != day or known.foreign(snapshot):
                stale[family] = None if snapshot is None else snapshot.position
                continue
            if snapshot.position >= position:
                continue
            if snapshot.position not in names:
                names[snapshot.position] = self._reached(
                    snapshot.position, position, known.names_between(snapshot.position, position),
                    known)
            wanted = FAMILIES[family].names(
                FAMILIES[family].params(day, self.ledger, position,
                                        **dict((params or {}).get(family, {}))))
            seen = names[snapshot.position]
            if seen and (wanted is None or seen & wanted):
                stale[family] = snapshot.position
            else:
                moved[family] = snapshot.position
        views = build_views(self.ledger, day, position, list(stale), params) if stale else None
        for family, old in stale.items():
            assert views is not None
            figures = [f for f in views.by_id.values() if f.id.partition(".")[0] == family]
            writes.append(snapshot_write(self.store, family, as_of, day, params, old, position,
                                         figures, link))
        for family, old in moved.items():
            writes.append(snapshot_write(self.store, family, as_of, day, params, old, position,
                                         None, link))
        done = write_snapshots(self.store, writes) if writes else []  # one commit for all
        recomputed = [f for f in (families or FAMILIES) if f in stale or f in recomputed]
        return recomputed, since is not None and done[0]

    def _reached(self, after: int, upto: int, names: frozenset[str],
                 known: _Known) -> frozenset[str]:
        """The names of the facts recorded in (after, upto] and of those their corrections
        and voids reach, in place of the corrections' own names (kept when a target is not
        found): a correction matters to a family only if the fact it reaches does."""
        if not names & CORRECTIONS:
            return names
        refs = {r.fact["target"] for r in known.records(after, upto, CORRECTIONS)}
        with self.store.read() as cur:
            reached = target_names(self.store, cur, self.ledger, refs)
        return names if reached is None else (names - CORRECTIONS) | reached

    def _known(self, views: list[str], since: _Since | None = None) -> _Known:
        """The snapshots of ``views`` and their chain anchors, read in one transaction."""
        with self.store.read() as cur:
            snapshots = {s.view: s for s in select_snapshots(self.store, cur) if s.view in views}
            pins = {view: (int(p), link) for view, p, link in select_in(
                cur, f"SELECT view, position, link FROM {self.store.table('pins')} WHERE",
                "view", views)}
        return _Known(snapshots, pins, self.ledger, since)

    def _refresh_costs(self, as_of: date | None, day: date, params: Params | None,
                       position: int, link: str | None,
                       known: _Known) -> tuple[SnapshotWrite | None, bool]:
        """The write that brings the costs snapshot of (as_of, params) to ``position`` from
        its group state (see :mod:`legacyledger.views.store.costs`), if it must move; and
        whether its figures were recomputed."""
        view = view_name("costs", as_of, params)
        own = dict((params or {}).get("costs", {}))
        cost_params = FAMILIES["costs"].params(day, self.ledger, position, **own)
        snapshot = known.snapshots.get(view)
        old = None if snapshot is None else snapshot.position
        plan = None
        if (snapshot is not None and snapshot.as_of == day
                and position - snapshot.position <= costs.INCREMENT_LIMIT
                and not known.foreign(snapshot)):
            if snapshot.position >= position:
                return None, False
            with self.store.read() as cur:
                found = costs.read_some(self.store, cur, view, ["O", "A"])
            # the groups are the snapshot's (a writer that knew no groups did not move it)
            kept = "O" in found and found.get("A", {}).get("at") == snapshot.position
            new = known.records(snapshot.position, position,
                                COST_NAMES | CORRECTIONS) if kept else []
            if new and any(r.fact["fact"] in CORRECTIONS for r in new):
                reached = self._reached(snapshot.position, position, CORRECTIONS, known)
                if not reached & (COST_NAMES | CORRECTIONS):  # no cost fact was amended
                    new = [r for r in new if r.fact["fact"] not in CORRECTIONS]
            if kept and not new:
                return snapshot_write(
                    self.store, "costs", as_of, day, params, old, position, None, link,
                    lambda cur: costs.write_groups(self.store, cur, view, costs.at(position),
                                                   False)), False
            if kept and costs.additive(new):
                with self.store.read() as cur:
                    plan = costs.step(self.store, cur, view, new, cost_params)
        if plan is None:
            plan = costs.build(self.ledger.records(stop=position), cost_params)
        done = plan
        return snapshot_write(
            self.store, "costs", as_of, day, params, old, position, plan.figures, link,
            lambda cur: costs.write_groups(self.store, cur, view,
                                           {**done.groups(), **costs.at(position)}, done.whole),
            parts=plan.parts, some=plan.some), True

    def from_another_history(self, view: str, position: int) -> bool:
        """Whether ``view`` at ``position`` was built from another ledger history: its pinned
        chain link differs from the ledger's there (views from before chain anchors: not)."""
        if position <= 0:
            return False
        with self.store.read() as cur:
            cur.execute(f"SELECT position, link FROM {self.store.table('pins')} WHERE view = ?",
                        (view,))
            row = cur.fetchone()
        if row is None or int(row[0]) != position:
            return False
        return bool(row[1] != self.ledger.chain_link(position))

    def snapshot(self, view: str) -> Snapshot | None:
        with self.store.read() as cur:
            rows = select_snapshots(self.store, cur, view)
        return rows[0] if rows else None

    def read(self, family: str, as_of: date | None = None,
             params: Params | None = None) -> Reading:
        """A family's persisted figures (derivations known at the snapshot's position), that
        position, and whether it is current (the ledger head, and today for ``as_of=None``)."""
        view = view_name(family, as_of, params)
        with self.store.read() as cur:
            try:
                found = select_snapshots(self.store, cur, view)
                if not found:
                    return Reading((), None, False)
                snapshot = found[0]
                figures = select_figures(self.store, cur, snapshot)
            except EditedViews as edited:
                return Reading((), None, False, str(edited))
        day = as_of or date.today()
        current = (snapshot.position == self.ledger.head() and day == snapshot.as_of
                   and not self.from_another_history(view, snapshot.position))
        return Reading(figures, snapshot.position, current)

    def figure(self, figure_id: str, as_of: date | None = None,
               params: Params | None = None) -> Figure | None:
        """One persisted figure, only if its family's snapshot is current (the ledger head,
        and today for ``as_of=None``); else None. Reads one row, whatever the ledger's size."""
        view = view_name(figure_id.partition(".")[0], as_of, params)
        with self.store.read() as cur:
            try:
                found = select_snapshots(self.store, cur, view)
                if not found:
                    return None
                snapshot = found[0]
                if (snapshot.position != self.ledger.head()
                        or snapshot.as_of != (as_of or date.today())):
                    return None
                figure = select_figure(self.store, cur, view, figure_id, snapshot.position)
            except EditedViews:  # not served: the figure is computed from the facts
                return None
        return None if self.from_another_history(view, snapshot.position) else figure

    def status(self) -> Status:
        """Where the views stand; ``edited`` says what was changed outside legacyledger."""
        try:
            with self.store.read() as cur:
                tracked = self.store.tracked(cur)
                snapshots = tuple(select_snapshots(self.store, cur))
                for snapshot in snapshots:
                    select_figures(self.store, cur, snapshot)
        except EditedViews as edited:
            return Status(self.ledger.head(), 0, (), (), str(edited))
        other_history = tuple(
            view for view, position in [(CURRENT_FACTS, tracked),
                                        *((s.view, s.position) for s in snapshots)]
            if self.from_another_history(view, position)
        )
        return Status(self.ledger.head(), tracked, snapshots, other_history)

    # -- rebuild ------------------------------------------------------------------------

    def rebuild(self, batch: int = 5000) -> int:
        """Build every view from scratch into a new store (the same figure views as now, at
        one position), then swap it in whole; returns that position. Readers of the old store
        keep a consistent view; later readers see the new one."""
        with self.store.read() as cur:
            cur.execute(f"SELECT family, view, {self.store.json('params')} "
                        f"FROM {self.store.table('snapshots')}")
            groups: dict[tuple[str, str], dict[str, Any]] = {}
            for family, view, own in cur.fetchall():
                as_of = view.partition("@")[2].partition("?")[0]
                groups.setdefault((as_of, orjson.dumps(sorted(orjson.loads(own).items())).decode()),
                                  {})[family] = orjson.loads(own)
        with self.store.rebuild_lock():
            position = self.ledger.head()
            new = PersistedViews(self.ledger, self.store.fresh())
            new.catch_up(batch, stop=position)
            for (as_of, _), by_family in groups.items():
                day = None if as_of == "today" else date.fromisoformat(as_of)
                new.refresh(day, by_family, position, list(by_family))
            self.store.swap_in(new.store)
        return position


class Updated(NamedTuple):
    """What :meth:`PersistedViews.update` did: the tracked position of the current facts
    now, and the families whose figures were recomputed."""

    tracked: int
    families: list[str]


class _Since(NamedTuple):
    """The facts recorded in (after, upto], read once: to apply to the current facts, and to
    tell a refresh from ``after`` what changed."""

    after: int
    upto: int
    records: list[FactRecord]


class _Known(NamedTuple):
    """What a refresh reads of the store first: snapshots and chain anchors, by view; and
    the facts recorded since the tracked position, when already read."""

    snapshots: dict[str, Snapshot]
    pins: dict[str, tuple[int, str | None]]
    ledger: LedgerReader
    since: _Since | None = None

    def _read(self, after: int, upto: int) -> list[FactRecord] | None:
        since = self.since
        return since.records if since is not None and (since.after, since.upto) == (
            after, upto) else None

    def names_between(self, after: int, upto: int) -> frozenset[str]:
        """The names of the facts recorded in (after, upto]."""
        read = self._read(after, upto)
        if read is None:
            return names_between(self.ledger, after, upto)
        return frozenset(r.fact["fact"] for r in read)

    def records(self, after: int, upto: int, names: frozenset[str]) -> list[FactRecord]:
        """The facts named ``names`` recorded in (after, upto], in ledger order."""
        read = self._read(after, upto)
        if read is None:
            return list(self.ledger.records(start=after, stop=upto, names=names))
        return [r for r in read if r.fact["fact"] in names]

    def foreign(self, snapshot: Snapshot) -> bool:
        """As :meth:`PersistedViews.from_another_history`, from the anchors read."""
        pin = self.pins.get(snapshot.view)
        if snapshot.position <= 0 or pin is None or pin[0] != snapshot.position:
            return False
        return bool(pin[1] != self.ledger.chain_link(snapshot.position))


def persisted_figure(ledger: LedgerReader, figure_id: str, as_of: date | None = None,
                     params: Params | None = None) -> Figure | None:
    """The figure from the persisted views when they are current for it, else None (and
    None when there are no persisted views)."""
    if not store_exists(ledger):
        return None
    with PersistedViews(ledger) as views:
        return views.figure(figure_id, as_of, params)


def current_or_built(ledger: LedgerReader, family: str, as_of: date | None = None,
                     params: Params | None = None) -> tuple[tuple[Figure, ...], int, str]:
    """Figures for a report: the persisted ones when current, else computed now; with the
    position they reflect and where they came from (``"persisted"`` or ``"computed"``)."""
    reading = Reading((), None, False)
    if store_exists(ledger):
        with PersistedViews(ledger) as views:
            reading = views.read(family, as_of, params)
    if reading.current and reading.position is not None:
        return reading.figures, reading.position, "persisted"
    built = build_views(ledger, as_of, families=[family], params=params)
    return built.figures, built.known_at, "computed"
