"""Tamper evidence: a hash chain over the stored facts, checked by ``verify_chain``."""

from __future__ import annotations

from pathlib import Path

import pytest

from legacyledger import Ledger
from tests.tampering import tamper, unguarded_sqlite

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example-facts.jsonl"


def test_an_untouched_ledger_verifies_across_imports_and_batches(location: str) -> None:
    with Ledger(location, batch_size=3) as ledger:
        ledger.import_file(EXAMPLE)
        check = ledger.verify_chain()
        assert check.ok and check.checked == ledger.count() == 17
        assert ledger.chain_head() == (17, check.head_link)


def test_editing_one_stored_fact_names_that_position(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    tamper(
        location,
        "UPDATE stored_events SET state = replace(state, '55', '56') WHERE rowid = 11",
        "UPDATE {schema}.legacyledger_events SET state = "
        "convert_to(replace(convert_from(state, 'UTF8'), '55', '56'), 'UTF8') "
        "WHERE notification_id = 11",
    )
    with Ledger(location) as ledger:
        check = ledger.verify_chain()
    assert (check.ok, check.first_bad, check.checked) == (False, 11, 10)
    assert "altered" in (check.reason or "")


def test_deleting_the_last_fact_is_detected(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    tamper(
        location,
        "DELETE FROM stored_events WHERE rowid = 17",
        "DELETE FROM {schema}.legacyledger_events WHERE notification_id = 17",
    )
    with Ledger(location) as ledger:
        check = ledger.verify_chain()
    assert not check.ok
    assert check.first_bad == 17


@pytest.mark.parametrize("position", [1, 9])
def test_rewriting_a_link_is_detected(tmp_path: Path, position: int) -> None:
    location = str(tmp_path / "ledger.db")
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    with unguarded_sqlite(location) as conn:
        conn.execute("UPDATE fact_chain SET link = zeroblob(32) WHERE position = ?", (position,))
    with Ledger(location) as ledger:
        assert ledger.verify_chain().first_bad == position
