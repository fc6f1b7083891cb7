"""An exercise's identity: its id is derived from its reference.

Kept apart from the aggregate (and free of pydantic) so that a reading command can find an
exercise's rows in the views by reference without loading the aggregate.
"""

from __future__ import annotations

import functools
import uuid

REFERENCE_NAMESPACE = uuid.UUID("5f0b2a3e-6d0c-4c55-9a43-0c3c1f6d9e21")


def normalise_reference(reference: str) -> str:
    """References are matched without regard to case or surrounding space."""
    return reference.strip().casefold()


@functools.lru_cache(maxsize=65536)
def exercise_id(reference: str) -> uuid.UUID:
    """The exercise's id is derived from its reference, so the store keeps references unique.

    Two officers opening the same reference at once collide on the same event-store key,
    and one of them is told the reference is taken. A reference that no fact could carry
    (a control character, a lone surrogate, too long) is an ``InvalidFact``.
    """
    from commission_tracker.aggregates.bounds import check_text

    if not isinstance(reference, str):
        from commission_tracker.aggregates.errors import InvalidFact

        raise InvalidFact("An exercise reference must be text.")
    check_text(reference, "reference")
    return uuid.uuid5(REFERENCE_NAMESPACE, normalise_reference(reference))


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """An exercise id as stores give it back: a UUID (PostgreSQL) or its text (SQLite)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
