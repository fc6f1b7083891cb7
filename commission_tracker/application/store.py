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

from commission_tracker.aggregates.errors import (
    EXIT_BAD_INPUT,
    CommissioningError,
    ConcurrentChange,
    StoreTrouble,
)

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


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//|$)")
"""A URL's scheme (``mysql://``, ``postgresql://``; a bare ``name:`` too), which a
SQLite path never starts with (``C:/`` aside, which has one letter)."""
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""Schema names a store URL may give: plain SQL identifiers (always quoted as well), so
no URL can smuggle SQL in through one."""


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
        named_by = "--store"
        value = option
        if value is None:
            named_by, value = STORE_ENV, os.environ.get(STORE_ENV)
        if value is None:
            return cls.sqlite(default_store_path())
        if not value.strip():
            raise InvalidStoreAddress(
                f"{named_by} is empty; name a SQLite file (e.g. ctrack.sqlite) or a "
                "postgresql://user@host:5432/database?schema=name URL."
            )
        if "\x00" in value:
            raise InvalidStoreAddress(f"{named_by} holds a NUL character; name the store again.")
        if value.strip() == ":memory:":
            raise InvalidStoreAddress(
                f"{named_by} names SQLite's in-memory database, which forgets everything when "
                "the command ends; name a file."
            )
        scheme = _SCHEME.match(value)
        if scheme is None:
            return cls.sqlite(Path(value).expanduser())
        name = scheme.group(1).lower()
        if name in ("postgresql", "postgres"):
            return cls.postgres(value)
        if name == "sqlite" and value[scheme.end() :].startswith("/"):
            # As SQLAlchemy reads it: sqlite:///relative.sqlite, sqlite:////absolute/path.
            path = value[scheme.end() + 1 :]
            if not path.strip():
                raise InvalidStoreAddress(f"{named_by} names no SQLite file after sqlite:///.")
            return cls.sqlite(Path(path).expanduser())
        raise InvalidStoreAddress(
            f"ctrack cannot use a {name}:// store ({named_by}); name a SQLite file, "
            "sqlite:///file.sqlite, or a postgresql://user@host:5432/database URL."
        )

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
        shown_url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise InvalidStoreAddress(f"The PostgreSQL store URL {shown_url} names no database.")
        try:
            port = parts.port  # None when the URL names none; ValueError when malformed
        except ValueError:
            port = 0
        if port == 0:
            raise InvalidStoreAddress(
                f"The PostgreSQL store URL {shown_url} has a port that is not a number from "
                "1 to 65535."
            )
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"schema"})
        if unknown:
            raise InvalidStoreAddress(
                f"The PostgreSQL store URL {shown_url} has a parameter ctrack does not know "
                f"({unknown[0]}); only schema=name is read."
            )
        if "schema" in query:
            schema = query["schema"][-1]
            if not _SCHEMA_NAME.fullmatch(schema):
                raise InvalidStoreAddress(
                    f"The schema name {schema!r} in {shown_url} is not one ctrack uses: "
                    "letters, digits and underscores, starting with a letter or underscore, "
                    "at most 63 characters."
                )
        env = [
            ("PERSISTENCE_MODULE", "eventsourcing.postgres"),
            ("POSTGRES_DBNAME", dbname),
            ("POSTGRES_HOST", parts.hostname or "127.0.0.1"),
            ("POSTGRES_PORT", str(port or 5432)),
            ("POSTGRES_USER", unquote(parts.username or "postgres")),
            ("POSTGRES_PASSWORD", unquote(parts.password or "")),
            ("POSTGRES_CONNECT_TIMEOUT", "5"),
        ]
        if "schema" in query:
            env.append(("POSTGRES_SCHEMA", query["schema"][-1]))
        return cls(kind="postgres", location=shown_url, env=tuple(env))

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


_FULL = ("database or disk is full", "no space left on device", "disk full", "file too large")
_DENIED = (
    "readonly database",
    "read-only",
    "permission denied",
    "unable to open database file",
    "access permission",
    "authentication failed",
)
_BUSY = ("database is locked", "database table is locked", "deadlock detected")
_GONE = (
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "the connection is lost",
    "could not connect",
    "connection failed",
    "consuming input failed",
    "timeout expired",
)
_CORRUPT = ("file is not a database", "database disk image is malformed")

_TROUBLES: tuple[tuple[tuple[str, ...], type[CommissioningError], str], ...] = (
    (
        _FULL,
        StoreError,
        "The disk holding the store {location} is full ({detail}); nothing more was "
        "written. Free some space and try again.",
    ),
    (
        _DENIED,
        StoreError,
        "ctrack may not use the store {location} ({detail}); check the file's (or the "
        "database role's) permissions.",
    ),
    (
        _BUSY,
        ConcurrentChange,
        "The store {location} is busy with another process's work ({detail}); try again.",
    ),
    (
        _CORRUPT,
        StoreError,
        "The store {location} is not a ctrack store or is damaged ({detail}); restore it "
        "from a backup or name another with --store.",
    ),
    (
        _GONE,
        StoreError,
        "The connection to the store {location} failed ({detail}); check that the server "
        "is running and reachable, then try again.",
    ),
)
"""What a store error's words mean, in the order they are tried: the first match names
the trouble."""


def store_trouble(error: BaseException, location: str) -> CommissioningError | None:
    """The store or environment trouble behind a library or driver error, as a sentence
    a user can act on (exit 1; a busy store is a conflict worth retrying, exit 3); None
    when the error is not the store's."""
    import sqlite3

    if isinstance(error, StoreTrouble):
        return error
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(" ".join(str(e).split()) for e in chain).lower()
    from_store = any(
        isinstance(e, sqlite3.Error) or type(e).__module__.startswith(("psycopg", "eventsourcing"))
        for e in chain
    )
    if not from_store:
        return None
    detail = " ".join(str(error).split())[:200].rstrip(".") or type(error).__name__
    for words, kind, sentence in _TROUBLES:
        if any(word in text for word in words):
            return kind(sentence.format(location=location, detail=detail))
    return StoreError(f"The store {location} could not be used ({detail}).")
