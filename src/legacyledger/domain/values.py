"""Value types of the domain, declared once and used by the events and by fact validation.

Types are ``Annotated`` with small, library-neutral constraint markers. The domain never
imports pydantic; ``legacyledger.facts`` reads these markers to build its validators, so a
field's type and its validation rule live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le, Lt, MaxLen
from typing_extensions import TypedDict


class Pattern(str):
    """A regular expression a text value must match in full."""


class FreeText:
    """Text that must not carry obvious personal identifiers (e-mail, NHS number)."""


class Pseudonymous:
    """A key that must not be an NHS number (a 10-digit run with a valid check digit)."""


class DecimalText:
    """A decimal given as a string (or an integer), never as a float."""


class FrameworkDocument:
    """A framework file's content (``legacyledger/frameworks/FORMAT.md``), validated whole."""


# The bounds every accepted fact keeps, so that every figure of it can be computed and
# reported (docs/spec/facts.md, "Bounds"): stated once here, read by fact validation.
#: Business dates (and report dates): far enough from ``date.max`` that periods, follow-up
#: windows and as-of dates computed from them stay real dates.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2099, 12, 31)
#: Money: at most a trillion pounds a fact; a ledger's sums stay exact (projections.periods).
MONEY_MAX = 10**12
#: Hours of one fact; a score's magnitude; a count.
HOURS_MAX = 10_000
SCORE_MAX = 10**6
COUNT_MAX = 1_000_000_000
#: Digits after the point of any decimal (money, hours, rates, scores).
DECIMAL_PLACES = 6
#: Characters never accepted in text: C0 and C1 controls other than tab and line breaks
#: (NUL cannot be stored in PostgreSQL text; the others corrupt reports and terminals).
CONTROL_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"

KEY_RE = r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
#: Organisations are ``system:code``; ODS codes are upper-case alphanumerics.
ORG_RE = r"(ods:[A-Z0-9]{1,9}|gss:[EWSN][0-9]{8}|cqc:1-[0-9]{6,12}|other:[A-Za-z0-9._\-]{1,64})"
FY_RE = r"[0-9]{4}/[0-9]{2}"

Key = Annotated[str, Pattern(KEY_RE), Pseudonymous()]
Pseudonym = Annotated[str, Pattern(KEY_RE), Pseudonymous()]
FrameworkContent = Annotated[Mapping[str, Any], FrameworkDocument()]
Org = Annotated[str, Pattern(ORG_RE)]
FinancialYear = Annotated[str, Pattern(FY_RE)]
Text = Annotated[str, MaxLen(2000), FreeText()]
ShortText = Annotated[str, MaxLen(200), FreeText()]
Money = Annotated[Decimal, DecimalText(), Ge(0), Le(MONEY_MAX)]
Hours = Annotated[Decimal, DecimalText(), Ge(0), Le(HOURS_MAX)]
Rate = Annotated[Decimal, DecimalText(), Ge(0), Le(1)]
DropoutRate = Annotated[Decimal, DecimalText(), Ge(0), Lt(1)]
Score = Annotated[Decimal, DecimalText(), Ge(-SCORE_MAX), Le(SCORE_MAX)]
Count = Annotated[int, Ge(0), Le(COUNT_MAX)]

Programme = Literal["legacy_mentoring", "ambassadors", "other"]
OrgSector = Literal["health", "social_care", "education", "other"]
Setting = Literal[
    "secondary_care",
    "primary_care",
    "local_authority_social_care",
    "independent_social_care",
    "education",
    "other",
]
FundingPurpose = Literal["administration", "delivery", "unrestricted"]
CostCategory = Literal["administration", "delivery"]
CommitmentKind = Literal["mou", "member_model", "funding_agreement", "other"]
AssessmentStatus = Literal["not_started", "partial", "met", "not_applicable"]

MentorRole = Literal["legacy_mentor", "ambassador"]
MentorSector = Literal["health", "social_care"]
EmploymentRoute = Literal[
    "substantive", "retire_and_return", "partial_retirement", "bank", "secondment", "volunteer"
]
InductionKind = Literal["single", "joint"]
Activity = Literal[
    "one_to_one", "group", "outreach", "admin", "training", "action_research", "travel"
]
WithdrawalStage = Literal["before_induction", "before_first_activity", "active"]

Profession = Literal["nurse", "midwife", "nursing_associate", "ahp", "other"]
ContactMode = Literal["in_person", "virtual", "phone", "group"]
Timepoint = Literal["baseline", "m3", "m6", "m12", "m24", "ad_hoc"]
EmploymentStatus = Literal[
    "in_post", "parental_leave", "career_break", "long_term_sick", "secondment"
]
MoveSector = Literal[
    "nhs_trust", "primary_care", "local_authority", "independent_social_care", "other"
]
Destination = Literal[
    "other_nhs",
    "primary_care",
    "social_care",
    "left_profession",
    "left_uk",
    "retired",
    "deceased",
    "unknown",
]
FollowUpReason = Literal["programme_end", "consent_withdrawn", "lost_to_follow_up"]

EventKind = Literal[
    "careers_fair",
    "school_talk",
    "college",
    "university",
    "jobcentre",
    "community",
    "induction",
    "cpd",
    "action_research_meeting",
    "celebration",
    "other",
]
Audience = Literal["school", "college", "university", "jobseekers", "staff", "mixed", "other"]
CancelledBy = Literal["host", "partnership"]
FeedbackPhase = Literal["pre", "post", "single"]


class FeedbackCounts(TypedDict):
    """Counts of one questionnaire item's answers (aggregate counts, never individuals)."""

    __pydantic_config__ = {"extra": "forbid"}  # type: ignore[misc]

    agree: Count
    neutral: Count
    disagree: Count


DEFAULT_FEEDBACK_ITEMS = (
    "better_idea_of_work",
    "know_more_career_paths",
    "know_where_to_find_out_more",
    "would_consider_career",
    "common_values_across_health_and_care",
    "can_move_between_health_and_care",
)


def check_day(day: date, what: str) -> date:
    """``day`` if within the bounds of business dates, else a ValueError naming ``what``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{what} {day.isoformat()} is outside {FIRST_DAY} to {LAST_DAY}")
    return day


def financial_year_of(day: date) -> str:
    """The NHS financial year (1 April to 31 March) that ``day`` falls in, as ``2024/25``."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def is_financial_year(text: str) -> bool:
    start, _, end = text.partition("/")
    return (int(start) + 1) % 100 == int(end)


def add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic, clamping to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


def jsonable(value: Any) -> Any:
    """The interchange form of a field value: ISO dates, decimal strings, lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return value
