"""A seeded, deterministic synthetic programme, written as canonical facts (JSON Lines).

Why: the demo, the tests and the benchmarks need a history that looks like a real NEY-style legacy
mentoring programme and a Devon-style integrated I Care Ambassador pilot: several cohorts of new
registrants (some comparators), mentors who pause, move and withdraw, back-dated pay awards,
late-reported leavers, events that are cancelled or rescheduled, and a few corrections. Every line
must import cleanly, so the file is written in a valid *knowledge order*.

How: first a compact *plan* is drawn (one small record per subject, with the dates that link
subjects: enrolments, matches, withdrawals, rosters). Then every subject lazily yields its own facts
in (knowledge day, priority) order and a heap merges the streams, so even a million facts stream
out without being held in memory. One ``random.Random(seed)`` drives everything; nothing reads the
clock, so the same config always gives byte-identical output.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import accumulate, count
from pathlib import Path
from random import Random
from typing import Any, Generic, TypeVar

import attrs
import orjson

from legacyledger.domain import AGGREGATES, Mentor, Partnership, ProgrammeEvent, Registrant, Subject

__all__ = ["DEFAULT_CONFIG", "SyntheticConfig", "generate", "write_jsonl"]

Fact = dict[str, Any]
T = TypeVar("T")

# Facts on the same day are written creation first and terminal last, so that e.g. a contact and
# an unmatch on a mentor's last day both land before the withdrawal that closes the mentor.
_CREATE, _NORMAL, _CLOSE, _FINAL, _AFTER = 0, 1, 2, 3, 4
_NEVER = 10**9
_GAUGE = 15_300  # facts per unit of scale (the default config is one unit), measured
_REFINE = 50_000  # below this, for_facts refines its estimate by counting
_FIXED = 600  # facts that barely grow with the population (partnership admin), measured


@attrs.frozen
class SyntheticConfig:
    """Sizes of the synthetic programme; the same config always yields byte-identical output."""

    seed: int = 2024
    cohorts: int = attrs.field(default=6, validator=attrs.validators.ge(1))
    registrants_per_cohort: int = attrs.field(default=80, validator=attrs.validators.ge(1))
    mentors: int = attrs.field(default=30, validator=attrs.validators.ge(1))
    ambassadors: int = attrs.field(default=64, validator=attrs.validators.ge(1))
    events: int = attrs.field(default=60, validator=attrs.validators.ge(1))
    start: date = date(2023, 4, 1)
    years: int = attrs.field(default=3, validator=attrs.validators.ge(1))

    @classmethod
    def for_facts(cls, n: int, seed: int = 2024) -> SyntheticConfig:
        """Scale the population so that generate() yields about n facts (±10%), for benchmarks.

        Facts grow linearly with the population; below _REFINE facts a programme is lumpy (a few
        mentors more or less matter), so a few cheap counting passes correct the scale.
        """
        scale = max(n - _FIXED, 0) / _GAUGE
        if n > _REFINE:
            return cls._scaled(scale, seed)
        tried: list[tuple[int, SyntheticConfig]] = []
        for _ in range(4):
            config = cls._scaled(scale, seed)
            produced = sum(1 for _ in generate(config))
            if abs(produced - n) <= n // 50:
                return config
            tried.append((abs(produced - n), config))
            scale = max(0.0, scale + (n - produced) / _GAUGE)
        return min(tried, key=lambda pair: pair[0])[1]

    @classmethod
    def _scaled(cls, k: float, seed: int) -> SyntheticConfig:
        return cls(seed=seed, registrants_per_cohort=max(1, round(80 * k)),
                   mentors=max(1, round(30 * k)), ambassadors=max(2, round(64 * k)),
                   events=max(4, round(60 * k)))


DEFAULT_CONFIG = SyntheticConfig()


def generate(config: SyntheticConfig = DEFAULT_CONFIG) -> Iterator[Fact]:
    """Yield the programme's canonical fact dicts in a valid import (knowledge) order."""
    world = _World.plan(config)
    return _emit(_merge(_subjects(world)))


def write_jsonl(path: Path | str, config: SyntheticConfig = DEFAULT_CONFIG) -> int:
    """Stream the facts to a JSON Lines file and return how many were written."""
    n = 0
    dumps = orjson.dumps
    with Path(path).open("wb") as out:
        for fact in generate(config):
            out.write(dumps(fact) + b"\n")
            n += 1
    return n


# --------------------------------------------------------------------------- small values


class _Ref:
    """The source_ref of a correction's target, filled in when the target is written."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = ""


# A subject stream yields (slot, fact), slot = knowledge day * 8 + priority, so that heaps compare
# one int, not tuples (a million facts share about a thousand days). Heaps append an arrival
# number below _SHIFT bits to make keys unique and ties first-come. A queued fact already holds
# its `source_ref` key (so the canonical key order is fixed): None, or the _Ref that a later
# correction reads; the real ref is written when the fact is emitted.
_Entry = tuple[int, Fact]
_SHIFT = 32

_ISO: dict[int, str] = {}


def _iso(day: int) -> str:
    """ISO text of a day ordinal; cached because a million facts share about a thousand dates."""
    try:
        return _ISO[day]
    except KeyError:
        text = _ISO[day] = date.fromordinal(day).isoformat()
        return text


def _money(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _hours(quarters: int) -> str:
    """Quarter-hours as a decimal string ("1.25"); never a float, never an exponent."""
    whole, frac = divmod(quarters, 4)
    return f"{whole}{('', '.25', '.5', '.75')[frac]}"


def _tenths(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


def _between(rng: Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]; low when the range is empty (short horizons)."""
    if high <= low:
        return low
    return low + int(rng.random() * (high - low + 1))


class _Weighted(Generic[T]):
    """A weighted choice, precomputed once because it is drawn millions of times."""

    __slots__ = ("cum", "values")

    def __init__(self, *pairs: tuple[T, float]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))

    def __call__(self, rng: Random) -> T:
        return self.values[bisect_right(self.cum, rng.random() * self.cum[-1])]


def _fact(event_class: type[Subject.Event], key: str, day: int, /, **fields: Any) -> Fact:
    """A canonical fact dict: fact, key field, on, then the fields in facts.md order."""
    fact: Fact = {"fact": event_class.FACT, _KEY_FIELD[event_class]: key, "on": _iso(day)}
    fact.update(fields)
    return fact


def _correction(day: int, target: _Ref, replacement: Fact, reason: str) -> Fact:
    return {"fact": Subject.Corrected.FACT, "on": _iso(day), "target": target,
            "replacement": replacement, "reason": reason}


def _void(day: int, target: _Ref, reason: str) -> Fact:
    return {"fact": Subject.Voided.FACT, "on": _iso(day), "target": target, "reason": reason}


#: The key field of each fact's subject (``mentor`` for a mentor's facts...).
_KEY_FIELD: dict[type[Subject.Event], str] = {
    event_class: aggregate.KEY_FIELD
    for aggregate in AGGREGATES
    for event_class in aggregate.FACTS.values()
}


class _Queue:
    """A subject's own pending facts, popped in (knowledge day, priority, insertion) order."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[tuple[int, Fact]] = []
        self.seq = 0

    def put(self, day: int, prio: int, fact: Fact, recorder: str,
            note: str | None = None, ref: _Ref | None = None) -> None:
        fact["source_ref"] = ref
        fact["recorded_by"] = recorder
        if note is not None:
            fact["note"] = note
        heapq.heappush(self.heap, ((day * 8 + prio) << _SHIFT | self.seq, fact))
        self.seq += 1

    def before(self, day: int) -> Iterator[_Entry]:
        """Release everything known before `day`; later puts must not be earlier than it."""
        heap, limit = self.heap, day * 8 << _SHIFT
        while heap and heap[0][0] < limit:
            key, fact = heapq.heappop(heap)
            yield key >> _SHIFT, fact

    def drain(self) -> Iterator[_Entry]:
        return self.before(_NEVER)


# --------------------------------------------------------------------------- reference data

_LEGACY, _ICA = "ney-legacy", "devon-ica"
_NEY_TRUSTS = ("ods:RTD", "ods:RR7", "ods:RXP", "ods:RCB", "ods:RWA", "ods:RR8", "ods:RHQ",
               "ods:RAE")
_NEY_PRACTICES = ("ods:A87008", "ods:B82005", "ods:B86016", "ods:C86029", "ods:B81016",
                  "ods:A81004")
_NEY_COUNCILS = ("gss:E08000021", "gss:E08000035", "gss:E06000014", "gss:E08000019")
_NEY_PROVIDERS = ("cqc:1-101612345", "cqc:1-108765432", "cqc:1-115432109")
_NEY_LEAVER = "ods:B86099"  # joins in phase 2 and leaves; never an employer
_OUTSIDE_TRUSTS = ("ods:RWY", "ods:RCF", "ods:RFR", "ods:RP5")
_DEVON_COUNCIL = "gss:E10000008"
_DEVON_TRUSTS = ("ods:RH8", "ods:RK9", "ods:RA9", "ods:RWV")
_DEVON_PRACTICES = ("ods:L83002", "ods:L83105")
_DEVON_PROVIDERS = ("cqc:1-102643001", "cqc:1-109876541", "cqc:1-113579246",
                    "cqc:1-117654320", "cqc:1-120246813")
_DEVON_COLLEGE = "other:ukprn-10002370"  # an education partner that later leaves

_POOLS: dict[str, tuple[str, ...]] = {
    "secondary_care": _NEY_TRUSTS,
    "primary_care": _NEY_PRACTICES,
    "local_authority_social_care": _NEY_COUNCILS,
    "independent_social_care": _NEY_PROVIDERS,
}
_SECTOR_OF = {"secondary_care": "health", "primary_care": "health",
              "local_authority_social_care": "social_care",
              "independent_social_care": "social_care"}
_RETENTION_ITEMS = ("health_wellbeing", "autonomy_shared_decisions", "leadership_teamwork",
                    "professional_development", "pride_recognition", "flexible_working",
                    "excellence_in_care")
_FEEDBACK_ITEMS = ("better_idea_of_work", "know_more_career_paths", "know_where_to_find_out_more",
                   "would_consider_career", "common_values_across_health_and_care",
                   "can_move_between_health_and_care")
# Pre-event agreement and its uplift per item: the 2018 evaluation found only limited evidence
# on common values and moving between health and care, so those move least.
_FEEDBACK_SHAPE = ((0.45, 0.30), (0.35, 0.32), (0.30, 0.35), (0.40, 0.15), (0.30, 0.08),
                   (0.25, 0.07))
# AfC pay points (2022/23, before the 2023 award), and the awards: effective 1 April,
# (per mille uplift, days after 1 April that the award was paid in arrears).
_AFC_2022 = {"6": (33_706, 40_588), "7": (41_659, 47_672), "8a": (48_526, 54_619)}
_AWARDS = {2023: (50, 90), 2024: (55, 183), 2025: (36, 122)}

_REG_SETTING = _Weighted(("secondary_care", 62.0), ("primary_care", 20.0),
                         ("local_authority_social_care", 11.0), ("independent_social_care", 7.0))
_REG_PROFESSION = _Weighted(("nurse", 60.0), ("midwife", 10.0), ("nursing_associate", 10.0),
                            ("ahp", 20.0))
_MENTOR_SETTING_P2 = _Weighted(("primary_care", 35.0), ("local_authority_social_care", 30.0),
                               ("independent_social_care", 15.0), ("secondary_care", 20.0))
_MENTOR_SETTING_TOPUP = _Weighted(("secondary_care", 60.0), ("primary_care", 20.0),
                                  ("local_authority_social_care", 12.0),
                                  ("independent_social_care", 8.0))
_HEALTH_PROFESSION = _Weighted(("nurse", 60.0), ("midwife", 15.0), ("ahp", 20.0),
                               ("nursing_associate", 5.0))
_CARE_PROFESSION = _Weighted(("nurse", 45.0), ("other", 55.0))
_ROUTE = _Weighted(("retire_and_return", 35.0), ("partial_retirement", 25.0),
                   ("substantive", 25.0), ("bank", 10.0), ("secondment", 5.0))
_ROUTE_HOURS = {"retire_and_return": ("15", "22.5", "30"), "partial_retirement": ("22.5", "30"),
                "substantive": ("7.5", "15"), "bank": ("7.5", "15"), "secondment": ("15", "22.5")}
_ICA_ROUTE = _Weighted(("substantive", 70.0), ("volunteer", 15.0), ("bank", 8.0),
                       ("secondment", 7.0))
_BAND = _Weighted(("6", 20.0), ("7", 60.0), ("8a", 20.0))
_MODE = _Weighted(("in_person", 50.0), ("virtual", 30.0), ("phone", 12.0), ("group", 8.0))
_DESTINATION = _Weighted(("other_nhs", 22.0), ("primary_care", 8.0), ("social_care", 7.0),
                         ("left_profession", 18.0), ("left_uk", 12.0), ("unknown", 30.0),
                         ("retired", 2.0), ("deceased", 1.0))
_LEAVE_REASON = ("work-life balance", "relocation", "health", "career change",
                 "further education or training", "workload", "better reward package",
                 "not known")
_MOVE = _Weighted((("nhs_trust", "secondary_care"), 60.0), (("primary_care", "primary_care"), 15.0),
                  (("local_authority", "local_authority_social_care"), 10.0),
                  (("independent_social_care", "independent_social_care"), 10.0),
                  (("other", "other"), 5.0))
_MOVE_EMPLOYERS = {"secondary_care": _NEY_TRUSTS + _OUTSIDE_TRUSTS, "primary_care": _NEY_PRACTICES,
                   "local_authority_social_care": _NEY_COUNCILS,
                   "independent_social_care": _NEY_PROVIDERS,
                   "other": ("other:independent-acute-provider", "other:hospice-trust")}
_OUTREACH = _Weighted(("careers_fair", 25.0), ("school_talk", 25.0), ("college", 15.0),
                      ("university", 8.0), ("jobcentre", 12.0), ("community", 10.0))
_AUDIENCE = {"careers_fair": "school", "school_talk": "school", "college": "college",
             "university": "university", "jobcentre": "jobseekers", "community": "mixed"}
_EXPECTED = {"careers_fair": (150, 600), "school_talk": (25, 90), "college": (20, 60),
             "university": (30, 120), "jobcentre": (8, 25), "community": (15, 80)}
_DURATION = {"careers_fair": (180, 360), "school_talk": (45, 90), "college": (60, 120),
             "university": (60, 120), "jobcentre": (60, 120), "community": (90, 180)}


# --------------------------------------------------------------------------- the plan


@attrs.define(slots=True, eq=False)
class _Mentor:
    """What links a mentor or ambassador to others: dates of readiness, pause and withdrawal."""

    key: str
    role: str
    partnership: str
    setting: str
    employer: str
    profession: str
    route: str
    hours: str
    enrol: int
    recorder: str
    group: int = 0
    induction: int | None = None
    inducted_at: _Event | None = None
    withdraw: int | None = None
    stage: str = "active"
    matchable: bool = True
    pause: tuple[int, int] | None = None
    move: int | None = None
    salary: int | None = None
    basis: str = ""
    oncost: str = ""
    attended: list[tuple[_Event, int, str, str]] = attrs.Factory(list)
    caseload: list[int] = attrs.Factory(list)

    @property
    def sector(self) -> str:
        return _SECTOR_OF.get(self.setting, "health")

    @property
    def close(self) -> int:
        return _NEVER if self.withdraw is None else self.withdraw

    def free_on(self, day: int) -> bool:
        """Inducted, not paused and not withdrawn: may be matched or rostered on `day`."""
        if self.induction is None or self.induction >= day or self.close <= day:
            return False
        return self.pause is None or not self.pause[0] <= day <= self.pause[1]


@attrs.define(slots=True, eq=False)
class _Event:
    """A programme event: its planned and final dates, roster and attendees."""

    partnership: str
    kind: str
    audience: str
    integrated: bool
    planned: int
    duration: int
    expected: int = 0
    final: int = 0
    new_date: int | None = None
    cancelled_by: str | None = None
    roster: list[_Mentor] = attrs.Factory(list)
    stood_down: list[_Mentor] = attrs.Factory(list)
    attendees: list[_Mentor] = attrs.Factory(list)
    reached: int = 0
    key: str = ""

    @property
    def outreach(self) -> bool:
        return self.audience != "staff"


@attrs.define(slots=True, eq=False)
class _Registrant:
    """A registrant's life in the programme, drawn up front so that mentors can be matched."""

    key: str
    profession: str
    setting: str
    employer: str
    registered: int
    in_post: int
    enrol: int
    comparator: bool
    recorder: str
    leave: int | None = None
    leave_on: int = 0
    leave_known: int = 0
    leave_fix: int | None = None
    rejoin: int | None = None
    stop: int | None = None
    stop_reason: str = ""
    programme_end: int | None = None
    status: tuple[str, int, int | None] | None = None
    move: int | None = None
    segments: list[tuple[_Mentor, int, int, str | None]] = attrs.Factory(list)

    @property
    def active_until(self) -> int:
        """First day with nothing more to record: left, or follow-up ended (early or at the end)."""
        return min(self.leave or _NEVER, self.stop or _NEVER, self.programme_end or _NEVER)


@attrs.define(slots=False)
class _World:
    """The whole plan: config, horizon, and the linked subjects."""

    config: SyntheticConfig
    rng: Random
    start: int
    end: int
    phase2: int
    ica_start: int
    mentors: list[_Mentor] = attrs.Factory(list)
    ambassadors: list[_Mentor] = attrs.Factory(list)
    registrants: list[_Registrant] = attrs.Factory(list)
    events: list[_Event] = attrs.Factory(list)

    @classmethod
    def plan(cls, config: SyntheticConfig) -> _World:
        start = config.start.toordinal()
        end = _add_years(config.start, config.years).toordinal()
        world = cls(config, Random(config.seed), start, end,
                    phase2=start + min(365, (end - start) // 3), ica_start=start + 61)
        for day in range(start - 800, end + 800):
            _iso(day)
        _plan_legacy(world)
        _plan_registrants(world)
        _plan_ica(world)
        _number_events(world.events)
        return world


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _number_events(events: list[_Event]) -> None:
    """Key events EV-<year>-<nnn> in date order, as a partnership's own register would."""
    per_year: dict[int, int] = {}
    for event in sorted(events, key=lambda e: e.planned):
        year = date.fromordinal(event.planned).year
        per_year[year] = per_year.get(year, 0) + 1
        event.key = f"EV-{year}-{per_year[year]:03d}"


# --------------------------------------------------------------------------- plan: legacy mentors


def _plan_legacy(w: _World) -> None:
    """Mentors in two phases (secondary care, then primary and social care) plus top-ups."""
    inductions = _legacy_staff_events(w)
    n = w.config.mentors
    groups = max(1, math.ceil(n / 15))
    for i in range(n):
        mentor = _legacy_mentor(w, i, n)
        mentor.group = i % groups
        _induct(w, mentor, inductions)
        _legacy_withdrawal(w, mentor)
        _pause_and_move(w, mentor)
        w.mentors.append(mentor)
    for event in inductions:
        _settle_induction(w, event)
    _legacy_meetings(w, groups)


def _legacy_mentor(w: _World, i: int, n: int) -> _Mentor:
    rng = w.rng
    if i < 0.6 * n:
        setting, enrol = "secondary_care", w.start + _between(rng, 14, 75)
    elif i < 0.85 * n:
        setting, enrol = _MENTOR_SETTING_P2(rng), w.phase2 + _between(rng, 0, 120)
    else:
        setting = _MENTOR_SETTING_TOPUP(rng)
        enrol = _between(rng, w.start + 200, w.end - 240)
    route = _ROUTE(rng)
    sector = _SECTOR_OF[setting]
    mentor = _Mentor(
        key=f"M-{i + 1:03d}", role="legacy_mentor", partnership=_LEGACY, setting=setting,
        employer=rng.choice(_POOLS[setting]), route=route,
        profession=(_HEALTH_PROFESSION if sector == "health" else _CARE_PROFESSION)(rng),
        hours=rng.choice(_ROUTE_HOURS[route]), enrol=min(enrol, w.end - 60),
        recorder=f"U-{_between(rng, 10, 29):02d}")
    _legacy_pay(w, mentor)
    return mentor


def _legacy_pay(w: _World, m: _Mentor) -> None:
    """AfC pay for health mentors; an AfC-equivalent local scale for social care mentors."""
    rng = w.rng
    band = _BAND(rng) if m.sector == "health" else "6"
    low, high = _AFC_2022[band]
    m.salary = low + (high - low) * _between(rng, 0, 2) // 2
    m.basis = f"AfC band {band}" if m.sector == "health" else "local authority scale (AfC 6 eq.)"
    m.oncost = f"0.{_between(rng, 40, 60) * 5:03d}"


def _induct(w: _World, m: _Mentor, joint_events: Sequence[_Event]) -> None:
    """Most early joiners go to a group induction event; everyone else has a single one.

    The event's `integrated` flag (health with social care) decides `joint` vs `single`.
    """
    for event in joint_events:
        if m.enrol + 7 <= event.planned <= m.enrol + 75 and w.rng.random() < 0.8:
            m.induction, m.inducted_at = event.planned, event
            event.roster.append(m)  # invited; attendance is settled once withdrawals are known
            return
    m.induction = m.enrol + _between(w.rng, 7, 28)


def _legacy_withdrawal(w: _World, m: _Mentor) -> None:
    """About a quarter withdraw: a few before induction or first activity, most once active."""
    rng, ind = w.rng, m.induction or m.enrol
    draw = rng.random()
    if draw < 0.02 and ind - m.enrol >= 3:
        m.withdraw = m.enrol + _between(rng, 1, ind - m.enrol - 1)
        m.stage, m.induction = "before_induction", None
    elif draw < 0.05:
        m.withdraw, m.stage = ind + _between(rng, 5, 40), "before_first_activity"
    elif draw < 0.25:
        m.withdraw = _between(rng, ind + 90, w.end - 20)
    if m.withdraw is not None and m.withdraw >= w.end - 1:
        m.withdraw, m.stage = None, "active"
    m.matchable = m.stage == "active" and m.induction is not None


def _pause_and_move(w: _World, m: _Mentor) -> None:
    rng = w.rng
    if not m.matchable or m.induction is None:
        return
    last = min(m.close, w.end)
    if rng.random() < 0.15:
        begin = _between(rng, m.induction + 60, last - 90)
        resume = begin + _between(rng, 30, 120)
        if m.induction + 60 <= begin and resume < last - 14:
            m.pause = (begin, resume)
    if rng.random() < 0.1 and len(_POOLS[m.setting]) > 1:
        day = _between(rng, m.induction + 30, last - 30)
        if m.pause is not None and m.pause[0] - 7 <= day <= m.pause[1] + 7:
            day = m.pause[1] + 8
        m.move = day if m.induction < day < last - 7 else None


def _legacy_staff_events(w: _World) -> list[_Event]:
    """Group inductions: secondary care only in phase 1, health with social care in phase 2."""
    s, p2 = w.start, w.phase2
    joint = [_staff_event(w, _LEGACY, "induction", s + 60, 360, integrated=False)]
    if p2 + 120 < w.end - 30:
        joint.append(_staff_event(w, _LEGACY, "induction", p2 + 120, 360, integrated=True))
    return joint


def _legacy_meetings(w: _World, groups: int) -> None:
    """Three action-research meetings over six months per phase, and a yearly celebration.

    Mentors meet in groups of about fifteen, so meetings scale with the number of mentors.
    """
    s, p2 = w.start, w.phase2
    for base in (s + 180, s + 240, s + 300, p2 + 240, p2 + 300, p2 + 360):
        for g in range(groups):
            _group_event(w, base + g % 7, g, "action_research_meeting", 90, 0.8)
    for year in range(w.config.years):
        for g in range(groups):
            _group_event(w, s + 350 + 365 * year + g % 7, g, "celebration", 120, 0.6)


def _staff_event(w: _World, partnership: str, kind: str, day: int, minutes: int,
                 integrated: bool) -> _Event:
    event = _Event(partnership, kind, "staff", integrated, day, minutes, final=day)
    w.events.append(event)
    return event


def _settle_induction(w: _World, event: _Event) -> None:
    """Invitees who have not withdrawn attend (rostered by the delivery itself)."""
    invited, event.roster = event.roster, []
    day = event.planned
    event.attendees = [m for m in invited if m.induction == day and m.close > day]
    event.expected = len(invited)
    event.reached = len(event.attendees) + 1  # plus the facilitator
    for m in event.attendees:
        m.attended.append((event, event.duration // 15, "training", "administration"))
    if not event.attendees:
        event.cancelled_by = "partnership"


def _group_event(w: _World, day: int, group: int, kind: str, minutes: int, share: float) -> None:
    if day >= w.end - 14:
        return
    members = [m for m in w.mentors if m.group == group and m.matchable and m.free_on(day)]
    event = _staff_event(w, _LEGACY, kind, day, minutes, integrated=w.phase2 <= day)
    event.attendees = [m for m in members if w.rng.random() < share]
    event.expected, event.reached = len(members), len(event.attendees) + 1
    if kind == "action_research_meeting":
        for m in event.attendees:
            m.attended.append((event, minutes // 15, "action_research", "delivery"))
    if not event.attendees:
        event.cancelled_by = "partnership"


# --------------------------------------------------------------------------- plan: registrants


def _plan_registrants(w: _World) -> None:
    """Cohorts spread over the horizon, leaving at least a year of follow-up for the last one."""
    cfg = w.config
    spacing = max(30, min(182, (w.end - w.start - 365) // cfg.cohorts))
    n = 0
    for cohort in range(cfg.cohorts):
        centre = w.start + 150 + cohort * spacing
        for _ in range(cfg.registrants_per_cohort):
            n += 1
            w.registrants.append(_registrant(w, f"R-{n:04d}", centre))
    _match_all(w)


def _registrant(w: _World, key: str, centre: int) -> _Registrant:
    rng = w.rng
    enrol = max(w.start + 1, min(centre + _between(rng, -21, 42), w.end - 30))
    setting = "secondary_care" if enrol < w.phase2 else _REG_SETTING(rng)
    profession = _REG_PROFESSION(rng)
    if profession == "midwife" and setting != "secondary_care":
        profession = "nurse"
    gap = _between(rng, 7, 120) if rng.random() < 0.85 else _between(rng, 121, 650)
    reg = _Registrant(
        key=key, profession=profession, setting=setting, employer=rng.choice(_POOLS[setting]),
        registered=enrol - gap, in_post=enrol - gap + _between(rng, 0, min(60, gap)),
        enrol=enrol, comparator=rng.random() < 0.25, recorder=f"U-{_between(rng, 1, 4):02d}")
    _plan_follow_up(w, reg)
    _plan_leaving(w, reg)
    _plan_status_and_move(w, reg)
    return reg


def _plan_follow_up(w: _World, r: _Registrant) -> None:
    """Follow-up ends a month after two years of registration; a few are lost or withdraw."""
    rng = w.rng
    end = r.registered + 760
    r.programme_end = end if end < w.end else None
    draw, last = rng.random(), min(end, w.end) - 1
    if draw < 0.06 and r.enrol + 60 < last:
        r.stop = _between(rng, r.enrol + 60, last)
        r.stop_reason = "lost_to_follow_up" if draw < 0.04 else "consent_withdrawn"


def _plan_leaving(w: _World, r: _Registrant) -> None:
    """Early-career leaving, early-heavy: by 24 months ~30% of comparators, ~20% of mentored.

    (Nuffield Trust: about 1 in 5 nurses leave within two years of joining.)
    """
    rng = w.rng
    if rng.random() >= (0.32 if r.comparator else 0.21):
        return
    day = r.registered + int(730 * rng.betavariate(1.3, 2.0))
    if day < r.enrol + 14:
        day = r.enrol + 14 + _between(rng, 0, 45)
    if day >= min(r.registered + 730, r.active_until, w.end):
        return
    r.leave, r.leave_on, r.leave_known, r.stop, r.programme_end = day, day, day, None, None
    _late_or_wrong_leaving(w, r, day)
    _plan_rejoin(w, r)


def _late_or_wrong_leaving(w: _World, r: _Registrant, day: int) -> None:
    """Some leavers are reported late; a few are recorded with the wrong date and corrected."""
    rng = w.rng
    if rng.random() < 0.3 and day + 90 < w.end:
        r.leave_known = day + _between(rng, 20, 90)
    if rng.random() < 0.05:
        wrong = day + _between(rng, 14, 45)
        known = max(wrong, r.leave_known)
        fix = known + _between(rng, 7, 60)
        if fix < w.end:
            r.leave_on, r.leave_known, r.leave_fix = wrong, known, fix


def _plan_rejoin(w: _World, r: _Registrant) -> None:
    rng = w.rng
    if r.leave_fix is not None or rng.random() >= 0.1:
        return
    day = r.leave_known + _between(rng, 30, 200)
    if day < min(w.end, r.registered + 760) - 1:
        r.rejoin = day
        end = r.registered + 760
        r.programme_end = end if end < w.end else None


def _plan_status_and_move(w: _World, r: _Registrant) -> None:
    """Parental leave, career breaks and sickness, then back in post; some move employer."""
    rng = w.rng
    last = min(r.active_until, w.end)
    draw = rng.random()
    kind, low, high = (("parental_leave", 180, 365) if draw < 0.06 else
                       ("career_break", 60, 180) if draw < 0.09 else
                       ("long_term_sick", 30, 120) if draw < 0.11 else ("", 0, 0))
    if kind and r.enrol + 30 < last - 30:
        begin = _between(rng, r.enrol + 30, last - 30)
        back = begin + _between(rng, low, high)
        r.status = (kind, begin, back if back < last else None)
    if rng.random() < 0.1 and r.enrol + 30 < last - 30:
        r.move = _between(rng, r.enrol + 30, last - 30)


def _match_all(w: _World) -> None:
    """Match mentored registrants in date order to the least-loaded free mentor.

    A mentor who withdraws mid-match unmatches the registrant, who is re-matched a little later.
    """
    rng = w.rng
    pools = _mentor_pools(w.mentors)
    requests = [(r.enrol + _between(rng, 2, 28), i)
                for i, r in enumerate(w.registrants) if not r.comparator]
    heapq.heapify(requests)
    while requests:
        day, i = heapq.heappop(requests)
        reg = w.registrants[i]
        limit, reason = _match_limit(w, reg)
        if day >= limit - 14:
            continue
        mentor = _find_mentor(rng, pools, reg.setting, day)
        if mentor is None:
            heapq.heappush(requests, (day + 14, i))
            continue
        if mentor.close < limit:
            limit, reason = mentor.close, "mentor withdrew"
            heapq.heappush(requests, (limit + _between(rng, 3, 21), i))
        reg.segments.append((mentor, day, limit, reason))
        mentor.caseload.append(limit)


def _match_limit(w: _World, r: _Registrant) -> tuple[int, str | None]:
    """Where mentoring ends, and the unmatch reason to record (None: nothing is recorded)."""
    ends = [(w.end, None), (r.leave or _NEVER, None),
            (r.registered + 730, "completed two years of support"),
            (r.stop or _NEVER, "follow-up ended")]
    return min(ends, key=lambda pair: pair[0])


def _mentor_pools(mentors: list[_Mentor]) -> dict[str, list[_Mentor]]:
    pools: dict[str, list[_Mentor]] = {"all": []}
    for m in mentors:
        if m.matchable:
            pools.setdefault(m.sector, []).append(m)
            pools.setdefault(m.setting, []).append(m)
            pools["all"].append(m)
    return pools


def _find_mentor(rng: Random, pools: dict[str, list[_Mentor]], setting: str,
                 day: int) -> _Mentor | None:
    """Sample a few free mentors from the same setting, sector, then anyone; least caseload wins."""
    for name in (setting, _SECTOR_OF[setting], "all"):
        pool = pools.get(name, [])
        free = [m for m in (rng.choice(pool) for _ in range(min(6, len(pool)))) if m.free_on(day)]
        if free:
            for m in free:
                m.caseload = [end for end in m.caseload if end > day]
            return min(free, key=lambda m: len(m.caseload))
    return None


# --------------------------------------------------------------------------- plan: ambassadors


def _plan_ica(w: _World) -> None:
    """A Devon-like integrated pilot: ambassadors, joint inductions, CPD and outreach events."""
    inductions, cpds, outreach = _ica_event_plan(w)
    for i in range(w.config.ambassadors):
        amb = _ambassador(w, i)
        _induct(w, amb, inductions)
        _ica_withdrawal(w, amb)
        w.ambassadors.append(amb)
    for event in inductions:
        _settle_induction(w, event)
    health = [a for a in w.ambassadors if a.induction is not None and a.sector == "health"]
    care = [a for a in w.ambassadors if a.induction is not None and a.sector == "social_care"]
    for event in cpds:
        _roster_cpd(w, event, health + care)
    for event in outreach:
        _roster_outreach(w, event, health, care)
    for amb in w.ambassadors:
        _ica_stage(amb)


def _ica_event_plan(w: _World) -> tuple[list[_Event], list[_Event], list[_Event]]:
    n = w.config.events
    staff = max(2, round(n * 0.2))
    first, last = w.ica_start + 45, w.end - 60
    inductions = [_staff_event(w, _ICA, "induction", day, 240, integrated=True)
                  for day in _spread(first, last, max(1, staff // 2))]
    cpds = [_staff_event(w, _ICA, "cpd", day, 120, integrated=True)
            for day in _spread(first + 75, last, staff - staff // 2)]
    days = sorted(_between(w.rng, w.ica_start + 30, w.end - 20) for _ in range(n - staff))
    outreach = [_outreach_event(w, day) for day in days]
    return inductions, cpds, outreach


def _spread(first: int, last: int, n: int) -> list[int]:
    step = max(1, (last - first) // max(1, n))
    return [first + i * step for i in range(n)]


def _outreach_event(w: _World, day: int) -> _Event:
    rng = w.rng
    kind = _OUTREACH(rng)
    event = _Event(_ICA, kind, _AUDIENCE[kind], rng.random() < 0.75, day,
                   _between(rng, *_DURATION[kind]) // 15 * 15, final=day,
                   expected=_between(rng, *_EXPECTED[kind]))
    _event_fate(w, event)
    w.events.append(event)
    return event


def _event_fate(w: _World, event: _Event) -> None:
    """Most are delivered; some cancelled by the host or partnership, some rescheduled first."""
    rng, day = w.rng, event.planned
    draw = rng.random()
    if draw < 0.08 and day + 60 < w.end - 20:
        event.new_date = event.final = day + _between(rng, 7, 60)
        if draw < 0.02:
            event.final = max(day, event.new_date - _between(rng, 0, 7))
            event.cancelled_by = "host"
    elif draw < 0.18:
        event.cancelled_by = "host" if rng.random() < 0.7 else "partnership"


def _ambassador(w: _World, i: int) -> _Mentor:
    """A 14-in-64 share from the lead council; the rest alternate health and social care."""
    rng, n = w.rng, w.config.ambassadors
    if i < round(n * 14 / 64):
        setting, employer = "local_authority_social_care", _DEVON_COUNCIL
    elif i % 2:
        setting = "primary_care" if rng.random() < 0.15 else "secondary_care"
        employer = rng.choice(_DEVON_PRACTICES if setting == "primary_care" else _DEVON_TRUSTS)
    else:
        setting, employer = "independent_social_care", rng.choice(_DEVON_PROVIDERS)
    draw = rng.random()
    enrol = (w.ica_start + _between(rng, 1, 30) if draw < 0.4 else
             _between(rng, w.ica_start + 30, w.ica_start + 365) if draw < 0.85 else
             _between(rng, w.ica_start + 365, w.end - 120))
    route = _ICA_ROUTE(rng)
    amb = _Mentor(
        key=f"A-{i + 1:03d}", role="ambassador", partnership=_ICA, setting=setting,
        employer=employer, route=route, enrol=min(enrol, w.end - 60),
        profession=(_HEALTH_PROFESSION if _SECTOR_OF[setting] == "health" else
                    _CARE_PROFESSION)(rng),
        hours="4" if route == "volunteer" else rng.choice(("22.5", "30", "37.5")),
        recorder=f"U-{_between(rng, 5, 6):02d}", matchable=False)
    _ambassador_pay(w, amb)
    return amb


def _ambassador_pay(w: _World, a: _Mentor) -> None:
    """Staff ambassadors do it in paid time; volunteers have no pay rate (shadow cost only)."""
    if a.route == "volunteer":
        return
    rng = w.rng
    if a.sector == "health":
        band = rng.choice(("3", "4", "5"))
        a.salary = {"3": 22_816, "4": 25_147, "5": 27_596}[band] + _between(rng, 0, 4) * 500
        a.basis = f"AfC band {band}"
    else:
        a.salary, a.basis = _between(rng, 22_000, 27_500), "employer pay scale"
    a.oncost = f"0.{_between(rng, 40, 60) * 5:03d}"


def _ica_withdrawal(w: _World, a: _Mentor) -> None:
    """The pilot planned on 60% drop-out; about 40% actually withdraw over the horizon."""
    rng, ind = w.rng, a.induction or a.enrol
    draw = rng.random()
    if draw < 0.12 and ind - a.enrol >= 3:
        a.withdraw, a.induction = a.enrol + _between(rng, 1, ind - a.enrol - 1), None
    elif draw < 0.40:
        a.withdraw = _between(rng, ind + 20, w.end - 20)
    if a.withdraw is not None and a.withdraw >= w.end - 1:
        a.withdraw = None


def _ica_stage(a: _Mentor) -> None:
    if a.induction is None:
        a.stage = "before_induction"
    elif not any(e.outreach and e.final < a.close for e, *_ in a.attended):
        a.stage = "before_first_activity"


def _roster_cpd(w: _World, event: _Event, pool: list[_Mentor]) -> None:
    rng, day = w.rng, event.planned
    tries = (rng.choice(pool) for _ in range(min(40, 3 * len(pool))))
    chosen = list(dict.fromkeys(a for a in tries if a.free_on(day)))[: _between(rng, 3, 12)]
    event.attendees, event.expected, event.reached = chosen, len(chosen) + 2, len(chosen) + 1
    for a in chosen:
        a.attended.append((event, 8, "training", "administration"))
    if not chosen:
        event.cancelled_by = "partnership"


def _roster_outreach(w: _World, event: _Event, health: list[_Mentor],
                     care: list[_Mentor]) -> None:
    """Pair health with social care at integrated events (mostly); some stand down or no-show."""
    rng = w.rng
    size = _between(rng, 3, 5) if event.kind == "careers_fair" else _between(rng, 2, 3)
    both = event.integrated and rng.random() < 0.9
    first = _free(rng, health if rng.random() < 0.5 else care, event, 1)
    rest_pool = health + care
    if both:
        rest_pool = care if first and first[0].sector == "health" else health
    roster = list(dict.fromkeys(first + _free(rng, rest_pool, event, size - len(first))))
    event.roster = roster
    event.stood_down = [a for a in roster if rng.random() < 0.08]
    present = [a for a in roster if a not in event.stood_down and rng.random() < 0.92]
    if rng.random() < 0.05:  # an unrostered ambassador turns up: rostered by the delivery
        present += [a for a in _free(rng, health + care, event, 1) if a not in roster]
    _attend_outreach(w, event, present)


def _free(rng: Random, pool: list[_Mentor], event: _Event, n: int) -> list[_Mentor]:
    """Up to n distinct ambassadors free on both the planned and the final date."""
    found: list[_Mentor] = []
    for _ in range(min(25, 4 * len(pool))):
        if len(found) >= n:
            break
        a = rng.choice(pool)
        if a not in found and a.free_on(event.planned) and a.close > event.final:
            found.append(a)
    return found


def _attend_outreach(w: _World, event: _Event, present: list[_Mentor]) -> None:
    if event.cancelled_by is not None:
        return
    if not present:
        event.cancelled_by = "partnership"  # nobody could go
        return
    event.attendees = present
    event.reached = max(0, round(event.expected * (0.6 + 0.6 * w.rng.random())))
    quarters = event.duration // 15 + 2  # plus setting up the stand
    for a in present:
        a.attended.append((event, quarters, "outreach", "delivery"))


# --------------------------------------------------------------------------- streams: merge


_Subject = tuple[int, Callable[[], Iterator[_Entry]]]


def _subjects(w: _World) -> list[_Subject]:
    """Every subject with its first knowledge day; its stream is only built once it is reached."""
    subjects: list[_Subject] = [(w.start, lambda: _legacy_partnership(w)),
                                (w.ica_start, lambda: _ica_partnership(w))]
    subjects += [(e.planned, _bind(_event_stream, w, e)) for e in w.events]
    subjects += [(m.enrol, _bind(_mentor_stream, w, m)) for m in w.mentors + w.ambassadors]
    subjects += [(r.enrol, _bind(_registrant_stream, w, r)) for r in w.registrants]
    subjects.sort(key=lambda s: s[0])
    return subjects


def _bind(stream: Callable[[_World, T], Iterator[_Entry]], w: _World,
          subject: T) -> Callable[[], Iterator[_Entry]]:
    return lambda: stream(w, subject)


def _merge(subjects: list[_Subject]) -> Iterator[Fact]:
    """K-way merge of the subject streams on (knowledge day, priority, arrival).

    A subject joins the heap just before anything later than its creation day is released, so
    at any moment only the subjects already started hold pending facts.
    """
    heap: list[tuple[int, Fact, Iterator[_Entry]]] = []
    arrival = count()
    pos, n = 0, len(subjects)
    while True:
        while pos < n and (not heap or subjects[pos][0] * 8 << _SHIFT <= heap[0][0]):
            stream = subjects[pos][1]()
            first = next(stream, None)
            if first is not None:
                heapq.heappush(heap, (first[0] << _SHIFT | next(arrival), first[1], stream))
            pos += 1
        if not heap:
            return
        _, fact, stream = heap[0]
        yield fact
        following = next(stream, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following[0] << _SHIFT | next(arrival), following[1], stream))


def _emit(facts: Iterator[Fact]) -> Iterator[Fact]:
    """Number the facts in file order; corrections learn their target's source_ref here."""
    for n, fact in enumerate(facts, start=1):
        source_ref = f"syn-{n:06d}"
        ref = fact["source_ref"]
        if ref is not None:
            ref.value = source_ref
        fact["source_ref"] = source_ref
        target = fact.get("target")
        if target is not None:
            fact["target"] = target.value
        yield fact


# --------------------------------------------------------------------------- streams: partnerships


def _legacy_partnership(w: _World) -> Iterator[_Entry]:
    """NEY-like: secondary care first, primary care and local authorities a year later."""
    q, s, p2, rec = _Queue(), w.start, w.phase2, "U-01"
    q.put(s, _CREATE, _fact(Partnership.Formed, _LEGACY, s,
                            name="North East and Yorkshire Legacy Mentors",
                            programme="legacy_mentoring", lead_org="ods:QHM",
                            region="North East and Yorkshire"),
          rec, f"synthetic programme (legacyledger.synthetic, seed {w.config.seed})")
    for i, org in enumerate(_NEY_TRUSTS):
        _join(q, _LEGACY, s + i * 7, org, "secondary_care", rec)
    later = _NEY_PRACTICES + _NEY_COUNCILS + _NEY_PROVIDERS + (_NEY_LEAVER,)
    for i, org in enumerate(later):
        _join(q, _LEGACY, p2 - 45 + i * 3, org, _setting_of(org), rec)
    _once(q, w, p2 + 500, _fact(Partnership.OrganisationLeft, _LEGACY, p2 + 500, org=_NEY_LEAVER,
                                reason="practice merged into a neighbouring practice"), rec)
    _legacy_governance(w, q, rec)
    _frameworks(w, q, _LEGACY, ("ney-legacy-stages", "preceptorship-core-gold",
                                "retention-self-assessment"), s + 30, rec)
    _self_assessment(w, q, rec)
    _funding(w, q, _LEGACY, s, "ods:Y63", (40_000 + 500 * w.config.mentors,
                                           4_800 * w.config.mentors), rec)
    _monthly_costs(w, q, _LEGACY, s, (1_350 + 15 * w.config.mentors, 300 + 20 * w.config.mentors),
                   ("legacy mentor coordinator time", "clinical supervision for legacy mentors"),
                   rec)
    return q.drain()


def _setting_of(org: str) -> str:
    for setting, pool in _POOLS.items():
        if org in pool:
            return setting
    return "primary_care"


def _join(q: _Queue, key: str, day: int, org: str, setting: str, rec: str) -> None:
    sector = {"education": "education", "other": "health"}.get(setting) or _SECTOR_OF[setting]
    q.put(day, _NORMAL, _fact(Partnership.OrganisationJoined, key, day, org=org, sector=sector,
                              setting=setting), rec)


def _once(q: _Queue, w: _World, day: int, fact: Fact, rec: str) -> None:
    """Put a one-off fact only if it falls inside the horizon."""
    if day < w.end:
        q.put(day, _NORMAL, fact, rec)


def _legacy_governance(w: _World, q: _Queue, rec: str) -> None:
    """One coordinator change (with a three-week gap), an MoU then a funding agreement."""
    s, p2, n = w.start, w.phase2, w.config.mentors
    q.put(s + 14, _NORMAL, _fact(Partnership.CoordinatorAppointed, _LEGACY, s + 14,
                                 coordinator="C-01"), rec)
    _once(q, w, s + 430, _fact(Partnership.CoordinatorLeft, _LEGACY, s + 430, coordinator="C-01"),
          rec)
    _once(q, w, s + 451, _fact(Partnership.CoordinatorAppointed, _LEGACY, s + 451,
                               coordinator="C-02"),
          rec)
    q.put(s + 20, _NORMAL, _fact(Partnership.CommitmentFormalised, _LEGACY, s + 20, kind="mou"),
          rec)
    q.put(s + 30, _NORMAL, _fact(Partnership.RecruitmentTargetSet, _LEGACY, s + 30,
                                 target_active=max(1, round(n * 0.6)),
                                 assumed_dropout_rate="0.20"), rec)
    _once(q, w, p2, _fact(Partnership.CommitmentFormalised, _LEGACY, p2, kind="funding_agreement"),
          rec)
    _once(q, w, p2, _fact(Partnership.RecruitmentTargetSet, _LEGACY, p2,
                          target_active=max(1, round(n * 0.8)),
                          assumed_dropout_rate="0.20"), rec)


def _frameworks(w: _World, q: _Queue, key: str, ids: Sequence[str], day: int, rec: str) -> None:
    for framework in ids:
        q.put(day, _NORMAL, _fact(Partnership.FrameworkAdopted, key, day, framework=framework,
                                  version="1"),
              rec)


_EVIDENCE = {
    "health_wellbeing": "wellbeing check-ins in mentoring contacts",
    "autonomy_shared_decisions": "shared decision-making council minutes",
    "leadership_teamwork": "team leader development programme",
    "professional_development": "preceptorship and legacy mentor offer",
    "pride_recognition": "annual celebration event",
    "flexible_working": "flexible working policy review",
    "excellence_in_care": "quality improvement projects by new registrants",
}


def _self_assessment(w: _World, q: _Queue, rec: str) -> None:
    """Yearly self-assessment of the seven retention areas, with actions for the gaps."""
    rng = w.rng
    status = dict.fromkeys(_RETENTION_ITEMS, "")
    actions = count(1)
    for day in range(w.start + 180, w.end - 30, 365):
        for item in _RETENTION_ITEMS:
            status[item] = _next_status(rng, status[item])
            evidence = [] if status[item] == "not_started" else [_EVIDENCE[item]]
            q.put(day, _NORMAL, _fact(Partnership.FrameworkItemAssessed, _LEGACY, day,
                                      framework="retention-self-assessment", item=item,
                                      status=status[item], evidence=evidence, assessor="U-02"), rec)
            if status[item] != "met" and rng.random() < 0.7:
                _action(w, q, f"ACT-{next(actions):02d}", item, day + 14, rec)


def _next_status(rng: Random, status: str) -> str:
    if not status:
        return _Weighted(("not_started", 3.0), ("partial", 5.0), ("met", 2.0))(rng)
    if status == "not_started":
        return "partial" if rng.random() < 0.7 else status
    if status == "partial":
        return "met" if rng.random() < 0.5 else status
    return "partial" if rng.random() < 0.1 else status


def _action(w: _World, q: _Queue, action: str, item: str, day: int, rec: str) -> None:
    """Actions are agreed; most are completed (some late), some stay open and go overdue."""
    rng = w.rng
    if day >= w.end:
        return
    due = day + _between(rng, 90, 240)
    q.put(day, _NORMAL, _fact(Partnership.ActionAgreed, _LEGACY, day, action=action,
                              framework="retention-self-assessment", item=item,
                              description=f"improve {item.replace('_', ' ')} for new registrants",
                              owner=f"U-{_between(rng, 2, 4):02d}", due=_iso(due)), rec)
    if rng.random() < 0.65:
        done = day + _between(rng, 30, due - day + 60)
        _once(q, w, done, _fact(Partnership.ActionCompleted, _LEGACY, done, action=action), rec)


def _funding(w: _World, q: _Queue, key: str, first: int, funder: str,
             pounds: tuple[int, int], rec: str) -> None:
    """Funding per NHS financial year, split administration / delivery."""
    year = date.fromordinal(first).year - (date.fromordinal(first).month < 4)
    while (april := date(year, 4, 1).toordinal()) < w.end:
        day = max(april, first)
        label = f"{year}/{(year + 1) % 100:02d}"
        for purpose, amount in zip(("administration", "delivery"), pounds):
            q.put(day, _NORMAL, _fact(Partnership.FundingReceived, key, day,
                                      amount=_money(amount * 100),
                                      funder=funder, financial_year=label, purpose=purpose), rec)
        year += 1


def _monthly_costs(w: _World, q: _Queue, key: str, first: int, pounds: tuple[int, int],
                   what: tuple[str, str], rec: str) -> None:
    """Monthly administration and quarterly delivery costs; one corrected, one keyed in twice."""
    rng = w.rng
    for month, day in enumerate(_month_ends(first, w.end)):
        amount = pounds[0] * 100 + _between(rng, -1500, 1500) * 10
        cost = _fact(Partnership.CostIncurred, key, day, amount=_money(amount),
                     category="administration",
                     description=what[0])
        q.put(day, _NORMAL, cost, rec, ref=(ref := _Ref()) if month == 4 else None)
        if month == 4 and day + 31 < w.end:
            q.put(day + 31, _AFTER, _correction(day + 31, ref, {"amount": _money(amount + 12_000)},
                                                "invoice re-issued to include travel"), "U-09")
        if month == 7 and day + 9 < w.end:
            q.put(day, _NORMAL, dict(cost), rec, ref=(duplicate := _Ref()))
            q.put(day + 9, _AFTER, _void(day + 9, duplicate, "the same invoice keyed in twice"),
                  "U-09")
        if month % 3 == 2:
            q.put(day, _NORMAL, _fact(Partnership.CostIncurred, key, day,
                                      amount=_money(pounds[1] * 100 + _between(rng, 0, 9_999)),
                                      category="delivery", description=what[1]), rec)


def _month_ends(first: int, end: int) -> Iterator[int]:
    """The 28th of each month from `first` (a safe 'month end' for every month)."""
    d = date.fromordinal(first)
    year, month = d.year, d.month
    while (day := date(year, month, 28).toordinal()) < end:
        if day >= first:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_starts(first: int, end: int) -> Iterator[int]:
    d = date.fromordinal(first)
    year, month = d.year, d.month
    while (day := date(year, month, 1).toordinal()) < end:
        yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _ica_partnership(w: _World) -> Iterator[_Entry]:
    """Devon-like: council-led, health and care employers, a member model, 60% drop-out assumed."""
    q, s, rec = _Queue(), w.ica_start, "U-05"
    q.put(s, _CREATE, _fact(Partnership.Formed, _ICA, s, name="Devon Integrated Care Ambassadors",
                            programme="ambassadors", lead_org=_DEVON_COUNCIL, region="South West"),
          rec, f"synthetic programme (legacyledger.synthetic, seed {w.config.seed})")
    orgs = ([(_DEVON_COUNCIL, "local_authority_social_care")]
            + [(o, "secondary_care") for o in _DEVON_TRUSTS] + [("ods:QJK", "other")]
            + [(o, "primary_care") for o in _DEVON_PRACTICES]
            + [(o, "independent_social_care") for o in _DEVON_PROVIDERS]
            + [(_DEVON_COLLEGE, "education")])
    for i, (org, setting) in enumerate(orgs):
        _join(q, _ICA, s + i * 2, org, setting, rec)
    _once(q, w, s + 700, _fact(Partnership.OrganisationLeft, _ICA, s + 700, org=_DEVON_COLLEGE,
                               reason="partnership agreement not renewed"), rec)
    q.put(s + 7, _NORMAL, _fact(Partnership.CoordinatorAppointed, _ICA, s + 7, coordinator="C-03"),
          rec)
    q.put(s + 14, _NORMAL, _fact(Partnership.RecruitmentTargetSet, _ICA, s + 14,
                                 target_active=max(1, math.ceil(w.config.ambassadors * 0.4)),
                                 assumed_dropout_rate="0.60"), rec)
    _frameworks(w, q, _ICA, ("ica-integrated-csf",), s + 30, rec)
    _once(q, w, s + 60, _fact(Partnership.CommitmentFormalised, _ICA, s + 60, kind="member_model"),
          rec)
    n = w.config.events
    _funding(w, q, _ICA, s, _DEVON_COUNCIL, (18_000 + 60 * n, 6_000 + 150 * n), rec)
    _monthly_costs(w, q, _ICA, s, (700 + 8 * n, 200 + 10 * n),
                   ("ambassador service coordination", "integrated presentation resources"), rec)
    return q.drain()


# --------------------------------------------------------------------------- streams: events


def _event_stream(w: _World, e: _Event) -> Iterator[_Entry]:
    """Planned, rostered, perhaps stood down or rescheduled, then delivered or cancelled."""
    q, rec, day = _Queue(), ("U-05" if e.partnership == _ICA else "U-03"), e.planned
    q.put(day, _CREATE, _fact(ProgrammeEvent.Planned, e.key, day, partnership=e.partnership,
                              kind=e.kind,
                              audience=e.audience, integrated=e.integrated,
                              expected_audience=e.expected), rec)
    for a in e.roster:
        q.put(day, _NORMAL, _fact(ProgrammeEvent.AmbassadorRostered, e.key, day, mentor=a.key), rec)
    for a in e.stood_down:
        q.put(day, _CLOSE, _fact(ProgrammeEvent.AmbassadorStoodDown, e.key, day, mentor=a.key,
                                 reason=w.rng.choice(("shift clash", "sickness", "leave"))), rec)
    if e.new_date is not None:
        q.put(day, _CLOSE, _fact(ProgrammeEvent.Rescheduled, e.key, day, new_date=_iso(e.new_date),
                                 reason="host asked for a later date"), rec)
    _event_costs(w, e, q, rec)
    if e.cancelled_by is not None:
        q.put(e.final, _FINAL, _fact(ProgrammeEvent.Cancelled, e.key, e.final, by=e.cancelled_by,
                                     reason=_cancel_reason(e)), rec)
    else:
        _delivered(w, e, q, rec)
    return q.drain()


def _cancel_reason(e: _Event) -> str:
    if not e.outreach:
        return "too few participants"
    return "venue unavailable" if e.cancelled_by == "host" else "no ambassadors available"


def _delivered(w: _World, e: _Event, q: _Queue, rec: str) -> None:
    note = None
    if e.integrated and e.outreach and w.rng.random() < 0.1:
        note = "co-branded stands: NHS stand beside the Proud to Care stand"
    q.put(e.final, _FINAL, _fact(ProgrammeEvent.Delivered, e.key, e.final,
                                 audience_reached=e.reached,
                                 attendees=[a.key for a in e.attendees],
                                 duration_minutes=e.duration), rec, note)
    if e.outreach and e.reached and w.rng.random() < 0.75:
        day = e.final + _between(w.rng, 0, 10)
        if day < w.end:
            phases = ("pre", "post") if w.rng.random() < 0.6 else ("single",)
            for phase in phases:
                q.put(day, _AFTER, _feedback(w.rng, e, day, phase), rec)


def _feedback(rng: Random, e: _Event, day: int, phase: str) -> Fact:
    """Aggregate agree/neutral/disagree counts; responses never exceed the audience reached."""
    responses = max(1, round(e.reached * (0.3 + 0.5 * rng.random())))
    items: dict[str, dict[str, int]] = {}
    for item, (pre, uplift) in zip(_FEEDBACK_ITEMS, _FEEDBACK_SHAPE):
        share = min(0.95, pre + (0.0 if phase == "pre" else uplift) + 0.1 * (rng.random() - 0.5))
        agree = round(responses * share)
        neutral = round((responses - agree) * 0.6)
        items[item] = {"agree": agree, "neutral": neutral, "disagree": responses - agree - neutral}
    return _fact(ProgrammeEvent.FeedbackRecorded, e.key, day, questionnaire="ica-impact-integrated",
                 phase=phase, responses=responses, items=items)


def _event_costs(w: _World, e: _Event, q: _Queue, rec: str) -> None:
    """Costs tied to events: stands and resources, venues, sunk costs of cancellations, mileage."""
    rng = w.rng
    if e.cancelled_by is not None and rng.random() < 0.4:
        _event_cost(q, e, e.final, 2_500 + _between(rng, 0, 10_000), "delivery",
                    "non-refundable stand booking", None, rec)
    elif e.cancelled_by is None and rng.random() < (0.7 if e.outreach else 0.6):
        category = "administration" if e.kind == "induction" else "delivery"
        what = "stand, resources and travel" if e.outreach else "venue and refreshments"
        _event_cost(q, e, e.final, 4_000 + _between(rng, 0, 31_000), category, what, None, rec)
    if e.cancelled_by is None and e.outreach and e.attendees and rng.random() < 0.25:
        _event_cost(q, e, e.final, 900 + _between(rng, 0, 3_000), "delivery", "ambassador mileage",
                    rng.choice(e.attendees), rec)


def _event_cost(q: _Queue, e: _Event, day: int, pence: int, category: str, what: str,
                mentor: _Mentor | None, rec: str) -> None:
    cost = _fact(Partnership.CostIncurred, e.partnership, day, amount=_money(pence),
                 category=category,
                 description=what, event=e.key)
    if mentor is not None:
        cost["mentor"] = mentor.key
    q.put(day, _NORMAL, cost, rec)


# --------------------------------------------------------------------------- streams: mentors


def _mentor_stream(w: _World, m: _Mentor) -> Iterator[_Entry]:
    """Enrolment, pay, induction, training, events, pauses and withdrawal; monthly logs lazily."""
    q = _Queue()
    _mentor_skeleton(w, m, q)
    if m.role == "legacy_mentor" and m.matchable and m.induction is not None:
        for month in _month_starts(m.induction + 1, min(m.close, w.end)):
            yield from q.before(month)
            _mentor_month(w, m, q, max(month, m.induction + 1))
    yield from q.drain()


def _mentor_skeleton(w: _World, m: _Mentor, q: _Queue) -> None:
    q.put(m.enrol, _CREATE, _fact(
        Mentor.Enrolled, m.key, m.enrol, partnership=m.partnership, role=m.role, sector=m.sector,
        profession=m.profession, employer=m.employer, setting=m.setting,
        employment_route=m.route, contracted_hours_per_week=m.hours), m.recorder)
    _pay(w, m, q)
    if m.induction is not None:
        _induction(m, q)
    if m.stage != "before_first_activity":
        _training(w, m, q)
    for event, quarters, activity, category in m.attended:
        _attended(w, m, q, event, quarters, activity, category)
    _pause_move_withdraw(w, m, q)


def _induction(m: _Mentor, q: _Queue) -> None:
    """Inducted at a group event (its time is logged with the event) or singly (3 hours)."""
    assert m.induction is not None
    event = m.inducted_at
    joint = event is not None and event.integrated
    quarters = 12 if event is None else event.duration // 15
    q.put(m.induction, _NORMAL, _fact(Mentor.Inducted, m.key, m.induction,
                                      induction="joint" if joint else "single",
                                      hours=_hours(quarters)), m.recorder)
    if event is None:
        _log(q, m, m.induction, quarters, "training", "administration")


def _pay(w: _World, m: _Mentor, q: _Queue) -> None:
    """The rate at enrolment, then AfC awards recorded months after the 1 April they apply from."""
    if m.salary is None:
        return
    salary = m.salary
    awards = _awards(w) if m.role == "legacy_mentor" else []
    for _effective, uplift, paid in awards:
        if paid <= m.enrol:
            salary = salary * (1000 + uplift) // 1000
    q.put(m.enrol, _NORMAL, _pay_fact(m, m.enrol, salary), m.recorder)
    for effective, uplift, paid in awards:
        if m.enrol < paid < min(m.close, w.end):
            salary = salary * (1000 + uplift) // 1000
            q.put(paid, _NORMAL, _pay_fact(m, max(effective, m.enrol), salary), m.recorder,
                  "pay award paid in arrears")


def _awards(w: _World) -> list[tuple[int, int, int]]:
    """(effective day, uplift per mille, day recorded) for each financial year in the horizon."""
    first = w.config.start.year
    out = []
    for year in range(first, first + w.config.years + 1):
        uplift, delay = _AWARDS.get(year, (30, 120))
        effective = date(year, 4, 1).toordinal()
        out.append((effective, uplift, effective + delay))
    return out


def _pay_fact(m: _Mentor, day: int, salary: int) -> Fact:
    return _fact(Mentor.PayRateSet, m.key, day, annual_salary=_money(salary * 100),
                 oncost_rate=m.oncost, basis=m.basis)


def _log(q: _Queue, m: _Mentor, day: int, quarters: int, activity: str, category: str,
         event: _Event | None = None) -> None:
    """Time at an event is logged after the day's roster and before the delivery is recorded."""
    fact = {"fact": Mentor.TimeLogged.FACT, "mentor": m.key, "on": _iso(day),
            "hours": _hours(quarters),
            "activity": activity, "category": category}
    if event is not None:
        fact["event"] = event.key
    q.put(day, _NORMAL if event is None else _CLOSE, fact, m.recorder)


_COURSES = (("Legacy mentor foundation", 30, 1.0, 7, 35),
            ("Restorative clinical supervision (A-EQUIP)", 60, 0.5, 60, 300),
            ("Coaching conversations", 14, 0.3, 30, 400))
_ICA_COURSES = (("I Care Ambassador welcome modules", 12, 0.6, 3, 30),
                ("Presenting health and care careers together", 8, 0.3, 30, 300))


def _training(w: _World, m: _Mentor, q: _Queue) -> None:
    if m.induction is None:
        return
    rng = w.rng
    for course, quarters, share, low, high in (_COURSES if m.role == "legacy_mentor" else
                                               _ICA_COURSES):
        day = m.induction + _between(rng, low, high)
        if rng.random() < share and day < min(m.close, w.end) and not _paused(m, day):
            q.put(day, _NORMAL, _fact(Mentor.Trained, m.key, day, course=course,
                                      hours=_hours(quarters)), m.recorder)
            _log(q, m, day, quarters, "training", "administration")


def _paused(m: _Mentor, day: int) -> bool:
    return m.pause is not None and m.pause[0] <= day <= m.pause[1]


def _attended(w: _World, m: _Mentor, q: _Queue, event: _Event, quarters: int, activity: str,
              category: str) -> None:
    day = event.final
    _log(q, m, day, quarters, activity, category, event)
    if activity == "outreach" and w.rng.random() < 0.5:
        _log(q, m, day, _between(w.rng, 2, 6), "travel", "delivery", event)


def _pause_move_withdraw(w: _World, m: _Mentor, q: _Queue) -> None:
    rng = w.rng
    if m.pause is not None:
        q.put(m.pause[0], _NORMAL, _fact(Mentor.Paused, m.key, m.pause[0], reason=rng.choice(
            ("sickness absence", "service pressures", "extended leave"))), m.recorder)
        q.put(m.pause[1], _NORMAL, _fact(Mentor.Resumed, m.key, m.pause[1],
                                         reason="returned to the role"), m.recorder)
    if m.move is not None:
        employer = rng.choice([o for o in _POOLS[m.setting] if o != m.employer])
        q.put(m.move, _NORMAL, _fact(Mentor.Moved, m.key, m.move, employer=employer,
                                     setting=m.setting), m.recorder)
    if m.withdraw is not None:
        q.put(m.withdraw, _FINAL, _fact(Mentor.Withdrew, m.key, m.withdraw, stage=m.stage,
                                        reason=_withdraw_reason(rng, m)), m.recorder)


def _withdraw_reason(rng: Random, m: _Mentor) -> str:
    if m.role == "ambassador":
        return rng.choice(("no time alongside the day job", "changed employer", "personal reasons"))
    return rng.choice(("retired fully", "returned to substantive role", "workload", "ill health",
                       "funding ended"))


def _mentor_month(w: _World, m: _Mentor, q: _Queue, first: int) -> None:
    """A month's admin time (logged for the period at month end), a group session, mileage."""
    rng = w.rng
    last_day = min(_next_month(first) - 1, m.close - 1, w.end - 1)
    if last_day < first:
        return
    if not _overlaps_pause(m, first, last_day):
        fact = {"fact": Mentor.TimeLogged.FACT, "mentor": m.key, "on": _iso(first),
                "hours": _hours(_between(rng, 4, 16)), "activity": "admin",
                "category": "administration", "until": _iso(last_day)}
        q.put(last_day, _NORMAL, fact, m.recorder)
    day = _between(rng, first, last_day)
    if rng.random() < 0.35 and not _paused(m, day):
        _log(q, m, day, _between(rng, 6, 8), "group", "delivery")
    if date.fromordinal(first).month % 3 == 0 and m.group % 3 == 0 and not _paused(m, day):
        q.put(day, _NORMAL, _fact(Partnership.CostIncurred, m.partnership, day,
                                  amount=_money(_between(rng, 1_500, 9_000)), category="delivery",
                                  description="legacy mentor mileage", mentor=m.key), "U-01")


def _next_month(day: int) -> int:
    d = date.fromordinal(day)
    return (date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)).toordinal()


def _overlaps_pause(m: _Mentor, first: int, last: int) -> bool:
    return m.pause is not None and m.pause[0] <= last and first <= m.pause[1]


# --------------------------------------------------------------------------- streams: registrants


def _registrant_stream(w: _World, r: _Registrant) -> Iterator[_Entry]:
    """The registrant's skeleton facts, with contacts (and the mentor's time) generated lazily."""
    q = _Queue()
    _registrant_skeleton(w, r, q)
    heap, pop = q.heap, heapq.heappop
    for segment in r.segments:
        for day in _contact_days(w, r, segment):
            limit = day * 8 << _SHIFT
            while heap and heap[0][0] < limit:  # q.before(day), inlined: this is the hot loop
                key, fact = pop(heap)
                yield key >> _SHIFT, fact
            _contact(w, r, segment[0], day, q)
    yield from q.drain()


def _registrant_skeleton(w: _World, r: _Registrant, q: _Queue) -> None:
    q.put(r.enrol, _CREATE, _fact(
        Registrant.Enrolled, r.key, r.enrol, partnership=_LEGACY, profession=r.profession,
        registered_on=_iso(r.registered), employer=r.employer, setting=r.setting,
        in_post_since=_iso(r.in_post), comparator=r.comparator), r.recorder)
    _outcomes(w, r, q)
    for mentor, begin, end, reason in r.segments:
        q.put(begin, _NORMAL, _fact(Registrant.MentorMatched, r.key, begin, mentor=mentor.key),
              r.recorder)
        if reason is not None:
            q.put(end, _CLOSE, _fact(Registrant.MentorUnmatched, r.key, end, mentor=mentor.key,
                                     reason=reason), r.recorder)
    _status_and_move(w, r, q)
    _leaving(w, r, q)
    if r.stop is not None:
        q.put(r.stop, _FINAL, _fact(Registrant.FollowUpEnded, r.key, r.stop, reason=r.stop_reason),
              r.recorder)
    elif r.programme_end is not None:
        q.put(r.programme_end, _FINAL, _fact(Registrant.FollowUpEnded, r.key, r.programme_end,
                                             reason="programme_end"), r.recorder)


def _outcomes(w: _World, r: _Registrant, q: _Queue) -> None:
    """Intention to stay (1-5) at baseline, 6 and 12 months: mentored drift up, leavers down."""
    rng = w.rng
    score = max(10.0, min(50.0, rng.gauss(35.0, 6.0)))
    drift = (-1.0 if r.comparator else 1.5) - (3.5 if r.leave is not None else 0.0)
    last = min(r.active_until, w.end)
    for timepoint, offset, share in (("baseline", 0, 0.9), ("m6", 182, 0.75), ("m12", 365, 0.65)):
        day = r.enrol + offset + (_between(rng, 0, 14) if not offset else _between(rng, -21, 21))
        tenths = round(max(10.0, min(50.0, score + drift * offset / 182 + rng.gauss(0, 3))))
        if rng.random() < share and day < last and not _on_leave(r, day):
            _outcome(w, r, q, day, timepoint, tenths)


def _outcome(w: _World, r: _Registrant, q: _Queue, day: int, timepoint: str,
             tenths: int) -> None:
    ref = _Ref() if w.rng.random() < 0.02 else None
    q.put(day, _NORMAL, _fact(Registrant.OutcomeMeasured, r.key, day,
                              instrument="intention-to-stay",
                              timepoint=timepoint, score=_tenths(tenths)), r.recorder, ref=ref)
    fix = day + _between(w.rng, 3, 30)
    if ref is not None and fix < min(r.active_until, w.end):
        fixed = _tenths(max(10, min(50, tenths + (5 if tenths < 45 else -5))))
        q.put(fix, _AFTER, _correction(fix, ref, {"score": fixed},
                                       "score transcribed from the wrong questionnaire"), "U-09")


def _on_leave(r: _Registrant, day: int) -> bool:
    return r.status is not None and r.status[1] <= day < (r.status[2] or _NEVER)


def _status_and_move(w: _World, r: _Registrant, q: _Queue) -> None:
    if r.status is not None:
        kind, begin, back = r.status
        q.put(begin, _NORMAL, _fact(Registrant.EmploymentStatusChanged, r.key, begin, status=kind),
              r.recorder)
        if back is not None:
            q.put(back, _NORMAL, _fact(Registrant.EmploymentStatusChanged, r.key, back,
                                       status="in_post"),
                  r.recorder)
    if r.move is not None:
        (sector, setting), rng = _MOVE(w.rng), w.rng
        employer = rng.choice([o for o in _MOVE_EMPLOYERS[setting] if o != r.employer])
        q.put(r.move, _NORMAL, _fact(Registrant.Moved, r.key, r.move, employer=employer,
                                     setting=setting, sector=sector,
                                     same_staff_group=rng.random() < 0.9), r.recorder)


def _leaving(w: _World, r: _Registrant, q: _Queue) -> None:
    """Leaving (perhaps reported late or with a wrong date corrected later), perhaps rejoining."""
    if r.leave is None:
        return
    rng = w.rng
    ref = _Ref() if r.leave_fix is not None else None
    q.put(r.leave_known, _FINAL, _fact(Registrant.Left, r.key, r.leave_on,
                                       destination=_DESTINATION(rng),
                                       reason=rng.choice(_LEAVE_REASON)), r.recorder, ref=ref)
    if ref is not None and r.leave_fix is not None:
        q.put(r.leave_fix, _AFTER, _correction(
            r.leave_fix, ref, {"on": _iso(r.leave)},
            "leaving date was the last day paid, not the last day worked"), "U-09")
    if r.rejoin is not None:
        employer = rng.choice(_NEY_TRUSTS + _NEY_PRACTICES)
        q.put(r.rejoin, _NORMAL, _fact(Registrant.Rejoined, r.key, r.rejoin, employer=employer,
                                       setting=_setting_of(employer)), r.recorder)


def _contact_days(w: _World, r: _Registrant, segment: tuple[_Mentor, int, int, str | None]
                  ) -> Iterator[int]:
    """Contact dates while matched: frequent in the first six months, then tapering.

    Skips the mentor's pause and the registrant's leave; always strictly inside the match.
    """
    rng = w.rng
    mentor, begin, end, _ = segment
    first = r.segments[0][1]
    day = begin + _between(rng, 1, 20)
    while day < end:
        blocked = _blocked_until(r, mentor, day)
        if blocked:
            day = blocked + _between(rng, 1, 10)
            continue
        yield day
        months = (day - first) // 30
        day += (_between(rng, 10, 35) if months < 6 else _between(rng, 20, 45) if months < 12
                else _between(rng, 25, 60))


def _blocked_until(r: _Registrant, mentor: _Mentor, day: int) -> int:
    if mentor.pause is not None and mentor.pause[0] <= day <= mentor.pause[1]:
        return mentor.pause[1]
    if _on_leave(r, day) and r.status is not None:
        return r.status[2] or _NEVER
    return 0


def _contact(w: _World, r: _Registrant, m: _Mentor, day: int, q: _Queue) -> None:
    """A contact, the mentor's one-to-one time (and travel); rarely a correction or a duplicate."""
    rng = w.rng
    mode = _MODE(rng)
    minutes = _between(rng, 60, 120) if mode == "group" else _between(rng, 4, 18) * 5
    ref = _Ref() if rng.random() < 0.006 else None
    q.put(day, _NORMAL, {"fact": Registrant.MentoringContactRecorded.FACT, "registrant": r.key,
                         "on": _iso(day), "mentor": m.key, "minutes": minutes, "mode": mode},
          r.recorder, ref=ref)
    last = min(r.active_until, m.close, w.end)
    if ref is not None:
        fix = day + _between(rng, 3, 40)
        if fix < last:
            q.put(fix, _AFTER, _correction(fix, ref, {"minutes": minutes + 15},
                                           "duration entered from the diary, not the record"),
                  "U-09")
    if mode != "group" and rng.random() < 0.95:
        _one_to_one(w, r, m, day, minutes, q, last)
    if mode == "in_person" and rng.random() < 0.35:
        _log(q, m, day, _between(rng, 2, 4), "travel", "delivery")


def _one_to_one(w: _World, r: _Registrant, m: _Mentor, day: int, minutes: int, q: _Queue,
                last: int) -> None:
    fact = {"fact": Mentor.TimeLogged.FACT, "mentor": m.key, "on": _iso(day),
            "hours": _hours(-(-(minutes + 15) // 15)), "activity": "one_to_one",
            "category": "delivery", "registrant": r.key}
    q.put(day, _NORMAL, fact, m.recorder)
    if w.rng.random() < 0.004:
        void = day + _between(w.rng, 5, 40)
        if void < last:
            duplicate = _Ref()
            q.put(day, _NORMAL, dict(fact), m.recorder, ref=duplicate)
            q.put(void, _AFTER, _void(void, duplicate, "duplicate time log"), "U-09")
