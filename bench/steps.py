"""One benchmark step per process: ``python -m bench.steps STEP '{json args}'`` prints a JSON
result."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def generate(size: int, path: str) -> dict[str, Any]:
    from legacyledger.synthetic import SyntheticConfig, write_jsonl

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    count = write_jsonl(path, SyntheticConfig.for_facts(size))
    return {"facts": count, "seconds": time.perf_counter() - started}


def plain_save(facts: str, store: str, pg: str | None, size: int) -> dict[str, Any]:
    from bench.baseline import plain_save as measure

    rows = [orjson.loads(line) for line in Path(facts).read_bytes().splitlines()]
    target = _fresh(Path(facts).with_suffix(".plain.db"))
    count, seconds = measure(rows, target, store=store, pg=pg)
    return {"facts": count, "seconds": seconds, "facts_per_s": count / seconds}


def import_(facts: str, location: str) -> dict[str, Any]:
    from legacyledger import Ledger

    if not location.startswith("postgresql"):
        _fresh(Path(location))
    with Ledger(location) as ledger:
        started = time.perf_counter()
        result = ledger.import_file(facts)
        seconds = time.perf_counter() - started
    return {
        "facts": result.recorded,
        "seconds": seconds,
        "facts_per_s": result.recorded / seconds,
        "batches": result.batches,
        "peak_mb": peak_mb(),
    }


def bare_read(location: str) -> dict[str, Any]:
    from bench.baseline import bare_read as measure

    count, seconds = measure(location)
    return {"facts": count, "seconds": seconds, "facts_per_s": count / seconds}


def rebuild(location: str) -> dict[str, Any]:
    from legacyledger import Ledger
    from legacyledger.views import rebuild_all

    with Ledger(location) as ledger:
        started = time.perf_counter()
        views = rebuild_all(ledger)
        seconds = time.perf_counter() - started
        figures = sum(len(view.figures) for view in views.values())
    return {"seconds": seconds, "figures": figures, "peak_mb": peak_mb()}


def _figure_ids(ledger: Any, persisted: bool) -> list[str]:
    """20 figure ids spread over every family (from the persisted snapshots when there)."""
    from legacyledger.views import FAMILIES, figure_ids

    ids: list[str] = []
    if persisted:
        from legacyledger.views.store import PersistedViews

        with PersistedViews(ledger) as views:
            for family in FAMILIES:
                ids.extend(f.id for f in views.read(family).figures)
    ids = ids or figure_ids(ledger)
    return ids[:: max(1, len(ids) // 20)][:20]


def _percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50_ms": timings[len(timings) // 2],
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "max_ms": timings[-1],
    }


def explain(location: str, persisted: bool = True, count: int = 20) -> dict[str, Any]:
    """``Ledger.explain`` of figures spread over every family: from current persisted
    snapshots (``persisted``, as ``legacyledger explain`` does when ``follow`` keeps them), or
    folding the figure's family each time."""
    from legacyledger import Ledger
    from legacyledger.views import explain as explain_figure

    timings = []
    with Ledger(location) as ledger:
        ids = _figure_ids(ledger, persisted)[:count]
        for figure_id in ids:
            started = time.perf_counter()
            explain_figure(ledger, figure_id, persisted=persisted)
            timings.append((time.perf_counter() - started) * 1000)
    return {"explained": len(timings), "persisted": persisted, **_percentiles(timings)}


def persist(location: str) -> dict[str, Any]:
    """Persisted views from scratch: catch-up of the current facts (batched), then every
    family's figure snapshot for today."""
    from legacyledger import Ledger
    from legacyledger.views.store import PersistedViews

    if not location.startswith("postgresql"):
        _fresh(Path(f"{location}.views"))
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        started = time.perf_counter()
        tracked = views.catch_up()
        caught_up = time.perf_counter() - started
        started = time.perf_counter()
        views.refresh()
        refreshed = time.perf_counter() - started
    return {
        "facts": tracked,
        "catch_up_s": caught_up,
        "catch_up_facts_per_s": tracked / caught_up,
        "snapshots_s": refreshed,
        "peak_mb": peak_mb(),
    }


def incremental(location: str, repeats: int = 10) -> dict[str, Any]:
    """One new fact recorded, then every persisted view current again (``update()``, as
    ``follow`` does: current facts caught up and figure snapshots refreshed in one
    transaction), ``repeats`` times. The fact is a cost booked to a partnership: it touches
    only the costs family, as most single facts touch one or two."""
    from legacyledger import Ledger
    from legacyledger.views.store import PersistedViews

    record_ms, views_ms, total_ms = [], [], []
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        views.catch_up()
        views.refresh()
        formed = next(r.fact for r in ledger.records() if r.fact["fact"] == "PartnershipFormed")
        for i in range(repeats):
            fact = {
                "fact": "CostIncurred", "partnership": formed["partnership"], "on": formed["on"],
                "amount": "10.00", "category": "administration", "description": "bench",
                "source_ref": f"bench-{time.time_ns()}-{i}",
            }  # fmt: skip
            started = time.perf_counter()
            ledger.record(fact)
            recorded = time.perf_counter()
            views.update()
            done = time.perf_counter()
            record_ms.append((recorded - started) * 1000)
            views_ms.append((done - recorded) * 1000)
            total_ms.append((done - started) * 1000)
    return {
        "repeats": repeats,
        "record": _percentiles(record_ms),
        "views": _percentiles(views_ms),
        **_percentiles(total_ms),
    }


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": generate,
    "plain_save": plain_save,
    "import": import_,
    "bare_read": bare_read,
    "rebuild": rebuild,
    "explain": explain,
    "persist": persist,
    "incremental": incremental,
}

if __name__ == "__main__":
    step, args = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(STEPS[step](**args)))
