"""Moving a whole store: every event, byte for byte, from one store into an empty other,
between SQLite and PostgreSQL either way.

Events are copied as stored (topic and state untouched), so both clocks travel with them:
the business date and the recorded time are inside each event's state. They go in as one
batch in one transaction (by COPY on PostgreSQL), so the target ends up with all of them or
none; then the target's views are built from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from commission_tracker.aggregates.errors import CommissioningError
from commission_tracker.application.service import Tracker
from commission_tracker.application.store import StoreConfig

PAGE = 10_000
"""Events read from the source at a time."""


class TargetNotEmpty(CommissioningError):
    """``copy-store`` copies into an empty store only (exit 2)."""


@dataclass(frozen=True)
class Copied:
    events: int
    exercises: int


def copy_store(
    source: StoreConfig,
    target: StoreConfig,
    *,
    progress: Callable[[str], None] | None = None,
) -> Copied:
    """Copy every event of ``source`` into ``target``, which must hold none; then build
    the target's views."""
    if source.kind == target.kind and source.location == target.location:
        raise CommissioningError("--from and --to name the same store; name two stores.")
    if source.kind == "sqlite" and not Path(source.location).exists():
        raise CommissioningError(f"There is no store {source.location} to copy from (--from).")
    with Tracker(source, project=False) as reading, Tracker(target) as writing:
        writing.require_writable()
        held = writing.app.recorder.max_notification_id() or 0
        if held:
            raise TargetNotEmpty(
                f"The store {target.location} already holds facts; copy-store copies into an "
                "empty store only (name a new SQLite file or an empty schema)."
            )
        events: list[StoredEvent] = []
        start = 1
        recorder = reading.app.recorder
        while True:
            page = recorder.select_notifications(start, PAGE)
            events.extend(
                StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in page
            )
            if progress is not None:
                progress(f"read {len(events):,} events")
            if len(page) < PAGE:
                break
            start = page[-1].id + 1
        if not events:
            raise CommissioningError(
                f"The store {source.location} holds no facts: there is nothing to copy."
            )
        writing.app.recorder.insert_events(events)
        if progress is not None:
            progress(f"wrote {len(events):,} events; building the views")
        writing.refresh()
        exercises = len({event.originator_id for event in events})
    return Copied(events=len(events), exercises=exercises)
