"""``flags``: flags listed from ``ct_flags`` (a day each check becomes a flag, and its JSON
document pre-rendered) are exactly the checks ``rules.resolve`` flags, printed exactly as
before: the checks resolved in Python and encoded by ``emit_json``.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing, redirect_stderr, redirect_stdout
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission_tracker.application import Clock, StoreConfig, Tracker
from commission_tracker.cli.main import main
from commission_tracker.projections import queries
from commission_tracker.projections.views import CommissioningViews
from commission_tracker.rules.model import FLAGGED, Check, Status, flagged_from, resolve

DEMO_TODAY = "2026-11-21"


# -- the day a check becomes a flag, against ``resolve`` ---------------------------------

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def checks(draw: st.DrawFn) -> Check:
    status = draw(st.one_of(st.none(), st.sampled_from(list(Status))))
    due = draw(st.one_of(st.none(), days)) if status is not None else draw(days)
    at_risk_from = draw(st.one_of(st.none(), days))
    return Check(
        exercise="CT-001",
        rule="notice-period",
        subject="",
        status=status,
        message="fine",
        source="5.1",
        profile="national",
        due=due,
        at_risk_from=at_risk_from,
        at_risk_message="soon" if at_risk_from else None,
        breach_message="late" if status is None else None,
    )


@given(checks(), st.lists(days, min_size=1, max_size=20))
def test_a_check_is_a_flag_from_its_flagged_from_day_on(check: Check, on: list[date]) -> None:
    start = flagged_from(check)
    marks = [d for d in (check.due, check.at_risk_from, start) if d and d != date.min]
    for day in on + marks:
        for today in (day - timedelta(days=1), day, day + timedelta(days=1)):
            verdict = resolve(check, today)
            assert (verdict.status in FLAGGED) == (start is not None and start <= today)
            if verdict.status in FLAGGED and check.pending:
                # What the SQL says of a flagged pending check: a breach after due.
                assert check.due is not None
                expected = Status.BREACH if check.due < today else Status.AT_RISK
                assert verdict.status is expected


# -- the SQL against the checks resolved in Python, on the demo's store -------------------


def reference_flags(
    views: CommissioningViews, today: date, rule: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Flags as ``queries.flags`` made them before ``ct_flags``: every check resolved."""
    rows = views.query(queries.CHECK_SELECT + " ORDER BY c.reference, c.ordinal")
    found = [
        check
        for check in queries.checks_json(rows, today)
        if check["status"] in queries.FLAGGED
        and (rule is None or check["rule"] == rule)
        and (status is None or check["status"] == status)
    ]
    return found


def printed(document: Any) -> str:
    """What ``emit_json`` prints when piped."""
    return json.dumps(document, ensure_ascii=False, default=str)


def utf8(document: Any) -> bytes:
    return printed(document).encode()


def boundary_days(views: CommissioningViews) -> list[date]:
    """Every day a pending check changes verdict, and the days either side."""
    rows = views.query(
        "SELECT due AS day FROM {p}ct_checks WHERE due IS NOT NULL "
        "UNION SELECT at_risk_from FROM {p}ct_checks WHERE at_risk_from IS NOT NULL"
    )
    found = {date.fromisoformat(row["day"]) for row in rows}
    return sorted({d + timedelta(days=n) for d in found for n in (-1, 0, 1)})


def quietly(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    assert code == 0, err.getvalue()
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("flags") / "demo.sqlite"
    quietly("--store", str(store), "--today", DEMO_TODAY, "demo")
    return store


def assert_same_flags(tracker: Tracker, days: list[date]) -> None:
    views = tracker.views
    seen = set()
    for today in days:
        expected = reference_flags(views, today)
        assert queries.flags_json(views, today) == utf8(expected), today
        assert queries.flags(views, today) == expected
        seen |= {check["status"] for check in expected}
        for status in ("breach", "at-risk", "justified", "compliant"):
            by_status = reference_flags(views, today, status=status)
            assert queries.flags_json(views, today, status=status) == utf8(by_status)
        by_rule = reference_flags(views, today, rule="notice-period")
        assert queries.flags_json(views, today, rule="notice-period") == utf8(by_rule)
    assert seen == {"breach", "justified", "at-risk"}, "the days tried show every kind"


def test_flags_from_sql_are_the_checks_resolve_flags_on_every_boundary_day(demo: Path) -> None:
    with Tracker(StoreConfig.sqlite(demo), clock=Clock(date(2026, 11, 21))) as tracker:
        days = boundary_days(tracker.views)
        assert len(days) > 50
        assert_same_flags(tracker, days)


def test_flags_json_prints_the_document_emit_json_printed(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Tracker(StoreConfig.sqlite(demo), clock=Clock(date(2026, 11, 21))) as tracker:
        expected = reference_flags(tracker.views, date(2026, 11, 21))
        late = reference_flags(tracker.views, date(2026, 11, 21), status="breach")
    assert expected and late
    argv = ("--store", str(demo), "--today", DEMO_TODAY, "flags", "--json")
    assert quietly(*argv)[1] == printed(expected) + "\n"
    # At a terminal: indented, as emit_json indents.
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    with redirect_stdout(tty):
        assert main(list(argv)) == 0
    assert tty.getvalue() == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    # Piped to a byte stream, in UTF-8 or not.
    for encoding in ("utf-8", "utf-16"):
        piped = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        with redirect_stdout(piped):
            assert main(list(argv)) == 0
            piped.flush()
        written = piped.buffer.getvalue().decode(encoding)  # type: ignore[attr-defined]
        assert written == printed(expected) + "\n"
    # Filtered, and an empty answer.
    assert quietly(*argv, "--status", "breach")[1] == printed(late) + "\n"
    assert quietly(*argv, "--rule", "no-such-rule")[1] == "[]\n"


def test_views_made_before_ct_flags_are_rebuilt_with_it(tmp_path: Path) -> None:
    store = tmp_path / "old.sqlite"
    quietly("--store", str(store), "--today", DEMO_TODAY, "demo")
    _, before = quietly("--store", str(store), "--today", DEMO_TODAY, "flags", "--json")
    with closing(sqlite3.connect(store)) as connection:
        # What version 1 of the projection left: no ct_flags, version "1".
        connection.execute("DROP TABLE ct_flags")
        connection.execute("UPDATE ct_meta SET value = '1' WHERE key = 'projection_version'")
        connection.commit()
    _, after = quietly("--store", str(store), "--today", DEMO_TODAY, "flags", "--json")
    assert after == before
    assert json.loads(after)


@pytest.mark.postgres
def test_flags_on_postgres_are_the_checks_resolve_flags(
    postgres_url: str, ctrack: Callable[..., Any]
) -> None:
    assert ctrack("--store", postgres_url, "demo", today=DEMO_TODAY).code == 0
    with Tracker(StoreConfig.from_option(postgres_url), clock=Clock(date(2026, 11, 21))) as t:
        days = boundary_days(t.views)
        assert_same_flags(t, [*days[:: max(1, len(days) // 60)], date(2026, 11, 21)])
    shown = ctrack("--store", postgres_url, "flags", "--json", today=DEMO_TODAY)
    assert shown.code == 0 and shown.out == printed(json.loads(shown.out)) + "\n"


def test_flags_written_a_page_at_a_time_make_the_same_document(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commission_tracker.projections import queries

    monkeypatch.setattr(queries, "FLAG_PAGE", 7)
    with Tracker(StoreConfig.sqlite(demo), clock=Clock(date(2026, 11, 21))) as tracker:
        # The documents computed one check at a time, not by the pages under test.
        expected = utf8(reference_flags(tracker.views, date(2026, 11, 21)))
        by_status = utf8(reference_flags(tracker.views, date(2026, 11, 21), status="breach"))
        whole = tracker.flags_json()
        pieces = list(tracker.flags_json_chunks())
        assert len(json.loads(whole)) > 3 * 7  # several pages
        assert len(pieces) == 2 + -(-len(json.loads(whole)) // 7)  # "[", the pages, "]"
        assert b"".join(pieces) == whole == expected
        assert b"".join(tracker.flags_json_chunks(rule="no-such-rule")) == b"[]"
        breaches = tracker.flags_json(status="breach")
        assert b"".join(tracker.flags_json_chunks(status="breach")) == breaches == by_status
    argv = ("--store", str(demo), "--today", DEMO_TODAY, "flags", "--json")
    assert quietly(*argv)[1] == whole.decode() + "\n"


def test_flags_json_piped_to_a_reader_that_stops_early_ends_quietly(demo: Path) -> None:
    # `ctrack flags --json | head -c 100`: the reader goes away after a page or two; ctrack
    # stops writing, ends its read of the store and exits without a traceback.
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from commission_tracker.projections import queries\n"
        "queries.FLAG_PAGE = 2\n"
        "from commission_tracker.cli.main import console\n"
        "sys.exit(console())\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script, "--store", str(demo), "--today", DEMO_TODAY, "flags",
         "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.read(100).startswith(b'[{"exercise": ')
    reader.stdout.close()
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert errors == ""
