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


# -- robustness: sentences, reading verbs, a store on either backend -----------------------


def guarded(run: Callable[..., Result]) -> Callable[..., Result]:
    """``run`` (the ``ctrack`` fixture), but an exception escaping ``main`` becomes what a
    user of the real program sees: exit 1 and a traceback on stderr."""
    import traceback

    def call(*args: str, **kwargs: Any) -> Result:
        try:
            return run(*args, **kwargs)
        except Exception:  # the program would die with a traceback
            return Result(1, "", traceback.format_exc())

    return call


Words = str | tuple[str, ...]
"""A word a sentence must hold, or a tuple of alternatives, one of which it must hold."""


def assert_sentence(result: Result, code: int, *words: Words) -> str:
    """``result`` exited ``code`` with one sentence on stderr holding every word of
    ``words`` (case-insensitive), printed nothing and no traceback; returns the sentence."""
    assert "Traceback" not in result.err, result.err[-3000:]
    assert result.code == code, (result.code, result.out[-500:], result.err[-1500:])
    assert result.out == "", "nothing is printed to standard output"
    err = result.err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err[-1500:]!r}"
    assert err.startswith("ctrack: "), err
    sentence = err.removeprefix("ctrack: ").strip()
    for word in words:
        options = (word,) if isinstance(word, str) else word
        assert any(o.lower() in sentence.lower() for o in options), (
            f"none of {options!r} in {sentence!r}"
        )
    return sentence


def assert_no_traceback(result: Result, *codes: int) -> None:
    assert "Traceback" not in result.err, result.err[-3000:]
    assert result.code in codes, (result.code, result.out[-500:], result.err[-1500:])


READING_VERBS: list[list[str]] = [
    ["list"],
    ["list", "--json"],
    ["flags"],
    ["flags", "--json"],
    ["evaluate"],
    ["deadlines", "--json"],
    ["involvement", "--json"],
]
"""The verbs that read the whole portfolio (from the views)."""


def reading_verbs(*references: str) -> list[list[str]]:
    """:data:`READING_VERBS` and, for each reference, the verbs that read one exercise."""
    return READING_VERBS + [
        args
        for reference in references
        for args in (
            ["show", reference],
            ["history", reference, "--json"],
            ["compliance", reference],
        )
    ]


def assert_reading_works(run: Callable[..., Result], *references: str) -> list[Result]:
    """Every reading verb (and those of one exercise for each of ``references``) exits 0
    without a traceback, and its JSON parses."""
    results = []
    for args in reading_verbs(*references):
        result = run(*args)
        assert "Traceback" not in result.err, (args, result.err[-3000:])
        assert result.code == 0, (args, result.code, result.err[-1500:])
        if "--json" in args:
            result.json()
        results.append(result)
    return results


SQLITE_EVENTS = "stored_events"
POSTGRES_EVENTS = "commissioning_events"


@dataclass
class StoreUnderTest:
    """A test's store on SQLite or PostgreSQL: its ``--store`` address, and direct access
    to its event table, to count events or damage them as a disk or a hand could."""

    kind: str
    address: str
    schema: str | None = None

    def _connect(self) -> Any:
        if self.kind == "sqlite":
            return closing(sqlite3.connect(self.address))
        import psycopg

        return psycopg.connect(self.address.partition("?")[0], autocommit=True)

    @property
    def table(self) -> str:
        if self.kind == "sqlite":
            return SQLITE_EVENTS
        return f'"{self.schema}".{POSTGRES_EVENTS}'

    def _sql(self, statement: str) -> str:
        statement = statement.replace("{events}", self.table)
        return statement if self.kind == "sqlite" else statement.replace("?", "%s")

    def _id(self, reference: str) -> Any:
        ident = exercise_id(reference)
        return ident.hex if self.kind == "sqlite" else ident

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as connection:
            cursor = connection.execute(self._sql(statement), params)
            rows = cursor.fetchall() if cursor.description else []
            if self.kind == "sqlite":
                connection.commit()
        return [tuple(row) for row in rows]

    def count(self) -> int:
        """How many events the store holds (0 before its table exists)."""
        if self.kind == "sqlite":
            return sqlite_event_count(Path(self.address))
        exists = self.execute("SELECT to_regclass(?)", (self.table,))[0][0]
        return int(self.execute("SELECT COUNT(*) FROM {events}")[0][0]) if exists else 0

    def rows(self, reference: str) -> list[tuple[int, str, bytes]]:
        """The exercise's stored events: (version, topic, state), in order."""
        rows = self.execute(
            "SELECT originator_version, topic, state FROM {events} WHERE originator_id = ? "
            "ORDER BY originator_version",
            (self._id(reference),),
        )
        return [(int(v), str(t), bytes(s)) for v, t, s in rows]

    def delete(self, reference: str, version: int) -> None:
        self.execute(
            "DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?",
            (self._id(reference), version),
        )

    def set_state(self, reference: str, version: int, state: bytes) -> None:
        self.execute(
            "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state, self._id(reference), version),
        )

    def set_topic(self, reference: str, version: int, topic: str) -> None:
        self.execute(
            "UPDATE {events} SET topic = ? WHERE originator_id = ? AND originator_version = ?",
            (topic, self._id(reference), version),
        )

    def append(self, reference: str, version: int, topic: str, state: bytes) -> None:
        self.execute(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            (self._id(reference), version, topic, state),
        )

    def edit_state(self, reference: str, version: int, **changes: Any) -> None:
        """Change fields inside a stored event's msgpack state, as a hand editing the
        store (or an older ctrack that checked less) could."""
        import msgpack

        [state] = [s for v, _, s in self.rows(reference) if v == version]
        decoded = msgpack.unpackb(state, raw=False, strict_map_key=False)
        assert isinstance(decoded, dict) and decoded.keys() >= changes.keys(), decoded
        decoded.update(changes)
        self.set_state(reference, version, msgpack.packb(decoded, use_bin_type=True))


def postgres_store(url: str) -> StoreUnderTest:
    from urllib.parse import parse_qs, urlsplit

    schema = parse_qs(urlsplit(url).query)["schema"][0]
    return StoreUnderTest("postgres", url, schema)
