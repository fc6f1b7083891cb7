"""The commissioning exercise aggregate, its events and value objects."""

from commission_tracker.aggregates.errors import (
    CommissioningError,
    ConcurrentChange,
    DuplicateReference,
    ExerciseNotFound,
    InvalidFact,
    InvariantViolated,
)
from commission_tracker.aggregates.exercise import (
    CommissioningExercise,
    exercise_id,
    normalise_reference,
)

__all__ = [
    "CommissioningError",
    "CommissioningExercise",
    "ConcurrentChange",
    "DuplicateReference",
    "ExerciseNotFound",
    "InvalidFact",
    "InvariantViolated",
    "exercise_id",
    "normalise_reference",
]
