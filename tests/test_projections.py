"""Projections: kept current after each command, equal to a full rebuild, resumable.

The views are read back through SQL, exactly as the reading verbs see them.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing, suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_tracker.aggregates.errors import CommissioningError
from commission_tracker.application import Clock, StoreConfig, Tracker
from commission_tracker.projections.views import VIEW_TABLES
from tests.conftest import Result, open_args

START = date(2025, 1, 6)


def view_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view, sorted, so two stores' views can be compared."""
    with closing(sqlite3.connect(path)) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in VIEW_TABLES
        }


# -- random valid histories -----------------------------------------------------------

ORGS = ["Carers Gloucestershire", "Age UK Bexley", "Voluntary Action Leicestershire", "Serco"]

command = st.one_of(
    st.tuples(st.just("involve"), st.sampled_from(ORGS), st.sampled_from(["vcs", "private"])),
    st.tuples(st.just("consult"), st.integers(30, 120)),
    st.tuples(st.just("feedback")),
    st.tuples(st.just("advance")),
    st.tuples(st.just("pqq"), st.integers(0, 900_000)),
    st.tuples(st.just("award"), st.integers(1, 4)),
    st.tuples(st.just("decommission"), st.integers(20, 200)),
    st.tuples(st.just("notice"), st.integers(20, 200), st.booleans()),
    st.tuples(st.just("impact")),
    st.tuples(st.just("correct"), st.integers(2, 12)),
)


def apply(tracker: Tracker, reference: str, step: tuple[Any, ...], on: date) -> None:
    """Record one random fact; facts the aggregate refuses are simply not recorded."""
    verb = step[0]
    facts: dict[str, Any]
    if verb == "involve":
        facts = {"organisation": step[1], "sector": step[2], "activity": "co-design"}
    elif verb == "consult":
        verb, facts = "consult", {"opens": on, "closes": on + timedelta(days=step[1])}
    elif verb == "feedback":
        verb, facts = "consultation-feedback", {}
    elif verb == "advance":
        phase = tracker.exercise(reference).phase
        facts = {"to_phase": phase.next}
    elif verb == "pqq":
        verb, facts = "pqq", {"minimum_turnover": str(step[1]), "years_accounts": 3}
    elif verb == "award":
        facts = {
            "provider": "Age UK Bexley",
            "sector": "vcs",
            "value": "90000",
            "starts": on + timedelta(days=30),
            "ends": on + timedelta(days=30 + 365 * step[1]),
        }
    elif verb == "decommission":
        facts = {
            "change": "end",
            "effective": on + timedelta(days=step[1]),
            "reason": "budget",
            "provider": "Age UK Bexley",
            "sector": "vcs",
        }
    elif verb == "notice":
        facts = {"to": "Age UK Bexley", "effective": on + timedelta(days=step[1])}
        facts["in_writing"] = step[2]
    elif verb == "impact":
        verb, facts = "impact-assessed", {}
    else:
        verb, facts = "correct", {"corrects": step[1], "reason": "typed in error"}
    if verb != "consult":
        facts["on"] = on
    with suppress(CommissioningError):
        tracker.record(reference, verb, **facts)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(st.lists(command, max_size=12), min_size=1, max_size=3),
    today_offset=st.integers(0, 900),
)
def test_incremental_views_equal_a_full_rebuild(
    tmp_path_factory: pytest.TempPathFactory,
    histories: list[list[tuple[Any, ...]]],
    today_offset: int,
) -> None:
    path = tmp_path_factory.mktemp("prop") / "store.sqlite"
    clock = Clock(START + timedelta(days=today_offset))
    with Tracker(StoreConfig.sqlite(path), clock=clock, user="tester") as tracker:
        for number, history in enumerate(histories):
            reference = f"PROP-{number}"
            tracker.open_exercise(
                reference=reference,
                title="Befriending service",
                commissioner="London Borough of Bexley",
                value="180000",
                mechanism="contract",
                regime="PA2023",
                profile=["national", "bexley", "leicestershire"][number % 3],
                on=START,
            )
            for offset, step in enumerate(history, start=1):
                apply(tracker, reference, step, START + timedelta(days=7 * offset))
        incremental = view_contents(path)
        flags_before = tracker.flags()
        tracker.replay(restart=True)
        assert view_contents(path) == incremental
        assert tracker.flags() == flags_before


# -- the reading verbs -----------------------------------------------------------------


@pytest.fixture
def portfolio(ctrack: Callable[..., Result]) -> None:
    """Two exercises: one with short notice of ending funding, one consulted for 12 weeks."""
    steps = [
        open_args("BEX-1", profile="bexley", commissioner="London Borough of Bexley"),
        [
            "involve",
            "BEX-1",
            "--org",
            "Bexley Befriending Network",
            "--sector",
            "vcs",
            "--activity",
            "co-design",
            "--on",
            "2026-01-10",
        ],
        [
            "decommission",
            "BEX-1",
            "--change",
            "end",
            "--effective",
            "2026-03-31",
            "--reason",
            "Budget reduction",
            "--provider",
            "Bexley Befriending Network",
            "--on",
            "2026-02-01",
        ],
        [
            "notice",
            "BEX-1",
            "--to",
            "Bexley Befriending Network",
            "--effective",
            "2026-03-31",
            "--in-writing",
            "--rationale",
            "Budget reduction",
            "--on",
            "2026-02-10",
        ],
        open_args("LEI-1", profile="leicestershire"),
        ["consult", "LEI-1", "--opens", "2026-01-12", "--closes", "2026-04-06"],
        ["advance", "LEI-1", "plan", "--on", "2026-01-20"],
    ]
    for args in steps:
        result = ctrack(*args)
        assert result.code == 0, result.err


def test_flags_json_names_the_short_notice_with_figures_and_evidence(
    ctrack: Callable[..., Result], portfolio: None
) -> None:
    flags = ctrack("flags", "--json").json()
    notice = [f for f in flags if f["exercise"] == "BEX-1" and f["rule"] == "notice-period"]
    assert notice, flags
    check = notice[0]
    assert check["status"] == "breach"
    assert {"exercise", "rule", "status", "message", "source", "evidence"} <= check.keys()
    assert any(item["fact"] == "NoticeGiven" for item in check["evidence"])
    assert check["source"]
    # Nothing compliant is listed as a flag.
    assert {f["status"] for f in flags} <= {"breach", "justified", "at-risk"}


def test_compliance_lists_every_check_including_compliant(
    ctrack: Callable[..., Result], portfolio: None
) -> None:
    checks = ctrack("compliance", "lei-1", "--json").json()
    rules = {c["rule"]: c for c in checks}
    assert rules["consultation-length"]["status"] == "compliant"
    assert all(c["exercise"] == "LEI-1" for c in checks)
    unknown = ctrack("compliance", "NOPE")
    assert unknown.code == 2
    assert "NOPE" in unknown.err


def test_involvement_counts_vcs_organisations_per_phase(
    ctrack: Callable[..., Result], portfolio: None
) -> None:
    result = ctrack("involvement", "--json").json()
    by_ref = {e["exercise"]: e for e in result["exercises"]}
    assert set(by_ref["BEX-1"]["phases"]) == {"analyse", "plan", "do", "review"}
    assert by_ref["BEX-1"]["phases"]["analyse"]["organisations"] == 1
    assert by_ref["BEX-1"]["phases"]["analyse"]["activities"] == 1
    assert by_ref["BEX-1"]["vcs_before_do"] is True
    assert by_ref["LEI-1"]["phases"]["analyse"]["organisations"] == 0
    quarters = ctrack("involvement", "--by", "quarter", "--json").json()
    assert [p["period"] for p in quarters["periods"]] == ["2026-Q1"]


def test_evaluate_answers_with_numerators_and_denominators(
    ctrack: Callable[..., Result], portfolio: None
) -> None:
    # The change comes on 31 March: until then the notice is neither a success nor a failure.
    before = ctrack("evaluate", "--json", today="2026-03-30").json()
    assert before["notice"]["denominator"] == 0
    result = ctrack("evaluate", "--json", today="2026-03-31").json()
    assert result["notice"]["denominator"] == 1
    assert result["notice"]["numerator"] == 0  # the only notice was short
    assert result["consultations_12_weeks"] == {
        **result["consultations_12_weeks"],
        "numerator": 1,
        "denominator": 1,
        "share": 1.0,
    }
    # BEX-1 involved the VCS in analyse; LEI-1, in plan with no VCS yet, is not decided.
    assert result["vcs_before_do"]["numerator"] == 1
    assert result["vcs_before_do"]["denominator"] == 1
    assert result["open_breaches"].get("notice-period", 0) >= 1
    text = ctrack("evaluate")
    assert "three months" in text.out


def test_views_follow_each_command_without_a_replay(
    ctrack: Callable[..., Result], portfolio: None
) -> None:
    before = ctrack("list", "--phase", "plan", "--json").json()
    assert [row["reference"] for row in before] == ["LEI-1"]
    assert ctrack("advance", "LEI-1", "do", "--on", "2026-02-20").code == 0
    after = ctrack("list", "--phase", "do", "--json").json()
    assert [row["reference"] for row in after] == ["LEI-1"]


def test_a_pending_check_turns_from_at_risk_to_breach_as_today_moves(
    ctrack: Callable[..., Result],
) -> None:
    assert ctrack(*open_args("GLO-9", profile="gloucestershire")).code == 0
    assert (
        ctrack(
            "decommission",
            "GLO-9",
            "--change",
            "end",
            "--effective",
            "2026-06-30",
            "--reason",
            "Service redesigned",
            "--all-vcs-providers",
            "--on",
            "2026-02-15",
        ).code
        == 0
    )
    # Notice given on 31 March ends on 30 June at the earliest: the last day to give it.
    early = ctrack("deadlines", "--within", "60", "--json", today="2026-03-02").json()
    notice = [d for d in early if d["rule"] == "notice-period"]
    assert notice and notice[0]["due"] == "2026-03-31"
    assert notice[0]["status"] == "at-risk"
    assert notice[0]["days_left"] == 29
    late = ctrack("flags", "--rule", "notice-period", "--json", today="2026-04-01").json()
    assert [f["status"] for f in late] == ["breach"]


# -- rebuilding ------------------------------------------------------------------------


def _write_workload(path: Path, exercises: int, facts: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number in range(exercises):
            reference = f"W-{number:04d}"
            out.write(
                json.dumps(
                    {
                        "verb": "open",
                        "reference": reference,
                        "title": "Advice service",
                        "commissioner": "Leicestershire County Council",
                        "value": "120000",
                        "mechanism": "grant",
                        "regime": "grant",
                        "profile": "leicestershire",
                        "on": "2025-01-06",
                    }
                )
                + "\n"
            )
            for fact in range(facts):
                out.write(
                    json.dumps(
                        {
                            "verb": "involve",
                            "reference": reference,
                            "organisation": f"Advice group {fact % 7}",
                            "sector": "vcs",
                            "activity": "needs-evidence",
                            "on": str(date(2025, 2, 1) + timedelta(days=fact)),
                        }
                    )
                    + "\n"
                )


def _exercises_rebuilt(path: Path) -> int:
    """How many exercises a running rebuild has committed (0 when none is under way)."""
    with closing(sqlite3.connect(path, timeout=30)) as connection:
        row = connection.execute("SELECT value FROM ct_meta WHERE key='rebuild_after'").fetchone()
        if not row or not row[0]:
            return 0
        done = connection.execute(
            "SELECT COUNT(*) FROM ct_exercises WHERE exercise_id <= ?", (row[0],)
        ).fetchone()
    return int(done[0])


def kill_once_rebuilt(replay: subprocess.Popen[bytes], path: Path, exercises: int) -> int:
    """SIGKILL a running ``replay`` once it has committed ``exercises`` exercises; returns
    how many it had committed then."""
    deadline = time.monotonic() + 60
    position = 0
    while time.monotonic() < deadline and replay.poll() is None:
        position = _exercises_rebuilt(path)
        if position >= exercises:
            replay.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    replay.wait()
    assert replay.returncode == -signal.SIGKILL, "the replay finished before it could be killed"
    return position


def test_killed_replay_resumes_and_ends_equal_to_an_uninterrupted_one(tmp_path: Path) -> None:
    workload = tmp_path / "workload.jsonl"
    _write_workload(workload, exercises=200, facts=49)  # 10,000 events
    interrupted = tmp_path / "interrupted.sqlite"
    ctrack = [sys.executable, "-m", "commission_tracker", "--today", "2026-03-02"]
    subprocess.run([*ctrack, "--store", str(interrupted), "import", str(workload)], check=True)
    reference = tmp_path / "reference.sqlite"
    reference.write_bytes(interrupted.read_bytes())
    subprocess.run([*ctrack, "--store", str(reference), "replay", "--quiet"], check=True)
    expected = view_contents(reference)

    replay = subprocess.Popen(
        [*ctrack, "--store", str(interrupted), "replay", "--batch-size", "10", "--restart"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    position = kill_once_rebuilt(replay, interrupted, 10)
    assert 10 <= position < 200
    with closing(sqlite3.connect(interrupted)) as connection:
        flag = connection.execute("SELECT value FROM ct_meta WHERE key='rebuilding'").fetchone()
    assert flag is not None  # the half-done rebuild is marked as such

    resumed = subprocess.run(
        [*ctrack, "--store", str(interrupted), "replay", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    )
    processed = int(resumed.stdout.split("from ")[1].split(" events")[0].replace(",", ""))
    assert processed < 10_000  # it resumed rather than starting over
    assert view_contents(interrupted) == expected
