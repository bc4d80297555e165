"""The one correction fold over literal histories: what each record does, and what it says
it changed."""

from __future__ import annotations

from typing import Any

from legacyledger.domain.corrections import (
    Change,
    Correction,
    EffectiveFact,
    EffectiveFacts,
    effective_facts,
)
from tests import builders as b


def records(*facts: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(facts, start=1))


def standing(fold: EffectiveFacts) -> dict[str, tuple[int, Any, tuple[int, ...]]]:
    return {f.source_ref: (f.position, f.fact.get("minutes"), f.positions) for f in fold}


def test_a_correction_merges_its_fields_and_adds_its_position() -> None:
    talk = b.contact(minutes=30, source_ref="c")
    fold = effective_facts(records(talk, b.corrected("c", {"minutes": 45}, source_ref="x")))
    assert standing(fold) == {"c": (1, 45, (1, 2))}
    assert fold.target_of("x") == "c" and fold.original("c") == EffectiveFact(1, talk, (1,))
    assert fold.correction("x") == Correction("c", {"minutes": 45}, 2)


def test_a_void_removes_the_fact_and_keeps_its_positions() -> None:
    fold = effective_facts(records(
        b.contact(source_ref="c"), b.corrected("c", {"minutes": 5}), b.voided("c")))
    assert standing(fold) == {} and fold.voided == {"c": (1, 2, 3)}


def test_voiding_a_correction_restores_the_fact_with_the_others_in_order() -> None:
    fold = effective_facts(records(
        b.contact(minutes=30, mode="phone", source_ref="c"),
        b.corrected("c", {"minutes": 45}, source_ref="x"),
        b.corrected("c", {"minutes": 50, "mode": "virtual"}, source_ref="y"),
        b.corrected("c", {"minutes": 55}, source_ref="z"),
        b.voided("z"),
        b.voided("x"),
    ))
    fact = fold.get("c")
    assert fact is not None and fact.positions == (1, 2, 3, 4, 5, 6)
    assert (fact.fact["minutes"], fact.fact["mode"]) == (50, "virtual")
    assert fold.target_of("x") is None and fold.target_of("y") == "c"


def test_what_reaches_no_standing_fact_is_left_alone() -> None:
    fold = EffectiveFacts()
    fold.extend(records(b.contact(source_ref="c"), b.corrected("c", {"minutes": 1}, source_ref="x"),
                        b.voided("c")))
    assert fold.apply((4, b.corrected("c", {"minutes": 2}))) is None  # a voided fact
    assert fold.apply((5, b.corrected("x", {"minutes": 3}))) is None  # a correction
    assert fold.apply((6, b.voided("x"))) is None  # a correction of a voided fact
    assert fold.apply((7, b.voided("nothing"))) is None
    assert len(fold) == 0 and fold.voided == {"c": (1, 2, 3)} and fold.last_position == 7


def test_each_record_says_what_it_changed() -> None:
    fold = EffectiveFacts()
    added = fold.apply((1, b.contact(minutes=30, source_ref="c")))
    assert added is not None and added.after is not None
    assert added == Change("c", None, EffectiveFact(1, added.after.fact, (1,)))
    fixed = fold.apply((2, b.corrected("c", {"minutes": 40}, source_ref="x")))
    assert fixed is not None and fixed.before == added.after
    assert fixed.after is not None and fixed.after.fact["minutes"] == 40
    undone = fold.apply((3, b.voided("x")))
    assert undone is not None and undone.before == fixed.after
    assert undone.after is not None and undone.after.fact["minutes"] == 30
    gone = fold.apply((4, b.voided("c")))
    assert gone == Change("c", undone.after, None)


def test_a_fact_adopted_as_it_stands_folds_on_as_if_fed_from_the_start() -> None:
    history = records(
        b.contact(minutes=30, source_ref="c"),
        b.corrected("c", {"minutes": 45}, source_ref="x"),
        b.corrected("c", {"minutes": 50}, source_ref="y"),
    )
    later = records(b.voided("y"), b.corrected("c", {"minutes": 60}, source_ref="z"), b.voided("x"))
    later = [(p + 3, f) for p, f in later]
    whole = effective_facts([*history, *later])
    first = effective_facts(history)
    resumed = EffectiveFacts()
    for ref in ("x", "y"):
        correction = first.correction(ref)
        original = first.original("c")
        assert correction is not None and original is not None
        resumed.adopt_correction(ref, original, correction)
    current = first.get("c")
    assert current is not None
    resumed.adopt("c", current)
    assert list(resumed.extend(later)) == list(whole)
    assert standing(whole) == {"c": (1, 60, (1, 2, 3, 4, 5, 6))}
