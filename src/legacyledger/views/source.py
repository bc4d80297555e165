"""What the views read from a ledger, stated as a protocol so the views need not import it.

The :class:`~legacyledger.application.Ledger` satisfies :class:`LedgerReader` (mypy checks it
where the ledger hands itself to the views); the views depend on this shape, never on the
application, so the application can offer ``ledger.views()`` without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol

from legacyledger.projections.base import FactRecord


class LedgerReader(Protocol):
    """The reads a view needs: ordered facts, positions, chain links, its stores' settings."""

    @property
    def app(self) -> Any:
        """The eventsourcing application (its ``env`` places the view store; its
        ``recorder`` answers cheap questions about stored topics)."""

    def head(self) -> int: ...

    def frameworks_at(self, position: int) -> Any:
        """The framework catalogue compliance is judged against, as known at ``position``."""

    def records(
        self,
        start: int = 0,
        stop: int | None = None,
        batch: int = 5000,
        names: Iterable[str] | None = None,
    ) -> Iterator[FactRecord]: ...

    def records_at(self, positions: Iterable[int]) -> Iterator[FactRecord]: ...

    def chain_link(self, position: int) -> str | None: ...

    def position_at(self, moment: datetime) -> int: ...
