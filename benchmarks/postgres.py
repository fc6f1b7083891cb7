"""PostgreSQL rows for BENCHMARKS.md: ``python -m benchmarks --postgres URL [--scale small]``.

The product's import and rebuild on a PostgreSQL store, each beside raw floors measured in
the same run against the same server: the workload's rows (msgpack states, as the SQLite
floor makes them, see ``floor.py``) written into a table shaped like the library's events
table by raw ``COPY`` and by raw ``executemany`` (psycopg, batches of 1,000, one
transaction), and read back in order with every state decoded. Also how long a fact takes
to reach a watcher (``application.watching``, what the dashboard's live refresh uses), on
PostgreSQL and on SQLite.

Every figure runs in a schema of its own, created and dropped here. Only this section of
BENCHMARKS.md (between its markers) is rewritten; the rest of the file is left as it is.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import msgpack

from benchmarks.floor import load_rows
from commission_tracker.collector import collector_paused

BEGIN = "<!-- postgres -->"
END = "<!-- /postgres -->"
BATCH = 1000
WATCH_ROUNDS = 15


@dataclass
class Row:
    figure: str
    seconds: float
    events: int
    floor: str = ""
    floor_rate: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    def ratio(self) -> str:
        return f"{self.rate / self.floor_rate:.2f}x" if self.floor_rate else ""


@contextmanager
def schema(server: str) -> Iterator[str]:
    """A store URL on a fresh schema, dropped afterwards."""
    import psycopg

    name = f"ctrack_bench_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}schema={name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


CREATE = (
    'CREATE TABLE "{schema}".events (originator_id uuid NOT NULL, '
    "originator_version bigint NOT NULL, topic text, state bytea, "
    "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
)


def _encoded(rows: list[tuple[str, int, str, dict[str, Any]]]) -> Iterator[tuple[Any, ...]]:
    pack = msgpack.Packer(use_bin_type=True).pack
    for originator, version, topic, state in rows:
        yield uuid.UUID(originator), version, topic, pack(state)


@collector_paused()
def raw_write(server: str, rows: list[Any], how: str) -> float:
    """Seconds to write ``rows`` into a new table by ``COPY`` or ``executemany``, in one
    transaction, encoding included."""
    import psycopg

    with schema(server) as url:
        name = url.rpartition("schema=")[2]
        with psycopg.connect(server) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
            connection.execute(CREATE.format(schema=name))
            connection.commit()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                encoded = _encoded(rows)
                if how == "copy":
                    with cursor.copy(
                        f'COPY "{name}".events (originator_id, originator_version, topic, '
                        "state) FROM STDIN (FORMAT BINARY)"
                    ) as copy:
                        copy.set_types(["uuid", "int8", "text", "bytea"])
                        for row in encoded:
                            copy.write_row(row)
                else:
                    while batch := list(islice(encoded, BATCH)):
                        cursor.executemany(
                            f'INSERT INTO "{name}".events (originator_id, originator_version, '
                            "topic, state) VALUES (%s, %s, %s, %s)",
                            batch,
                        )
            connection.commit()
            return time.perf_counter() - started


@collector_paused()
def raw_read(connection: Any, name: str) -> float:
    """Seconds to read every row in order, decoding each state."""
    unpack = msgpack.unpackb
    started = time.perf_counter()
    with connection.cursor(name="reader") as cursor:
        cursor.itersize = BATCH
        cursor.execute(
            f'SELECT notification_id, originator_id, originator_version, topic, state FROM "{name}"'
            ".events ORDER BY notification_id"
        )
        for row in cursor:
            unpack(row[4], raw=False)
    connection.commit()
    return time.perf_counter() - started


def raw_read_floor(server: str, rows: list[Any]) -> float:
    import psycopg

    with schema(server) as url:
        name = url.rpartition("schema=")[2]
        with psycopg.connect(server) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
            connection.execute(CREATE.format(schema=name))
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    f'COPY "{name}".events (originator_id, originator_version, topic, state) '
                    "FROM STDIN (FORMAT BINARY)"
                ) as copy,
            ):
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for row in _encoded(rows):
                    copy.write_row(row)
            connection.commit()
            return raw_read(connection, name)


def product_import(server: str, workload: Path, *, views: bool) -> tuple[float, float | None]:
    """Seconds of ``Tracker.import_commands`` into a new schema (with the views kept or
    not), and with the views, seconds of a full rebuild afterwards."""
    from benchmarks.workload import TODAY
    from commission_tracker.application import Clock, StoreConfig, Tracker

    with schema(server) as url:
        store = StoreConfig.from_option(url)
        with Tracker(store, clock=Clock(TODAY), user="bench", project=views) as tracker:
            started = time.perf_counter()
            with workload.open(encoding="utf-8") as lines:
                tracker.import_commands(lines, source="workload")
            seconds = time.perf_counter() - started
            rebuild = None
            if views:
                started = time.perf_counter()
                tracker.replay(restart=True)
                rebuild = time.perf_counter() - started
    return seconds, rebuild


def watch_latency(store_option: str) -> list[float]:
    """Seconds from a fact's commit to a waiting watcher waking, ``WATCH_ROUNDS`` times."""
    from commission_tracker.application import Clock, StoreConfig, Tracker
    from commission_tracker.application.watching import StoreWatcher

    store = StoreConfig.from_option(store_option)
    delays: list[float] = []
    with Tracker(store, clock=Clock(date(2026, 3, 2)), user="bench") as tracker:
        tracker.open_exercise(
            reference="WATCH-1", title="Watched", commissioner="Leeds", value="1000",
            mechanism="grant", regime="grant", profile="national",
        )  # fmt: skip
        with StoreWatcher(store) as watcher:
            watcher.wait(1.0)
            for n in range(WATCH_ROUNDS):
                woke: list[float] = []

                def wait(woke: list[float] = woke) -> None:
                    watcher.wait(30)
                    woke.append(time.perf_counter())

                thread = threading.Thread(target=wait)
                thread.start()
                time.sleep(0.3)  # the watcher is waiting
                # From the start of the command: its commit is a little later, so this is
                # an upper bound of the delay.
                started = time.perf_counter()
                tracker.record("WATCH-1", "impact-assessed", summary=f"round {n}")
                thread.join()
                delays.append(woke[0] - started)
    return delays


def measure(server: str, workload: Path, work_dir: Path, say: Callable[[str], None]) -> str:
    """Every figure; returns the markdown section."""
    rows = load_rows(workload)
    events = len(rows)
    say(f"PostgreSQL floors: {events:,} rows")
    copy_s = min(raw_write(server, rows, "copy") for _ in range(2))
    many_s = min(raw_write(server, rows, "executemany") for _ in range(2))
    read_s = min(raw_read_floor(server, rows) for _ in range(2))
    del rows
    say("product import without views")
    alone, _ = product_import(server, workload, views=False)
    say("product import with views, then a rebuild")
    with_views, rebuild = product_import(server, workload, views=True)
    assert rebuild is not None
    say("live changes")
    with schema(server) as url:
        pg_delays = watch_latency(url)
    sqlite_store = work_dir / f"watch-{uuid.uuid4().hex[:8]}.sqlite"
    sqlite_delays = watch_latency(str(sqlite_store))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_store}{suffix}").unlink(missing_ok=True)

    copy_rate, many_rate, read_rate = events / copy_s, events / many_s, events / read_s
    table = [
        Row("raw `COPY` (binary), one transaction", copy_s, events),
        Row("raw `executemany`, batches of 1,000, one transaction", many_s, events),
        Row("raw read in order, every state decoded", read_s, events),
        Row("`ctrack import` path, views not kept", alone, events, "executemany", many_rate),
        Row(
            "`ctrack import` path, views kept (what `ctrack import` does)",
            with_views,
            events,
            "executemany",
            many_rate,
        ),
        Row("full rebuild (`ctrack replay --restart`)", rebuild, events, "read", read_rate),
    ]
    lines = [
        BEGIN,
        "## PostgreSQL (`python -m benchmarks --postgres URL`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, workload `{workload.stem}` "
        f"({events:,} events), PostgreSQL on the same machine. The figures were taken while "
        "the machine (2 cores) was shared with other work, so they move from run to run; "
        "compare the ratios, each against a floor measured in the same run. Targets: import "
        ">= 0.5x raw `executemany`.",
        "",
        "| Figure | Seconds | Events/s | Against | Ratio |",
        "|---|---:|---:|---|---:|",
    ]
    for row in table:
        lines.append(
            f"| {row.figure} | {row.seconds:.2f} | {row.rate:,.0f} | {row.floor} | {row.ratio()} |"
        )
    kept, alone_ratio = table[4].rate / many_rate, table[3].rate / many_rate
    lines += [
        "",
        f"Import against raw `executemany`: {alone_ratio:.2f}x without the views "
        f"({'met' if alone_ratio >= 0.5 else 'missed'}), {kept:.2f}x keeping them "
        f"({'met' if kept >= 0.5 else 'missed'}); the target is 0.5x.",
        "",
        f"Raw `COPY` wrote {copy_rate / many_rate:.1f}x as fast as raw `executemany`; the "
        "product writes events by `COPY` (`application/recorders_postgres.py`), and its "
        "import also parses, validates and applies every line to its exercise, and encodes "
        "every event with pydantic and msgpack.",
        "",
        "Live changes: seconds from the start of a recording command to a waiting "
        "`StoreWatcher` waking "
        f"({WATCH_ROUNDS} facts each): PostgreSQL (LISTEN/NOTIFY) median "
        f"{statistics.median(pg_delays):.3f}, max {max(pg_delays):.3f}; SQLite (polling "
        f"every 0.5 s) median {statistics.median(sqlite_delays):.3f}, max "
        f"{max(sqlite_delays):.3f}. Targets: within 1 s on PostgreSQL, 2 s on SQLite.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str, output: Path) -> None:
    """Put ``section`` in ``output`` in place of its previous version (or at the end)."""
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text, encoding="utf-8")


def run(server: str, workload: Path, work_dir: Path, output: Path) -> None:
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    section = measure(server, workload, work_dir, say)
    print(section)
    write_section(section, output)
    say(f"wrote the PostgreSQL section of {output}")
