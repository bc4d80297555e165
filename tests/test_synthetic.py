"""The synthetic programme: deterministic, sized as asked, and valid fact by fact in file order.

The checker below re-implements the importer's ordering rules from facts.md on its own, so these
tests do not depend on the ledger; a separate test imports the default output into the `Ledger`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest

from legacyledger.synthetic import SyntheticConfig, generate, write_jsonl

Fact = dict[str, Any]

# facts.md, table by table: fact -> (key field, required fields, optional fields), in order.
FIELDS: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]] = {
    "PartnershipFormed": ("partnership", ("name", "programme", "lead_org"), ("region",)),
    "OrganisationJoined": ("partnership", ("org", "sector", "setting"), ()),
    "OrganisationLeft": ("partnership", ("org", "reason"), ()),
    "CoordinatorAppointed": ("partnership", ("coordinator",), ()),
    "CoordinatorLeft": ("partnership", ("coordinator",), ()),
    "FundingReceived": ("partnership", ("amount", "funder", "financial_year", "purpose"), ()),
    "CostIncurred": ("partnership", ("amount", "category", "description"), ("event", "mentor")),
    "RecruitmentTargetSet": ("partnership", ("target_active", "assumed_dropout_rate"), ()),
    "CommitmentFormalised": ("partnership", ("kind",), ()),
    "FrameworkAdopted": ("partnership", ("framework", "version"), ()),
    "FrameworkItemAssessed": ("partnership",
                              ("framework", "item", "status", "evidence", "assessor"), ()),
    "ActionAgreed": ("partnership",
                     ("action", "framework", "item", "description", "owner", "due"), ()),
    "ActionCompleted": ("partnership", ("action",), ()),
    "PartnershipClosed": ("partnership", ("reason",), ()),
    "MentorEnrolled": ("mentor", ("partnership", "role", "sector", "profession", "employer",
                                  "setting", "employment_route", "contracted_hours_per_week"), ()),
    "MentorInducted": ("mentor", ("induction", "hours"), ()),
    "MentorTrained": ("mentor", ("course", "hours"), ()),
    "MentorPayRateSet": ("mentor", ("annual_salary", "oncost_rate", "basis"), ()),
    "MentorTimeLogged": ("mentor", ("hours", "activity", "category"),
                         ("registrant", "event", "until")),
    "MentorMoved": ("mentor", ("employer", "setting"), ()),
    "MentorPaused": ("mentor", ("reason",), ()),
    "MentorResumed": ("mentor", ("reason",), ()),
    "MentorWithdrew": ("mentor", ("stage", "reason"), ()),
    "RegistrantEnrolled": ("registrant", ("partnership", "profession", "registered_on",
                                          "employer", "setting", "in_post_since", "comparator"),
                           ()),
    "MentorMatched": ("registrant", ("mentor",), ()),
    "MentorUnmatched": ("registrant", ("mentor", "reason"), ()),
    "MentoringContactRecorded": ("registrant", ("mentor", "minutes", "mode"), ()),
    "OutcomeMeasured": ("registrant", ("instrument", "timepoint", "score"), ()),
    "EmploymentStatusChanged": ("registrant", ("status",), ()),
    "RegistrantMoved": ("registrant", ("employer", "setting", "sector", "same_staff_group"), ()),
    "RegistrantLeft": ("registrant", ("destination", "reason"), ()),
    "RegistrantRejoined": ("registrant", ("employer", "setting"), ()),
    "FollowUpEnded": ("registrant", ("reason",), ()),
    "EventPlanned": ("event", ("partnership", "kind", "audience", "integrated",
                               "expected_audience"), ()),
    "EventRescheduled": ("event", ("new_date", "reason"), ()),
    "AmbassadorRostered": ("event", ("mentor",), ()),
    "AmbassadorStoodDown": ("event", ("mentor", "reason"), ()),
    "EventDelivered": ("event", ("audience_reached", "attendees", "duration_minutes"), ()),
    "EventCancelled": ("event", ("by", "reason"), ()),
    "FeedbackRecorded": ("event", ("questionnaire", "phase", "responses", "items"), ()),
    "FactCorrected": (None, ("target", "replacement", "reason"), ()),
    "FactVoided": (None, ("target", "reason"), ()),
}
ENUMS: dict[str, set[str]] = {
    "programme": {"legacy_mentoring", "ambassadors", "other"},
    "sector": {"health", "social_care", "education", "other", "nhs_trust", "primary_care",
               "local_authority", "independent_social_care"},
    "setting": {"secondary_care", "primary_care", "local_authority_social_care",
                "independent_social_care", "education", "other"},
    "purpose": {"administration", "delivery", "unrestricted"},
    "category": {"administration", "delivery"},
    "kind": {"mou", "member_model", "funding_agreement", "other", "careers_fair", "school_talk",
             "college", "university", "jobcentre", "community", "induction", "cpd",
             "action_research_meeting", "celebration"},
    "status": {"not_started", "partial", "met", "not_applicable", "in_post", "parental_leave",
               "career_break", "long_term_sick", "secondment"},
    "role": {"legacy_mentor", "ambassador"},
    "employment_route": {"substantive", "retire_and_return", "partial_retirement", "bank",
                         "secondment", "volunteer"},
    "induction": {"single", "joint"},
    "activity": {"one_to_one", "group", "outreach", "admin", "training", "action_research",
                 "travel"},
    "stage": {"before_induction", "before_first_activity", "active"},
    "profession": {"nurse", "midwife", "nursing_associate", "ahp", "other"},
    "mode": {"in_person", "virtual", "phone", "group"},
    "timepoint": {"baseline", "m3", "m6", "m12", "m24", "ad_hoc"},
    "destination": {"other_nhs", "primary_care", "social_care", "left_profession", "left_uk",
                    "retired", "deceased", "unknown"},
    "audience": {"school", "college", "university", "jobseekers", "staff", "mixed", "other"},
    "by": {"host", "partnership"},
    "phase": {"pre", "post", "single"},
}
RETENTION_ITEMS = {"health_wellbeing", "autonomy_shared_decisions", "leadership_teamwork",
                   "professional_development", "pride_recognition", "flexible_working",
                   "excellence_in_care"}
FEEDBACK_ITEMS = {"better_idea_of_work", "know_more_career_paths", "know_where_to_find_out_more",
                  "would_consider_career", "common_values_across_health_and_care",
                  "can_move_between_health_and_care"}
CREATION = {"PartnershipFormed", "MentorEnrolled", "RegistrantEnrolled", "EventPlanned"}
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
ORG = re.compile(r"^(ods:[A-Z0-9]{1,9}|gss:[EWSN]\d{8}|cqc:1-\d{9,11}|other:\S+)$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SMALL = SyntheticConfig(seed=7, cohorts=3, registrants_per_cohort=40, mentors=8, ambassadors=16,
                        events=16)


@pytest.fixture(scope="module")
def default_facts() -> list[Fact]:
    return list(generate())


@pytest.fixture(scope="module")
def default_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("syn") / "facts.jsonl"
    write_jsonl(path)
    return path.read_bytes().splitlines()


# --------------------------------------------------------------------------- shape


def test_same_seed_gives_identical_bytes(default_lines: list[bytes], tmp_path: Path) -> None:
    n = write_jsonl(tmp_path / "again.jsonl")
    assert n == len(default_lines)
    assert (tmp_path / "again.jsonl").read_bytes().splitlines() == default_lines


def test_different_seed_gives_different_output(default_lines: list[bytes]) -> None:
    other = [orjson.dumps(f) for f in generate(SyntheticConfig(seed=2025))]
    assert other != default_lines


def test_default_size_is_sensible(default_facts: list[Fact]) -> None:
    counts = Counter(f["fact"] for f in default_facts)
    assert 10_000 <= len(default_facts) <= 60_000
    assert counts["RegistrantEnrolled"] == 6 * 80
    assert counts["MentorEnrolled"] == 30 + 64
    assert counts["EventPlanned"] >= 60
    assert {"FactCorrected", "FactVoided", "RegistrantRejoined", "EventCancelled",
            "EventRescheduled", "MentorWithdrew", "MentorPaused"} <= set(counts)


@pytest.mark.parametrize("n", [20_000])
def test_for_facts_is_within_ten_percent(n: int) -> None:
    produced = sum(1 for _ in generate(SyntheticConfig.for_facts(n)))
    assert abs(produced - n) <= n // 10


def test_every_fact_has_exactly_the_fields_of_facts_md(default_facts: list[Fact]) -> None:
    for fact in default_facts:
        key, required, optional = FIELDS[fact["fact"]]
        head = ["fact"] + ([key] if key else []) + ["on"]
        body = [name for name in fact if name not in {"fact", "on", key, "source_ref",
                                                          "recorded_by", "note"}]
        assert list(fact)[: len(head)] == head, fact
        assert set(required) <= set(body) <= set(required) | set(optional), fact
        order = [name for name in required + optional if name in body]
        assert body == order, fact  # canonical order: facts.md order
        tail = [name for name in fact if name in {"source_ref", "recorded_by", "note"}]
        assert list(fact)[-len(tail):] == tail, fact


def test_values_are_typed_as_facts_md_says(default_facts: list[Fact]) -> None:
    for fact in default_facts:
        _no_floats(fact)
        assert ISO.match(fact["on"]) and date.fromisoformat(fact["on"])
        for name, allowed in ENUMS.items():
            if name in fact:
                assert fact[name] in allowed, (name, fact)
        for name in ("amount", "annual_salary", "oncost_rate", "hours", "score",
                     "contracted_hours_per_week", "assumed_dropout_rate"):
            if name in fact:
                assert DECIMAL.match(fact[name]), fact
        for name in ("org", "lead_org", "employer"):
            if name in fact:
                assert ORG.match(fact[name]), fact
        for name in ("registered_on", "in_post_since", "due", "until", "new_date"):
            if name in fact:
                assert ISO.match(fact[name]), fact


def test_facts_lie_within_the_horizon(default_facts: list[Fact]) -> None:
    days = [f["on"] for f in default_facts]
    assert min(days) == "2023-04-01" and max(days) < "2026-04-01"
    assert default_facts[0]["fact"] == "PartnershipFormed"


def _no_floats(value: Any) -> None:
    assert not isinstance(value, float), value
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list):
        for item in value:
            _no_floats(item)


def test_source_refs_are_unique_and_no_personal_data(default_lines: list[bytes]) -> None:
    refs = [orjson.loads(line)["source_ref"] for line in default_lines]
    assert len(refs) == len(set(refs))
    text = b"\n".join(default_lines)
    assert b"@" not in text  # no e-mail addresses
    assert not re.search(rb"\b\d{3} ?\d{3} ?\d{4}\b", text)  # nothing shaped like an NHS number


def test_default_output_obeys_the_import_rules(default_facts: list[Fact]) -> None:
    RuleChecker().check(default_facts)


@pytest.mark.parametrize("seed", [1, 99])
def test_other_seeds_obey_the_import_rules(seed: int) -> None:
    RuleChecker().check(generate(attrs.evolve(SMALL, seed=seed)))


def test_short_horizons_and_tiny_programmes_obey_the_import_rules() -> None:
    tiny = SyntheticConfig(seed=3, cohorts=2, registrants_per_cohort=5, mentors=1, ambassadors=2,
                           events=4, years=1, start=date(2024, 2, 29))
    RuleChecker().check(generate(tiny))


def test_the_programme_looks_like_the_brief(default_facts: list[Fact]) -> None:
    regs = {f["registrant"]: f for f in default_facts if f["fact"] == "RegistrantEnrolled"}
    share = sum(r["comparator"] for r in regs.values()) / len(regs)
    assert 0.2 <= share <= 0.3
    left = {f["registrant"] for f in default_facts if f["fact"] == "RegistrantLeft"}
    mentored = [k for k, r in regs.items() if not r["comparator"]]
    comparators = [k for k, r in regs.items() if r["comparator"]]
    assert sum(k in left for k in comparators) / len(comparators) > sum(
        k in left for k in mentored) / len(mentored)
    assert any(f["fact"] == "RecruitmentTargetSet" and f["assumed_dropout_rate"] == "0.60"
               for f in default_facts)
    assert any(f["fact"] == "FactCorrected" and "on" in f["replacement"] for f in default_facts)


def test_back_dated_pay_awards_restate_logged_time(default_facts: list[Fact]) -> None:
    logged: dict[str, str] = {}
    back_dated = 0
    for f in default_facts:
        if f["fact"] == "MentorTimeLogged":
            logged[f["mentor"]] = max(logged.get(f["mentor"], ""), f["on"])
        elif f["fact"] == "MentorPayRateSet" and f["on"] < logged.get(f["mentor"], ""):
            back_dated += 1
    assert back_dated > 0


# --------------------------------------------------------------------------- the rule checker


@attrs.define
class _Registrant:
    enrolled: str
    comparator: bool
    left: str | None = None
    left_ref: str = ""
    closed: bool = False
    matches: dict[str, list[list[str | None]]] = attrs.Factory(lambda: defaultdict(list))
    last_contact: str = ""


@attrs.define
class _Mentor:
    enrolled: str
    withdrawn: bool = False
    paused: bool = False
    last_logged: str = ""


@attrs.define
class _Event:
    created: str
    planned: str
    partnership: str
    state: str = "open"
    rostered: set[str] = attrs.Factory(set)
    reached: int = 0


class RuleChecker:
    """Replays facts in file order and fails on the first fact the importer would reject."""

    def __init__(self) -> None:
        self.partnerships: dict[str, str] = {}
        self.frameworks: dict[str, set[str]] = defaultdict(set)
        self.mentors: dict[str, _Mentor] = {}
        self.registrants: dict[str, _Registrant] = {}
        self.events: dict[str, _Event] = {}
        self.by_ref: dict[str, Fact] = {}

    def check(self, facts: Iterable[Fact]) -> None:
        for line, fact in enumerate(facts, start=1):
            assert fact["source_ref"] not in self.by_ref, (line, fact)
            try:
                getattr(self, "on_" + fact["fact"], self.generic)(fact)
            except AssertionError as error:
                raise AssertionError(f"line {line}: {fact}: {error}") from None
            self.by_ref[fact["source_ref"]] = fact

    # subjects exist, are open, and the fact is not dated before their creation
    def generic(self, f: Fact) -> None:
        key = FIELDS[f["fact"]][0]
        if key == "partnership":
            assert f["on"] >= self.partnerships[f["partnership"]], "before partnership formed"
            for name in ("event", "mentor"):
                if name in f:
                    assert f[name] in (self.events if name == "event" else self.mentors)
            if "mentor" in f:
                assert not self.mentors[f["mentor"]].withdrawn, "cost for a withdrawn mentor"
        elif key == "mentor":
            self.mentor(f)
        elif key == "registrant":
            self.registrant(f)
        elif key == "event":
            self.event(f)

    def mentor(self, f: Fact) -> _Mentor:
        m = self.mentors[f["mentor"]]
        assert not m.withdrawn, "fact about a withdrawn mentor"
        assert f["on"] >= m.enrolled, "before enrolment"
        return m

    def registrant(self, f: Fact) -> _Registrant:
        r = self.registrants[f["registrant"]]
        assert r.left is None or f["fact"] == "RegistrantRejoined", "fact about a left registrant"
        assert not r.closed, "fact after follow-up ended"
        assert f["on"] >= r.enrolled, "before enrolment"
        return r

    def event(self, f: Fact) -> _Event:
        e = self.events[f["event"]]
        assert e.state == "open" or (f["fact"] == "FeedbackRecorded" and e.state == "delivered"), \
            "fact about a delivered or cancelled event"
        assert f["on"] >= e.created, "before the event was planned"
        return e

    # creation facts
    def on_PartnershipFormed(self, f: Fact) -> None:
        assert f["partnership"] not in self.partnerships
        self.partnerships[f["partnership"]] = f["on"]

    def on_MentorEnrolled(self, f: Fact) -> None:
        assert f["mentor"] not in self.mentors
        assert f["on"] >= self.partnerships[f["partnership"]]
        self.mentors[f["mentor"]] = _Mentor(f["on"])

    def on_RegistrantEnrolled(self, f: Fact) -> None:
        assert f["registrant"] not in self.registrants
        assert f["on"] >= self.partnerships[f["partnership"]]
        registered, enrolled = date.fromisoformat(f["registered_on"]), date.fromisoformat(f["on"])
        assert registered <= enrolled, "registered after enrolment"
        months = (enrolled.year - registered.year) * 12 + enrolled.month - registered.month
        assert months < 24 or (months == 24 and enrolled.day < registered.day), "not eligible"
        assert f["in_post_since"] <= f["on"]
        self.registrants[f["registrant"]] = _Registrant(f["on"], f["comparator"])

    def on_EventPlanned(self, f: Fact) -> None:
        assert f["event"] not in self.events
        assert f["on"] >= self.partnerships[f["partnership"]]
        self.events[f["event"]] = _Event(f["on"], f["on"], f["partnership"])

    # partnership facts that reference reference data
    def on_FrameworkAdopted(self, f: Fact) -> None:
        self.generic(f)
        self.frameworks[f["partnership"]].add(f["framework"])

    def on_FrameworkItemAssessed(self, f: Fact) -> None:
        self.generic(f)
        assert f["framework"] in self.frameworks[f["partnership"]], "framework not adopted"
        if f["framework"] == "retention-self-assessment":
            assert f["item"] in RETENTION_ITEMS

    on_ActionAgreed = on_FrameworkItemAssessed

    def on_RecruitmentTargetSet(self, f: Fact) -> None:
        self.generic(f)
        assert 0 <= float(f["assumed_dropout_rate"]) < 1

    # mentors
    def on_MentorPayRateSet(self, f: Fact) -> None:
        self.mentor(f)
        assert 0 <= float(f["oncost_rate"]) <= 1

    def on_MentorTimeLogged(self, f: Fact) -> None:
        m = self.mentor(f)
        assert not m.paused, "time logged while paused (stricter than the importer)"
        end: str = f["until"] if "until" in f else f["on"]
        assert end >= f["on"], "until before on"
        if "registrant" in f and f["activity"] == "one_to_one":
            r = self.registrants[f["registrant"]]
            assert r.left is None, "time with a left registrant"
            assert self.matched(r, f["mentor"], f["on"]), "one-to-one while not matched"
        if "event" in f:
            assert f["event"] in self.events
        m.last_logged = max(m.last_logged, end)

    def on_MentorWithdrew(self, f: Fact) -> None:
        m = self.mentor(f)
        assert f["on"] >= m.last_logged, "withdrew before time already logged"
        m.withdrawn = True

    def on_MentorPaused(self, f: Fact) -> None:
        self.mentor(f).paused = True

    def on_MentorResumed(self, f: Fact) -> None:
        m = self.mentor(f)
        assert m.paused, "resumed but not paused"
        m.paused = False

    # registrants
    def on_MentorMatched(self, f: Fact) -> None:
        r = self.registrant(f)
        assert not r.comparator, "comparator matched"
        mentor = self.mentors[f["mentor"]]
        assert not mentor.withdrawn and mentor.enrolled <= f["on"], "mentor not available"
        assert not mentor.paused, "matched to a paused mentor (stricter than the importer)"
        r.matches[f["mentor"]].append([f["on"], None])

    def on_MentorUnmatched(self, f: Fact) -> None:
        r = self.registrant(f)
        spans = r.matches[f["mentor"]]
        assert spans and spans[-1][1] is None, "unmatched but not matched"
        spans[-1][1] = f["on"]

    def on_MentoringContactRecorded(self, f: Fact) -> None:
        r = self.registrant(f)
        assert not self.mentors[f["mentor"]].withdrawn
        assert self.matched(r, f["mentor"], f["on"]), "contact while not matched"
        assert f["minutes"] >= 0
        r.last_contact = max(r.last_contact, f["on"])

    def on_RegistrantLeft(self, f: Fact) -> None:
        r = self.registrant(f)
        assert f["on"] >= r.last_contact, "left before a contact already recorded"
        r.left, r.left_ref = f["on"], f["source_ref"]

    def on_RegistrantRejoined(self, f: Fact) -> None:
        r = self.registrant(f)
        assert r.left is not None and f["on"] > r.left
        r.left = None

    def on_FollowUpEnded(self, f: Fact) -> None:
        self.registrant(f).closed = True

    @staticmethod
    def matched(r: _Registrant, mentor: str, day: str) -> bool:
        return any(start is not None and start <= day and (end is None or day < end)
                   for start, end in r.matches.get(mentor, []))

    # events
    def on_AmbassadorRostered(self, f: Fact) -> None:
        e = self.event(f)
        assert not self.mentors[f["mentor"]].withdrawn
        e.rostered.add(f["mentor"])

    def on_EventRescheduled(self, f: Fact) -> None:
        self.event(f).planned = f["new_date"]

    def on_EventDelivered(self, f: Fact) -> None:
        e = self.event(f)
        assert f["on"] >= e.planned, "delivered before the (re)scheduled date"
        for mentor in f["attendees"]:
            assert mentor in self.mentors and not self.mentors[mentor].withdrawn, mentor
        e.state, e.reached = "delivered", f["audience_reached"]

    def on_EventCancelled(self, f: Fact) -> None:
        self.event(f).state = "cancelled"

    def on_FeedbackRecorded(self, f: Fact) -> None:
        e = self.event(f)
        assert e.state == "delivered", "feedback before delivery"
        assert f["responses"] <= e.reached
        assert set(f["items"]) <= FEEDBACK_ITEMS
        for counts in f["items"].values():
            assert set(counts) == {"agree", "neutral", "disagree"}
            assert min(counts.values()) >= 0 and sum(counts.values()) <= f["responses"]

    # corrections
    def on_FactCorrected(self, f: Fact) -> None:
        target = self.by_ref[f["target"]]
        _, required, optional = FIELDS[target["fact"]]
        assert set(f["replacement"]) <= {"on", *required, *optional}, "not a field of the target"
        assert f["reason"]
        if target["fact"] == "RegistrantLeft" and "on" in f["replacement"]:
            r = self.registrants[target["registrant"]]
            assert r.left_ref == target["source_ref"]
            new = f["replacement"]["on"]
            assert r.enrolled <= new and r.last_contact <= new, "corrected leaving is impossible"
            r.left = new
        elif "on" in f["replacement"]:
            pytest.fail("only leaving dates are moved by the generator")

    def on_FactVoided(self, f: Fact) -> None:
        target = self.by_ref[f["target"]]
        assert target["fact"] not in CREATION, "voided a creation fact"
        assert target["fact"] in {"MentorTimeLogged", "CostIncurred"}
        assert f["reason"]


# --------------------------------------------------------------------------- the checker checks


def _history(*facts: Fact) -> list[Fact]:
    base: list[Fact] = [
        {"fact": "PartnershipFormed", "partnership": "p", "on": "2024-01-01", "name": "P",
         "programme": "legacy_mentoring", "lead_org": "ods:QWO"},
        {"fact": "MentorEnrolled", "mentor": "M-1", "on": "2024-01-02", "partnership": "p",
         "role": "legacy_mentor", "sector": "health", "profession": "nurse",
         "employer": "ods:RXF", "setting": "secondary_care", "employment_route": "bank",
         "contracted_hours_per_week": "15"},
        {"fact": "RegistrantEnrolled", "registrant": "R-1", "on": "2024-02-01", "partnership": "p",
         "profession": "nurse", "registered_on": "2024-01-10", "employer": "ods:RXF",
         "setting": "secondary_care", "in_post_since": "2024-01-20", "comparator": False},
        {"fact": "MentorMatched", "registrant": "R-1", "on": "2024-02-05", "mentor": "M-1"},
        {"fact": "EventPlanned", "event": "E-1", "on": "2024-03-01", "partnership": "p",
         "kind": "cpd", "audience": "staff", "integrated": False, "expected_audience": 5},
    ]
    out = base + list(facts)
    for n, fact in enumerate(out, start=1):
        fact["source_ref"] = f"t-{n}"
    return out


def _contact(day: str, mentor: str = "M-1") -> Fact:
    return {"fact": "MentoringContactRecorded", "registrant": "R-1", "on": day, "mentor": mentor,
            "minutes": 30, "mode": "phone"}


def test_the_checker_accepts_a_valid_history() -> None:
    RuleChecker().check(_history(
        _contact("2024-02-10"),
        {"fact": "RegistrantLeft", "registrant": "R-1", "on": "2024-02-10",
         "destination": "unknown", "reason": "x"},
        {"fact": "EventDelivered", "event": "E-1", "on": "2024-03-01", "audience_reached": 3,
         "attendees": ["M-1"], "duration_minutes": 60}))


@pytest.mark.parametrize(("facts", "message"), [
    ([_contact("2024-02-20"),
      {"fact": "RegistrantLeft", "registrant": "R-1", "on": "2024-02-10",
       "destination": "unknown", "reason": "x"}], "left before a contact"),
    ([{"fact": "RegistrantLeft", "registrant": "R-1", "on": "2024-02-10",
       "destination": "unknown", "reason": "x"}, _contact("2024-02-09")], "left registrant"),
    ([_contact("2024-02-04")], "not matched"),
    ([{"fact": "MentorEnrolled", "mentor": "M-2", "on": "2024-01-03", "partnership": "p",
       "role": "legacy_mentor", "sector": "health", "profession": "nurse",
       "employer": "ods:RXF", "setting": "secondary_care", "employment_route": "bank",
       "contracted_hours_per_week": "15"}, _contact("2024-02-10", "M-2")], "not matched"),
    ([{"fact": "MentorUnmatched", "registrant": "R-1", "on": "2024-02-08", "mentor": "M-1",
       "reason": "x"}, _contact("2024-02-10")], "not matched"),
    ([{"fact": "EventDelivered", "event": "E-1", "on": "2024-02-28", "audience_reached": 3,
       "attendees": [], "duration_minutes": 60}], "before the event"),
    ([{"fact": "EventRescheduled", "event": "E-1", "on": "2024-03-01", "new_date": "2024-04-01",
       "reason": "x"},
      {"fact": "EventDelivered", "event": "E-1", "on": "2024-03-15", "audience_reached": 3,
       "attendees": [], "duration_minutes": 60}], "scheduled date"),
    ([{"fact": "EventCancelled", "event": "E-1", "on": "2024-03-01", "by": "host", "reason": "x"},
      {"fact": "EventDelivered", "event": "E-1", "on": "2024-03-02", "audience_reached": 3,
       "attendees": [], "duration_minutes": 60}], "cancelled event"),
    ([{"fact": "MentorTimeLogged", "mentor": "M-1", "on": "2024-03-05", "hours": "1",
       "activity": "admin", "category": "administration"},
      {"fact": "MentorWithdrew", "mentor": "M-1", "on": "2024-03-01", "stage": "active",
       "reason": "x"}], "withdrew before time"),
    ([{"fact": "MentorTimeLogged", "mentor": "M-1", "on": "2024-02-06", "hours": "1",
       "activity": "one_to_one", "category": "delivery", "registrant": "R-1",
       "until": "2024-02-05"}], "until before on"),
    ([{"fact": "FeedbackRecorded", "event": "E-1", "on": "2024-03-02", "questionnaire": "q",
       "phase": "post", "responses": 1, "items": {}}], "feedback before delivery"),
    ([{"fact": "FrameworkItemAssessed", "partnership": "p", "on": "2024-03-01",
       "framework": "retention-self-assessment", "item": "health_wellbeing", "status": "met",
       "evidence": [], "assessor": "U-1"}], "not adopted"),
    ([{"fact": "FactVoided", "on": "2024-03-01", "target": "t-3", "reason": "x"}], "creation"),
])
def test_the_checker_rejects_impossible_histories(facts: list[Fact], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        RuleChecker().check(_history(*facts))
