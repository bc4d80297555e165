"""Fact versions and the upcasters that bring an older fact up to its current version.

Each fact's event class declares its version once (``VERSION``, default 1). A fact written at
an older version is read through the upcasters registered for it, one step at a time::

    @upcaster("MentorTrained", 1)
    def course_becomes_title(fact: dict[str, Any]) -> dict[str, Any]:
        fact["course_title"] = fact.pop("course")
        return fact

An upcaster takes the interchange dict of version ``v`` and returns that of ``v + 1``. In the
interchange form, and in the stored JSON, a fact of version 1 carries no ``"v"``; a later
version carries ``"v": n`` right after ``"fact"``, so an exported line re-imports as what it
is. Every read path (the mapper, ``Ledger.records``/``records_at``/``history``, export)
upcasts; imports upcast a line given at an older version before validating it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from legacyledger.domain import AGGREGATES

Fact = dict[str, Any]
Upcaster = Callable[[Fact], Fact]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class VersionError(ValueError):
    """A fact's version is not one this code knows, or its upcaster could not read it."""


def latest_versions() -> dict[str, int]:
    """Fact name → its current version, from the event classes (read afresh: cheap)."""
    return {
        name: int(event_class.VERSION)
        for aggregate in AGGREGATES
        for name, event_class in aggregate.FACTS.items()
    }


def upcaster(fact: str | type, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register ``function`` as the step from ``from_version`` to ``from_version + 1``."""
    name = fact if isinstance(fact, str) else str(fact.FACT)  # type: ignore[attr-defined]

    def register(function: Upcaster) -> Upcaster:
        if (name, from_version) in _UPCASTERS:
            raise ValueError(f"{name} already has an upcaster from version {from_version}")
        _UPCASTERS[(name, from_version)] = function
        _LATEST.clear()
        return function

    return register


def version_of(fact: Mapping[str, Any]) -> int:
    """The version a fact dict is written in (no ``"v"``: 1)."""
    version = fact.get("v", 1)
    if type(version) is not int or version < 1:
        raise VersionError(f"\"v\" must be a whole number from 1, not {version!r}")
    return version


def upcast(fact: Fact) -> Fact:
    """The fact at its current version (the same dict when it already is)."""
    name = fact.get("fact")
    version = version_of(fact)
    latest = _latest().get(name, 1) if isinstance(name, str) else 1
    if version == latest:
        return fact
    if version > latest:
        raise VersionError(
            f"{name} version {version} is newer than this legacyledger knows ({latest})"
        )
    return _steps(dict(fact), str(name), version, latest)


def _steps(fact: Fact, name: str, version: int, latest: int) -> Fact:
    for step in range(version, latest):
        try:
            function = _UPCASTERS[(name, step)]
        except KeyError:
            raise VersionError(f"no upcaster for {name} from version {step}") from None
        try:
            fact = function(fact)
        except (KeyError, TypeError, ValueError) as error:
            raise VersionError(
                f"{name} version {step} cannot be read as version {step + 1}: {error!r}"
            ) from None
    return at_version(fact, latest)


def at_version(fact: Fact, version: int) -> Fact:
    """``fact`` marked with ``version`` in the interchange form: ``"v"`` right after
    ``"fact"``, left out for version 1."""
    body = {k: v for k, v in fact.items() if k not in ("fact", "v")}
    head: Fact = {"fact": fact["fact"]}
    if version > 1:
        head["v"] = version
    return head | body


_LATEST: dict[str, int] = {}


def _latest() -> dict[str, int]:
    if not _LATEST:
        _LATEST.update(latest_versions())
    return _LATEST


def needed() -> bool:
    """Whether any fact has a version above 1 (else a read need only look for a ``"v"``)."""
    return any(version > 1 for version in _latest().values())


def reset() -> None:
    """Forget the cached versions (after a test changed an event class's ``VERSION``)."""
    _LATEST.clear()


__all__ = [
    "VersionError",
    "at_version",
    "latest_versions",
    "needed",
    "reset",
    "upcast",
    "upcaster",
    "version_of",
]
