"""The portfolio: every exercise on one line, drawn a screen at a time.

Built on Textual's line API (as Toolong draws huge logs): only the lines on screen are
rendered, so 10,000 exercises open as fast as 100. A ``DataTable`` measures every cell of
every row before it first draws: 2.7 s for 10,000 exercises on the benchmark machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    right: bool = False
    most: int = 60
    """The widest the column grows (longer values are cut with an ellipsis)."""


COLUMNS = (
    Column("reference", "Reference"),
    Column("phase", "Phase"),
    Column("status", "Status"),
    Column("breaches", "Breaches", right=True),
    Column("at_risk", "At risk", right=True),
    Column("justified", "Justified", right=True),
    Column("next_due", "Next due"),
    Column("cycle", "Cycle", right=True),
    Column("title", "Title", most=60),
)
"""What matters most comes first: the title is last, where a narrow terminal cuts it."""

COUNT_STYLES = {"breaches": "bold red", "justified": "yellow", "at_risk": "dark_orange"}
"""Non-zero counts stand out in these colours; zeros are dimmed."""


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _fit(text: str, width: int, right: bool) -> str:
    """``text`` in exactly ``width`` terminal cells (wide characters count twice), cut
    with an ellipsis when longer."""
    cells = cell_len(text)
    if cells > width:
        return set_cell_size(text, width - 1) + "…"
    padding = " " * (width - cells)
    return padding + text if right else text + padding


class PortfolioView(ScrollView, can_focus=True):
    """Every exercise with its phase, status, flag counts and next due day.

    The cursor picks an exercise (its checks show beside the list); Enter opens it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="up", tooltip="The exercise above"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="down", tooltip="The exercise below"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page-up", tooltip="A screen up"),
        Binding(
            "pagedown", "page(1)", "Page down", show=False, id="page-down", tooltip="A screen down"
        ),
        Binding("home,g", "first", "First", show=False, id="first", tooltip="The first exercise"),
        Binding("end,G", "last", "Last", show=False, id="last", tooltip="The last exercise"),
        Binding("enter", "choose", "Open", id="open", tooltip="Open the exercise's history"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "portfolio--header",
        "portfolio--cursor",
        "portfolio--dim",
    }

    DEFAULT_CSS = """
    PortfolioView > .portfolio--header { text-style: bold; background: $panel; }
    PortfolioView > .portfolio--cursor { background: $block-cursor-background;
                                         color: $block-cursor-foreground; }
    PortfolioView:blur > .portfolio--cursor { background: $block-cursor-blurred-background; }
    PortfolioView > .portfolio--dim { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=False, init=False)

    class Highlighted(Message):
        """The cursor is on another exercise."""

        def __init__(self, reference: str) -> None:
            super().__init__()
            self.reference = reference

    class Chosen(Message):
        """Enter was pressed on an exercise."""

        def __init__(self, reference: str) -> None:
            super().__init__()
            self.reference = reference

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exercises: list[dict[str, Any]] = []
        self._cells: list[list[str]] = []
        self._widths: list[int] = [len(c.heading) for c in COLUMNS]

    # -- data ---------------------------------------------------------------------------

    def show(self, exercises: Sequence[dict[str, Any]]) -> None:
        """Replace the list, keeping the cursor on the same exercise where it still is."""
        current = self.current_reference
        self.exercises = list(exercises)
        self._cells = [[_cell(e.get(c.key)) for c in COLUMNS] for e in self.exercises]
        self._widths = [
            min(c.most, max([len(c.heading), *(cell_len(row[i]) for row in self._cells)]))
            for i, c in enumerate(COLUMNS)
        ]
        width = sum(self._widths) + 2 * len(COLUMNS)
        self.virtual_size = Size(width, len(self.exercises) + 1)
        index = next((i for i, e in enumerate(self.exercises) if e["reference"] == current), 0)
        self.set_reactive(PortfolioView.cursor, min(index, max(len(self.exercises) - 1, 0)))
        self._keep_cursor_visible()
        self.refresh()
        if self.exercises:
            self.post_message(self.Highlighted(self.exercises[self.cursor]["reference"]))

    @property
    def current_reference(self) -> str | None:
        if not self.exercises:
            return None
        return str(self.exercises[self.cursor]["reference"])

    # -- keys ---------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.scrollable_content_region.height - 2, 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self.exercises) - 1)

    def action_choose(self) -> None:
        if self.exercises:
            self.post_message(self.Chosen(self.exercises[self.cursor]["reference"]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)  # inside the border; None on it
        if offset is None or offset.y < 1:  # line 0 is the heading
            return
        row = offset.y - 1 + int(self.scroll_y)
        if row < len(self.exercises):
            self._move_to(row)
            if event.chain == 2:
                self.action_choose()

    def on_resize(self, event: events.Resize) -> None:
        self._keep_cursor_visible()

    def _move_to(self, index: int) -> None:
        if self.exercises:
            self.cursor = max(0, min(index, len(self.exercises) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        if self._keep_cursor_visible():
            self.refresh()
        else:  # only the two lines the cursor left and reached (row i is line i + 1)
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        self.post_message(self.Highlighted(self.exercises[new]["reference"]))

    def _keep_cursor_visible(self) -> bool:
        """Scroll so the cursor's line is on screen; whether it had to scroll."""
        height = max(self.scrollable_content_region.height - 1, 1)  # less the header
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        else:
            return False
        return True

    # -- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            cells = [c.heading for c in COLUMNS]
            style = base + self.get_component_rich_style("portfolio--header")
            strip = self._strip(cells, style, None)
        else:
            index = scroll_y + y - 1
            if index >= len(self.exercises):
                return Strip.blank(width, base)
            style = base
            if index == self.cursor:
                style = base + self.get_component_rich_style("portfolio--cursor")
            strip = self._strip(self._cells[index], style, base if index != self.cursor else None)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _strip(self, cells: Sequence[str], style: Style, plain: Style | None) -> Strip:
        """One line: each cell fitted to its column, counts coloured unless the line is
        the cursor's (``plain`` is None there: one colour reads best on the highlight)."""
        dim = self.get_component_rich_style("portfolio--dim")
        segments = [Segment(" ", style)]
        for column, width, text in zip(COLUMNS, self._widths, cells, strict=True):
            cell_style = style
            if plain is not None and column.key in COUNT_STYLES:
                cell_style = style + (
                    Style.parse(COUNT_STYLES[column.key]) if text not in ("0", "") else dim
                )
            segments.append(Segment(_fit(text, width, column.right), cell_style))
            segments.append(Segment("  ", style))
        return Strip(segments)
