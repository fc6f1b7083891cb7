"""Where the event log lives: a SQLite file by default, PostgreSQL by configuration.

``--store`` (or ``CTRACK_STORE``) takes either a path to a SQLite file or a PostgreSQL URL
(``postgresql://user@host:5432/dbname?schema=name``). Nothing else in the product knows
which one it is talking to: this module turns the choice into the eventsourcing library's
environment settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from commission_tracker.aggregates.errors import EXIT_BAD_INPUT, StoreTrouble

STORE_ENV = "CTRACK_STORE"
DEFAULT_STORE_NAME = "ctrack.sqlite"
SETUP_LOCK = 770_2026_001
"""PostgreSQL advisory lock key held while a process creates or checks the tables."""


class StoreError(StoreTrouble):
    """The store cannot be opened or used as configured (exit 1)."""


class InvalidStoreAddress(StoreError):
    """``--store`` or ``CTRACK_STORE`` names no usable store: the input's fault (exit 2)."""

    exit_code = EXIT_BAD_INPUT


def default_store_path() -> Path:
    """The store used when none is named: in the user's data directory."""
    import platformdirs  # only when no store is named

    return Path(platformdirs.user_data_dir("commission-tracker")) / DEFAULT_STORE_NAME


@dataclass(frozen=True)
class StoreConfig:
    """A store location: ``kind`` is ``sqlite`` or ``postgres``."""

    kind: str
    location: str
    """The SQLite file's path, or the PostgreSQL URL without its password."""
    env: tuple[tuple[str, str], ...]

    @classmethod
    def from_option(cls, option: str | None = None) -> StoreConfig:
        """Resolve ``--store``, then ``CTRACK_STORE``, then the default file."""
        value = option or os.environ.get(STORE_ENV) or str(default_store_path())
        if value.startswith(("postgresql://", "postgres://")):
            return cls.postgres(value)
        return cls.sqlite(Path(value).expanduser())

    @classmethod
    def sqlite(cls, path: Path) -> StoreConfig:
        if path.exists() and path.is_dir():
            raise InvalidStoreAddress(
                f"The store {path} is a directory; name a file, e.g. {path}/ctrack.sqlite."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"Cannot create the folder for the store {path}: {error.strerror}."
            ) from None
        return cls(
            kind="sqlite",
            location=str(path),
            env=(
                ("PERSISTENCE_MODULE", "eventsourcing.sqlite"),
                ("SQLITE_DBNAME", str(path)),
                ("SQLITE_LOCK_TIMEOUT", "30"),
            ),
        )

    @classmethod
    def postgres(cls, url: str) -> StoreConfig:
        parts = urlsplit(url)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise InvalidStoreAddress(f"The PostgreSQL store URL {url!r} names no database.")
        query = parse_qs(parts.query)
        env = [
            ("PERSISTENCE_MODULE", "eventsourcing.postgres"),
            ("POSTGRES_DBNAME", dbname),
            ("POSTGRES_HOST", parts.hostname or "127.0.0.1"),
            ("POSTGRES_PORT", str(parts.port or 5432)),
            ("POSTGRES_USER", unquote(parts.username or "postgres")),
            ("POSTGRES_PASSWORD", unquote(parts.password or "")),
            ("POSTGRES_CONNECT_TIMEOUT", "5"),
        ]
        if "schema" in query:
            env.append(("POSTGRES_SCHEMA", query["schema"][0]))
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        return cls(kind="postgres", location=shown, env=tuple(env))

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Hold while opening the store: on PostgreSQL, processes creating the tables at
        once would collide (the library replaces its functions on every start), so they
        take turns on an advisory lock. SQLite needs no lock here."""
        if self.kind != "postgres":
            yield
            return
        import psycopg

        env = self.as_env()
        try:
            connection = psycopg.connect(
                dbname=env["POSTGRES_DBNAME"],
                host=env["POSTGRES_HOST"],
                port=env["POSTGRES_PORT"],
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
                connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
                autocommit=True,
            )
        except psycopg.OperationalError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise StoreError(
                f"Cannot reach the PostgreSQL store {self.location}: {first_line}."
            ) from None
        with connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))

    def as_env(self) -> dict[str, str]:
        return dict(self.env)

    @property
    def schema(self) -> str | None:
        return self.as_env().get("POSTGRES_SCHEMA")
