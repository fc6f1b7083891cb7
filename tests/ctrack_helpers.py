"""Helpers shared by the test modules (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commission_tracker.aggregates.exercise import CommissioningExercise, exercise_id
from commission_tracker.application.serialisation import MsgpackTranscoder

TODAY = "2026-03-02"
"""The fixed 'today' most tests run on (a Monday)."""

OPENED_ON = "2026-01-05"
REFERENCE = "CT-001"
PROFILE = "national"


def open_args(reference: str = REFERENCE, **overrides: str) -> list[str]:
    """Arguments of a valid ``ctrack open``; ``overrides`` replace options by name."""
    options = {
        "title": "Young people's mental health support",
        "commissioner": "Leeds City Council",
        "value": "250000",
        "mechanism": "grant",
        "regime": "grant",
        "profile": PROFILE,
        "on": OPENED_ON,
    }
    options.update(overrides)
    args = ["open", reference]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    return args


@dataclass
class Result:
    """What a run of ``ctrack`` did: exit code, standard output, standard error."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def sqlite_event_count(path: Path) -> int:
    """How many events the SQLite store at ``path`` holds (0 if it has none yet)."""
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as connection:
        try:
            row = connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()
        except sqlite3.OperationalError:  # the table is not there yet
            return 0
    return int(row[0])


# -- real processes started together ----------------------------------------------------

WORKER = r"""
import contextlib, io, json, os, sys, time

ready, go, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
from commission_tracker.cli.main import main

open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit("the start signal never came")
    time.sleep(0.001)
for argv in commands:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    print(json.dumps({"argv": argv, "code": code, "out": out.getvalue(),
                      "err": err.getvalue()}), flush=True)
"""


@dataclass
class Attempt:
    """One command run by a worker process: its argv, exit code and output."""

    argv: list[str]
    code: int
    out: str
    err: str


def run_together(workers: list[list[list[str]]], folder: Path) -> list[list[Attempt]]:
    """Run each worker's ``ctrack`` commands in its own process, all released at once.

    Each process imports ctrack, says it is ready, waits for the common start signal, then
    runs its commands in-process one after another. Returns each worker's attempts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    go = folder / "go"
    processes = []
    for number, commands in enumerate(workers):
        ready = folder / f"ready-{number}"
        processes.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, str(ready), str(go), json.dumps(commands)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=dict(os.environ),
                    cwd=folder,
                ),
            )
        )
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready, _ in processes):
        if any(p.poll() is not None for _, p in processes) or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    go.touch()
    results = []
    for _, process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"a worker crashed:\n{err}"
        assert err == "", f"a worker wrote to stderr outside ctrack:\n{err}"
        results.append([Attempt(**json.loads(line)) for line in out.splitlines()])
    return results


# -- racing recorders --------------------------------------------------------------------

WORKERS = 3
FACTS_EACH = 10
CONCURRENCY_WORDS = ("changed by someone else", "try again")


def involve(store: str, organisation: str) -> list[str]:
    return [
        "--store", store, "--today", TODAY, "involve", REFERENCE,
        "--org", organisation, "--sector", "vcs", "--activity", "co-design",
    ]  # fmt: skip


def assert_concurrency_sentence(attempt: Attempt) -> None:
    assert attempt.code == 3, attempt  # a conflict worth retrying
    assert attempt.out == ""
    assert attempt.err.count("\n") == 1 and attempt.err.startswith("ctrack: "), attempt.err
    for words in CONCURRENCY_WORDS:
        assert words in attempt.err, attempt.err


def check_concurrent_involvements(
    store: str,
    folder: Path,
    ctrack: Callable[..., Result],
    count_events: Callable[[], int],
    *,
    workers_count: int = WORKERS,
    facts_each: int = FACTS_EACH,
) -> None:
    """Shared by the SQLite and PostgreSQL tests: race workers x facts_each involvements."""
    workers = [
        [involve(store, f"Org {w}-{i}") for i in range(facts_each)] for w in range(workers_count)
    ]
    results = run_together(workers, folder)
    succeeded, failed = [], []
    for attempts in results:
        assert len(attempts) == facts_each
        for attempt in attempts:
            organisation = attempt.argv[attempt.argv.index("--org") + 1]
            if attempt.code == 0:
                assert attempt.out.startswith("Recorded #"), attempt.out
                succeeded.append(organisation)
            else:
                assert_concurrency_sentence(attempt)
                failed.append(organisation)

    history = ctrack("--store", store, "history", REFERENCE, "--json").json()
    assert [fact["sequence"] for fact in history] == list(range(1, len(history) + 1))
    recorded = [f["data"]["organisation"] for f in history if f["type"] == "OrganisationInvolved"]
    assert len(recorded) == len(set(recorded)), "a fact was recorded twice"
    assert sorted(recorded) == sorted(succeeded), "the store differs from what was reported"
    assert not set(recorded) & set(failed)
    assert count_events() == 1 + len(succeeded)
    # what each process recorded is in the order it recorded it
    for w in range(workers_count):
        mine = [org for org in recorded if org.startswith(f"Org {w}-")]
        assert mine == sorted(mine, key=lambda org: int(org.rsplit("-", 1)[1]))
    # most of the facts land; a failure is the exception, not the rule
    assert len(succeeded) >= workers_count * facts_each // 2


# -- old event shapes ---------------------------------------------------------------------


def version_1_opening(reference: str, *, on: date = date(2024, 5, 1)) -> StoredEvent:
    """An ExerciseOpened as version 1 stored it: no authority, no contract kind."""
    state = {
        "timestamp": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "originator_topic": get_topic(CommissioningExercise),
        "on": on,
        "recorded_by": "old-officer",
        "reference": reference,
        "title": "Day services",
        "commissioner": "Bexley Council",
        "service_area": None,
        "value": Decimal("80000.00"),
        "mechanism": "grant",
        "regime": "PCR2015",
        "profile": "national",
    }
    return StoredEvent(
        originator_id=exercise_id(reference),
        originator_version=1,
        topic="commission_tracker.events:ExerciseOpened",
        state=MsgpackTranscoder().encode(state),
    )
