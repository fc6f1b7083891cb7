"""Materialised views of the event log, kept in the store beside it.

Each view is a table of rows derived from one exercise's state; the whole set of rows of an
exercise is replaced when one of its facts is processed. The replacement and the tracking
record (the position of the last processed event) commit in one transaction, which is what
makes the projection exactly-once: after a crash, processing resumes after the last committed
position and nothing is applied twice.

The same SQL runs on SQLite and PostgreSQL; only placeholders, schema prefix and the
library's tracking recorder differ.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

EXERCISE_COLUMNS = (
    "exercise_id",
    "reference",
    "title",
    "commissioner",
    "service_area",
    "phase",
    "cycle",
    "status",
    "value",
    "mechanism",
    "regime",
    "profile",
    "authority",
    "contract_kind",
    "opened_on",
    "events",
    "last_recorded_at",
    "vcs_before_do",
)

INVOLVEMENT_COLUMNS = (
    "exercise_id",
    "reference",
    "sequence",
    "cycle",
    "phase",
    "organisation",
    "sector",
    "activity",
    "on_date",
    "quarter",
)

CHECK_COLUMNS = (
    "exercise_id",
    "reference",
    "ordinal",
    "rule",
    "subject",
    "status",
    "message",
    "at_risk_message",
    "breach_message",
    "source",
    "due",
    "at_risk_from",
    "evidence",
    "figures",
    "reasons",
    "profile",
)

FLAG_COLUMNS = (
    "exercise_id",
    "reference",
    "ordinal",
    "rule",
    "status",
    "due",
    "flag_from",
    "head",
    "mid",
    "mid_at_risk",
    "tail",
)
"""``ct_flags``: the checks (``ct_checks``, same key) that are or may become flags, apart
and small so that listing them reads little: the day from which each is flagged, and its
``flags --json`` document, pre-rendered, in parts: before the status; the status and
message (while pending, the breach ones); the at-risk ones while pending; after them."""

DAMAGE_COLUMNS = ("exercise_id", "reference", "sequence", "problem")
"""``ct_damaged``: exercises whose history cannot be read or checked (which fact, why);
such an exercise has no other rows, and every other exercise is unaffected."""

PROJECTION_VERSION = "4"
"""Bump when the rows a fact produces change (new rule, new column, a change to
``projection``): views of an older version are rebuilt."""

VIEW_TABLES = ("ct_exercises", "ct_involvement", "ct_checks", "ct_flags", "ct_damaged")
VIEW_WRITERS_LOCK = 770_2026_014
"""PostgreSQL advisory lock key taken by every view-writing transaction."""

CREATE_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS {p}ct_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {p}ct_exercises (
        exercise_id TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        title TEXT NOT NULL,
        commissioner TEXT NOT NULL,
        service_area TEXT,
        phase TEXT NOT NULL,
        cycle INTEGER NOT NULL,
        status TEXT NOT NULL,
        value TEXT NOT NULL,
        mechanism TEXT NOT NULL,
        regime TEXT NOT NULL,
        profile TEXT NOT NULL,
        authority TEXT NOT NULL,
        contract_kind TEXT NOT NULL,
        opened_on TEXT NOT NULL,
        events INTEGER NOT NULL,
        last_recorded_at TEXT NOT NULL,
        vcs_before_do INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {p}ct_involvement (
        exercise_id TEXT NOT NULL,
        reference TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        cycle INTEGER NOT NULL,
        phase TEXT NOT NULL,
        organisation TEXT NOT NULL,
        sector TEXT NOT NULL,
        activity TEXT NOT NULL,
        on_date TEXT NOT NULL,
        quarter TEXT NOT NULL,
        PRIMARY KEY (exercise_id, sequence))""",
    """CREATE TABLE IF NOT EXISTS {p}ct_checks (
        exercise_id TEXT NOT NULL,
        reference TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        status TEXT,
        message TEXT NOT NULL,
        at_risk_message TEXT,
        breach_message TEXT,
        source TEXT NOT NULL,
        due TEXT,
        at_risk_from TEXT,
        evidence TEXT NOT NULL,
        figures TEXT NOT NULL,
        reasons TEXT NOT NULL,
        profile TEXT NOT NULL,
        PRIMARY KEY (exercise_id, ordinal))""",
    """CREATE TABLE IF NOT EXISTS {p}ct_flags (
        exercise_id TEXT NOT NULL,
        reference TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        rule TEXT NOT NULL,
        status TEXT,
        due TEXT,
        flag_from TEXT NOT NULL,
        head TEXT NOT NULL,
        mid TEXT NOT NULL,
        mid_at_risk TEXT,
        tail TEXT NOT NULL,
        PRIMARY KEY (exercise_id, ordinal))""",
    "CREATE INDEX IF NOT EXISTS ct_checks_flags ON {p}ct_checks (status, at_risk_from)",
    "CREATE INDEX IF NOT EXISTS ct_checks_due ON {p}ct_checks (due)",
    "CREATE INDEX IF NOT EXISTS ct_checks_reference ON {p}ct_checks (reference)",
    "CREATE INDEX IF NOT EXISTS ct_involvement_reference ON {p}ct_involvement (reference)",
    "CREATE INDEX IF NOT EXISTS ct_flags_order ON {p}ct_flags (reference, ordinal, flag_from)",
    """CREATE TABLE IF NOT EXISTS {p}ct_damaged (
        exercise_id TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        sequence INTEGER,
        problem TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ct_damaged_reference ON {p}ct_damaged (reference)",
)
SCHEMA_MARKERS = ("ct_flags_order", "ct_damaged_reference")
"""The last index made on each table added since the first version: without all of them,
the views (or some, made by an older version) need creating."""
SCHEMA_MARKER = SCHEMA_MARKERS[-1]


class Superseded(Exception):
    """Another process moved the views on while this one was working: its rows may be
    older than those already written, so they were not written (see ``replace``)."""


class ExerciseRows:
    """Every view row of one exercise, as tuples in the column orders above."""

    __slots__ = ("checks", "damage", "exercise", "exercise_id", "flags", "involvement")

    def __init__(
        self,
        exercise_id: str,
        exercise: tuple[Any, ...] | None,
        involvement: list[tuple[Any, ...]],
        checks: list[tuple[Any, ...]],
        flags: list[tuple[Any, ...]] | None = None,
        damage: tuple[Any, ...] | None = None,
    ) -> None:
        self.exercise_id = exercise_id
        self.exercise = exercise
        self.involvement = involvement
        self.checks = checks
        self.flags = flags or []
        self.damage = damage

    @classmethod
    def damaged(
        cls, exercise_id: str, reference: str, sequence: int | None, problem: str
    ) -> ExerciseRows:
        """The rows of an exercise that cannot be read or checked: only its damage."""
        return cls(exercise_id, None, [], [], [], (exercise_id, reference, sequence, problem))


class CommissioningViews:
    """SQL for the views, shared by the SQLite and PostgreSQL recorders below."""

    placeholder = "?"
    prefix = ""

    # Provided by the eventsourcing tracking recorder this is mixed into.
    datastore: Any

    def _sql(self, statement: str) -> str:
        statement = statement.replace("{p}", self.prefix)
        if self.placeholder != "?":
            statement = statement.replace("?", self.placeholder)
        return statement

    def _executemany(self, c: Any, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError  # pragma: no cover

    def utf8(self, expression: str) -> str:
        """SQL for the text ``expression`` as UTF-8 bytes (read without decoding)."""
        return f"CAST({expression} AS BLOB)"

    def _views_exist(self) -> bool:
        raise NotImplementedError  # pragma: no cover

    def _serialise_writers(self, c: Any) -> None:
        """Make concurrent view writers take turns, from the start of each transaction."""

    def create_views(self) -> None:
        """Create the view tables unless they exist (checked first: creating indexes
        takes locks that would contend with other processes updating the views)."""
        if self._views_exist():
            return
        with self.datastore.transaction(commit=True) as c:
            for statement in CREATE_STATEMENTS:
                c.execute(self._sql(statement))

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A read-only transaction's cursor."""
        with self.datastore.transaction(commit=False) as c:
            yield c

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.reading() as c:
            c.execute(self._sql(statement), params)
            return list(c.fetchall())

    def pages(
        self, statement: str, params: Sequence[Any], size: int
    ) -> Generator[list[Any], None, None]:
        """The rows of a query ``size`` at a time, in one read transaction (held until
        the last page is taken or the iterator is closed)."""
        with self.reading() as c:
            c.execute(self._sql(statement), params)
            # eventsourcing's SQLite cursor wraps sqlite3's without its fetchmany.
            cursor = getattr(c, "sqlite_cursor", c)
            while page := cursor.fetchmany(size):
                yield list(page)

    def replace(
        self,
        rows: Iterable[ExerciseRows],
        tracking: Tracking | None,
        meta: dict[str, str | None] | None = None,
        *,
        while_meta: tuple[str, str | None] | None = None,
        while_position: tuple[str, int] | None = None,
    ) -> None:
        """Replace the rows of each given exercise, record ``tracking`` and set ``meta``
        keys, atomically.

        ``while_meta`` (key, value) and ``while_position`` (application name, position)
        are what the caller started from: when the views no longer show them, another
        process has moved the views on, and ``Superseded`` is raised with nothing written.
        So it is when ``tracking`` is not past the position already tracked.
        """
        rows = list(rows)
        ids = [(r.exercise_id,) for r in rows]
        with self.datastore.transaction(commit=True) as c:
            self._serialise_writers(c)
            if while_meta is not None and self._get_meta(c, while_meta[0]) != while_meta[1]:
                raise Superseded(f"the views' {while_meta[0]} changed")
            # Both checks read the one application's tracked position: read it once.
            name: str | None = None
            if tracking is not None:
                name = tracking.application_name
            elif while_position is not None:
                name = while_position[0]
            tracked = None if name is None else self._max_tracking_id(name, c)  # type: ignore[attr-defined]
            if while_position is not None and (tracked or 0) != while_position[1]:
                raise Superseded(
                    f"the views moved from position {while_position[1]} to {tracked or 0}"
                )
            if tracking is not None and tracked is not None and tracked >= tracking.notification_id:
                raise Superseded(f"position {tracked} is tracked already")
            for table in VIEW_TABLES:
                self._delete_rows(c, table, ids)
            self._insert_rows(
                c, "ct_exercises", EXERCISE_COLUMNS, [r.exercise for r in rows if r.exercise]
            )
            self._insert_rows(c, "ct_damaged", DAMAGE_COLUMNS, [r.damage for r in rows if r.damage])
            self._insert_rows(
                c, "ct_involvement", INVOLVEMENT_COLUMNS, [x for r in rows for x in r.involvement]
            )
            self._insert_rows(c, "ct_checks", CHECK_COLUMNS, [x for r in rows for x in r.checks])
            self._insert_rows(c, "ct_flags", FLAG_COLUMNS, [x for r in rows for x in r.flags])
            if tracking is not None:
                # The tracking recorder this class is mixed into provides it.
                self._insert_tracking(c, tracking)  # type: ignore[attr-defined]
            for key, value in (meta or {}).items():
                self._set_meta(c, key, value)

    def _delete_rows(self, c: Any, table: str, ids: Sequence[tuple[str]]) -> None:
        """Delete the rows of the exercises ``ids`` (one-tuples) from ``table``."""
        self._executemany(c, self._sql(f"DELETE FROM {{p}}{table} WHERE exercise_id=?"), ids)

    def _insert_rows(
        self, c: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        marks = ", ".join("?" for _ in columns)
        statement = self._sql(f"INSERT INTO {{p}}{table} ({', '.join(columns)}) VALUES ({marks})")
        self._executemany(c, statement, rows)

    def get_meta(self, key: str) -> str | None:
        with self.reading() as c:
            return self._get_meta(c, key)

    def _get_meta(self, c: Any, key: str) -> str | None:
        c.execute(self._sql("SELECT value FROM {p}ct_meta WHERE key=?"), (key,))
        found = c.fetchone()
        return found["value"] if found else None

    def clear(self, application_name: str, meta: dict[str, str]) -> None:
        """Empty every view and forget the tracking position, setting ``meta`` keys."""
        with self.datastore.transaction(commit=True) as c:
            self._serialise_writers(c)
            for table in VIEW_TABLES:
                c.execute(self._sql(f"DELETE FROM {{p}}{table}"))
            self._forget_tracking(c, application_name)
            for key, value in meta.items():
                self._set_meta(c, key, value)

    def set_meta(self, key: str, value: str | None) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._set_meta(c, key, value)

    def _set_meta(self, c: Any, key: str, value: str | None) -> None:
        c.execute(self._sql("DELETE FROM {p}ct_meta WHERE key=?"), (key,))
        if value is not None:
            c.execute(self._sql("INSERT INTO {p}ct_meta (key, value) VALUES (?, ?)"), (key, value))

    def _forget_tracking(self, c: Any, application_name: str) -> None:
        raise NotImplementedError  # pragma: no cover


class SQLiteCommissioningViews(CommissioningViews, SQLiteTrackingRecorder):
    """The views in the SQLite file that holds the event log."""

    def create_table(self) -> None:
        """Create the tracking table, surviving another process creating it at once.

        The library looks for the table, then creates it and inserts its migration
        marker; two processes on a new file can both see no table, and the second
        marker insert then fails. Looking again finds the marker and inserts nothing.
        """
        try:
            super().create_table()
        except IntegrityError:
            self.tracking_table_exists = False
            super().create_table()

    def _serialise_writers(self, c: Any) -> None:
        # Take the file's write lock before reading anything, so what this transaction
        # checks cannot change before it commits (a deferred transaction that reads first
        # and writes later fails instead when another process wrote in between).
        c.execute("UPDATE ct_meta SET value = value WHERE 0")

    def _views_exist(self) -> bool:
        marks = ", ".join("?" for _ in SCHEMA_MARKERS)
        found = self.query(
            f"SELECT COUNT(*) AS n FROM sqlite_master WHERE type='index' AND name IN ({marks})",
            SCHEMA_MARKERS,
        )
        return int(found[0]["n"]) == len(SCHEMA_MARKERS)

    def _executemany(self, c: Any, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        c.sqlite_cursor.executemany(statement, rows)

    def _forget_tracking(self, c: Any, application_name: str) -> None:
        c.execute("DELETE FROM tracking WHERE application_name=?", (application_name,))
