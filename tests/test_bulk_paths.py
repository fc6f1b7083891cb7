"""The bulk paths: batch inserts with derived notification ids, an import's views filled
from memory, and the rebuild read in one pass and shared among worker processes.

Each fast path must give exactly what the plain path gives: the same notification ids,
the same views, the same resumable rebuild.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgpack
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteDatastore

from benchmarks.workload import write_workload
from commission_tracker.aggregates.errors import InvalidFact
from commission_tracker.application import Clock, StoreConfig, Tracker, bulk
from commission_tracker.application.recorders import SQLiteEventRecorder
from commission_tracker.projections import runner
from commission_tracker.projections.views import EXERCISE_COLUMNS, VIEW_TABLES
from tests.test_projections import kill_once_rebuilt

TODAY = date(2026, 11, 22)
USER = "bench"


def stored(originator_id: Any, version: int) -> StoredEvent:
    return StoredEvent(
        originator_id=originator_id, originator_version=version, topic="t", state=b"x"
    )


@pytest.fixture
def workload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 3,000 realistic facts on 30 exercises (every verb, corrections included)."""
    path = tmp_path_factory.mktemp("workload") / "w.jsonl"
    write_workload(path, 7, 30)
    return path


def tracker(store: str, *, project: bool = True) -> Tracker:
    config = StoreConfig.from_option(store)
    return Tracker(config, clock=Clock(TODAY), user=USER, project=project)


def import_file(store: str, workload: Path, *, project: bool = True) -> int:
    with tracker(store, project=project) as t, workload.open(encoding="utf-8") as lines:
        return t.import_commands(lines, source=str(workload), keep_recorded_at=True).events


def all_views(t: Tracker) -> dict[str, list[Any]]:
    """Every view row, sorted, read through the tracker's own connection.

    The workload keeps its facts' recorded times (a migration), so each exercise's last
    fact is the ``HistoryMigrated`` fact its import recorded at the time it ran: two
    imports of one file differ in that time alone, which is left out here (it is the
    real clock's, checked in ``test_import``)."""
    views = t.projector.views
    recorded = EXERCISE_COLUMNS.index("last_recorded_at")

    def row_of(table: str, row: Any) -> tuple[Any, ...]:
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        if table == "ct_exercises":
            values = (*values[:recorded], "(import time)", *values[recorded + 1 :])
        return values

    return {
        table: sorted(
            (row_of(table, row) for row in views.query(f"SELECT * FROM {{p}}{table}")),
            key=repr,
        )
        for table in VIEW_TABLES
    }


# -- the SQLite recorder ---------------------------------------------------------------


def test_sqlite_stores_use_the_batch_recorder(tmp_path: Path) -> None:
    with tracker(str(tmp_path / "s.sqlite"), project=False) as t:
        assert isinstance(t.app.recorder, SQLiteEventRecorder)


def test_batch_inserts_return_the_notification_ids_the_log_gives(tmp_path: Path) -> None:
    with tracker(str(tmp_path / "s.sqlite"), project=False) as t:
        recorder = t.app.recorder
        a, b = uuid4(), uuid4()
        first = recorder.insert_events([stored(a, 1)])
        second = recorder.insert_events([stored(b, 1), stored(a, 2), stored(b, 2)])
        third = recorder.insert_events([stored(a, 3), stored(a, 4)])
        assert recorder.insert_events([]) == []
        assert [*first, *second, *third] == [1, 2, 3, 4, 5, 6]
        notes = recorder.select_notifications(1, 10)
        assert [(n.id, n.originator_id, n.originator_version) for n in notes] == [
            (1, a, 1),
            (2, b, 1),
            (3, a, 2),
            (4, b, 2),
            (5, a, 3),
            (6, a, 4),
        ]


def test_a_conflicting_batch_is_refused_whole(tmp_path: Path) -> None:
    with tracker(str(tmp_path / "s.sqlite"), project=False) as t:
        recorder = t.app.recorder
        a, b = uuid4(), uuid4()
        recorder.insert_events([stored(a, 1), stored(a, 2)])
        with pytest.raises(IntegrityError):
            recorder.insert_events([stored(b, 1), stored(a, 2), stored(b, 2)])
        assert recorder.max_notification_id() == 2
        assert recorder.select_events(b) == []
        assert recorder.insert_events([stored(b, 1)]) == [3]


def test_ids_are_looked_up_once_sqlite_picks_rowids_at_random(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with tracker(str(path), project=False) as t:
        t.app.recorder.insert_events([stored(uuid4(), 1)])
    with closing(sqlite3.connect(path)) as connection:
        # The largest rowid taken: SQLite now chooses free rowids at random.
        connection.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
            " VALUES (?, ?, 1, 't', x'00')",
            (2**63 - 1, uuid4().hex),
        )
        connection.commit()
    with tracker(str(path), project=False) as t:
        a = uuid4()
        ids = t.app.recorder.insert_events([stored(a, v) for v in range(1, 5)])
        with closing(sqlite3.connect(path)) as connection:
            rowids = [
                connection.execute(
                    "SELECT rowid FROM stored_events WHERE originator_id=? AND "
                    "originator_version=?",
                    (a.hex, v),
                ).fetchone()[0]
                for v in range(1, 5)
            ]
        assert list(ids) == rowids


# -- an import's views -----------------------------------------------------------------


def test_an_import_into_a_new_store_fills_the_views_from_memory(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "new.sqlite")

    def no_reading_back(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the import read an exercise back from the store")

    with monkeypatch.context() as patch:
        patch.setattr(
            "commission_tracker.application.app.CommissioningApplication.get_exercise",
            no_reading_back,
        )
        patch.setattr(runner.Projector, "_rebuilt_rows", no_reading_back)
        events = import_file(store, workload)
    assert events > 2000
    with tracker(store) as t:
        assert not t.projector.needs_rebuild()
        assert t.projector.position() == events
        assert t.refresh() == 0
        imported = all_views(t)
        assert t.replay(restart=True) == events
        assert all_views(t) == imported


def open_earlier(t: Tracker) -> None:
    """An exercise recorded before the import: the store has history."""
    t.open_exercise(
        reference="EARLIER-1",
        title="Day services",
        commissioner="Bexley Council",
        value="1000",
        mechanism="grant",
        regime="grant",
        profile="national",
    )


def test_an_import_into_a_store_with_history_gives_the_views_a_rebuild_gives(
    tmp_path: Path, workload: Path
) -> None:
    store = str(tmp_path / "s.sqlite")
    with tracker(store) as t:
        open_earlier(t)
    events = import_file(store, workload)
    with tracker(store) as t:
        assert t.projector.position() == events + 1
        imported = all_views(t)
        t.replay(restart=True)
        assert all_views(t) == imported


def test_an_import_with_stale_views_leaves_them_to_the_rebuild(
    tmp_path: Path, workload: Path
) -> None:
    """Views that need a rebuild over earlier history are not filled from memory."""
    store = str(tmp_path / "s.sqlite")
    with tracker(store) as t:
        open_earlier(t)
        t.projector.views.set_meta(runner.VERSION, "stale")
    events = import_file(store, workload)
    with tracker(store) as t:
        assert not t.projector.needs_rebuild()
        assert t.projector.position() == events + 1
        assert "EARLIER-1" in {row["reference"] for row in t.summaries()}


def test_an_import_without_views_then_a_catch_up(tmp_path: Path, workload: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    events = import_file(store, workload, project=False)
    with tracker(store) as t:
        assert t.refresh() == events
        caught_up = all_views(t)
        t.replay(restart=True)
        assert all_views(t) == caught_up


# -- the rebuild -----------------------------------------------------------------------


@pytest.fixture
def in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rebuilds of any size use the worker processes, a few exercises at a time."""
    monkeypatch.setattr(runner, "PARALLEL_MIN_EVENTS", 0)
    monkeypatch.setattr(runner, "CHUNK_EVENTS", 150)
    monkeypatch.setattr(runner, "LOG_PAGE_SIZE", 70)


def rebuilt_views(store: str, *, batch_size: int = 10_000) -> dict[str, list[Any]]:
    with tracker(store, project=False) as t:
        t.replay(restart=True, batch_size=batch_size)
        return all_views(t)


def test_a_rebuild_in_pages_and_in_parallel_equals_one_exercise_at_a_time(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch, in_parallel: None
) -> None:
    store = str(tmp_path / "s.sqlite")
    events = import_file(store, workload, project=False)
    assert runner.rebuild_workers(events) == 2
    parallel = rebuilt_views(store, batch_size=300)

    def one_at_a_time(self: runner.Projector, after: str, upto: int) -> Iterator[Any]:
        ids = sorted((i for i in self.exercise_ids(upto) if str(i) > after), key=str)
        for ident in ids:
            yield runner._rows_and_events(self.app.get_exercise(ident))

    monkeypatch.setattr(runner.Projector, "_rebuilt_rows", one_at_a_time)
    assert rebuilt_views(store) == parallel
    assert sum(len(rows) for rows in parallel.values()) > events / 2


def test_a_rebuild_covers_only_the_events_up_to_its_position(
    tmp_path: Path, workload: Path, in_parallel: None
) -> None:
    store = str(tmp_path / "s.sqlite")
    import_file(store, workload, project=False)
    with tracker(store, project=False) as t:
        upto = 1500
        logs = list(t.projector._logs("", upto))
        assert sum(len(log) for _, log in logs) == upto
        assert [str(ident) for ident, _ in logs] == sorted(str(ident) for ident, _ in logs)
        for _, log in logs:
            assert [version for version, _, _ in log] == list(range(1, len(log) + 1))
        halfway = str(logs[len(logs) // 2][0])
        later = [ident for ident, _ in t.projector._logs(halfway, upto)]
        assert later == [ident for ident, _ in logs if str(ident) > halfway]


KILLABLE_REPLAY = """
import sys
from commission_tracker.projections import runner
runner.PARALLEL_MIN_EVENTS = 0
runner.CHUNK_EVENTS = 100
from commission_tracker.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


def workers_left_behind(marker: str, wait: float = 5.0) -> list[str]:
    """The processes still running whose command line holds ``marker``, once those that
    are ending have had ``wait`` seconds to go (Linux's /proc)."""
    import time

    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                state = (entry / "stat").read_text().split(")")[-1].split()[0]
            except OSError:
                continue
            if marker in command and state != "Z":
                found.append(entry.name)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_killed_parallel_rebuild_resumes_and_ends_equal(tmp_path: Path) -> None:
    workload = tmp_path / "w.jsonl"
    write_workload(workload, 11, 80)
    interrupted = tmp_path / "interrupted.sqlite"
    events = import_file(str(interrupted), workload)
    reference = tmp_path / "reference.sqlite"
    reference.write_bytes(interrupted.read_bytes())
    expected = rebuilt_views(str(reference))

    replay = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_REPLAY, "--store", str(interrupted),
         "--today", TODAY.isoformat(), "replay", "--batch-size", "10", "--restart"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    position = kill_once_rebuilt(replay, interrupted, 3)
    assert 3 <= position < 80
    assert not workers_left_behind(str(interrupted)), "the killed replay's workers live on"

    with tracker(str(interrupted), project=False) as t:
        assert t.projector.needs_rebuild()
        resumed = t.replay()
        assert 0 < resumed < events  # it resumed rather than starting over
        assert all_views(t) == expected


# -- on PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
def test_bulk_paths_on_postgres_give_the_views_sqlite_gives(
    postgres_url: str, tmp_path: Path, workload: Path, in_parallel: None, shared_imports: None
) -> None:
    sqlite_store = str(tmp_path / "s.sqlite")
    events = import_file(sqlite_store, workload)
    with tracker(sqlite_store) as t:
        expected = all_views(t)

    assert import_file(postgres_url, workload) == events
    with tracker(postgres_url) as t:
        assert t.projector.position() == events
        assert all_views(t) == expected
        assert t.replay(restart=True, batch_size=300) == events
        assert all_views(t) == expected
    # a second import of the same exercises is refused by the store check, in one process
    with pytest.raises(InvalidFact, match="already exists"):
        import_file(postgres_url, workload)


# -- a large import shared among workers -------------------------------------------------


@pytest.fixture
def shared_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports of any size are shared among the worker processes."""
    monkeypatch.setattr(bulk, "PARALLEL_MIN_LINES", 1)


def stored_rows(store: str) -> list[tuple[Any, ...]]:
    """Every stored event in log order, its state decoded without the recorded time."""
    with closing(sqlite3.connect(store)) as connection:
        rows = connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
    decoded = []
    for rowid, ident, version, topic, state in rows:
        values = msgpack.unpackb(state, raw=False)
        values.pop("timestamp")
        decoded.append((rowid, ident, version, topic, values))
    return decoded


def test_a_shared_import_writes_what_a_one_process_import_writes(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = str(tmp_path / "alone.sqlite")
    events = import_file(alone, workload)
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "PARALLEL_MIN_LINES", 1)
        parent = os.getpid()
        get_connection = SQLiteDatastore.get_connection

        def parent_only(self: SQLiteDatastore, **kwargs: Any) -> Any:
            # Workers are forked with the caller's connections: they must not use them.
            assert os.getpid() == parent, "a worker process used the store"
            return get_connection(self, **kwargs)

        patch.setattr(SQLiteDatastore, "get_connection", parent_only)
        shared = str(tmp_path / "shared.sqlite")
        assert import_file(shared, workload) == events
        shared_alone = str(tmp_path / "shared-no-views.sqlite")
        assert import_file(shared_alone, workload, project=False) == events
    assert stored_rows(shared) == stored_rows(alone) == stored_rows(shared_alone)
    with tracker(alone) as a, tracker(shared) as s:
        assert s.projector.position() == events
        assert all_views(s) == all_views(a)
    with tracker(shared_alone) as t:
        assert t.refresh() == events


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_shared_import_names_the_same_first_bad_line(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = workload.read_text(encoding="utf-8").splitlines()
    involve = next(line for line in good if json.loads(line)["verb"] == "involve")
    opening = next(line for line in good if json.loads(line)["verb"] == "open")
    fields = json.loads(involve)
    unknown = json.dumps({**fields, "reference": "NOPE-1"})
    bad_sector = json.dumps({**fields, "sector": "charity"})
    unknown_verb = json.dumps({**fields, "verb": "frob"})
    cases = {
        "bad json": [*good[:50], "{not json", *good[50:]],
        "no reference": [*good[:70], '{"verb": "involve"}', *good[70:]],
        "unknown verb": [*good[:90], unknown_verb, *good[90:]],
        "unknown exercise": [*good[:120], unknown, *good[120:]],
        "opened twice": [*good[:200], opening, *good[200:]],
        "two bad lines": [*good[:300], bad_sector, *good[300:900], "{", *good[900:]],
        "bad late": [*good, bad_sector],
    }
    for name, lines in cases.items():
        file = write(tmp_path / f"{name}.jsonl", lines)
        messages = []
        for minimum in (10**9, 1):
            monkeypatch.setattr(bulk, "PARALLEL_MIN_LINES", minimum)
            store = str(tmp_path / f"{name}-{minimum}.sqlite")
            with pytest.raises(InvalidFact) as refused:
                import_file(store, file)
            messages.append(str(refused.value))
            with tracker(store, project=False) as t:
                assert t.event_count() == 0, name
        assert messages[0] == messages[1], name


def test_a_shared_import_onto_history_falls_back_to_one_process(
    tmp_path: Path, workload: Path, shared_imports: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "s.sqlite")
    events = import_file(store, workload)

    def no_sharing(*args: Any) -> Any:
        raise AssertionError("shared an import whose exercises have history")

    monkeypatch.setattr(bulk, "run", no_sharing)
    with tracker(store) as t:
        still_open = [row["reference"] for row in t.summaries() if row["status"] == "open"]
    more = write(tmp_path / "more.jsonl", [
        json.dumps({"verb": "close", "reference": reference, "on": "2026-11-20"})
        for reference in still_open[:3]
    ])  # fmt: skip
    with tracker(store) as t, more.open(encoding="utf-8") as lines:
        assert t.import_commands(lines).events == 3
        assert t.projector.position() == events + 3
    again = write(tmp_path / "again.jsonl", workload.read_text().splitlines()[:5])
    with pytest.raises(InvalidFact, match=r"line 1: .*already exists"):
        import_file(store, again)


PARENT = os.getpid()
"""The test process: the worker stand-ins below die anywhere else."""
_ROWS_OF_CHUNK = runner._rows_of_chunk
_RUN_SHARE = bulk._run_share


def rows_of_chunk_dying_in_workers(chunk: Any) -> Any:
    if os.getpid() != PARENT:
        os._exit(9)
    return _ROWS_OF_CHUNK(chunk)


def run_share_dying_in_workers(index: int) -> Any:
    if os.getpid() != PARENT:
        os._exit(9)
    return _RUN_SHARE(index)


def test_a_worker_that_dies_leaves_the_rebuild_to_this_process(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch, in_parallel: None
) -> None:
    """A worker killed mid-rebuild (out of memory, say) must not hang the command."""
    store = str(tmp_path / "s.sqlite")
    import_file(store, workload, project=False)
    expected = rebuilt_views(str(store))
    monkeypatch.setattr(runner, "_rows_of_chunk", rows_of_chunk_dying_in_workers)
    assert rebuilt_views(store, batch_size=300) == expected


def test_a_worker_that_dies_leaves_the_import_to_this_process(
    tmp_path: Path, workload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = str(tmp_path / "alone.sqlite")
    events = import_file(alone, workload)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_LINES", 1)
    monkeypatch.setattr(bulk, "_run_share", run_share_dying_in_workers)
    shared = str(tmp_path / "shared.sqlite")
    assert import_file(shared, workload) == events
    assert stored_rows(shared) == stored_rows(alone)
    with tracker(alone) as a, tracker(shared) as s:
        assert all_views(s) == all_views(a)
