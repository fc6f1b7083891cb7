"""Where the log lives: the user's data directory by default, or --store / CTRACK_STORE."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from ctrack_helpers import REFERENCE, Result, open_args, sqlite_event_count

from commission_tracker.application import StoreConfig, StoreError, Tracker


def run_ctrack(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commission_tracker", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user who has never run ctrack, with ``home`` as home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CTRACK_", "XDG_"))}
    env.update({"HOME": str(home), "CTRACK_USER": "tester", "CTRACK_TODAY": "2026-03-02"})
    return env


@pytest.mark.parametrize("xdg", [True, False], ids=["XDG_DATA_HOME", "HOME-only"])
def test_the_default_store_is_created_in_the_users_data_directory(
    tmp_path: Path, xdg: bool
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home)
    if xdg:
        env["XDG_DATA_HOME"] = str(tmp_path / "data")
        expected = tmp_path / "data" / "commission-tracker" / "ctrack.sqlite"
    else:
        expected = home / ".local" / "share" / "commission-tracker" / "ctrack.sqlite"
    assert not expected.exists()

    opened = run_ctrack(*open_args(), env=env, cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    assert expected.is_file()
    assert sqlite_event_count(expected) == 1

    assert not list(tmp_path.glob("*.sqlite")), "nothing is written to the working directory"


def test_store_option_picks_another_file(
    tmp_path: Path, ctrack: Callable[..., Result], store_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "team.sqlite"
    assert ctrack("--store", str(other), *open_args()).code == 0
    assert sqlite_event_count(other) == 1
    assert sqlite_event_count(store_path) == 0
    assert ctrack("--store", str(other), "show", REFERENCE).code == 0
    missing = ctrack("show", REFERENCE)  # the default (CTRACK_STORE) store has no such exercise
    assert missing.code == 2 and "No exercise" in missing.err


def test_ctrack_store_variable_picks_the_store_and_the_option_overrides_it(
    tmp_path: Path, ctrack: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env, from_option = tmp_path / "env.sqlite", tmp_path / "option.sqlite"
    monkeypatch.setenv("CTRACK_STORE", str(from_env))
    assert ctrack(*open_args("ENV-1")).code == 0
    assert ctrack("--store", str(from_option), *open_args("OPT-1")).code == 0
    assert sqlite_event_count(from_env) == 1
    assert sqlite_event_count(from_option) == 1
    assert ctrack("show", "ENV-1").code == 0
    assert ctrack("show", "OPT-1").code == 2


def test_a_store_path_with_a_tilde_is_in_the_home_directory(
    tmp_path: Path, ctrack: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ctrack("--store", "~/stores/mine.sqlite", *open_args()).code == 0
    assert sqlite_event_count(tmp_path / "stores" / "mine.sqlite") == 1


def test_the_sqlite_store_uses_write_ahead_logging(
    opened: str, store_path: Path, ctrack: Callable[..., Result]
) -> None:
    with closing(sqlite3.connect(store_path)) as connection:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert mode.lower() == "wal"


def test_a_directory_is_not_a_store(tmp_path: Path, ctrack: Callable[..., Result]) -> None:
    result = ctrack("--store", str(tmp_path), "list")
    assert result.code == 2
    assert result.err.startswith("ctrack: ") and result.err.count("\n") == 1
    assert "is a directory" in result.err
    with pytest.raises(StoreError):
        StoreConfig.sqlite(tmp_path)


def test_event_count_counts_stored_events(
    opened: str, store_path: Path, ctrack: Callable[..., Result]
) -> None:
    assert ctrack("advance", REFERENCE, "plan").code == 0
    with Tracker(StoreConfig.sqlite(store_path)) as tracker:
        assert tracker.event_count() == 2
    assert sqlite_event_count(store_path) == 2


def test_a_postgres_url_is_a_postgres_store_without_its_password_on_show() -> None:
    store = StoreConfig.from_option("postgresql://ann:s3cret@db.example:6543/ct?schema=leeds")
    assert store.kind == "postgres"
    assert "s3cret" not in store.location
    assert store.schema == "leeds"
    env = store.as_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.example",
        "6543",
        "ct",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("ann", "s3cret")


def test_a_postgres_url_without_a_database_is_a_clear_error(
    ctrack: Callable[..., Result],
) -> None:
    result = ctrack("--store", "postgresql://postgres@127.0.0.1:5432", "list")
    assert result.code == 2
    assert "names no database" in result.err and result.err.count("\n") == 1
