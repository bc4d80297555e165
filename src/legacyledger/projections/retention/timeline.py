"""From facts to per-registrant timelines: the first half of the retention fold.

One pass over the ledger keeps only the facts retention needs (chosen by name, so every other
fact costs one set look-up) and applies corrections and voids
(:class:`~legacyledger.projections.tables.EffectiveTables`, the same result as ``EffectiveFacts``);
then what is left is grouped by registrant. Facts dated after ``as_of`` are dropped, so a
timeline is exactly what was in force on the cut-off date, and its ``positions`` are every
ledger position behind it (originals, corrections and voids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from legacyledger.domain import Partnership, Registrant
from legacyledger.projections.base import CORRECTIONS, FactRecord
from legacyledger.projections.periods import parse_date
from legacyledger.projections.tables import EffectiveTables, Table

_EMPLOYMENT_STATUS_CHANGED = Registrant.EmploymentStatusChanged.FACT
_MENTOR_MATCHED = Registrant.MentorMatched.FACT
_ORGANISATION_JOINED = Partnership.OrganisationJoined.FACT
_REGISTRANT_ENROLLED = Registrant.Enrolled.FACT

REGISTRANT_CHANGES = frozenset(
    {Registrant.Moved.FACT, Registrant.Left.FACT, Registrant.Rejoined.FACT,
     Registrant.FollowUpEnded.FACT}
)
ORGANISATION_FACTS = frozenset({Partnership.OrganisationJoined.FACT,
                                Partnership.OrganisationLeft.FACT})
CHANGE_FACTS = REGISTRANT_CHANGES | {Registrant.EmploymentStatusChanged.FACT}


def relevant_names(anchor: str, count_leave: bool, scope: str) -> frozenset[str]:
    """Only the facts that can change a retention figure under these parameters."""
    names = {_REGISTRANT_ENROLLED, *REGISTRANT_CHANGES, *CORRECTIONS}
    names |= {_MENTOR_MATCHED} if anchor == "matched_on" else set()
    names |= {_EMPLOYMENT_STATUS_CHANGED} if count_leave else set()
    return frozenset(names | (ORGANISATION_FACTS if scope == "system" else set()))


@attrs.frozen
class Change:
    on: date
    position: int
    name: str
    fact: Mapping[str, Any]


@attrs.frozen
class Timeline:
    registrant: str
    partnership: str
    profession: str
    employer: str
    setting: str
    comparator: bool
    registered_on: date
    in_post_since: date
    enrolled_on: date
    matched_on: date | None
    changes: tuple[Change, ...]
    positions: tuple[int, ...]


@attrs.frozen
class Memberships:
    """Which organisations belonged to which partnership when: ``(partnership, org)`` →
    dated ``(on, position, joined)`` steps, with the positions behind them."""

    steps: Mapping[tuple[str, str], tuple[tuple[date, int, bool], ...]]
    positions: Mapping[tuple[str, str], tuple[int, ...]]

    def member(self, partnership: str, org: str, day: date) -> bool:
        joined = False
        for on, _, step in self.steps.get((partnership, org), ()):
            if on > day:
                break
            joined = step
        return joined


def collect(
    records: Iterable[FactRecord], as_of: date, names: frozenset[str]
) -> tuple[tuple[Timeline, ...], Memberships]:
    return collect_settled(EffectiveTables.of(records, names), as_of, names)


def collect_settled(
    settled: EffectiveTables, as_of: date, names: frozenset[str]
) -> tuple[tuple[Timeline, ...], Memberships]:
    """Timelines from facts already settled (only ``names`` are read)."""
    cutoff, more = as_of.isoformat(), settled.more
    positions: defaultdict[str, list[int]] = defaultdict(list)
    enrolments: dict[str, int] = {}
    table = settled.table(_REGISTRANT_ENROLLED)
    if _REGISTRANT_ENROLLED in names:
        for row, (p, on, key) in enumerate(table.rows("on", "registrant")):
            if on <= cutoff:
                positions[key].extend(more.get(p) or (p,))
                enrolments[key] = row
    matched: dict[str, date] = {}
    if _MENTOR_MATCHED in names:
        for p, on, key in settled.table(_MENTOR_MATCHED).rows("on", "registrant"):
            if on <= cutoff:
                positions[key].extend(more.get(p) or (p,))
                day = parse_date(on)
                matched[key] = min(matched.get(key, day), day)
    changes: defaultdict[str, list[Change]] = defaultdict(list)
    for name in sorted(names & CHANGE_FACTS):
        changed = settled.table(name)
        for row, (p, on, key) in enumerate(changed.rows("on", "registrant")):
            if on <= cutoff:
                positions[key].extend(more.get(p) or (p,))
                changes[key].append(Change(parse_date(on), p, name, changed.fact(row, ref=False)))
    orgs: defaultdict[tuple[str, str], list[tuple[date, int, bool]]] = defaultdict(list)
    org_positions: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for name in sorted(names & ORGANISATION_FACTS):
        for p, on, partnership, org in settled.table(name).rows("on", "partnership", "org"):
            if on <= cutoff:
                key2 = (str(partnership), str(org))
                orgs[key2].append((parse_date(on), p, name == _ORGANISATION_JOINED))
                org_positions[key2].extend(more.get(p) or (p,))
    for name, fields, voided in settled.voided.values():
        if name in names and fields.get("registrant") is not None:
            positions[str(fields["registrant"])].extend(voided)
    timelines = tuple(
        _timeline(key, table, row, changes.get(key, ()), matched.get(key), positions[key], more)
        for key, row in sorted(enrolments.items())
    )
    memberships = Memberships(
        {k: tuple(sorted(v)) for k, v in orgs.items()},
        {k: tuple(sorted(v)) for k, v in org_positions.items()},
    )
    return timelines, memberships


def _timeline(
    key: str,
    table: Table,
    row: int,
    changes: Iterable[Change],
    matched_on: date | None,
    positions: list[int],
    more: Mapping[int, tuple[int, ...]],
) -> Timeline:
    f = table.fact(row, ref=False)
    return Timeline(
        registrant=key,
        partnership=str(f["partnership"]),
        profession=str(f["profession"]),
        employer=str(f["employer"]),
        setting=str(f["setting"]),
        comparator=bool(f["comparator"]),
        registered_on=parse_date(f["registered_on"]),
        in_post_since=parse_date(f["in_post_since"]),
        enrolled_on=parse_date(f["on"]),
        matched_on=matched_on,
        changes=tuple(sorted(changes, key=lambda c: (c.on, c.position))),
        positions=tuple(sorted(set(positions))),
    )
