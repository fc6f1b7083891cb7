"""Where the event log lives: a SQLite file by default, PostgreSQL by configuration.

``--store`` (or ``CTRACK_STORE``) takes either a path to a SQLite file or a PostgreSQL URL
(``postgresql://user@host:5432/dbname?schema=name``). Nothing else in the product knows
which one it is talking to: this module turns the choice into the eventsourcing library's
environment settings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from commission_tracker.aggregates.errors import EXIT_BAD_INPUT, StoreTrouble

STORE_ENV = "CTRACK_STORE"
DEFAULT_STORE_NAME = "ctrack.sqlite"


@dataclass(frozen=True)
class StoreAccess:
    """What the user of a store found when opening it."""

    set_up: bool
    """The store's tables and views exist: nothing is created (PostgreSQL)."""
    writable: bool
    """The user may record facts and bring the views up to date."""
    role: str = ""


class StoreError(StoreTrouble):
    """The store cannot be opened or used as configured (exit 1)."""


class InvalidStoreAddress(StoreError):
    """``--store`` or ``CTRACK_STORE`` names no usable store: the input's fault (exit 2)."""

    exit_code = EXIT_BAD_INPUT


SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""Schema names a store URL may give: plain SQL identifiers (always quoted as well)."""


def checked_schema(name: str) -> str:
    """``name`` if it is a plain schema name, so no URL can smuggle SQL in through it."""
    if not SCHEMA_NAME.fullmatch(name):
        raise InvalidStoreAddress(
            f"The schema {name!r} in the store URL is not a plain name: use up to 63 "
            "letters, digits and underscores, starting with a letter or an underscore."
        )
    return name


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
            env.append(("POSTGRES_SCHEMA", checked_schema(query["schema"][0])))
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        return cls(kind="postgres", location=shown, env=tuple(env))

    @contextmanager
    def setup_lock(self) -> Iterator[StoreAccess]:
        """Hold while opening the store; yields what this user may do with it. On
        PostgreSQL the schema is looked at first and set up only when it is not (see
        ``postgres_setup``); SQLite needs nothing here."""
        if self.kind != "postgres":
            yield StoreAccess(set_up=False, writable=True)
            return
        from commission_tracker.application import postgres_setup

        with postgres_setup.opened(self) as access:
            yield access

    def as_env(self) -> dict[str, str]:
        return dict(self.env)

    @property
    def schema(self) -> str | None:
        return self.as_env().get("POSTGRES_SCHEMA")
