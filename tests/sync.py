"""How tests wait for threads and processes: on an event, a barrier or a word on a pipe,
never on a clock.

A test never sleeps, and never polls the store until a deadline: it waits for the thing
itself (a thread sets an event, a worker tells its progress through a callback, a child
process prints a line once it has reached a point). Every such wait still takes
:data:`HUNG` as its timeout, only as a safety net: a test that hangs then fails instead of
hanging the run. No test relies on it to pass; each wait normally ends in well under a
second, on the event.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import IO, TypeVar

import pytest

T = TypeVar("T")

#: Seconds before a wait gives up: a safety net against a hung test, never a delay.
HUNG = 300.0


def until(told: queue.Queue[T | None], wanted: Callable[[T], bool], what: str) -> T:
    """Take what ``told`` is given until an item is ``wanted``, and return that item; fail
    saying ``what`` was awaited if the producer ends (puts None) or hangs."""
    while True:
        try:
            item = told.get(timeout=HUNG)
        except queue.Empty:
            pytest.fail(f"hung while waiting for {what}")
        if item is None:
            pytest.fail(f"it ended before {what}")
        if wanted(item):
            return item


def lines_of(stream: IO[bytes]) -> queue.Queue[str | None]:
    """The lines a child process writes to ``stream``, read by a thread as they come (so a
    test can wait for one while the child carries on), then None at the end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line.decode().rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def release_together(children: Sequence[subprocess.Popen[bytes]]) -> None:
    """Children that print ``ready`` and then wait for ``go`` on stdin: once every one is up
    (its interpreter started, its imports done), release them all at once."""
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        child.stdin.flush()
