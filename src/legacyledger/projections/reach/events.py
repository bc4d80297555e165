"""Events, integrated delivery and feedback (figures.md §4, research note §7.6.4).

An event belongs to the window by its outcome date (delivered or cancelled on, else its
scheduled date after any reschedule), so *planned* = delivered + cancelled + pending in
the window. ``cancellation_rate = cancelled / (delivered + cancelled)``: pending events
have no outcome yet. An event is *integrated* when delivered with at least one health
and one social care ambassador among its attendees (sector from the mentor's enrolment),
whatever it was planned as: the pilots' pairing rule, counted from what happened.

Feedback: ``response_rate = Σ responses / Σ audience reached`` over delivered events,
where an event's responses are its largest questionnaire return (pre and post are the
same people). Per item, ``feedback_agree`` is agree / all answers, per phase;
``feedback_agree_change`` is the post share minus the pre share over the events that have
both phases for that item (Worktree style), pooled.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from legacyledger.projections.base import Contributing, Figure
from legacyledger.projections.figures import COUNT, RATE, FigureMaker
from legacyledger.projections.periods import divide
from legacyledger.projections.reach.params import Dims, ReachParams, group, splits, union
from legacyledger.projections.reach.state import Event, Mentor

COUNTS = ("events_planned", "events_delivered", "events_cancelled", "events_pending")
#: Counts of events, or of what they hold, that add up over the groups a group splits into
#: (the distinct ambassadors of integrated events do not: one may attend events of two kinds).
ADDITIVE = (*COUNTS, "audience_reached", "integrated_delivered")


def event_figures(
    make: FigureMaker,
    params: ReachParams,
    events: Mapping[str, Event],
    mentors: Mapping[str, Mentor],
) -> Iterator[Figure]:
    window = [e for e in events.values() if params.in_window(e.outcome_date)]
    groups = group(
        window,
        lambda e: e.partnership,
        lambda e: {"kind": e.kind, "audience": e.audience},
        params.by_partnership,
    )
    split = splits(groups)
    for dims, members in groups.items():
        yield from _group_figures(make, dict(dims), members, mentors, split[dims])


def _group_figures(
    make: FigureMaker,
    dims: dict[str, str],
    members: list[Event],
    mentors: Mapping[str, Mentor],
    split: list[list[Dims]],
) -> Iterator[Figure]:
    delivered = [e for e in members if e.status == "delivered"]
    integrated = [e for e in delivered if _integrated(e, mentors)]
    pairs = {m for e in integrated for m in e.attendees if m in mentors}
    positions = union(
        *(e.positions for e in members),
        *(mentors[m].positions for e in delivered for m in e.attendees if m in mentors),
    )
    status = [e.status for e in members]
    n_delivered, n_cancelled = len(delivered), status.count("cancelled")
    # planned = delivered + cancelled + pending; integrated events are delivered ones; each
    # count is the sum of the groups the group splits into
    relations = {m: [make.sums(m, dims, ((m, dict(d)) for d in finer)) for finer in split]
                 for m in ADDITIVE}  # fmt: skip
    relations["events_planned"].append(make.sums("events_planned", dims,
                                                 ((m, dims) for m in COUNTS[1:])))  # fmt: skip
    relations["events_delivered"].append(
        make.bounds("events_delivered", dims, [("integrated_delivered", dims)]))
    for metric, value in zip(
        COUNTS, (len(members), n_delivered, n_cancelled, status.count("pending"))
    ):
        yield make.make(metric, dims, value, "event", positions, COUNT,
                        relations=relations[metric])  # fmt: skip
    rate = _ratio(n_cancelled, n_delivered + n_cancelled)
    parts = (make.id("events_cancelled", dims), make.id("events_delivered", dims))
    yield make.make("cancellation_rate", dims, rate, "ratio", positions, RATE, inputs=parts)
    audience = sum(e.audience_reached for e in delivered)
    yield make.make("audience_reached", dims, audience, "person", positions, COUNT,
                    relations=relations["audience_reached"])  # fmt: skip
    yield make.make("integrated_delivered", dims, len(integrated), "event", positions, COUNT,
                    relations=relations["integrated_delivered"])  # fmt: skip
    share = _ratio(len(integrated), n_delivered)
    parts = (make.id("integrated_delivered", dims), make.id("events_delivered", dims))
    yield make.make("integrated_share", dims, share, "ratio", positions, RATE, inputs=parts)
    yield make.make("integrated_ambassadors", dims, len(pairs), "ambassador", positions, COUNT)


def _integrated(event: Event, mentors: Mapping[str, Mentor]) -> bool:
    sectors = {mentors[m].sector for m in event.attendees if m in mentors}
    return {"health", "social_care"} <= sectors


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    return divide(Decimal(numerator), denominator) if denominator else None


def feedback_figures(
    make: FigureMaker, params: ReachParams, events: Mapping[str, Event]
) -> Iterator[Figure]:
    delivered = [
        e for e in events.values() if e.status == "delivered" and params.in_window(e.outcome_date)
    ]
    groups = group(delivered, lambda e: e.partnership, lambda e: {}, params.by_partnership)
    items = {dims: _item_counts(members) for dims, members in groups.items()}
    for dims, finer in splits(groups).items():
        split = [{d: items[d][0] for d in one} for one in finer]
        yield from _feedback(make, dict(dims), groups[dims], items[dims], split)


#: Per (item, phase): (agreeing, answers); per item, for the events with both phases, per
#: phase: (agreeing, answers).
Shares = dict[tuple[str, str], list[int]]
Paired = dict[str, dict[str, list[int]]]


def _feedback(make: FigureMaker, dims: dict[str, str], members: list[Event],
              items: tuple[Shares, Paired], split: list[dict[Dims, Shares]]
              ) -> Iterator[Figure]:  # fmt: skip
    """``split``: each split of the group, its groups' shares."""
    positions = union(*(e.positions for e in members))
    responses = sum(max((int(f.fact["responses"]) for f in e.feedback), default=0) for e in members)
    audience = sum(e.audience_reached for e in members)
    over = [make.sums("feedback_responses", dims,
                      (("feedback_responses", dict(d)) for d in finer)) for finer in split]
    yield make.make("feedback_responses", dims, responses, "person", positions, COUNT,
                    relations=over)  # fmt: skip
    parts = (make.id("feedback_responses", dims), make.id("audience_reached", dims))
    rate = _ratio(responses, audience)
    yield make.make("response_rate", dims, rate, "ratio", positions, RATE, inputs=parts)
    yield from _items(make, dims, items, positions, split)


def _item_counts(members: list[Event]) -> tuple[Shares, Paired]:
    shares: Shares = {}
    paired: Paired = {}
    for event in members:
        phases = _phase_counts(event)
        for (item, phase), counts in phases.items():
            _add(shares.setdefault((item, phase), [0, 0]), counts)
            if phase in ("pre", "post") and (item, "pre") in phases and (item, "post") in phases:
                _add(paired.setdefault(item, {}).setdefault(phase, [0, 0]), counts)
    return shares, paired


def _items(make: FigureMaker, dims: dict[str, str], items: tuple[Shares, Paired],
           positions: Contributing, split: list[dict[Dims, Shares]]
           ) -> Iterator[Figure]:  # fmt: skip
    shares, paired = items
    for (item, phase), (agree, total) in sorted(shares.items()):
        at = {**dims, "item": item, "phase": phase}
        # the answers of the groups it splits into that have the item in the phase
        finer = [[{**dict(d), "item": item, "phase": phase} for d, found in groups.items()
                  if (item, phase) in found] for groups in split]  # fmt: skip
        yield from _agree(make, at, agree, total, positions, finer)
    for item, both in sorted(paired.items()):
        post, pre = _ratio(*both["post"]), _ratio(*both["pre"])
        change = None if post is None or pre is None else post - pre
        inputs = tuple(
            make.id(m, {**dims, "item": item, "phase": p})
            for p in ("pre", "post")
            for m in ("feedback_agreeing", "feedback_answers")
        )
        at = {**dims, "item": item}
        yield make.make(
            "feedback_agree_change", at, change, "ratio", positions, RATE, inputs=inputs
        )


def _agree(
    make: FigureMaker, dims: dict[str, str], agree: int, total: int, positions: Contributing,
    finer: list[list[dict[str, str]]],
) -> Iterator[Figure]:  # fmt: skip
    """The item's agreeing answers (of all its answers), each the sum of ``finer``'s."""
    over = {m: [make.sums(m, dims, ((m, d) for d in f)) for f in finer]
            for m in ("feedback_agreeing", "feedback_answers")}  # fmt: skip
    yield make.make("feedback_agreeing", dims, agree, "answer", positions, COUNT,
                    relations=over["feedback_agreeing"])  # fmt: skip
    yield make.make("feedback_answers", dims, total, "answer", positions, COUNT,
                    relations=[*over["feedback_answers"],
                               make.bounds("feedback_answers", dims,
                                           [("feedback_agreeing", dims)])])  # fmt: skip
    parts = (make.id("feedback_agreeing", dims), make.id("feedback_answers", dims))
    share = _ratio(agree, total)
    yield make.make("feedback_agree", dims, share, "ratio", positions, RATE, inputs=parts)


def _phase_counts(event: Event) -> dict[tuple[str, str], tuple[int, int]]:
    """(item, phase) → (agree, answers) over the event's questionnaires."""
    counts: dict[tuple[str, str], list[int]] = {}
    for feedback in event.feedback:
        phase = str(feedback.fact["phase"])
        for item, answers in feedback.fact["items"].items():
            total = sum(int(answers.get(k, 0)) for k in ("agree", "neutral", "disagree"))
            _add(counts.setdefault((item, phase), [0, 0]), (int(answers.get("agree", 0)), total))
    return {key: (a, t) for key, (a, t) in counts.items()}


def _add(into: list[int], counts: tuple[int, int] | list[int]) -> None:
    into[0] += counts[0]
    into[1] += counts[1]
