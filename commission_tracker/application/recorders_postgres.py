"""The PostgreSQL event recorder: batches written without a pipeline, large ones by COPY.

The library's ``PostgresApplicationRecorder`` sends a whole batch as one ``INSERT ...
FROM unnest(...)`` inside a psycopg pipeline and then calls ``Pipeline.sync``. With tens
of thousands of events that call was seen to hang for good, the server waiting for the
client (psycopg issue 685: a pipeline that sends much data can deadlock, the client
blocked writing while the server is blocked writing results back). Here:

* a small batch (one command's facts) is one ``INSERT ... RETURNING`` outside any
  pipeline, as before but without the pipeline;
* a large batch (an import, a copied store) streams in with ``COPY ... FROM STDIN``
  (binary), which psycopg writes with flow control, so it cannot deadlock and is the
  fastest way into PostgreSQL.

Both run in one transaction holding the table's EXCLUSIVE lock (the library's: writers
take turns, so notification ids are issued in commit order) and ``NOTIFY`` the table's
channel (what live watchers ``LISTEN`` to). COPY returns no ids, so they are read back:
under the lock every row after the largest id before the COPY is this batch's.

Connection trouble and a role that may only read become one sentence
(``StoreError``); a conflicting event (someone else saved the same exercise version)
is still the library's ``IntegrityError``, so callers retry on fresh state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from commission_tracker.aggregates.identity import as_uuid
from commission_tracker.application.store import StoreError

COPY_FROM = 200
"""Batches of at least this many events go in by COPY; smaller ones by one INSERT."""

F = TypeVar("F", bound=Callable[..., Any])


def retried_once(method: F) -> F:
    """``method`` without the library's ten attempts on a lost connection (each may wait
    for the pool's timeout, so a server that has gone took a minute to report): one more
    attempt on a fresh connection, then the error."""
    inner = getattr(method, "__wrapped__", method)

    @functools.wraps(inner)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return inner(*args, **kwargs)
        except (InterfaceError, OperationalError):
            return inner(*args, **kwargs)

    return call  # type: ignore[return-value]


def first_line(error: BaseException) -> str:
    """The first line of an error's message, without its full stop."""
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__


def read_only_sentence(datastore: PostgresDatastore) -> str:
    return (
        f"This role may only read the store (schema {datastore.schema}): nothing was "
        "recorded; record with a role that may write to it."
    )


def translated(error: PersistenceError, datastore: PostgresDatastore) -> Exception:
    """The error to raise for a failed write: a sentence for a role that may only read or
    a lost connection, else the library's error (a conflict, for callers to retry)."""
    cause = error.__cause__
    if isinstance(cause, psycopg.errors.InsufficientPrivilege):
        return StoreError(read_only_sentence(datastore))
    if isinstance(error, InterfaceError | OperationalError):
        return StoreError(
            f"Lost the connection to the PostgreSQL store while recording "
            f"({first_line(error)}); facts are recorded whole or not at all, so read the "
            "store again once it is back to see whether they were."
        )
    return error


class PostgresEventRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` writing batches without a pipeline, large ones by
    COPY (see the module's docstring)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(events_table_name))
        self.copy_statement = SQL(
            "COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table)
        self.last_id_statement = SQL(
            "SELECT COALESCE(MAX(notification_id), 0) AS last FROM {}"
        ).format(table)
        self.ids_after_statement = SQL(
            "SELECT originator_id, originator_version, notification_id FROM {} "
            "WHERE notification_id > %s"
        ).format(table)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        try:
            with self.datastore.transaction(commit=True) as curs:
                self._lock_table(curs)
                self._notify_channel(curs)
                if len(stored_events) < COPY_FROM:
                    # The library's INSERT ... FROM unnest(...) RETURNING notification_id.
                    super(PostgresApplicationRecorder, self)._insert_stored_events(
                        curs, stored_events
                    )
                    return [row["notification_id"] for row in curs.fetchall()]
                return self._copy(curs, stored_events)
        except PersistenceError as error:
            raise translated(error, self.datastore) from None

    def _copy(self, curs: Any, stored_events: Sequence[StoredEvent]) -> list[int]:
        curs.execute(self.last_id_statement)
        before = curs.fetchone()["last"]
        with curs.copy(self.copy_statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for event in stored_events:
                copy.write_row(
                    (
                        as_uuid(event.originator_id),
                        event.originator_version,
                        event.topic,
                        event.state,
                    )
                )
        curs.execute(self.ids_after_statement, (before,))
        ids = {
            (row["originator_id"], row["originator_version"]): row["notification_id"]
            for row in curs.fetchall()
        }
        return [ids[(as_uuid(e.originator_id), e.originator_version)] for e in stored_events]

    select_notifications = retried_once(PostgresApplicationRecorder.select_notifications)
    max_notification_id = retried_once(PostgresApplicationRecorder.max_notification_id)
    select_events = retried_once(PostgresApplicationRecorder.select_events)
