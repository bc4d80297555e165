"""The README cannot go stale: its Python runs, and every CLI command it lists exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


# -- the console blocks, run as written in a fresh directory -------------------------------

#: The local server the README's PostgreSQL block names; the test gives it its own schema.
README_PG = "postgresql://postgres@127.0.0.1:5432/test?schema=ney_legacy"


def console_blocks() -> list[str]:
    return re.findall(r"```console\n(.*?)```", README, flags=re.S)


def commands(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("$ ")]


def fresh_checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A directory holding what the README's commands read from a checkout (``examples/``),
    and an environment whose PATH has a ``legacyledger`` running this tree's code."""
    work, bin_dir = tmp_path / "work", tmp_path / "bin"
    shutil.copytree(ROOT / "examples", work / "examples")
    bin_dir.mkdir()
    script = bin_dir / "legacyledger"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m legacyledger_cli "$@"\n')
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "LEGACYLEDGER_LEDGER"}
    code = os.pathsep.join(str(ROOT / part) for part in ("src", "cli"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return work, env


def run(command: str, work: Path, env: dict[str, str]) -> None:
    done = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"


def test_every_console_block_has_commands_to_run() -> None:
    blocks = console_blocks()
    assert blocks and all(commands(b) or "make " in b for b in blocks), blocks


def test_the_quickstarts_make_targets_exist() -> None:
    quickstart = console_blocks()[0]
    targets = re.findall(r"^make ([a-z]+)", quickstart, flags=re.M)
    assert targets == ["demo", "test"]
    if shutil.which("make") is None:
        pytest.skip("make is not installed here")
    done = subprocess.run(["make", "-n", *targets], cwd=ROOT, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_the_readmes_commands_run_as_written(tmp_path: Path) -> None:
    work, env = fresh_checkout(tmp_path)
    for block in console_blocks():
        for command in commands(block):
            if "postgresql://" not in command:
                run(command, work, env)
    exports = [subprocess.run(["legacyledger", "--ledger", db, "export"], cwd=work, env=env,
                              capture_output=True, check=True).stdout
               for db in ("programme.db", "copy.db")]
    # the CSV round trip: the copy holds the facts the programme held when it was exported
    assert exports[0].startswith(exports[1]) and exports[1].count(b"\n") > 2000


@pytest.mark.slow
@pytest.mark.postgres
def test_the_readmes_postgresql_commands_run(tmp_path: Path, pg_dsn: str) -> None:
    work, env = fresh_checkout(tmp_path)
    first, *rest = [b for b in console_blocks() if commands(b)]
    for command in [*commands(first), *(c for b in rest for c in commands(b)
                                         if "postgresql://" in c)]:  # fmt: skip
        assert "postgresql://" not in command or README_PG in command, command
        run(command.replace(README_PG, pg_dsn), work, env)
