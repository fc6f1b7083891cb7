"""Watching a store for facts recorded by anyone: what the dashboard's live refresh uses.

``StoreWatcher.wait`` blocks until the event log's last position moves past the one last
seen (or a timeout passes) and returns the new position. On PostgreSQL it ``LISTEN``s on
the channel every write ``NOTIFY``s (in the writing transaction, so the notice arrives as
it commits), and looks at the position when told, and every few seconds in case a notice
was missed. SQLite cannot push: the file's last rowid is read every half second, which is
a lookup at the end of an index.

The watcher has its own connection, so it can run in a thread beside the code reading the
store; a connection that fails is made again at the next wait.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commission_tracker.application.store import StoreConfig

POLL_SECONDS = 0.5
"""How often SQLite's log is looked at (a fact shows within two seconds)."""
POSTGRES_RECHECK_SECONDS = 5.0
"""How often PostgreSQL's log is looked at with no notice (in case one was missed)."""
EVENTS_TABLE = "commissioning_events"
SQLITE_EVENTS_TABLE = "stored_events"


class StoreWatcher:
    """Tells when a store's event log has grown (see the module's docstring)."""

    def __init__(self, store: StoreConfig) -> None:
        self.store = store
        self._connection: Any = None
        self.position: int | None = None
        """The last position seen (``None`` until first read)."""

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None

    def __enter__(self) -> StoreWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def last_position(self) -> int:
        """The event log's last position now (0 for an empty or new store)."""
        if self.store.kind == "postgres":
            from psycopg.sql import SQL, Identifier

            connection = self._postgres()
            row = connection.execute(
                SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}.{}").format(
                    Identifier(self.store.schema or "public"), Identifier(EVENTS_TABLE)
                )
            ).fetchone()
            return int(row[0])
        connection = self._sqlite()
        try:
            row = connection.execute(f"SELECT MAX(rowid) FROM {SQLITE_EVENTS_TABLE}").fetchone()
        except sqlite3.OperationalError:  # no table yet: nothing recorded
            return 0
        return int(row[0] or 0)

    def wait(self, timeout: float) -> int | None:
        """Block until the log's last position passes the one last seen (returns it), or
        ``timeout`` seconds pass (returns ``None``). The first call only reads where the
        log is. Connection trouble is waited out (``None``), never raised."""
        deadline = time.monotonic() + timeout
        try:
            if self.position is None:
                self.position = self.last_position()
                return None
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if self.store.kind == "postgres":
                    self._await_notice(min(left, POSTGRES_RECHECK_SECONDS))
                else:
                    time.sleep(min(left, POLL_SECONDS))
                last = self.last_position()
                if last > self.position:
                    self.position = last
                    return last
        except Exception:
            # The store went away or is being created: try again at the next wait.
            self.close()
            time.sleep(max(min(deadline - time.monotonic(), POLL_SECONDS), 0))
            return None

    def watch(self, changed: Callable[[int], object], stop: threading.Event) -> None:
        """Call ``changed(position)`` each time the log grows, until ``stop`` is set."""
        try:
            while not stop.is_set():
                position = self.wait(POLL_SECONDS)
                if position is not None and not stop.is_set():
                    changed(position)
        finally:
            self.close()

    def _await_notice(self, seconds: float) -> None:
        connection = self._postgres()
        for _ in connection.notifies(timeout=seconds, stop_after=1):
            pass

    def _postgres(self) -> Any:
        if self._connection is None:
            from psycopg.sql import SQL, Identifier

            from commission_tracker.application.postgres_setup import connect

            connection = connect(self.store)
            # The recorder's channel is its table's name (``NOTIFY commissioning_events``).
            connection.execute(SQL("LISTEN {}").format(Identifier(EVENTS_TABLE)))
            self._connection = connection
        return self._connection

    def _sqlite(self) -> sqlite3.Connection:
        if self._connection is None:
            # Read only: watching never creates or changes the file.
            uri = f"{Path(self.store.location).resolve().as_uri()}?mode=ro"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection: sqlite3.Connection = self._connection
        return connection
