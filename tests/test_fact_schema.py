"""``legacyledger schema``'s JSON Schema says what import accepts, in standard keywords."""

from __future__ import annotations

import json
from typing import Any

import pytest

from legacyledger.facts import json_schema
from legacyledger.synthetic import SyntheticConfig, generate
from tests.builders import time_logged
from tests.test_reports import schema_errors

SCHEMA = json_schema()


def keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in keys(value)}
    if isinstance(node, list):
        return {k for item in node for k in keys(item)}
    return set()


def test_only_standard_keywords_bound_values() -> None:
    assert not keys(SCHEMA) & {"ge", "le", "lt", "gt"}


def test_every_fact_of_a_synthetic_programme_follows_the_schema() -> None:
    facts = list(generate(SyntheticConfig.for_facts(1500)))
    errors = [e for fact in facts for e in schema_errors(json.loads(json.dumps(fact)),
                                                          SCHEMA, SCHEMA)]
    assert errors == []


@pytest.mark.parametrize(
    "hours", ["abc", "-3", "1.5e2", 1.5, -3, 10_001, True]
)
def test_what_import_refuses_the_schema_refuses(hours: Any) -> None:
    fact = time_logged(hours=hours)
    assert schema_errors(fact, SCHEMA, SCHEMA)
    assert not schema_errors(time_logged(hours="7.25"), SCHEMA, SCHEMA)
