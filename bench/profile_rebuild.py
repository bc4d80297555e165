"""Where a rebuild's time goes: each family on its own, all together, and the bare read.

Usage::

    python -m bench.profile_rebuild --db out/perf/ledger-100k.db [--repeat 3]
        [--steps bare_read,retention,costs,compliance,reach,all] [--as-of 2026-11-23]
    python -m bench.profile_rebuild --db ... --profile costs      # cProfile of one step
    python -m bench.profile_rebuild --db ... --digest out.json    # {id: digest} of every figure

Steps: ``bare_read`` (the baseline), ``records`` (``Ledger.records()`` alone: the read path
the views use), one per family (``build_views`` for that family), ``all`` (every family) and
``stages`` (read+settle once, then each family's fold from the settled facts, timed apart).
Every timed step runs in a fresh interpreter (so its peak RSS is its own and no cache or heap
carries over); with ``--repeat N`` each is run N times, interleaved, and the best time and the
largest peak are reported. ``all`` is ``views.build_views`` over every family (what
``rebuild_all`` and ``bench.steps rebuild`` time). ``--digest`` writes, per figure id, a short
hash of ``(value, contributing)``: compare two digests to show that an optimisation changed no
figure (see ``tests/projections/test_golden.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("retention", "costs", "compliance", "reach")
DEFAULT_STEPS = ("bare_read", *FAMILIES, "all")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory now (Linux), to see what each stage keeps."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def _as_of(text: str | None) -> date:
    return date.fromisoformat(text) if text else date.today()


def run_step(step: str, db: str, as_of: str | None) -> dict[str, Any]:
    """One measurement in this process."""
    if step == "stages":
        return stages(db, as_of)
    if step == "records":
        from legacyledger import Ledger

        with Ledger(db) as ledger:
            started = time.perf_counter()
            count = sum(1 for _ in ledger.records())
            return {
                "step": step,
                "seconds": time.perf_counter() - started,
                "facts": count,
                "peak_mb": peak_mb(),
            }
    if step == "bare_read":
        from bench.baseline import bare_read

        count, seconds = bare_read(db)
        return {"step": step, "seconds": seconds, "facts": count, "peak_mb": peak_mb()}
    from legacyledger import Ledger
    from legacyledger.views import build_views

    families = None if step == "all" else [step]
    with Ledger(db) as ledger:
        started = time.perf_counter()
        views = build_views(ledger, _as_of(as_of), families=families)
        seconds = time.perf_counter() - started
        figures = len(views.by_id)
    return {"step": step, "seconds": seconds, "figures": figures, "peak_mb": peak_mb()}


def stages(db: str, as_of: str | None) -> dict[str, Any]:
    """One rebuild split into its stages: read and settle (one pass), then each family's
    fold from the settled facts (what ``build_views`` does, timed step by step)."""
    import gc

    from legacyledger import Ledger
    from legacyledger.projections.tables import EffectiveTables
    from legacyledger.views import FAMILIES

    out: dict[str, Any] = {"step": "stages"}
    gc.disable()
    with Ledger(db) as ledger:
        day = _as_of(as_of)
        prepared = [(n, f, f.params(day, ledger)) for n, f in FAMILIES.items()]
        reads = frozenset().union(*(f.reads(p) for _, f, p in prepared))
        started = time.perf_counter()
        settled = EffectiveTables(reads).extend(ledger.records()).finish()
        out["read+settle"] = time.perf_counter() - started
        out["settled_mb"] = rss_mb()
        views = []
        for name, family, params in prepared:
            begun = time.perf_counter()
            assert family.settled is not None
            views.append(family.settled(settled, params, lambda: ()))
            out[name] = time.perf_counter() - begun
            out[f"{name}_mb"] = rss_mb()
        out["seconds"] = time.perf_counter() - started
    out["peak_mb"] = peak_mb()
    return out


def figure_digest(value: Any, contributing: Any) -> str:
    """A short, stable hash of a figure's value (type and exact text) and its positions."""
    text = f"{type(value).__name__}:{value!r}|" + ",".join(map(str, contributing))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def digests(ledger: Any, as_of: date, families: list[str] | None = None) -> dict[str, str]:
    from legacyledger.views import build_views

    views = build_views(ledger, as_of, families=families)
    return {
        fid: figure_digest(f.value, f.derivation.contributing)
        for fid, f in sorted(views.by_id.items())
    }


def child(step: str, db: str, as_of: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.profile_rebuild", "--child", step, "--db", db]
    if as_of:
        command += ["--as-of", as_of]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"step {step} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def measure(db: str, steps: list[str], repeat: int, as_of: str | None) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in steps}
    loads = [load()]
    for _ in range(repeat):
        for step in steps:
            runs[step].append(child(step, db, as_of))
        loads.append(load())
    best = {
        s: {
            "best_s": min(r["seconds"] for r in rs),
            "all_s": [round(r["seconds"], 3) for r in rs],
            "peak_mb": max(r["peak_mb"] for r in rs),
            **({"figures": rs[0]["figures"]} if "figures" in rs[0] else {}),
            **(
                {
                    "parts": {
                        k: round(min(r[k] for r in rs), 3 if not k.endswith("_mb") else 0)
                        for k in rs[0]
                        if k not in ("step", "seconds", "peak_mb")
                    }
                }
                if s == "stages"
                else {}
            ),
        }
        for s, rs in runs.items()
    }
    return {"db": db, "repeat": repeat, "loadavg": loads, "steps": best}


def report(result: dict[str, Any]) -> str:
    steps = result["steps"]
    bare = steps.get("bare_read", {}).get("best_s")
    lines = [f"{result['db']}  (best of {result['repeat']}; loadavg {result['loadavg']})"]
    lines.append(f"{'step':<12} {'best s':>8} {'x bare':>7} {'peak MB':>8}  runs")
    for name, s in steps.items():
        ratio = f"{s['best_s'] / bare:7.2f}" if bare else "      -"
        lines.append(f"{name:<12} {s['best_s']:8.3f} {ratio} {s['peak_mb']:8.0f}  {s['all_s']}")
        if "parts" in s:
            lines.append("             " + ", ".join(f"{k} {v}" for k, v in s["parts"].items()))
    return "\n".join(lines)


def profile(step: str, db: str, as_of: str | None, top: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    result = run_step(step, db, as_of)
    profiler.disable()
    print(json.dumps(result))
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--profile", default=None, help="cProfile one step in this process")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--digest", default=None, help="write {figure id: digest} JSON here")
    parser.add_argument("--json", default=None, help="also write the measurements here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_step(args.child, args.db, args.as_of)))
        return 0
    if args.profile:
        profile(args.profile, args.db, args.as_of, args.top)
        return 0
    if args.digest:
        from legacyledger import Ledger

        with Ledger(args.db) as ledger:
            found = digests(ledger, _as_of(args.as_of))
        Path(args.digest).write_text(json.dumps(found, indent=0, sort_keys=True))
        print(f"{len(found)} figures -> {args.digest}")
        return 0
    result = measure(args.db, args.steps.split(","), args.repeat, args.as_of)
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
