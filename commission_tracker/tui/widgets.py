"""The dashboard's widgets, one per area of the screen: an exercise's checks, its history,
and the summary line (the portfolio has a module of its own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from commission_tracker.aggregates.vocabulary import Phase

STATUS_STYLES = {
    "breach": "bold red",
    "justified": "yellow",
    "at-risk": "dark_orange",
    "compliant": "green",
    "not-applicable": "dim",
}
"""How each check status is shown (Rich styles), so a breach stands out at a glance."""


def _status(status: str | None) -> Text:
    label = status or "pending"
    return Text(label, style=STATUS_STYLES.get(label, ""))


class KeyboardTable(DataTable[Any]):
    """A row-cursor table with the keys people expect of a terminal list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="down", tooltip="The line below"),
        Binding("k", "cursor_up", "Up", show=False, id="up", tooltip="The line above"),
        Binding("g", "scroll_top", "First", show=False, id="first", tooltip="The first line"),
        Binding("G", "scroll_bottom", "Last", show=False, id="last", tooltip="The last line"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)


class ChecksPane(VerticalScroll):
    """Every Compact check on one exercise, breaches first: status, rule, subject, due day,
    the commissioner's sentence and the clause it comes from. One piece of text, so the
    sentences wrap to the pane's width, redrawn whole when the cursor moves to another
    exercise."""

    ORDER: ClassVar[dict[str | None, int]] = {
        "breach": 0,
        "at-risk": 1,
        "justified": 2,
        "compliant": 3,
        "not-applicable": 4,
    }

    def compose(self) -> ComposeResult:
        yield Static(id="checks-text")

    def show(self, title: str, checks: Sequence[dict[str, Any]]) -> None:
        ranked = sorted(checks, key=lambda c: self.ORDER.get(c["status"], 5))
        flagged = sum(1 for c in checks if c["status"] in {"breach", "at-risk"})
        text = Text.assemble(
            (title, "bold"),
            "\n",
            (f"{len(checks)} checks, {flagged} breached or at risk", "dim"),
            "\n",
        )
        for check in ranked:
            due = f"  due {check['due']}" if check.get("due") else ""
            text.append("\n")
            text.append_text(_status(check["status"]))
            text.append(f"  {check['rule']}", style="bold")
            text.append(f"  {check['subject']}{due}\n")
            text.append(f"  {check['message']}\n")
            text.append(f"  {check['source']}\n", style="dim italic")
        self.query_one("#checks-text", Static).update(text)
        self.scroll_home(animate=False)


class HistoryTable(KeyboardTable):
    """Every fact recorded on an exercise, in order, with both clocks."""

    def on_mount(self) -> None:
        for label in ("#", "On", "Recorded at", "By", "Fact", "Details"):
            self.add_column(label)

    def show(self, facts: Sequence[Any], withdrawn: set[int]) -> None:
        from commission_tracker.cli.output import describe

        self.clear()
        self.add_rows(
            (
                Text(f"#{fact.sequence}", style="strike dim" if fact.sequence in withdrawn else ""),
                fact.on.isoformat(),
                fact.timestamp.strftime("%Y-%m-%d %H:%M"),
                Text(fact.recorded_by),  # Text, not markup: typed text may hold brackets
                type(fact).__name__,
                Text(describe(fact)),
            )
            for fact in facts
        )


class PortfolioSummary(Static):
    """One line: exercises by phase, open breaches and at-risk checks, and the pending checks
    due within 30 days or already overdue (as ``ctrack deadlines``)."""

    def show(self, exercises: Sequence[dict[str, Any]], due_soon: int) -> None:
        open_ones = [e for e in exercises if e["status"] == "open"]
        phases = "  ".join(
            f"{phase.value} {sum(1 for e in open_ones if e['phase'] == phase.value)}"
            for phase in Phase
        )
        breaches = sum(e["breaches"] for e in exercises)
        at_risk = sum(e["at_risk"] for e in exercises)
        line = Text.assemble(
            (f"{len(exercises):,} exercises, {len(open_ones):,} open: ", "bold"),
            phases,
            "   ",
            (f"{breaches:,} breaches", "bold red" if breaches else "dim"),
            "   ",
            (f"{at_risk:,} at risk", "dark_orange" if at_risk else "dim"),
            "   ",
            (f"{due_soon:,} due within 30 days or overdue", "bold" if due_soon else "dim"),
        )
        self.update(line)
