"""The flaky ``test_two_workers_catching_up_at_once_apply_each_batch_once[sqlite]`` (issue 12:
"a gap or an overlap" on a busy machine) was a code defect: a second worker opening the views
store checked whether it was an older store outside its write transaction, between the first
worker's two transactions creating it, then emptied it and reset its position while the first
worker was applying batches, so a batch was applied twice. The check is now made under the
write lock; this test replays the second worker's stale view of the store deterministically."""

from __future__ import annotations

from pathlib import Path

import pytest

from legacyledger import Ledger
from legacyledger.synthetic import SyntheticConfig, generate
from legacyledger.views.store import PersistedViews
from legacyledger.views.store.sqlite import SQLiteStore
from tests.application.test_viewstore import current_rows, expected_rows

pytestmark = pytest.mark.concurrency


class SawTheStoreBeingCreated(SQLiteStore):
    """A worker that looked at the store before the first worker wrote its tracking row."""

    def ready(self) -> bool:
        return False


def test_a_second_worker_opening_the_store_mid_catch_up_does_not_empty_it(
    tmp_path: Path,
) -> None:
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.import_facts(list(generate(SyntheticConfig.for_facts(400))))
        with PersistedViews(ledger) as first:
            first.catch_up(batch=50, stop=150)
            path = first.store.where
            late = SawTheStoreBeingCreated(path, first.store.sealer)
            late.close()
            assert first.tracked() == 150
            assert current_rows(first) == expected_rows(ledger, stop=150)
            first.catch_up(batch=50)
            assert current_rows(first) == expected_rows(ledger)
