"""The SQLite event recorder: a batch of events in one statement, notification ids derived.

The library's ``SQLiteApplicationRecorder`` inserts a batch one ``execute`` at a time to
collect each row's ``lastrowid`` (the event's notification id). Here the batch goes in one
``executemany`` and the ids are derived afterwards, which is exact because:

* the insert runs in one write transaction, and SQLite has one writer at a time, so no
  other row enters the table between the first and the last of the batch;
* without ``AUTOINCREMENT`` SQLite gives each new row the largest rowid so far plus one,
  and only departs from that (picking a free rowid at random) once the largest possible
  rowid is taken; after that the largest rowid stays the largest possible one, which the
  last row inserted cannot then hold. So when ``MAX(rowid)`` equals ``last_insert_rowid()``
  the batch took consecutive rowids ending there; otherwise each id is looked up.

The primary key on ``(originator_id, originator_version)`` still refuses a conflicting
event, and the whole batch is rolled back: optimistic concurrency is unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from commission_tracker.aggregates.identity import as_uuid

LOOKUP_BATCH = 500
"""Ids asked about in one query (SQLite allows 999 parameters in older builds)."""


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """``SQLiteApplicationRecorder`` inserting each batch with one ``executemany``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._select_last_ids = (
            f"SELECT last_insert_rowid(), MAX(rowid) FROM {self.events_table_name}"
        )
        self._select_rowid = (
            f"SELECT rowid FROM {self.events_table_name} "
            "WHERE originator_id=? AND originator_version=?"
        )

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **_: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        params = [
            (
                s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                s.originator_version,
                s.topic,
                s.state,
            )
            for s in stored_events
        ]
        c.executemany(self.insert_events_statement, params)
        c.execute(self._select_last_ids)
        last, highest = c.fetchone()
        if last == highest:
            return list(range(last - len(params) + 1, last + 1))
        # The rowids ran out and SQLite chose some at random: look each one up.
        ids = []
        for originator_id, originator_version, _topic, _state in params:
            c.execute(self._select_rowid, (originator_id, originator_version))
            ids.append(c.fetchone()[0])
        return ids


def recorded_originators(recorder: Any, ids: Collection[UUID]) -> set[UUID]:
    """Which of ``ids`` have at least one event in ``recorder``'s log (SQLite or
    PostgreSQL), asked a few hundred at a time rather than one query each."""
    ids = list(ids)
    if isinstance(recorder, SQLiteApplicationRecorder):
        table, mark = recorder.events_table_name, "?"
        params: list[Any] = [ident.hex for ident in ids]
    else:
        from psycopg.sql import SQL, Identifier

        schema, events = recorder.datastore.schema, recorder.events_table_name
        table = SQL("{}.{}").format(Identifier(schema), Identifier(events)).as_string()
        mark, params = "%s", ids
    found: set[UUID] = set()
    with recorder.datastore.transaction(commit=False) as c:
        for start in range(0, len(params), LOOKUP_BATCH):
            batch = params[start : start + LOOKUP_BATCH]
            c.execute(
                f"SELECT DISTINCT originator_id FROM {table} "
                f"WHERE originator_id IN ({', '.join(mark for _ in batch)})",
                batch,
            )
            found.update(as_uuid(row["originator_id"]) for row in c.fetchall())
    return found


def stored_events_of(recorder: Any, ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]:
    """The stored events of each of ``ids`` (those with any), in order, read a few hundred
    exercises at a time rather than one query each (SQLite or PostgreSQL)."""
    ids = list(ids)
    if isinstance(recorder, SQLiteApplicationRecorder):
        table, mark = recorder.events_table_name, "?"
        params: list[Any] = [ident.hex for ident in ids]
    else:
        table = f'"{recorder.datastore.schema}".{recorder.events_table_name}'
        mark, params = "%s", ids
    found: dict[UUID, list[StoredEvent]] = {}
    with recorder.datastore.transaction(commit=False) as c:
        for start in range(0, len(params), LOOKUP_BATCH):
            batch = params[start : start + LOOKUP_BATCH]
            c.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {table} WHERE originator_id IN ({', '.join(mark for _ in batch)}) "
                "ORDER BY originator_id, originator_version",
                batch,
            )
            for row in c.fetchall():
                ident = as_uuid(row["originator_id"])
                found.setdefault(ident, []).append(
                    StoredEvent(ident, row["originator_version"], row["topic"], bytes(row["state"]))
                )
    return found
