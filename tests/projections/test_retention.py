"""Retention cohorts over literal histories with hand-computed answers, Kaplan-Meier against
lifelines, and the fold's laws (irrelevant facts, corrections, replaying contributing facts)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacyledger.projections.base import FactRecord
from legacyledger.projections.retention import RetentionParams, RetentionView, project_retention
from legacyledger.projections.retention.km import Z95, Subject, kaplan_meier
from legacyledger.projections.retention.members import in_post_days
from legacyledger.projections.retention.periods import add_months
from legacyledger.projections.retention.scope import Path

Fact = dict[str, Any]
HOME, OTHER_TRUST, COUNCIL, CARE_HOME = "ods:RXF", "ods:RR8", "gss:E08000032", "cqc:1-101"


# -- builders: facts in domain words (spec/facts.md) -------------------------------------


def enrolled(r: str, registered: str, on: str | None = None, **kw: Any) -> Fact:
    return {
        "fact": "RegistrantEnrolled", "registrant": r, "on": on or registered,
        "partnership": kw.get("partnership", "wy"), "profession": kw.get("profession", "nurse"),
        "registered_on": registered, "employer": kw.get("employer", HOME),
        "setting": kw.get("setting", "secondary_care"),
        "in_post_since": kw.get("in_post_since", on or registered),
        "comparator": kw.get("comparator", False), **kw.get("extra", {}),
    }  # fmt: skip


def moved(r: str, on: str, employer: str, sector: str = "nhs_trust", same: bool = True) -> Fact:
    return {"fact": "RegistrantMoved", "registrant": r, "on": on, "employer": employer,
            "setting": "secondary_care", "sector": sector, "same_staff_group": same}  # fmt: skip


def left(r: str, on: str, destination: str, ref: str | None = None) -> Fact:
    fact = {"fact": "RegistrantLeft", "registrant": r, "on": on, "destination": destination,
            "reason": "x"}  # fmt: skip
    return {**fact, "source_ref": ref} if ref else fact


def rejoined(r: str, on: str, employer: str = HOME) -> Fact:
    return {"fact": "RegistrantRejoined", "registrant": r, "on": on, "employer": employer,
            "setting": "secondary_care"}  # fmt: skip


def status(r: str, on: str, value: str) -> Fact:
    return {"fact": "EmploymentStatusChanged", "registrant": r, "on": on, "status": value}


def follow_up_ended(r: str, on: str) -> Fact:
    return {"fact": "FollowUpEnded", "registrant": r, "on": on, "reason": "consent_withdrawn"}


def matched(r: str, on: str) -> Fact:
    return {"fact": "MentorMatched", "registrant": r, "on": on, "mentor": "M-1"}


def org(name: str, org_code: str, on: str) -> Fact:
    fact = {"fact": name, "partnership": "wy", "on": on, "org": org_code}
    extra = {"sector": "social_care", "setting": "local_authority_social_care"}
    return {**fact, **(extra if name == "OrganisationJoined" else {"reason": "x"})}


def corrected(target: str, replacement: dict[str, Any], on: str = "2026-01-01") -> Fact:
    return {"fact": "FactCorrected", "on": on, "target": target, "replacement": replacement,
            "reason": "typo"}  # fmt: skip


def voided(target: str, on: str) -> Fact:
    return {"fact": "FactVoided", "on": on, "target": target, "reason": "entered twice"}


def contact(r: str, on: str) -> Fact:
    return {"fact": "MentoringContactRecorded", "registrant": r, "on": on, "mentor": "M-1",
            "minutes": 30, "mode": "virtual"}  # fmt: skip


def ledger(*facts: Fact, start: int = 1, step: int = 1) -> list[FactRecord]:
    """Facts in ledger order; ``source_ref`` defaults to ``f<position>``."""
    records = []
    for i, fact in enumerate(facts):
        position = start + i * step
        records.append(FactRecord(position, {"source_ref": f"f{position}", **fact}))
    return records


def fold(records: Iterable[FactRecord], as_of: str, **params: Any) -> RetentionView:
    return project_retention(records, RetentionParams(as_of=date.fromisoformat(as_of), **params))


def value(view: RetentionView, metric: str, **dims: Any) -> Any:
    dims.setdefault("scope", view.params.scope)
    parts = "".join(f"/{k}={str(v).replace('/', '-')}" for k, v in sorted(dims.items()))
    return view.figure(f"retention.{metric}{parts}").value


# -- scopes ------------------------------------------------------------------------------
# Five registrants registered and enrolled 2024-09-02 (cohort 2024/25), partnership "wy" with
# the council COUNCIL joined 2024-06-01; horizons 6 → 2025-03-02 and 12 → 2025-09-02.
#   R1 moves 2025-01-10 to another NHS trust, same staff group
#   R2 moves 2025-02-01 to the council (local authority), other staff group
#   R3 leaves 2025-06-15 to leave the profession
#   R4 leaves 2025-07-01 for another NHS organisation
#   R5 stays
SCOPES = ledger(
    org("OrganisationJoined", COUNCIL, "2024-06-01"),
    *(enrolled(f"R{i}", "2024-09-02") for i in range(1, 6)),
    moved("R1", "2025-01-10", OTHER_TRUST),
    moved("R2", "2025-02-01", COUNCIL, sector="local_authority", same=False),
    left("R3", "2025-06-15", "left_profession"),
    left("R4", "2025-07-01", "other_nhs"),
)


@pytest.mark.parametrize(
    ("scope", "retained_6", "retained_12", "eligible_12"),
    [
        # organisation: any other employer is leaving. h6: R1, R2 gone → 3; h12: only R5 → 1/5
        ("organisation", 3, 1, 5),
        # nhs: R1 (trust, same group) stays; R4's leaving for other_nhs is not leaving but no
        # longer observed: censored 2025-07-01, before h12. h6: R2 gone → 4/5;
        # h12: R2, R3 gone, R4 censored → 2/4
        ("nhs", 4, 2, 4),
        # system: R2 (council in the partnership) stays; R1 (trust outside) and R4 leave.
        # h6: R1 gone → 4/5; h12: R1, R3, R4 gone → 2/5
        ("system", 4, 2, 5),
        # profession: R3 (left_profession) leaves; R4 (other_nhs) is censored at its leaving.
        # h6: 5/5; h12: R1 R2 R5 → 3/4
        ("profession", 5, 3, 4),
    ],
)
def test_each_scope_decides_who_is_retained(
    scope: str, retained_6: int, retained_12: int, eligible_12: int
) -> None:
    view = fold(SCOPES, "2025-12-31", scope=scope)
    assert value(view, "eligible", cohort="2024/25", h=6) == 5
    assert value(view, "retained", cohort="2024/25", h=6) == retained_6
    assert value(view, "retained", cohort="2024/25", h=12) == retained_12
    assert value(view, "eligible", cohort="2024/25", h=12) == eligible_12
    assert value(view, "censored_before", cohort="2024/25", h=12) == 5 - eligible_12
    assert value(view, "rate", cohort="2024/25", h=12) == Decimal(retained_12) / eligible_12
    # 2024-09-02 + 18 months = 2026-03-02 > as_of: nobody observable yet (R4 censored)
    assert value(view, "not_yet_observable", cohort="2024/25", h=18) == eligible_12
    assert value(view, "rate", cohort="2024/25", h=18) is None


def test_system_scope_uses_membership_on_the_move_date() -> None:
    # the care home joined 2024-06-01 and left 2024-12-01; R moves there 2025-02-01: leaving
    records = ledger(
        org("OrganisationJoined", CARE_HOME, "2024-06-01"),
        org("OrganisationLeft", CARE_HOME, "2024-12-01"),
        enrolled("R", "2024-09-02"),
        moved("R", "2025-02-01", CARE_HOME, sector="independent_social_care", same=False),
    )
    view = fold(records, "2025-12-31", scope="system")
    assert value(view, "retained", cohort="2024/25", h=6) == 0
    rate = view.figure("retention.rate/cohort=2024-25/h=6/scope=system")
    assert rate.derivation.contributing == (1, 2, 3, 4)
    # before it left, the same move would have been retained
    early = fold(records[:3] + ledger(moved("R", "2024-11-01", CARE_HOME), start=4), "2025-12-31",
                 scope="system")  # fmt: skip
    assert value(early, "retained", cohort="2024/25", h=6) == 1


# -- R_h with censoring, not-yet-observable and late entry ------------------------------
# as_of 2025-12-31, cohort 2024/25, scope nhs:
#   A registered 2024-04-10, stays            h6 2024-10-10 ✓  h12 2025-04-10 ✓  h18 2025-10-10 ✓
#   B registered 2024-05-01, follow-up ends 2024-12-01
#                                              h6 2024-11-01 ✓  h12+ censored (2024-12-01 <
#                                              2025-05-01)
#   C registered 2025-03-01, stays            h6 2025-09-01 ✓  h12 2026-03-01 > as_of: not yet
#   D registered 2024-06-30, retires 2024-11-15
#                                              h6 2024-12-30 ✗  h12 2025-06-30 ✗  h18 2025-12-30 ✗
#   E registered 2024-08-31, enrolled 2025-05-01 (late), stays
#                                              h6 2025-02-28 (day clamped): enrolled after it,
#                                              late entry, not eligible;
#                                              h12 2025-08-31 ✓  h18 2026-02-28 > as_of: not yet
HORIZONS = ledger(
    enrolled("A", "2024-04-10"),
    enrolled("B", "2024-05-01"),
    enrolled("C", "2025-03-01"),
    enrolled("D", "2024-06-30"),
    enrolled("E", "2024-08-31", on="2025-05-01"),
    follow_up_ended("B", "2024-12-01"),
    left("D", "2024-11-15", "retired"),
)


@pytest.mark.parametrize(
    ("h", "eligible", "retained", "censored", "not_yet", "late"),
    [
        (6, 4, 3, 0, 0, 1),  # A B C retained, D not: R_6 = 3/4; E late (enrolled after h6)
        (12, 3, 2, 1, 1, 0),  # A E retained, D not; B censored; C not yet
        (18, 2, 1, 1, 2, 0),  # A retained, D not; B censored; C E not yet
        (24, 0, 0, 1, 4, 0),  # B censored (before 2026-05-01); the rest not yet
    ],
)
def test_retained_at_horizon_with_censoring(
    h: int, eligible: int, retained: int, censored: int, not_yet: int, late: int
) -> None:
    view = fold(HORIZONS, "2025-12-31")
    cohort = {"cohort": "2024/25", "h": h}
    assert value(view, "eligible", **cohort) == eligible
    assert value(view, "retained", **cohort) == retained
    assert value(view, "censored_before", **cohort) == censored
    assert value(view, "not_yet_observable", **cohort) == not_yet
    assert value(view, "late_entry", **cohort) == late
    size = value(view, "cohort_size", cohort="2024/25")
    assert size == eligible + censored + not_yet + late
    expected = Decimal(retained) / Decimal(eligible) if eligible else None
    assert value(view, "rate", **cohort) == expected


def test_a_leaving_seen_before_the_horizon_counts_whatever_happens_later() -> None:
    # cohort 2023/24, registered 2023-06-01, scope nhs, h12 = 2024-06-01, as_of 2025-12-31:
    #   L moves to the independent sector 2023-09-01 (3 months: leaving under nhs), and its
    #     follow-up ends 2023-11-01 (5 months): last observed not retained → eligible, left
    #   F follow-up ends 2023-11-01 while in post: censored before h12, not eligible
    #   K dies 2023-10-01 after leaving the profession 2023-08-01: eligible, left
    #   S stays: eligible, retained
    # eligible_12 = L K S = 3, retained_12 = S = 1, R_12 = 1/3; censored_before_12 = F = 1
    records = ledger(
        *(enrolled(r, "2023-06-01") for r in ("L", "F", "K", "S")),
        moved("L", "2023-09-01", CARE_HOME, sector="independent_social_care", same=False),
        follow_up_ended("L", "2023-11-01"), follow_up_ended("F", "2023-11-01"),
        left("K", "2023-08-01", "left_profession"), left("K", "2023-10-01", "deceased"),
    )  # fmt: skip
    view = fold(records, "2025-12-31")
    cohort = {"cohort": "2023/24", "h": 12}
    assert value(view, "eligible", **cohort) == 3
    assert value(view, "retained", **cohort) == 1
    assert value(view, "censored_before", **cohort) == 1
    assert value(view, "rate", **cohort) == Decimal(1) / Decimal(3)
    rate = view.figure("retention.rate/cohort=2023-24/h=12/scope=nhs")
    assert rate.derivation.version == 2
    assert view.figure("retention.cohort_size/cohort=2023-24/scope=nhs").derivation.version == 1
    assert "Kaplan-Meier" in (rate.derivation.note or "")
    # Kaplan-Meier counts the same two leavings as events (days 92 and 61), F censored
    (row,) = view.cohorts
    assert [(p.day, p.events) for p in row.curve.points] == [(61, 1), (92, 1)]


def test_late_entrants_are_not_eligible() -> None:
    # registered 2024-04-01; h6 = 2024-10-01. N enrols on the anchor; J enrols 2024-11-01,
    # after h6: late entry, not eligible for R_6 whatever its status (R_6 = 1/1, late 1);
    # by h12 (2025-04-01) J is in post and enrolled: eligible for R_12 (2/2).
    records = ledger(enrolled("N", "2024-04-01"), enrolled("J", "2024-04-01", on="2024-11-01"))
    view = fold(records, "2025-12-31")
    assert value(view, "eligible", cohort="2024/25", h=6) == 1
    assert value(view, "late_entry", cohort="2024/25", h=6) == 1
    assert value(view, "rate", cohort="2024/25", h=6) == 1
    assert value(view, "eligible", cohort="2024/25", h=12) == 2
    assert value(view, "late_entry", cohort="2024/25", h=12) == 0


def test_kaplan_meier_with_delayed_entry_by_hand() -> None:
    # Days from registered_on: D retires on day 138 (2024-06-30 → 2024-11-15), the only event.
    # At risk on day 138: A (censored day 630), B (censored day 214), C (censored day 305), D.
    # E enrolled on day 243 (2024-08-31 → 2025-05-01), so is not yet at risk: n = 4, d = 1.
    # S(138) = 1 - 1/4 = 0.75; Greenwood sum = 1 / (4 x 3) = 1/12.
    # At day 183 (6 months) S = 0.75 with A, B, C at risk (E enters after day 243).
    view = fold(HORIZONS, "2025-12-31")
    (row,) = view.cohorts
    (point,) = row.curve.points
    assert (point.day, point.at_risk, point.events, point.censored) == (138, 4, 1, 0)
    assert point.survival == pytest.approx(0.75, abs=1e-12)
    assert point.variance == pytest.approx(0.75**2 / 12, abs=1e-12)
    spread = Z95 * math.sqrt(1 / 12) / math.log(0.75)
    assert point.lower == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.75)) - spread)))
    assert point.upper == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.75)) + spread)))
    assert value(view, "km_survival", cohort="2024/25", h=6) == pytest.approx(0.75)
    assert value(view, "km_at_risk", cohort="2024/25", h=6) == 3
    assert (row.curve.subjects, row.curve.events, row.curve.censored) == (5, 1, 4)
    # 1 leaving by day 183: effective number followed = 1 / (1 - 0.75) = 4 (those at risk
    # when D left), so S = 1 - 1/4; the estimates rest on these two and the number at risk
    assert value(view, "km_cumulative_events", cohort="2024/25", h=6) == 1
    assert value(view, "km_effective_n", cohort="2024/25", h=6) == pytest.approx(4)
    survival = view.figure("retention.km_survival/cohort=2024-25/h=6/scope=nhs")
    assert survival.derivation.version == 3
    assert survival.derivation.inputs == tuple(
        f"retention.{m}/cohort=2024-25/h=6/scope=nhs"
        for m in ("km_cumulative_events", "km_effective_n", "km_at_risk"))  # fmt: skip
    # day 730 (24 months): the longest follow-up (A, to as_of) is 630 days: no one at risk, so
    # nothing is estimated (version 1 published S = 0.75 there)
    assert value(view, "km_at_risk", cohort="2024/25", h=24) == 0
    survival = view.figure("retention.km_survival/cohort=2024-25/h=24/scope=nhs")
    assert survival.value is None and "no one is at risk" in (survival.derivation.note or "")
    assert value(view, "km_ci_upper", cohort="2024/25", h=24) is None
    assert value(view, "km_effective_n", cohort="2024/25", h=24) is None


def test_effective_number_followed_is_the_cohort_size_without_losses() -> None:
    # 10 registered and enrolled 2024-04-01, 2 leave in June, 1 in December, nobody censored
    # before 12 months: S(6) = 8/10, S(12) = 7/10; effective number = 2/(1 - 0.8) = 10 and
    # 3/(1 - 0.7) = 10, the cohort's size; before any leaving there is none (S = 1)
    records = ledger(*(enrolled(f"R{i}", "2024-04-01") for i in range(10)),
                     left("R0", "2024-06-10", "left_uk"), left("R1", "2024-06-20", "left_uk"),
                     left("R2", "2024-12-01", "left_uk"))  # fmt: skip
    view = fold(records, "2025-12-31", horizons=(1, 6, 12))
    assert value(view, "km_effective_n", cohort="2024/25", h=6) == pytest.approx(10)
    assert value(view, "km_effective_n", cohort="2024/25", h=12) == pytest.approx(10)
    assert value(view, "km_cumulative_events", cohort="2024/25", h=12) == 3
    assert value(view, "km_survival", cohort="2024/25", h=1) == 1
    assert value(view, "km_effective_n", cohort="2024/25", h=1) is None


# -- back-dated leaving, corrections, voids ------------------------------------------------


def test_back_dated_leaving_keeps_the_earlier_figure_reproducible() -> None:
    # R enrolled 2024-09-02; at position 3 a leaving dated 2025-01-10 (before h6 2025-03-02)
    records = ledger(
        enrolled("R", "2024-09-02"),
        enrolled("S", "2024-09-02"),
        left("R", "2025-01-10", "left_uk"),
    )
    as_known_at_2 = fold(records[:2], "2025-12-31")
    now = fold(records, "2025-12-31")
    rate = "retention.rate/cohort=2024-25/h=6/scope=nhs"
    assert as_known_at_2.figure(rate).value == 1  # 2 of 2 as first reported
    assert now.figure(rate).value == Decimal("0.5")  # 1 of 2 once the leaving is known
    # the diff of the two derivations names the fact that changed it
    before = set(as_known_at_2.figure(rate).derivation.contributing)
    assert set(now.figure(rate).derivation.contributing) - before == {3}


def test_correction_and_void_of_a_leaving() -> None:
    base = ledger(*(enrolled(f"R{i}", "2024-09-02") for i in range(5)),
                  left("R0", "2025-01-10", "left_uk", ref="L"))  # fmt: skip
    rate_6 = {"cohort": "2024/25", "h": 6}
    # leaving on 2025-01-10 is before h6 (2025-03-02): 4 of 5
    assert value(fold(base, "2025-12-31"), "rate", **rate_6) == Decimal("0.8")
    # corrected to 2025-06-01, after h6: 5 of 5 at h6, still 4 of 5 at h12 (2025-09-02)
    fixed = base + ledger(corrected("L", {"on": "2025-06-01"}), start=7)
    view = fold(fixed, "2025-12-31")
    assert value(view, "rate", **rate_6) == 1
    assert value(view, "rate", cohort="2024/25", h=12) == Decimal("0.8")
    assert 7 in view.figure("retention.rate/cohort=2024-25/h=6/scope=nhs").derivation.contributing
    # voided: nobody left
    gone = fixed + ledger(voided("L", "2025-06-03"), start=8)
    view = fold(gone, "2025-12-31")
    assert value(view, "rate", cohort="2024/25", h=12) == 1
    assert {6, 7, 8} <= set(view.figure("retention.rate/cohort=2024-25/h=12/scope=nhs")
                             .derivation.contributing)  # fmt: skip


def test_correcting_registered_on_moves_a_registrant_between_cohorts() -> None:
    records = ledger(
        {**enrolled("R", "2024-03-20", on="2024-04-02"), "source_ref": "E"},
        corrected("E", {"registered_on": "2024-04-01"}),
    )
    assert value(fold(records[:1], "2025-12-31"), "cohort_size", cohort="2023/24") == 1
    assert value(fold(records, "2025-12-31"), "cohort_size", cohort="2024/25") == 1


# -- rejoiners and leave -----------------------------------------------------------------


def test_a_rejoiner_counts_if_back_at_the_horizon() -> None:
    # left 2025-01-10, back 2025-05-01: out at h6 (2025-03-02), in at h12 (2025-09-02);
    # Kaplan-Meier counts the first exit: day 130 (2024-09-02 → 2025-01-10)
    records = ledger(enrolled("R", "2024-09-02"), left("R", "2025-01-10", "left_uk"),
                     rejoined("R", "2025-05-01"))  # fmt: skip
    for scope in ("organisation", "nhs", "system", "profession"):
        view = fold(records, "2025-12-31", scope=scope)
        assert value(view, "retained", cohort="2024/25", h=6) == 0
        # system: the home trust never joined this partnership, so rejoining it is not back
        assert value(view, "retained", cohort="2024/25", h=12) == (scope != "system")
    curve = fold(records, "2025-12-31").cohorts[0].curve
    assert [(p.day, p.events) for p in curve.points] == [(130, 1)]


def test_rejoining_another_employer_is_not_back_in_the_organisation() -> None:
    records = ledger(enrolled("R", "2024-09-02"), left("R", "2025-01-10", "other_nhs"),
                     rejoined("R", "2025-05-01", employer=OTHER_TRUST))  # fmt: skip
    assert value(fold(records, "2025-12-31", scope="organisation"), "retained",
                 cohort="2024/25", h=12) == 0  # fmt: skip


def test_a_leaving_the_scope_does_not_count_censors_at_its_date() -> None:
    # scope profession, registered 2024-09-02, h12 = 2025-09-02, as_of 2025-12-31:
    #   U leaves 2025-01-10 for an unknown destination: not a profession exit, and never seen
    #     again: censored on 2025-01-10 (not kept at risk to as_of) → censored before h12
    #   Q leaves the profession 2025-02-01 → eligible, not retained
    #   S stays → retained.  R_12 = 1/2; Kaplan-Meier: U censored at day 130, Q's event at 152
    records = ledger(*(enrolled(r, "2024-09-02") for r in "UQS"),
                     left("U", "2025-01-10", "unknown"), left("Q", "2025-02-01", "left_profession"))
    view = fold(records, "2025-12-31", scope="profession")
    cohort = {"cohort": "2024/25", "h": 12}
    assert (value(view, "eligible", **cohort), value(view, "retained", **cohort)) == (2, 1)
    assert value(view, "censored_before", **cohort) == 1
    (row,) = view.cohorts
    (point,) = row.curve.points
    # at risk on day 152: Q and S (U censored on day 130): S = 1 - 1/2
    assert (point.day, point.at_risk, point.survival) == (152, 2, 0.5)


def test_a_rejoin_is_back_only_inside_the_scope() -> None:
    # scope nhs, registered 2024-09-02, h12 = 2025-09-02: both leave for the UK exit 2025-01-10;
    # B rejoins in secondary care 2025-05-01 (back in the NHS), G rejoins in primary care (not
    # an NHS trust: still gone). R_12 = 1/2. Under profession both are back: 2/2.
    records = ledger(
        enrolled("B", "2024-09-02"), enrolled("G", "2024-09-02"),
        left("B", "2025-01-10", "left_uk"), left("G", "2025-01-10", "left_uk"),
        rejoined("B", "2025-05-01"),
        {**rejoined("G", "2025-05-01", employer="ods:Y0001"), "setting": "primary_care"},
    )  # fmt: skip
    assert value(fold(records, "2025-12-31"), "rate", cohort="2024/25", h=12) == Decimal("0.5")
    profession = fold(records, "2025-12-31", scope="profession")
    assert value(profession, "rate", cohort="2024/25", h=12) == 1


def test_parental_leave_is_leaving_only_when_asked() -> None:
    # parental leave 2025-01-01 to 2025-06-01 spans h6 (2025-03-02), not h12 (2025-09-02)
    records = ledger(enrolled("R", "2024-09-02"), status("R", "2025-01-01", "parental_leave"),
                     status("R", "2025-06-01", "in_post"))  # fmt: skip
    default = fold(records, "2025-12-31")
    assert value(default, "retained", cohort="2024/25", h=6) == 1
    rate = default.figure("retention.rate/cohort=2024-25/h=6/scope=nhs")
    assert 2 not in rate.derivation.contributing  # status changes are not read by default
    esr = fold(records, "2025-12-31", count_leave_as_leaving=True)
    assert value(esr, "retained", cohort="2024/25", h=6, leave="counted") == 0
    assert value(esr, "retained", cohort="2024/25", h=12, leave="counted") == 1


# -- periods: leaver rate, stability index; early leavers ---------------------------------


def test_leaver_rate_and_stability_index_for_a_financial_year() -> None:
    # FY 2025/26 = [2025-04-01, 2026-04-01), 365 days; scope nhs
    #                                                 headcount       days in post, observed
    #   S1..S8 enrolled 2024-10-01, stay              start ✓ end ✓   8 * 365 = 2920
    #   P2 enrolled 2024-10-01, leaves 2025-08-01      start ✓ end ✗   Apr-Jul 30+31+30+31 = 122
    #   P3 enrolled 2025-06-01, stays                  start ✗ end ✓   365 - Apr - May = 304
    #   P4 enrolled 2024-11-01, leaves 2026-02-01      start ✓ end ✗   365 - Feb - Mar = 306
    #   P5 enrolled 2024-12-01, follow-up ends 2025-09-01 while in post: out of both headcounts
    #      (version 1 counted it at the start only), observed Apr-Aug + 1 Sep = 122 + 31 + 1 = 154
    #   P6 enrolled 2024-12-01, leaves 2025-06-01, follow-up ends 2025-10-01: its leaving was
    #      seen, so it stays in: start ✓ end ✗ leaver, Apr-May = 61
    # headcounts 8 + 3 = 11 and 8 + 1 = 9, leavers 3
    # average headcount = (2920 + 122 + 304 + 306 + 154 + 61) / 365 = 3867 / 365 = 10.59
    # leaver rate (version 3) = 3 / (3867 / 365) = 1095 / 3867 = 28.3%
    #   (version 2: 3 / ((11 + 9) / 2) = 30.0%, P5's 154 days observed in post dropped)
    # stability (version 3, Kaplan-Meier in days since 2025-03-31) over the 12 in post at the
    # start (S1..S8, P2, P4, P5, P6): P6 leaves on day 30 + 31 + 1 = 62 (12 at risk: 11/12);
    # P2 on day 122 + 1 = 123 (11 at risk: 10/11); P5 censored on day 123 + 31 = 154; P4
    # leaves on day 306 + 1 = 307 (9 at risk: 8/9); S1..S8 in post to day 365:
    # S = 11/12 * 10/11 * 8/9 = 20/27 = 74.1% (version 2: base 11 without P5, 8/11 = 72.7%)
    records = ledger(
        *(enrolled(f"S{i}", "2024-10-01") for i in range(1, 9)),
        enrolled("P2", "2024-10-01"), enrolled("P3", "2025-06-01"),
        enrolled("P4", "2024-11-01"), enrolled("P5", "2024-12-01"), enrolled("P6", "2024-12-01"),
        left("P2", "2025-08-01", "left_profession"), left("P4", "2026-02-01", "social_care"),
        follow_up_ended("P5", "2025-09-01"),
        left("P6", "2025-06-01", "left_uk"), follow_up_ended("P6", "2025-10-01"),
    )  # fmt: skip
    view = fold(records, "2026-03-31", periods=("2025/26",))
    (row,) = view.periods
    assert (row.headcount_start, row.headcount_end, row.leavers) == (11, 9, 3)
    assert (row.person_days, row.days) == (3867, 365)
    assert row.headcount_average == Decimal(3867) / Decimal(365)
    assert row.leaver_rate == Decimal(1095) / Decimal(3867)
    assert (row.stability_base, row.stable, row.stability_censored) == (11, 8, 1)
    assert value(view, "stability_index", period="2025/26") == pytest.approx(20 / 27, abs=1e-12)
    stability = view.figure("retention.stability_index/period=2025-26/scope=nhs")
    assert (stability.kind, stability.derivation.version) == ("statistic", 4)
    # 3 of the base left: effective base = 3 / (1 - 20/27) = 81/7, so 1 - 3 / (81/7) = 20/27
    effective = view.figure("retention.stability_effective_base/period=2025-26/scope=nhs")
    assert (row.stability_leavers, effective.unit) == (3, "people")
    assert effective.value == pytest.approx(81 / 7, abs=1e-12)
    assert stability.derivation.inputs == tuple(
        f"retention.{m}/period=2025-26/scope=nhs"
        for m in ("stable", "stability_base", "stability_effective_base"))  # fmt: skip
    rate = view.figure("retention.leaver_rate/period=2025-26/scope=nhs")
    assert (rate.value, rate.derivation.version) == (row.leaver_rate, 3)
    assert rate.derivation.inputs == ("retention.leavers/period=2025-26/scope=nhs",
                                      "retention.headcount_average/period=2025-26/scope=nhs")
    assert "equals the NHS definition" in (rate.derivation.note or "")
    average = view.figure("retention.headcount_average/period=2025-26/scope=nhs")
    assert (average.value, average.unit, average.kind) == (row.headcount_average, "people",
                                                           "statistic")  # fmt: skip
    # by default every complete financial year since the first enrolment: 2024/25, 2025/26
    assert [p.period for p in fold(records, "2026-03-31").periods] == ["2024/25", "2025/26"]
    with pytest.raises(ValueError, match="ends after as_of"):
        fold(records, "2026-03-30", periods=("2025/26",))


def test_the_leaver_rate_is_the_nhs_one_when_headcount_changes_evenly() -> None:
    # FY 2025/26, 365 days: 20 in post at the start, nobody joins, no follow-up ends;
    # A leaves 2025-07-10 (day 100: in post 100 days), B 2025-12-22 (day 265: 265 days)
    # average headcount = (18 * 365 + 100 + 265) / 365 = 19 = (20 + 18) / 2
    # leaver rate = 2 / 19 both ways (version 3 and the NHS definition)
    records = ledger(*(enrolled(f"S{i}", "2024-10-01") for i in range(18)),
                     enrolled("A", "2024-10-01"), enrolled("B", "2024-10-01"),
                     left("A", "2025-07-10", "left_uk"), left("B", "2025-12-22", "retired"))
    (row,) = fold(records, "2026-03-31", periods=("2025/26",)).periods
    assert (row.headcount_start, row.headcount_end, row.leavers) == (20, 18, 2)
    assert row.headcount_average == 19
    assert row.leaver_rate == Decimal(2) / Decimal(19)


def test_average_headcount_counts_only_days_observed_in_post() -> None:
    # FY 2025/26, 365 days, 10 stay all year (3650 days); scope nhs
    #   R leaves 2025-05-01 (Apr: 30 days), rejoins in secondary care 2025-10-01, follow-up
    #     ends 2026-01-31 while in post: in post Apr + Oct..Jan 31 = 30 + 31+30+31+31 = 153;
    #     out of both headcounts, but its leaving was seen: a leaver (version 2 dropped it)
    #   T leaves for other_nhs 2025-06-01: not leaving under nhs, it censors; observed in
    #     post Apr, May and 1 Jun = 30 + 31 + 1 = 62; out of both headcounts, not a leaver
    #   J enrolled 2026-03-01 (after the start): Mar = 31
    # average = (3650 + 153 + 62 + 31) / 365 = 3896 / 365; leavers 1
    # leaver rate = 1 / (3896 / 365) = 365 / 3896 = 9.4%
    records = ledger(
        *(enrolled(f"S{i}", "2024-10-01") for i in range(10)),
        enrolled("R", "2024-10-01"), enrolled("T", "2024-10-01"), enrolled("J", "2026-03-01"),
        left("R", "2025-05-01", "left_uk"), rejoined("R", "2025-10-01"),
        follow_up_ended("R", "2026-01-31"), left("T", "2025-06-01", "other_nhs"),
    )  # fmt: skip
    (row,) = fold(records, "2026-03-31", periods=("2025/26",)).periods
    assert (row.headcount_start, row.headcount_end, row.leavers) == (10, 11, 1)
    assert row.person_days == 3896
    assert row.leaver_rate == Decimal(365) / Decimal(3896)
    leavers = fold(records, "2026-03-31", periods=("2025/26",)).figure(
        "retention.leavers/period=2025-26/scope=nhs")
    assert leavers.derivation.version == 3


def test_stability_is_stable_over_base_when_no_observation_ends_in_post() -> None:
    # FY 2025/26, 10 in post at the start, nobody censored: R leaves 2025-05-01 and rejoins
    # 2025-10-01 (back by the end: not a leaving), L leaves 2025-12-01 and stays gone.
    # stable / base = 9/10; Kaplan-Meier: one event (L, 10 at risk) → 9/10 too
    records = ledger(*(enrolled(f"S{i}", "2024-10-01") for i in range(8)),
                     enrolled("R", "2024-10-01"), enrolled("L", "2024-10-01"),
                     left("R", "2025-05-01", "left_uk"), rejoined("R", "2025-10-01"),
                     left("L", "2025-12-01", "retired"))  # fmt: skip
    (row,) = fold(records, "2026-03-31", periods=("2025/26",)).periods
    assert (row.stability_base, row.stable, row.stability_censored) == (10, 9, 0)
    assert row.stability_index == pytest.approx(9 / 10, abs=1e-12)


def test_no_leaver_rate_when_the_average_headcount_is_below_10() -> None:
    # FY 2024/25 = [2024-04-01, 2025-04-01), 365 days: nobody in post on 2024-03-31;
    # 12 enrol 2024-05-01 (in post 365 - 30 = 335 days each), R0 leaves 2024-09-01
    # (May-Aug 31+30+31+31 = 123 days), R1 2024-10-01 (123 + 30 = 153 days).
    # average headcount = (10 * 335 + 123 + 153) / 365 = 3626 / 365 = 9.93 < 10: no rate.
    # Version 1 published 2 / ((0 + 10) / 2) = 40%.
    records = ledger(*(enrolled(f"R{i}", "2024-05-01") for i in range(12)),
                     left("R0", "2024-09-01", "left_uk"), left("R1", "2024-10-01", "left_uk"))
    view = fold(records, "2025-03-31", periods=("2024/25",))
    (row,) = view.periods
    assert (row.headcount_start, row.headcount_end, row.leavers) == (0, 10, 2)
    assert row.person_days == 3626
    rate = view.figure("retention.leaver_rate/period=2024-25/scope=nhs")
    assert rate.value is None
    assert "average headcount below 10" in (rate.derivation.note or "")


def test_a_ramp_up_year_with_enough_person_time_gets_a_leaver_rate() -> None:
    # as above with 24 enrolled: average = (22 * 335 + 123 + 153) / 365 = 7646 / 365 = 20.9,
    # leaver rate = 2 / (7646 / 365) = 730 / 7646 = 9.5%; the start headcount is 0, so the
    # mean of start and end headcounts would give 2 / ((0 + 22) / 2) = 18.2%.
    records = ledger(*(enrolled(f"R{i}", "2024-05-01") for i in range(24)),
                     left("R0", "2024-09-01", "left_uk"), left("R1", "2024-10-01", "left_uk"))
    (row,) = fold(records, "2025-03-31", periods=("2024/25",)).periods
    assert (row.headcount_start, row.headcount_end, row.person_days) == (0, 22, 7646)
    assert row.leaver_rate == Decimal(730) / Decimal(7646)


def test_early_leaver_share() -> None:
    # cohort 2023/24 registered 2023-06-01 (X3 2023-07-01); 24 months = 2025-06-01 / 2025-07-01
    #   X1 leaves 2025-03-01: 21 months → early;  X2 leaves 2025-07-01: 25 months → not
    #   X3 leaves 2025-07-01: exactly 24 months → not (strictly within);  X4 stays
    records = ledger(
        enrolled("X1", "2023-06-01"), enrolled("X2", "2023-06-01"), enrolled("X3", "2023-07-01"),
        enrolled("X4", "2023-06-01"), left("X1", "2025-03-01", "left_uk"),
        left("X2", "2025-07-01", "retired"), left("X3", "2025-07-01", "left_profession"),
    )  # fmt: skip
    view = fold(records, "2025-12-31")
    assert value(view, "all_leavers", cohort="2023/24") == 3
    assert value(view, "early_leavers", cohort="2023/24") == 1
    assert value(view, "early_leaver_share", cohort="2023/24") == Decimal(1) / Decimal(3)


def test_mentored_against_comparator() -> None:
    # cohort 2024/25 registered 2024-09-02; h12 = 2025-09-02
    #   mentored M1 M2 M3: M3 leaves 2025-05-01 → 2/3; comparator C1 C2: C2 leaves → 1/2
    # difference = 2/3 - 1/2 = 1/6
    records = ledger(
        *(enrolled(f"M{i}", "2024-09-02") for i in (1, 2, 3)),
        *(enrolled(f"C{i}", "2024-09-02", comparator=True) for i in (1, 2)),
        left("M3", "2025-05-01", "left_uk"), left("C2", "2025-05-01", "left_uk"),
    )  # fmt: skip
    view = fold(records, "2025-12-31")
    diff = view.figure("retention.rate_difference/cohort=2024-25/h=12/scope=nhs")
    expected = Decimal(2) / Decimal(3) - Decimal(1) / Decimal(2)
    assert diff.value == pytest.approx(expected, abs=Decimal("1e-26"))
    assert "not causal" in (diff.derivation.note or "")
    # the groups' sizes are inputs (disclosed with their own figures), not parameters
    assert not {"mentored_size", "comparator_size"} & set(diff.derivation.parameters)
    group = "retention.{}/cohort=2024-25/group={}{}/scope=nhs"
    assert diff.derivation.inputs == tuple(
        group.format(metric, g, h)
        for metric, h in (("rate", "/h=12"), ("cohort_size", ""), ("eligible", "/h=12"))
        for g in ("mentored", "comparator")
    )
    assert [view.figure(i).value for i in diff.derivation.inputs[2:]] == [3, 2, 3, 2]
    assert value(view, "rate", cohort="2024/25", group="comparator", h=12) == Decimal("0.5")
    assert diff.derivation.contributing == (1, 2, 3, 4, 5, 6, 7)


def test_anchor_and_quarter_cohorts() -> None:
    # registered 2024-03-20 (2023/24 Q4), matched 2024-04-02 (2024/25 Q1)
    records = ledger(enrolled("R", "2024-03-20", on="2024-03-25"), matched("R", "2024-04-02"))
    by_match = fold(records, "2025-12-31", anchor="matched_on", period="quarter")
    assert by_match.figure(
        "retention.cohort_size/anchor=matched_on/cohort=2024-25 Q1/scope=nhs").value == 1
    by_registration = fold(records, "2025-12-31", period="quarter", by=("profession",))
    assert value(by_registration, "cohort_size", cohort="2023/24 Q4", profession="nurse") == 1
    assert by_registration.cohorts[0].dims == (("profession", "nurse"),)


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError):
        RetentionParams(as_of=date(2025, 1, 1), by=("colour",))
    with pytest.raises(ValueError):
        RetentionParams(as_of=date(2025, 1, 1), scope="galaxy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RetentionParams(as_of=date(2025, 1, 1), periods=("FY24",))


def test_calendar_month_arithmetic_clamps_to_month_end() -> None:
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 12) == date(2025, 1, 31)


# -- Kaplan-Meier against lifelines ------------------------------------------------------


def assert_agrees_with_lifelines(subjects: list[Subject], days: Iterable[int]) -> None:
    """lifelines' risk set on day t is ``entry < t <= duration`` (entrants on an event day are
    not at risk then, except on its first table row); ours is the same, and a delayed subject
    leaving on its entry day is left out of both."""
    from lifelines import KaplanMeierFitter

    curve = kaplan_meier(subjects)
    kept = [s for s in subjects if s.entry is None or s.entry < s.duration]
    kmf = KaplanMeierFitter().fit(
        [s.duration for s in kept], [s.event for s in kept], entry=[s.entry or 0 for s in kept]
    )
    table, sf, ci = kmf.event_table, kmf.survival_function_.iloc[:, 0], kmf.confidence_interval_
    assert [p.day for p in curve.points] == [int(t) for t in table.index[table.observed > 0]]
    assert curve.excluded == len(subjects) - len(kept)
    greenwood = 0.0
    for p in curve.points:
        row = table.loc[p.day]
        n = row.at_risk - (row.entrance if p.day != table.index[0] else 0)
        assert (p.at_risk, p.events, p.censored) == (n, row.observed, row.censored)
        greenwood += row.observed / (n * (n - row.observed)) if n > row.observed else 0.0
        assert p.greenwood == pytest.approx(greenwood, abs=1e-9)
        assert p.survival == pytest.approx(sf.loc[p.day], abs=1e-9)
        assert (p.lower, p.upper) == pytest.approx(tuple(ci.loc[p.day]), abs=1e-9)
    for day in days:
        at = curve.at(day)
        assert at.survival == pytest.approx(kmf.survival_function_at_times(day).iloc[0], abs=1e-9)
        bounds = ci.reindex([day], method="pad").fillna(1.0).iloc[0]
        assert (at.lower, at.upper) == pytest.approx(tuple(bounds), abs=1e-9)
        assert at.at_risk == sum(1 for s in kept if (s.entry or -1) < day <= s.duration)


subjects_st = st.lists(
    st.builds(
        Subject,
        entry=st.one_of(st.none(), st.integers(1, 40)),
        duration=st.integers(0, 60),
        event=st.booleans(),
    ),
    min_size=1,
    max_size=40,
).map(
    # three long-followed subjects keep the risk set from emptying early (lifelines refuses
    # such data with a StatError) and make the duration >= entry that the ledger guarantees
    lambda ss: [
        Subject(s.entry, max(s.duration, s.entry or 0), s.event) for s in ss
    ] + [Subject(None, 61, False)] * 3
)


@settings(max_examples=40, deadline=None)
@given(subjects_st)
def test_kaplan_meier_agrees_with_lifelines(subjects: list[Subject]) -> None:
    assert_agrees_with_lifelines(subjects, days=(0, 5, 17, 30, 61, 100))


@st.composite
def km_cohorts(draw: st.DrawFn) -> tuple[list[Fact], list[Subject]]:
    """Registrants in cohort 2024/25 with delayed entry, leaving, follow-up ending and ties
    (days drawn from a narrow range), and the subjects worked out independently."""
    as_of = date(2025, 3, 31)
    facts: list[Fact] = []
    subjects = [Subject(None, (as_of - date(2024, 6, 1)).days, False)] * 3
    facts += [enrolled(f"base{i}", "2024-06-01") for i in range(3)]
    for i in range(draw(st.integers(1, 25))):
        registered = date(2024, 6, 1) + timedelta(days=draw(st.integers(0, 3)))
        entry = draw(st.sampled_from([0, 0, 0, 2, 5, 9]))
        facts.append(enrolled(f"R{i}", str(registered), on=str(registered + timedelta(entry))))
        outcome, day = draw(st.sampled_from(["left", "ended", "died", "stays"])), draw(
            st.integers(entry, entry + 12))  # fmt: skip
        on = str(registered + timedelta(day))
        facts += {"left": [left(f"R{i}", on, "left_uk")], "ended": [follow_up_ended(f"R{i}", on)],
                  "died": [left(f"R{i}", on, "deceased")], "stays": []}[outcome]  # fmt: skip
        end = day if outcome != "stays" else (as_of - registered).days
        subjects.append(Subject(entry or None, end, outcome == "left"))
    return facts, subjects


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(km_cohorts())
def test_projection_kaplan_meier_agrees_with_lifelines(
    cohort: tuple[list[Fact], list[Subject]],
) -> None:
    facts, subjects = cohort
    view = fold(ledger(*facts), "2025-03-31", horizons=(1,))
    (row,) = view.cohorts
    assert row.curve.points == kaplan_meier(subjects).points
    assert_agrees_with_lifelines(subjects, days=(30,))
    assert value(view, "km_survival", cohort="2024/25", h=1) == row.curve.at(30).survival
    # S = 1 - events so far / effective number, the form disclosure control recomputes
    events = value(view, "km_cumulative_events", cohort="2024/25", h=1)
    effective = value(view, "km_effective_n", cohort="2024/25", h=1)
    expected = 1 if not events else 1 - events / effective
    assert row.curve.at(30).survival == pytest.approx(expected, abs=1e-12)


@st.composite
def pooled_cohorts(draw: st.DrawFn) -> tuple[list[Fact], list[Subject]]:
    """Registrants anchored across three financial years (2022/23 to 2024/25), pooled into one
    cohort: delayed entry, leaving, follow-up ending, death and ties (a few anchor dates, short
    gaps), with each Kaplan-Meier subject worked out independently of the projection."""
    as_of = date(2025, 3, 31)
    anchors = [date(2022, 6, 1), date(2023, 9, 1), date(2024, 6, 1)]
    facts = [enrolled(f"base{i}", str(anchors[0])) for i in range(3)]
    subjects = [Subject(None, (as_of - anchors[0]).days, False)] * 3
    for i in range(draw(st.integers(1, 30))):
        anchor = draw(st.sampled_from(anchors)) + timedelta(days=draw(st.integers(0, 2)))
        entry = draw(st.sampled_from([0, 0, 3, 8]))
        facts.append(enrolled(f"R{i}", str(anchor), on=str(anchor + timedelta(entry))))
        outcome = draw(st.sampled_from(["left", "ended", "died", "stays"]))
        day = draw(st.integers(entry, entry + 10))
        on = str(anchor + timedelta(day))
        facts += {"left": [left(f"R{i}", on, "retired")], "ended": [follow_up_ended(f"R{i}", on)],
                  "died": [left(f"R{i}", on, "deceased")], "stays": []}[outcome]  # fmt: skip
        end = day if outcome != "stays" else (as_of - anchor).days
        subjects.append(Subject(entry or None, end, outcome == "left"))
    return facts, subjects


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled_cohorts())
def test_pooled_kaplan_meier_agrees_with_lifelines(
    cohort: tuple[list[Fact], list[Subject]],
) -> None:
    facts, subjects = cohort
    view = fold(ledger(*facts), "2025-03-31", horizons=(1,), cohorts="all")
    (row,) = view.cohorts
    assert (row.cohort, row.size) == ("all", len(subjects))
    assert row.curve.points == kaplan_meier(subjects).points
    assert_agrees_with_lifelines(subjects, days=(0, 4, 9, 30, 400))
    assert value(view, "km_survival", cohort="all", h=1) == row.curve.at(30).survival


def test_a_custom_anchor_range_makes_one_cohort() -> None:
    # anchors 2022-08-31 (out), 2022-09-01, 2023-06-30, 2024-01-14 (in), 2024-01-15 (out)
    records = ledger(*(enrolled(f"R{i}", day) for i, day in enumerate(
        ["2022-08-31", "2022-09-01", "2023-06-30", "2024-01-14", "2024-01-15"])))
    view = fold(records, "2025-12-31", cohorts="2022-09-01..2024-01-14")
    (row,) = view.cohorts
    assert (row.cohort, row.size) == ("2022-09-01..2024-01-14", 3)
    size = view.figure("retention.cohort_size/cohort=2022-09-01..2024-01-14/scope=nhs")
    assert size.derivation.parameters["cohorts"] == "2022-09-01..2024-01-14"
    assert value(fold(records, "2025-12-31", cohorts="all"), "cohort_size", cohort="all") == 5
    for bad in ("2024-01-14..2022-09-01", "2022-09-01", "last year"):
        with pytest.raises(ValueError, match="anchor date range"):
            RetentionParams(as_of=date(2025, 1, 1), cohorts=bad)


# -- laws --------------------------------------------------------------------------------

DESTINATIONS = ["other_nhs", "primary_care", "social_care", "left_profession", "left_uk",
                "retired", "deceased", "unknown"]  # fmt: skip


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """Registrant histories across two cohorts and both groups, with every kind of change,
    back-dated facts (changes drawn in any order), corrections and voids."""
    facts: list[Fact] = [org("OrganisationJoined", COUNCIL, "2024-01-01")]
    for i in range(draw(st.integers(1, 6))):
        r = f"R{i}"
        registered = date(2023, 10, 1) + timedelta(draw(st.integers(0, 400)))
        enrol = registered + timedelta(draw(st.integers(0, 90)))
        facts.append(enrolled(r, str(registered), on=str(enrol), comparator=draw(st.booleans())))
        offsets = draw(st.lists(st.integers(1, 700), max_size=4))
        for offset in offsets:
            facts.append(draw(_change(r, str(enrol + timedelta(offset)))))
    facts = [{**f, "source_ref": f"s{k}"} for k, f in enumerate(facts)]
    for target in draw(st.lists(st.sampled_from(facts), max_size=2)):
        day = str(date(2024, 1, 1) + timedelta(draw(st.integers(0, 700))))
        facts.append(draw(st.sampled_from([
            corrected(target["source_ref"], {"on": day}),
            voided(target["source_ref"], "2026-01-01"),
        ])))  # fmt: skip
    return facts


def _change(r: str, on: str) -> st.SearchStrategy[Fact]:
    return st.one_of(
        st.builds(moved, st.just(r), st.just(on), st.sampled_from([HOME, OTHER_TRUST, COUNCIL]),
                  st.sampled_from(["nhs_trust", "primary_care", "local_authority"]), st.booleans()),
        st.builds(left, st.just(r), st.just(on), st.sampled_from(DESTINATIONS)),
        st.builds(rejoined, st.just(r), st.just(on), st.sampled_from([HOME, COUNCIL])),
        st.builds(status, st.just(r), st.just(on), st.sampled_from(["parental_leave", "in_post"])),
        st.just(follow_up_ended(r, on)),
        st.just(matched(r, on)),
    )  # fmt: skip


params_st = st.fixed_dictionaries({
    "scope": st.sampled_from(["organisation", "nhs", "system", "profession"]),
    "anchor": st.sampled_from(["registered_on", "in_post_since", "matched_on"]),
    "count_leave_as_leaving": st.booleans(),
    "by": st.sampled_from([(), ("group",), ("profession", "group"), ("employer",)]),
    "cohorts": st.sampled_from([None, "all", "2023-10-01..2024-06-30"]),
})  # fmt: skip
AS_OF = "2025-12-31"


def irrelevant(k: int) -> Fact:
    return [
        {**contact("R0", "2024-06-01"), "source_ref": f"x{k}"},
        {"fact": "CostIncurred", "partnership": "wy", "on": "2024-06-01", "amount": "10.00",
         "category": "delivery", "description": "room"},
        {"fact": "OutcomeMeasured", "registrant": "R0", "on": "2024-06-01",
         "instrument": "intention-to-stay", "timepoint": "m6", "score": "4.2"},
        corrected(f"x{k - 1}", {"minutes": 45}),
    ][k % 4]  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), params_st, st.lists(st.integers(0, 200), max_size=20))
def test_irrelevant_facts_change_nothing(
    facts: list[Fact], params: dict[str, Any], gaps: list[int]
) -> None:
    records = ledger(*facts, start=1000, step=1000)
    noisy = sorted(records + [FactRecord(1000 * (g % (len(facts) + 1)) + 1 + k, {
        "source_ref": f"n{k}", **irrelevant(k)}) for k, g in enumerate(gaps)])  # fmt: skip
    assert fold(noisy, AS_OF, **params) == fold(records, AS_OF, **params)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), params_st, st.data())
def test_a_correction_undone_or_a_fact_voided_restores_every_figure(
    facts: list[Fact], params: dict[str, Any], data: st.DataObject
) -> None:
    before = {f.id: f.value for f in fold(ledger(*facts), AS_OF, **params).figures}
    target = data.draw(st.sampled_from([f for f in facts if "registrant" in f]))
    ref = target["source_ref"]
    on = [target["on"]] + [f["replacement"]["on"] for f in facts if f.get("target") == ref
                           and f["fact"] == "FactCorrected"]  # fmt: skip
    shifted = corrected(ref, {"on": str(date.fromisoformat(on[-1]) - timedelta(40))})
    undone = corrected(ref, {"on": on[-1]})
    extra = {**left("R0", "2024-11-01", "left_uk"), "source_ref": "extra"}
    for tail in ([shifted, undone], [extra, voided("extra", "2026-01-01")]):
        after = fold(ledger(*facts, *tail), AS_OF, **params)
        assert {f.id: f.value for f in after.figures} == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), params_st)
def test_replaying_only_the_contributing_facts_reproduces_each_figure(
    facts: list[Fact], params: dict[str, Any]
) -> None:
    records = ledger(*facts)
    view = fold(records, AS_OF, **params)
    positions = {r.position for r in records}
    by_contributing: dict[tuple[int, ...], list[Any]] = {}
    for figure in view.figures:
        assert set(figure.derivation.contributing) <= positions
        by_contributing.setdefault(figure.derivation.contributing, []).append(figure)
    for contributing, figures in by_contributing.items():
        replay = fold([r for r in records if r.position in contributing], AS_OF, **params)
        for figure in figures:
            assert replay.figure(figure.id) == figure


@st.composite
def in_post_paths(draw: st.DrawFn) -> tuple[Path, date, date]:
    """A path of alternating leavings and returns over ~2 years, maybe censored, and a window."""
    day0 = date(2024, 4, 1)
    offsets = sorted(set(draw(st.lists(st.integers(0, 730), max_size=8))))
    days = tuple(day0 + timedelta(days=o) for o in offsets)
    states = tuple(i % 2 == 1 for i in range(len(days)))  # leave, return, leave, ...
    censored = draw(st.none() | st.integers(0, 800).map(lambda o: day0 + timedelta(days=o)))
    since = day0 + timedelta(days=draw(st.integers(-30, 760)))
    end = since + timedelta(days=draw(st.integers(0, 400)))
    return Path(days, states, censored), since, end


@settings(max_examples=60, deadline=None)
@given(in_post_paths())
def test_in_post_days_counts_each_day_observed_in_post(case: tuple[Path, date, date]) -> None:
    # the definition, day by day: d in [since, end), observed on d, in post at the end of d
    path, since, end = case
    span = (since + timedelta(days=i) for i in range(max(0, (end - since).days)))
    expected = sum(1 for d in span if path.observed_on(d) and path.retained_on(d))
    assert in_post_days(path, since, end) == expected
