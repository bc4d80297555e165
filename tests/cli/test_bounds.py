"""Every accepted fact can be reported (issue 12, "Accepted facts that break later"): facts at
the edges of every bound, read from the one place the bounds are declared
(``legacyledger.domain.values``), import and render in every report format; values past them
are refused with the line named."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import orjson
import pytest
from annotated_types import Ge, Le, Lt
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from legacyledger import ImportRejected, Ledger
from legacyledger.domain import FACT_TYPES
from legacyledger.domain.base import ENVELOPE, field_types
from legacyledger.domain.values import DECIMAL_PLACES, FIRST_DAY, LAST_DAY
from legacyledger.reports import build_report, check_ledger
from legacyledger.views.follow import follow
from legacyledger_cli import main
from legacyledger_cli.report_render import FORMATS, render
from tests.builders import (
    cost_incurred,
    event_planned,
    left,
    mentor_enrolled,
    partnership_formed,
    programme,
    recruitment_target_set,
    registrant_enrolled,
    time_logged,
)

STEP = Decimal(1).scaleb(-DECIMAL_PLACES)


def edges(hint: Any) -> list[Any] | None:
    """The values at the edges of a bounded number type (None when it has no bounds)."""
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is not Annotated:
        return None
    base, *marks = get_args(hint)
    low = next((m.ge for m in marks if isinstance(m, Ge)), None)
    high = next((m.le for m in marks if isinstance(m, Le)), None)
    below = next((m.lt for m in marks if isinstance(m, Lt)), None)
    if low is None or (high is None and below is None):
        return None
    if base is int:
        return [low, low + 1, high - 1, high]
    top = Decimal(high) if high is not None else Decimal(below) - STEP
    values = [Decimal(low), Decimal(low) + STEP, top - STEP, top]
    return [format(v, "f") for v in values]


def fact_fields(event_class: type) -> list[tuple[str, Any]]:
    return [(f, h) for f, h in field_types(event_class).items() if f not in ENVELOPE]


def bounded_fields(name: str) -> dict[str, list[Any]]:
    _, event_class = FACT_TYPES[name]
    found = {}
    for field, hint in fact_fields(event_class):
        values = edges(hint)
        if values is not None:
            found[field] = values
    return found


@st.composite
def edge_programme(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The coherent programme, more facts with bounded fields, and every bounded number
    drawn at an edge of its bound; some dates at the last day."""
    facts = [
        *programme(),
        cost_incurred(), recruitment_target_set(),
        time_logged(hours="2", on=draw(st.sampled_from(["2024-10-08", LAST_DAY.isoformat()]))),
        cost_incurred(on=LAST_DAY.isoformat()),
    ]
    out = []
    for fact in facts:
        if fact["fact"] == "RegistrantLeft":
            fact = {**fact, "on": draw(st.sampled_from([fact["on"], LAST_DAY.isoformat()]))}
        if fact["fact"] in FACT_TYPES:
            for field, values in bounded_fields(fact["fact"]).items():
                if field in fact:
                    fact = {**fact, field: draw(st.sampled_from(values))}
        out.append(fact)
    return [consistent(fact, out) for fact in out]


def consistent(fact: dict[str, Any], facts: list[dict[str, Any]]) -> dict[str, Any]:
    """Feedback within its event's audience, and answers within its responses (a rule
    between fields, not a bound)."""
    if fact["fact"] != "FeedbackRecorded":
        return fact
    audience = next(f.get("audience_reached") for f in facts if f["fact"] == "EventDelivered")
    responses = fact["responses"] if audience is None else min(fact["responses"], audience)
    answers = {"agree": responses, "neutral": 0, "disagree": 0}
    return {**fact, "responses": responses, "items": {"would_consider_career": answers}}


@settings(max_examples=20)
@given(facts=edge_programme(), as_of=st.sampled_from([FIRST_DAY, date(2025, 9, 30), LAST_DAY]),
       disclosure=st.sampled_from(["nhs", "none"]))
def test_accepted_facts_at_every_bound_render_in_every_report_format(
    facts: list[dict[str, Any]], as_of: date, disclosure: str
) -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_facts(facts)
        report = build_report(ledger, as_of=as_of, disclosure=disclosure)
        for fmt in FORMATS:
            assert render(report, fmt), fmt


def test_every_number_type_of_a_fact_has_a_bound() -> None:
    """No Decimal or int field is unbounded (the 10^32 amount that broke every report)."""
    for name, (_, event_class) in FACT_TYPES.items():
        for field, hint in fact_fields(event_class):
            if get_origin(hint) in (Union, types.UnionType):
                hint = next(a for a in get_args(hint) if a is not type(None))
            base = get_args(hint)[0] if get_origin(hint) is Annotated else hint
            if base in (Decimal, int):
                assert edges(hint) is not None, f"{name}.{field} has no bound"


def refused(facts: list[dict[str, Any]], field: str) -> str:
    with Ledger(":memory:") as ledger, pytest.raises(ImportRejected) as caught:
        ledger.import_facts(facts)
    (error,) = caught.value.errors
    assert (error.line, error.field) == (len(facts), field), error
    return error.message


def base() -> list[dict[str, Any]]:
    return [partnership_formed(), mentor_enrolled(), event_planned()]


def test_an_amount_of_10_to_the_32_is_refused() -> None:
    refused([*base(), cost_incurred(amount="1" + "0" * 32)], "amount")


def test_more_decimal_places_than_the_bound_are_refused() -> None:
    message = refused([*base(), cost_incurred(amount="1.1234567")], "amount")
    assert f"at most {DECIMAL_PLACES} digits" in message


def test_registered_on_9999_12_01_is_refused_not_a_traceback() -> None:
    message = refused([*base(), registrant_enrolled(registered_on="9999-12-01")],
                      "registered_on")
    assert "2099-12-31" in message


@pytest.mark.parametrize("day", ["1899-12-31", "2100-01-01"])
def test_a_date_outside_the_bounds_is_refused(day: str) -> None:
    refused([*base(), cost_incurred(on=day)], "on")


def test_report_as_of_9999_12_31_is_an_error_not_an_overflow() -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_facts(programme())
        with pytest.raises(ValueError, match="outside 1900-01-01 to 2099-12-31"):
            build_report(ledger, as_of=date(9999, 12, 31))


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_free_text_is_refused(char: str) -> None:
    message = refused([*base(), cost_incurred(description=f"room{char}hire")], "description")
    assert f"U+{ord(char):04X}" in message


def test_tabs_and_line_breaks_stay_allowed_in_free_text() -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_facts([*base(), cost_incurred(description="room\thire\nand tea\r\n")])


def test_nul_in_free_text_is_refused_on_every_store(location: str) -> None:
    """An escaped \\u0000 was stored, then broke PostgreSQL reads for good."""
    with Ledger(location) as ledger:
        ledger.import_facts(base())
        with pytest.raises(ImportRejected):
            ledger.record(cost_incurred(note="a\u0000b"))
        assert ledger.count() == len(base())


def test_an_escaped_nul_in_free_text_is_refused_and_follow_rebuild_and_known_at_work(
    location: str, tmp_path: Path
) -> None:
    """A JSON line's escaped ``\\u0000`` was stored; then on PostgreSQL ``follow``, ``views
    rebuild`` and every ``--known-at <datetime>`` query failed for good."""
    facts = tmp_path / "facts.jsonl"
    facts.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in programme()))
    hostile = tmp_path / "hostile.jsonl"
    line = orjson.dumps(cost_incurred(description="room hire"))
    hostile.write_bytes(line.replace(b"room hire", b"room\\u0000hire") + b"\n")
    assert b"\\u0000" in hostile.read_bytes()
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(main, ["--ledger", location, *args])

    assert run("init").exit_code == 0 and run("import", str(facts)).exit_code == 0
    refused = run("import", str(hostile))
    assert refused.exit_code == 1 and "U+0000" in refused.stderr, refused.output
    for args in (["follow", "--once"], ["views", "rebuild"],
                 ["report", "costs", "--known-at", "2099-01-01T00:00:00"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    with Ledger(location) as ledger:
        assert ledger.count() == len(programme())


def test_framework_adopted_naming_a_version_that_does_not_exist_is_refused() -> None:
    from tests.builders import framework_adopted

    message = refused([partnership_formed(), framework_adopted(version="99")], "version")
    assert "no version '99'" in message


def test_framework_adopted_naming_a_version_no_loaded_framework_has_is_refused_on_every_store(
    location: str,
) -> None:
    """The versions of a framework loaded into the ledger are read back from the store."""
    from tests.builders import framework_adopted, framework_loaded

    with Ledger(location) as ledger:
        ledger.import_facts([framework_loaded(), partnership_formed()])
    with Ledger(location) as ledger:
        with pytest.raises(ImportRejected) as caught:
            ledger.record(framework_adopted(framework="custom-csf", version="2"))
        (error,) = caught.value.errors
        assert error.field == "version" and "no version '2' (versions: 1)" in error.message
        ledger.record(framework_adopted(framework="custom-csf", version="1"))
        assert build_report(ledger, families=["compliance"]).figures


def test_a_fact_left_on_the_last_day_reports() -> None:
    with Ledger(":memory:") as ledger:
        facts = [f for f in programme() if f["fact"] != "RegistrantLeft"]
        ledger.import_facts([*facts, left(on=LAST_DAY.isoformat())])
        report = build_report(ledger, as_of=LAST_DAY)
        for fmt in FORMATS:
            assert render(report, fmt)


def test_facts_at_the_top_of_every_bound_are_stored_and_reported_on_every_store(
    location: str,
) -> None:
    """The Hypothesis test above runs in memory; here every bounded number at the top of its
    bound, and the last day, go through each store and its persisted views, and every format
    renders (HTML from folded views, as ``report`` makes it: it draws rows snapshots lack)."""
    last = LAST_DAY.isoformat()
    facts = [*programme(), cost_incurred(), recruitment_target_set(),
             time_logged(hours="2", on=last), cost_incurred(on=last)]
    topped = []
    for fact in facts:
        bounds = bounded_fields(fact["fact"]) if fact["fact"] in FACT_TYPES else {}
        topped.append({**fact, **{f: values[-1] for f, values in bounds.items() if f in fact}})
    topped = [consistent(fact, topped) for fact in topped]
    with Ledger(location) as ledger:
        ledger.import_facts(topped)
        follow(ledger, once=True, as_of=LAST_DAY)
        assert check_ledger(ledger).ok, check_ledger(ledger).problems
        persisted = build_report(ledger, as_of=LAST_DAY, persisted=True)
        folded = build_report(ledger, as_of=LAST_DAY)
        assert set(persisted.sources.values()) == {"persisted"}
        assert persisted.figures == folded.figures
        for fmt in FORMATS:
            assert render(folded if fmt == "html" else persisted, fmt), fmt
