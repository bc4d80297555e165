"""The README cannot go stale: its Python runs, and every CLI command it lists exists."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("block", python_blocks())
def test_readme_python_runs(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})


def test_readme_has_the_quickstart() -> None:
    assert "make demo" in README and "make test" in README


def test_readme_example_keeps_to_six_lines() -> None:
    first = python_blocks()[0]
    code = [line for line in first.splitlines() if line.strip() and not line.startswith("#")]
    assert len(code) <= 6, code


def test_every_listed_command_exists() -> None:
    from legacyledger_cli import main

    listed = set(re.findall(r"^- `legacyledger ([a-z-]+)", README, flags=re.M))
    assert listed, "the README lists no commands"
    assert listed <= set(main.commands), listed - set(main.commands)
    assert os.environ.get("CI") is None or listed
