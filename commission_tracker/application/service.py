"""The application layer: commands and queries shared by the command line and the dashboard.

``Tracker`` is the one way in. Each command loads an exercise by its reference, calls the
aggregate's command method (which checks the invariants), and saves the new event; when
another officer saved a fact on the same exercise in the meantime, the command is retried
on the fresh state, so both facts land or a clear ``ConcurrentChange`` error is raised.

A command answered from the views (``list``, ``flags``, ``deadlines``...) loads neither the
aggregate nor its pydantic events while the views are current: the store's infrastructure
is opened on its own, and the eventsourcing application (which imports them) is built at
the first use of ``Tracker.app``: when an exercise is read or saved, or the views have
events to catch up with.
"""

from __future__ import annotations

import copy
import functools
import getpass
import json
import os
import sqlite3
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError

from commission_tracker.aggregates.errors import (
    CommissioningError,
    ConcurrentChange,
    DamagedExercise,
    DamagedRecord,
    DuplicateReference,
    ExerciseNotFound,
    InvalidFact,
)
from commission_tracker.aggregates.identity import exercise_id
from commission_tracker.application.clock import Clock, parse_date
from commission_tracker.application.infrastructure import open_infrastructure
from commission_tracker.application.store import StoreConfig
from commission_tracker.collector import collector_paused

# The aggregate, its events and the application are imported when an exercise is read or
# saved; the views and the rules by the methods that use them: showing an exercise or its
# history needs neither, and a read of current views needs none of them.
if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

    from commission_tracker.aggregates import events as ev
    from commission_tracker.aggregates.exercise import CommissioningExercise
    from commission_tracker.application.app import CommissioningApplication
    from commission_tracker.projections.runner import ProgressCallback, Projector
    from commission_tracker.projections.views import CommissioningViews

USER_ENV = "CTRACK_USER"
RETRIES = 5

COMMAND_METHODS: dict[str, str] = {
    "advance": "advance",
    "involve": "involve",
    "consult": "consult",
    "consultation-feedback": "publish_consultation_feedback",
    "funding-notified": "notify_funding",
    "timetable": "publish_timetable",
    "pqq": "issue_pqq",
    "tender": "publish_tender",
    "bid": "receive_bid",
    "award": "award",
    "bidder-feedback": "give_bidder_feedback",
    "monitoring": "set_monitoring",
    "impact-assessed": "assess_impact",
    "decommission": "decide_decommission",
    "notice": "give_notice",
    "performance-discussed": "discuss_performance",
    "review": "complete_review",
    "correct": "correct",
    "close": "close",
    "cancel": "cancel",
}
"""Recording verbs (as the command line names them) and the names of the aggregate's
methods behind them."""

if TYPE_CHECKING:
    COMMANDS: dict[str, Callable[..., Any]]
    """Recording verbs and the aggregate methods behind them (made at first use)."""


@functools.cache
def _commands() -> dict[str, Callable[..., Any]]:
    from commission_tracker.aggregates.exercise import CommissioningExercise

    return {verb: getattr(CommissioningExercise, name) for verb, name in COMMAND_METHODS.items()}


def __getattr__(name: str) -> Any:
    # ``COMMANDS`` names the aggregate's methods: it is made when first used, so that
    # importing this module does not import the aggregate.
    if name == "COMMANDS":
        return _commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class ImportResult:
    commands: int
    events: int
    opened: int


DATE_FIELDS = {
    "on",
    "opens",
    "closes",
    "deadline",
    "tender_deadline",
    "award_by",
    "starts",
    "ends",
    "effective",
}


MAX_LINE = 1_000_000
"""The longest import line, in characters (a fact is a few hundred)."""
MAX_NESTING = 20
"""How deeply an import line's JSON may nest (a fact's own data nests two deep)."""


def _nesting(text: str) -> int:
    """How deeply the JSON ``text`` nests (brackets outside strings), counted without
    parsing it, so a line nested a million deep is refused before the parser recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def parse_command(text: str, *, keep_recorded_at: bool = False) -> dict[str, Any]:
    """One JSON Lines command, with its dates and recorded time parsed.

    ``recorded_at`` and ``recorded_by`` are the store's to set (who ran the command, and
    when): a line may carry them only for a migration (``keep_recorded_at``), and a kept
    recorded time is never later than now."""
    if len(text) > MAX_LINE:
        raise InvalidFact(f"the line is {len(text):,} characters long; at most {MAX_LINE:,}.")
    if ("[" in text or "{" in text) and _nesting(text) > MAX_NESTING:
        raise InvalidFact(f"the line's JSON nests more than {MAX_NESTING} deep.")
    try:
        command = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidFact(f"the line is not valid JSON ({error.msg}).") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of 5,000 digits
        detail = " ".join(str(error).split())[:120] or type(error).__name__
        raise InvalidFact(f"the line's JSON cannot be read ({detail}).") from None
    if not isinstance(command, dict) or "verb" not in command or "reference" not in command:
        raise InvalidFact('each line must be a JSON object with "verb" and "reference".')
    for key in ("verb", "reference"):
        if not isinstance(command[key], str):
            raise InvalidFact(f'"{key}" must be text, not {json.dumps(command[key])[:60]}.')
    for key in DATE_FIELDS & command.keys():
        if command[key] is not None:
            command[key] = parse_date(str(command[key]), key)
    for key in ("recorded_at", "recorded_by"):
        if key in command and not keep_recorded_at:
            raise InvalidFact(
                f"{key} is set by the store (who ran the import, and when); keep an original "
                "one only when migrating history, with 'ctrack import --keep-recorded-at'."
            )
    if command.get("recorded_by") is not None and not isinstance(command["recorded_by"], str):
        raise InvalidFact('"recorded_by" must be text.')
    if command.get("recorded_at"):
        try:
            recorded_at = datetime.fromisoformat(str(command["recorded_at"]))
        except ValueError:
            raise InvalidFact(
                f"recorded_at '{str(command['recorded_at'])[:60]}' is not an ISO time such as "
                "2026-01-22T09:30:00+00:00."
            ) from None
        if recorded_at.tzinfo is None:
            raise InvalidFact(
                f"recorded_at '{command['recorded_at']}' needs a time zone, e.g. +00:00."
            )
        from commission_tracker.aggregates.bounds import check_date

        check_date(recorded_at.date(), "recorded_at")
        if recorded_at > datetime.now(recorded_at.tzinfo):
            raise InvalidFact(
                f"recorded_at {recorded_at.isoformat()} is in the future; a migrated fact "
                "keeps the time it was first recorded."
            )
        command["recorded_at"] = recorded_at
    elif "recorded_at" in command:
        del command["recorded_at"]
    return command


_RACE_WORDS = ("locked", "busy", "deadlock", "could not serialize")


def _lost_race(error: Exception) -> bool:
    """Whether a failed save lost a race with another writer (worth retrying on fresh
    state), rather than failing for good (a full disk, no permission)."""
    if isinstance(error, IntegrityError):
        return True
    return any(word in str(error).lower() for word in _RACE_WORDS)


def default_user() -> str:
    return os.environ.get(USER_ENV) or getpass.getuser()


SaveListener = Callable[[], object]


class Tracker:
    """Commands and queries over one store of commissioning exercises."""

    def __init__(
        self,
        store: StoreConfig | None = None,
        *,
        clock: Clock | None = None,
        user: str | None = None,
        project: bool = True,
    ) -> None:
        self.store = store or StoreConfig.from_option()
        self.clock = clock or Clock()
        self.user = user or default_user()
        self._after_save: list[SaveListener] = []
        self.warnings: list[str] = []
        """Sentences for the user about work that succeeded only in part (a fact recorded
        whose views could not follow); the interfaces show them."""
        self.committed = False
        """Whether this tracker has committed a fact: from then on a failure is reported
        as "recorded, but ...", never as the command having failed."""
        self._projector: Projector | None = None
        self._project = project
        self._app: CommissioningApplication | None = None
        self.views_behind = 0
        """Facts the views did not show when last read, because this user may only read
        the store and so cannot bring them up to date (0 otherwise)."""
        with self.store.setup_lock() as access:
            self.access = access
            self._factory, self._recorder = self._open_store(create=not access.set_up)
            if project and self.store.kind == "postgres":
                try:
                    self._projector = self._new_projector()
                except BaseException:
                    self._factory.close()
                    raise
        if project:
            self.on_saved(self.refresh)

    @property
    def app(self) -> CommissioningApplication:
        """The eventsourcing application of this store (built at first use, on the
        infrastructure the tracker opened: it creates no table, so needs no lock)."""
        if self._app is None:
            from commission_tracker.application.app import CommissioningApplication

            self._app = CommissioningApplication(
                env=self.store.as_env(), factory=self._factory, recorder=self._recorder
            )
        return self._app

    @property
    def projector(self) -> Projector:
        """The views of this store (created on first use)."""
        if self._projector is None:
            self._projector = self._new_projector()
        return self._projector

    def _new_projector(self) -> Projector:
        from commission_tracker.projections.runner import Projector

        return Projector(self._factory, self._recorder, self.store.kind, lambda: self.app)

    def refresh(self) -> int:
        """Bring the views up to date with the event log; returns events processed.

        A user who may only read the store cannot: the views are read as they are, and
        ``views_behind`` says how many facts they do not show yet."""
        if not self.access.writable:
            self.views_behind = self.projector.behind()
            return 0
        return self.projector.catch_up()

    def require_writable(self) -> None:
        """Refuse, in one sentence and before anything is written, to record on a store
        this user may only read."""
        if not self.access.writable:
            from commission_tracker.application.store import StoreError

            raise StoreError(
                f"The user {self.access.role} may only read the store {self.store.location}: "
                "nothing was recorded; record with a user that may write to it."
            )

    @property
    def views(self) -> CommissioningViews:
        self.refresh()
        return self.projector.views

    def _open_store(
        self, *, create: bool = True
    ) -> tuple[InfrastructureFactory[Any], ApplicationRecorder]:
        """The store's persistence factory and event recorder (the events table is created
        if the store is new, unless ``create`` is false: a PostgreSQL schema already set
        up, which a user who may only read can open); the application is built on them
        when first needed."""
        settings = self.store.as_env()
        if not create:
            settings["CREATE_TABLE"] = "no"
        # Several processes creating a new SQLite store at once can find it locked while
        # one of them switches it to WAL mode; that passes in a moment.
        for attempt in range(RETRIES):
            try:
                return open_infrastructure(settings)
            except (sqlite3.OperationalError, OperationalError):
                if attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self._app is not None:
            self._app.close()  # closes the factory it was built on
        else:
            self._factory.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def on_saved(self, listener: SaveListener) -> None:
        """Call ``listener`` after each successful command (projections catch up here)."""
        self._after_save.append(listener)

    # -- commands ---------------------------------------------------------------------

    def open_exercise(
        self, *, reference: str, on: date | None = None, **facts: Any
    ) -> CommissioningExercise:
        """Open a new exercise; its reference must be new to the store."""
        from commission_tracker.aggregates.exercise import CommissioningExercise

        self.require_writable()
        if not reference.strip():
            raise InvalidFact("An exercise reference cannot be empty.")
        if exercise_id(reference) in self.app.repository:
            raise DuplicateReference(f"An exercise with reference {reference} already exists.")
        facts.setdefault("recorded_by", self.user)
        if "profile" in facts:
            from commission_tracker.rules.profiles import load_profile

            load_profile(facts["profile"])  # an unknown profile is a clear error
        exercise = CommissioningExercise.open(
            reference=reference, on=on or self.clock.today(), **facts
        )
        try:
            self.app.save(exercise)
        except IntegrityError:
            raise DuplicateReference(
                f"An exercise with reference {reference} already exists."
            ) from None
        self._saved(exercise)
        return exercise

    def record(self, reference: str, verb: str, /, **facts: Any) -> CommissioningExercise:
        """Record one fact on an exercise: ``verb`` is a key of ``COMMANDS``.

        ``on`` defaults to today and ``recorded_by`` to the tracker's user.
        """
        self.require_writable()
        command = _commands()[verb]
        if "on" in facts and facts["on"] is None:
            del facts["on"]
        if verb != "consult" and "on" not in facts:
            facts["on"] = self.clock.today()
        facts.setdefault("recorded_by", self.user)
        for attempt in range(RETRIES):
            exercise = self.exercise(reference)
            command(exercise, **facts)
            try:
                self.app.save(exercise)
            except (IntegrityError, OperationalError) as error:
                if not _lost_race(error):
                    raise  # a full disk, no permission...: not worth a retry
                # Someone saved a fact on this exercise first: retry on the fresh state,
                # which re-checks every invariant against what they recorded.
                time.sleep(0.01 * (attempt + 1))
                continue
            self._saved(exercise)
            return exercise
        raise ConcurrentChange(
            f"Exercise {reference} was changed by someone else while recording; try again."
        )

    @collector_paused()
    def import_commands(
        self, lines: Iterable[str], *, source: str = "input", keep_recorded_at: bool = False
    ) -> ImportResult:
        """Record many facts at once from JSON Lines, all or nothing.

        Each line is one command: ``{"verb": "involve", "reference": "GLO-1", "on":
        "2026-01-20", "organisation": "...", ...}``, with the keyword names of the
        aggregate's commands (``open`` takes the exercise's facts). Dates are
        ``YYYY-MM-DD``. Every line is checked before anything is written; the first bad
        line stops the import with its line number, and nothing is stored.

        Facts are recorded by the tracker's user, now. Only with ``keep_recorded_at`` (a
        migration of history from another system) may a line keep its original
        ``recorded_at`` (never later than now, never before the exercise's last fact) and
        ``recorded_by``; each exercise so migrated then gains a ``HistoryMigrated`` fact
        saying which facts were migrated, by whom and when.
        """
        import itertools

        from eventsourcing.persistence import StoredEvent

        self.require_writable()

        from commission_tracker.aggregates.exercise import CommissioningExercise
        from commission_tracker.application import bulk
        from commission_tracker.application.recorders import recorded_originators
        from commission_tracker.projections.projection import rows_for

        def not_stored(reference: str) -> CommissioningExercise:
            # The store holds none of a shared import's exercises (checked before).
            raise ExerciseNotFound(f"No exercise has the reference {reference}.")

        def apply(
            numbered: Iterable[tuple[int, str]],
            load: Callable[[str], CommissioningExercise] | None,
            where: list[int],
        ) -> tuple[dict[UUID, CommissioningExercise], set[UUID], int]:
            """Apply each line in memory, raising ``InvalidFact`` at the first bad one
            (``where`` holds the number of the line being applied). ``load`` reads an
            exercise from the store; without it the store is never read (a worker's
            share, whose exercises the caller has found the store does not hold)."""
            touched: dict[UUID, CommissioningExercise] = {}
            opened: set[UUID] = set()
            migrated: dict[UUID, int] = {}  # exercise: its first migrated fact
            today = self.clock.today()  # one import, one day: the default for ``on``
            count = 0
            # Openings are checked against the store a batch at a time, not one query
            # each; before any line's error is raised, the openings above it are checked
            # first, so the error named is still that of the first bad line.
            unchecked: list[tuple[int, str, UUID]] = []

            def check_openings() -> None:
                if load is None:
                    return
                found = recorded_originators(self.app.recorder, [i for _, _, i in unchecked])
                for number, reference, ident in unchecked:
                    if ident in found:
                        raise InvalidFact(
                            f"{source}, line {number}: An exercise with reference {reference} "
                            "already exists."
                        )
                unchecked.clear()

            for number, line in numbered:
                where[0] = number
                text = line.strip()
                if not text:
                    continue
                try:
                    command = parse_command(text, keep_recorded_at=keep_recorded_at)
                    verb = command.pop("verb")
                    reference = command.pop("reference")
                    ident = exercise_id(reference)
                    if command.get("recorded_by") is None:
                        command["recorded_by"] = self.user
                    if verb == "open":
                        if ident in touched:
                            raise DuplicateReference(
                                f"An exercise with reference {reference} already exists."
                            )
                        if "profile" in command:
                            from commission_tracker.rules.profiles import load_profile

                            if not isinstance(command["profile"], str):
                                raise InvalidFact('"profile" must be text, a profile name.')
                            load_profile(command["profile"])
                        command.setdefault("on", today)
                        touched[ident] = CommissioningExercise.open(reference=reference, **command)
                        opened.add(ident)
                        unchecked.append((number, reference, ident))
                    else:
                        if verb not in COMMAND_METHODS:
                            raise InvalidFact(f"'{verb}' is not a ctrack verb.")
                        if verb != "consult":
                            command.setdefault("on", today)
                        if ident not in touched:
                            touched[ident] = (load or not_stored)(reference)
                        kept = command.get("recorded_at")
                        if kept is not None and kept < touched[ident].modified_on:
                            raise InvalidFact(
                                f"recorded_at {kept.isoformat()} is before exercise "
                                f"{reference}'s fact #{touched[ident].version} was recorded; "
                                "migrated facts keep their order."
                            )
                        _commands()[verb](touched[ident], **command)
                    if command.get("recorded_at") is not None:
                        migrated.setdefault(ident, touched[ident].version)
                except CommissioningError as error:
                    check_openings()
                    raise InvalidFact(f"{source}, line {number}: {error}") from None
                except (KeyError, TypeError) as error:
                    check_openings()
                    raise InvalidFact(
                        f"{source}, line {number}: the command is missing or has an unknown "
                        f"field ({error})."
                    ) from None
                count += 1
            check_openings()
            for ident, first in migrated.items():
                touched[ident].record_migration(
                    first=first, on=today, recorded_by=self.user, source=source
                )
            return touched, opened, count

        def work(share: bulk.Numbered) -> tuple[int, str, Any]:
            """In a worker: apply a share of the lines, encode its events, make its rows."""
            where = [0]
            try:
                touched, opened, count = apply(share, None, where)
            except InvalidFact as error:
                return where[0], str(error), None
            exercises = []
            for ident, exercise in touched.items():
                stored = [
                    (s.originator_version, s.topic, s.state)
                    for s in map(self.app.mapper.to_stored_event, exercise.collect_events())
                ]
                rows = (rows_for(exercise), exercise.version) if self._project else None
                exercises.append((ident, stored, rows))
            return 0, "", (exercises, len(opened), count)

        # A large import is shared among worker processes (see ``bulk``) unless some of
        # its exercises already have history in the store.
        numbered: Iterable[tuple[int, str]] = enumerate(lines, start=1)
        head = list(itertools.islice(numbered, bulk.PARALLEL_MIN_LINES))
        shares: list[bulk.Numbered] = []
        idents: list[UUID] = []
        if len(head) == bulk.PARALLEL_MIN_LINES and bulk.workers() > 1:
            head.extend(numbered)
            numbered = ()
            shares, idents = bulk.deal(head, bulk.workers())
            if recorded_originators(self.app.recorder, idents):
                shares = []
        exercises: list[CommissioningExercise] = []
        rows: list[Any] | None = None
        if shares:
            results = bulk.run(shares, work)
            failures = [(number, message) for number, message, _ in results if number]
            if failures:
                raise InvalidFact(min(failures)[1])
            made = {ident: made for _, _, result in results for ident, *made in result[0]}
            in_order = [made[ident] for ident in idents if ident in made]
            stored = [
                StoredEvent(ident, version, topic, state)
                for ident in idents
                if ident in made
                for version, topic, state in made[ident][0]
            ]
            rows = [exercise_rows for _, exercise_rows in in_order]
            count = sum(result[2] for _, _, result in results)
            opened_count = sum(result[1] for _, _, result in results)
        else:
            touched, opened, count = apply(itertools.chain(head, numbered), self.exercise, [0])
            exercises = list(touched.values())
            pending = [event for exercise in exercises for event in exercise.collect_events()]
            # Every event is encoded before anything is written, in one transaction.
            stored = list(map(self.app.mapper.to_stored_event, pending))
            opened_count = len(opened)
        if stored:
            self.save_all(stored, exercises, rows=rows)
        return ImportResult(commands=count, events=len(stored), opened=opened_count)

    def save_all(
        self,
        stored: list[Any],
        exercises: list[CommissioningExercise],
        *,
        rows: list[Any] | None = None,
    ) -> None:
        """Write the stored events of a bulk import in one transaction, all or nothing,
        then bring the views up to date from ``exercises`` (or their ``rows``, already
        made) in memory when the import took one unbroken run of positions and nothing
        else happened in between; else they catch up. A lost race is a ``ConcurrentChange``;
        after the commit nothing is reported as a failure (see :meth:`_views_behind`)."""
        self.require_writable()
        try:
            ids = self.app.recorder.insert_events(stored)
        except (IntegrityError, OperationalError) as error:
            if not _lost_race(error):
                raise
            raise ConcurrentChange(
                "The store was changed by someone else during the import; nothing was "
                "imported, try again."
            ) from None
        self.committed = True
        try:
            recorded = bool(
                self._project
                and ids
                and ids[-1] - ids[0] + 1 == len(stored)
                and self.projector.record_saved(
                    exercises, before=ids[0] - 1, after=ids[-1], rows=rows
                )
            )
        except Exception as error:
            self._views_behind(error)
            recorded = True  # told: the views catch up at the next command
        if not recorded:
            self._saved()

    def _views_behind(self, error: Exception) -> None:
        """After a commit: the views could not follow. Say so; never fail the command."""
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        self.warnings.append(
            "The facts were recorded, but the views could not be brought up to date "
            f"({detail}); they catch up at the next command, or run 'ctrack replay'."
        )

    def _saved(self, exercise: CommissioningExercise | None = None) -> None:
        self.committed = True
        if exercise is not None and self._project:
            # A copy: the caller keeps the exercise, the projection mutates its own.
            self.projector.projection.remember(copy.deepcopy(exercise))
        for listener in self._after_save:
            # The fact is saved, whatever happens next: the command succeeded. Views that
            # could not follow catch up at the next read or command; the user is told.
            try:
                listener()
            except Exception as error:
                self._views_behind(error)

    # -- queries ----------------------------------------------------------------------

    def exercise(
        self,
        reference: str,
        *,
        as_at: datetime | None = None,
        as_of: date | None = None,
    ) -> CommissioningExercise:
        """The exercise now, or as the store showed it at ``as_at`` (recorded time), or
        with only the facts that had happened by ``as_of`` (business date)."""
        from eventsourcing.application import AggregateNotFoundError

        ident = exercise_id(reference)
        if as_at is None and as_of is None:
            try:
                exercise = self.app.get_exercise(ident)
            except AggregateNotFoundError:
                raise ExerciseNotFound(f"No exercise has the reference {reference}.") from None
            except (PersistenceError, sqlite3.Error):
                raise
            except Exception as error:
                # Its history cannot be read: name the fact and the problem.
                self.history(reference)  # raises DamagedExercise when a fact is at fault
                raise self._damaged(reference, error) from None
            return exercise
        facts = self.history(reference)
        if as_at is not None:
            facts = [fact for fact in facts if fact.timestamp <= as_at]
            if not facts:
                raise ExerciseNotFound(
                    f"Exercise {reference} had not been recorded by {as_at.isoformat()}."
                )
        folded = fold(facts, as_of=as_of)
        if folded is None:
            raise ExerciseNotFound(
                f"Exercise {reference} had not been opened by {as_of.isoformat() if as_of else ''}."
            )
        return folded

    def history(self, reference: str) -> list[ev.ExerciseEvent]:
        """Every fact recorded on the exercise, in order (corrections included). A fact
        missing from the store (a gap in the numbers), or one that cannot be read, is a
        ``DamagedExercise`` naming it, never skipped."""
        from commission_tracker.aggregates.folding import apply_facts, decode_log

        ident = exercise_id(reference)
        stored = self.app.recorder.select_events(ident)
        if not stored:
            raise ExerciseNotFound(f"No exercise has the reference {reference}.")
        log = [(s.originator_version, s.topic, s.state) for s in stored]
        try:
            facts = decode_log(self.app.mapper, ident, log)
            apply_facts(facts)  # every fact applies in turn
        except DamagedRecord as error:
            raise self._damaged(reference, error) from None
        return facts

    @staticmethod
    def _damaged(reference: str, error: Exception) -> DamagedExercise:
        from commission_tracker.aggregates.folding import problem_of

        sequence, problem = problem_of(error)
        return DamagedExercise(reference, sequence, problem)

    def damaged(self) -> list[dict[str, Any]]:
        """The exercises whose history cannot be read or checked (each with the fact and
        the problem); every other answer leaves them out."""
        from commission_tracker.projections import queries

        return queries.damaged(self.views)

    def exercise_ids(self) -> Iterator[UUID]:
        """The id of every exercise, in the order they were opened."""
        return self.projector.exercise_ids()

    def exercises(self) -> list[CommissioningExercise]:
        """Every exercise, loaded from the event store (use ``summaries`` for a listing)."""
        return [self.app.get_exercise(ident) for ident in self.exercise_ids()]

    def summaries(
        self, *, phase: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The portfolio's headline facts, from the views."""
        from commission_tracker.projections import queries

        return queries.exercises(self.views, phase=phase, status=status)

    def portfolio(self) -> list[dict[str, Any]]:
        """Every exercise with its breach, justified and at-risk counts and its next due
        day, as of today (the dashboard's portfolio), from the views."""
        from commission_tracker.projections import queries

        return queries.portfolio(self.views, self.clock.today())

    def flags(self, *, rule: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Every breach, justified breach and at-risk check in the portfolio, as of today."""
        from commission_tracker.projections import queries

        return queries.flags(self.views, self.clock.today(), rule=rule, status=status)

    def flags_json(self, *, rule: str | None = None, status: str | None = None) -> bytes:
        """:meth:`flags` as one compact JSON document in UTF-8 (what ``flags --json``
        prints when piped), assembled from stored text without decoding it."""
        from commission_tracker.projections import queries

        return queries.flags_json(self.views, self.clock.today(), rule=rule, status=status)

    def flags_json_chunks(
        self, *, rule: str | None = None, status: str | None = None
    ) -> Generator[bytes, None, None]:
        """:meth:`flags_json` in pieces, a page of flags at a time, to write as they come;
        close it (``contextlib.closing``) if it may be left before the end, to end its read
        transaction while the store is open."""
        from commission_tracker.projections import queries

        return queries.flags_json_chunks(self.views, self.clock.today(), rule=rule, status=status)

    def compliance(self, reference: str) -> list[dict[str, Any]]:
        """Every check on one exercise, as of today."""
        from commission_tracker.projections import queries

        ident = str(exercise_id(reference))
        if not queries.has_exercise(self.views, ident):
            # Not in the views: the event store says whether it exists (an unknown
            # reference is a clear error), and the views then catch up with it.
            self.exercise(reference)
        return queries.compliance(self.views, ident, self.clock.today())

    def inferred_notices(self, reference: str) -> dict[int, str]:
        """Notice number -> what it was inferred to serve and from what, for the notices of
        ``reference`` that name nothing (``history`` shows it beside the fact)."""
        found: dict[int, str] = {}
        for check in self.compliance(reference):
            figures = check["figures"]
            if check["rule"] == "notice-period" and figures.get("matched") == "inferred":
                found[int(figures["notice"])] = str(figures["inferred_from"])
        return found

    def involvement(self, *, by: str = "exercise") -> dict[str, Any]:
        from commission_tracker.projections import queries

        return queries.involvement(self.views, by=by)

    def deadlines(self, *, within: int = 30) -> list[dict[str, Any]]:
        from commission_tracker.projections import queries

        return queries.deadlines(self.views, self.clock.today(), within)

    def evaluation(self) -> dict[str, Any]:
        from commission_tracker.projections import queries

        return queries.evaluation(self.views, self.clock.today())

    def dashboard(self, *, within: int = 30) -> dict[str, Any]:
        from commission_tracker.projections import queries

        return queries.dashboard(self.views, self.clock.today(), within)

    def replay(
        self,
        *,
        restart: bool = False,
        progress: ProgressCallback | None = None,
        batch_size: int = 10_000,
    ) -> int:
        """Rebuild every view from the event log (resuming an interrupted rebuild)."""
        self.require_writable()
        return self.projector.rebuild(restart=restart, progress=progress, batch_size=batch_size)

    def event_count(self) -> int:
        """How many facts the store holds (every exercise, every fact)."""
        recorder: Any = self._recorder
        table = recorder.events_table_name
        if self.store.kind == "postgres":
            from psycopg.sql import SQL, Identifier

            schema = recorder.datastore.schema
            table = SQL("{}.{}").format(Identifier(schema), Identifier(table)).as_string()
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT COUNT(*) AS n FROM {table}")
            return int(cursor.fetchone()["n"])


def fold(
    facts: Sequence[ev.ExerciseEvent], *, as_of: date | None = None
) -> CommissioningExercise | None:
    """Rebuild an exercise from its facts, keeping only those on or before ``as_of``.

    Corrections always apply: they fix the record, they are not business facts. Facts keep
    their sequence numbers, so evidence cites the same numbers as the full history.
    """
    from commission_tracker.aggregates import events as ev

    exercise: CommissioningExercise | None = None
    for fact in facts:
        if as_of is not None and fact.on > as_of and not isinstance(fact, ev.EntryCorrected):
            continue
        if exercise is None:
            if isinstance(fact, ev.ExerciseOpened):
                exercise = fact.mutate(None)
            continue
        fact.apply(exercise)
        exercise.version = fact.originator_version
        exercise.modified_on = fact.timestamp
    return exercise
