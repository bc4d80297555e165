"""Seals on the rows of the persisted views, so that an edited row is never served.

The views are derived: ``verify`` recomputes them from the facts and compares. That is too
slow to do before every report, and a digest kept beside the rows can be recomputed by whoever
edits them. So each row the views store writes carries a *seal*: an HMAC-SHA256 of the table's
name and the row's values, keyed by a secret the ledger keeps (created with the ledger, in its
append-only ``views_key`` table; not in the views store). Every read checks the seals of the
rows it reads: an edited, forged or moved row raises :class:`EditedViews`; reports and
``explain`` then compute the figures from the facts instead, ``views status`` says so, and
``legacyledger follow`` builds the views again from the facts (as it does views of another
ledger history). A snapshot's seal also holds how many figures it has, so a
deleted figure is found by a report too.

What a seal cannot tell: a row put back as the views store itself wrote it earlier (from a
copy of the file); and an edit by someone who can read the ledger's key (SQLite: the ledger
file; PostgreSQL: the ``*_views_key`` table, which a reporting role need not be granted).
``verify`` recomputes everything and finds those too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import orjson


class EditedViews(Exception):
    """A row of the persisted views was not written by legacyledger with this ledger's key
    (edited, forged or copied from another store): the views must be rebuilt."""


class Sealer:
    """Seals and checks rows with one ledger's key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, table: str, values: Sequence[Any]) -> str:
        """The seal of a row of ``table`` with these ``values`` (str, int or None each)."""
        message = orjson.dumps([table, *values])
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def sealed(self, table: str, values: Sequence[Any]) -> tuple[Any, ...]:
        """The row with its seal last, as stored."""
        return (*values, self.seal(table, values))

    def check(self, table: str, row: Sequence[Any]) -> Sequence[Any]:
        """A row read with its seal last; its values if the seal holds, else EditedViews."""
        *values, seal = row
        if not isinstance(seal, str) or not hmac.compare_digest(seal, self.seal(table, values)):
            raise EditedViews(
                f"a row of the persisted views ({table}: "
                f"{' '.join(str(v)[:60] for v in values[:2])}) was changed outside "
                "legacyledger: its figures are not served; `legacyledger follow` or "
                "`legacyledger views rebuild` builds them again from the facts"
            )
        return values
