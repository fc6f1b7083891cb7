"""Domain errors: each carries one sentence a user can act on."""

from __future__ import annotations


class CommissioningError(Exception):
    """Base class for errors a user can cause; ``str(error)`` is the sentence to show."""


class InvalidFact(CommissioningError, ValueError):
    """A fact's data is invalid (bad money, empty name, dates in the wrong order...)."""


class InvariantViolated(CommissioningError):
    """The fact is valid on its own but cannot happen to this exercise now."""


class ExerciseNotFound(CommissioningError, LookupError):
    """No exercise has the given reference."""


class DuplicateReference(CommissioningError):
    """An exercise with this reference already exists."""


class ConcurrentChange(CommissioningError):
    """Someone else recorded a fact on the same exercise at the same moment."""
