"""The dashboard (``ctrack dashboard``): the real Textual app, driven headless by its Pilot,
on a real store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ctrack_helpers import open_args

from commission_tracker.application import StoreConfig, Tracker
from commission_tracker.application.clock import Clock
from commission_tracker.cli.main import main
from commission_tracker.tui.app import DashboardApp, ExerciseScreen
from commission_tracker.tui.portfolio import PortfolioView
from commission_tracker.tui.widgets import ChecksPane, HistoryTable, PortfolioSummary

TODAY = date(2026, 11, 20)
SIZE = (160, 44)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("dashboard") / "demo.sqlite"
    assert main(["--store", str(store), "--today", TODAY.isoformat(), "demo"]) == 0
    return store


def tracker(store: Path) -> Tracker:
    return Tracker(StoreConfig.sqlite(store), clock=Clock(TODAY), user="tester")


def drive(store: Path, script: Callable[[DashboardApp, Any], Awaitable[None]]) -> None:
    """Run the dashboard on ``store`` headless and play ``script(app, pilot)`` on it."""

    async def run() -> None:
        with tracker(store) as reading:
            app = DashboardApp(reading)
            async with app.run_test(headless=True, size=SIZE) as pilot:
                await pilot.pause()
                await script(app, pilot)

    asyncio.run(run())


def text_of(widget: Any) -> str:
    return str(widget.query_one("#checks-text").render())


def test_the_first_screen_lists_every_exercise_open_ones_soonest_due_first(demo: Path) -> None:
    with tracker(demo) as reading:
        listed = reading.summaries()
        flags = reading.flags()
        due_soon = reading.deadlines(within=30)

    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        assert app.focused is portfolio
        shown = portfolio.exercises
        assert sorted(e["reference"] for e in shown) == sorted(e["reference"] for e in listed)
        statuses = [e["status"] for e in shown]
        first_closed = next(i for i, s in enumerate(statuses) if s != "open")
        assert set(statuses[:first_closed]) == {"open"} and "open" not in statuses[first_closed:]
        dues = [e["next_due"] for e in shown[:first_closed] if e["next_due"]]
        assert dues == sorted(dues) and dues, "open exercises come soonest due first"
        # Each exercise's counts are those `ctrack flags` reports for it.
        for exercise in shown:
            mine = [f["status"] for f in flags if f["exercise"] == exercise["reference"]]
            assert exercise["breaches"] == mine.count("breach"), exercise["reference"]
            assert exercise["at_risk"] == mine.count("at-risk"), exercise["reference"]
            assert exercise["justified"] == mine.count("justified"), exercise["reference"]
        summary = str(app.query_one(PortfolioSummary).render())
        breaches = sum(1 for f in flags if f["status"] == "breach")
        at_risk = sum(1 for f in flags if f["status"] == "at-risk")
        assert f"{len(listed)} exercises" in summary
        assert f"{breaches} breaches" in summary and f"{at_risk} at risk" in summary
        assert f"{len(due_soon)} due within 30 days or overdue" in summary

    drive(demo, script)


def test_moving_the_cursor_shows_that_exercises_checks(demo: Path) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        checks = app.query_one(ChecksPane)
        first = portfolio.current_reference
        assert first is not None and first in text_of(checks)
        await pilot.press("down", "down")
        await pilot.pause()
        third = portfolio.exercises[2]["reference"]
        assert portfolio.current_reference == third
        shown = text_of(checks)
        assert third in shown and first not in shown
        with tracker(demo) as reading:
            compliance = reading.compliance(third)
        for check in compliance:
            assert check["rule"] in shown
        breaches = [c for c in compliance if c["status"] == "breach"]
        for check in breaches:
            assert check["message"].split(":")[0] in shown.replace("\n", " ")
        await pilot.press("up")
        await pilot.pause()
        assert portfolio.exercises[1]["reference"] in text_of(checks)

    drive(demo, script)


def test_keys_move_to_the_ends_and_by_pages(demo: Path) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        last = len(portfolio.exercises) - 1
        await pilot.press("G")
        assert portfolio.cursor == last
        await pilot.press("down")  # already at the end: stays
        assert portfolio.cursor == last
        await pilot.press("g")
        assert portfolio.cursor == 0
        await pilot.press("up")
        assert portfolio.cursor == 0
        await pilot.press("pagedown")
        assert 0 < portfolio.cursor <= last
        await pilot.press("j", "k", "end")
        assert portfolio.cursor == last
        # The cursor's line is drawn highlighted, the others not.
        await pilot.press("g", "down")
        await pilot.pause()

        def background(line: int) -> object:
            return list(portfolio.render_line(line))[1].style.bgcolor  # the first cell

        assert background(2) != background(1) and background(1) == background(3)

    drive(demo, script)


def test_enter_opens_the_history_and_escape_comes_back_to_the_same_exercise(
    demo: Path,
) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        await pilot.press("down", "down", "down")
        chosen = portfolio.current_reference
        assert chosen is not None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExerciseScreen)
        history = app.screen.query_one(HistoryTable)
        with tracker(demo) as reading:
            facts = reading.history(chosen)
        assert history.row_count == len(facts)
        assert [str(history.get_row_at(i)[0]) for i in range(history.row_count)] == [
            f"#{fact.sequence}" for fact in facts
        ]
        assert chosen in str(app.screen.title)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExerciseScreen)
        assert portfolio.current_reference == chosen
        assert app.focused is portfolio

    drive(demo, script)


def test_refresh_shows_facts_recorded_elsewhere_and_keeps_the_cursor(tmp_path: Path) -> None:
    store = tmp_path / "live.sqlite"
    today = ["--store", str(store), "--today", TODAY.isoformat()]
    assert main([*today, *open_args("CT-A", on="2026-06-01")]) == 0
    assert main([*today, *open_args("CT-B", on="2026-06-02")]) == 0

    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        assert [e["reference"] for e in portfolio.exercises] == ["CT-A", "CT-B"]
        await pilot.press("down")
        assert portfolio.current_reference == "CT-B"
        # Another officer records a consultation of four weeks on CT-B: a breach.
        assert main([*today, "consult", "CT-B", "--opens", "2026-07-01",
                     "--closes", "2026-07-29", "--on", "2026-07-01"]) == 0  # fmt: skip
        assert main([*today, *open_args("CT-C", on="2026-06-03")]) == 0
        await pilot.press("r")
        await pilot.pause()
        references = [e["reference"] for e in portfolio.exercises]
        assert sorted(references) == ["CT-A", "CT-B", "CT-C"]
        assert portfolio.current_reference == "CT-B"
        row = next(e for e in portfolio.exercises if e["reference"] == "CT-B")
        assert row["breaches"] >= 1
        assert "consultation-length" in text_of(app.query_one(ChecksPane))

    drive(store, script)


def test_an_empty_store_says_how_to_begin(tmp_path: Path) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        assert app.query_one(PortfolioView).exercises == []
        assert "ctrack open" in text_of(app.query_one(ChecksPane))
        await pilot.press("down", "enter")  # nothing to move to or open
        assert not isinstance(app.screen, ExerciseScreen)

    drive(tmp_path / "empty.sqlite", script)


def test_a_portfolio_of_thousands_opens_on_its_first_lines_and_scrolls_to_the_last(
    tmp_path: Path,
) -> None:
    # The screen shows the first rows; moving to the last scrolls it into view while the
    # heading stays.
    import json

    store, lines = tmp_path / "many.sqlite", tmp_path / "many.jsonl"
    opening = dict(zip(open_args()[2::2], open_args()[3::2], strict=True))
    facts = {key.removeprefix("--").replace("-", "_"): value for key, value in opening.items()}
    lines.write_text(
        "".join(
            json.dumps({"verb": "open", **facts, "reference": f"BULK-{n:05d}"}) + "\n"
            for n in range(3000)
        )
    )
    assert main(["--store", str(store), "--today", TODAY.isoformat(), "import", str(lines)]) == 0

    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        assert portfolio.virtual_size.height == 3000 + 1  # and the heading
        assert portfolio.current_reference == "BULK-00000"
        assert "BULK-00000" in portfolio.render_line(1).text
        await pilot.press("end")
        await pilot.pause()
        assert portfolio.current_reference == "BULK-02999"
        assert "BULK-02999" in text_of(app.query_one(ChecksPane))
        height = portfolio.scrollable_content_region.height
        visible = "".join(portfolio.render_line(y).text for y in range(height))
        assert "BULK-02999" in visible and "BULK-00000" not in visible
        assert "Reference" in portfolio.render_line(0).text

    drive(store, script)


def test_ctrack_dashboard_refuses_to_run_without_a_terminal(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--store", str(demo), "dashboard"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == (
        "ctrack: The dashboard needs a terminal; use the reading verbs in scripts."
    )


def test_question_mark_lists_the_keys_of_the_widget_in_use(demo: Path) -> None:
    from textual.widgets import HelpPanel

    async def script(app: DashboardApp, pilot: Any) -> None:
        assert not app.screen.query(HelpPanel)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        shown = " ".join(b.description for _, b, _, _ in app.active_bindings.values())
        for action in ("Open", "Quit", "Refresh", "Down", "Last"):
            assert action in shown, action

    drive(demo, script)


def test_text_with_brackets_is_shown_as_typed(tmp_path: Path) -> None:
    # Officers type brackets ("Age UK [Leeds]"); the dashboard shows them, never reads them
    # as styling (a stray "[/]" once ended the app).
    store = tmp_path / "brackets.sqlite"
    today = ["--store", str(store), "--today", TODAY.isoformat()]
    commissioner = "Leeds [/] City Council [b]"
    assert main([*today, *open_args("BR-1", commissioner=commissioner)]) == 0
    assert main([*today, "involve", "BR-1", "--org", "Age UK [Leeds] [/]", "--sector", "vcs",
                 "--activity", "co-design", "--on", "2026-02-02"]) == 0  # fmt: skip
    assert main([*today, "correct", "BR-1", "2", "--reason", "wrong [i]organisation[/i]"]) == 0

    async def script(app: DashboardApp, pilot: Any) -> None:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExerciseScreen)
        assert commissioner in str(screen.query_one("#facts").render())
        history = screen.query_one(HistoryTable)
        details = [str(history.get_row_at(i)[5]) for i in range(history.row_count)]
        assert any("Age UK [Leeds] [/]" in line for line in details)
        assert any("wrong [i]organisation[/i]" in line for line in details)
        assert "~~" not in details[1]  # the withdrawn fact's number is struck, not its text
        assert "strike" in str(history.get_row_at(1)[0].style)

    drive(store, script)


def test_a_click_picks_the_line_clicked_and_a_double_click_opens_it(demo: Path) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        # Inside the border (y=0): the heading is at y=1, the first exercise at y=2.
        await pilot.click(PortfolioView, offset=(4, 4))
        assert portfolio.cursor == 2
        await pilot.click(PortfolioView, offset=(4, 1))  # the heading: nothing moves
        assert portfolio.cursor == 2
        await pilot.click(PortfolioView, offset=(4, 0))  # the border: nothing moves
        assert portfolio.cursor == 2
        await pilot.click(PortfolioView, offset=(4, 2))
        assert portfolio.cursor == 0
        await pilot.click(PortfolioView, offset=(4, 3), times=2)
        await pilot.pause()
        assert isinstance(app.screen, ExerciseScreen)
        assert app.screen.reference == portfolio.exercises[1]["reference"]

    drive(demo, script)


def test_the_cursor_stays_on_screen_when_the_terminal_shrinks(demo: Path) -> None:
    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        for _ in range(20):
            await pilot.press("down")
        assert portfolio.cursor == 20
        await pilot.resize_terminal(160, 12)
        await pilot.pause()
        top = int(portfolio.scroll_y)
        rows = portfolio.scrollable_content_region.height - 1  # less the heading
        assert top <= portfolio.cursor < top + rows
        line = portfolio.cursor - top + 1
        assert portfolio.exercises[20]["reference"] in portfolio.render_line(line).text

    drive(demo, script)


def test_slash_filters_the_portfolio_and_escape_brings_every_exercise_back(demo: Path) -> None:
    from commission_tracker.tui.app import FilterInput

    async def script(app: DashboardApp, pilot: Any) -> None:
        portfolio = app.query_one(PortfolioView)
        every = [e["reference"] for e in portfolio.exercises]
        await pilot.press("slash", *"bexley")
        await pilot.pause()
        kept = [e["reference"] for e in portfolio.exercises]
        fields = ("reference", "title", "commissioner", "phase", "status")
        holding = [  # in any of the fields, in any case, in the portfolio's order
            e["reference"]
            for e in app.exercises
            if "bexley" in " ".join(str(e[k]) for k in fields).casefold()
        ]
        assert kept == holding and 0 < len(kept) < len(every)
        assert str(portfolio.border_title).startswith(f"{len(kept)} of {len(every)} exercises")
        assert portfolio.current_reference in text_of(app.query_one(ChecksPane))
        await pilot.press("enter")  # keeps the filter, back to the list
        assert app.focused is portfolio and len(portfolio.exercises) == len(kept)
        await pilot.press("r")  # a refresh keeps it too
        await pilot.pause()
        assert len(portfolio.exercises) == len(kept)
        await pilot.press("slash", *"zzz-nothing")
        await pilot.pause()
        assert portfolio.exercises == []
        assert "Escape clears the filter" in text_of(app.query_one(ChecksPane))
        await pilot.press("escape")
        await pilot.pause()
        assert [e["reference"] for e in portfolio.exercises] == every
        assert not app.query_one(FilterInput).display and app.focused is portfolio
        assert not portfolio.border_title

    drive(demo, script)
