"""The same store on PostgreSQL, chosen by configuration only (``--store postgresql://...``).

Each test gets a fresh schema (see the ``postgres_url`` fixture in conftest.py); the tests
skip when no server answers, and fail instead when ``CTRACK_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from ctrack_helpers import (
    REFERENCE,
    TODAY,
    Result,
    check_concurrent_involvements,
    open_args,
    run_together,
    version_1_opening,
)

from commission_tracker.aggregates.values import Authority, ContractKind, Sector
from commission_tracker.application import Clock, StoreConfig, Tracker

pytestmark = pytest.mark.postgres

Ctrack = Callable[..., Result]


def pg_event_count(url: str) -> int:
    """How many events the store holds, counted by PostgreSQL itself."""
    import psycopg

    schema = StoreConfig.from_option(url).schema
    with psycopg.connect(url.partition("?")[0]) as connection:
        row = connection.execute(f'SELECT COUNT(*) FROM "{schema}".commissioning_events')
        return int(row.fetchone()[0])  # type: ignore[index]


@pytest.fixture
def pg(postgres_url: str, ctrack: Ctrack) -> Iterator[Callable[..., Result]]:
    """``ctrack`` against the test's PostgreSQL schema."""

    def run(*args: str, today: str | None = TODAY) -> Result:
        return ctrack("--store", postgres_url, *args, today=today)

    yield run


def test_open_involve_show_history_on_postgres(
    pg: Ctrack, postgres_url: str, store_path: Path
) -> None:
    assert pg(*open_args()).code == 0
    involved = pg("involve", "ct-001", "--org", "Leeds Mind", "--sector", "vcs",
                  "--activity", "co-design")  # fmt: skip
    assert involved.code == 0, involved.err
    assert pg("advance", REFERENCE, "plan").code == 0

    shown = pg("show", REFERENCE, "--json").json()
    assert (shown["reference"], shown["phase"], shown["cycle"]) == (REFERENCE, "plan", 1)
    assert Decimal(shown["value"]) == Decimal("250000")
    history = pg("history", REFERENCE, "--json").json()
    assert [f["type"] for f in history] == [
        "ExerciseOpened",
        "OrganisationInvolved",
        "PhaseChanged",
    ]
    assert history[1]["data"]["organisation"] == "Leeds Mind"
    assert history[1]["recorded_by"] == "tester"
    assert [row["reference"] for row in pg("list", "--json").json()] == [REFERENCE]
    assert pg_event_count(postgres_url) == 3
    assert not store_path.exists(), "the SQLite default was not touched"


def test_bad_input_on_postgres_is_one_sentence_and_writes_nothing(
    pg: Ctrack, postgres_url: str
) -> None:
    assert pg(*open_args()).code == 0
    for args in (
        open_args(),
        ["advance", REFERENCE, "do"],
        ["notice", REFERENCE, "--to", "X", "--effective", "2026-03-01", "--in-writing"],
        ["bid", REFERENCE, "--bidder", "X", "--sector", "vcs", "--value", "1.001"],
        ["show", "NOPE-1"],
    ):
        result = pg(*args)
        assert result.code == 2, args
        assert result.err.startswith("ctrack: ") and result.err.count("\n") == 1
        assert result.out == ""
    assert pg_event_count(postgres_url) == 1


def test_postgres_gives_back_the_same_types(postgres_url: str) -> None:
    store = StoreConfig.from_option(postgres_url)
    with Tracker(store, clock=Clock(date(2026, 3, 2)), user="tester") as tracker:
        tracker.open_exercise(
            reference="PG-1",
            title="Advice",
            commissioner="Bexley Council",
            value="1500.10",
            mechanism="contract",
            regime="PA2023",
            profile="national",
            authority="central",
        )
        tracker.record("PG-1", "bid", bidder="Advice UK", sector="vcs", value="99.90")
        tracker.record("PG-1", "funding-notified", deadline=date(2026, 3, 2) + timedelta(90))
        written = tracker.history("PG-1")
    with Tracker(store) as tracker:
        read = tracker.history("PG-1")
        exercise = tracker.exercise("pg-1")
    assert read == written
    assert str(exercise.value) == "1500.10" and exercise.authority is Authority.CENTRAL
    bid = read[1]
    assert bid.sector is Sector.VCS  # type: ignore[attr-defined]
    assert str(bid.value) == "99.90"  # type: ignore[attr-defined]
    assert type(read[2].deadline) is date  # type: ignore[attr-defined]


def test_a_version_1_opening_upcasts_on_postgres(postgres_url: str, pg: Ctrack) -> None:
    with Tracker(StoreConfig.from_option(postgres_url)) as tracker:
        tracker.app.recorder.insert_events([version_1_opening("OLD-PG")])
    shown = pg("show", "OLD-PG", "--json").json()
    assert (shown["authority"], shown["contract_kind"]) == (
        Authority.SUB_CENTRAL.value,
        ContractKind.SERVICES.value,
    )


def test_event_count_counts_events_on_postgres_after_a_refused_insert(postgres_url: str) -> None:
    from eventsourcing.persistence import IntegrityError

    with Tracker(StoreConfig.from_option(postgres_url)) as tracker:
        tracker.app.recorder.insert_events([version_1_opening("OLD-PG")])
        with pytest.raises(IntegrityError):
            tracker.app.recorder.insert_events([version_1_opening("OLD-PG")])
        tracker.app.recorder.insert_events([version_1_opening("OLD-PG-2")])
        assert pg_event_count(postgres_url) == 2
        assert tracker.event_count() == 2


def test_concurrent_recorders_on_postgres_lose_and_double_nothing(
    pg: Ctrack,
    postgres_url: str,
    tmp_path: Path,
    ctrack: Ctrack,
) -> None:
    assert pg(*open_args()).code == 0
    check_concurrent_involvements(
        postgres_url,
        tmp_path / "race",
        ctrack,
        lambda: pg_event_count(postgres_url),
        workers_count=3,
        facts_each=6,
    )


def test_processes_opening_a_postgres_store_at_once_all_work(
    pg: Ctrack, postgres_url: str, tmp_path: Path
) -> None:
    assert pg(*open_args()).code == 0
    reads = [["--store", postgres_url, "show", REFERENCE, "--json"]] * 2
    attempts = [a for worker in run_together([reads] * 6, tmp_path / "race") for a in worker]
    failures = sorted({a.err for a in attempts if a.code != 0})
    assert failures == []


def test_flags_and_the_portfolio_on_postgres_match_sqlite(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same facts in both stores give the same flags, written a page at a time on
    # PostgreSQL too, and the same portfolio for the dashboard.
    from commission_tracker.projections import queries

    monkeypatch.setattr(queries, "FLAG_PAGE", 2)
    stores = [StoreConfig.from_option(postgres_url), StoreConfig.sqlite(tmp_path / "s.sqlite")]
    documents, portfolios = [], []
    for store in stores:
        with Tracker(store, clock=Clock(date.fromisoformat(TODAY))) as tracker:
            for reference in ("PG-1", "PG-2", "PG-3"):
                tracker.open_exercise(
                    reference=reference,
                    title="Carers' support",
                    commissioner="Leeds City Council",
                    value="90000",
                    mechanism="grant",
                    regime="grant",
                    profile="national",
                    on=date(2026, 1, 5),
                )
                # Four weeks of consultation: short of twelve, a breach.
                tracker.record(
                    reference,
                    "consult",
                    opens=date(2026, 1, 12),
                    closes=date(2026, 2, 9),
                    on=date(2026, 1, 12),
                )
            documents.append(b"".join(tracker.flags_json_chunks()))
            assert documents[-1] == tracker.flags_json()
            portfolios.append(tracker.portfolio())
    assert documents[0] == documents[1]
    assert len(json.loads(documents[0])) >= 3
    assert portfolios[0] == portfolios[1]
    assert [row["breaches"] >= 1 for row in portfolios[0]] == [True, True, True]
