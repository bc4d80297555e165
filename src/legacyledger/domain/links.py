"""Rules that span two subjects, checked from both sides whatever order facts arrive in.

A fact on one subject may require another subject to be active on its date: a match or a
contact needs its mentor enrolled and not yet withdrawn, an enrolment needs its partnership
open, a one-to-one session needs the registrant matched to that mentor. Checked when the
fact arrives (``check_references`` in :mod:`legacyledger.application`), that rule sees only
what was recorded *before* it. A withdrawal, closure or unmatching reported late, dated
before such a fact already recorded, would slip through: file order would decide.

So each such fact leaves a *link*: (subject it names, its date, its source_ref, its name),
kept in an index table written in the same transaction as the fact (``fact_links`` in
SQLite, ``*_links`` in PostgreSQL), updated when the fact is corrected or voided. A closing
fact (:data:`CLOSING`) is rejected when a link names its subject on a later date, and the
error names that fact; so is a correction or void of a fact that moves when a subject is
active (:data:`SPANS`: an enrolment's date, a resumption, a match...) when a linked fact would
then fall outside. The index is derived: every row follows from the stored facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from legacyledger.domain import FACT_TYPES, Mentor, Partnership
from legacyledger.domain.base import NAMESPACE

#: Facts that need their mentor active on their date (on another subject than the mentor).
NEEDS_ACTIVE_MENTOR = frozenset({"MentorMatched", "AmbassadorRostered", "MentoringContactRecorded"})

#: The facts that end a subject's activity from a date, and the verb for errors.
CLOSING: Mapping[str, str] = {
    "MentorWithdrew": "withdrew",
    "PartnershipClosed": "closed",
    "MentorUnmatched": "unmatched",
}

#: Facts whose amendment can move when a subject is active for the facts linked to it.
SPANS = frozenset({
    "MentorEnrolled", "MentorWithdrew", "MentorResumed", "MentorPaused",
    "PartnershipFormed", "PartnershipClosed", "MentorMatched", "MentorUnmatched",
})

Link = tuple[UUID, date]


def pair_id(registrant: str, mentor: str) -> UUID:
    """The link subject of one registrant's match with one mentor."""
    return uuid5(NAMESPACE, f"Match/{registrant}/{mentor}")


def links_of(name: str, key: str, fields: Mapping[str, Any]) -> set[Link]:
    """The subjects this fact needs active on its date (other than its own subject)."""
    found: set[Link] = set()
    on = fields["on"]
    partnership = fields.get("partnership")
    if (
        partnership
        and name != "PartnershipFormed"
        and FACT_TYPES[name][0] is not Partnership
    ):
        found.add((Partnership.id_for(partnership), on))
    mentor = fields.get("mentor")
    if mentor and name in NEEDS_ACTIVE_MENTOR:
        found.add((Mentor.id_for(mentor), on))
    for attendee in fields.get("attendees") or ():
        found.add((Mentor.id_for(attendee), on))
    registrant = fields.get("registrant")
    if name == "MentorTimeLogged" and registrant and fields.get("activity") == "one_to_one":
        found.add((pair_id(registrant, key), fields.get("until") or on))
    return found


def closed_subject(name: str, key: str, fields: Mapping[str, Any]) -> UUID | None:
    """The link subject a closing fact ends (None for any other fact)."""
    if name == "MentorWithdrew":
        return Mentor.id_for(key)
    if name == "PartnershipClosed":
        return Partnership.id_for(key)
    if name == "MentorUnmatched":
        return pair_id(key, fields["mentor"])
    return None
