"""Bounds on every value a fact may carry, checked when the fact is recorded.

Every value a rule or a view computes with is bounded, so nothing stored can make date
arithmetic overflow, a number outgrow a SQL column, or a text be refused by the store after
the fact is committed. The README ("What can be recorded") lists them. Plain Python (no
pydantic), so the command line can check dates before loading the domain.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from commission_tracker.aggregates.errors import InvalidFact

MIN_DATE = date(1990, 1, 1)
"""The earliest business date a fact may carry (before the first local Compacts)."""
MAX_DATE = date(2099, 12, 31)
"""The latest business date a fact may carry (rules add years to dates: far below 9999)."""
MAX_MONEY = Decimal(1_000_000_000_000)
"""The largest amount of money, in pounds (a trillion: above any public budget)."""
MAX_COUNT = 1_000_000
"""The largest count (questions, reports a year, years of accounts...)."""
MAX_TEXT = 10_000
"""The longest text, in characters (a name, a reason, a summary)."""


def printable(value: object) -> str:
    """``value`` as text safe to show in a sentence: control characters and lone
    surrogates escaped, and a long text cut short."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


def check_date(value: date, what: str = "date") -> date:
    """``value`` if it lies within :data:`MIN_DATE` to :data:`MAX_DATE`."""
    if not MIN_DATE <= value <= MAX_DATE:
        label = f"{what}: " if what and what != "date" else ""
        raise InvalidFact(
            f"{label}{value.isoformat()} is outside the dates ctrack records "
            f"({MIN_DATE.isoformat()} to {MAX_DATE.isoformat()})."
        )
    return value


def check_text(value: str, what: str = "text") -> str:
    """``value`` if the store can keep it: no NUL or other control character but tab and
    line breaks, no lone surrogate, at most :data:`MAX_TEXT` characters."""
    if len(value) > MAX_TEXT:
        raise InvalidFact(
            f"{what}: the text is {len(value):,} characters long; at most {MAX_TEXT:,} are kept."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidFact(
            f"{what}: '{printable(value)}' holds a character that is not valid Unicode "
            "(a lone surrogate)."
        ) from None
    if not value.isprintable():
        for character in value:
            if (
                character not in "\t\n\r"
                and not character.isprintable()
                and (ord(character) < 32 or ord(character) == 127)
            ):
                raise InvalidFact(
                    f"{what}: '{printable(value)}' holds a control character "
                    f"({repr(character)[1:-1]}); remove it."
                )
    return value


def check_count(value: int, what: str = "number") -> int:
    if not -MAX_COUNT <= value <= MAX_COUNT:
        raise InvalidFact(f"{what}: {value} is out of range; at most {MAX_COUNT:,}.")
    return value


def check_value(value: Any, what: str) -> None:
    """Check one field's value (or each item of a tuple or list) against the bounds.
    Amounts of money are bounded by their own type (``values.Money``), on every field
    that holds one."""
    if isinstance(value, str):
        check_text(value, what)
    elif isinstance(value, datetime):
        check_date(value.date(), what)
    elif isinstance(value, date):
        check_date(value, what)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        check_count(value, what)
    elif isinstance(value, tuple | list):
        for item in value:
            check_value(item, what)
