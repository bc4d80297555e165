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


def explain(location: str) -> dict[str, Any]:
    from legacyledger import Ledger
    from legacyledger.views import figure_ids

    timings = []
    with Ledger(location) as ledger:
        ids = figure_ids(ledger)[:: max(1, len(figure_ids(ledger)) // 20)][:20]
        for figure_id in ids:
            started = time.perf_counter()
            ledger.explain(figure_id)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "explained": len(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "max_ms": timings[-1],
    }


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": generate,
    "plain_save": plain_save,
    "import": import_,
    "bare_read": bare_read,
    "rebuild": rebuild,
    "explain": explain,
}

if __name__ == "__main__":
    step, args = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(STEPS[step](**args)))
