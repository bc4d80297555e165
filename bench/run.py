"""``make bench``: legacyledger's speed, each figure beside a baseline measured in the same run.

Usage: ``python -m bench.run [--sizes 100000,1000000] [--stores sqlite,postgres] [--out FILE]``.
Every measurement runs in a fresh subprocess (so peak memory is that step's own), on facts from
the synthetic programme generator. Results go to ``bench/results/<timestamp>.json`` and a
short table on stdout. See ``bench/README.md`` for what each figure means and its target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "bench"


def run_step(step: str, **args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    command = [sys.executable, "-m", "bench.steps", step, json.dumps(args)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench step {step} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def facts_file(size: int) -> Path:
    path = WORK / f"facts-{size}.jsonl"
    if not path.exists():
        run_step("generate", size=size, path=str(path))
    return path


def bench_size(size: int, store: str, pg: str | None) -> dict[str, Any]:
    facts = facts_file(size)
    location = pg_location(pg, size) if store == "postgres" else str(WORK / f"ledger-{size}.db")
    result: dict[str, Any] = {"size": size, "store": store}
    result["plain_save"] = run_step("plain_save", facts=str(facts), store=store, pg=pg, size=size)
    result["import"] = run_step("import", facts=str(facts), location=location)
    result["import"]["ratio_to_plain_save"] = (
        result["import"]["facts_per_s"] / result["plain_save"]["facts_per_s"]
    )
    result["bare_read"] = run_step("bare_read", location=location)
    result["rebuild"] = run_step("rebuild", location=location)
    result["rebuild"]["ratio_to_bare_read"] = (
        result["rebuild"]["seconds"] / result["bare_read"]["seconds"]
    )
    result["explain_folding"] = run_step("explain", location=location, persisted=False, count=5)
    result["persist"] = run_step("persist", location=location)
    result["explain"] = run_step("explain", location=location)
    result["incremental"] = run_step("incremental", location=location)
    return result


def pg_location(pg: str | None, size: int) -> str:
    assert pg, "--pg DSN is required for the postgres store"
    return f"{pg}?schema=bench_{size}_{int(time.time())}"


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| store | facts | import facts/s | plain save() ev/s | ratio (target ≥ 2) "
        "| rebuild s | bare read s | ratio (target ≤ 2) | rebuild peak MB (≤ 250) "
        "| catch-up facts/s | one fact → views current p95 ms (≤ 20) "
        "| explain p95 ms, persisted (≤ 200) | explain p95 ms, folding |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['store']} | {r['size']:,} | {r['import']['facts_per_s']:,.0f} "
            f"| {r['plain_save']['facts_per_s']:,.0f} | {r['import']['ratio_to_plain_save']:.2f} "
            f"| {r['rebuild']['seconds']:.2f} | {r['bare_read']['seconds']:.2f} "
            f"| {r['rebuild']['ratio_to_bare_read']:.2f} | {r['rebuild']['peak_mb']:.0f} "
            f"| {r['persist']['catch_up_facts_per_s']:,.0f} | {r['incremental']['p95_ms']:.0f} "
            f"| {r['explain']['p95_ms']:.1f} | {r['explain_folding']['p95_ms']:.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--stores", default="sqlite")
    parser.add_argument("--pg", default=os.environ.get("LEGACYLEDGER_BENCH_PG"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    results = [
        bench_size(int(size), store, args.pg)
        for store in args.stores.split(",")
        for size in args.sizes.split(",")
    ]
    sizes = {r["size"]: r for r in results if r["store"] == "sqlite"}
    summary: dict[str, Any] = {"results": results}
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        summary["rebuild_growth"] = (
            sizes[large]["rebuild"]["seconds"] / sizes[small]["rebuild"]["seconds"]
        )
        summary["size_growth"] = large / small
    out = Path(args.out or ROOT / "bench" / "results" / f"{time.strftime('%Y%m%dT%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(table(results))
    if "rebuild_growth" in summary:
        print(
            f"rebuild growth {summary['rebuild_growth']:.2f}x "
            f"for {summary['size_growth']:.0f}x facts (target ≤ 11x for 10x)"
        )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
