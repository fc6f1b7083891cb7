"""The views on PostgreSQL (imported only for a PostgreSQL store: psycopg is slow to load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder

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
        self.prefix = f'"{datastore.schema}".'

    def _views_exist(self) -> bool:
        found = self.query(
            "SELECT bool_and(to_regclass(name) IS NOT NULL) AS present "
            "FROM unnest(%s::text[]) AS name",
            ([f'"{self.datastore.schema}".{marker}' for marker in SCHEMA_MARKERS],),
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
        if rows:
            c.executemany(statement, rows)

    def _forget_tracking(self, c: Any, application_name: str) -> None:
        c.execute(
            f'DELETE FROM "{self.datastore.schema}".{self.tracking_table_name} '
            "WHERE application_name=%s",
            (application_name,),
        )
