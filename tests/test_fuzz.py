"""Fuzzing the ways in (issue 15): the command line, ``import`` and the recording API.

Every input, however odd (dates at and beyond the recorded range, money in the
trillions or not a number, counts past 64 bits, NUL and lone surrogates, 20,000 characters,
markup, deeply nested JSON) ends one of two ways, never with a traceback:

* exit 0 (or the API returns): the fact is in the store, and every reading verb still
  works on the whole portfolio; or
* exit 2 (or the API raises an input error) with one sentence, and nothing is written.

Each test runs on SQLite and on PostgreSQL, with one store per test: the examples pile
their facts into it, so a fact that poisons the store also fails the examples after it.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ctrack_helpers import (
    READING_VERBS,
    TODAY,
    Result,
    StoreUnderTest,
    assert_sentence,
    guarded,
    open_args,
    postgres_store,
)
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
"""(Failing examples with 20,000 characters are shown cut short, not as a warning.)"""

Ctrack = Callable[..., Result]

R = "FZ-001"
EXAMPLES = {
    "sqlite": {"cli": 50, "import": 40, "api": 35},
    "postgres": {"cli": 16, "import": 14, "api": 11},
}
"""Examples per test and backend: about a minute per backend on two shared cores (a
PostgreSQL command takes about three times as long)."""

OUTCOMES: collections.Counter[str] = collections.Counter()
"""How the examples ended (printed by ``pytest -s``: does the fuzz reach both ends?)."""


def outcome(text: str) -> None:
    event(text)
    OUTCOMES[text] += 1


FUZZ = settings(
    max_examples=1,  # replaced per test
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# -- values at and beyond the edges --------------------------------------------------------

EDGE_DATES = [
    "0001-01-01",
    "1989-12-31",
    "1990-01-01",
    "2026-02-10",
    "2099-12-31",
    "2100-01-01",
    "9999-12-31",
]
MALFORMED_DATES = [
    "2026-02-30",
    "31/12/2026",
    "",
    " ",
    "2026-1-5",
    "\uff12\uff10\uff12\uff16-01-05",  # full-width digits
    "2026-01-05T00:00",
    "+2026-01-05",
    "20260105",
    "\x00",
]
MONEY = [
    "0",
    "-1",
    "0.01",
    "250000",
    "1e28",
    "1e30",
    "1e309",
    "NaN",
    "sNaN",
    "inf",
    "-inf",
    "1,000,000.001",
    "£1,000",
    "-0",
    "1E+3",
    "1000000000000",
    "1000000000000.01",
    "9" * 5000,
]
SMALL_INTS = [-1, 0, 1, 12, 1_000_000, 1_000_001, 2**31, 2**63, 2**64]
INTS = [*SMALL_INTS, 10**5000 - 1]
"""(Python will not turn a 5,000-digit int into text: the command line and JSON get it as
text, from ``INT_TEXT`` and ``RAW_LINES``.)"""
INT_TEXT = [str(n) for n in SMALL_INTS] + ["9" * 5000, "1.5", "twelve", ""]
TEXT = [
    "Leeds Mind",
    "Org\x00Evil",
    "\ud800",
    "a\udcffb",
    "x" * 20_000,
    "w" * 10_000,
    "\u0645\u0624\u0633\u0633\u0629 \u0627\u0644\u062e\u064a\u0631",  # Arabic, right to left
    "\u202eevil\u202c",  # right-to-left override
    "\U0001f984 Unicorn Trust \U0001f3f3\ufe0f\u200d\U0001f308",
    "[bold]Leeds[/bold] [link=http://x]y[/link]",
    "",
    "   ",
    "line\nbreak",
    "tab\there",
    "\x7f\x1b[31mred",
]


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usual values two times in three, odd ones otherwise: most examples hold one or two
    odd values among ordinary ones, so the fuzz reaches both ends (recorded, refused)."""
    return st.one_of(usual, usual, odd)


def _days(first: date, last: date) -> st.SearchStrategy[str]:
    return st.dates(min_value=first, max_value=last).map(date.isoformat)


odd_dates = st.one_of(
    st.sampled_from(EDGE_DATES + MALFORMED_DATES), _days(date(1985, 1, 1), date(2105, 12, 31))
)
dates = mostly(_days(date(2026, 1, 5), date(2026, 3, 2)), odd_dates)
"""A business date: usually between the exercise's opening and today."""
later_dates = mostly(_days(date(2026, 3, 3), date(2099, 12, 31)), odd_dates)
"""A date after today (deadlines, effective dates, closing days)."""
odd_money = st.one_of(
    st.sampled_from(MONEY),
    st.decimals(min_value=0, max_value=10**13, places=2, allow_nan=False).map(str),
)
money = mostly(
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False).map(str), odd_money
)
ints = mostly(st.integers(min_value=0, max_value=50), st.sampled_from(INTS))
int_text = mostly(st.integers(min_value=0, max_value=50).map(str), st.sampled_from(INT_TEXT))
json_ints = mostly(st.integers(min_value=0, max_value=50), st.sampled_from(SMALL_INTS))
usual_text = st.text(
    st.characters(categories=["L", "N", "Zs", "Pd", "Po"]), min_size=1, max_size=30
).filter(str.strip)
text = mostly(usual_text, st.one_of(st.sampled_from(TEXT), st.text(max_size=40)))
sectors = mostly(st.just("vcs"), st.sampled_from(["public", "private", "charity", "VCS"]))

NEW = "\x00NEW"
"""Stands for a reference new to the store (filled in when the example runs)."""


# -- the store, on both backends -----------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, store_path: Path) -> StoreUnderTest:
    if request.param == "sqlite":
        return StoreUnderTest("sqlite", str(store_path))
    return postgres_store(request.getfixturevalue("postgres_url"))


@pytest.fixture
def run(ctrack: Ctrack, store: StoreUnderTest) -> Ctrack:
    safe = guarded(ctrack)

    def call(*args: str) -> Result:
        return safe("--store", store.address, *args, today=TODAY)

    return call


@pytest.fixture
def fresh(run: Ctrack) -> Iterator[Callable[[], str]]:
    """A store holding FZ-001 (opened with one involvement); ``fresh()`` is a new
    reference each time it is called."""
    for args in (
        open_args(R, on="2026-01-05"),
        ["involve", R, "--org", "Leeds Mind", "--sector", "vcs", "--activity", "co-design",
         "--on", "2026-01-20"],
    ):  # fmt: skip
        done = run(*args)
        assert done.code == 0, done.err
    counter = itertools.count(2)
    yield lambda: f"FZ-{next(counter):03d}"


READS = READING_VERBS


def assert_store_readable(run: Ctrack, references: set[str], *, restart: bool = False) -> None:
    """Every reading verb exits 0: the portfolio's, and show/history/compliance of each
    of ``references``; then the views rebuild from the log."""
    per_exercise = [
        [verb, reference, *extra]
        for reference in sorted(references)
        for verb, *extra in (["show"], ["history", "--json"], ["compliance", "--json"])
    ]  # fmt: skip
    replay = ["replay", "--quiet", *(["--restart"] if restart else [])]
    for args in [*READS, *per_exercise, replay]:
        result = run(*args)
        assert "Traceback" not in result.err, (args, result.err[-3000:])
        assert result.code == 0, (args, result.code, result.err[-1500:])
        if "--json" in args:
            result.json()


def assert_refused(result: Result, before: int, after: int, what: object) -> None:
    """An input ctrack does not take: exit 2, one sentence, nothing written."""
    assert "Traceback" not in result.err, (what, result.err[-3000:])
    assert result.code == 2, (what, result.code, result.err[-1500:])
    assert_sentence(result, 2)
    assert after == before, (what, "a refused input wrote to the store")


# -- the command line ----------------------------------------------------------------------


def _involve(org: str, sector: str, on: str, note: str) -> list[str]:
    return ["involve", R, "--org", org, "--sector", sector, "--activity", "co-design",
            "--on", on, "--note", note]  # fmt: skip


cli_commands = st.one_of(
    st.builds(
        lambda value, on, title, commissioner: open_args(
            NEW, value=value, on=on, title=title, commissioner=commissioner
        ),
        money, dates, text, text,
    ),
    st.builds(_involve, text, sectors, dates, text),
    st.builds(lambda o, c: ["consult", R, "--opens", o, "--closes", c], dates, later_dates),
    st.builds(
        lambda d, v, on: ["funding-notified", R, "--deadline", d, "--value", v, "--on", on],
        later_dates, money, dates,
    ),
    st.builds(
        lambda e, reason, v: ["decommission", R, "--change", "reduce", "--effective", e,
                              "--reason", reason, "--new-value", v, "--on", "2026-02-10",
                              "--provider", "Leeds Mind"],
        later_dates, text, money,
    ),
    st.builds(
        lambda q, y, t: ["pqq", R, "--questions", q, "--years-trading", y,
                         "--min-turnover", t, "--on", "2026-02-10"],
        int_text, int_text, money,
    ),
    st.builds(
        lambda req, k, n: ["monitoring", R, "--requirements", req, "--indicators", k,
                           "--reports-per-year", n, "--on", "2026-02-10"],
        text, int_text, int_text,
    ),
    st.builds(lambda b, s, v: ["bid", R, "--bidder", b, "--sector", s, "--value", v,
                               "--on", "2026-02-10"], text, sectors, money),
    st.builds(
        lambda p, v, s, e: ["award", R, "--provider", p, "--sector", "vcs", "--value", v,
                            "--starts", s, "--ends", e, "--on", "2026-02-10"],
        text, money, later_dates, later_dates,
    ),
    st.builds(lambda s, o: ["advance", R, "plan", "--on", s, "--reason", o], dates, text),
    # Reading verbs with odd options: they answer or refuse, and never write.
    st.builds(lambda n: ["deadlines", "--within", n], int_text),
    st.builds(lambda d: ["show", R, "--as-of", d], dates),
    st.builds(lambda d: ["--today", d, "flags", "--json"], dates),
    st.builds(lambda d: ["--today", d, "compliance", R], later_dates),
    st.builds(lambda d: ["show", R, "--as-at", d], st.one_of(dates, text)),
)  # fmt: skip
READING = {"deadlines", "show", "--today"}


def test_fuzz_the_command_line(
    run: Ctrack, store: StoreUnderTest, fresh: Callable[[], str]
) -> None:
    references = {R}
    OUTCOMES.clear()

    @settings(FUZZ, max_examples=EXAMPLES[store.kind]["cli"])
    @given(args=cli_commands)
    # The cases of issue 15, always tried first.
    @example(args=["consult", R, "--opens", "2026-01-05", "--closes", "9999-12-31"])
    @example(args=["decommission", R, "--change", "end", "--effective", "9999-12-31",
                   "--reason", "Budget", "--on", "2026-02-10",
                   "--provider", "Leeds Mind"])  # fmt: skip
    @example(args=open_args(NEW, value="1e30"))
    @example(args=_involve("Org\x00Evil", "vcs", "2026-02-10", "n"))
    @example(args=["pqq", R, "--questions", str(2**64), "--on", "2026-02-10"])
    @example(args=["deadlines", "--within", str(2**31)])
    def one(args: list[str]) -> None:
        new = fresh()
        args = [new if arg == NEW else arg for arg in args]
        before = store.count()
        result = run(*args)
        after = store.count()
        outcome(f"{args[0]}: exit {result.code}")
        if args[0] in READING and result.code == 0:
            assert "Traceback" not in result.err, result.err[-3000:]
            assert after == before, (args[:3], "a reading verb wrote to the store")
        elif result.code == 0:
            assert "Traceback" not in result.err, result.err[-3000:]
            assert after == before + 1, (args[:3], "exit 0 but no fact recorded")
            touched = new if args[1] == new else R
            references.add(touched)
            assert_store_readable(run, {touched})
        else:
            assert_refused(result, before, after, [a[:80] for a in args])

    one()
    assert_store_readable(run, references, restart=True)
    print(sorted(OUTCOMES.items()))


# -- import --------------------------------------------------------------------------------

json_money = mostly(
    money,
    st.one_of(
        st.sampled_from([0, -1, 1e28, 1e30, math.inf, math.nan, 2**64, 10**30]),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
)
json_counts = mostly(json_ints, st.sampled_from(["12", 1.5, None, True, [], {}]))


def _line(verb: str, **fields: Any) -> dict[str, Any]:
    return {"verb": verb, "reference": R, **fields}


import_lines = st.one_of(
    st.builds(
        lambda value, on, title: {"verb": "open", "reference": NEW, "title": title,
                                  "commissioner": "Leeds City Council", "value": value,
                                  "mechanism": "grant", "regime": "grant",
                                  "profile": "national", "on": on},
        json_money, dates, text,
    ),
    st.builds(lambda org, on, note: _line("involve", organisation=org, sector="vcs",
                                          activity="co-design", on=on, note=note),
              text, dates, text),
    st.builds(lambda o, c: _line("consult", opens=o, closes=c), dates, later_dates),
    st.builds(lambda e, r: _line("decommission", change="end", effective=e, reason=r,
                                 on="2026-02-10", provider="Leeds Mind"), later_dates, text),
    st.builds(lambda q, t: _line("pqq", questions=q, minimum_turnover=t, on="2026-02-10"),
              json_counts, json_money),
    st.builds(lambda v, b: _line("bid", bidder=b, sector="vcs", value=v, on="2026-02-10"),
              json_money, text),
    st.builds(lambda f: _line("involve", organisation="Nested", sector="vcs",
                              activity="co-design", on="2026-02-10", note=f),
              st.recursive(st.none() | st.integers() | text,
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=8)),
)  # fmt: skip

RAW_LINES = [
    "[" * 100_000 + "]" * 100_000,
    '{"verb": "involve", "reference": "FZ-001", "note": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"verb": "bid", "reference": "FZ-001", "bidder": "X", "sector": "vcs", "value": 1e309}',
    '{"verb": "bid", "reference": "FZ-001", "bidder": "X", "sector": "vcs", "value": '
    + "9" * 5000
    + "}",
    '{"verb": "pqq", "reference": "FZ-001", "questions": ' + "9" * 5000 + "}",
    '{"verb": "involve", "reference": "FZ-001", "organisation": "A\\u0000B", "sector": "vcs",'
    ' "activity": "co-design"}',
    '{"verb": "involve", "reference": "FZ-001", "organisation": "\\ud800", "sector": "vcs",'
    ' "activity": "co-design"}',
    '{"verb": "involve", "reference": "FZ-001", "organisation": "X", "sector": "vcs",'
    ' "activity": "co-design", "on": "2026-02-10", "recorded_at": "9999-12-31T00:00:00+00:00"}',
    '{"verb": "involve", "reference": "FZ-001", "organisation": "X", "sector": "vcs",'
    ' "activity": "co-design", "on": "2026-02-10", "recorded_by": "someone-else"}',
    "null",
    "[]",
    '"text"',
    "{",
    '{"verb": null, "reference": "FZ-001"}',
    '{"verb": "involve", "reference": ["FZ-001"]}',
]

import_files = st.lists(
    mostly(import_lines.map(json.dumps), st.sampled_from(RAW_LINES)), min_size=1, max_size=2
)


def test_fuzz_import(
    run: Ctrack, store: StoreUnderTest, fresh: Callable[[], str], tmp_path: Path
) -> None:
    references = {R}
    file = tmp_path / "fuzz.jsonl"
    OUTCOMES.clear()

    @settings(FUZZ, max_examples=EXAMPLES[store.kind]["import"])
    @given(lines=import_files)
    @example(lines=[RAW_LINES[1]])
    @example(lines=[RAW_LINES[3]])
    @example(lines=[RAW_LINES[5]])
    @example(lines=[RAW_LINES[6]])
    @example(lines=[RAW_LINES[7]])
    @example(lines=[json.dumps(_line("consult", opens="2026-01-05", closes="9999-12-31"))])
    def one(lines: list[str]) -> None:
        news: list[str] = []

        def new_reference(line: str) -> str:
            news.append(fresh())
            return line.replace(json.dumps(NEW)[1:-1], news[-1])

        lines = [new_reference(line) if json.dumps(NEW)[1:-1] in line else line for line in lines]
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = store.count()
        result = run("import", str(file))
        after = store.count()
        outcome(f"import: exit {result.code}")
        shown = [line[:200] for line in lines]
        if result.code == 0:
            assert "Traceback" not in result.err, result.err[-3000:]
            assert after == before + len(lines), (shown, "exit 0 but not every fact recorded")
            references.update(news)
            assert_store_readable(run, {R, *news})
        else:
            assert_refused(result, before, after, shown)

    one()
    assert_store_readable(run, references, restart=True)
    print(sorted(OUTCOMES.items()))


# -- the recording API ----------------------------------------------------------------------

EDGE_DAY_OBJECTS = [date(1, 1, 1), date(1989, 12, 31), date(1990, 1, 1), date(2099, 12, 31),
                    date(2100, 1, 1), date(9999, 12, 31), date(2026, 2, 10)]  # fmt: skip
odd_day_objects = st.one_of(
    st.sampled_from(EDGE_DAY_OBJECTS),
    st.dates(min_value=date(1985, 1, 1), max_value=date(2105, 1, 1)),
)
api_dates = mostly(
    st.dates(min_value=date(2026, 1, 5), max_value=date(2026, 3, 2)), odd_day_objects
)
api_later_dates = mostly(
    st.dates(min_value=date(2026, 3, 3), max_value=date(2099, 12, 31)), odd_day_objects
)
api_money = mostly(
    money,
    st.one_of(
        st.sampled_from([Decimal("1e28"), Decimal("NaN"), Decimal("Infinity"), 1e309, math.nan,
                         10**30, -1, 0, Decimal("0.001")]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**20), max_value=10**20),
    ),
)  # fmt: skip

api_calls = st.one_of(
    st.builds(
        lambda value, on, title: ("open", {"reference": NEW, "title": title,
                                           "commissioner": "Leeds City Council",
                                           "value": value, "mechanism": "grant",
                                           "regime": "grant", "profile": "national",
                                           "on": on}),
        api_money, api_dates, text,
    ),
    st.builds(lambda org, on, note: ("involve", {"organisation": org, "sector": "vcs",
                                                 "activity": "co-design", "on": on,
                                                 "note": note}), text, api_dates, text),
    st.builds(lambda o, c: ("consult", {"opens": o, "closes": c}), api_dates, api_later_dates),
    st.builds(lambda d, v: ("funding-notified", {"deadline": d, "value": v,
                                                 "on": date(2026, 2, 10)}),
              api_later_dates, api_money),
    st.builds(lambda e, r: ("decommission", {"change": "end", "effective": e, "reason": r,
                                             "provider": "Leeds Mind",
                                             "on": date(2026, 2, 10)}), api_later_dates, text),
    st.builds(lambda q, y: ("pqq", {"questions": q, "years_trading": y,
                                    "on": date(2026, 2, 10)}), ints, ints),
    st.builds(lambda v, b: ("bid", {"bidder": b, "sector": "vcs", "value": v,
                                    "on": date(2026, 2, 10)}), api_money, text),
)  # fmt: skip


def test_fuzz_the_recording_api(
    run: Ctrack, store: StoreUnderTest, fresh: Callable[[], str]
) -> None:
    from commission_tracker.aggregates.errors import EXIT_BAD_INPUT, CommissioningError
    from commission_tracker.application import Clock, StoreConfig, Tracker

    references = {R}
    OUTCOMES.clear()
    with Tracker(
        StoreConfig.from_option(store.address),
        clock=Clock(date.fromisoformat(TODAY)),
        user="fuzzer",
    ) as tracker:

        @settings(FUZZ, max_examples=EXAMPLES[store.kind]["api"])
        @given(call=api_calls)
        @example(call=("consult", {"opens": date(2026, 1, 5), "closes": date(9999, 12, 31)}))
        @example(call=("bid", {"bidder": "X", "sector": "vcs", "value": 10**30,
                               "on": date(2026, 2, 10)}))  # fmt: skip
        @example(
            call=(
                "involve",
                {
                    "organisation": "\ud800",
                    "sector": "vcs",
                    "activity": "co-design",
                    "on": date(2026, 2, 10),
                },
            )
        )
        @example(call=("pqq", {"questions": 10**5000 - 1, "on": date(2026, 2, 10)}))
        def one(call: tuple[str, dict[str, Any]]) -> None:
            verb, facts = call
            reference = fresh() if verb == "open" else R
            before = store.count()
            try:
                if verb == "open":
                    tracker.open_exercise(**{**facts, "reference": reference})
                else:
                    tracker.record(R, verb, **facts)
            except CommissioningError as error:
                outcome(f"{verb}: refused")
                assert error.exit_code == EXIT_BAD_INPUT, (verb, str(error)[:300])
                assert "\n" not in str(error).strip(), str(error)[:300]
                assert store.count() == before, (verb, "a refused fact wrote to the store")
                return
            outcome(f"{verb}: recorded")
            assert store.count() == before + 1
            references.add(reference)
            assert_store_readable(run, {reference})

        one()
    assert_store_readable(run, references, restart=True)
    print(sorted(OUTCOMES.items()))
    print(sorted(OUTCOMES.items()))
