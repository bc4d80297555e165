"""The benchmark code runs here at a tiny size, so it cannot rot. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end_at_a_tiny_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import run

    monkeypatch.setattr(run, "WORK", tmp_path)
    out = tmp_path / "result.json"
    assert run.main(["--sizes", "1500", "--out", str(out)]) == 0
    result = json.loads(out.read_text())["results"][0]
    assert result["import"]["facts"] > 1000
    assert result["import"]["ratio_to_plain_save"] > 0
    assert result["rebuild"]["figures"] > 0
    assert result["bare_read"]["facts"] == result["import"]["facts"]
    assert result["persist"]["facts"] == result["import"]["facts"]
    assert result["explain"]["persisted"] and result["explain"]["explained"] == 20
    assert not result["explain_folding"]["persisted"]
    assert result["incremental"]["repeats"] == 10
    assert result["incremental"]["p95_ms"] >= result["incremental"]["record"]["p50_ms"] > 0
