"""Date reckoning the Compact's periods need: calendar months and working days.

Months are added with pendulum, which clamps to the end of a shorter month: notice given on
30 November 2026 allows funding to end on 28 February 2027. Working days follow the bank
holidays of England (the ``holidays`` package's UK calendar, subdivision England), never a
hand-made list.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (negative to go back), clamped to month end."""
    import pendulum  # imported on first use: most commands add no months

    moved = pendulum.Date(day.year, day.month, day.day).add(months=months)
    return date(moved.year, moved.month, moved.day)


def last_day_for_months(end: date, months: int) -> date:
    """The last day from which ``months`` calendar months still reach no later than ``end``.

    The last day to give 3 months' notice of funding ending on 28 February 2027 is
    30 November 2026, not 28 November: 30 November plus 3 months clamps to 28 February.
    """
    day = add_months(end, -months)
    # Going back clamps too, so a day or two after it may still be in time.
    while add_months(day + ONE_DAY, months) <= end:
        day += ONE_DAY
    return day


def months_and_days(start: date, end: date) -> tuple[int, int]:
    """The period from ``start`` to ``end`` as whole calendar months and the days left over.

    Consistent with :func:`add_months`: ``start`` plus the months is on or before ``end``.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days


def describe_period(months: int, days: int) -> str:
    """``2 months 28 days``, ``3 months``, ``12 days``."""
    parts = []
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    if days or not months:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " ".join(parts)


CACHED_YEARS = range(1990, 2061)
"""Years whose bank holidays are kept in the on-disk cache; others are asked for directly."""


@lru_cache(maxsize=1)
def _england_bank_holidays() -> frozenset[date]:
    """England's bank holidays, as the ``holidays`` package gives them (UK, subdivision ENG).

    Importing ``holidays`` costs about 100 ms (it loads every country), too much for one
    recording command, so its answer for 1990-2060 is cached in the user's cache folder,
    keyed by the package's version. The cache holds the package's output, never a list of
    our own; delete the folder and it is rebuilt.
    """
    key = holidays_version()
    import platformdirs

    cache = Path(platformdirs.user_cache_dir("commission-tracker")) / f"holidays-gb-eng-{key}.json"
    try:
        return frozenset(date.fromisoformat(day) for day in json.loads(cache.read_text()))
    except (OSError, ValueError):
        pass
    days = frozenset(_holidays_from_package(CACHED_YEARS))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(sorted(day.isoformat() for day in days)))
        temporary.replace(cache)
    except OSError:
        pass  # a read-only home still works, only slower
    return days


def holidays_version() -> str:
    """The installed ``holidays`` package's version, read from the name of its
    ``holidays-<version>.dist-info`` folder beside it: ``importlib.metadata`` finds the same
    answer but costs 7 ms of a recording command's start-up to import and search."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    if spec is not None and spec.origin is not None:
        found = list(Path(spec.origin).parent.parent.glob("holidays-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("holidays-").removesuffix(".dist-info")
    from importlib.metadata import version  # another layout: ask the slow way

    try:
        return version("holidays")
    except Exception:  # pragma: no cover - the package is a dependency
        return "unknown"


def _holidays_from_package(years: range) -> list[date]:
    import holidays

    return list(holidays.country_holidays("GB", subdiv="ENG", years=years).keys())


@lru_cache(maxsize=64)
def _bank_holidays_outside_cache(year: int) -> frozenset[date]:
    return frozenset(_holidays_from_package(range(year, year + 1)))


def is_working_day(day: date) -> bool:
    """Not a Saturday, Sunday or bank holiday in England."""
    if day.weekday() >= 5:
        return False
    if day.year in CACHED_YEARS:
        return day not in _england_bank_holidays()
    return day not in _bank_holidays_outside_cache(day.year)


@lru_cache(maxsize=4096)
def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself does not count)."""
    remaining = count
    while remaining > 0:
        day += ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(day: date) -> str:
    """``30 November 2026``: unambiguous in a sentence, and in English whatever the locale."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
