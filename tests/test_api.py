"""The library can be found from an editor: typed, a deliberate ``__all__``, every public
name documented, and an embedding example that runs."""

from __future__ import annotations

import inspect
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import legacyledger

ROOT = Path(__file__).resolve().parent.parent


def public_members(owner: type) -> Iterator[tuple[str, Any]]:
    """A class's own public methods and properties (not its fields, not inherited ones)."""
    for name, member in vars(owner).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member) or isinstance(member, property):
            yield name, member


def undocumented() -> Iterator[str]:
    for name in legacyledger.__all__:
        found = getattr(legacyledger, name)
        if name.startswith("__"):
            continue
        if (inspect.isclass(found) or inspect.isfunction(found)) and not found.__doc__:
            yield name
        if inspect.isclass(found):
            yield from (f"{name}.{m}" for m, member in public_members(found) if not member.__doc__)


def test_every_public_name_and_its_methods_have_a_docstring() -> None:
    assert list(undocumented()) == []


def test_all_names_exactly_what_the_package_offers() -> None:
    offered = {n for n in vars(legacyledger) if not n.startswith("_")} - {
        "application", "domain", "facts", "frameworks", "persistence", "projections",
        "reports", "views", "synthetic"}  # the subpackages, imported on the way
    assert offered == set(legacyledger.__all__) - {"__version__"}


def test_the_package_says_it_is_typed() -> None:
    assert (ROOT / "src" / "legacyledger" / "py.typed").is_file()


def test_the_embedding_example_runs(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "examples" / "embed.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "recorded at position 18",
        "refused: on: must be an ISO date such as \"2024-04-01\"; mode: Input should be "
        "'in_person', 'virtual', 'phone' or 'group'",
    ]
    assert "retained at 6 months (R_h) = 100.0% = 1 retained ÷ 1 eligible" in out


def test_the_api_reference_builds_with_every_public_name(tmp_path: Path) -> None:
    """What ``make docs`` builds (pdoc), checked here so CI checks it."""
    pdoc = pytest.importorskip("pdoc")
    render = pytest.importorskip("pdoc.render")
    render.configure(docformat="restructuredtext")
    pdoc.pdoc("legacyledger", output_directory=tmp_path)
    page = (tmp_path / "legacyledger.html").read_text()
    missing = [n for n in legacyledger.__all__ if n != "__version__" and f'id="{n}"' not in page]
    assert missing == []
    assert "Ledger.import_file" in page and "ColumnMapping" in page
