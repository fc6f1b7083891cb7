"""The views on PostgreSQL (imported only for a PostgreSQL store: psycopg is slow to load).

Rows go in by ``COPY`` and old rows out by one ``DELETE ... = ANY(...)`` per table, never
by ``executemany``: psycopg runs that in a pipeline, which can hang for good when it sends
much data (psycopg issue 685; see ``application.recorders_postgres``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from commission_tracker.projections.views import (
    SCHEMA_MARKERS,
    VIEW_WRITERS_LOCK,
    CommissioningViews,
)


class PostgresCommissioningViews(CommissioningViews, PostgresTrackingRecorder):
    """The views in the PostgreSQL schema that holds the event log."""

    placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.schema = Identifier(datastore.schema)
        self.prefix = f"{self.schema.as_string()}."

    def _views_exist(self) -> bool:
        found = self.query(
            "SELECT bool_and(to_regclass(name) IS NOT NULL) AS present "
            "FROM unnest(%s::text[]) AS name",
            ([f"{self.prefix}{marker}" for marker in SCHEMA_MARKERS],),
        )
        return bool(found[0]["present"])

    def _serialise_writers(self, c: Any) -> None:
        # Two processes catching up at once would otherwise lock the same exercises' rows
        # in different orders and deadlock; with the lock the second finds its position
        # already tracked and stops.
        c.execute("SELECT pg_advisory_xact_lock(%s)", (VIEW_WRITERS_LOCK,))

    def utf8(self, expression: str) -> str:
        return f"convert_to({expression}, 'UTF8')"

    def _executemany(self, c: Any, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        for row in rows:
            c.execute(statement, row)

    def _delete_rows(self, c: Any, table: str, ids: Sequence[tuple[str]]) -> None:
        if ids:
            c.execute(
                SQL("DELETE FROM {}.{} WHERE exercise_id = ANY(%s)").format(
                    self.schema, Identifier(table)
                ),
                ([ident for (ident,) in ids],),
            )

    def _insert_rows(
        self, c: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        statement = SQL("COPY {}.{} ({}) FROM STDIN").format(
            self.schema, Identifier(table), SQL(", ").join(map(Identifier, columns))
        )
        with c.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def _forget_tracking(self, c: Any, application_name: str) -> None:
        c.execute(
            SQL("DELETE FROM {}.{} WHERE application_name=%s").format(
                self.schema, Identifier(self.tracking_table_name)
            ),
            (application_name,),
        )
