"""When a fact was recorded: the time its write transaction took the ledger's write lock.

The recorders stamp ``recorded_at`` into the stored bytes inside the write transaction, after
the lock is held and before the hash chain covers them, as the later of the clock and the
last stamp stored. So stamps never decrease with position, even when concurrent imports were
planned in another order or the clock steps back, and ``position_at`` can bisect positions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from eventsourcing.persistence import StoredEvent

#: The stored envelope: every state ends with it (orjson keeps key order).
RECORDED_AT = b',"recorded_at":"'

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def stamp_text(moment: datetime) -> str:
    """UTC ISO text of fixed width, so stored stamps also sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stamp_of(state: bytes) -> datetime | None:
    """The ``recorded_at`` stamped in a stored state, if any."""
    start = state.rfind(RECORDED_AT)
    if start < 0:
        return None
    start += len(RECORDED_AT)
    return datetime.fromisoformat(state[start : state.index(b'"', start)].decode())


def next_stamp(clock: Clock, last_state: bytes | None) -> bytes:
    """The stamp of the next write: the clock, but never before the last stamp stored."""
    now = clock()
    last = None if last_state is None else stamp_of(bytes(last_state))
    return stamp_text(now if last is None else max(now, last)).encode()


def stamped(stored: Sequence[StoredEvent], stamp: bytes) -> list[StoredEvent]:
    """The states with ``stamp`` as their ``recorded_at`` (replaced, or appended when the
    state has none), edited as bytes: the facts are not decoded again."""
    tail = RECORDED_AT + stamp + b'"}'
    restamped = []
    for s in stored:
        state = s.state
        end = state.rfind(RECORDED_AT)
        restamped.append(
            StoredEvent(
                s.originator_id,
                s.originator_version,
                s.topic,
                state[: end if end >= 0 else -1] + tail,
            )
        )
    return restamped


def search_position(
    first_from: Callable[[int], tuple[int, datetime] | None], head: int, moment: datetime
) -> int:
    """The last position stamped at or before ``moment`` (0 if none), by bisection.

    ``first_from(p)`` gives the first stored position at or after ``p`` and its stamp;
    positions may have gaps (PostgreSQL), stamps ascend with them.
    """
    found, low, high = 0, 1, head
    while low <= high:
        middle = (low + high) // 2
        row = first_from(middle)
        if row is None or row[0] > high:
            high = middle - 1
        elif row[1] <= moment:
            found, low = row[0], row[0] + 1
        else:
            high = middle - 1
    return found
