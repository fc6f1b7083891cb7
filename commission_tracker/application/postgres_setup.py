"""Opening a PostgreSQL store: connection trouble in one sentence, setting a schema up as a
step of its own, and roles that may only read.

Every start looks at the schema first, with one query: when it already holds the store's
tables and views, the library is told not to create anything (``CREATE_TABLE=no``), so a
role with nothing but ``SELECT`` can open the store. Only a schema that is not set up is
set up, by a role allowed to (``CREATE SCHEMA`` when it is missing, then the tables, under
an advisory lock so that processes starting together take turns); any other role is told
in one sentence how to get it set up. Whether the role may write (record facts, bring the
views up to date) is asked of PostgreSQL too, so a reading role reads the views as they
are and a recording verb refuses before it writes anything.

Identifiers are always passed through psycopg's ``sql.Identifier``, and the connection
through ``conninfo``: nothing from a URL is pasted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.sql import SQL, Composed, Identifier, Literal

from commission_tracker.aggregates.errors import CommissioningError
from commission_tracker.application.store import StoreAccess, StoreError

if TYPE_CHECKING:
    from commission_tracker.application.store import StoreConfig

SETUP_LOCK = 770_2026_001
"""Advisory lock key held while a process sets a schema up."""
EVENTS_TABLE = "commissioning_events"
TRACKING_TABLE = "commissioning_tracking"
EVENT_TYPE = "stored_event_uuid"
VIEW_MARKERS = ("ct_flags_order", "ct_damaged_reference")
"""The indexes that say the views are set up (``projections.views.SCHEMA_MARKERS``)."""
WRITTEN_TABLES = (EVENTS_TABLE, TRACKING_TABLE, "ct_meta", "ct_exercises")
"""Tables a recording command writes to; a role that may not insert into them only reads."""
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""Role names ``auditor-role`` accepts: plain SQL identifiers."""


def conninfo(store: StoreConfig) -> str:
    """The store's connection string, made by psycopg (no hand-rolled quoting)."""
    env = store.as_env()
    return make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=env["POSTGRES_CONNECT_TIMEOUT"],
        application_name="ctrack",
    )


def connection_trouble(store: StoreConfig, error: BaseException) -> str:
    """One sentence for a connection that could not be made, saying what to check."""
    env = store.as_env()
    where = f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}"
    text = " ".join(str(error).split())
    user, dbname = env["POSTGRES_USER"], env["POSTGRES_DBNAME"]
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"The PostgreSQL server at {where} refused the password of user {user}: check the "
            "user and password in the store URL (or ~/.pgpass)."
        )
    if f'role "{user}" does not exist' in text:
        return (
            f"The PostgreSQL server at {where} has no user {user}: check the user in the "
            "store URL, or ask the database's owner to create it."
        )
    if f'database "{dbname}" does not exist' in text:
        return (
            f"The PostgreSQL server at {where} has no database {dbname}: create it "
            f"(createdb {dbname}) or name another in the store URL."
        )
    if "Connection refused" in text or "No such file or directory" in text:
        return (
            f"Nothing answers at {where} (connection refused): is the PostgreSQL server "
            "running, and are the host and port in the store URL right?"
        )
    if "timeout expired" in text:
        return (
            f"The PostgreSQL server at {where} did not answer within "
            f"{env['POSTGRES_CONNECT_TIMEOUT']} seconds: check the host and port in the store "
            "URL and the network."
        )
    if "could not translate host name" in text or "Name or service not known" in text:
        return f"The host {env['POSTGRES_HOST']} in the store URL is not known: check its spelling."
    detail = text.removeprefix("connection failed: ").rstrip(".")
    return f"Cannot reach the PostgreSQL store {store.location} ({detail})."


def connect(store: StoreConfig) -> psycopg.Connection[Any]:
    """A connection to the store's database (autocommit), or ``StoreError``."""
    try:
        return psycopg.connect(conninfo(store), autocommit=True)
    except psycopg.OperationalError as error:
        raise StoreError(connection_trouble(store, error)) from None


def schema_of(store: StoreConfig) -> str:
    return store.schema or "public"


def _state(connection: psycopg.Connection[Any], schema: str) -> tuple[bool, bool, bool, str]:
    """Whether ``schema`` exists, whether it is set up, whether this role may write to it,
    and the role's name: one query, catalog lookups only (any role may make them)."""

    def regclass(name: str) -> Composed:
        return SQL("to_regclass({})").format(
            Literal(SQL("{}.{}").format(Identifier(schema), Identifier(name)).as_string())
        )

    set_up = SQL(" AND ").join(
        [
            SQL("{} IS NOT NULL").format(regclass(name))
            for name in (EVENTS_TABLE, TRACKING_TABLE, *VIEW_MARKERS)
        ]
        + [
            SQL("to_regtype({}) IS NOT NULL").format(
                Literal(SQL("{}.{}").format(Identifier(schema), Identifier(EVENT_TYPE)).as_string())
            )
        ]
    )
    writable = SQL(" AND ").join(
        SQL("COALESCE(has_table_privilege({}, 'INSERT'), false)").format(regclass(name))
        for name in WRITTEN_TABLES
    )
    row = connection.execute(
        SQL(
            "SELECT to_regnamespace({schema}) IS NOT NULL, {set_up}, {writable}, current_user"
        ).format(schema=Literal(Identifier(schema).as_string()), set_up=set_up, writable=writable)
    ).fetchone()
    assert row is not None
    return bool(row[0]), bool(row[1]), bool(row[2]), str(row[3])


def not_set_up(store: StoreConfig, role: str) -> str:
    return (
        f"The schema {schema_of(store)} is not set up for ctrack and the user {role} may not "
        f"set it up: ask the database's owner to run `ctrack --store URL setup-store` once."
    )


@contextmanager
def opened(store: StoreConfig) -> Iterator[StoreAccess]:
    """Look at the store's schema before the library opens it; create the schema when it
    is missing and the role may. While the body runs (the library creating the tables of
    a store not yet set up), other processes setting the same store up wait their turn."""
    schema = schema_of(store)
    with connect(store) as connection:
        exists, set_up, writable, role = _state(connection, schema)
        if set_up:
            yield StoreAccess(set_up=True, writable=writable, role=role)
            return
        connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        try:
            exists, set_up, writable, role = _state(connection, schema)
            if not exists:
                try:
                    connection.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
                except psycopg.errors.InsufficientPrivilege:
                    raise StoreError(
                        f"The schema {schema} does not exist and the user {role} may not "
                        f"create it: ask the database's owner to create it (CREATE SCHEMA "
                        f"{schema}) or to run `ctrack --store URL setup-store`."
                    ) from None
            may_create = connection.execute(
                "SELECT has_schema_privilege(%s, 'CREATE')", (schema,)
            ).fetchone()
            if not set_up and not (may_create and may_create[0]):
                raise StoreError(not_set_up(store, role))
            yield StoreAccess(set_up=set_up, writable=True, role=role)
        finally:
            if not connection.closed:
                connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


def auditor_statements(store: StoreConfig, role: str) -> list[Composed]:
    """SQL that lets ``role`` read the store (its events and views) and nothing else:
    connect to the database, look into the schema, ``SELECT`` its tables, now and those
    made later (by this owner). The role is created (able to log in, with no other right)
    when it does not exist."""
    if not ROLE_NAME.fullmatch(role):
        raise CommissioningError(
            f"'{role}' is not a plain role name: use letters, digits and underscores, "
            "starting with a letter."
        )
    schema = Identifier(schema_of(store))
    name = Identifier(role)
    return [
        SQL(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ).format(role=name),
        SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            Identifier(store.as_env()["POSTGRES_DBNAME"]), name
        ),
        SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name),
        SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name),
        SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
            schema, name
        ),
    ]


def run_statements(store: StoreConfig, statements: list[Composed]) -> None:
    """Run ``statements`` in one transaction on the store's database."""
    with connect(store) as connection:
        try:
            with connection.transaction():
                for statement in statements:
                    connection.execute(statement)
        except psycopg.errors.InsufficientPrivilege as error:
            raise StoreError(
                f"The user of the store URL may not do this ({str(error).strip()}): run it as "
                "the schema's owner, or print the SQL (without --run) for them."
            ) from None
