"""``ctrack dashboard``: the portfolio at a glance, every exercise's checks a key away.

The app reads through the application layer's :class:`Tracker`, as the command line does;
it never touches the store or the views itself. The first screen shows the portfolio (every
exercise with its breaches, at-risk checks and next due day) and the checks of the exercise
under the cursor; Enter opens an exercise's history; Escape goes back.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from commission_tracker.application.service import Tracker
from commission_tracker.tui.portfolio import PortfolioView
from commission_tracker.tui.widgets import ChecksPane, HistoryTable, PortfolioSummary

SOON_DAYS = 30
"""The summary line counts checks falling due within this many days (as ``deadlines``)."""


def _searchable(exercise: dict[str, Any]) -> str:
    """What the filter looks in, folded for case."""
    return " ".join(
        str(exercise.get(key) or "")
        for key in ("reference", "title", "commissioner", "phase", "status")
    ).casefold()


class FilterInput(Input):
    """The portfolio's filter line: hidden until ``/``; Escape empties and hides it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "clear", "Clear filter", id="clear-filter", tooltip="Show every exercise"
        ),
    ]

    class Cleared(Message):
        """The filter was emptied and put away."""

    def on_mount(self) -> None:
        self.display = False

    def action_clear(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.Cleared())


class ExerciseScreen(Screen[None]):
    """One exercise: its headline facts and every fact recorded on it, in order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="back", tooltip="Back to the portfolio"),
    ]

    def __init__(self, tracker: Tracker, reference: str) -> None:
        super().__init__()
        self.tracker = tracker
        self.reference = reference

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="facts")
        yield HistoryTable(id="history")
        yield Footer()

    def on_mount(self) -> None:
        exercise = self.tracker.exercise(self.reference)
        summary = exercise.summary()
        self.title = f"{exercise.reference}  {exercise.title}"
        self.sub_title = f"{summary['phase']} phase, cycle {summary['cycle']}, {summary['status']}"
        vcs = sorted({i.organisation for i in exercise.involvements if i.sector == "vcs"})
        # Text, not markup: what officers typed may hold brackets ("Age UK [Leeds]").
        self.query_one("#facts", Static).update(
            Text(
                f"{summary['commissioner']}  ·  £{summary['value']}  ·  {summary['mechanism']} "
                f"({summary['regime']})  ·  profile {summary['profile']}  ·  opened "
                f"{summary['opened_on']}  ·  {summary['events']} facts"
                + (f"\nVCS involved: {', '.join(vcs)}" if vcs else "")
            )
        )
        history = self.query_one(HistoryTable)
        history.show(exercise.log, set(exercise.withdrawn))  # every fact, corrections too
        history.focus()


class DashboardApp(App[None]):
    """The commissioning dashboard over one store."""

    TITLE = "commission-tracker"
    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave the dashboard"),
        Binding("question_mark", "show_help_panel", "Keys", id="keys", tooltip="Every key"),
        Binding(
            "r", "refresh", "Refresh", id="refresh", tooltip="Read the store again for new facts"
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="filter",
            tooltip="Show only the exercises whose reference, title, commissioner, phase or "
            "status holds what you type",
        ),
        Binding(
            "escape",
            "focus_portfolio",
            "Portfolio",
            show=False,
            id="portfolio",
            tooltip="Back to the portfolio",
        ),
    ]

    class StoreChanged(Message):
        """Someone (any officer, any process) recorded facts in the store."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, tracker: Tracker, *, live: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tracker = tracker
        self.live = live
        """Refresh by itself when the store changes (``application.watching``)."""
        self._stop_watching = threading.Event()
        self.exercises: list[dict[str, Any]] = []
        """The whole portfolio as last read; the portfolio pane shows those the filter keeps."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield PortfolioSummary(id="summary")
        with Horizontal(id="panes"):
            yield PortfolioView(id="portfolio")
            yield ChecksPane(id="checks")
        yield FilterInput(
            placeholder="Filter: reference, title, commissioner, phase or status "
            "(Enter keeps it, Escape clears it)",
            id="filter",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.tracker.store.location}  ·  as of {self.tracker.clock.today()}"
        # The portfolio is read before the first screen is drawn: a dashboard that opens
        # empty and fills a moment later makes people press keys on nothing.
        self.action_refresh()
        self.query_one(PortfolioView).focus()
        if self.live:
            self._watch_store()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def _watch_store(self) -> None:
        """In a thread: wait for the store's log to grow and say so (drawn on the main
        thread, by ``on_dashboard_app_store_changed``)."""
        from commission_tracker.application.watching import StoreWatcher

        StoreWatcher(self.tracker.store).watch(
            lambda position: self.post_message(self.StoreChanged(position)),
            self._stop_watching,
        )

    def on_unmount(self) -> None:
        self._stop_watching.set()

    def on_dashboard_app_store_changed(self, event: StoreChanged) -> None:
        # The same as pressing r: the cursor stays on its exercise and the filter holds.
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the portfolio again (the views catch up with facts recorded elsewhere)."""
        self.exercises = self.tracker.portfolio()
        if self.tracker.views_behind:
            self.sub_title = (
                f"{self.tracker.store.location}  ·  as of {self.tracker.clock.today()}  ·  "
                f"read only: the views lack the last {self.tracker.views_behind:,} facts"
            )
        due_soon = len(self.tracker.deadlines(within=SOON_DAYS))
        self.query_one(PortfolioSummary).show(self.exercises, due_soon)
        self._show_portfolio()

    def _show_portfolio(self) -> None:
        """The portfolio pane, with the exercises the filter keeps."""
        needle = self.query_one(FilterInput).value.strip().casefold()
        shown = [e for e in self.exercises if not needle or needle in _searchable(e)]
        portfolio = self.query_one(PortfolioView)
        portfolio.border_title = (
            f"{len(shown):,} of {len(self.exercises):,} exercises hold '{needle}'"
            if needle
            else None
        )
        portfolio.show(shown)  # posts Highlighted for the exercise under the cursor
        if not shown:
            self._show_checks(None, filtered=bool(needle))

    def action_focus_portfolio(self) -> None:
        self.query_one(PortfolioView).focus()

    def action_filter(self) -> None:
        field = self.query_one(FilterInput)
        field.display = True
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            self._show_portfolio()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):
            if not event.value.strip():
                event.input.display = False
            self.query_one(PortfolioView).focus()

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        self._show_portfolio()
        self.query_one(PortfolioView).focus()

    def on_portfolio_view_highlighted(self, event: PortfolioView.Highlighted) -> None:
        self._show_checks(event.reference)

    def on_portfolio_view_chosen(self, event: PortfolioView.Chosen) -> None:
        self.push_screen(ExerciseScreen(self.tracker, event.reference))

    def _show_checks(self, reference: str | None, *, filtered: bool = False) -> None:
        pane = self.query_one(ChecksPane)
        if reference is None:
            if filtered:
                pane.show("No exercise holds that text: Escape clears the filter.", [])
            else:
                pane.show("No exercises yet: record one with `ctrack open`.", [])
            return
        found = self.tracker.compliance(reference)
        pane.show(f"{reference}  {found[0]['title'] if found else ''}", found)
