"""Secondary suppression (figures.md §5): what a reader works back from counts that add up, and
which counts are suppressed as well so that they cannot. Bounds are in half units."""

from __future__ import annotations

from legacyledger.projections.base import Relation
from legacyledger.projections.secondary import Cell, further, narrowed

UNDER10, NHS = 9, 7
#: people followed = leavers + censored
FOLLOWED = Relation("followed", ("leavers", "censored"))


def cells(followed: int | str, leavers: int | str, censored: int | str) -> dict[str, Cell]:
    return {"followed": Cell(followed), "leavers": Cell(leavers), "censored": Cell(censored)}


def whole(found: dict[str, tuple[int, int | None]], cell: str) -> tuple[int, int | None]:
    lo, hi = found[cell]
    return lo // 2, None if hi is None else hi // 2


def test_a_reader_works_nine_and_nine_back_from_twenty() -> None:
    # under10, 18 followed of whom 9 left: 20, * and *; 18-22 from two counts of 1-9 is 18
    shown = cells(20, "*", "*")
    found = narrowed(shown, [FOLLOWED], UNDER10)
    assert whole(found, "leavers") == whole(found, "censored") == (9, 9)
    assert whole(found, "followed") == (18, 18)
    # so the total is suppressed too, after which each is any of 1-9 again
    assert further(shown, [FOLLOWED], UNDER10) == {"followed"}
    hidden = {**shown, "followed": Cell("*", further=True)}
    assert whole(narrowed(hidden, [FOLLOWED], UNDER10), "leavers") == (1, 9)


def test_a_total_that_narrows_its_suppressed_parts_is_suppressed_too() -> None:
    # 15 of 13-17 from two counts of 1-9: each is 4-9, not any of 1-9. Suppressing only where
    # a count is pinned (20) would tell a reader who sees a total suppressed that it was 18
    shown = cells(15, "*", "*")
    assert whole(narrowed(shown, [FOLLOWED], UNDER10), "leavers") == (4, 9)
    assert further(shown, [FOLLOWED], UNDER10) == {"followed"}
    # 10 of 10-12: each is any of 1-9, and the total stays; under nhs 10 is 8-12 of 1-7 each
    assert further(cells(10, "*", "*"), [FOLLOWED], UNDER10) == frozenset()
    assert further(cells(10, "*", "*"), [FOLLOWED], NHS) == frozenset()
    # under nhs 15 of two counts of 1-7 is 13 or 14: 6 or 7 each
    assert further(cells(15, "*", "*"), [FOLLOWED], NHS) == {"followed"}


def test_a_rounded_count_keeps_more_than_one_value() -> None:
    # 150 followed (148-152), 140 censored (138-142), 10 leavers (8-12 under nhs): the leavers
    # are 8-12 (148-142 = 6 at least), more than one value: nothing to do
    shown = cells(150, 10, 140)
    assert whole(narrowed(shown, [FOLLOWED], NHS), "leavers") == (8, 12)
    assert further(shown, [FOLLOWED], NHS) == frozenset()


def test_a_part_is_suppressed_before_its_total() -> None:
    # a cohort of 170 = 160 eligible + 10 censored before h + late entrants (*): the late
    # entrants would be 170 - 160 - 10 ± 6, so 1-4, not any of 1-9 (under10). The smaller
    # part goes, not the cohort size (the total of more relations) nor the eligible (a rate
    # rests on them)
    relation = Relation("size", ("eligible", "censored", "late"))
    shown = {"size": Cell(170), "eligible": Cell(160, uses=1), "censored": Cell(10),
             "late": Cell("*")}  # fmt: skip
    assert whole(narrowed(shown, [relation], UNDER10), "late") == (1, 4)
    assert further(shown, [relation], UNDER10) == {"censored"}


def test_what_suppressed_counts_give_away_among_themselves_cannot_be_helped() -> None:
    # 6 = 3 + 3 under nhs, all suppressed: a part is at most 6, not 7, whatever is done; and
    # there is nothing shown to suppress
    assert whole(narrowed(cells("*", "*", "*"), [FOLLOWED], NHS), "leavers") == (1, 6)
    assert further(cells("*", "*", "*"), [FOLLOWED], NHS) == frozenset()


def test_a_count_suppressed_to_protect_another_is_any_count_to_a_reader() -> None:
    # it shows as * like a small count; a reader cannot tell it from one, so it bounds nothing
    # above (the relations may bound it)
    found = narrowed({"followed": Cell("*", further=True), "leavers": Cell("*"),
                      "censored": Cell(40)}, [FOLLOWED], NHS)  # fmt: skip
    assert whole(found, "followed") == (39, 49) and whole(found, "leavers") == (1, 7)


def test_an_effective_number_bounds_the_people_followed() -> None:
    # people followed >= the effective number followed (a number of people shown as a count
    # is, known to half a person): 20 (17.5-22.5) with leavers and censored of 1-9 gives 18
    relation = Relation("followed", ("effective",), exact=False)
    shown = {**cells("*", "*", "*"), "followed": Cell("*", further=True),
             "effective": Cell(20, whole=False)}  # fmt: skip
    assert whole(narrowed(shown, [FOLLOWED, relation], UNDER10), "leavers") == (9, 9)
    assert further(shown, [FOLLOWED, relation], UNDER10) == {"effective"}


def test_a_relation_with_a_count_taken_away() -> None:
    # registered now = registered then + joined - left: 30 = 25 + * - * under nhs. Then 23-27,
    # now 28-32: joined - left is 1-9, so joined is 2-7 and left 1-6, not any of 1-7
    relation = Relation("now", ("then", "joined"), less=("left",))
    shown = {"now": Cell(30), "then": Cell(25), "joined": Cell("*"), "left": Cell("*")}
    found = narrowed(shown, [relation], NHS)
    assert whole(found, "joined") == (2, 7) and whole(found, "left") == (1, 6)
    assert further(shown, [relation], NHS) == {"then"}
