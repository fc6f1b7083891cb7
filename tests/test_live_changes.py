"""Live changes (issue 14): a fact another officer records, in another process, reaches the
watcher and every open dashboard by itself, on SQLite and on PostgreSQL.

Nothing here times anything (how soon a change shows is measured by the benchmarks): a
test waits, generously, for the change to arrive.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ctrack_helpers import open_args

from commission_tracker.application import StoreConfig, Tracker
from commission_tracker.application.clock import Clock
from commission_tracker.application.watching import StoreWatcher

TODAY = date(2026, 11, 20)
PATIENCE = 60.0
"""Seconds a test waits for a change before it fails (a hang, not a speed check)."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store of each kind: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "live.sqlite")
    else:
        yield request.getfixturevalue("postgres_url")


def another_officer(store: str, *args: str) -> None:
    """``ctrack`` run by someone else: a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "commission_tracker", "--store", store,
         "--today", TODAY.isoformat(), *args],
        env={**os.environ, "CTRACK_USER": "another-officer"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_watcher_wakes_when_another_process_records(store: str) -> None:
    another_officer(store, *open_args("LIVE-1"))
    with StoreWatcher(StoreConfig.from_option(store)) as watcher:
        assert watcher.wait(1.0) is None  # the first wait reads where the log is
        start = watcher.position
        assert start is not None and start >= 1
        assert watcher.wait(0.2) is None  # nothing new
        another_officer(store, *open_args("LIVE-2"))
        moved = watcher.wait(PATIENCE)
        assert moved is not None and moved > start
        assert watcher.wait(0.2) is None


def test_an_open_dashboard_shows_another_officers_fact_by_itself(store: str) -> None:
    """Nobody presses a key: the dashboard refreshes, the cursor stays on its exercise and
    the filter still holds."""
    from commission_tracker.tui.app import DashboardApp, FilterInput
    from commission_tracker.tui.portfolio import PortfolioView

    another_officer(store, *open_args("CT-A", on="2026-06-01"))
    another_officer(store, *open_args("CT-B", on="2026-06-02"))

    async def run() -> None:
        config = StoreConfig.from_option(store)
        with Tracker(config, clock=Clock(TODAY), user="tester") as reading:
            app = DashboardApp(reading)
            async with app.run_test(headless=True, size=(160, 44)) as pilot:
                portfolio = app.query_one(PortfolioView)
                await pilot.press("down")
                assert portfolio.current_reference == "CT-B"
                await pilot.press("slash", "C", "T", "-", "enter")
                await pilot.pause(1.0)  # the watcher has read where the log is
                another_officer(store, *open_args("OTHER-1", on="2026-06-03"))
                another_officer(store, *open_args("CT-C", on="2026-06-04"))
                another_officer(store, "consult", "CT-B", "--opens", "2026-07-01",
                                "--closes", "2026-07-29", "--on", "2026-07-01")  # fmt: skip
                for _ in range(int(PATIENCE * 10)):
                    row = next(e for e in app.exercises if e["reference"] == "CT-B")
                    if len(app.exercises) == 4 and row["breaches"] >= 1:
                        break
                    await pilot.pause(0.1)
                shown = sorted(e["reference"] for e in portfolio.exercises)
                assert sorted(e["reference"] for e in app.exercises) == [
                    "CT-A", "CT-B", "CT-C", "OTHER-1"
                ]  # fmt: skip
                assert shown == ["CT-A", "CT-B", "CT-C"], "the filter no longer holds"
                assert app.query_one(FilterInput).value == "CT-"
                assert portfolio.current_reference == "CT-B"
                row: Any = next(e for e in app.exercises if e["reference"] == "CT-B")
                assert row["breaches"] >= 1

    asyncio.run(run())
