"""What a ``ctrack`` process loads: every verb with its own help, ``--as-at``
read as pendulum reads it, reading one exercise without the rules or the views, and reading
current views without pydantic, the aggregate or the rules."""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pendulum
import pytest
from ctrack_helpers import REFERENCE, TODAY, Result

from commission_tracker.application import StoreConfig, Tracker
from commission_tracker.application.clock import TIMEZONE, Clock, parse_moment
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


LOADED_BY_EVENTS = (
    "pydantic",
    "msgpack",
    "commission_tracker.aggregates.events",
    "commission_tracker.aggregates.exercise",
    "commission_tracker.application.app",
    "commission_tracker.application.serialisation",
    "commission_tracker.projections.projection",
    "commission_tracker.rules.registry",
)
"""What only reading or writing events needs: the aggregate, its pydantic events, the
application and its mapper, the projection and the rules."""


def run_and_list_loaded(*argv: str) -> tuple[int, list[str], str]:
    """``ctrack argv`` in a process of its own: its exit code, which modules of
    :data:`LOADED_BY_EVENTS` it had imported when it ended, and what it printed."""
    script = (
        "import sys\n"
        "from commission_tracker.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        f"loaded = [m for m in {LOADED_BY_EVENTS!r} if m in sys.modules]\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "--today", TODAY, *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    code, _, loaded = result.stderr.strip().splitlines()[-1].partition(" ")
    return int(code), ast.literal_eval(loaded), result.stdout


READING_VERBS = [
    ["flags", "--json"],
    ["flags"],
    ["list"],
    ["list", "--json"],
    ["deadlines", "--json"],
    ["involvement", "--by", "quarter"],
    ["evaluate", "--json"],
    ["compliance", REFERENCE, "--json"],
]


@pytest.mark.parametrize("argv", READING_VERBS, ids=" ".join)
def test_reading_current_views_loads_neither_pydantic_nor_the_aggregate(
    opened: str, argv: list[str]
) -> None:
    code, loaded, _ = run_and_list_loaded(*argv)
    assert (code, loaded) == (0, [])


def test_a_reading_verb_catches_up_with_facts_recorded_without_the_views(
    opened: str, ctrack: Ctrack
) -> None:
    before = ctrack("list", "--json").json()
    with Tracker(StoreConfig.from_option(), clock=Clock.from_option(TODAY), project=False) as quiet:
        quiet.record(
            REFERENCE,
            "involve",
            organisation="Late Arrivals Trust",
            sector="vcs",
            activity="needs-evidence",
        )
    code, loaded, out = run_and_list_loaded("list", "--json")
    assert code == 0
    assert "pydantic" in loaded  # it had an event to process
    assert json.loads(out)[0]["events"] == before[0]["events"] + 1
    code, loaded, _ = run_and_list_loaded("list", "--json")
    assert (code, loaded) == (0, [])  # and the views are current again


def test_a_reading_verb_creates_a_new_store_without_loading_the_aggregate(
    tmp_path: Path,
) -> None:
    store = tmp_path / "new" / "fresh.sqlite"
    code, loaded, out = run_and_list_loaded("--store", str(store), "list")
    assert (code, loaded) == (0, [])
    assert out.startswith("No exercises yet.")
    with sqlite3.connect(store) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"stored_events", "tracking", "ct_exercises", "ct_flags", "ct_meta"} <= tables


def test_ctrack_holds_the_garbage_collector_off_only_for_short_verbs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short command skips the collector's walks over the imported libraries; an import,
    # a replay or a demo may make millions of objects, so the collector runs for them.
    import gc

    from commission_tracker.cli import main as cli

    during: dict[str, bool] = {}

    def spy(args: argparse.Namespace, tracker: Tracker) -> int:
        during[args.verb] = gc.isenabled()
        return 0

    monkeypatch.setattr(cli, "run", spy)
    store = str(tmp_path / "gc.sqlite")
    try:
        for verb in ("list", "show", "replay", "import", "flags"):
            extra = {"show": ["X-1"], "import": ["-"]}.get(verb, [])
            monkeypatch.setattr(sys, "argv", ["ctrack", "--store", store, verb, *extra])
            assert cli.console() == 0
            assert gc.get_freeze_count() > 0  # what was left is frozen, not walked at exit
            gc.unfreeze()
            gc.enable()
    finally:
        gc.unfreeze()
        gc.enable()
    assert during == {
        "list": False,
        "show": False,
        "replay": True,
        "import": True,
        "flags": False,
    }


def test_only_the_dashboard_imports_textual(opened: str) -> None:
    # The domain, the application layer, the projections and the command line stay free of
    # the terminal UI: Textual (and Rich under it) load only for `ctrack dashboard`.
    script = (
        "import sys\n"
        "import commission_tracker.aggregates.exercise, commission_tracker.application.service\n"
        "import commission_tracker.projections.projection, commission_tracker.rules.registry\n"
        "from commission_tracker.cli.main import main\n"
        f"codes = [main(['involve', {REFERENCE!r}, '--org', 'Leeds Mind', '--sector', 'vcs',\n"
        "                '--activity', 'co-design']),\n"
        "         main(['flags', '--json']), main(['list'])]\n"
        "loaded = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "print(codes, loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "--today", TODAY],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    assert result.stderr.strip().splitlines()[-1] == "[0, 0, 0] []", result.stderr
