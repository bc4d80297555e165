"""One vocabulary: a fact's name is spelled once, where its event class is defined.

Everything else in the library and the CLI refers to the class (``Mentor.TimeLogged.FACT``),
so renaming or retiring a fact cannot leave a stale copy behind. Docs and tests may spell
names: they are the public interchange format.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from legacyledger.domain import AGGREGATES

ROOT = Path(__file__).resolve().parent.parent
SCANNED = (ROOT / "src", ROOT / "cli")
NAMES = frozenset(name for aggregate in AGGREGATES for name in aggregate.FACTS)


def definitions(tree: ast.Module, in_domain: bool = False) -> Iterator[ast.Constant]:
    """The constants assigned to ``FACT`` in a class body (``FACT = "..."`` or
    ``FACT, GUARD = "...", "..."``): where a fact's name is defined. In the domain, a
    module-level constant may define it too (the correction fold names the two amending
    facts, ``CORRECTED = "FactCorrected"``, and their classes say ``FACT = CORRECTED``)."""
    if in_domain:
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
                yield statement.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            target, value = statement.targets[0], statement.value
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            values = value.elts if isinstance(value, ast.Tuple) else [value]
            for name, constant in zip(names, values, strict=False):
                if isinstance(name, ast.Name) and name.id == "FACT":
                    if isinstance(constant, ast.Name) and in_domain:
                        continue  # FACT = CORRECTED: defined by the module-level constant
                    assert isinstance(constant, ast.Constant), ast.dump(constant)
                    yield constant


def scan(
    path: Path, source: str
) -> tuple[list[tuple[str, Path, int]], list[tuple[str, Path, int]]]:
    """(definitions, other uses) of fact names as str constants in one module."""
    tree = ast.parse(source, filename=str(path))
    in_domain = path.parent == Path("src/legacyledger/domain")
    defined = {id(c) for c in definitions(tree, in_domain) if c.value in NAMES}
    found: tuple[list[tuple[str, Path, int]], list[tuple[str, Path, int]]] = ([], [])
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in NAMES:
            found[id(node) not in defined].append((node.value, path, node.lineno))
    return found


def scan_tree() -> tuple[list[tuple[str, Path, int]], list[tuple[str, Path, int]]]:
    defined: list[tuple[str, Path, int]] = []
    used: list[tuple[str, Path, int]] = []
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            found = scan(path.relative_to(ROOT), path.read_text(encoding="utf-8"))
            defined += found[0]
            used += found[1]
    return defined, used


def test_a_fact_name_is_a_literal_only_where_its_class_defines_it() -> None:
    _, used = scan_tree()
    assert [f"{path}:{line}: {name!r}" for name, path, line in used] == []


def test_every_fact_name_is_defined_exactly_once() -> None:
    defined, _ = scan_tree()
    spelled = sorted(name for name, _, _ in defined)
    assert spelled == sorted(NAMES)
    assert {str(path.parent) for _, path, _ in defined} == {"src/legacyledger/domain"}


def test_the_scan_finds_a_literal_outside_the_definition() -> None:
    source = (
        "class TimeLogged:\n"
        "    FACT, GUARD = 'MentorTimeLogged', 'check'\n"
        "WANTED = {'MentorTimeLogged': 1}\n"
    )
    defined, used = scan(Path("x.py"), source)
    assert defined == [("MentorTimeLogged", Path("x.py"), 2)]
    assert used == [("MentorTimeLogged", Path("x.py"), 3)]
