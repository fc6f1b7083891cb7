"""Our OCDS extension, ``compact``: the Compact facts OCDS has no field for.

Every release ctrack exports carries, beside the OCDS fields it can fill, the fact it was
made from, exactly as recorded::

    "compact": {"reference": "GLO-2026-014",
                "fact": {"type": "OrganisationInvolved", "sequence": 2, "on": "2026-01-20",
                         "recorded_at": "...", "recorded_by": "...", "data": {...}}}

Its schema (a JSON merge patch of the release schema, as OCDS extensions are) ships in
``schema/compact-extension/``. Importing a release that carries it records that fact
again (so an export, imported into an empty store, gives back the same exercises);
releases without it are read from their OCDS fields.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from commission_tracker.aggregates.errors import InvalidFact
from commission_tracker.aggregates.identity import exercise_id

if TYPE_CHECKING:
    from commission_tracker.aggregates.events import ExerciseEvent
    from commission_tracker.aggregates.exercise import CommissioningExercise

NOT_EXPORTED = {"ReleaseImported"}
"""Import bookkeeping: which releases were read in says nothing about the exercise."""


def fact_extension(reference: str, fact: ExerciseEvent) -> dict[str, Any]:
    data = fact.data()
    on = data.pop("on")
    data.pop("recorded_by", None)
    data.pop("originator_topic", None)
    return {
        "reference": reference,
        "fact": {
            "type": type(fact).__name__,
            "sequence": fact.sequence,
            "on": on,
            "recorded_at": fact.timestamp.isoformat(),
            "recorded_by": fact.recorded_by,
            "data": data,
        },
    }


def replay_fact(
    exercise: CommissioningExercise | None,
    reference: str,
    extension: dict[str, Any],
    remap: dict[int, int],
    user: str,
) -> CommissioningExercise:
    """Record the extension's fact on the exercise (opening it, for its first fact).

    ``remap`` maps the exported sequence numbers to this store's (corrections and award
    updates name earlier facts by number)."""
    from commission_tracker.aggregates import events as ev
    from commission_tracker.aggregates.exercise import CommissioningExercise

    fact = extension["fact"]
    kind = fact.get("type")
    data = dict(fact.get("data") or {})
    try:
        on = date.fromisoformat(str(fact.get("on")))
    except ValueError:
        raise InvalidFact(f"the compact fact's date {fact.get('on')!r} is not a date.") from None
    classes = {cls.__name__: cls for cls in ev.EVENT_TYPES}
    if kind not in classes or kind in NOT_EXPORTED:
        raise InvalidFact(f"the compact fact type {kind!r} is not one ctrack records.")
    sequence = fact.get("sequence")
    if kind == "ExerciseOpened":
        if exercise is None:
            data.pop("reference", None)
            exercise = CommissioningExercise.open(
                reference=reference, on=on, recorded_by=user, **data
            )
    elif exercise is None:
        raise InvalidFact(f"the exercise {reference} is not opened before its facts.")
    else:
        if "corrects" in data:
            data["corrects"] = remap.get(int(data["corrects"]), data["corrects"])
        if "updates" in data:
            data["updates"] = [remap.get(int(n), n) for n in data["updates"]]
        exercise._record(classes[kind], check_open=False, on=on, recorded_by=user, **data)
    if isinstance(sequence, int):
        remap[sequence] = exercise.version
    assert exercise.id == exercise_id(reference)
    return exercise
