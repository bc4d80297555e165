"""Ledgers holding 0.1.0 rows, and a subprocess that reads one back through every read path.

The reading runs in a fresh interpreter on a *copy* of the library that a test may change
first (a fact's version and fields, a module moved), so no class is redefined in this
process (eventsourcing brief, P8) and nothing of the change leaks into other tests.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from legacyledger import Ledger

ROOT = Path(__file__).parent.parent.parent
OLD = ROOT / "tests" / "data" / "ledger-0.1.0" / "ledger.db"
#: Facts recorded after 0.1.0, so the ledger holds rows under both kinds of topic.
NEW_FACTS = [
    {"fact": "MentorTrained", "mentor": "M-002", "on": "2026-03-02", "course": "Refresher",
     "hours": "3.5", "source_ref": "new-trained"},
    {"fact": "MentorTimeLogged", "mentor": "M-002", "on": "2026-03-02", "hours": "1.5",
     "activity": "admin", "category": "administration", "source_ref": "new-time"},
    {"fact": "FactCorrected", "target": "syn-000064", "on": "2026-03-03",
     "replacement": {"hours": "8"}, "reason": "hours mistyped", "source_ref": "new-fix"},
]


def ledger_with_0_1_0_rows(location: str, tmp_path: Path) -> str:
    """A ledger at ``location`` (SQLite: a path under tmp_path) holding 0.1.0's rows, with
    their module-path topics, then ``NEW_FACTS`` recorded by today's code."""
    if location == "sqlite":
        location = str(tmp_path / "ledger.db")
        shutil.copyfile(OLD, location)
    else:
        with Ledger(location) as ledger:
            copy_0_1_0_rows(ledger)
    with Ledger(location) as ledger:
        ledger.import_facts(NEW_FACTS)
    return location


def copy_0_1_0_rows(ledger: Ledger) -> None:
    """0.1.0's stored rows, byte for byte with their topics, into another store."""
    db = sqlite3.connect(f"file:{OLD}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    ).fetchall()
    refs = {
        (UUID(i), v): (r, d)
        for r, i, v, d in db.execute("SELECT * FROM source_refs").fetchall()
    }
    links = [(UUID(s), day, r, f) for s, day, r, f in db.execute("SELECT * FROM fact_links")]
    db.close()
    for start in range(0, len(rows), 500):
        chunk = [StoredEvent(UUID(i), v, t, bytes(s)) for i, v, t, s in rows[start : start + 500]]
        found = [refs[(e.originator_id, e.originator_version)] for e in chunk]
        ledger.app.recorder.insert_events(
            chunk,
            source_refs=[(r, e.originator_id, e.originator_version, d)
                         for e, (r, d) in zip(chunk, found, strict=True)],
            links=[(True, links)] if start == 0 else [],  # the links index as 0.1.0 kept it
        )


READER = r"""
import json, sys
from click.testing import CliRunner
from legacyledger import Ledger
from legacyledger.persistence import fact_of
from legacyledger.reports import check_ledger
from legacyledger.views.store.snapshots import names_between
from legacyledger_cli import main

location, step = sys.argv[1], sys.argv[2]
out = {}
with Ledger(location) as ledger:
    head = ledger.head()
    checked = check_ledger(ledger)
    out["checked"] = [checked.ok, str(checked)[:2000]]
    out["by_name"] = [[r.position, r.fact] for r in ledger.records(names=["MentorTrained"])]
    out["all"] = [r.fact for r in ledger.records()]
    out["names_between"] = sorted(names_between(ledger, 0, head))
    out["names_after_0_1_0"] = sorted(names_between(ledger, 1345, head))
    out["at"] = [r.fact for r in ledger.records_at([p for p, _ in out["by_name"]])]
    out["history"] = [r.fact for r in ledger.history("mentor", "M-002")]
    mentor = ledger.subject("mentor", "M-002")
    out["aggregate"] = {ref: fact_of(e) for ref, e in mentor.facts.items()}
    out["export"] = b"".join(ledger.export_lines()).decode()
    if step == "import":
        lines = [json.dumps(line) for line in json.loads(sys.argv[3])]
        try:
            ledger.import_facts(lines)
            out["imported"] = [r.fact for r in ledger.records(start=head)]
        except Exception as error:
            out["rejected"] = [[e.line, e.fact, e.field, e.message] for e in error.errors]
show = CliRunner().invoke(main, ["--ledger", location, "show", "mentor", "M-002"])
out["show"] = show.output
print(json.dumps(out))
"""


def read_back(
    library: Path, location: str, step: str = "read", lines: list[Any] | None = None
) -> dict[str, Any]:
    """Every read path's answer, from a fresh interpreter importing ``library`` (a copy of
    ``src``) and the CLI."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(library), str(ROOT / "cli")]))
    done = subprocess.run(
        [sys.executable, "-c", READER, location, step, json.dumps(lines or [])],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # the timeout is a safety net against a hung reader, not a wait (tests.sync.HUNG)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def library_copy(tmp_path: Path) -> Path:
    """A copy of ``src/legacyledger`` to change and import instead of the real one."""
    copy = tmp_path / "lib"
    shutil.copytree(ROOT / "src" / "legacyledger", copy / "legacyledger",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return copy
