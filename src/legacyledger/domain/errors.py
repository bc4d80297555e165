"""Domain rule violations. Each names the field at fault so an import can report it."""

from __future__ import annotations


class DomainError(Exception):
    """A fact that would make the recorded history impossible or break a rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownSubject(DomainError):
    """A fact about a key that has not been recorded (yet)."""


class SubjectClosed(DomainError):
    """A fact about a withdrawn, left, closed, delivered or cancelled subject."""


class ImpossibleHistory(DomainError):
    """A fact that cannot be placed at its date given what is already recorded."""


class RuleBroken(DomainError):
    """Any other rule of ``docs/spec/facts.md``."""
