"""Two processes writing the views at once never leave them older than the log.

Each test drives two trackers on one SQLite file (two connections, as two processes have)
and makes the second one act at the worst moment of the first one's work: between two
batches of a rebuild, or between loading an exercise and writing its rows.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from commission_tracker.aggregates.identity import exercise_id
from commission_tracker.application import Clock, StoreConfig, Tracker
from commission_tracker.projections.runner import BATCH_THRESHOLD
from commission_tracker.projections.views import VIEW_TABLES

TODAY = date(2026, 3, 2)
OPENED = date(2025, 1, 6)


def tracker(path: Path, *, project: bool = True) -> Tracker:
    return Tracker(StoreConfig.sqlite(path), clock=Clock(TODAY), user="tester", project=project)


def views(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in VIEW_TABLES
        }


def rebuilt(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The views a full rebuild from the log gives (what they must equal)."""
    with tracker(path) as fresh:
        fresh.replay(restart=True)
    return views(path)


def organisations(path: Path, reference: str) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT organisation FROM ct_involvement WHERE reference = ?", (reference,)
        ).fetchall()
    return {row[0] for row in rows}


def fill(path: Path, exercises: int, facts: int, *, project: bool = True) -> list[str]:
    references = [f"RACE-{number:02d}" for number in range(exercises)]
    with tracker(path, project=project) as writer:
        for reference in references:
            writer.open_exercise(
                reference=reference,
                title="Advice service",
                commissioner="Leicestershire County Council",
                value="120000",
                mechanism="grant",
                regime="grant",
                profile="leicestershire",
                on=OPENED,
            )
            for fact in range(facts):
                involve(writer, reference, f"Advice group {fact}", OPENED + timedelta(days=fact))
    return references


def involve(writer: Tracker, reference: str, organisation: str, on: date) -> None:
    writer.record(
        reference, "involve", organisation=organisation, sector="vcs", activity="co-design", on=on
    )


def record_without_catching_up(path: Path, facts: list[tuple[str, str, date]]) -> None:
    """Involvements recorded by a tracker that leaves the views behind (a backlog)."""
    with tracker(path, project=False) as quiet:
        for reference, organisation, on in facts:
            involve(quiet, reference, organisation, on)


def test_a_rebuild_overtaken_by_another_stops_and_keeps_the_later_fact(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    references = fill(path, exercises=12, facts=3)
    last = max(references, key=lambda r: str(exercise_id(r)))
    seen: list[int] = []

    with tracker(path) as first, tracker(path) as second:

        def meanwhile(done: int, upto: int) -> None:
            # After the first batch of the first rebuild, another officer rebuilds the
            # views from scratch and then records a fact on an exercise not yet rebuilt.
            seen.append(done)
            if len(seen) == 1:
                second.replay(restart=True)
                involve(second, last, "Late Arrivals Trust", TODAY)

        first.replay(restart=True, batch_size=1, progress=meanwhile)

    assert len(seen) >= 1
    assert "Late Arrivals Trust" in organisations(path, last)
    assert views(path) == rebuilt(path)


def test_a_catch_up_overtaken_by_another_writes_nothing_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    references = fill(path, exercises=3, facts=1)
    # A backlog large enough for the batched catch-up.
    record_without_catching_up(
        path,
        [
            (references[number % 3], f"Backlog group {number}", OPENED)
            for number in range(BATCH_THRESHOLD + 5)
        ],
    )
    target = references[0]

    with tracker(path) as first, tracker(path) as second:
        load = first.app.get_exercise
        calls: list[Any] = []

        def load_then_someone_records(ident: Any, version: Any = None) -> Any:
            loaded = load(ident, version)
            if not calls:
                calls.append(ident)
                # Between this load and the write of its rows, another officer records a
                # fact on every exercise and brings the views up to date.
                for reference in references:
                    involve(second, reference, "Late Arrivals Trust", TODAY)
            return loaded

        monkeypatch.setattr(first.app, "get_exercise", load_then_someone_records)
        first.refresh()

    assert calls
    assert "Late Arrivals Trust" in organisations(path, target)
    assert views(path) == rebuilt(path)


class Killed(Exception):
    """Stands for a process killed part way (its transaction never commits)."""


def test_a_catch_up_stops_when_another_starts_a_rebuild_and_the_rebuild_still_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    references = fill(path, exercises=12, facts=2)
    # A small backlog: the next reader takes its facts one at a time.
    record_without_catching_up(
        path, [(references[number], "One-at-a-time Trust", TODAY) for number in range(5)]
    )

    with tracker(path) as first, tracker(path) as second:
        projection = first.projector.projection
        advance = projection._advance
        started: list[bool] = []

        def rebuild_starts_meanwhile(domain_event: Any) -> Any:
            if not started:
                started.append(True)

                # Another officer starts a full rebuild and is stopped part way through.
                def killed(done: int, upto: int) -> None:
                    raise Killed

                with pytest.raises(Killed):
                    second.replay(restart=True, batch_size=1, progress=killed)
            return advance(domain_event)

        monkeypatch.setattr(projection, "_advance", rebuild_starts_meanwhile)
        first.refresh()

    assert started
    with tracker(path) as reader:  # the next reader finishes the rebuild and catches up
        listed = reader.summaries()
    assert len(listed) == len(references)
    assert "One-at-a-time Trust" in organisations(path, references[4])
    assert views(path) == rebuilt(path)
