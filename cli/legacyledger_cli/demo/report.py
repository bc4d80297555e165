"""The summary ``legacyledger demo`` prints: a list of sections others can extend.

A section is a function ``(run: DemoRun) -> Iterable[str]`` registered with
:func:`section`; sections print in registration order, each followed by a blank line.
``run.tally`` is one pass over the ledger's effective facts, shared by every section;
a section that needs a projection folds ``run.ledger.records()`` itself, e.g.::

    @section
    def retention(run: DemoRun) -> Iterable[str]:
        view = project_retention(run.ledger.records(), params)
        yield heading("Retention")
        ...
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from legacyledger import FactRecord, ImportResult, Ledger
from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.domain.values import financial_year_of
from legacyledger.projections.base import effective_facts
from legacyledger_cli.query import KINDS, subject_of
from legacyledger_cli.render import heading, plural, table

_EVENT_PLANNED = ProgrammeEvent.Planned.FACT
_MENTOR_ENROLLED = Mentor.Enrolled.FACT
_MENTOR_WITHDREW = Mentor.Withdrew.FACT
_PARTNERSHIP_FORMED = Partnership.Formed.FACT
_REGISTRANT_ENROLLED = Registrant.Enrolled.FACT
_REGISTRANT_LEFT = Registrant.Left.FACT


@attrs.define(slots=False)
class DemoRun:
    """One demo: what was generated, how the import went, and the ledger to read."""

    ledger: Ledger
    path: Path
    written: int
    result: ImportResult
    #: Seconds per step, in the order they ran (``generate``, ``import``, ``summarise``...).
    timings: dict[str, float] = attrs.Factory(dict)

    @functools.cached_property
    def tally(self) -> Tally:
        start = time.perf_counter()
        tally = Tally.of(self.ledger.records())
        self.timings["summarise"] = time.perf_counter() - start
        return tally


@attrs.define
class Tally:
    """Counts from one pass: stored facts by kind and name; the rest after corrections."""

    facts: Counter[tuple[str, str]] = attrs.Factory(Counter)
    partnerships: dict[str, dict[str, Any]] = attrs.Factory(dict)
    cohorts: Counter[tuple[str, str]] = attrs.Factory(Counter)
    leavers: Counter[str] = attrs.Factory(Counter)
    withdrawn: int = 0
    #: The latest business date of any stored fact (ISO text), "" for an empty ledger.
    last_on: str = ""

    @classmethod
    def of(cls, records: Iterable[FactRecord]) -> Tally:
        tally = cls()
        stored = (tally.count(r) for r in records)
        for fact in effective_facts(stored):
            tally.add(fact.fact)
        return tally

    def count(self, record: FactRecord) -> FactRecord:
        self.facts[subject_of(record.fact)[0], record.fact["fact"]] += 1
        self.last_on = max(self.last_on, record.fact["on"])
        return record

    def add(self, fact: Mapping[str, Any]) -> None:
        name = fact["fact"]
        if name == _PARTNERSHIP_FORMED:
            self.partnerships[fact["partnership"]] = {
                "name": fact["name"],
                "programme": fact["programme"],
            }
            self.partnerships[fact["partnership"]].update(mentors=0, registrants=0, events=0)
        elif name in (_MENTOR_ENROLLED, _REGISTRANT_ENROLLED, _EVENT_PLANNED):
            self.enrolled(name, fact)
        elif name == _REGISTRANT_LEFT:
            self.leavers[fact["destination"]] += 1
        elif name == _MENTOR_WITHDREW:
            self.withdrawn += 1

    def enrolled(self, name: str, fact: Mapping[str, Any]) -> None:
        plural_kind = {_MENTOR_ENROLLED: "mentors", _REGISTRANT_ENROLLED: "registrants"}.get(
            name, "events"
        )
        partnership = self.partnerships.get(fact["partnership"])
        if partnership is not None:
            partnership[plural_kind] += 1
        if name == _REGISTRANT_ENROLLED:
            group = "comparator" if fact["comparator"] else "mentored"
            self.cohorts[financial_year_of(date.fromisoformat(fact["registered_on"])), group] += 1


Section = Callable[[DemoRun], Iterable[str]]
SECTIONS: list[Section] = []


def section(function: Section) -> Section:
    """Register a section of the demo summary (after those already registered)."""
    SECTIONS.append(function)
    return function


def report(run: DemoRun, sections: Iterable[Section] | None = None) -> Iterator[str]:
    for function in SECTIONS if sections is None else sections:
        yield from function(run)
        yield ""


@section
def facts_by_kind(run: DemoRun) -> Iterator[str]:
    counts = run.tally.facts
    order = sorted(counts, key=lambda kf: (KINDS.index(kf[0]), -counts[kf], kf[1]))
    yield heading(f"Facts by subject ({plural(sum(counts.values()), 'fact')} in the ledger)")
    yield from table(("KIND", "FACT", "COUNT"), ((k, f, str(counts[k, f])) for k, f in order), "  ")


@section
def partnerships(run: DemoRun) -> Iterator[str]:
    rows = [
        (key, p["programme"], str(p["mentors"]), str(p["registrants"]), str(p["events"]), p["name"])
        for key, p in sorted(run.tally.partnerships.items())
    ]
    yield heading(f"Partnerships ({len(rows)})")
    yield from table(("KEY", "PROGRAMME", "MENTORS", "REGISTRANTS", "EVENTS", "NAME"), rows, "  ")


@section
def registrants_by_cohort(run: DemoRun) -> Iterator[str]:
    cohorts = run.tally.cohorts
    rows = [
        (
            fy,
            str(cohorts[fy, "mentored"]),
            str(cohorts[fy, "comparator"]),
            str(cohorts[fy, "mentored"] + cohorts[fy, "comparator"]),
        )
        for fy in sorted({fy for fy, _ in cohorts})
    ]
    yield heading("Registrants by cohort (financial year of registration)")
    yield from table(("COHORT", "MENTORED", "COMPARATOR", "TOTAL"), rows, "  ")


@section
def leavers(run: DemoRun) -> Iterator[str]:
    left = run.tally.leavers
    by_destination = ", ".join(f"{d} {n}" for d, n in left.most_common())
    yield heading("Leavers")
    yield f"  {plural(sum(left.values()), 'registrant')} left" + (
        f" ({by_destination})" if left else ""
    )
    yield f"  {plural(run.tally.withdrawn, 'mentor')} withdrew"


@section
def positions(run: DemoRun) -> Iterator[str]:
    result = run.result
    imported = (
        f"{result.first_position}-{result.last_position}"
        if result.recorded
        else "none (already present)"
    )
    held = plural(run.ledger.count(), "fact")
    yield heading("Positions")
    yield f"  this import: {imported}; ledger head: {run.ledger.head()} ({held})"


@section
def timings(run: DemoRun) -> Iterator[str]:
    yield heading("Timings")
    for step, seconds in run.timings.items():
        yield f"  {step:<10} {seconds:8.2f} s"
    imported = run.timings.get("import")
    if imported:
        yield f"  {'rate':<10} {run.result.read / imported:8.0f} facts/s imported"
