"""The figures of a ledger: every projection folded as known at a position.

``build_views(ledger, as_of=…, known_at=…)`` feeds each projection the stored facts up to the
knowledge cut-off ``known_at`` (a ledger position or a recorded time) and folds them for the
business cut-off ``as_of``. Every figure comes back with its derivation's ``known_at`` set, so
it can be recomputed later exactly as it was (``explain``), or compared across two cut-offs
(``diff``), naming the facts that changed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from legacyledger.domain import Mentor, Registrant
from legacyledger.domain.framework import Framework as FrameworkSubject
from legacyledger.domain.values import check_day
from legacyledger.projections.base import CORRECTIONS, FactRecord, Figure
from legacyledger.projections.compliance import NAMES as COMPLIANCE_NAMES
from legacyledger.projections.compliance import (
    ComplianceParams,
    compliance_from_settled,
    project_compliance,
)
from legacyledger.projections.costs import NAMES as COST_NAMES
from legacyledger.projections.costs import (
    CostFold,
    CostParams,
    Deferred,
    costs_from_settled,
    project_costs,
)
from legacyledger.projections.costs.restate import REPRICING
from legacyledger.projections.reach import KEPT as REACH_NAMES
from legacyledger.projections.reach import ReachParams, project_reach, reach_from_settled
from legacyledger.projections.retention import (
    RetentionParams,
    project_retention,
    retention_from_settled,
)
from legacyledger.projections.retention.timeline import relevant_names
from legacyledger.projections.tables import EffectiveTables

if TYPE_CHECKING:
    from legacyledger.views.source import LedgerReader

#: Facts that make up most of a ledger.
BULKY = frozenset({Mentor.TimeLogged.FACT, Registrant.MentoringContactRecorded.FACT})

#: ``replay()``: the records again (a fold that keeps history, e.g. cost restatements, reads
#: them only when asked).
Replay = Callable[[], Iterable[FactRecord]]


@attrs.frozen
class Family:
    """One projection: how to parameterise it and which facts it can use.

    ``params(as_of, ledger, position, **options)`` makes its parameters as known at ledger
    ``position``; ``project(records, params)`` folds records; ``settled(facts, params, replay)``
    folds the facts of ``reads(params)`` already settled (``build_views`` reads and settles the
    ledger once for every family).
    """

    project: Callable[[Iterable[FactRecord], Any], Any]
    params: Callable[..., Any]
    names: Callable[[Any], frozenset[str] | None] = lambda params: None
    settled: Callable[[EffectiveTables, Any, Replay], Any] | None = None
    reads: Callable[[Any], frozenset[str]] = lambda params: frozenset()


def _compliance_params(
    as_of: date, ledger: LedgerReader, position: int, **options: Any
) -> ComplianceParams:
    """Judged against the frameworks as known at ``position`` (shipped, given and recorded)."""
    options.setdefault("registry", ledger.frameworks_at(position))
    return ComplianceParams(as_of=as_of, **options)


def _retention(settled: EffectiveTables, params: RetentionParams, replay: Replay) -> Any:
    return retention_from_settled(settled, params)


def _costs(settled: EffectiveTables, params: CostParams, replay: Replay) -> Any:
    later = Deferred(lambda: tuple(CostFold(params).extend(replay()).tracker.rows))
    repricings = Deferred(
        lambda: tuple(CostFold(params, only=REPRICING).extend(replay()).tracker.rows)
    )
    return costs_from_settled(settled, params, later, repricings)


def _compliance(settled: EffectiveTables, params: ComplianceParams, replay: Replay) -> Any:
    return compliance_from_settled(settled, params)


def _reach(settled: EffectiveTables, params: ReachParams, replay: Replay) -> Any:
    return reach_from_settled(settled, params)


def _retention_names(params: RetentionParams) -> frozenset[str]:
    return relevant_names(params.anchor, params.count_leave_as_leaving, params.scope)


FAMILIES: Mapping[str, Family] = {
    "retention": Family(
        project_retention,
        lambda as_of, ledger, position, **o: RetentionParams(as_of=as_of, **o),
        _retention_names,
        _retention,
        _retention_names,
    ),
    "costs": Family(
        project_costs,
        lambda as_of, ledger, position, **o: CostParams(as_of=as_of, **o),
        lambda p: COST_NAMES | CORRECTIONS,
        _costs,
        lambda p: COST_NAMES,
    ),
    "compliance": Family(
        project_compliance,
        _compliance_params,
        lambda p: COMPLIANCE_NAMES | CORRECTIONS | {FrameworkSubject.Loaded.FACT},
        _compliance,
        lambda p: COMPLIANCE_NAMES,
    ),
    "reach": Family(
        project_reach,
        lambda as_of, ledger, position, **o: ReachParams(as_of=as_of, **o),
        lambda p: REACH_NAMES | CORRECTIONS,
        _reach,
        lambda p: REACH_NAMES,
    ),
}


@attrs.frozen
class Views:
    """Every family's view, and all their figures by id, as known at ``known_at``."""

    as_of: date
    known_at: int
    families: Mapping[str, Any]
    by_id: Mapping[str, Figure]

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure of the views, family by family."""
        return tuple(self.by_id.values())

    def figure(self, figure_id: str) -> Figure:
        """The figure with this id; an unknown id raises ``KeyError`` naming the cut-offs."""
        try:
            return self.by_id[figure_id]
        except KeyError:
            raise KeyError(
                f"no figure {figure_id!r} (as of {self.as_of}, known at {self.known_at})"
            ) from None

    def __getitem__(self, family: str) -> Any:
        return self.families[family]


def family_of(figure_id: str) -> str:
    family = figure_id.partition(".")[0]
    if family not in FAMILIES:
        raise KeyError(f"figure ids start with one of {', '.join(FAMILIES)}: {figure_id!r}")
    return family


def resolve_known_at(ledger: LedgerReader, known_at: int | datetime | str | None) -> int:
    """A knowledge cut-off as a ledger position: positions pass through, times are looked up.

    A position beyond the ledger's head is a ValueError: nothing was known there yet, and
    answering as of the head would label today's figures with a position never reached.
    """
    if known_at is None:
        return ledger.head()
    if isinstance(known_at, str):
        known_at = int(known_at) if known_at.isdigit() else datetime.fromisoformat(known_at)
    if isinstance(known_at, datetime):
        moment = known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC)
        return ledger.position_at(moment.astimezone(UTC))
    position, head = int(known_at), ledger.head()
    if position > head:
        raise ValueError(f"known_at {position} is beyond the ledger's last position ({head})")
    return position


def build_views(
    ledger: LedgerReader,
    as_of: date | None = None,
    known_at: int | datetime | str | None = None,
    families: Iterable[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> Views:
    """Fold each family over the facts known at ``known_at``, for business date ``as_of``.

    The ledger is read once: the facts any chosen family can use are settled (corrections
    applied, see :class:`~legacyledger.projections.tables.EffectiveTables`) and every family folds
    from them.
    """
    as_of = check_day(as_of or date.today(), "as_of")
    position = resolve_known_at(ledger, known_at)
    chosen = [(name, FAMILIES[name]) for name in families or FAMILIES]
    prepared = [
        (name, family,
         family.params(as_of, ledger, position, **dict((params or {}).get(name, {}))))
        for name, family in chosen
    ]
    reads = frozenset().union(*(family.reads(p) for _, family, p in prepared))
    # Filtering in SQL saves decoding the rest, but costs a test on every row: worth it
    # only when the bulky facts (time logs, contacts) are not wanted.
    names = reads | CORRECTIONS if BULKY.isdisjoint(reads) else None
    settled = EffectiveTables(reads).extend(ledger.records(stop=position, names=names)).finish()
    views: dict[str, Any] = {}
    by_id: dict[str, Figure] = {}
    for name, family, family_params in prepared:
        replay = _replay(ledger, position, family.names(family_params))
        assert family.settled is not None
        views[name] = view = family.settled(settled, family_params, replay)
        for figure in view.figures:
            derivation = figure.derivation.with_known_at(position)
            by_id[figure.id] = attrs.evolve(figure, derivation=derivation)
    del settled
    return Views(as_of, position, views, by_id)


def _replay(ledger: LedgerReader, position: int, names: frozenset[str] | None) -> Replay:
    """The family's records again, for a fold that keeps history (read only when asked)."""
    return lambda: ledger.records(stop=position, names=names)


def rebuild_all(ledger: LedgerReader, as_of: date | None = None) -> Mapping[str, Any]:
    """Every view from scratch, as of ``as_of`` (benchmarks and ``replay`` use it)."""
    return build_views(ledger, as_of).families


def figure_ids(ledger: LedgerReader, as_of: date | None = None) -> list[str]:
    return list(build_views(ledger, as_of).by_id)


def iter_figures(views: Views, prefix: str = "") -> Iterator[Figure]:
    return (f for f in views.figures if f.id.startswith(prefix))
