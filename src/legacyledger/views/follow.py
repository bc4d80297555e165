"""The worker behind ``legacyledger follow``: keep a ledger's persisted views up to date.

It polls the ledger's head (SQLite has no subscriptions in eventsourcing 9.5.6; polling is
also what it does on PostgreSQL), catches ``current_facts`` up in batches and refreshes the
figure snapshots. SIGTERM and SIGINT stop it between batches: every committed batch is whole,
and the next run resumes from the tracked position.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from legacyledger.views.store import EditedViews, Params, PersistedViews
from legacyledger.views.store.backends import CURRENT_FACTS

if TYPE_CHECKING:
    from legacyledger.views.source import LedgerReader


class Progress(Protocol):
    """Told what the worker did: ``caught_up`` after each batch, ``refreshed`` with the
    families recomputed, ``rebuilt`` when the views were of another ledger history,
    ``retrying`` with the error, then ``stopped``."""

    def __call__(self, event: str, position: int, head: int, families: list[str]) -> None: ...


@contextmanager
def _stop_on_signals(stopping: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stopping`` (only the main thread can install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: Any) -> None:
        stopping.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def follow(
    ledger: LedgerReader,
    poll_seconds: float = 1.0,
    batch: int = 5000,
    stop: threading.Event | Callable[[], bool] | None = None,
    on_progress: Progress | None = None,
    *,
    as_of: date | None = None,
    params: Params | None = None,
    once: bool = False,
) -> int:
    """Keep the views current until ``stop`` is set (or returns True), a signal arrives, or
    (``once``) they have caught up with the head; returns the tracked position."""
    stopping = threading.Event()
    external: Callable[[], bool] = (lambda: False) if stop is None else (
        stop.is_set if isinstance(stop, threading.Event) else stop
    )

    def should_stop() -> bool:
        return stopping.is_set() or external()

    def tell(event: str, position: int, head: int, families: list[str] | None = None) -> None:
        if on_progress is not None:
            on_progress(event, position, head, families or [])

    with _stop_on_signals(stopping), PersistedViews(ledger) as views:
        tracked, refreshed, failures = 0, None, 0
        edited = views.status().edited  # every seal, once: a row edited while none ran
        if edited:
            tracked = views.rebuild(batch)
            tell("rebuilt", tracked, ledger.head(), [edited])
        while not should_stop():
            try:
                head = ledger.head()
                tracked = views.tracked()  # re-read: a rebuild may have swapped in a new store
                if views.from_another_history(CURRENT_FACTS, tracked):
                    # Views of another ledger history (one re-created at the same path):
                    # build them again from this ledger and swap them in whole.
                    tracked = views.rebuild(batch)
                    tell("rebuilt", tracked, head)
                tracked, families = views.update(
                    as_of, params, head, batch, should_stop,
                    on_batch=lambda position, target: tell("caught_up", position, target),
                )
                if tracked >= head and not should_stop():
                    if families or refreshed != head:
                        tell("refreshed", head, head, families)
                    refreshed = head
                failures = 0
            except EditedViews as edited:
                # A row changed outside legacyledger: the views are derived, so build them
                # again from the facts and swap them in whole (nothing edited was served).
                tracked = views.rebuild(batch)
                tell("rebuilt", tracked, ledger.head(), [str(edited)])
                continue
            except Exception as error:
                # A lost connection or a lock held too long: back off and carry on from the
                # tracked position (nothing half-applied was committed); anything else, or
                # the same trouble too often, stops the worker.
                failures += 1
                if not _transient(error) or failures > RETRIES:
                    raise
                tell("retrying", tracked, 0, [f"{type(error).__name__}: {error}"])
                _sleep(min(30.0, 0.5 * 2**failures), should_stop)
                continue
            if once and tracked >= head:
                break
            _sleep(poll_seconds, should_stop)
        tell("stopped", tracked, ledger.head())
        return tracked


RETRIES = 5


def _transient(error: Exception) -> bool:
    """Errors of the connection or of locking, which a later attempt may not meet."""
    import sqlite3

    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL support not installed
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg.errors.DeadlockDetected))


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Sleep in short steps so that a stop request is seen promptly."""
    remaining = seconds
    step = 0.05
    event = threading.Event()
    while remaining > 0 and not should_stop():
        event.wait(min(step, remaining))
        remaining -= step
