"""What a ``ctrack`` process loads: every verb's parser when it is invoked, ``--as-at``
read as pendulum reads it, and reading one exercise without the rules or the views."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable

import pendulum
import pytest
from ctrack_helpers import REFERENCE, Result

from commission_tracker.application.clock import TIMEZONE, parse_moment
from commission_tracker.cli.main import build_parser

Ctrack = Callable[..., Result]


def all_verbs() -> list[str]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("ctrack has no verbs")


def test_every_verb_is_listed_in_ctrack_help(ctrack: Ctrack) -> None:
    listing = ctrack("--help", today=None).out
    for verb in all_verbs():
        assert re.search(rf"^    {re.escape(verb)}(\s|$)", listing, re.MULTILINE), verb


@pytest.mark.parametrize("verb", all_verbs())
def test_every_verb_has_its_own_help(verb: str, ctrack: Ctrack) -> None:
    result = ctrack(verb, "--help", today=None)
    assert result.code == 0, result.err
    assert result.out.startswith(f"usage: ctrack {verb} ")


def pendulum_reading(text: str) -> pendulum.DateTime:
    """How ``--as-at`` has always read a moment: with pendulum, in London time."""
    if len(text) == 10:
        return pendulum.from_format(text, "YYYY-MM-DD", tz=TIMEZONE).end_of("day")
    parsed = pendulum.parse(text, tz=TIMEZONE, strict=False)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-10",
        "2026-06-30",  # summer time
        "2024-02-29",
        "2026-02-10T14:59",
        "2026-06-30T14:59:30",
        "2026-06-30T14:59:30.25",
        "2026-02-10T15:01Z",
        "2025-12-22T13:04:00+00:00",
        "2026-06-30T12:00:00.123456+05:30",
        "2026-03-29T00:59",  # the clocks go forward at 01:00...
        "2026-03-29T01:30",  # ...so this time never happened
        "2026-03-29T02:00",
        "2026-10-25T00:59",  # the clocks go back at 02:00 BST...
        "2026-10-25T01:30",  # ...so this time happened twice
        "2026-10-25T02:00",
        "2026-02-10 14:59",
        "20260210T1459",
    ],
)
def test_as_at_reads_a_moment_as_pendulum_does(text: str) -> None:
    moment, expected = parse_moment(text), pendulum_reading(text)
    assert moment == expected
    assert moment.isoformat() == expected.isoformat()


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-02-10T24:00", "noonish"])
def test_as_at_refuses_what_pendulum_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        pendulum_reading(text)
    with pytest.raises(ValueError, match="is not a valid moment"):
        parse_moment(text)


def test_showing_an_exercise_loads_neither_the_rules_nor_the_views(opened: str) -> None:
    script = (
        "import sys\n"
        "from commission_tracker.cli.main import main\n"
        f"code = main(['show', {REFERENCE!r}, '--as-at', '2030-01-01', '--json'])\n"
        "loaded = [m for m in ('pendulum', 'commission_tracker.rules',\n"
        "          'commission_tracker.projections.runner') if m in sys.modules]\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ)
    )
    assert result.stderr.strip().splitlines()[-1] == "0 []", result.stderr
