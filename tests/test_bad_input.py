"""Every invalid command prints one sentence to stderr, exits 2 and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from ctrack_helpers import REFERENCE, Result, open_args

Ctrack = Callable[..., Result]

R = REFERENCE
INVOLVE = ["--org", "Leeds Mind", "--sector", "vcs", "--activity", "co-design"]

# (commands run first, which must succeed; the bad command; words the sentence must contain)
CASES = [
    pytest.param([], ["show", "NOPE-9"], ["NOPE-9"], id="show-unknown-exercise"),
    pytest.param([], ["history", "NOPE-9"], ["NOPE-9"], id="history-unknown-exercise"),
    pytest.param([], ["involve", "NOPE-9", *INVOLVE], ["NOPE-9"], id="record-unknown-exercise"),
    pytest.param([], open_args(R), ["already exists"], id="duplicate-reference"),
    pytest.param([], open_args("ct-001"), ["already exists"], id="duplicate-reference-case"),
    pytest.param([], open_args("   "), ["reference", "empty"], id="empty-reference"),
    pytest.param([], ["advance", R, "plan", "--on", "2026-02-30"], ["2026-02-30"], id="bad-date"),
    pytest.param([], ["advance", R, "plan", "--on", "31/03/2026"], ["YYYY-MM-DD"], id="dd/mm"),
    pytest.param([], ["--today", "tomorrow", "show", R], ["tomorrow"], id="bad-today"),
    pytest.param([], ["show", R, "--as-of", "2026-13-01"], ["2026-13-01"], id="bad-as-of"),
    pytest.param([], ["show", R, "--as-at", "noonish"], ["noonish"], id="bad-as-at"),
    pytest.param([], ["advance", R, "do"], ["skip", "plan"], id="phase-skip"),
    pytest.param([], ["advance", R, "review"], ["skip"], id="phase-skip-two"),
    pytest.param([], ["advance", R, "deliver"], ["deliver"], id="unknown-phase"),
    pytest.param([], ["advance", R, "analyse"], ["already"], id="same-phase"),
    pytest.param(
        [["advance", R, "plan"], ["advance", R, "do"]],
        ["advance", R, "plan"],
        ["reason"],
        id="back-without-reason",
    ),
    pytest.param(
        [["advance", R, "plan"]],
        ["advance", R, "analyse", "--reason", "  "],
        ["reason"],
        id="back-with-blank-reason",
    ),
    pytest.param(
        [],
        ["notice", R, "--to", "Leeds Mind", "--effective", "2026-03-01", "--in-writing"],
        ["notice", "effect", "2026-03-01"],
        id="notice-effective-before-given",
    ),
    pytest.param(
        [],
        ["notice", R, "--to", "Leeds Mind", "--effective", "2026-03-02", "--in-writing"],
        ["notice", "effect"],
        id="notice-effective-same-day",
    ),
    pytest.param(
        [],
        ["consult", R, "--opens", "2026-03-10", "--closes", "2026-03-09"],
        ["consultation", "close"],
        id="consultation-closes-before-opening",
    ),
    pytest.param(
        [],
        ["funding-notified", R, "--deadline", "2026-02-27"],
        ["deadline"],
        id="deadline-before-notification",
    ),
    pytest.param([], open_args("CT-9", value="-5"), ["negative"], id="negative-money-open"),
    pytest.param([], open_args("CT-9", value="1.234"), ["2 decimal places"], id="3dp-money-open"),
    pytest.param([], open_args("CT-9", value="ten"), ["ten"], id="not-money"),
    pytest.param(
        [],
        ["bid", R, "--bidder", "Leeds Mind", "--sector", "vcs", "--value=-0.01"],
        ["negative"],
        id="negative-money-bid",
    ),
    pytest.param(
        [],
        ["award", R, "--provider", "Leeds Mind", "--sector", "vcs", "--value", "100.001",
         "--starts", "2026-04-01", "--ends", "2027-03-31"],
        ["2 decimal places"],
        id="3dp-money-award",
    ),
    pytest.param(
        [], ["involve", R, "--org", "X", "--sector", "charity", "--activity", "bid"],
        ["charity", "--sector"], id="unknown-sector",
    ),
    pytest.param(
        [], ["bid", R, "--bidder", "X", "--sector", "third"], ["third"], id="unknown-sector-bid"
    ),
    pytest.param(
        [], ["involve", R, "--org", "X", "--sector", "vcs", "--activity", "dancing"],
        ["dancing", "--activity"], id="unknown-activity",
    ),
    pytest.param([], open_args("CT-9", mechanism="barter"), ["barter"], id="unknown-mechanism"),
    pytest.param([], open_args("CT-9", regime="PCR2006"), ["PCR2006"], id="unknown-regime"),
    pytest.param(
        [], open_args("CT-9", commissioner="  "), ["name", "empty"], id="empty-commissioner"
    ),
    pytest.param(
        [], ["involve", R, "--org", " ", "--sector", "vcs", "--activity", "bid"],
        ["name", "empty"], id="empty-organisation",
    ),
    pytest.param(
        [], ["involve", R, *INVOLVE, "--on", "2026-01-04"], ["before", "opened"],
        id="fact-before-opening",
    ),
    pytest.param([["close", R]], ["involve", R, *INVOLVE], ["closed"], id="closed-involve"),
    pytest.param([["close", R]], ["advance", R, "plan"], ["closed"], id="closed-advance"),
    pytest.param([["close", R]], ["close", R], ["closed"], id="closed-close"),
    pytest.param(
        [["cancel", R, "--reason", "not needed"]], ["review", R], ["cancelled"],
        id="cancelled-review",
    ),
    pytest.param([], ["correct", R, "7", "--reason", "x"], ["#7"], id="correct-unknown-fact"),
    pytest.param([], ["correct", R, "1", "--reason", "x"], ["#1"], id="correct-the-opening"),
    pytest.param([], ["correct", R, "two", "--reason", "x"], ["two"], id="correct-not-a-number"),
    pytest.param([], ["involve", R, "--org", "X", "--sector", "vcs"], ["--activity"],
                 id="missing-option"),
    pytest.param([], ["frobnicate", R], ["frobnicate"], id="unknown-verb"),
    pytest.param([], [], ["VERB"], id="no-verb"),
    pytest.param([], ["pqq", R, "--years-trading", "-1"], ["-1"], id="negative-count"),
]  # fmt: skip


def assert_one_sentence(result: Result, words: list[str]) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.out == "", "nothing is printed to standard output"
    err = result.err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    line = err.rstrip("\n")
    assert line.startswith("ctrack: ")
    assert line.endswith("."), line
    assert "Traceback" not in err
    sentence = re.sub(r" See 'ctrack[^']*--help'\.$", "", line)
    assert sentence.endswith("."), line
    for word in words:
        assert word.lower() in sentence.lower(), f"{word!r} not in {line!r}"


@pytest.mark.parametrize(("setup", "args", "words"), CASES)
def test_a_bad_command_is_one_sentence_exit_2_and_writes_nothing(
    opened: str,
    ctrack: Ctrack,
    event_count: Callable[[], int],
    setup: list[list[str]],
    args: list[str],
    words: list[str],
) -> None:
    for command in setup:
        done = ctrack(*command)
        assert done.code == 0, done.err
    before = event_count()
    history_before = ctrack("history", R, "--json").out
    result = ctrack(*args)
    assert_one_sentence(result, words)
    assert event_count() == before
    assert ctrack("history", R, "--json").out == history_before


def test_a_bad_open_on_an_empty_store_writes_nothing(
    ctrack: Ctrack, event_count: Callable[[], int]
) -> None:
    result = ctrack(*open_args(value="-1"))
    assert_one_sentence(result, ["negative"])
    assert event_count() == 0
    assert ctrack("list", "--json").json() == []


def test_a_failed_command_leaves_the_exercise_usable(opened: str, ctrack: Ctrack) -> None:
    assert ctrack("advance", R, "do").code == 2
    assert ctrack("advance", R, "plan").code == 0
    assert ctrack("show", R, "--json").json()["phase"] == "plan"


# -- regressions: problems these tests found ---------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["cancel", R, "--reason", "  "], "reason"),
        (["monitoring", R, "--requirements", " "], "requirements"),
    ],
)
def test_an_empty_required_text_names_the_field(
    opened: str, ctrack: Ctrack, args: list[str], field: str
) -> None:
    assert_one_sentence(ctrack(*args), [field])


def test_advancing_a_closed_exercise_says_it_is_closed(opened: str, ctrack: Ctrack) -> None:
    assert ctrack("close", R).code == 0
    assert_one_sentence(ctrack("advance", R, "do"), ["closed"])


def test_negative_zero_money_is_refused_or_stored_as_zero(ctrack: Ctrack) -> None:
    result = ctrack(*open_args(value="-0"))
    if result.code == 0:
        assert not ctrack("show", R, "--json").json()["value"].startswith("-")
    else:
        assert_one_sentence(result, ["negative"])


def test_money_in_exponent_notation_is_shown_as_pounds(ctrack: Ctrack) -> None:
    result = ctrack(*open_args(value="1e3"))
    if result.code == 0:
        value = ctrack("show", R, "--json").json()["value"]
        assert Decimal(value) == 1000 and "E" not in value.upper()
    else:
        assert_one_sentence(result, ["1e3"])
