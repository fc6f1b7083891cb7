"""Domain errors: each carries one sentence a user can act on."""

from __future__ import annotations

EXIT_OK = 0
"""Done."""
EXIT_TROUBLE = 1
"""Store or environment trouble: a full disk, a refused connection, no permission, a damaged
store. Fix the environment (or ask whoever runs the store), then try again."""
EXIT_BAD_INPUT = 2
"""Invalid input: fix what the sentence names; retrying unchanged will fail the same way."""
EXIT_RETRY = 3
"""A conflict worth retrying: someone else changed the same exercise at the same moment."""


class CommissioningError(Exception):
    """Base class for errors a user can cause; ``str(error)`` is the sentence to show.

    ``exit_code`` is what ``ctrack`` exits with for it (see the README's "When things go
    wrong"): invalid input unless a subclass says otherwise."""

    exit_code = EXIT_BAD_INPUT


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

    exit_code = EXIT_RETRY


class StoreTrouble(CommissioningError):
    """The store or its environment failed (disk full, connection lost, no permission,
    a damaged store): not the input's fault."""

    exit_code = EXIT_TROUBLE


class DamagedRecord(StoreTrouble):
    """A stored fact cannot be read (missing, undecodable, of an unknown kind, or with
    values outside the bounds): its exercise is damaged; the rest of the store is not.

    ``sequence`` is the fact's number in its exercise's log, when known."""

    def __init__(self, problem: str, *, sequence: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.sequence = sequence


class DamagedExercise(StoreTrouble):
    """An exercise whose stored history cannot be read or checked; one sentence names it,
    the fact and the problem."""

    def __init__(self, reference: str, sequence: int | None, problem: str) -> None:
        where = f"fact #{sequence}" if sequence is not None else "its history"
        super().__init__(
            f"Exercise {reference} is damaged: {where} cannot be used ({problem.rstrip('.')}). "
            "The rest of the store is unaffected; restore the fact from a backup, then run "
            "'ctrack replay'."
        )
        self.reference = reference
        self.sequence = sequence
        self.problem = problem


class ProfileUnavailable(InvalidFact):
    """No Compact profile by the name given: the input's fault when opening an exercise,
    the environment's when an exercise recorded with it is checked (``CTRACK_PROFILES``
    not set as it was)."""
