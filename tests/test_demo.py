"""``ctrack demo``: about thirty realistic exercises, dated relative to today.

The demo store is built once per module (``--today 2026-11-21``) and read through the
command line, in-process, as a user would.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from ctrack_helpers import sqlite_event_count

from commission_tracker.application.clock import Clock
from commission_tracker.application.service import Tracker
from commission_tracker.application.store import StoreConfig
from commission_tracker.cli.main import main

DEMO_TODAY = "2026-11-21"
NAMED_COMMISSIONERS = {
    "Gloucestershire County Council",
    "Leicestershire County Council",
    "London Borough of Bexley",
}
BEFORE_DO = {"analyse", "plan"}


def ctrack_quietly(*argv: str) -> tuple[int, str, str]:
    """Run ``ctrack`` in-process outside a test's capsys (for module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def ctrack(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def demo_store(folder: Path, today: str = DEMO_TODAY) -> Path:
    store = folder / "demo.sqlite"
    code, _, err = ctrack_quietly("--store", str(store), "--today", today, "demo")
    assert code == 0, err
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_store(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def exercises(store: Path) -> list[dict[str, Any]]:
    code, out, err = ctrack_quietly("--store", str(store), "--today", DEMO_TODAY, "list", "--json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


@pytest.fixture(scope="module")
def histories(store: Path, exercises: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    result = {}
    for row in exercises:
        code, out, err = ctrack_quietly(
            "--store", str(store), "--today", DEMO_TODAY, "history", row["reference"], "--json"
        )
        assert code == 0, err
        result[row["reference"]] = json.loads(out)
    return result


def test_demo_reports_the_exercises_it_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "fresh.sqlite"
    code, out, err = ctrack(capsys, "--store", str(store), "--today", DEMO_TODAY, "demo", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["store"] == str(store)
    assert 25 <= len(document["exercises"]) <= 35
    assert len(set(document["exercises"])) == len(document["exercises"])
    assert all(re.fullmatch(r"[A-Z]+(-[A-Z]+)?-\d{4}-\d{3}", ref) for ref in document["exercises"])


def test_about_thirty_exercises_in_every_phase(exercises: list[dict[str, Any]]) -> None:
    assert 25 <= len(exercises) <= 35
    assert {row["phase"] for row in exercises} == {"analyse", "plan", "do", "review"}
    assert any(row["cycle"] >= 2 for row in exercises)


def test_open_closed_and_cancelled_exercises(exercises: list[dict[str, Any]]) -> None:
    statuses = Counter(row["status"] for row in exercises)
    assert statuses["closed"] >= 1
    assert statuses["cancelled"] >= 1
    assert statuses["open"] > len(exercises) / 2


def test_grants_contracts_and_the_named_commissioners(exercises: list[dict[str, Any]]) -> None:
    assert {"grant", "contract", "service-level-agreement"} <= {r["mechanism"] for r in exercises}
    assert {"PA2023", "PCR2015", "PSR2023", "grant"} <= {row["regime"] for row in exercises}
    assert {row["commissioner"] for row in exercises} >= NAMED_COMMISSIONERS
    profiles = {row["profile"] for row in exercises}
    assert {"gloucestershire", "leicestershire", "bexley", "national"} <= profiles
    assert "central" in {row["authority"] for row in exercises}


def test_vcs_involved_before_do_in_some_exercises_and_only_at_bidding_in_others(
    store: Path, histories: dict[str, list[dict[str, Any]]]
) -> None:
    code, out, err = ctrack_quietly(
        "--store", str(store), "--today", DEMO_TODAY, "involvement", "--json"
    )
    assert code == 0, err
    phases = {
        entry["exercise"]: {name for name, seen in entry["phases"].items() if seen["activities"]}
        for entry in json.loads(out)["exercises"]
    }
    co_designed = [ref for ref, seen in phases.items() if seen & BEFORE_DO]
    only_from_do = [ref for ref, seen in phases.items() if seen and not seen & BEFORE_DO]
    assert len(co_designed) >= len(histories) / 2
    assert only_from_do  # the VCS first heard of it at the tender


def test_facts_are_dated_on_or_before_today_and_recorded_in_order(
    histories: dict[str, list[dict[str, Any]]],
) -> None:
    today = date.fromisoformat(DEMO_TODAY)
    for history in histories.values():
        assert all(date.fromisoformat(fact["on"]) <= today for fact in history)
        recorded = [datetime.fromisoformat(fact["recorded_at"]) for fact in history]
        assert recorded == sorted(recorded)
    recorders = {fact["recorded_by"] for history in histories.values() for fact in history}
    assert len(recorders) >= 5


def test_a_mistyped_fact_is_corrected(histories: dict[str, list[dict[str, Any]]]) -> None:
    corrections = [
        fact
        for history in histories.values()
        for fact in history
        if fact["type"] == "EntryCorrected"
    ]
    assert len(corrections) == 1


def test_demo_twice_without_force_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = demo_store(tmp_path)
    before = sqlite_event_count(store)
    code, out, err = ctrack(capsys, "--store", str(store), "--today", DEMO_TODAY, "demo")
    assert code == 2
    assert out == ""
    message = err.strip()
    assert message.startswith("ctrack: ") and "--force" in message
    assert len(err.strip().splitlines()) == 1 and message.count(". ") <= 1
    assert sqlite_event_count(store) == before


def test_demo_with_force_on_a_demo_store_adds_only_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = demo_store(tmp_path)
    before = sqlite_event_count(store)
    code, out, err = ctrack(
        capsys, "--store", str(store), "--today", DEMO_TODAY, "demo", "--force", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["exercises"] == []
    assert sqlite_event_count(store) == before


def _shape(store: Path, today: str) -> list[tuple[str, str, int, str, str]]:
    """Each exercise's reference (without its year), phase, cycle, status and mechanism."""
    code, out, err = ctrack_quietly("--store", str(store), "--today", today, "list", "--json")
    assert code == 0, err
    return sorted(
        (
            re.sub(r"-\d{4}-", "-", row["reference"]),
            row["phase"],
            row["cycle"],
            row["status"],
            row["mechanism"],
        )
        for row in json.loads(out)
    )


def test_dates_follow_today(store: Path, tmp_path: Path) -> None:
    """The same stories on another day: same phases and statuses, references dated anew."""
    other = demo_store(tmp_path, "2028-02-29")
    assert _shape(other, "2028-02-29") == _shape(store, DEMO_TODAY)


# -- the verdicts the stories are written to trigger ---------------------------------------


def _resolved_checks(store: Path) -> Iterator[tuple[str, str, str]]:
    """(reference without its year, rule, status) of every check, as at the demo's today."""
    rules = pytest.importorskip("commission_tracker.rules")
    evaluate = getattr(rules, "evaluate", None)
    resolve = getattr(rules, "resolve", None)
    if evaluate is None or resolve is None:
        pytest.skip("commission_tracker.rules has no evaluate/resolve yet")
    today = date.fromisoformat(DEMO_TODAY)
    with Tracker(StoreConfig.sqlite(store), clock=Clock(today), user="tester") as tracker:
        for exercise in tracker.exercises():
            code = re.sub(r"-\d{4}-", "-", exercise.reference)
            for check in evaluate(exercise):
                yield code, check.rule, resolve(check, today).status.value


@pytest.fixture(scope="module")
def verdicts(store: Path) -> Counter[tuple[str, str, str]]:
    return Counter(_resolved_checks(store))


def test_checks_include_every_kind_of_verdict(verdicts: Counter[tuple[str, str, str]]) -> None:
    statuses = Counter(status for _, _, status in verdicts.elements())
    for status in ("compliant", "breach", "justified", "at-risk"):
        assert statuses[status] >= 2, status
    assert statuses["compliant"] > statuses["breach"]


@pytest.mark.parametrize(
    ("exercise", "rule", "status"),
    [
        ("GLO-031", "timetable-published", "compliant"),
        ("GLO-031", "pqq-proportionate", "compliant"),
        ("GLO-044", "funding-lead-time", "breach"),
        ("GLO-044", "funding-term", "not-applicable"),
        ("GLO-044", "bidder-feedback", "breach"),
        ("GLO-052", "timetable-published", "breach"),
        ("GLO-052", "pqq-proportionate", "breach"),
        ("GLO-018", "notice-period", "breach"),
        ("GLO-018", "impact-assessment", "breach"),
        ("GLO-061", "funding-lead-time", "compliant"),
        ("GLO-072", "notice-period", "compliant"),
        ("GLO-083", "notice-period", "at-risk"),
        ("GLO-090", "funding-lead-time", "justified"),
        ("GLO-090", "funding-term", "not-applicable"),
        ("GICB-014", "consultation-length", "justified"),
        ("GICB-014", "consultation-feedback", "breach"),
        ("LEI-009", "consultation-length", "breach"),
        ("LEI-009", "consultation-feedback", "at-risk"),
        ("LEI-015", "monitoring-proportionate", "breach"),
        ("LEI-015", "funding-term", "justified"),
        ("LEI-033", "pqq-proportionate", "breach"),
        ("LEI-033", "bidder-feedback", "at-risk"),
        ("OPCC-007", "pqq-proportionate", "justified"),
        ("BEX-112", "improvement-timetable", "compliant"),
        ("BEX-118", "pqq-proportionate", "breach"),
        ("BEX-121", "pqq-proportionate", "breach"),
        ("BEX-104", "notice-period", "justified"),
        ("BEX-097", "notice-in-writing", "breach"),
        ("BEX-097", "impact-assessment", "breach"),
        ("BEX-109", "notice-period", "at-risk"),
        ("BEX-130", "consultation-feedback", "compliant"),
        ("GLO-105", "notice-period", "compliant"),
        ("GLO-105", "improvement-timetable", "breach"),
        ("GLO-105", "monitoring-proportionate", "compliant"),
    ],
)
def test_story_triggers_its_verdict(
    verdicts: Counter[tuple[str, str, str]], exercise: str, rule: str, status: str
) -> None:
    found = sorted(s for code, r, s in verdicts if code == exercise and r == rule)
    assert status in found, f"{exercise} {rule}: {found}"


def test_the_corrected_notice_leaves_no_breach(verdicts: Counter[tuple[str, str, str]]) -> None:
    assert not verdicts[("GLO-072", "notice-period", "breach")]


def test_leicestershire_needs_no_notice_at_a_defined_end_date(
    verdicts: Counter[tuple[str, str, str]],
) -> None:
    assert not verdicts[("LEI-021", "notice-period", "breach")]
    assert not verdicts[("LEI-002", "notice-period", "breach")]


def test_ending_a_private_lot_owes_no_compact_notice(
    verdicts: Counter[tuple[str, str, str]],
) -> None:
    # GLO-105: the private lot's early end is not-applicable, never a pending breach.
    assert not verdicts[("GLO-105", "notice-period", "breach")]
    assert not verdicts[("GLO-105", "notice-period", "at-risk")]
    assert not verdicts[("GLO-105", "impact-assessment", "breach")]
    assert verdicts[("GLO-105", "impact-assessment", "not-applicable")] == 1


def test_gloucestershire_makes_no_funding_term_commitment(
    verdicts: Counter[tuple[str, str, str]],
) -> None:
    glos = {s for (code, rule, s) in verdicts if code.startswith("GLO-") and rule == "funding-term"}
    assert glos == {"not-applicable"}
