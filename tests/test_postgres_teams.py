"""A team's PostgreSQL store: large imports that finish, read-only auditors, moving stores,
connection trouble (issue 14).

Real PostgreSQL (a fresh schema per test, see the ``postgres_url`` fixture) and real SQLite
files; ``ctrack`` runs in-process through the ``ctrack`` fixture or as a process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ctrack_helpers import TODAY, Result

from benchmarks.workload import TODAY as WORKLOAD_TODAY
from benchmarks.workload import generate

pytestmark = pytest.mark.postgres

Ctrack = Callable[..., Result]


def pg_count(url: str, table: str = "commissioning_events") -> int:
    """Rows in one of the store's tables, counted by PostgreSQL itself."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    from commission_tracker.application import StoreConfig

    schema = StoreConfig.from_option(url).schema
    with psycopg.connect(url.partition("?")[0]) as connection:
        row = connection.execute(
            SQL("SELECT COUNT(*) FROM {}.{}").format(Identifier(schema), Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0])


def ctrack_process(*args: str, timeout: float = 600, stdin: str | None = None) -> Result:
    """``ctrack`` in a process of its own (a hang fails the test at ``timeout``)."""
    done = subprocess.run(
        [sys.executable, "-m", "commission_tracker", *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def write_workload(path: Path, exercises: int, seed: int = 3) -> int:
    """The benchmarks' generated workload (realistic exercises) as an import file; returns
    its number of lines (one fact each)."""
    lines = list(generate(seed, exercises))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def same_views(store: str, *, today: str = TODAY) -> dict[str, object]:
    """What the reading verbs answer from the views of ``store``."""
    answers: dict[str, object] = {}
    for verb in (["list"], ["flags"], ["involvement", "--by", "quarter"], ["evaluate"]):
        result = ctrack_process("--store", store, "--today", today, *verb, "--json")
        assert result.code == 0, result.err
        answers[verb[0]] = json.loads(result.out)
    return answers


# -- 1. bulk writes that never hang ------------------------------------------------------


@pytest.mark.slow
def test_a_large_import_into_postgres_finishes_every_time(
    postgres_server: str, tmp_path: Path
) -> None:
    """A 24,000-fact import (the size that hung in psycopg's pipeline about half the
    time) run three times into fresh schemas: each finishes, stores every fact once, and
    leaves views equal to a rebuild."""
    import uuid

    import psycopg

    workload = tmp_path / "large.jsonl"
    lines = write_workload(workload, 250)
    assert lines > 20_000  # large enough for the shared (two-process) import path
    for run in range(3):
        schema = f"ctrack_test_import_{uuid.uuid4().hex[:10]}"
        url = f"{postgres_server}?schema={schema}"
        try:
            result = ctrack_process(
                "--store", url, "--today", WORKLOAD_TODAY.isoformat(), "import", str(workload)
            )
            assert result.code == 0, (run, result.err)
            assert f"{lines:,} facts" in result.out
            assert pg_count(url) == lines
            if run == 0:
                before = same_views(url, today=WORKLOAD_TODAY.isoformat())
                assert ctrack_process("--store", url, "replay", "--quiet").code == 0
                assert same_views(url, today=WORKLOAD_TODAY.isoformat()) == before
        finally:
            with psycopg.connect(postgres_server, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_batch_written_by_copy_gets_its_positions_in_order(postgres_url: str) -> None:
    """Events written by COPY come back in the order given, with their positions."""
    from ctrack_helpers import version_1_opening

    from commission_tracker.application import StoreConfig, Tracker
    from commission_tracker.application.recorders_postgres import COPY_FROM

    events = [version_1_opening(f"COPY-{n}") for n in range(COPY_FROM + 5)]
    with Tracker(StoreConfig.from_option(postgres_url)) as tracker:
        first = tracker.app.recorder.insert_events(events[:3])  # one INSERT
        ids = tracker.app.recorder.insert_events(events[3:])  # COPY
        assert first is not None and ids is not None
        assert list(first) + list(ids) == list(range(first[0], first[0] + len(events)))
        notifications = tracker.app.recorder.select_notifications(1, len(events) + 10)
        assert [n.originator_id for n in notifications] == [e.originator_id for e in events]
