"""Rules that span two subjects, checked from both sides whatever order facts arrive in.

A fact on one subject may require another subject to be active on its date: a match or a
contact needs its mentor enrolled and not yet withdrawn, an enrolment needs its partnership
open, a one-to-one session needs the registrant matched to that mentor. The rules are the
table :data:`NEEDS` (checked when the fact arrives, by ``check_references`` in
:mod:`legacyledger.application`); so checked, a rule sees only what was recorded *before*
the fact. A withdrawal, closure or unmatching reported late, dated
before such a fact already recorded, would slip through: file order would decide.

So each such fact leaves a *link*: (subject it names, its date, its source_ref, its name),
kept in an index table written in the same transaction as the fact (``fact_links`` in
SQLite, ``*_links`` in PostgreSQL), and updated, by rows added to it as to the facts, when the
fact is corrected or voided. A closing
fact (:data:`CLOSING`) is rejected when a link names its subject on a later date, and the
error names that fact; so is a correction or void of a fact that moves when a subject is
active (:data:`SPANS`: an enrolment's date, a resumption, a match...) when a linked fact would
then fall outside. The index is derived: every row follows from the stored facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from legacyledger.domain import FACT_TYPES, Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.domain.base import NAMESPACE, Subject

Link = tuple[UUID, date]
Fields = Mapping[str, Any]


def pair_id(registrant: str, mentor: str) -> UUID:
    """The link subject of one registrant's match with one mentor."""
    return uuid5(NAMESPACE, f"Match/{registrant}/{mentor}")


def _names(*event_classes: type[Subject.Event]) -> frozenset[str]:
    return frozenset(c.FACT for c in event_classes)


def _declaring(field: str, kind: type[Subject]) -> frozenset[str]:
    """Every fact on another kind of subject that declares ``field``."""
    return frozenset(
        name
        for name, (aggregate, event_class) in FACT_TYPES.items()
        if aggregate is not kind and field in event_class.__dataclass_fields__
    )


def _on(fields: Fields) -> tuple[date, ...]:
    return (fields["on"],)


def _session(fields: Fields) -> tuple[date, ...]:
    """A session spread over days needs the match on its first and last day."""
    return tuple(dict.fromkeys((fields["on"], fields.get("until") or fields["on"])))


@dataclass(frozen=True)
class Needs:
    """Facts (``facts``) whose ``field`` names a subject of ``kind``: it must exist and,
    when ``holds`` says how, stand so on the fact's ``days`` (the rules that leave links)."""

    field: str
    kind: type[Subject]
    facts: frozenset[str]
    #: (the other subject, this fact's own key, a day) -> it stands as needed that day
    holds: Callable[[Any, str, date], bool] | None = None
    #: the error when it does not, from ``value`` (the named key), ``key`` and ``day``
    error: str = ""
    #: the link subject of a value: (value, this fact's own key) -> id
    subject: Callable[[str, str], UUID] | None = None
    #: whether ``holds`` applies to these fields (a mentor's time: only one-to-one sessions)
    when: Callable[[Fields], bool] = lambda fields: True
    days: Callable[[Fields], tuple[date, ...]] = _on

    def values(self, fields: Fields) -> tuple[str, ...]:
        """The keys this fact names in ``field`` (a list of attendees, or one key)."""
        value = fields.get(self.field)
        if not value:
            return ()
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)

    def applies(self, fields: Fields) -> bool:
        return self.holds is not None and self.when(fields)


#: The rules across subjects, in the order they are checked.
NEEDS: tuple[Needs, ...] = (
    Needs(
        "partnership", Partnership, _declaring("partnership", Partnership),
        lambda partnership, _, day: bool(partnership.open_on(day)),
        "partnership {value} was not open on {day}",
        lambda value, _: Partnership.id_for(value),
    ),
    Needs("mentor", Mentor, _names(Partnership.CostIncurred)),
    Needs(
        "mentor", Mentor,
        _names(
            Registrant.MentorMatched,
            ProgrammeEvent.AmbassadorRostered,
            Registrant.MentoringContactRecorded,
        ),
        lambda mentor, _, day: bool(mentor.active_on(day)),
        "mentor {value} was not active on {day}",
        lambda value, _: Mentor.id_for(value),
    ),
    Needs(
        "attendees", Mentor, _declaring("attendees", Mentor),
        lambda mentor, _, day: bool(mentor.active_on(day)),
        "attendee {value} was not an active mentor on {day}",
        lambda value, _: Mentor.id_for(value),
    ),
    Needs("event", ProgrammeEvent, _names(Mentor.TimeLogged, Partnership.CostIncurred)),
    Needs(
        "registrant", Registrant, _names(Mentor.TimeLogged),
        lambda registrant, mentor, day: bool(registrant.matched_on(mentor, day)),
        "registrant {value} was not matched to {key} on {day}",
        pair_id,
        lambda fields: fields.get("activity") == "one_to_one",
        _session,
    ),
)

#: The rules that apply to each fact, in order.
NEEDS_OF: Mapping[str, tuple[Needs, ...]] = {
    name: tuple(rule for rule in NEEDS if name in rule.facts) for name in FACT_TYPES
}


@dataclass(frozen=True)
class Closing:
    """A fact that ends its subject's activity from its date (for the error: ``verb``,
    and ``what`` stays active, if not the subject itself)."""

    verb: str
    subject: Callable[[str, Fields], UUID]
    what: str = ""


#: The facts that end a subject's activity from a date.
CLOSING: Mapping[str, Closing] = {
    Mentor.Withdrew.FACT: Closing("withdrew", lambda key, _: Mentor.id_for(key)),
    Partnership.Closed.FACT: Closing("closed", lambda key, _: Partnership.id_for(key)),
    Registrant.MentorUnmatched.FACT: Closing(
        "unmatched", lambda key, fields: pair_id(key, fields["mentor"]), "the match"
    ),
}

#: Facts whose amendment can move when a subject is active for the facts linked to it.
SPANS = _names(
    Mentor.Enrolled, Mentor.Withdrew, Mentor.Resumed, Mentor.Paused,
    Partnership.Formed, Partnership.Closed, Registrant.MentorMatched, Registrant.MentorUnmatched,
)


def links_of(name: str, key: str, fields: Fields) -> set[Link]:
    """The subjects this fact needs active on its date (other than its own subject)."""
    found: set[Link] = set()
    for rule in NEEDS_OF[name]:
        if rule.subject is not None and rule.applies(fields):
            day = rule.days(fields)[-1]
            found.update((rule.subject(value, key), day) for value in rule.values(fields))
    return found


def closed_subject(name: str, key: str, fields: Fields) -> UUID | None:
    """The link subject a closing fact ends (None for any other fact)."""
    closing = CLOSING.get(name)
    return None if closing is None else closing.subject(key, fields)


def spans_held(
    before: Subject, after: Subject
) -> Iterator[tuple[UUID, Callable[[date], bool], str]]:
    """For a subject amended from ``before`` to ``after``: each link subject it stands for,
    whether ``after`` still stands so on a day, and what that is (for errors)."""
    key = before.key
    if isinstance(before, Mentor):
        yield Mentor.id_for(key), after.active_on, f"mentor {key} active"  # type: ignore[attr-defined]
    elif isinstance(before, Partnership):
        yield Partnership.id_for(key), after.open_on, f"partnership {key} open"  # type: ignore[attr-defined]
    elif isinstance(before, Registrant):
        mentors = {m[0] for m in [*before.matches, *after.matches]}  # type: ignore[attr-defined]
        for mentor in sorted(mentors):
            yield (
                pair_id(key, mentor),
                lambda day, m=mentor: after.matched_on(m, day),  # type: ignore[attr-defined, misc]
                f"{key} matched to {mentor}",
            )
