"""Keeping the views current: catch-up after each command, and the batched rebuild.

SQLite cannot push new events to a subscriber (the library's ``ProjectionRunner`` needs
``subscribe()``), so the application catches the views up after each command and before
each read. The catch-up pulls notifications after the last tracked position; a large gap
(a bulk import, another tool writing) takes the batched path.

``rebuild`` empties the views and replays the whole log a page at a time. It marks the
views as rebuilding first, so a rebuild that is killed half way resumes where it stopped
when it is run again (or at the next catch-up) instead of starting over; each page commits
with its tracking position, so nothing is applied twice.

Whether the views are current is asked of the store's infrastructure alone (the log's last
position, the views' tracking position and marks): the aggregate, its events, the mapper,
the projection and the rules are imported, and the application built, only when there are
events to process, so a read of current views loads none of them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.persistence import Tracking

from commission_tracker.aggregates.errors import StoreTrouble
from commission_tracker.aggregates.folding import fold_log, problem_of, reference_in
from commission_tracker.aggregates.identity import as_uuid
from commission_tracker.application.infrastructure import APPLICATION_NAME
from commission_tracker.collector import collector_paused
from commission_tracker.forking import die_with_parent, fork_workers
from commission_tracker.projections.views import (
    PROJECTION_VERSION,
    CommissioningViews,
    ExerciseRows,
    SQLiteCommissioningViews,
    Superseded,
)

# Only processing events needs these (see the module's docstring).
if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

    from commission_tracker.aggregates.exercise import CommissioningExercise
    from commission_tracker.application.app import CommissioningApplication
    from commission_tracker.application.serialisation import PydanticMapper
    from commission_tracker.projections.projection import CommissioningProjection

PAGE_SIZE = 1000
"""Events read from the log at a time."""
LOG_PAGE_SIZE = 5000
"""Stored events read at a time when rebuilding (whole exercises' logs, in id order)."""
LAST_VERSION = 2**63 - 1
"""Above every event's version: reading after an exercise skips all of its events."""
REBUILD_WORKERS = 2
"""Worker processes that turn logs into rows during a large rebuild (at most one a core)."""
PARALLEL_MIN_EVENTS = 30_000
"""Below this many events a rebuild runs in one process (workers take time to start)."""
CHUNK_EVENTS = 2000
"""Events (counted by whole exercises) sent to a worker at a time."""
IN_FLIGHT = 3
"""Chunks queued per worker: enough to keep them busy, few enough to bound the memory."""
BATCH_SIZE = 10_000
"""Events (counted by whole exercises) per transaction on the batched path."""
BATCH_EXERCISES = 500
"""A batch also ends at this many exercises."""
BATCH_THRESHOLD = 50
"""From this many unprocessed events, catch-up takes the batched path."""

REBUILDING = "rebuilding"
MAX_RESTARTS = 3
"""How many times one process starts a rebuild again after an unguarded writer spoilt it."""
REBUILD_UPTO = "rebuild_upto"
"""The last event position a rebuild covers (events after it are caught up afterwards)."""
REBUILD_AFTER = "rebuild_after"
"""The id of the last exercise a rebuild has finished (they go in id order)."""
VERSION = "projection_version"

ProgressCallback = Callable[[int, int], None]
StoredRow = tuple[int, str, bytes]
"""One stored event of an exercise's log: its version, topic and state."""


def rebuild_workers(events: int) -> int:
    """How many worker processes rebuild a log of about ``events`` events (below 2: none,
    the rebuild runs in this process)."""
    return 1 if events < PARALLEL_MIN_EVENTS else fork_workers(REBUILD_WORKERS)


_WORKER_MAPPER: PydanticMapper | None = None


def _rows_of_chunk(
    chunk: list[tuple[UUID, list[StoredRow]]],
) -> list[tuple[ExerciseRows, int]]:
    """In a worker process: the rows of each exercise of ``chunk`` from its log."""
    global _WORKER_MAPPER
    if _WORKER_MAPPER is None:
        from commission_tracker.application.serialisation import MsgpackTranscoder, PydanticMapper

        _WORKER_MAPPER = PydanticMapper(transcoder=MsgpackTranscoder())
    return [rows_from_log(_WORKER_MAPPER, ident, log) for ident, log in chunk]


def _chunks(
    logs: Iterable[tuple[UUID, list[StoredRow]]], events: int
) -> Iterator[list[tuple[UUID, list[StoredRow]]]]:
    """Whole exercises' logs, grouped until a group holds at least ``events`` events."""
    chunk: list[tuple[UUID, list[StoredRow]]] = []
    size = 0
    for item in logs:
        chunk.append(item)
        size += len(item[1])
        if size >= events:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def environment_trouble(error: Exception, reference: str) -> None:
    """Raise, as store or environment trouble (exit 1), an error that is not the
    exercise's own: its Compact profile cannot be found or read here (``CTRACK_PROFILES``
    is not set as it was). Marking the exercise damaged would outlast the cause."""
    from commission_tracker.aggregates.errors import ProfileUnavailable
    from commission_tracker.rules.law import ProfileInvalid

    if isinstance(error, ProfileUnavailable | ProfileInvalid):
        raise StoreTrouble(
            f"Exercise {reference} cannot be checked: {str(error).rstrip('.')}. Make its "
            "profile available again (as when it was recorded), then run the command again."
        ) from None


def damaged_rows(
    error: Exception, ident: str, reference: str, events: int
) -> tuple[ExerciseRows, int]:
    """The rows (and number of events) of an exercise that ``error`` kept from being read
    or checked: only its damage. Trouble that is not the exercise's own is raised."""
    environment_trouble(error, reference)
    sequence, problem = problem_of(error)
    return ExerciseRows.damaged(ident, reference, sequence, problem), events


def _rows_and_events(exercise: CommissioningExercise) -> tuple[ExerciseRows, int]:
    from commission_tracker.projections.projection import rows_for

    try:
        return rows_for(exercise), exercise.version
    except Exception as error:  # a rule that fails marks this exercise, not the store
        return damaged_rows(error, str(exercise.id), exercise.reference, exercise.version)


def rows_from_log(
    mapper: PydanticMapper, ident: UUID, log: list[StoredRow]
) -> tuple[ExerciseRows, int]:
    """An exercise's rows (and its number of events) from its stored events, in order;
    the rows of a damaged exercise when they cannot be read or checked."""
    from commission_tracker.projections.projection import rows_for

    try:
        exercise = fold_log(mapper, ident, log)
        return rows_for(exercise), exercise.version
    except Exception as error:
        reference = (reference_in(log[0][2]) if log else None) or str(ident)
        return damaged_rows(error, str(ident), reference, len(log))


class Projector:
    """Owns the views of one store and the projection that feeds them.

    ``factory`` and ``recorder`` are the store's infrastructure (``open_infrastructure``):
    the views' tables are made by the factory (created if new) and the log's positions are
    read from the recorder. ``application`` gives the store's application, built on the
    same infrastructure, when events must be turned into exercises; it is not called
    while the views are current.
    """

    application_name = APPLICATION_NAME

    def __init__(
        self,
        factory: InfrastructureFactory[Any],
        recorder: ApplicationRecorder,
        store_kind: str,
        application: Callable[[], CommissioningApplication],
    ) -> None:
        self.recorder: Any = recorder
        self._application = application
        view_class: type[CommissioningViews] = SQLiteCommissioningViews
        if store_kind == "postgres":
            from commission_tracker.projections.views_postgres import PostgresCommissioningViews

            view_class = PostgresCommissioningViews
        self.views: CommissioningViews = factory.tracking_recorder(view_class)
        self.views.create_views()
        self._projection: CommissioningProjection | None = None
        self._last_id = 0
        self._restarts = 0

    @property
    def app(self) -> CommissioningApplication:
        """The store's application (built at the first call)."""
        return self._application()

    @property
    def projection(self) -> CommissioningProjection:
        """The projection that processes one event at a time (made at first use)."""
        if self._projection is None:
            from commission_tracker.projections.projection import CommissioningProjection

            self._projection = CommissioningProjection(self.views, load=self._load)
        return self._projection

    def _forget(self) -> None:
        """Drop the exercises the projection holds in memory (if it was made)."""
        if self._projection is not None:
            self._projection.forget()

    def _load(self, ident: UUID, version: int) -> Any:
        # Usually the event is the exercise's latest: the application's cached copy,
        # brought forward by its newer events only, avoids reading its whole log again.
        latest = self.app.get_exercise(ident)
        if latest.version == version:
            return latest
        return self.app.get_exercise(ident, version)

    def _rows_of_loaded(self, ident: UUID) -> tuple[ExerciseRows, int]:
        """The rows of exercise ``ident`` as the store's repository loads it; if it cannot
        be loaded, the rows that name its damage."""
        try:
            exercise = self.app.get_exercise(ident)
        except Exception:
            return self._rows_of_id(ident)
        return _rows_and_events(exercise)

    def _rows_of_id(self, ident: UUID) -> tuple[ExerciseRows, int]:
        """The rows of exercise ``ident`` from its whole stored log (the rows of a damaged
        exercise when it cannot be read or checked)."""
        log = [
            (stored.originator_version, stored.topic, stored.state)
            for stored in self.recorder.select_events(ident)
        ]
        return rows_from_log(cast("PydanticMapper", self.app.mapper), ident, log)

    def position(self) -> int:
        """The position of the last event reflected in the views (0 if none)."""
        return self.views.max_tracking_id(self.application_name) or 0  # type: ignore[attr-defined]

    def behind(self) -> int:
        """How many events of the log the views do not reflect yet."""
        return max((self.recorder.max_notification_id() or 0) - self.position(), 0)

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
        last = self.recorder.max_notification_id() or 0
        if last - position <= 0:
            return 0
        if last - position >= BATCH_THRESHOLD:
            # A large backlog: refresh each exercise it touches once, from its whole log.
            touched = {n.originator_id for n in self._notifications(position + 1) if n.id <= last}
            refreshed = map(self._rows_of_loaded, sorted(touched, key=str))
            return self._refresh(refreshed, upto=last, since=position)
        processed = 0
        for notification in self._notifications(position + 1):
            tracking = Tracking(self.application_name, notification.id)
            guard: dict[str, Any] = {
                "while_meta": (REBUILDING, None),
                "while_position": (self.application_name, position),
            }
            try:
                try:
                    domain_event = self.app.mapper.to_domain_event(notification)
                    self.projection.process_event(domain_event, tracking, **guard)
                except Superseded:
                    raise
                except Exception:
                    # This exercise cannot be read or checked: its rows say so, the
                    # position moves on, and every other exercise is unaffected.
                    self._forget()
                    damaged, _ = self._rows_of_id(notification.originator_id)
                    self.views.replace([damaged], tracking, **guard)
            except Superseded:
                # Another process has processed this position, or started a rebuild: the
                # views are its to bring up to date.
                self._forget()
                return processed
            position = notification.id
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
        marker = self.views.get_meta(REBUILDING)
        if restart or marker is None:
            marker = self._start_rebuild(self.recorder.max_notification_id() or 0)
        upto = int(self.views.get_meta(REBUILD_UPTO) or 0)
        after = self.views.get_meta(REBUILD_AFTER) or ""
        processed = self._refresh(
            self._rebuilt_rows(after, upto),
            upto=upto,
            progress=progress,
            batch_size=batch_size,
            rebuilding=marker,
        )
        if self.views.get_meta(REBUILDING) == marker:
            # Still this rebuild's, yet not finished: a writer that takes no notice of the
            # mark (an older ctrack) tracked a later position meanwhile. Start again.
            self._restarts += 1
            if self._restarts > MAX_RESTARTS:
                raise StoreTrouble(
                    "The views could not be rebuilt: another process keeps changing them. "
                    "Stop other ctrack processes on this store and run `ctrack replay --restart`."
                )
            return processed + self.rebuild(restart=True, progress=progress, batch_size=batch_size)
        # Events recorded while rebuilding are applied the ordinary way.
        return processed + self.catch_up()

    def _start_rebuild(self, upto: int) -> str:
        """Empty the views and mark them as rebuilding up to position ``upto``; returns
        the mark (the time it started), which every batch of this rebuild checks."""
        marker = f"{datetime.now(UTC).isoformat()} {os.getpid()}"
        self.views.clear(
            self.application_name,
            {
                REBUILDING: marker,
                VERSION: PROJECTION_VERSION,
                REBUILD_UPTO: str(upto),
                REBUILD_AFTER: "",
            },
        )
        self._forget()
        return marker

    def exercise_ids(self, upto: int | None = None) -> Iterator[UUID]:
        """The id of every exercise opened (up to position ``upto``), in that order."""
        from commission_tracker.aggregates.events import ExerciseOpened

        start = 1
        while True:
            page = self.recorder.select_notifications(
                start, PAGE_SIZE, stop=upto, topics=[ExerciseOpened.TOPIC]
            )
            for notification in page:
                yield notification.originator_id
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1

    def record_saved(
        self,
        exercises: list[Any],
        *,
        before: int,
        after: int,
        rows: list[tuple[ExerciseRows, int]] | None = None,
    ) -> bool:
        """Bring the views up to date from exercises this process has just saved in one
        go (an import, at positions ``before + 1`` to ``after``), without reading them
        back. Only when the views were current before the save and the save is all that
        happened since; False otherwise, and the ordinary catch-up should run.

        Views that need a rebuild qualify when the log held nothing before the save (a
        new store): the saved exercises are then the whole log, and the rebuild is done
        from memory, as a rebuild (so one that is killed half way resumes from the log).

        ``rows``, when given, are the exercises' rows already made (with their numbers of
        events), in place of ``exercises``.
        """
        if self.position() != before:
            return False
        if (self.recorder.max_notification_id() or 0) != after:
            return False
        rebuilding = self.needs_rebuild()
        if rebuilding and before != 0:
            return False
        items: Iterable[tuple[ExerciseRows, int]]
        if rows is not None:
            items = sorted(rows, key=lambda item: item[0].exercise_id) if rebuilding else rows
        else:
            in_order = sorted(exercises, key=lambda e: str(e.id)) if rebuilding else exercises
            items = map(_rows_and_events, in_order)
        marker = self._start_rebuild(after) if rebuilding else None
        self._refresh(items, upto=after, rebuilding=marker, since=None if rebuilding else before)
        return True

    @collector_paused()
    def _refresh(
        self,
        items: Iterable[tuple[ExerciseRows, int]],
        *,
        upto: int,
        progress: ProgressCallback | None = None,
        batch_size: int = BATCH_SIZE,
        rebuilding: str | None = None,
        since: int | None = None,
    ) -> int:
        """Write the rows of each exercise, then track ``upto``.

        ``rebuilding`` is the mark of the rebuild these rows belong to; ``items`` are then
        in exercise id order (a rebuild records the last exercise each batch covers, and
        resumes after it). ``since`` is the position the views were at when the rows were
        made. Each batch is written only while the views still show that mark or
        position: once another process has finished the rebuild, started another, or
        caught up past this one, these rows may be older than its, so this one stops
        (``Superseded``) and leaves the rest to the ordinary catch-up. For the same reason
        a last batch whose position another process has tracked already is not written.
        """
        processed = 0
        batch: list[ExerciseRows] = []
        batch_events = 0
        # Outside a rebuild (None), the views must not be under one either.
        guard: dict[str, Any] = {"while_meta": (REBUILDING, rebuilding)}
        if since is not None:
            guard["while_position"] = (self.application_name, since)
        try:
            for rows, events in items:
                if batch and (batch_events >= batch_size or len(batch) >= BATCH_EXERCISES):
                    # Full, and another exercise follows: the last batch carries the tracking.
                    meta: dict[str, str | None] = (
                        {REBUILD_AFTER: batch[-1].exercise_id} if rebuilding else {}
                    )
                    self.views.replace(batch, None, meta, **guard)
                    processed += batch_events
                    batch, batch_events = [], 0
                    if progress is not None:
                        progress(processed, upto)
                batch.append(rows)
                batch_events += events
            final_meta: dict[str, str | None] = (
                {REBUILDING: None, REBUILD_AFTER: None, REBUILD_UPTO: None} if rebuilding else {}
            )
            self.views.replace(batch, Tracking(self.application_name, upto), final_meta, **guard)
            processed += batch_events
        except Superseded:
            pass
        finally:
            self._forget()
        if progress is not None:
            progress(processed, upto)
        return processed

    def _rebuilt_rows(self, after: str, upto: int) -> Iterator[tuple[ExerciseRows, int]]:
        """The rows of every exercise after id ``after``, from its events up to ``upto``,
        in id order.

        A large log is shared among worker processes: this process reads the log and
        writes the rows, the workers turn logs into rows (a pure function of the log),
        and their results are taken in order, so the rebuild commits and resumes exactly
        as it does in one process. Nothing but stored bytes and rows crosses between
        processes: the workers never touch the store.
        """
        logs = self._logs(after, upto)
        workers = rebuild_workers(upto)
        if workers < 2:
            mapper: PydanticMapper | None = None  # not needed for an empty log
            for ident, log in logs:
                if mapper is None:
                    mapper = cast("PydanticMapper", self.app.mapper)
                yield rows_from_log(mapper, ident, log)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        context = multiprocessing.get_context("fork")
        pending: deque[tuple[Any, list[tuple[UUID, list[StoredRow]]]]] = deque()
        broken = False

        def rows_of(future: Any, chunk: list[tuple[UUID, list[StoredRow]]]) -> Any:
            # A worker that died (killed, out of memory) breaks the pool: this process
            # makes the rows itself from then on, so the rebuild still ends.
            nonlocal broken
            if not broken:
                try:
                    return future.result()
                except BrokenProcessPool:
                    broken = True
            return _rows_of_chunk(chunk)

        def submit(pool: ProcessPoolExecutor, chunk: list[tuple[UUID, list[StoredRow]]]) -> Any:
            # The pool can break before any result shows it (a worker dies as it starts).
            nonlocal broken
            if not broken:
                try:
                    return pool.submit(_rows_of_chunk, chunk)
                except BrokenProcessPool:
                    broken = True
            return None

        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            for chunk in _chunks(logs, CHUNK_EVENTS):
                pending.append((submit(pool, chunk), chunk))
                while len(pending) > IN_FLIGHT * workers:
                    yield from rows_of(*pending.popleft())
            while pending:
                yield from rows_of(*pending.popleft())

    def _logs(self, after: str, upto: int) -> Iterator[tuple[UUID, list[StoredRow]]]:
        """Each exercise's stored events up to position ``upto``, for the exercises whose
        id sorts after ``after`` (a ``str(UUID)``, or empty for all), in id order.

        The log is read in pages of whole or partial exercises in primary key order (one
        query per page, rather than one per exercise); an exercise split over two pages
        is completed from the next.
        """
        recorder = self.recorder
        postgres = self.views.placeholder != "?"
        if postgres:
            from psycopg.sql import SQL, Identifier

            table = (
                SQL("{}.{}")
                .format(
                    Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
                )
                .as_string()
            )
            statement = (
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                "WHERE (originator_id, originator_version) > (%s, %s) "
                "AND notification_id <= %s "
                "ORDER BY originator_id, originator_version LIMIT %s"
            )
            key: tuple[Any, int] = (UUID(after), LAST_VERSION) if after else (UUID(int=0), 0)
        else:
            statement = (
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} "
                "WHERE (originator_id, originator_version) > (?, ?) AND rowid <= ? "
                "ORDER BY originator_id, originator_version LIMIT ?"
            )
            key = (UUID(after).hex, LAST_VERSION) if after else ("", 0)
        current: Any = None
        log: list[StoredRow] = []
        while True:
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, (*key, upto, LOG_PAGE_SIZE))
                page = c.fetchall()
            for row in page:
                originator_id = row["originator_id"]
                if originator_id != current:
                    if log:
                        yield as_uuid(current), log
                    current, log = originator_id, []
                log.append((row["originator_version"], row["topic"], row["state"]))
            if len(page) < LOG_PAGE_SIZE:
                break
            key = (current, log[-1][0])
        if log:
            yield as_uuid(current), log

    def _notifications(self, start: int, page_size: int = PAGE_SIZE) -> Iterator[Any]:
        while True:
            page = self.recorder.select_notifications(start, page_size)
            for notification in page:
                self._last_id = notification.id
                yield notification
            if len(page) < page_size:
                return
            start = page[-1].id + 1
