"""What kind of ledger a ``--ledger`` location names."""

from __future__ import annotations


def is_postgres(location: str) -> bool:
    """A PostgreSQL DSN (``postgresql://…`` or ``postgres://…``), not a SQLite path."""
    return location.startswith(("postgresql://", "postgres://"))
