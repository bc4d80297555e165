"""The library leaves the process alone: no garbage-collector toggling or tuning, whatever
it is asked to do (the CLI may opt in for its own process, ``legacyledger_cli.tune_gc``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Run in a fresh interpreter, so that importing the library is watched too. A profiler sees
#: every call into the ``gc`` module, including a toggle that is undone before returning.
SCRIPT = """
import gc, json, sys
calls = []

def watch(frame, event, arg):
    if event == "c_call" and getattr(arg, "__module__", None) == "gc":
        calls.append(arg.__name__)

def state():
    return [gc.isenabled(), list(gc.get_threshold()), gc.get_freeze_count()]

before = state()
sys.setprofile(watch)
from legacyledger import Ledger
from legacyledger.synthetic import SyntheticConfig, write_jsonl
from legacyledger.views.store import PersistedViews

write_jsonl(sys.argv[1], SyntheticConfig.for_facts(400))
with Ledger(sys.argv[2], batch_size=100) as ledger:
    ledger.import_file(sys.argv[1])
    views = ledger.views()
    for figure in views.figures:
        len(figure.derivation.contributing)
    with PersistedViews(ledger) as persisted:
        persisted.catch_up()
        persisted.refresh()
sys.setprofile(None)
print(json.dumps({"before": before, "after": state(), "calls": sorted(set(calls))}))
"""

#: What would change the collector for the whole process.
TOGGLES = {"disable", "enable", "freeze", "unfreeze", "set_threshold", "set_debug", "collect"}


@pytest.mark.slow
def test_importing_the_library_and_using_it_leaves_the_gc_alone(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "facts.jsonl"), str(tmp_path / "l.db")],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["after"] == seen["before"]
    assert TOGGLES.isdisjoint(seen["calls"]), seen["calls"]
