"""Shared fixtures: an isolated store per test, the CLI run in-process, PostgreSQL access.

Every test gets its own SQLite file through ``CTRACK_STORE`` (so nothing ever touches the
user's real store), ``CTRACK_USER=tester`` and no ``CTRACK_TODAY``. ``ctrack(...)`` runs
``commission_tracker.cli.main.main`` in-process and returns its exit code and output.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from ctrack_helpers import REFERENCE, TODAY, Result, open_args, sqlite_event_count

from commission_tracker.cli.main import main

# Let test modules import ``tests.<module>`` under plain ``pytest`` as well as under
# ``python -m pytest`` (which puts the working directory on the path).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

__all__ = ["Result", "open_args"]  # re-exported for modules that import them from here

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_ENV = "CTRACK_TEST_POSTGRES"
REQUIRE_POSTGRES_ENV = "CTRACK_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole run (bank holidays), never the user's own."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session_cache: Path) -> Path:
    """A fresh store file for each test; never the user's store, cache or clock."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(session_cache))
    store = tmp_path / "store" / "ctrack.sqlite"
    monkeypatch.setenv("CTRACK_STORE", str(store))
    monkeypatch.setenv("CTRACK_USER", "tester")
    monkeypatch.delenv("CTRACK_TODAY", raising=False)
    return store


@pytest.fixture
def store_path(isolated_env: Path) -> Path:
    """The SQLite file the test's ``ctrack`` runs use by default."""
    return isolated_env


@pytest.fixture
def ctrack(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``ctrack`` in-process: ``ctrack("show", "CT-001", today=None)``.

    ``today`` (default :data:`TODAY`) is passed as ``--today``; ``None`` leaves it out.
    """

    def run(*args: str, today: str | None = TODAY) -> Result:
        capsys.readouterr()  # forget anything printed before
        argv = (["--today", today] if today else []) + list(args)
        try:
            code = main(argv)
        except SystemExit as exit_:  # --help
            code = exit_.code if isinstance(exit_.code, int) else 0
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def event_count(store_path: Path) -> Callable[..., int]:
    """``event_count()`` is the number of events in the test's store."""

    def count(path: Path | None = None) -> int:
        return sqlite_event_count(path or store_path)

    return count


@pytest.fixture
def opened(ctrack: Callable[..., Result]) -> str:
    """A store holding one open exercise, :data:`REFERENCE`, opened on :data:`OPENED_ON`."""
    result = ctrack(*open_args())
    assert result.code == 0, result.err
    return REFERENCE


# -- PostgreSQL -----------------------------------------------------------------------


def _postgres_unreachable(url: str) -> str | None:
    """Why the server at ``url`` cannot be used, or ``None`` if it can."""
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({error})"
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        detail = " ".join(str(error).split())  # psycopg's message spans lines
        return f"cannot connect to {url} ({type(error).__name__}: {detail})"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server to test against (``CTRACK_TEST_POSTGRES``).

    Skips when it is unreachable, unless ``CTRACK_REQUIRE_POSTGRES=1`` (CI), which fails.
    """
    url = os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES
    problem = _postgres_unreachable(url)
    if problem is not None:
        message = f"PostgreSQL tests need a server: {problem}. Start one or set {POSTGRES_ENV}."
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {message}", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A store URL on a fresh, empty schema, dropped after the test."""
    import psycopg

    schema = f"ctrack_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if urlsplit(postgres_server).query else "?"
    try:
        yield f"{postgres_server}{separator}schema={schema}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
