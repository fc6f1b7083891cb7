"""Keeping the views current: catch-up after each command, and the batched rebuild.

SQLite cannot push new events to a subscriber (the library's ``ProjectionRunner`` needs
``subscribe()``), so the application catches the views up after each command and before
each read. The catch-up pulls notifications after the last tracked position; a large gap
(a bulk import, another tool writing) takes the batched path.

``rebuild`` empties the views and replays the whole log a page at a time. It marks the
views as rebuilding first, so a rebuild that is killed half way resumes where it stopped
when it is run again (or at the next catch-up) instead of starting over; each page commits
with its tracking position, so nothing is applied twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from commission_tracker.aggregates.events import ExerciseOpened
from commission_tracker.projections.projection import (
    PROJECTION_VERSION,
    CommissioningProjection,
    rows_for,
)
from commission_tracker.projections.views import (
    CommissioningViews,
    ExerciseRows,
    SQLiteCommissioningViews,
)

PAGE_SIZE = 1000
"""Events read from the log at a time."""
BATCH_SIZE = 10_000
"""Events (counted by whole exercises) per transaction on the batched path."""
BATCH_EXERCISES = 500
"""A batch also ends at this many exercises."""
BATCH_THRESHOLD = 50
"""From this many unprocessed events, catch-up takes the batched path."""

REBUILDING = "rebuilding"
REBUILD_UPTO = "rebuild_upto"
"""The last event position a rebuild covers (events after it are caught up afterwards)."""
REBUILD_AFTER = "rebuild_after"
"""The id of the last exercise a rebuild has finished (they go in id order)."""
VERSION = "projection_version"

ProgressCallback = Callable[[int, int], None]


class Projector:
    """Owns the views of one store and the projection that feeds them."""

    def __init__(self, app: Any, store_kind: str) -> None:
        self.app = app
        view_class: type[CommissioningViews] = SQLiteCommissioningViews
        if store_kind == "postgres":
            from commission_tracker.projections.views_postgres import PostgresCommissioningViews

            view_class = PostgresCommissioningViews
        self.views: CommissioningViews = app.factory.tracking_recorder(view_class)
        self.views.create_views()
        self.projection = CommissioningProjection(self.views, load=self._load)
        self._last_id = 0

    @property
    def application_name(self) -> str:
        return str(self.app.name)

    def _load(self, ident: UUID, version: int) -> Any:
        return self.app.get_exercise(ident, version)

    def position(self) -> int:
        """The position of the last event reflected in the views (0 if none)."""
        return self.views.max_tracking_id(self.application_name) or 0  # type: ignore[attr-defined]

    def needs_rebuild(self) -> bool:
        return (
            self.views.get_meta(VERSION) != PROJECTION_VERSION
            or self.views.get_meta(REBUILDING) is not None
        )

    def catch_up(self) -> int:
        """Process every event recorded since the views were last updated."""
        if self.needs_rebuild():
            return self.rebuild()
        position = self.position()
        last = self.app.recorder.max_notification_id() or 0
        if last - position <= 0:
            return 0
        if last - position >= BATCH_THRESHOLD:
            # A large backlog: refresh each exercise it touches once, from its whole log.
            touched = {n.originator_id for n in self._notifications(position + 1) if n.id <= last}
            return self._refresh(sorted(touched, key=str), upto=last)
        processed = 0
        for notification in self._notifications(position + 1):
            domain_event = self.app.mapper.to_domain_event(notification)
            try:
                self.projection.process_event(
                    domain_event, Tracking(self.application_name, notification.id)
                )
            except IntegrityError:
                # Another process has already processed this position: nothing to do.
                self.projection.forget()
                return processed
            processed += 1
        return processed

    def rebuild(
        self,
        *,
        restart: bool = False,
        progress: ProgressCallback | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> int:
        """Rebuild every view from the event log, resuming an interrupted rebuild.

        Exercises are rebuilt one whole log at a time, in id order, a batch of exercises
        per transaction; the transaction also records the last exercise done, so a rebuild
        that is killed resumes after it. ``restart`` discards a half-done rebuild.
        """
        if restart or self.views.get_meta(REBUILDING) is None:
            upto = self.app.recorder.max_notification_id() or 0
            self.views.clear(
                self.application_name,
                {
                    REBUILDING: datetime.now(UTC).isoformat(),
                    VERSION: PROJECTION_VERSION,
                    REBUILD_UPTO: str(upto),
                    REBUILD_AFTER: "",
                },
            )
            self.projection.forget()
        upto = int(self.views.get_meta(REBUILD_UPTO) or 0)
        after = self.views.get_meta(REBUILD_AFTER) or ""
        ids = sorted((ident for ident in self.exercise_ids(upto) if str(ident) > after), key=str)
        processed = self._refresh(
            ids, upto=upto, progress=progress, batch_size=batch_size, rebuilding=True
        )
        # Events recorded while rebuilding are applied the ordinary way.
        return processed + self.catch_up()

    def exercise_ids(self, upto: int | None = None) -> Iterator[UUID]:
        """The id of every exercise opened (up to position ``upto``), in that order."""
        start = 1
        while True:
            page = self.app.recorder.select_notifications(
                start, PAGE_SIZE, stop=upto, topics=[ExerciseOpened.TOPIC]
            )
            for notification in page:
                yield notification.originator_id
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1

    def record_saved(self, exercises: list[Any], *, before: int, after: int) -> bool:
        """Bring the views up to date from exercises this process has just saved in one
        go (an import), without reading them back. Only when the views were current
        before the save and the save is all that happened since; False otherwise, and
        the ordinary catch-up should run."""
        if self.needs_rebuild() or self.position() != before:
            return False
        if (self.app.recorder.max_notification_id() or 0) != after:
            return False
        self._refresh(exercises, upto=after, loaded=True)
        return True

    def _refresh(
        self,
        ids: list[Any],
        *,
        upto: int,
        progress: ProgressCallback | None = None,
        batch_size: int = BATCH_SIZE,
        rebuilding: bool = False,
        loaded: bool = False,
    ) -> int:
        """Write the rows of each exercise from its whole log, then track ``upto``.

        ``ids`` are exercise ids, or with ``loaded`` the exercises themselves.

        Rows are a function of an exercise's current state, so writing them again is
        harmless: a batch committed before a crash is simply recomputed or skipped.
        """
        processed = 0
        batch: list[ExerciseRows] = []
        batch_events = 0
        for number, item in enumerate(ids, start=1):
            exercise = item if loaded else self.app.get_exercise(item)
            ident = exercise.id
            batch.append(rows_for(exercise))
            batch_events += exercise.version
            if number < len(ids) and (batch_events >= batch_size or len(batch) >= BATCH_EXERCISES):
                meta: dict[str, str | None] = {REBUILD_AFTER: str(ident)} if rebuilding else {}
                self.views.replace(batch, None, meta)
                processed += batch_events
                batch, batch_events = [], 0
                if progress is not None:
                    progress(processed, upto)
        final_meta: dict[str, str | None] = (
            {REBUILDING: None, REBUILD_AFTER: None, REBUILD_UPTO: None} if rebuilding else {}
        )
        try:
            self.views.replace(batch, Tracking(self.application_name, upto), final_meta)
        except IntegrityError:
            # Another process has tracked a later position already; the rows still stand.
            self.views.replace(batch, None, final_meta)
        processed += batch_events
        if progress is not None:
            progress(processed, upto)
        self.projection.forget()
        return processed

    def _notifications(self, start: int, page_size: int = PAGE_SIZE) -> Iterator[Any]:
        while True:
            page = self.app.recorder.select_notifications(start, page_size)
            for notification in page:
                self._last_id = notification.id
                yield notification
            if len(page) < page_size:
                return
            start = page[-1].id + 1
