"""A team's PostgreSQL store: large imports that finish, read-only auditors, moving stores,
connection trouble (issue 14).

Real PostgreSQL (a fresh schema per test, see the ``postgres_url`` fixture) and real SQLite
files; ``ctrack`` runs in-process through the ``ctrack`` fixture or as a process of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from ctrack_helpers import TODAY, Result, open_args

from benchmarks.workload import TODAY as WORKLOAD_TODAY
from benchmarks.workload import generate
from commission_tracker.application import StoreConfig

pytestmark = pytest.mark.postgres

Ctrack = Callable[..., Result]


def pg_count(url: str, table: str = "commissioning_events") -> int:
    """Rows in one of the store's tables, counted by PostgreSQL itself."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    from commission_tracker.application import StoreConfig

    schema = StoreConfig.from_option(url).schema
    with psycopg.connect(url.partition("?")[0]) as connection:
        row = connection.execute(
            SQL("SELECT COUNT(*) FROM {}.{}").format(Identifier(schema), Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0])


def ctrack_process(*args: str, timeout: float = 600, stdin: str | None = None) -> Result:
    """``ctrack`` in a process of its own (a hang fails the test at ``timeout``)."""
    done = subprocess.run(
        [sys.executable, "-m", "commission_tracker", *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def write_workload(path: Path, exercises: int, seed: int = 3) -> int:
    """The benchmarks' generated workload (realistic exercises) as an import file; returns
    its number of lines (one fact each)."""
    lines = list(generate(seed, exercises))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def same_views(store: str, *, today: str = TODAY) -> dict[str, object]:
    """What the reading verbs answer from the views of ``store``."""
    answers: dict[str, object] = {}
    for verb in (["list"], ["flags"], ["involvement", "--by", "quarter"], ["evaluate"]):
        result = ctrack_process("--store", store, "--today", today, *verb, "--json")
        assert result.code == 0, result.err
        answers[verb[0]] = json.loads(result.out)
    return answers


# -- 1. bulk writes that never hang ------------------------------------------------------


@pytest.mark.slow
def test_a_large_import_into_postgres_finishes_every_time(
    postgres_server: str, tmp_path: Path
) -> None:
    """A 24,000-fact import (the size that hung in psycopg's pipeline about half the
    time) run three times into fresh schemas: each finishes, stores every fact once, and
    leaves views equal to a rebuild."""
    import uuid

    import psycopg

    workload = tmp_path / "large.jsonl"
    lines = write_workload(workload, 250)
    assert lines > 20_000  # large enough for the shared (two-process) import path
    for run in range(3):
        schema = f"ctrack_test_import_{uuid.uuid4().hex[:10]}"
        url = f"{postgres_server}?schema={schema}"
        try:
            result = ctrack_process(
                "--store",
                url,
                "--today",
                WORKLOAD_TODAY.isoformat(),
                "import",
                "--keep-recorded-at",
                str(workload),
            )
            assert result.code == 0, (run, result.err)
            # The workload keeps its recorded times: each exercise also gains the fact
            # that says it was migrated.
            assert f"{lines + 250:,} facts" in result.out
            assert pg_count(url) == lines + 250
            if run == 0:
                before = same_views(url, today=WORKLOAD_TODAY.isoformat())
                assert ctrack_process("--store", url, "replay", "--quiet").code == 0
                assert same_views(url, today=WORKLOAD_TODAY.isoformat()) == before
        finally:
            with psycopg.connect(postgres_server, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_batch_written_by_copy_gets_its_positions_in_order(postgres_url: str) -> None:
    """Events written by COPY come back in the order given, with their positions."""
    from ctrack_helpers import version_1_opening

    from commission_tracker.application import StoreConfig, Tracker
    from commission_tracker.application.recorders_postgres import COPY_FROM

    events = [version_1_opening(f"COPY-{n}") for n in range(COPY_FROM + 5)]
    with Tracker(StoreConfig.from_option(postgres_url)) as tracker:
        first = tracker.app.recorder.insert_events(events[:3])  # one INSERT
        ids = tracker.app.recorder.insert_events(events[3:])  # COPY
        assert first is not None and ids is not None
        assert list(first) + list(ids) == list(range(first[0], first[0] + len(events)))
        notifications = tracker.app.recorder.select_notifications(1, len(events) + 10)
        assert [n.originator_id for n in notifications] == [e.originator_id for e in events]


# -- 2. read-only auditors -----------------------------------------------------------------


@pytest.fixture
def auditor(postgres_url: str, postgres_server: str) -> Iterator[str]:
    """A role name of this test's own, dropped (with its grants) afterwards."""
    import uuid

    import psycopg

    role = f"ctrack_auditor_{uuid.uuid4().hex[:10]}"
    try:
        yield role
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname=%s", (role,))
            if exists.fetchone():
                connection.execute(f'DROP OWNED BY "{role}"')
                connection.execute(f'DROP ROLE "{role}"')


def as_user(url: str, role: str) -> str:
    """``url`` with ``role`` as its user."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}").geturl()


def record_two_exercises(ctrack: Ctrack, store: str) -> None:
    for reference in ("AUD-1", "AUD-2"):
        assert ctrack("--store", store, *open_args(reference)).code == 0
    consulted = ctrack("--store", store, "consult", "AUD-1", "--opens", "2026-01-12",
                       "--closes", "2026-02-09")  # fmt: skip
    assert consulted.code == 0, consulted.err


def test_auditor_role_prints_the_sql_and_changes_nothing(
    ctrack: Ctrack, postgres_url: str, auditor: str
) -> None:
    printed = ctrack("--store", postgres_url, "auditor-role", auditor)
    assert printed.code == 0, printed.err
    assert (
        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{StoreConfig.from_option(postgres_url).schema}"'
        in printed.out
    )
    assert "INSERT" not in printed.out and "UPDATE" not in printed.out
    import psycopg

    with psycopg.connect(postgres_url.partition("?")[0]) as connection:
        found = connection.execute("SELECT 1 FROM pg_roles WHERE rolname=%s", (auditor,))
        assert found.fetchone() is None, "printing the SQL created the role"


def test_an_auditor_reads_everything_and_records_nothing(
    ctrack: Ctrack, postgres_url: str, auditor: str, tmp_path: Path
) -> None:
    record_two_exercises(ctrack, postgres_url)
    granted = ctrack("--store", postgres_url, "auditor-role", auditor, "--run")
    assert granted.code == 0, granted.err
    audit = as_user(postgres_url, auditor)
    owner_views = same_views(postgres_url)
    assert same_views(audit) == owner_views
    for verb in (["show", "AUD-1"], ["history", "AUD-1"], ["compliance", "AUD-1"],
                 ["deadlines"]):  # fmt: skip
        read = ctrack("--store", audit, *verb, "--json")
        assert read.code == 0 and read.err == "", (verb, read.err)
    events = pg_count(postgres_url)
    for args in (
        open_args("AUD-3"),
        ["involve", "AUD-1", "--org", "Mind", "--sector", "vcs", "--activity", "co-design"],
        ["advance", "AUD-2", "plan"],
        ["replay", "--quiet"],
        ["demo", "--force"],
    ):
        refused = ctrack("--store", audit, *args)
        assert refused.code == 1, (args, refused)
        assert refused.err.count("\n") == 1 and "may only read" in refused.err, refused.err
        assert "Traceback" not in refused.err and refused.out == ""
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps({"verb": "bid", "reference": "AUD-1", "bidder": "X",
                                 "sector": "vcs"}) + "\n")  # fmt: skip
    refused = ctrack("--store", audit, "import", str(lines))
    assert refused.code == 1 and "may only read" in refused.err
    assert pg_count(postgres_url) == events


def test_an_auditor_reads_views_that_are_behind_as_they_are_with_a_note(
    ctrack: Ctrack, postgres_url: str, auditor: str
) -> None:
    from commission_tracker.application import Clock, Tracker

    record_two_exercises(ctrack, postgres_url)
    assert ctrack("--store", postgres_url, "auditor-role", auditor, "--run").code == 0
    # A fact saved by a process that did not bring the views up to date.
    with Tracker(StoreConfig.from_option(postgres_url), project=False,
                 clock=Clock(date.fromisoformat(TODAY))) as writer:  # fmt: skip
        writer.open_exercise(reference="AUD-LATE", title="Late", commissioner="Leeds",
                             value="1000", mechanism="grant", regime="grant",
                             profile="national")  # fmt: skip
    audit = as_user(postgres_url, auditor)
    listed = ctrack("--store", audit, "list", "--json")
    assert listed.code == 0
    assert [row["reference"] for row in listed.json()] == ["AUD-1", "AUD-2"]
    assert "do not show the last 1 facts" in listed.err and listed.err.count("\n") == 1
    # The exercise itself is read from the log, which is complete.
    assert ctrack("--store", audit, "show", "AUD-LATE", "--json").json()["title"] == "Late"
    # Once someone who may write runs a command, the views catch up and the note goes.
    assert ctrack("--store", postgres_url, "list").code == 0
    listed = ctrack("--store", audit, "list", "--json")
    assert len(listed.json()) == 3 and listed.err == ""


def test_an_auditor_dashboard_shows_the_portfolio(
    ctrack: Ctrack, postgres_url: str, auditor: str
) -> None:
    import asyncio

    from commission_tracker.application import Tracker
    from commission_tracker.tui.app import DashboardApp
    from commission_tracker.tui.portfolio import PortfolioView

    record_two_exercises(ctrack, postgres_url)
    assert ctrack("--store", postgres_url, "auditor-role", auditor, "--run").code == 0

    async def look() -> list[str]:
        with Tracker(StoreConfig.from_option(as_user(postgres_url, auditor))) as tracker:
            app = DashboardApp(tracker)
            async with app.run_test(size=(120, 30)) as pilot:
                await pilot.press("j", "enter", "escape")
                return [e["reference"] for e in app.query_one(PortfolioView).exercises]

    assert sorted(asyncio.run(look())) == ["AUD-1", "AUD-2"]


def test_a_user_who_may_not_create_the_schema_is_told_how(
    ctrack: Ctrack, postgres_url: str, auditor: str
) -> None:
    assert ctrack("--store", postgres_url, "auditor-role", auditor, "--run").code == 0
    missing = as_user(postgres_url, auditor).replace("schema=", "schema=nothere_")
    refused = ctrack("--store", missing, "list")
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert "does not exist" in refused.err and "setup-store" in refused.err


def test_a_missing_schema_is_created_on_first_use_by_a_user_who_may(
    ctrack: Ctrack, postgres_server: str
) -> None:
    import uuid

    import psycopg

    schema = f"ctrack_test_new_{uuid.uuid4().hex[:10]}"
    url = f"{postgres_server}?schema={schema}"
    try:
        assert ctrack("--store", url, "setup-store").code == 0
        assert ctrack("--store", url, *open_args()).code == 0
        assert pg_count(url) == 1
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- 5. moving stores ------------------------------------------------------------------


def stored_events(store: str) -> list[tuple[object, ...]]:
    """Every event of ``store`` as stored: exercise, version, topic, state bytes."""
    from commission_tracker.aggregates.identity import as_uuid
    from commission_tracker.application import Tracker

    with Tracker(StoreConfig.from_option(store), project=False) as tracker:
        notes = tracker.app.recorder.select_notifications(1, 1_000_000)
        return [(as_uuid(n.originator_id), n.originator_version, n.topic, bytes(n.state))
                for n in notes]  # fmt: skip


def test_copy_store_moves_a_store_from_sqlite_to_postgres_and_back(
    ctrack: Ctrack, postgres_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "team.sqlite"
    lines = write_workload(tmp_path / "w.jsonl", 12)
    first = json.loads((tmp_path / "w.jsonl").read_text().splitlines()[0])["reference"]
    today = WORKLOAD_TODAY.isoformat()
    assert (
        ctrack(
            "--store",
            str(source),
            "import",
            "--keep-recorded-at",
            str(tmp_path / "w.jsonl"),
            today=today,
        ).code
        == 0
    )
    assert ctrack("--store", str(source), "correct", first, "2", "--reason", "typo",
                  today=today).code == 0  # fmt: skip
    copied = ctrack("copy-store", "--from", str(source), "--to", postgres_url, "--json")
    assert copied.code == 0, copied.err
    # Each exercise's migration fact (the workload keeps recorded times), and the correction.
    assert copied.json() == {"events": lines + 12 + 1, "exercises": 12}
    back = tmp_path / "back.sqlite"
    assert ctrack("copy-store", "--from", postgres_url, "--to", str(back), "--quiet").code == 0
    events = stored_events(str(source))
    assert len(events) == lines + 12 + 1
    assert stored_events(postgres_url) == events == stored_events(str(back))
    views = same_views(str(source), today=today)
    assert same_views(postgres_url, today=today) == views == same_views(str(back), today=today)
    history = ctrack("--store", postgres_url, "history", first, "--json").json()
    assert history == ctrack("--store", str(source), "history", first, "--json").json()


def test_copy_store_refuses_a_target_that_holds_facts(
    ctrack: Ctrack, postgres_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "a.sqlite"
    assert ctrack("--store", str(source), *open_args("A-1")).code == 0
    assert ctrack("--store", postgres_url, *open_args("B-1")).code == 0
    refused = ctrack("copy-store", "--from", str(source), "--to", postgres_url)
    assert refused.code == 2 and "empty store only" in refused.err
    assert refused.err.count("\n") == 1
    assert pg_count(postgres_url) == 1


# -- 6. connection trouble ---------------------------------------------------------------


class Proxy:
    """A TCP relay to the PostgreSQL server that this test can pull out: ``cut()`` drops
    every connection and refuses new ones, as a server that goes away would. With
    ``cut_after`` bytes sent by the client it pulls itself out in mid-stream."""

    def __init__(self, host: str, port: int, cut_after: int | None = None) -> None:
        import socket
        import threading

        self.target = (host, port)
        self.cut_after = cut_after
        self.sent = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[Any] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, server]
            for source, sink, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(
                    target=self._pump, args=(source, sink, upstream), daemon=True
                ).start()

    def _pump(self, source: Any, sink: Any, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if upstream:
                    with self.lock:
                        self.sent += len(data)
                    if self.cut_after is not None and self.sent > self.cut_after:
                        self.cut()
                        return
        except OSError:
            pass

    def cut(self) -> None:
        import socket

        self.closed = True
        with contextlib.suppress(OSError):
            self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        return parts._replace(netloc=f"{user}@127.0.0.1:{self.port}").geturl()


def one_sentence(result: Result) -> None:
    assert result.code == 1, result
    assert result.out == "" and result.err.startswith("ctrack: ")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err


def test_connection_trouble_is_one_sentence(ctrack: Ctrack, postgres_server: str) -> None:
    import uuid

    parts = urlsplit(postgres_server)
    unknown = uuid.uuid4().hex[:8]
    cases = {
        "connection refused": parts._replace(netloc="postgres@127.0.0.1:1").geturl(),
        "has no user": parts._replace(
            netloc=f"nobody_{unknown}@{parts.netloc.rpartition('@')[2]}"
        ).geturl(),
        "has no database": parts._replace(path=f"/nodb_{unknown}").geturl(),
        "not known": parts._replace(netloc=f"postgres@nohost-{unknown}.invalid:5432").geturl(),
    }
    for words, url in cases.items():
        for args in (["list"], open_args()):
            result = ctrack("--store", url, *args)
            one_sentence(result)
            assert words in result.err, (url, result.err)


def test_a_schema_name_cannot_carry_sql(ctrack: Ctrack, postgres_server: str) -> None:
    import psycopg

    for schema in ('x"; DROP TABLE t; --', "x y", "1abc", "a" * 64):
        result = ctrack("--store", f"{postgres_server}?schema={schema}", "list")
        assert result.code == 2 and "schema name" in result.err, result.err
        assert "letters, digits and underscores" in result.err
        assert result.err.count("\n") == 1
    with psycopg.connect(postgres_server) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'x%%' AND nspname <> 'x'"
        ).fetchone()
    assert found is not None and found[0] == 0


def test_a_server_that_goes_away_mid_command_leaves_one_sentence_and_no_half_fact(
    ctrack: Ctrack, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commission_tracker.application import Tracker

    parts = urlsplit(postgres_url)
    assert ctrack("--store", postgres_url, *open_args()).code == 0
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    through = proxy.url(postgres_url)
    assert ctrack("--store", through, "list").code == 0  # the relay works
    original = Tracker.record

    def server_goes_away(self: Tracker, *args: Any, **kwargs: Any) -> Any:
        proxy.cut()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Tracker, "record", server_goes_away)
    result = ctrack("--store", through, "involve", "CT-001", "--org", "Mind",
                    "--sector", "vcs", "--activity", "co-design")  # fmt: skip
    one_sentence(result)
    assert pg_count(postgres_url) == 1


@pytest.mark.slow
def test_a_server_that_goes_away_mid_import_leaves_one_sentence_and_nothing_imported(
    postgres_url: str, tmp_path: Path
) -> None:
    parts = urlsplit(postgres_url)
    assert ctrack_process("--store", postgres_url, "setup-store").code == 0
    workload = tmp_path / "w.jsonl"
    write_workload(workload, 60)
    # The import sends about 100 bytes a fact: the relay is pulled out half way through.
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432, cut_after=300_000)
    result = ctrack_process(
        "--store", proxy.url(postgres_url), "--today", WORKLOAD_TODAY.isoformat(),
        "import", "--keep-recorded-at", str(workload),
    )  # fmt: skip
    assert proxy.closed, "the relay was never pulled out: the test proves nothing"
    one_sentence(result)
    assert pg_count(postgres_url) == 0


def test_copy_store_refuses_a_source_that_is_not_there_or_empty(
    ctrack: Ctrack, tmp_path: Path
) -> None:
    missing = ctrack("copy-store", "--from", str(tmp_path / "typo.sqlite"),
                     "--to", str(tmp_path / "new.sqlite"))  # fmt: skip
    assert missing.code == 2 and "no store" in missing.err and missing.err.count("\n") == 1
    assert not (tmp_path / "typo.sqlite").exists() and not (tmp_path / "new.sqlite").exists()
    assert ctrack("--store", str(tmp_path / "empty.sqlite"), "list").code == 0
    empty = ctrack("copy-store", "--from", str(tmp_path / "empty.sqlite"),
                   "--to", str(tmp_path / "new.sqlite"), "--quiet")  # fmt: skip
    assert empty.code == 2 and "nothing to copy" in empty.err
