"""A mid-size synthetic ledger with awkward corrections mixed in, and digests of every view.

Used by ``test_golden.py`` to check that the projections give exactly the figures they gave
before the performance work (values with their exact types and spellings, contributing
positions, derivations, restatements, compliance evidence, retention rows). The digests in
``data/golden_views.json.gz`` were captured from the projections as they stood before that work
(``python -m tests.projections.golden --write``), and captured again once when figures' units
became the controlled list: the old figures' digests with each unit converted by ``unit_of``
were checked equal to the new ones first, so only the units' spelling changed.

The ledger is the synthetic programme (:mod:`legacyledger.synthetic`) plus, from a seeded
random source, what the generator never produces: corrections of time logs (hours, spread over
several months, category), of pay rates and of enrolments (moving a mentor to the other
partnership), back-dated pay rates, voided corrections, voided time logs, costs booked to
events, and facts dated after the cut-off. Each record carries a ``recorded_at`` a few days
after its activity, so that the cost restatements see a moving clock.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from legacyledger.projections.base import FactRecord, Figure
from legacyledger.projections.compliance import ComplianceParams, project_compliance
from legacyledger.projections.costs import CostParams, RetentionInputs, project_costs
from legacyledger.projections.reach import ReachParams, project_reach
from legacyledger.projections.retention import RetentionParams, project_retention
from legacyledger.synthetic import SyntheticConfig, generate

DATA = Path(__file__).parent / "data" / "golden_views.json.gz"
CONFIG = SyntheticConfig(
    cohorts=4, registrants_per_cohort=50, mentors=16, ambassadors=30, events=30
)
END = date(2026, 3, 31)
MID = date(2025, 1, 31)


def _ref(n: int) -> str:
    return f"gold-{n:05d}"


def synthetic_facts(seed: int = 7) -> list[dict[str, Any]]:
    """The programme's facts with the awkward ones inserted (deterministic)."""
    rng = random.Random(seed)
    facts = [dict(f) for f in generate(CONFIG)]
    counter = iter(range(1, 100_000))
    by_name: dict[str, list[dict[str, Any]]] = {}
    for f in facts:
        by_name.setdefault(f["fact"], []).append(f)
    extra: list[tuple[int, dict[str, Any]]] = []  # (insert after index, fact)

    def later(target: Mapping[str, Any], spread: int = 400) -> int:
        start = facts.index(target)  # type: ignore[arg-type]
        return min(len(facts) - 1, start + rng.randint(1, spread))

    def correction(target: Mapping[str, Any], replacement: dict[str, Any]) -> dict[str, Any]:
        return {
            "fact": "FactCorrected",
            "on": target["on"],
            "target": target["source_ref"],
            "replacement": replacement,
            "reason": "golden",
            "source_ref": _ref(next(counter)),
        }

    def void(target: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "fact": "FactVoided",
            "on": target["on"],
            "target": target["source_ref"],
            "reason": "golden",
            "source_ref": _ref(next(counter)),
        }

    logs = by_name["MentorTimeLogged"]
    for log in rng.sample(logs, 40):
        choice = rng.randrange(4)
        if choice == 0:
            replacement: dict[str, Any] = {"hours": rng.choice(["0.5", "2.25", "7", "0"])}
        elif choice == 1:
            first = date.fromisoformat(log["on"])
            until = first + timedelta(days=rng.randint(20, 80))
            replacement = {"until": until.isoformat(), "hours": "11.5"}
        elif choice == 2:
            cat = "delivery" if log["category"] == "administration" else "administration"
            replacement = {"category": cat}
        else:
            replacement = {"on": "2027-01-15", "until": "2027-02-03"}  # after every cut-off
        fix = correction(log, replacement)
        extra.append((later(log), fix))
        if rng.random() < 0.3:
            extra.append((later(log, 900) + 1, void(fix)))
    for log in rng.sample(logs, 15):
        extra.append((later(log), void(log)))
    rates = by_name["MentorPayRateSet"]
    for rate in rng.sample(rates, min(8, len(rates))):
        fix = correction(rate, {"annual_salary": str(rng.randint(30_000, 60_000)) + ".50"})
        extra.append((later(rate, 3000), fix))
        if rng.random() < 0.4:
            extra.append((later(rate, 4000) + 1, void(fix)))
    mentors = by_name["MentorEnrolled"]
    partnerships = sorted({f["partnership"] for f in by_name["PartnershipFormed"]})
    for enrolment in rng.sample(mentors, min(5, len(mentors))):
        other = [p for p in partnerships if p != enrolment["partnership"]] or partnerships
        fix = correction(enrolment, {"partnership": other[0], "role": "ambassador"})
        extra.append((later(enrolment, 5000), fix))
    for i, rate in enumerate(rng.sample(rates, min(6, len(rates)))):
        back = date.fromisoformat(rate["on"]) + timedelta(days=rng.randint(30, 200))
        extra.append(
            (
                len(facts) - 1 - i * 50,
                {
                    "fact": "MentorPayRateSet",
                    "mentor": rate["mentor"],
                    "on": back.isoformat(),
                    "annual_salary": "51234.56",
                    "oncost_rate": "0.21",
                    "source_ref": _ref(next(counter)),
                },
            )
        )
    events = [e["event"] for e in by_name.get("EventPlanned", [])]
    for log in rng.sample(logs, 25):
        if events:
            fix = correction(log, {"event": rng.choice(events)})
            extra.append((later(log), fix))
    contacts = by_name["MentoringContactRecorded"]
    for contact in rng.sample(contacts, 20):
        fix = correction(contact, {"minutes": rng.choice([5, 30, 90]), "on": contact["on"]})
        extra.append((later(contact), fix))
    for contact in rng.sample(contacts, 8):
        extra.append((later(contact), void(contact)))
    for enrolment in rng.sample(by_name["RegistrantEnrolled"], 6):
        fix = correction(enrolment, {"comparator": not enrolment.get("comparator", False)})
        extra.append((later(enrolment, 3000), fix))
    out = list(facts)
    for index, fact in sorted(extra, key=lambda pair: pair[0], reverse=True):
        out.insert(index + 1, fact)
    return out


def records(seed: int = 7) -> list[FactRecord]:
    """Positions 1…N, each fact stamped a few days after its activity (never going back)."""
    clock = datetime(2023, 4, 1, tzinfo=UTC)
    out = []
    for position, fact in enumerate(synthetic_facts(seed), start=1):
        day = datetime.fromisoformat(fact["on"]).replace(tzinfo=UTC) + timedelta(days=3)
        if day > clock and fact["fact"] not in ("FactCorrected", "FactVoided"):
            clock = min(day, datetime(2026, 6, 1, tzinfo=UTC))
        clock += timedelta(seconds=1)
        out.append(FactRecord(position, {**fact, "recorded_at": clock.isoformat()}))
    return out


# -- digests -----------------------------------------------------------------------------------


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _value(value: Any) -> str:
    return f"{type(value).__name__}:{value!r}"


def figure_text(figure: Figure) -> str:
    d = figure.derivation
    params = sorted((str(k), repr(v)) for k, v in d.parameters.items())
    return "|".join(
        [
            figure.id,
            figure.unit,
            figure.label,
            str(figure.kind),
            _value(figure.value),
            d.formula,
            str(d.version),
            repr(params),
            repr(d.as_of),
            repr(d.known_at),
            repr(d.disclosure),
            repr(d.note),
            repr(tuple(d.inputs)),
            ",".join(map(str, d.contributing)),
            # the relations a count is the total of (disclosure control audits them): said only
            # where there are some, so that other figures keep their digests
            *([repr([(r.total, r.parts, r.exact, r.less) for r in d.relations])]
              if d.relations else []),
        ]
    )


def figure_digests(figures: Iterable[Figure]) -> dict[str, str]:
    return {f.id: _h(figure_text(f)) for f in figures}


def _extra_costs(view: Any) -> str:
    return _h("\n".join(repr(r) for r in view.restatements))


def _extra_retention(view: Any) -> str:
    rows = [*view.cohorts, *view.periods, *view.comparisons]
    return _h("\n".join(repr(r) for r in rows))


def _extra_compliance(view: Any) -> str:
    parts = []
    for row in view.items:
        evidence = [
            (e.subject, e.outcome, e.detail, e.positions, e.source_refs) for e in row.evidence
        ]
        parts.append(
            repr(
                (
                    row.partnership,
                    row.framework,
                    row.version,
                    row.item,
                    row.title,
                    row.area,
                    row.assessment,
                    row.status,
                    [f.id for f in row.measures],
                    evidence,
                    row.assessed_on,
                    row.assessor,
                    row.evidence_text,
                    row.note,
                )
            )
        )
    parts += [repr((s.partnership, s.framework, s.version, s.adopted)) for s in view.summaries]
    parts += [repr(a) for a in view.actions]
    parts += [repr(p) for p in view.pairing_exceptions]
    return _h("\n".join(parts))


def _extra_reach(view: Any) -> str:
    return ""


EXTRAS: Mapping[str, Callable[[Any], str]] = {
    "retention": _extra_retention,
    "costs": _extra_costs,
    "compliance": _extra_compliance,
    "reach": _extra_reach,
}


def view_digest(family: str, view: Any) -> dict[str, Any]:
    return {"figures": figure_digests(view.figures), "extra": EXTRAS[family](view)}


def scenarios() -> dict[str, tuple[str, Callable[[list[FactRecord]], Any], int | None]]:
    """name -> (family, fold over the records, known_at: how many records it reads)."""
    retention_inputs = (
        RetentionInputs(12, "0.81", "0.70", 40),
        RetentionInputs(12, "0.6", "0.7", 10, "ney-legacy"),
    )
    return {
        "retention-end": (
            "retention",
            lambda r: project_retention(r, RetentionParams(as_of=END)),
            None,
        ),
        "retention-mid": (
            "retention",
            lambda r: project_retention(r, RetentionParams(as_of=MID)),
            6000,
        ),
        "retention-variant": (
            "retention",
            lambda r: project_retention(
                r,
                RetentionParams(
                    as_of=END,
                    scope="system",
                    anchor="matched_on",
                    count_leave_as_leaving=True,
                    by=("partnership", "group"),
                    period="quarter",
                ),
            ),
            None,
        ),
        "retention-org": (
            "retention",
            lambda r: project_retention(
                r,
                RetentionParams(
                    as_of=END, scope="organisation", by=("profession",), period="calendar"
                ),
            ),
            None,
        ),
        "costs-end": ("costs", lambda r: project_costs(r, CostParams(as_of=END)), None),
        "costs-mid": ("costs", lambda r: project_costs(r, CostParams(as_of=MID)), 6000),
        "costs-variant": (
            "costs",
            lambda r: project_costs(
                r,
                CostParams(
                    as_of=END,
                    cumulative=("month", "fy"),
                    unit_grains=("quarter", "fy"),
                    unit_cost_basis="total",
                    retention=retention_inputs,
                ),
            ),
            None,
        ),
        "costs-flat": (
            "costs",
            lambda r: project_costs(
                r, CostParams(as_of=None, by_partnership=False, grains=("month", "fy"))
            ),
            None,
        ),
        "compliance-end": (
            "compliance",
            lambda r: project_compliance(r, ComplianceParams(as_of=END)),
            None,
        ),
        "compliance-mid": (
            "compliance",
            lambda r: project_compliance(
                r,
                ComplianceParams(
                    as_of=MID,
                    frameworks=(
                        "people-promise",
                        "preceptorship-core-gold",
                        "retention-self-assessment",
                    ),
                ),
            ),
            6000,
        ),
        "reach-end": ("reach", lambda r: project_reach(r, ReachParams(as_of=END)), None),
        "reach-mid": ("reach", lambda r: project_reach(r, ReachParams(as_of=MID)), 6000),
        "reach-variant": (
            "reach",
            lambda r: project_reach(
                r,
                ReachParams(
                    as_of=END,
                    period_start=date(2024, 4, 1),
                    growth_from=date(2024, 3, 31),
                    dose_by_month=True,
                    active_months=3,
                ),
            ),
            None,
        ),
        "reach-flat": (
            "reach",
            lambda r: project_reach(
                r, ReachParams(as_of=MID, by_partnership=False, period_start=date(2023, 10, 1))
            ),
            None,
        ),
    }


def compute(seed: int = 7) -> dict[str, Any]:
    rows = records(seed)
    out: dict[str, Any] = {"records": len(rows)}
    for name, (family, fold, known_at) in scenarios().items():
        view = fold(rows if known_at is None else rows[:known_at])
        out[name] = view_digest(family, view)
    return out


def stored() -> dict[str, Any]:
    return dict(json.loads(gzip.decompress(DATA.read_bytes())))


def main() -> None:
    import sys

    found = compute()
    if "--write" in sys.argv:
        DATA.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(found, indent=0, sort_keys=True) + "\n"
        DATA.write_bytes(gzip.compress(text.encode(), mtime=0))
        print(f"wrote {DATA}")
    else:
        print(
            json.dumps(
                {k: (len(v["figures"]) if isinstance(v, dict) else v) for k, v in found.items()}
            )
        )


if __name__ == "__main__":
    main()
