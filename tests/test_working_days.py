"""Working days come from the ``holidays`` package, through an on-disk cache of its answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import holidays
import pytest

from commission_tracker.rules import dates


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    dates._england_bank_holidays.cache_clear()
    yield tmp_path
    dates._england_bank_holidays.cache_clear()


def test_the_cache_holds_exactly_what_the_package_says(fresh_cache: Path) -> None:
    expected = set(holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2029)))
    cached = {day for day in dates._england_bank_holidays() if 2024 <= day.year <= 2028}
    assert cached == expected
    assert list(fresh_cache.rglob("holidays-gb-eng-*.json"))


def test_the_cache_is_keyed_by_the_installed_package_version(fresh_cache: Path) -> None:
    # A new version of the package may move a bank holiday: its answer gets a new file.
    from importlib.metadata import version

    assert dates.holidays_version() == version("holidays")
    dates._england_bank_holidays()
    (cache,) = fresh_cache.rglob("holidays-gb-eng-*.json")
    assert cache.name == f"holidays-gb-eng-{version('holidays')}.json"


def test_a_damaged_cache_is_rebuilt(fresh_cache: Path) -> None:
    dates._england_bank_holidays()
    (cache,) = fresh_cache.rglob("holidays-gb-eng-*.json")
    cache.write_text("not json")
    dates._england_bank_holidays.cache_clear()
    assert date(2026, 12, 25) in dates._england_bank_holidays()


def test_working_days_skip_weekends_and_english_bank_holidays(fresh_cache: Path) -> None:
    # Wednesday 23 December 2026: Christmas Day (Fri) and Boxing Day substitute (Mon 28th).
    assert dates.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)
    assert dates.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    # Beyond the cached years the package is asked directly.
    assert not dates.is_working_day(date(2070, 12, 25))
