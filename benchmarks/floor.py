"""The floor: what raw ``sqlite3`` + ``msgpack`` do with the same rows, on the same machine.

The table has the shape of the eventsourcing library's SQLite ``stored_events`` table
(``originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB``, primary key
``(originator_id, originator_version)``, a rowid table, WAL journal, default
``synchronous``). Each row's state is the msgpack of the workload command's own data (the
same facts the product stores, as plain strings and numbers), so the payloads are of a
like size. The insert is one transaction of ``executemany`` batches, encoding included;
the read is one sequential scan in rowid order with ``msgpack`` decoding of every state.
Both run with Python's cyclic garbage collector off, as the product's bulk paths do
(``commission_tracker.collector``), so the floor gets every advantage the product takes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgpack

from commission_tracker.collector import collector_paused

CREATE = (
    "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
    "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
)
INSERT = "INSERT INTO stored_events VALUES (?, ?, ?, ?)"
SELECT = (
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
    "ORDER BY rowid"
)
BATCH = 1000
TOPIC_PREFIX = "commission_tracker.events:"


@dataclass(frozen=True)
class FloorRun:
    rows: int
    insert_seconds: float
    read_seconds: float
    state_bytes: float
    """Mean size of a row's state, in bytes."""

    @property
    def insert_rate(self) -> float:
        return self.rows / self.insert_seconds

    @property
    def read_rate(self) -> float:
        return self.rows / self.read_seconds


def ident(reference: str) -> str:
    """The floor's originator id of an exercise: a UUID's hex, as the library stores ids."""
    return uuid5(NAMESPACE_URL, reference).hex


def load_rows(workload: Path) -> list[tuple[str, int, str, dict[str, Any]]]:
    """The workload's commands as rows to insert: id, version, topic and the state to pack.

    JSON parsing happens here, outside the timed insert.
    """
    rows: list[tuple[str, int, str, dict[str, Any]]] = []
    versions: dict[str, int] = {}
    with workload.open(encoding="utf-8") as lines:
        for line in lines:
            command = json.loads(line)
            verb = command.pop("verb")
            reference = command.pop("reference")
            originator = ident(reference)
            version = versions.get(originator, 0) + 1
            versions[originator] = version
            command["timestamp"] = command.pop("recorded_at")
            command["recorded_by"] = "bench"
            rows.append((originator, version, TOPIC_PREFIX + verb, command))
    return rows


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def _encoded(rows: list[tuple[str, int, str, dict[str, Any]]]) -> Iterator[tuple[Any, ...]]:
    pack = msgpack.Packer(use_bin_type=True).pack
    for originator, version, topic, state in rows:
        yield originator, version, topic, pack(state)


@collector_paused()
def insert(path: Path, rows: list[tuple[str, int, str, dict[str, Any]]]) -> tuple[float, float]:
    """Insert ``rows`` into a new file at ``path``; returns (seconds, mean state bytes)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection = _connect(path)
    connection.execute(CREATE)
    started = time.perf_counter()
    connection.execute("BEGIN")
    encoded = _encoded(rows)
    while True:
        batch = list(islice(encoded, BATCH))
        if not batch:
            break
        connection.executemany(INSERT, batch)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    size = connection.execute("SELECT AVG(LENGTH(state)) FROM stored_events").fetchone()[0]
    connection.close()
    return seconds, float(size or 0.0)


@collector_paused()
def read(path: Path) -> tuple[float, int]:
    """Read every row in order, decoding each state; returns (seconds, rows)."""
    connection = _connect(path)
    unpack = msgpack.unpackb
    started = time.perf_counter()
    cursor = connection.execute(SELECT)
    count = 0
    while True:
        batch = cursor.fetchmany(BATCH)
        if not batch:
            break
        for row in batch:
            unpack(row[4], raw=False)
        count += len(batch)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, count


def measure(workload: Path, path: Path) -> FloorRun:
    """One insert and one read of the workload's rows."""
    rows = load_rows(workload)
    insert_seconds, state_bytes = insert(path, rows)
    del rows
    read_seconds, count = read(path)
    return FloorRun(count, insert_seconds, read_seconds, state_bytes)
