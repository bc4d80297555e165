"""Shared fixtures: ledgers on every store, a Hypothesis CI profile, PostgreSQL per test schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

PG_DSN = os.environ.get("LEGACYLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when the server answers."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'legacyledger[postgres]')"
    try:
        with psycopg.connect(PG_DSN.split("?")[0], connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure means: not reachable
        return f"no PostgreSQL server reachable at {PG_DSN}: {error}".splitlines()[0]
    return None


_PG_REASON = postgres_reason()


def require_postgres() -> None:
    if _PG_REASON is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must exercise PostgreSQL, but: {_PG_REASON}")
    pytest.skip(_PG_REASON)


@pytest.fixture
def pg_dsn() -> Iterator[str]:
    """A DSN with a fresh schema, dropped after the test."""
    require_postgres()
    import psycopg

    schema = f"ll_test_{uuid.uuid4().hex[:12]}"
    yield f"{PG_DSN}?schema={schema}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A ledger location on each store: a SQLite file, and a PostgreSQL schema."""
    if request.param == "sqlite":
        return os.path.join(tmp_path, "ledger.db")
    return str(request.getfixturevalue("pg_dsn"))


@pytest.fixture
def ledger(location: str) -> Iterator[object]:
    from legacyledger import Ledger

    with Ledger(location) as opened:
        yield opened


@pytest.fixture
def memory_ledger() -> Iterator[object]:
    from legacyledger import Ledger

    with Ledger(":memory:") as opened:
        yield opened


@contextmanager
def postgres_role(schema: str, *grants: str) -> Iterator[str]:
    """A login role on ``schema`` granted ``grants`` (each formatted with ``schema`` and
    ``role``), dropped afterwards: the DSN (without the schema) that connects as it."""
    import psycopg

    role = f"ll_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        try:
            for grant in grants:
                admin.execute(grant.format(schema=schema, role=role))
            yield PG_DSN.replace("postgres@", f"{role}@", 1)
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
