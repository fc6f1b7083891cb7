"""Two clocks: "today" for business dates, and the recorded time of each fact.

"Today" can be fixed (``--today`` / ``CTRACK_TODAY``) so that runs, demos and tests are
reproducible; the recorded time is always the real clock.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from commission_tracker.aggregates.bounds import check_date
from commission_tracker.aggregates.errors import InvalidFact

TODAY_ENV = "CTRACK_TODAY"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)
"""The ISO times the standard library reads exactly as pendulum does (see ``parse_moment``)."""
TIMEZONE = "Europe/London"


@functools.cache
def _london() -> ZoneInfo:
    return ZoneInfo(TIMEZONE)


def parse_date(text: str, what: str = "date") -> date:
    """A calendar date written ``YYYY-MM-DD``; anything else is a clear error."""
    value = text.strip()
    # The standard library parses the one format we accept ten times faster than a
    # general parser, which matters when importing a million facts.
    if ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return check_date(day, what)
    raise InvalidFact(
        f"'{text}' is not a valid {what}; write dates as YYYY-MM-DD, e.g. 2026-03-31."
    )


def _plain_moment(value: str) -> datetime | None:
    """The common spellings of a moment, read without importing pendulum (a sixth of a
    ``show --as-at`` process's start-up); ``None`` leaves the rest to pendulum.

    A date is the end of that day in London; a time with an offset keeps it; a time
    without one is London time, unless the clocks change around it (a time skipped or
    repeated), where pendulum's reading stands.
    """
    try:
        if len(value) == 10:
            if ISO_DATE.fullmatch(value):
                day = date.fromisoformat(value)
                return datetime.combine(day, time.max, tzinfo=ZoneInfo(TIMEZONE))
            return None
        match = ISO_MOMENT.fullmatch(value)
        if match is None:
            return None
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if match.group(1) is not None:
        return moment
    local = moment.replace(tzinfo=ZoneInfo(TIMEZONE))
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        return None
    return local


def parse_moment(text: str, what: str = "moment") -> datetime:
    """A recorded-time moment: ``YYYY-MM-DD`` (end of that day, London) or ISO 8601."""
    value = text.strip()
    plain = _plain_moment(value)
    if plain is not None:
        check_date(plain.date(), what)
        return plain
    import pendulum

    try:
        if len(value) == 10:
            day = pendulum.from_format(value, "YYYY-MM-DD", tz=TIMEZONE)
            return day.end_of("day")
        parsed = pendulum.parse(value, tz=TIMEZONE, strict=False)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise InvalidFact(
            f"'{text}' is not a valid {what}; write YYYY-MM-DD or an ISO time such as "
            "2026-03-31T17:00."
        ) from None
    if not isinstance(parsed, datetime):
        raise InvalidFact(f"'{text}' is not a valid {what}; give a date or a date and time.")
    try:
        parsed.astimezone(UTC)  # an offset of a day or more is no time
    except (ValueError, OverflowError):
        raise InvalidFact(
            f"'{text}' is not a valid {what}: its offset from UTC must be under 24 hours."
        ) from None
    check_date(parsed.date(), what)
    return parsed


@dataclass(frozen=True)
class Clock:
    """Tells the application what day it is; ``fixed_today`` overrides the real date."""

    fixed_today: date | None = None

    @classmethod
    def from_option(cls, option: str | None = None) -> Clock:
        value = option or os.environ.get(TODAY_ENV)
        return cls(parse_date(value, "--today date") if value else None)

    def today(self) -> date:
        """Today's date in England (the fixed day, when one is set)."""
        if self.fixed_today is not None:
            return self.fixed_today
        # The standard library's zone data answers this in microseconds; pendulum took
        # 37 us a call, and an import of a million lines asks once per line.
        return datetime.now(_london()).date()

    def now(self) -> datetime:
        import pendulum

        return pendulum.now("UTC")
