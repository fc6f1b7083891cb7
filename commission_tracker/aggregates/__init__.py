"""The commissioning exercise aggregate, its events and value objects.

The names below are imported on first use (PEP 562): importing a light module of this
package (``errors``, ``identity``, ``vocabulary``) must not load the aggregate, its events
or pydantic, which a command answered from the views never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commission_tracker import lazy

if TYPE_CHECKING:
    from commission_tracker.aggregates.errors import (
        CommissioningError,
        ConcurrentChange,
        DuplicateReference,
        ExerciseNotFound,
        InvalidFact,
        InvariantViolated,
    )
    from commission_tracker.aggregates.exercise import CommissioningExercise
    from commission_tracker.aggregates.identity import exercise_id, normalise_reference

_EXPORTS = {
    "CommissioningError": "errors",
    "CommissioningExercise": "exercise",
    "ConcurrentChange": "errors",
    "DuplicateReference": "errors",
    "ExerciseNotFound": "errors",
    "InvalidFact": "errors",
    "InvariantViolated": "errors",
    "exercise_id": "identity",
    "normalise_reference": "identity",
}
"""Each exported name and the module (of this package) that defines it."""

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


def __getattr__(name: str) -> Any:
    return lazy.attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy.names(_EXPORTS, globals())
