"""Folding an exercise from its stored log, and naming what is wrong when it cannot be.

One bad fact must never take the store down: a fact missing from the log (a gap in the
numbers), one that cannot be decoded, one of an unknown kind, or one that cannot be applied
makes a ``DamagedRecord`` naming the fact, and the callers (the views, ``show``, ``history``)
mark that one exercise as damaged and carry on with the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from commission_tracker.aggregates.errors import DamagedRecord

if TYPE_CHECKING:
    from commission_tracker.aggregates.events import ExerciseEvent
    from commission_tracker.aggregates.exercise import CommissioningExercise

StoredRow = tuple[int, str, bytes]
"""One stored event of an exercise's log: its version, topic and state."""


def reference_in(state: bytes) -> str | None:
    """The reference an exercise's stored opening names, read as leniently as possible
    (to name an exercise whose history is damaged); ``None`` if it cannot be read."""
    import msgpack

    try:
        data = msgpack.unpackb(state, raw=False, strict_map_key=False)
        reference = data.get("reference") if isinstance(data, dict) else None
    except Exception:
        return None
    return reference[:200] if isinstance(reference, str) and reference.strip() else None


def problem_of(error: Exception) -> tuple[int | None, str]:
    """Which fact an error in folding or checking an exercise concerns, and why."""
    if isinstance(error, DamagedRecord):
        return error.sequence, error.problem
    detail = " ".join(str(error).split())[:200]
    name = type(error).__name__
    return None, f"its checks could not be worked out ({name}{': ' + detail if detail else ''})"


def decode_log(mapper: Any, ident: UUID, log: list[StoredRow]) -> list[ExerciseEvent]:
    """The facts of an exercise's stored log, in order: a ``DamagedRecord`` names the
    first that is missing (a gap in the numbers) or cannot be read."""
    facts = []
    for expected, (version, topic, state) in enumerate(log, start=1):
        if version != expected:
            raise DamagedRecord("it is missing from the store", sequence=expected)
        facts.append(mapper.exercise_event(topic, ident, version, state))
    return facts


def apply_facts(facts: list[ExerciseEvent]) -> CommissioningExercise:
    """An exercise from its facts, in order: a ``DamagedRecord`` names the first that
    cannot be applied."""
    exercise: CommissioningExercise | None = None
    for fact in facts:
        try:
            exercise = fact.mutate(exercise)
        except Exception as error:
            raise DamagedRecord(
                f"it cannot be applied ({type(error).__name__})", sequence=fact.sequence
            ) from None
    if exercise is None:
        raise DamagedRecord("it has no opening", sequence=1)
    return exercise


def fold_log(mapper: Any, ident: UUID, log: list[StoredRow]) -> CommissioningExercise:
    """An exercise from its stored events (see :func:`decode_log` and :func:`apply_facts`)."""
    return apply_facts(decode_log(mapper, ident, log))
