"""Figures through the Ledger: as of a date, as known at a position or a time, explained, diffed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from legacyledger import Ledger
from tests.builders import contact, corrected, left, matched, programme, voided

R = "R-1"
AS_OF = date(2026, 3, 31)
RETAINED_12 = "retention.retained/cohort=2024-25/h=12/scope=nhs"


def history(ledger: Ledger) -> tuple[int, dict[str, object]]:
    """A registrant, matched and contacted; returns the position before the leaver arrives."""
    first = contact(on="2024-10-08", minutes=55)
    ledger.import_facts([*programme()[:11], matched(), first])
    return ledger.head(), first


def test_views_carry_known_at_and_as_of_in_every_derivation(ledger: Ledger) -> None:
    history(ledger)
    views = ledger.views(as_of=AS_OF)
    assert views.figures, "the history yields figures"
    assert {f.derivation.known_at for f in views.figures} == {ledger.head()}
    assert {f.id.partition(".")[0] for f in views.figures} >= {"retention", "costs", "reach"}
    for figure in views.figures:
        assert set(figure.derivation.contributing) <= set(range(1, ledger.head() + 1))


def test_known_at_the_end_of_the_ledger_equals_the_current_figures(ledger: Ledger) -> None:
    history(ledger)
    ledger.import_facts([left(on="2025-01-15")])
    now = ledger.views(as_of=AS_OF)
    at_end = ledger.views(as_of=AS_OF, known_at=ledger.head())
    assert {f.id: f.value for f in now.figures} == {f.id: f.value for f in at_end.figures}


def test_a_back_dated_leaver_changes_the_figure_and_the_diff_names_it(ledger: Ledger) -> None:
    before, _ = history(ledger)
    ledger.import_facts(
        [left(on="2025-01-15", destination="left_profession", source_ref="late-leaver")]
    )
    then = ledger.views(as_of=AS_OF, known_at=before).figure(RETAINED_12)
    now = ledger.views(as_of=AS_OF).figure(RETAINED_12)
    # 12 months after registration (2024-09-02): in post when known at `before`, left since.
    assert (then.value, now.value) == (1, 0)
    change = ledger.diff(RETAINED_12, before, ledger.head(), as_of=AS_OF)
    assert change.changed
    assert [r.fact["source_ref"] for r in change.added] == ["late-leaver"]
    assert change.removed == ()


def test_explain_returns_exactly_the_contributing_facts(ledger: Ledger) -> None:
    history(ledger)
    explanation = ledger.explain(RETAINED_12, as_of=AS_OF)
    positions = [r.position for r in explanation.facts]
    assert positions == list(explanation.figure.derivation.contributing)
    assert {r.fact["fact"] for r in explanation.facts} >= {"RegistrantEnrolled"}


def test_a_correction_then_voiding_it_restores_the_figure(memory_ledger: Ledger) -> None:
    history(memory_ledger)
    ledger = memory_ledger
    leaving = left(on="2025-01-15", destination="left_profession", source_ref="leaver")
    ledger.import_facts([leaving])
    original = ledger.views(as_of=AS_OF).figure(RETAINED_12).value
    ledger.import_facts([corrected("leaver", {"on": "2025-12-01"}, source_ref="fix")])
    assert ledger.views(as_of=AS_OF).figure(RETAINED_12).value != original
    ledger.import_facts([voided("fix", source_ref="undo-fix")])
    assert ledger.views(as_of=AS_OF).figure(RETAINED_12).value == original
    assert ledger.subject("registrant", R).spans[-1][1] == date(2025, 1, 15)


def test_known_at_a_recorded_time_resolves_to_the_last_position_then(memory_ledger: Ledger) -> None:
    before, _ = history(memory_ledger)
    moment = datetime.now(UTC)
    # the next write is stamped after the moment by the recorder's clock, not by waiting
    memory_ledger.app.recorder.clock = lambda: moment + timedelta(seconds=1)
    memory_ledger.import_facts([left(on="2025-01-15")])
    views = memory_ledger.views(as_of=AS_OF, known_at=moment.isoformat())
    assert views.known_at == before
    assert memory_ledger.views(as_of=AS_OF, known_at=moment).known_at == before


def test_an_unknown_figure_is_a_clear_key_error(memory_ledger: Ledger) -> None:
    history(memory_ledger)
    with pytest.raises(KeyError, match="no figure"):
        memory_ledger.explain("retention.nothing/like=this", as_of=AS_OF)
    with pytest.raises(KeyError, match="figure ids start with"):
        memory_ledger.explain("nonsense", as_of=AS_OF)


def test_the_synthetic_programme_yields_all_four_views(memory_ledger: Ledger) -> None:
    from legacyledger.synthetic import SyntheticConfig, generate

    memory_ledger.import_facts(generate(SyntheticConfig(cohorts=2, registrants_per_cohort=20,
                                                        mentors=6, ambassadors=10, events=8)))
    views = memory_ledger.views(as_of=date(2025, 9, 30))
    for family in ("retention", "costs", "compliance", "reach"):
        assert any(f.id.startswith(f"{family}.") for f in views.figures), family
    for figure in views.figures:
        assert figure.derivation.formula and figure.derivation.as_of is not None
