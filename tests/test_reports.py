"""Reports: what they hold, the published JSON schema, disclosure, the digest, verify, integrity."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.projections.disclosure import SUPPRESSED, Discloser
from legacyledger.reports import (
    SCHEMA,
    Problem,
    Report,
    StoredState,
    build_report,
    check_ledger,
    report_json,
    report_schema,
    verify_report,
)
from legacyledger.synthetic import SyntheticConfig, generate
from tests.tampering import unguarded_sqlite

AS_OF = date(2025, 9, 30)
SMALL = SyntheticConfig(cohorts=2, registrants_per_cohort=20, mentors=6, ambassadors=10, events=8)


def synthetic_ledger(path: Path) -> Path:
    with Ledger(path) as ledger:
        ledger.import_facts(generate(SMALL))
    return path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """One synthetic ledger for the tests that only read it."""
    with Ledger(synthetic_ledger(tmp_path_factory.mktemp("reports") / "ledger.db")) as ledger:
        yield ledger


@pytest.fixture(scope="module")
def full(shared: Ledger) -> Report:
    return build_report(shared, as_of=AS_OF)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger of its own, for tests that record facts or break it."""
    with Ledger(synthetic_ledger(tmp_path / "ledger.db")) as opened:
        yield opened


# -- a small JSON Schema validator (the subset report-1.schema.json uses) ----------------------

TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def schema_errors(
    instance: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    """Every violation of ``schema`` by ``instance``; [] when valid (Draft 2020-12 subset)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return schema_errors(instance, root["$defs"][name], root, at)
    errors = [f"{at}: {e}" for e in _scalar_errors(instance, schema)]
    for key, check in (("oneOf", _one_of), ("anyOf", _any_of), ("not", _not)):
        if key in schema:
            errors += check(instance, schema[key], root, at)
    if isinstance(instance, dict):
        errors += _object_errors(instance, schema, root, at)
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            errors += schema_errors(item, schema["items"], root, f"{at}[{i}]")
    return errors


def _is(instance: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(instance, bool):
        return False
    return isinstance(instance, TYPES[kind])


def _scalar_errors(instance: Any, schema: dict[str, Any]) -> Iterator[str]:
    kinds = schema.get("type")
    if kinds is not None and not any(
        _is(instance, k) for k in ([kinds] if isinstance(kinds, str) else kinds)
    ):
        yield f"{instance!r} is not of type {kinds}"
    if "const" in schema and instance != schema["const"]:
        yield f"{instance!r} is not {schema['const']!r}"
    if "enum" in schema and instance not in schema["enum"]:
        yield f"{instance!r} is not one of {schema['enum']}"
    if (
        "pattern" in schema
        and isinstance(instance, str)
        and not re.search(schema["pattern"], instance)
    ):
        yield f"{instance!r} does not match {schema['pattern']}"
    if "minimum" in schema and _is(instance, "number") and instance < schema["minimum"]:
        yield f"{instance!r} is below {schema['minimum']}"
    if "maximum" in schema and _is(instance, "number") and instance > schema["maximum"]:
        yield f"{instance!r} is above {schema['maximum']}"
    if (
        "exclusiveMaximum" in schema
        and _is(instance, "number")
        and instance >= schema["exclusiveMaximum"]
    ):
        yield f"{instance!r} is not below {schema['exclusiveMaximum']}"
    if "maxLength" in schema and isinstance(instance, str) and len(instance) > schema["maxLength"]:
        yield f"longer than {schema['maxLength']}"
    if "minItems" in schema and isinstance(instance, list) and len(instance) < schema["minItems"]:
        yield f"fewer than {schema['minItems']} items"


def _object_errors(
    instance: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    errors = [f"{at}: missing {k!r}" for k in schema.get("required", ()) if k not in instance]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in instance.items():
        if "propertyNames" in schema:
            errors += schema_errors(key, schema["propertyNames"], root, f"{at}.<{key}>")
        if key in properties:
            errors += schema_errors(value, properties[key], root, f"{at}.{key}")
        elif extra is False:
            errors.append(f"{at}: unexpected {key!r}")
        elif isinstance(extra, dict):
            errors += schema_errors(value, extra, root, f"{at}.{key}")
    return errors


def _one_of(
    instance: Any, options: list[dict[str, Any]], root: dict[str, Any], at: str
) -> list[str]:
    matching = sum(not schema_errors(instance, option, root, at) for option in options)
    return [] if matching == 1 else [f"{at}: {instance!r} matches {matching} of oneOf"]


def _any_of(
    instance: Any, options: list[dict[str, Any]], root: dict[str, Any], at: str
) -> list[str]:
    if any(not schema_errors(instance, option, root, at) for option in options):
        return []
    return [f"{at}: {instance!r} matches none of anyOf"]


def _not(instance: Any, schema: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    return (
        [f"{at}: {instance!r} must not match {schema}"]
        if not schema_errors(instance, schema, root, at)
        else []
    )


def assert_valid_report(document: dict[str, Any]) -> None:
    """Against the published schema, with ``jsonschema`` too when it happens to be installed."""
    schema = report_schema()
    errors = schema_errors(document, schema, schema)
    assert not errors, errors[:10]
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_validator_catches_what_the_schema_forbids() -> None:
    schema = report_schema()
    good = {"family": "costs", "id": "costs.total/period=2024-25", "label": "", "display": "1.50",
            "unit": "GBP", "kind": "money", "suppressed": False,
            "derivation": {"formula": "costs.total", "version": 1, "parameters": {},
                           "as_of": "2025-09-30", "known_at": 3, "contributing": None,
                           "disclosure": "nhs", "note": None, "inputs": []}}  # fmt: skip
    figure = {"$ref": "#/$defs/figure"}
    assert schema_errors(good, figure, schema) == []
    without_id = {k: v for k, v in good.items() if k != "id"}
    bad_ones = [{**good, "value": 3}, {**good, "display": [1]}, {**good, "kind": "other"},
                without_id, {**good, "suppressed": "no"}]  # fmt: skip
    for bad in bad_ones:
        assert schema_errors(bad, figure, schema), bad


# -- what a report holds ------------------------------------------------------------------------


def test_a_report_of_every_family_validates_against_the_published_schema(full: Report) -> None:
    document = json.loads(json.dumps(report_json(full)))
    assert_valid_report(document)
    assert document["schema"] == SCHEMA == report_schema()["properties"]["schema"]["const"]
    assert {f["family"] for f in document["figures"]} == {
        "retention",
        "costs",
        "compliance",
        "reach",
    }
    assert list(document)[-1] == "digest"  # the footer closes the document


def test_every_figure_carries_its_id_and_derivation_summary(shared: Ledger, full: Report) -> None:
    for figure in report_json(full)["figures"]:
        derivation = figure["derivation"]
        assert figure["id"].startswith(figure["family"] + ".")
        assert derivation["formula"] and derivation["version"] >= 1
        assert (derivation["as_of"], derivation["known_at"]) == (AS_OF.isoformat(), full.known_at)
        assert derivation["disclosure"] == "nhs"
    some = full.of("costs")[0]
    assert shared.explain(some.id, AS_OF, full.known_at).figure.value == some.unrounded


def test_only_the_families_asked_for(shared: Ledger) -> None:
    report = build_report(shared, ["costs"], as_of=AS_OF)
    assert report.families == ("costs",) and set(report.parameters) == {"costs"}
    assert report.figures and all(f.id.startswith("costs.") for f in report.figures)


@pytest.mark.parametrize(
    "bad", [{"families": ["nope"]}, {"disclosure": "loose"}, {"known_at": 10**9}]
)
def test_bad_requests_are_value_errors(shared: Ledger, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_report(shared, as_of=AS_OF, **bad)


def test_by_period_and_scope_reach_the_folds(shared: Ledger) -> None:
    report = build_report(shared, ["retention", "costs"], as_of=AS_OF, by=["profession"],
                          period="quarter", scope="system", disclosure="none")  # fmt: skip
    assert report.parameters["retention"] == {
        "by": ["profession"],
        "period": "quarter",
        "scope": "system",
    }
    assert report.parameters["costs"] == {"grains": ["quarter"], "unit_grains": ["quarter"]}
    cohorts = [f.id for f in report.of("retention") if f.id.startswith("retention.cohort_size/")]
    assert cohorts and all("profession=" in i and "scope=system" in i for i in cohorts)
    totals = [f.id for f in report.of("costs") if f.id.startswith("costs.total/")]
    assert any(re.search(r"period=\d{4}-\d{2}-Q\d", i) for i in totals)
    assert not any(_is_month(i.rpartition("period=")[2]) for i in totals)


def _is_month(period: str) -> bool:
    """``2024-10`` is a month; ``2024-25`` a financial year (from 2012/13 on, no clash)."""
    return bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period))


# -- disclosure ---------------------------------------------------------------------------------


def _small_cohort(report: Report) -> str:
    return next(f.id for f in report.of("retention")
                if f.id.startswith("retention.cohort_size/") and 1 <= (f.unrounded or 0) <= 7)  # type: ignore[operator]  # fmt: skip


def test_a_small_cohort_is_starred_under_nhs_and_shown_under_none(
    shared: Ledger, full: Report
) -> None:
    cohort = _small_cohort(full)
    open_report = build_report(shared, ["retention"], as_of=AS_OF, disclosure="none")
    nhs = {f.id: f for f in full.figures}[cohort]
    internal = {f.id: f for f in open_report.figures}[cohort]
    assert (nhs.display, nhs.suppressed) == ("*", True)
    assert internal.display == internal.unrounded and not internal.suppressed


def test_a_published_report_holds_neither_raw_values_nor_fact_counts(
    full: Report, shared: Ledger
) -> None:
    text = json.dumps(report_json(full))
    assert '"value"' not in text and '"contributing": null' in text
    assert all(f["derivation"]["contributing"] is None for f in report_json(full)["figures"])
    internal = report_json(build_report(shared, ["retention"], as_of=AS_OF, disclosure="none"))
    assert all(isinstance(f["derivation"]["contributing"], int) for f in internal["figures"])


def test_money_is_shown_in_whole_pence(full: Report) -> None:
    money = [f for f in full.of("costs") if f.kind == "money" and f.display != "n/a"]
    assert money and all(re.fullmatch(r"-?\d+\.\d{2}", str(f.display)) for f in money)
    assert any(Decimal(str(f.display)) != f.unrounded for f in money)  # rounded only when shown


# -- the digest and verify ----------------------------------------------------------------------


def test_the_digest_depends_on_what_was_asked_not_when(shared: Ledger, full: Report) -> None:
    again = build_report(shared, as_of=AS_OF, known_at=full.known_at)
    assert again.digest == full.digest and re.fullmatch(r"sha256:[0-9a-f]{64}", full.digest)
    assert build_report(shared, as_of=AS_OF, disclosure="none").digest != full.digest
    assert build_report(shared, as_of=AS_OF, scope="system").digest != full.digest
    assert build_report(shared, as_of=AS_OF - timedelta(days=1)).digest != full.digest


def test_a_fresh_report_verifies(shared: Ledger, full: Report) -> None:
    result = verify_report(shared, json.loads(json.dumps(report_json(full))))
    assert result.reproduces, (result.problems, result.differences[:3])
    assert result.rebuilt_digest == full.digest


def test_parameters_of_every_type_read_back_for_verify(shared: Ledger) -> None:
    params = {"reach": {"period_start": "2024-04-01", "growth_from": date(2024, 4, 1)},
              "compliance": {"met_share": Decimal("0.9")},
              "costs": {"hours_per_year": "1957.5"}}  # fmt: skip
    report = build_report(shared, ["reach", "compliance", "costs"], as_of=AS_OF, params=params)
    assert report.parameters["reach"]["growth_from"] == "2024-04-01"
    assert verify_report(shared, json.loads(json.dumps(report_json(report)))).reproduces


def test_a_report_still_verifies_after_a_back_dated_leaver(ledger: Ledger) -> None:
    before = report_json(build_report(ledger, ["retention"], as_of=AS_OF))
    ledger.record(back_dated_leaver(ledger))
    assert verify_report(ledger, before).reproduces  # as known at its position: unchanged
    now = build_report(ledger, ["retention"], as_of=AS_OF)
    assert now.known_at == before["known_at"] + 1 and now.digest != before["digest"]


def back_dated_leaver(ledger: Ledger) -> dict[str, Any]:
    """A move to primary care (leaving, under the ``nhs`` scope) a month after enrolment,
    for a registrant who has not left: recorded now, dated well before ``AS_OF``."""
    for key in sorted(_registrants(ledger)):
        history = ledger.history("registrant", key)
        if any(r.fact["fact"] == "RegistrantLeft" for r in history):
            continue
        day = date.fromisoformat(history[0].fact["on"]) + timedelta(days=30)
        if day < AS_OF - timedelta(days=365):
            return {"fact": "RegistrantMoved", "registrant": key, "on": day.isoformat(),
                    "employer": "ods:Y01234", "setting": "primary_care", "sector": "primary_care",
                    "same_staff_group": False, "source_ref": "test-back-dated-leaver"}  # fmt: skip
    raise AssertionError("no registrant to back-date a leaving for")


def _registrants(ledger: Ledger) -> set[str]:
    return {r.fact["registrant"] for r in ledger.records(names=["RegistrantEnrolled"])}


def test_a_tampered_value_fails_naming_the_figure(shared: Ledger, full: Report) -> None:
    document = json.loads(json.dumps(report_json(full)))
    target = next(
        f for f in document["figures"] if isinstance(f["display"], int) and f["display"] >= 10
    )
    target["display"] += 5
    result = verify_report(shared, document)
    assert not result.reproduces and result.rebuilt_digest == full.digest
    assert [(d.id, d.reported, d.rebuilt) for d in result.differences] == [
        (target["id"], target["display"], target["display"] - 5)
    ]


@pytest.mark.parametrize(
    ("field", "edit"),
    [
        ("derivation", lambda f: f["derivation"].update(as_of="2020-01-01")),
        ("derivation", lambda f: f["derivation"].update(parameters={"horizon_months": 999})),
        ("derivation", lambda f: f["derivation"].update(formula="made-up")),
        ("label", lambda f: f.update(label="something else")),
        ("suppressed", lambda f: f.update(suppressed=not f["suppressed"])),
    ],
)
def test_an_edited_derivation_or_label_fails_naming_the_figure_and_field(
    shared: Ledger, full: Report, field: str, edit: Any
) -> None:
    document = json.loads(json.dumps(report_json(full)))
    target = document["figures"][5]
    edit(target)
    result = verify_report(shared, document)
    assert not result.reproduces
    assert [(d.id, d.field) for d in result.differences] == [(target["id"], field)]


def test_a_figure_new_to_a_redefined_formula_is_named_as_redefined(
    shared: Ledger, full: Report
) -> None:
    """A report made under an earlier version of a formula may lack a figure the formula has
    gained since (a new count beside a share): that is a change of definition, not of facts."""
    document = json.loads(json.dumps(report_json(full)))
    formula = "retention.R_h"
    made = [f for f in document["figures"] if f["derivation"]["formula"] == formula]
    for f in made:
        f["derivation"]["version"] -= 1
    document["figures"].remove(made[0])
    result = verify_report(shared, document)
    assert result.consistent and not result.differences
    redefined = {r.id: (r.what, r.reported_version, r.rebuilt_version) for r in result.redefined}
    version = made[1]["derivation"]["version"]
    assert redefined[made[0]["id"]] == ("formula", version, version + 1)
    assert len(redefined) == len(made)


def test_an_estimate_shown_under_disclosure_method_2_is_named_as_such(
    shared: Ledger, full: Report
) -> None:
    """Method 2 showed a Kaplan-Meier survival to 2 places from its true value; method 3
    shows it from the displayed leavers so far and effective number. A report made under
    method 2 is consistent: that figure is named as shown under an earlier method, while a
    count shown differently is still a difference."""
    document = json.loads(json.dumps(report_json(full)))
    document["disclosure_method"] = 2
    survival = next(f for f in document["figures"] if f["id"].startswith("retention.km_survival")
                    and f["display"] not in ("*", "n/a"))  # fmt: skip
    survival["display"] = "0.01"
    result = verify_report(shared, document)
    assert result.consistent and not result.differences
    assert [(r.id, r.what) for r in result.redefined] == [(survival["id"], "disclosure method")]
    count = next(f for f in document["figures"] if f["kind"] == "count"
                 and isinstance(f["display"], int) and f["display"] >= 10)  # fmt: skip
    count["display"] += 5
    assert [d.id for d in verify_report(shared, document).differences] == [count["id"]]


def test_a_count_suppressed_to_protect_another_under_method_3_is_named_as_such(
    shared: Ledger, full: Report
) -> None:
    """Method 3 suppressed no count to protect another: a report made under it showed, rounded,
    a count that method 4 shows as ``*``. Verifying it names that count as shown under an
    earlier method; the count shown as another number is still a difference."""
    figures = dict(full.views.by_id)
    discloser = Discloser(figures, full.disclosure)
    protecting = [i for i, f in figures.items()
                  if f.kind == "count" and discloser.primary(f) != SUPPRESSED
                  and discloser.protects(i)]  # fmt: skip
    assert protecting
    document = json.loads(json.dumps(report_json(full)))
    document["disclosure_method"] = 3
    count = next(f for f in document["figures"] if f["id"] == protecting[0])
    assert count["display"] == "*" and count["suppressed"]
    count["display"] = discloser.primary(figures[protecting[0]])
    result = verify_report(shared, document)
    assert result.consistent and not result.differences
    assert [(r.id, r.what) for r in result.redefined] == [(count["id"], "disclosure method")]
    count["display"] += 5
    assert [d.id for d in verify_report(shared, document).differences] == [count["id"]]


def test_a_dropped_figure_and_a_forged_digest_fail(shared: Ledger, full: Report) -> None:
    document = json.loads(json.dumps(report_json(full)))
    dropped = document["figures"].pop(3)
    assert [d.id for d in verify_report(shared, document).differences] == [dropped["id"]]
    forged = {**json.loads(json.dumps(report_json(full))), "digest": "sha256:" + "0" * 64}
    assert not verify_report(shared, forged).reproduces


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"schema": "other/1"}, "not a legacyledger.report/1"),
        ({"known_at": 10**9}, "ends at"),
        ({"families": ["nope"]}, "families"),
    ],
)
def test_a_report_that_cannot_be_rebuilt_says_why(
    shared: Ledger, full: Report, change: dict[str, Any], why: str
) -> None:
    result = verify_report(shared, {**report_json(full), **change})
    assert not result.reproduces and why in result.problems[0]


# -- the ledger's integrity ---------------------------------------------------------------------


def test_a_sound_ledger_passes_every_check(shared: Ledger) -> None:
    checked = check_ledger(shared)
    assert checked.ok, checked.problems[:5]
    assert checked.facts == shared.count() and checked.head == shared.head()
    assert [c.name for c in checked.checks] == [
        "positions",
        "facts",
        "source_ref index",
        "links index",
        "hash chain",
        "persisted views",
    ]
    assert f"{shared.count()} of {shared.count()}" in checked.checks[2].summary


def test_a_damaged_ledger_names_the_positions(tmp_path: Path) -> None:
    path = synthetic_ledger(tmp_path / "ledger.db")
    with unguarded_sqlite(path) as db:
        db.execute("UPDATE stored_events SET state = CAST('not json' AS BLOB) WHERE rowid = 5")
        state = db.execute("SELECT state FROM stored_events WHERE rowid = 9").fetchone()[0]
        fact = json.loads(state)
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 9",
                   (json.dumps({**fact, "on": "someday"}).encode(),))  # fmt: skip
        db.execute("DELETE FROM source_refs WHERE source_ref = ?", (_ref_at(db, 12),))
    with Ledger(path) as damaged:
        problems = {(p.position, c.name) for c in check_ledger(damaged).checks for p in c.problems}
    assert {(5, "facts"), (9, "facts"), (12, "source_ref index")} <= problems


def _ref_at(db: sqlite3.Connection, position: int) -> str:
    return str(json.loads(db.execute("SELECT state FROM stored_events WHERE rowid = ?",
                                     (position,)).fetchone()[0])["source_ref"])  # fmt: skip


class EveryTenth:
    """A check from elsewhere (as a hash chain will be): it only has to follow the protocol."""

    name = "every tenth"

    def __init__(self, ledger: Ledger) -> None:
        self.seen = 0

    def visit(self, stored: StoredState) -> list[Problem]:
        self.seen += 1
        return [Problem(stored.position, "a tenth")] if stored.position % 10 == 0 else []

    def finish(self) -> list[Problem]:
        return []

    def summary(self) -> str:
        return f"{self.seen} seen"


def test_more_checks_can_join(shared: Ledger) -> None:
    checked = check_ledger(shared, [EveryTenth])
    assert [c.name for c in checked.checks] == ["every tenth"]
    assert len(checked.problems) == shared.head() // 10 and not checked.ok


def test_an_edited_stored_fact_fails_the_integrity_check_at_its_position(tmp_path: Path) -> None:
    from legacyledger import Ledger
    from legacyledger.reports import check_ledger

    location = str(tmp_path / "ledger.db")
    with Ledger(location) as ledger:
        ledger.import_file(Path(__file__).parent / "data" / "example-facts.jsonl")
    with unguarded_sqlite(location) as conn:
        conn.execute("UPDATE stored_events SET state = replace(state, '55', '56') WHERE rowid = 11")
    with Ledger(location) as ledger:
        checked = check_ledger(ledger)
    assert not checked.ok
    assert [(c.name, p.position) for c in checked.checks for p in c.problems] == [
        ("source_ref index", 11),  # the edited fact no longer has its digest
        ("hash chain", 11),
    ]
    assert checked.problems[-1].message == "chain broken: stored fact or link altered"
