"""Strict input (issue 12, "Input accepted that should not be"): duplicate keys, NHS numbers
however written, sets through the API, and errors that show input at a readable length."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from legacyledger import ImportRejected, Ledger
from legacyledger.facts.parsing import MESSAGE_SHOWN, SHOWN
from tests.builders import (
    cost_incurred,
    framework_item_assessed,
    mentor_enrolled,
    partnership_formed,
)


def rejected(location: str, lines: list[Any]) -> ImportRejected:
    with Ledger(location) as ledger:
        ledger.import_facts([partnership_formed()])
        before = ledger.count()
        with pytest.raises(ImportRejected) as caught:
            ledger.import_facts(lines)
        assert ledger.count() == before
    return caught.value


def line_of(fact: dict[str, Any]) -> bytes:
    return orjson.dumps(fact)


def test_duplicate_json_keys_amount_given_twice_is_refused_with_the_line(location: str) -> None:
    """``"amount":"2.00","amount":"999999.00"`` stored 999999.00."""
    good = line_of(cost_incurred())
    twice = line_of(cost_incurred(amount="2.00")).replace(
        b'"amount":"2.00"', b'"amount":"2.00","amount":"999999.00"'
    )
    (error,) = rejected(location, [good, twice]).errors
    assert (error.line, error.field) == (2, "amount")
    assert "twice" in error.message


def test_duplicate_json_keys_fact_given_twice_is_refused() -> None:
    twice = line_of(cost_incurred()).replace(b'{"fact":"CostIncurred"',
                                             b'{"fact":"CostIncurred","fact":"CostIncurred"')
    (error,) = rejected(":memory:", [twice]).errors
    assert (error.line, error.field) == (1, "fact")


def test_duplicate_json_keys_hidden_by_an_escape_are_refused() -> None:
    twice = line_of(cost_incurred(amount="2.00")).replace(
        b'"amount":"2.00"', b'"amo\\u0075nt":"2.00","amount":"999999.00"'
    )
    (error,) = rejected(":memory:", [twice]).errors
    assert error.field == "amount"


def test_the_same_key_in_two_objects_of_one_line_is_fine() -> None:
    from tests.builders import delivered, event_planned, feedback

    with Ledger(":memory:") as ledger:
        ledger.import_facts([partnership_formed(), mentor_enrolled()])
        items = {"would_consider_career": {"agree": 1, "neutral": 1, "disagree": 1},
                 "better_idea_of_work": {"agree": 1, "neutral": 1, "disagree": 1}}
        ledger.import_facts([event_planned(), delivered(),
                             line_of(feedback(items=items, responses=3))])


FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in "943 476 5919")


@pytest.mark.parametrize(
    "written",
    ["943.476.5919", "943/476/5919", "943\u00a0476\u00a05919", FULL_WIDTH,
     "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", "943 - 476 - 5919"],
)
def test_nhs_numbers_written_with_dots_full_width_or_other_digits_are_refused_in_text(
    written: str,
) -> None:
    (error,) = rejected(":memory:", [cost_incurred(description=f"for {written}")]).errors
    assert error.field == "description" and "NHS number" in error.message


@pytest.mark.parametrize("key", ["M.943.476.5919", "M_943_476_5919", "M-943.476-5919"])
def test_nhs_numbers_with_any_separators_are_refused_as_keys(key: str) -> None:
    (error,) = rejected(":memory:", [mentor_enrolled(key)]).errors
    assert error.field == "mentor" and "NHS number" in error.message


def test_a_key_whose_digits_fail_the_check_digit_stays_a_key() -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_facts([partnership_formed(), mentor_enrolled("M-943.476.5910")])


def test_a_set_for_evidence_through_the_api_is_refused(location: str) -> None:
    """A set's order (and so the derived source_ref) changed with the hash seed."""
    (error,) = rejected(location, [framework_item_assessed(evidence={"a", "b"})]).errors
    assert (error.line, error.field) == (1, "evidence")
    assert "set" in error.message


@pytest.mark.parametrize("value", [b"board minutes", object(), frozenset({"a"})])
def test_unserialisable_values_through_the_api_are_refused(value: object) -> None:
    (error,) = rejected(":memory:", [framework_item_assessed(evidence=value)]).errors
    assert error.field == "evidence"


def test_a_whole_number_too_large_for_a_json_line_through_the_api_is_refused_in_words() -> None:
    """It was told as "is of type Integer exceeds 64-bit range, which a JSON line cannot
    hold (give a list, not a set)"."""
    (error,) = rejected(":memory:", [cost_incurred(amount=10**30)]).errors
    assert error.field == "amount"
    assert error.message == "is a whole number too large for a JSON line (over 64 bits)"


def test_values_in_errors_are_cut_to_a_readable_length() -> None:
    huge = "Z" * 100_000
    errors = rejected(":memory:", [{"fact": huge}, cost_incurred(**{huge: 1})]).errors
    for error in errors:
        assert len(error.fact or "") <= SHOWN and len(error.field or "") <= SHOWN
        assert len(error.message) <= MESSAGE_SHOWN
        assert len(str(error)) < 2 * SHOWN + MESSAGE_SHOWN + 20
