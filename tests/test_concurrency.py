"""Several processes recording on one exercise at once: nothing is lost or doubled.

Each test starts real processes (``ctrack`` run in-process inside each) released together,
so their commands race on the same SQLite file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ctrack_helpers import (
    REFERENCE,
    TODAY,
    WORKERS,
    Result,
    check_concurrent_involvements,
    open_args,
    run_together,
)
from eventsourcing.sqlite import SQLiteTrackingRecorder

Ctrack = Callable[..., Result]


def test_concurrent_recorders_lose_and_double_nothing(
    opened: str,
    store_path: Path,
    tmp_path: Path,
    ctrack: Ctrack,
    event_count: Callable[[], int],
) -> None:
    check_concurrent_involvements(str(store_path), tmp_path / "race", ctrack, event_count)


def test_two_officers_opening_one_reference_at_once_make_one_exercise(
    store_path: Path, tmp_path: Path, ctrack: Ctrack, event_count: Callable[[], int]
) -> None:
    assert ctrack("list").code == 0  # the store exists (see the new-store test for that race)
    store = ["--store", str(store_path), "--today", TODAY]
    workers = [
        [[*store, *open_args("SAME-1" if w % 2 else "same-1", title=f"Title {w}")]]
        for w in range(WORKERS)
    ]
    attempts = [a for worker in run_together(workers, tmp_path / "race") for a in worker]
    winners = [a for a in attempts if a.code == 0]
    assert len(winners) == 1
    for attempt in attempts:
        if attempt.code != 0:
            # Exit 2 for the invariant, 3 for a race lost five times (worth retrying).
            assert attempt.code == (3 if "someone else" in attempt.err else 2), attempt
            assert attempt.err.count("\n") == 1, attempt
            assert "already exists" in attempt.err or "someone else" in attempt.err
    assert event_count() == 1
    title = winners[0].argv[winners[0].argv.index("--title") + 1]
    assert ctrack("show", "same-1", "--json").json()["title"] == title


def test_a_racing_command_is_checked_against_what_the_other_recorded(
    opened: str,
    store_path: Path,
    tmp_path: Path,
    ctrack: Ctrack,
    event_count: Callable[[], int],
) -> None:
    """Both move analyse -> plan at once: one succeeds; the other must not move it twice."""
    store = ["--store", str(store_path), "--today", TODAY]
    workers = [[[*store, "advance", REFERENCE, "plan"]] for _ in range(WORKERS)]
    attempts = [a for worker in run_together(workers, tmp_path / "race") for a in worker]
    assert sum(a.code == 0 for a in attempts) == 1
    for attempt in attempts:
        if attempt.code != 0:
            # Exit 2 for the invariant, 3 for a race lost five times (worth retrying).
            assert attempt.code == (3 if "someone else" in attempt.err else 2), attempt
            assert attempt.err.count("\n") == 1, attempt
            assert "already in the plan phase" in attempt.err or "someone else" in attempt.err
    history = ctrack("history", REFERENCE, "--json").json()
    assert [f["type"] for f in history] == ["ExerciseOpened", "PhaseChanged"]
    assert event_count() == 2


def test_processes_starting_on_a_new_store_at_once_all_work(tmp_path: Path, ctrack: Ctrack) -> None:
    store = tmp_path / "new" / "fresh.sqlite"
    workers = [
        [["--store", str(store), "--today", TODAY, *open_args(f"NEW-{w}")]] for w in range(WORKERS)
    ]
    attempts = [a for worker in run_together(workers, tmp_path / "race") for a in worker]
    assert [a.code for a in attempts] == [0] * WORKERS, [a.err for a in attempts]
    listed = ctrack("--store", str(store), "list", "--json").json()
    assert sorted(row["reference"] for row in listed) == [f"NEW-{w}" for w in range(WORKERS)]


def run_ctrack_process(*args: str) -> Result:
    """``ctrack`` in a process of its own, with this test's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "commission_tracker", "--today", TODAY, *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def test_a_store_created_by_another_process_between_look_and_create_still_opens(
    tmp_path: Path, ctrack: Ctrack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving behind the race above, made certain: this process finds no
    tracking table, another creates the whole store, then this one creates its tables."""
    store = tmp_path / "fresh.sqlite"
    original = SQLiteTrackingRecorder._create_table
    others: list[Result] = []

    def another_process_gets_in_first(self: SQLiteTrackingRecorder, c: object) -> None:
        if not others:
            others.append(run_ctrack_process("--store", str(store), *open_args("OTHER-1")))
        original(self, c)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLiteTrackingRecorder, "_create_table", another_process_gets_in_first)
    mine = ctrack("--store", str(store), "--today", TODAY, *open_args("MINE-1"))
    assert others and others[0].code == 0, others
    assert mine.code == 0, mine.err
    listed = ctrack("--store", str(store), "list", "--json").json()
    assert sorted(row["reference"] for row in listed) == ["MINE-1", "OTHER-1"]
