"""The product's figures, each beside its floor, and the profiles of the missed targets.

Tasks (``TASKS``) run in child processes (see :mod:`benchmarks.child`), one figure per
process, so each peak memory is that figure's own. The product is imported only inside the
tasks: the harness itself never loads it, and the workload and floor work even while the
product does not import.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib
import io
import json
import pstats
import sqlite3
import statistics
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import floor
from benchmarks.child import ChildFailed, checked, run_process, run_task
from benchmarks.report import MB, MS, NOT_BUILT, RATE, Figure, Target
from benchmarks.workload import TODAY, WorkloadStats, generate

USER = "bench"
CTRACK = str(Path(sys.executable).with_name("ctrack"))

DASHBOARD_APP = "commission_tracker.tui.app:DashboardApp"
"""The dashboard hook: ``module:factory``, called with a ``Tracker``, returning a Textual
``App``. Change this one line if the dashboard issue names it differently."""
DASHBOARD_KEYS = ("down", "down", "up", "tab", "enter", "escape")
"""Pressed through Textual's Pilot, each to idle: moving in the portfolio, changing focus,
opening an exercise's history and coming back."""
FRAME_KEYS = ("down", "down", "up", "pagedown", "pageup", "end", "home")
FRAME_ROUNDS = 6
"""Pressed as the terminal delivers keys, each timed to the frame that shows its result."""

# -- product tasks (run in child processes) ---------------------------------------------


def _tracker(store: str, *, project: bool = True) -> Any:
    from commission_tracker.application.clock import Clock
    from commission_tracker.application.service import Tracker
    from commission_tracker.application.store import StoreConfig

    return Tracker(StoreConfig.sqlite(Path(store)), clock=Clock(TODAY), user=USER, project=project)


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _lines(workload: str, limit: int | None) -> Iterator[str]:
    with open(workload, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield line


def task_import(
    store: str, workload: str, project: bool, limit: int | None = None
) -> dict[str, Any]:
    """``Tracker.import_commands`` into a new store: with the views kept current (what
    ``ctrack import`` does) or without (``project=False``)."""
    remove_store(Path(store))
    with _tracker(store, project=project) as tracker:
        started = time.perf_counter()
        result = tracker.import_commands(
            _lines(workload, limit), source=workload, keep_recorded_at=True
        )
        seconds = time.perf_counter() - started
    with contextlib.closing(sqlite3.connect(store)) as connection:
        size = connection.execute("SELECT AVG(LENGTH(state)) FROM stored_events").fetchone()[0]
    return {"events": result.events, "seconds": seconds, "state_bytes": size}


def task_replay(store: str) -> dict[str, Any]:
    with _tracker(store, project=False) as tracker:
        started = time.perf_counter()
        processed = tracker.replay(restart=True)
        seconds = time.perf_counter() - started
    return {"events": processed, "seconds": seconds}


def task_verbs() -> dict[str, Any]:
    """The verbs the command line's parser accepts (some may not be wired yet)."""
    from commission_tracker.cli.main import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {"verbs": sorted(action.choices)}
    return {"verbs": []}


def task_reader(store: str, verb: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A reading verb as the command line would run it, for verbs not in the parser yet."""
    from commission_tracker.cli.main import READERS

    with contextlib.redirect_stdout(io.StringIO()), _tracker(store) as tracker:
        READERS[verb](argparse.Namespace(**arguments), tracker)
    return {}


def task_flags_query(store: str, runs: int) -> dict[str, Any]:
    """``Tracker.flags_json``: the JSON document ``ctrack flags --json`` writes."""
    with _tracker(store) as tracker:
        tracker.refresh()
        samples, document = [], b"[]"
        for _ in range(runs):
            started = time.perf_counter()
            document = tracker.flags_json()
            samples.append((time.perf_counter() - started) * 1000)
    return {"samples": samples, "flags": len(json.loads(document))}


def _moment(text: str) -> Any:
    from commission_tracker.application.clock import parse_moment

    return parse_moment(text)


def task_show_query(store: str, as_at: dict[str, str], runs: int) -> dict[str, Any]:
    with _tracker(store) as tracker:
        tracker.refresh()
        samples = []
        references = list(as_at)
        for number in range(runs):
            reference = references[number % len(references)]
            moment = _moment(as_at[reference])
            started = time.perf_counter()
            tracker.exercise(reference, as_at=moment).summary()
            samples.append((time.perf_counter() - started) * 1000)
    return {"samples": samples}


# -- floor tasks --------------------------------------------------------------------------


def task_floor(workload: str, database: str) -> dict[str, Any]:
    run = floor.measure(Path(workload), Path(database))
    return {
        "rows": run.rows,
        "insert_seconds": run.insert_seconds,
        "read_seconds": run.read_seconds,
        "state_bytes": run.state_bytes,
    }


STACK_LIBRARIES = (
    "import gc; gc.disable(); import sqlite3, msgpack, pydantic, eventsourcing.persistence; "
    "gc.freeze()"
)
"""What any command that reads or writes events must import, before any product code,
with the garbage collector held off and frozen at exit as ``ctrack`` does."""


def task_stack_floor(store: str, database: str) -> dict[str, Any]:
    """The stack's own floor: the least work the chosen libraries do per event, with no
    domain logic at all, on the product's own stored events.

    Write: validate each event's state with its pydantic model, encode it with the
    product's mapper (msgpack) and insert the rows in batches, as the raw floor does.
    Read: read every stored event in order and turn it back into a validated pydantic
    event with the product's mapper. Any import must at least write, and any rebuild at
    least read, every event this way, so these bound what the product can reach.
    """
    from commission_tracker.collector import collector_paused

    with collector_paused():  # as the product's bulk paths run
        return _stack_floor(store, database)


def _stack_floor(store: str, database: str) -> dict[str, Any]:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.utils import resolve_topic

    with _tracker(store, project=False) as tracker:
        mapper = tracker.app.mapper
    remove_store(Path(database))
    write = sqlite3.connect(database, isolation_level=None)
    write.execute("PRAGMA journal_mode=WAL")
    write.execute(floor.CREATE)
    select = (
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )
    decode = mapper.transcoder.decode
    classes: dict[str, Any] = {}
    write_seconds = 0.0
    rows = 0
    with contextlib.closing(sqlite3.connect(store)) as source:
        cursor = source.execute(select)
        write.execute("BEGIN")
        while batch := cursor.fetchmany(floor.BATCH):
            states = []
            for originator_id, version, topic, state in batch:
                data = decode(state)
                data.pop("class_version", None)
                data["originator_id"] = originator_id
                data["originator_version"] = version
                cls = classes.get(topic) or classes.setdefault(topic, resolve_topic(topic))
                states.append((cls, data))
            started = time.perf_counter()
            stored = [mapper.to_stored_event(cls.model_validate(data)) for cls, data in states]
            write.executemany(
                floor.INSERT,
                [(str(s.originator_id), s.originator_version, s.topic, s.state) for s in stored],
            )
            write_seconds += time.perf_counter() - started
            rows += len(batch)
        started = time.perf_counter()
        write.execute("COMMIT")
        write_seconds += time.perf_counter() - started
        write.close()
        started = time.perf_counter()
        cursor = source.execute(select)
        read = 0
        while batch := cursor.fetchmany(floor.BATCH):
            for originator_id, version, topic, state in batch:
                mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
            read += len(batch)
        read_seconds = time.perf_counter() - started
    remove_store(Path(database))
    return {"rows": rows, "write_seconds": write_seconds, "read_seconds": read_seconds}


FLAGS_SQL = """
    SELECT c.*, e.title, e.status AS exercise_status, e.phase
    FROM ct_checks c JOIN ct_exercises e ON e.exercise_id = c.exercise_id
    WHERE c.status IN ('breach', 'justified', 'at-risk')
       OR (c.status IS NULL AND (c.due < ? OR COALESCE(c.at_risk_from, c.due) <= ?))
    ORDER BY c.reference, c.ordinal
"""


def raw_flags(connection: sqlite3.Connection) -> str:
    """The flags floor: the same rows read by raw SQL and written out as JSON."""
    today = TODAY.isoformat()
    rows = connection.execute(FLAGS_SQL, (today, today)).fetchall()
    return json.dumps([dict(row) for row in rows])


def raw_history(connection: sqlite3.Connection, ident: str, as_at: str) -> list[Any]:
    """The show --as-at floor: one exercise's rows, decoded, up to a recorded time."""
    import msgpack

    rows = connection.execute(
        "SELECT originator_version, state FROM stored_events WHERE originator_id=? "
        "ORDER BY originator_version",
        (ident,),
    ).fetchall()
    states = [msgpack.unpackb(row[1], raw=False) for row in rows]
    return [state for state in states if state["timestamp"] <= as_at]


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection


def task_raw_queries(store: str, database: str, as_at: dict[str, str], runs: int) -> dict[str, Any]:
    """In-process floors of the flags and show queries."""
    flags, show = [], []
    product = _connect(store)
    raw = _connect(database)
    idents = {reference: floor.ident(reference) for reference in as_at}
    references = list(as_at)
    for number in range(runs):
        started = time.perf_counter()
        raw_flags(product)
        flags.append((time.perf_counter() - started) * 1000)
        reference = references[number % len(references)]
        started = time.perf_counter()
        raw_history(raw, idents[reference], as_at[reference])
        show.append((time.perf_counter() - started) * 1000)
    return {"flags": flags, "show": show}


RAW_PROCESS = """
import json, sqlite3, sys
import msgpack
kind, path, arg, as_at = sys.argv[1:5]
connection = sqlite3.connect(path, isolation_level=None)
connection.row_factory = sqlite3.Row
if kind == "flags":
    rows = connection.execute({flags_sql!r}, (arg, arg)).fetchall()
    sys.stdout.write(json.dumps([dict(row) for row in rows]))
else:
    rows = connection.execute(
        "SELECT originator_version, state FROM stored_events WHERE originator_id=? "
        "ORDER BY originator_version", (arg,)).fetchall()
    states = [msgpack.unpackb(row[1], raw=False) for row in rows]
    if kind == "show":
        sys.stdout.write(json.dumps([s for s in states if s["timestamp"] <= as_at], default=str))
    else:
        state = dict(states[-1], on=as_at[:10], recorded_by="bench")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)",
                           (arg, len(rows) + 1, "bench", msgpack.packb(state)))
        connection.execute("COMMIT")
""".replace("{flags_sql!r}", repr(FLAGS_SQL))
"""Whole-process floors: start Python, open the file, do the raw work, exit."""


# -- dashboard hook -----------------------------------------------------------------------


def dashboard_factory() -> Callable[[Any], Any] | None:
    """The dashboard's app factory, or None while it is not built."""
    module_name, _, attribute = DASHBOARD_APP.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    factory: Callable[[Any], Any] | None = getattr(module, attribute, None)
    return factory


def measure_app(make_app: Callable[[], Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Time a Textual app headless: to its first idle screen, each of ``keys`` through
    Textual's Pilot to idle, then each of :data:`FRAME_KEYS` to its frame.

    Pilot waits for idle in 20 ms slices, at least three to a key (63 ms for an app that
    does nothing), so its figure is mostly the harness. The frame figure is what a user
    sees: the key is posted as the terminal driver posts it, the app handles it (and every
    message it leads to), and the next frame is drawn, as ``Pilot.pause`` draws it.
    """
    from textual import events

    async def to_frame(app: Any, pilot: Any, key: str) -> float:
        started = time.perf_counter()
        app.post_message(events.Key(key, None))
        for _ in range(4):  # the key, the messages it posts, and theirs
            await pilot._wait_for_screen()
        app.screen._on_timer_update()
        return (time.perf_counter() - started) * 1000

    async def drive() -> dict[str, Any]:
        started = time.perf_counter()
        app = make_app()
        async with app.run_test(headless=True, size=(160, 48)) as pilot:
            await pilot.pause()
            first = (time.perf_counter() - started) * 1000
            presses = []
            for key in keys:
                pressed = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                presses.append((time.perf_counter() - pressed) * 1000)
            await pilot.pause()
            frames = []
            for _ in range(FRAME_ROUNDS):
                for key in FRAME_KEYS:
                    frames.append(await to_frame(app, pilot, key))
        return {"first_screen": [first], "keys": presses, "frames": frames}

    return asyncio.run(drive())


def task_dashboard(store: str | None, keys: list[str]) -> dict[str, Any]:
    """The dashboard's figures on ``store``; with no store, only whether it is built."""
    factory = dashboard_factory()
    if factory is None or store is None:
        return {"built": factory is not None}
    tracker = _tracker(store)
    result = measure_app(lambda: factory(tracker), tuple(keys))
    tracker.close()
    return {"built": True, **result}


def task_dashboard_floor(keys: list[str]) -> dict[str, Any]:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Minimal(App[None]):
        """Every key redraws one line: the least any app does that shows a key's effect."""

        BINDINGS = [(key, "count", key) for key in sorted({*keys, *FRAME_KEYS})]
        presses = 0

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("The floor: a minimal Textual app.", id="line")
            yield Footer()

        def action_count(self) -> None:
            self.presses += 1
            self.query_one("#line", Static).update(f"Keys pressed: {self.presses}")

    return measure_app(Minimal, tuple(keys))


# -- profiles -----------------------------------------------------------------------------


class _Enough(Exception):
    """Stops a profiled rebuild once it has run long enough."""


_STDLIB = sysconfig.get_paths()["stdlib"]
_IMPORTING = ("importlib", "marshal.", "builtins.compile", "builtins.exec", "_imp.", "open_code")


def _group(filename: str, name: str) -> str:
    """The package a profiled function's own time is charged to."""
    text = f"{filename} {name}"
    if any(marker in text for marker in _IMPORTING) or "__build_class__" in name:
        return "imports (loading modules, building classes)"
    for marker, group in (
        ("sqlite3", "sqlite3 (C)"),
        ("msgpack", "msgpack"),
        ("pydantic", "pydantic"),
        ("_json", "json"),
        ("posix.", "os calls"),
    ):
        if marker in text:
            return group
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "commission_tracker/" in filename:
        part = filename.split("commission_tracker/", 1)[1]
        return "commission_tracker." + part.split("/", 1)[0].removesuffix(".py")
    if "benchmarks/" in filename:
        return "benchmarks (harness)"
    if filename == "~":
        return "builtins (other)"
    if filename.startswith(_STDLIB):
        module = filename[len(_STDLIB) :].strip("/").split("/", 1)[0].removesuffix(".py")
        return "json" if module == "json" else f"stdlib: {module}"
    return Path(filename).stem


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for marker in ("site-packages/", "commission_tracker/"):
        if marker in filename:
            short = filename.split(marker, 1)[1]
            if marker == "commission_tracker/":
                short = marker + short
            return f"{short}:{line} {name}"
    return f"{Path(filename).name}:{line} {name}"


def summarise(profile: cProfile.Profile | pstats.Stats, what: str, top: int = 14) -> dict[str, Any]:
    """Own time by package, the heaviest product functions, the heaviest functions."""
    stats = profile if isinstance(profile, pstats.Stats) else pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1e-9
    groups: Counter[str] = Counter()
    for (filename, _line, name), entry in raw.items():
        groups[_group(filename, name)] += entry[2]
    by_own = sorted(raw.items(), key=lambda item: -item[1][2])[:top]
    product = sorted(
        (item for item in raw.items() if "commission_tracker/" in item[0][0]),
        key=lambda item: -item[1][3],
    )[:top]
    return {
        "what": what,
        "seconds": total,
        "groups": [(name, seconds / total) for name, seconds in groups.most_common(10)],
        "top": [(_label(key), entry[2] / total, entry[1]) for key, entry in by_own],
        "product": [(_label(key), min(entry[3] / total, 1.0), entry[1]) for key, entry in product],
    }


def _in_one_process() -> None:
    """Keep an import or a rebuild in this process: cProfile sees only the process it
    runs in, and the product shares large ones among worker processes."""
    from commission_tracker.application import bulk
    from commission_tracker.projections import runner

    bulk.PARALLEL_MIN_LINES = sys.maxsize
    runner.PARALLEL_MIN_EVENTS = sys.maxsize


def task_profile(op: str, store: str, **arguments: Any) -> dict[str, Any]:
    profile = cProfile.Profile()
    if op in ("import", "rebuild"):
        _in_one_process()
    if op == "import":
        remove_store(Path(store))
        limit, project = arguments.get("limit"), arguments.get("project", True)
        with _tracker(store, project=project) as tracker:
            profile.enable()
            tracker.import_commands(_lines(arguments["workload"], limit), keep_recorded_at=True)
            profile.disable()
        views = "with the views" if project else "without the views (`project=False`)"
        what = (
            f"`Tracker.import_commands` {views}, first {limit or 'all'} commands, in one "
            "process (the figure shares large imports among 2 worker processes)"
        )
    elif op == "rebuild":
        seconds = float(arguments.get("seconds", 60))
        with _tracker(store, project=False) as tracker:
            deadline = time.perf_counter() + seconds
            reached = [0, 0]

            def stop(position: int, total: int) -> None:
                reached[:] = [position, total]
                if time.perf_counter() > deadline:
                    raise _Enough

            profile.enable()
            with contextlib.suppress(_Enough):
                tracker.replay(restart=True, progress=stop)
            profile.disable()
        what = (
            f"`Tracker.replay(restart=True)` in one process (the figure shares large "
            f"rebuilds among 2 worker processes), up to event {reached[0]:,} of {reached[1]:,}"
        )
        if reached[0] < reached[1]:
            what += f" (stopped after {seconds:.0f} s)"
    elif op == "cli":  # a clean ``ctrack`` process under ``python -m cProfile``
        argv = arguments["argv"]
        with tempfile.TemporaryDirectory() as scratch:
            output = str(Path(scratch) / "cli.prof")
            module = ["-m", "cProfile", "-o", output, "-m", "commission_tracker.cli.main"]
            checked(run_process([sys.executable, *module, *argv]), "profiled ctrack")
            stats = pstats.Stats(output)
        what = f"one `ctrack {' '.join(argv[6:])}` in a new process, imports included"
        return summarise(stats, what)
    elif op in ("flags-query", "show-query"):
        runs = int(arguments.get("runs", 10))
        with _tracker(store) as tracker:
            tracker.refresh()
            as_at = arguments.get("as_at") or {}
            moments = {reference: _moment(text) for reference, text in as_at.items()}
            profile.enable()
            for number in range(runs):
                if op == "flags-query":
                    tracker.flags_json()
                else:
                    reference = list(moments)[number % len(moments)]
                    tracker.exercise(reference, as_at=moments[reference]).summary()
            profile.disable()
        what = f"{runs} in-process {'flags' if op == 'flags-query' else 'show --as-at'} queries"
    else:
        raise ValueError(op)
    return summarise(profile, what)


# -- the harness side ---------------------------------------------------------------------


@dataclass
class Plan:
    """Where things go and how often to measure them."""

    scale: str
    seed: int
    work_dir: Path
    workload: Path
    stats: WorkloadStats
    repeat: int
    runs: int
    dashboard_exercises: int
    profile: str = "misses"
    """``misses`` (profile the missed targets), ``all`` or ``none``."""
    import_profile_limit: int = 100_000
    rebuild_profile_seconds: float = 45.0

    def path(self, name: str) -> Path:
        return self.work_dir / f"{name}-{self.scale}.sqlite"


def _guard(figure: Figure, measure: Callable[[], None]) -> None:
    """Run one measurement; a failure is reported in the figure instead of stopping the run."""
    try:
        measure()
    except Exception as error:  # the report says what failed; the run goes on
        message = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        figure.state = f"failed: {type(error).__name__}: {message[:300]}"
        figure.samples = []


def task_reorder(source: str, target: str, workload: str) -> dict[str, Any]:
    """Copy the event log with its events in recorded-time order, as use would store them.

    ``ctrack import`` stores each exercise's events together; a store that grew one command
    at a time holds them interleaved in the order they were recorded. The rows are copied
    as they are (same ids, versions, topics and states); only their positions change.
    """
    from commission_tracker.aggregates.exercise import exercise_id

    remove_store(Path(target))
    order: list[tuple[str, int, str]] = []
    versions: Counter[str] = Counter()
    with open(workload, encoding="utf-8") as lines:
        for line in lines:
            command = json.loads(line)
            ident = exercise_id(command["reference"]).hex
            versions[ident] += 1
            order.append((ident, versions[ident], command["recorded_at"]))
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        create = sqlite3.connect(source).execute(
            "SELECT sql FROM sqlite_master WHERE name='stored_events'"
        )
        connection.execute(create.fetchone()[0])
        connection.execute("ATTACH DATABASE ? AS source", (str(source),))
        connection.execute(
            "CREATE TEMP TABLE recorded (originator_id TEXT, originator_version INTEGER, "
            "recorded_at TEXT, PRIMARY KEY (originator_id, originator_version))"
        )
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO temp.recorded VALUES (?, ?, ?)", order)
        connection.execute(
            "INSERT INTO main.stored_events SELECT s.originator_id, s.originator_version, "
            "s.topic, s.state FROM source.stored_events s JOIN temp.recorded r "
            "USING (originator_id, originator_version) "
            "ORDER BY r.recorded_at, s.originator_id, s.originator_version"
        )
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE source")
    return {}


def _copy_store(source: Path, target: Path) -> None:
    remove_store(target)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _process_samples(argv: list[str], runs: int, what: str) -> tuple[list[float], float]:
    checked(run_process(argv), what)  # a warm-up run, untimed: caches, bytecode
    samples, memory = [], 0.0
    for _ in range(runs):
        run = checked(run_process(argv), what)
        samples.append(run.seconds * 1000)
        memory = max(memory, run.maxrss_mb)
    return samples, memory


class Measurements:
    """Measures every figure of one plan, in an order that leaves the store as it needs."""

    def __init__(self, plan: Plan, progress: Callable[[str], None] | None = None) -> None:
        self.plan = plan
        self.progress = progress or (lambda message: None)
        self.floor: dict[str, Any] = {}
        self.notes: list[str] = []
        self.verbs: list[str] = []
        self.product_state_bytes = 0.0
        self.floor_db = plan.path("floor")
        self.import_store = plan.path("store-import-order")
        self.store = plan.path("store")
        stats = plan.stats
        self.as_at = dict(list(stats.as_at.items())[:5])
        self.figures = {
            "import": Figure(
                "import",
                "Bulk import alone (Tracker.import_commands, project=False)",
                RATE,
                floor_name="raw insert",
                target=Target(">= 0.4x floor", "min-ratio", 0.4),
            ),
            "import+projection": Figure(
                "import+projection",
                "Bulk import with the views kept current (what `ctrack import` does)",
                RATE,
                floor_name="raw insert",
                target=Target(">= 0.4x floor", "min-ratio", 0.4),
            ),
            "stack-write": Figure(
                "stack-write",
                "Stack floor: validate, encode and insert each event (pydantic + the "
                "product's mapper + batched insert, no domain logic)",
                RATE,
                floor_name="raw insert",
            ),
            "rebuild-import-order": Figure(
                "rebuild-import-order",
                "Full rebuild (`ctrack replay`), events in import order",
                RATE,
                floor_name="raw read",
                target=Target(">= 0.3x floor", "min-ratio", 0.3),
            ),
            "rebuild": Figure(
                "rebuild",
                "Full rebuild (`ctrack replay`), events in recorded-time order",
                RATE,
                floor_name="raw read",
                target=Target(">= 0.3x floor", "min-ratio", 0.3),
            ),
            "stack-read": Figure(
                "stack-read",
                "Stack floor: read each event and turn it back into a validated pydantic "
                "event (the product's mapper, no domain logic)",
                RATE,
                floor_name="raw read",
            ),
            "record-process": Figure(
                "record-process",
                "One recording command (`ctrack involve`), whole process",
                MS,
                floor_name="raw process: read exercise + insert 1 row",
                target=Target("< 300 ms", "max", 300),
            ),
            "flags-process": Figure(
                "flags-process",
                "`ctrack flags --json`, whole process",
                MS,
                floor_name="raw process: same SQL + JSON",
                target=Target("< 300 ms", "max", 300),
            ),
            "flags-query": Figure(
                "flags-query",
                "flags --json document in-process (`Tracker.flags_json`)",
                MS,
                floor_name="raw SQL + JSON in-process",
                target=Target("< 300 ms", "max", 300),
            ),
            "show-process": Figure(
                "show-process",
                "`ctrack show REF --as-at WHEN --json`, whole process",
                MS,
                floor_name="raw process: read + decode exercise",
                target=Target("< 100 ms", "max", 100),
            ),
            "show-query": Figure(
                "show-query",
                "show --as-at in-process (`Tracker.exercise(as_at=)`)",
                MS,
                floor_name="raw read + decode in-process",
                target=Target("< 100 ms", "max", 100),
            ),
            "stack-process": Figure(
                "stack-process",
                "Stack floor: a Python process that only imports sqlite3, msgpack, pydantic "
                "and eventsourcing",
                MS,
                floor_name="bare Python process",
            ),
            "dashboard-first": Figure(
                "dashboard-first",
                f"Dashboard first screen, {plan.dashboard_exercises:,} exercises (headless)",
                MS,
                floor_name="minimal Textual app",
                target=Target("< 1 s", "max", 1000),
            ),
            "dashboard-key": Figure(
                "dashboard-key",
                "Dashboard key press, to the frame that shows it (headless)",
                MS,
                floor_name="minimal Textual app, a key that redraws a line",
                target=Target("< 100 ms", "max", 100),
            ),
            "dashboard-pilot": Figure(
                "dashboard-pilot",
                "Dashboard key press through Textual's Pilot, to idle",
                MS,
                floor_name="minimal Textual app, a key that redraws a line",
            ),
            "dashboard-memory": Figure(
                "dashboard-memory",
                f"Dashboard peak memory, {plan.stats.exercises:,}-exercise store",
                MB,
                floor_name="minimal Textual app",
                target=Target("< 400 MB", "max", 400),
            ),
        }

    # -- steps --------------------------------------------------------------------------

    def run(self) -> list[Figure]:
        steps = (
            ("floor", self.measure_floor),
            ("import", self.measure_import),
            ("stack floor", self.measure_stack_floor),
            ("floor again", self.measure_floor),
            ("recorded-order store", self.build_recorded_order_store),
            ("rebuild", self.measure_rebuild),
            ("floor again", self.measure_floor),
            ("command-line verbs", self.check_verbs),
            ("flags and show", self.measure_queries),
            ("recording command", self.measure_record),
            ("dashboard", self.measure_dashboard),
            ("profiles", self.profile_misses),
        )
        for name, step in steps:
            self.progress(name)
            step()
        return list(self.figures.values())

    def measure_floor(self) -> None:
        """The raw floor, ``repeat`` times; called again between the product's steps, so
        the floor's samples are spread over the run as the product's are (on a shared
        machine the floor moves too)."""
        runs = [
            run_task("floor", workload=str(self.plan.workload), database=str(self.floor_db))
            for _ in range(self.plan.repeat)
        ]
        rows = runs[0]["rows"]
        insert = self.floor.setdefault("insert_samples", [])
        read = self.floor.setdefault("read_samples", [])
        insert += [rows / run["insert_seconds"] for run in runs]
        read += [rows / run["read_seconds"] for run in runs]
        self.floor.update(
            rows=rows,
            insert_rate=statistics.median(insert),
            read_rate=statistics.median(read),
            state_bytes=runs[0]["state_bytes"],
            maxrss_mb=max([run["maxrss_mb"] for run in runs] + [self.floor.get("maxrss_mb", 0)]),
        )
        # The same lists: samples added later count for every figure compared with them.
        for key in ("import", "import+projection", "stack-write"):
            self.figures[key].floor_samples = insert
        for key in ("rebuild-import-order", "rebuild", "stack-read"):
            self.figures[key].floor_samples = read

    def measure_import(self) -> None:
        plan = self.plan
        for key, project in (("import", False), ("import+projection", True)):
            figure = self.figures[key]

            def measure(figure: Figure = figure, project: bool = project) -> None:
                for _ in range(plan.repeat):
                    result = run_task(
                        "import",
                        store=str(self.import_store),
                        workload=str(plan.workload),
                        project=project,
                    )
                    # The workload keeps its recorded times (a migration): each exercise
                    # also gains the fact that says so.
                    expected = plan.stats.events + plan.stats.exercises
                    if result["events"] != expected:
                        raise ChildFailed(f"imported {result['events']} of {expected}")
                    figure.samples.append(result["events"] / result["seconds"])
                    figure.memory_mb = max(figure.memory_mb or 0, result["maxrss_mb"])
                    self.product_state_bytes = result["state_bytes"]

            _guard(figure, measure)
        self.figures["import+projection"].note = (
            "`Tracker.import_commands` of the whole file into a new store, all or nothing, "
            "views included; each run in a new process (the store it leaves is the one the "
            "import-order rebuild uses)"
        )

    def measure_stack_floor(self) -> None:
        """What the libraries alone cost per event and per process (see task_stack_floor)."""
        write, read = self.figures["stack-write"], self.figures["stack-read"]

        def per_event() -> None:
            if not self.import_store.exists():
                raise ChildFailed("no imported store to take the events from")
            for _ in range(self.plan.repeat):
                result = run_task(
                    "stack_floor",
                    store=str(self.import_store),
                    database=str(self.plan.path("stack-floor")),
                )
                write.samples.append(result["rows"] / result["write_seconds"])
                read.samples.append(result["rows"] / result["read_seconds"])
                write.memory_mb = read.memory_mb = result["maxrss_mb"]

        _guard(write, per_event)
        if not write.measured:
            read.state = write.state
        write.note = (
            "the product's own stored events, each validated by its pydantic model and "
            "encoded by the product's mapper, inserted in batches of "
            f"{floor.BATCH:,}; any import does at least this, so its ratio bounds the "
            "import figures above"
        )
        read.note = (
            "every stored event read in order and decoded and validated by the product's "
            "mapper; any rebuild does at least this, so its ratio bounds the rebuild figures"
        )
        process = self.figures["stack-process"]

        def per_process() -> None:
            argv = [sys.executable, "-c", STACK_LIBRARIES]
            process.samples, process.memory_mb = _process_samples(
                argv, self.plan.runs, "import the libraries"
            )
            process.floor_samples, _ = _process_samples(
                [sys.executable, "-c", "pass"], self.plan.runs, "bare Python"
            )

        _guard(process, per_process)
        process.note = (
            f"`python -c '{STACK_LIBRARIES}'`: the start-up any command that reads or writes "
            "events pays before the product's own code, so it bounds the whole-process figures"
        )

    def build_recorded_order_store(self) -> None:
        if self.import_store.exists():
            with contextlib.suppress(ChildFailed):
                run_task(
                    "reorder",
                    source=str(self.import_store),
                    target=str(self.store),
                    workload=str(self.plan.workload),
                )

    def measure_rebuild(self) -> None:
        for key, store in (("rebuild-import-order", self.import_store), ("rebuild", self.store)):
            figure = self.figures[key]

            def measure(figure: Figure = figure, store: Path = store) -> None:
                if not store.exists():
                    raise ChildFailed(f"no store to rebuild ({store.name})")
                for _ in range(self.plan.repeat):
                    result = run_task("replay", store=str(store))
                    figure.samples.append(result["events"] / result["seconds"])
                    figure.memory_mb = max(figure.memory_mb or 0, result["maxrss_mb"])

            _guard(figure, measure)
        self.figures["rebuild"].note = (
            "the same events re-ordered by recorded time, as a store built one command at a "
            "time holds them (`ctrack import` stores each exercise's events together); the "
            "reading and recording figures below use this store"
        )

    def check_verbs(self) -> None:
        with contextlib.suppress(ChildFailed):
            self.verbs = run_task("verbs")["verbs"]

    def _cli(self) -> list[str]:
        return [CTRACK, "--store", str(self.store), "--today", TODAY.isoformat(), "--by", USER]

    def measure_queries(self) -> None:
        plan, store = self.plan, str(self.store)
        figures = self.figures

        def in_process() -> None:
            result = run_task("flags_query", store=store, runs=plan.runs)
            figures["flags-query"].samples = result["samples"]
            figures["flags-query"].memory_mb = result["maxrss_mb"]
            figures["flags-query"].note = f"{result['flags']:,} flags on the store"
            result = run_task("show_query", store=store, as_at=self.as_at, runs=plan.runs)
            figures["show-query"].samples = result["samples"]
            figures["show-query"].memory_mb = result["maxrss_mb"]
            raw = run_task(
                "raw_queries",
                store=store,
                database=str(self.floor_db),
                as_at=self.as_at,
                runs=plan.runs,
            )
            figures["flags-query"].floor_samples = raw["flags"]
            figures["show-query"].floor_samples = raw["show"]

        _guard(figures["flags-query"], in_process)
        if not figures["flags-query"].measured:
            figures["show-query"].state = figures["flags-query"].state

        def flags_process() -> None:
            figure = figures["flags-process"]
            if "flags" in self.verbs:
                argv = [*self._cli(), "flags", "--json"]
            else:
                arguments = {"rule": None, "status": None, "json": True}
                argv = self._task_argv("reader", store=store, verb="flags", arguments=arguments)
                figure.note = (
                    "`flags` is not in the command line's parser yet (`build_parser`), so the "
                    "process runs `READERS['flags']` through `python -m benchmarks.child`"
                )
            figure.samples, figure.memory_mb = _process_samples(argv, plan.runs, "flags")
            figure.floor_samples, _ = _process_samples(
                self._raw_argv("flags", store, TODAY.isoformat(), ""), plan.runs, "raw flags"
            )

        _guard(figures["flags-process"], flags_process)

        def show_process() -> None:
            figure = figures["show-process"]
            samples, memory, floor_samples = [], 0.0, []
            for number in range(-1, plan.runs):  # -1: a warm-up run, untimed
                reference = list(self.as_at)[number % len(self.as_at)]
                moment = self.as_at[reference]
                argv = [*self._cli(), "show", reference, "--as-at", moment, "--json"]
                run = checked(run_process(argv), "show")
                samples.append(run.seconds * 1000)
                memory = max(memory, run.maxrss_mb)
                raw = self._raw_argv("show", str(self.floor_db), floor.ident(reference), moment)
                floor_samples.append(checked(run_process(raw), "raw show").seconds * 1000)
                if number < 0:
                    samples, memory, floor_samples = [], 0.0, []
            figure.samples, figure.memory_mb, figure.floor_samples = samples, memory, floor_samples

        _guard(figures["show-process"], show_process)

    def _task_argv(self, task: str, **arguments: Any) -> list[str]:
        return [sys.executable, "-m", "benchmarks.child", task, json.dumps(arguments)]

    def _raw_argv(self, kind: str, path: str, argument: str, as_at: str) -> list[str]:
        return [sys.executable, "-c", RAW_PROCESS, kind, path, argument, as_at]

    def _record_argv(self, reference: str) -> list[str]:
        return [
            *self._cli(),
            "involve",
            reference,
            "--org",
            "Benchmark Community Trust",
            "--sector",
            "vcs",
            "--activity",
            "co-design",
            "--on",
            TODAY.isoformat(),
        ]

    def measure_record(self) -> None:
        figure = self.figures["record-process"]
        references = list(self.as_at)

        def measure() -> None:
            samples, memory, floor_samples = [], 0.0, []
            for number in range(-1, self.plan.runs):  # -1: a warm-up run, untimed
                reference = references[number % len(references)]
                run = checked(run_process(self._record_argv(reference)), "involve")
                samples.append(run.seconds * 1000)
                memory = max(memory, run.maxrss_mb)
                raw = self._raw_argv(
                    "record", str(self.floor_db), floor.ident(reference), TODAY.isoformat()
                )
                floor_samples.append(checked(run_process(raw), "raw record").seconds * 1000)
                if number < 0:
                    samples, memory, floor_samples = [], 0.0, []
            figure.samples, figure.memory_mb, figure.floor_samples = samples, memory, floor_samples
            figure.note = (
                f"`ctrack involve` on {len(references)} open exercises in turn (about "
                f"{statistics.mean(self.plan.stats.reference_events[r] for r in references):.0f}"
                " events each), views caught up after each save"
            )

        _guard(figure, measure)

    def measure_dashboard(self) -> None:
        first, key, pilot, memory = (
            self.figures["dashboard-first"],
            self.figures["dashboard-key"],
            self.figures["dashboard-pilot"],
            self.figures["dashboard-memory"],
        )
        keys = list(DASHBOARD_KEYS)

        def floor_only() -> None:
            result = run_task("dashboard_floor", keys=keys)
            first.floor_samples = result["first_screen"]
            key.floor_samples = result["frames"]
            pilot.floor_samples = result["keys"]
            memory.floor_samples = [result["maxrss_mb"]]

        _guard(first, floor_only)

        def measure() -> None:
            if not run_task("dashboard", store=None, keys=keys)["built"]:
                for figure in (first, key, pilot, memory):
                    figure.state = NOT_BUILT
                return
            store = self.store
            if self.plan.dashboard_exercises < self.plan.stats.exercises:
                store = self.plan.path("store-dashboard")
                self._dashboard_store(store)
            result = run_task("dashboard", store=str(store), keys=keys)
            first.samples = result["first_screen"]
            key.samples = result["frames"]
            pilot.samples = result["keys"]
            first.memory_mb = key.memory_mb = pilot.memory_mb = result["maxrss_mb"]
            result = run_task("dashboard", store=str(self.store), keys=keys)
            memory.samples = [result["maxrss_mb"]]
            memory.memory_mb = result["maxrss_mb"]
            memory.note = (
                f"the dashboard on the whole {self.plan.stats.exercises:,}-exercise store, "
                f"the same keys; its first screen there took {result['first_screen'][0]:,.0f} ms"
            )

        if first.state == "measured":
            _guard(first, measure)
        for figure in (key, pilot, memory):
            if figure.state == "measured" and first.state != "measured":
                figure.state = first.state
        first.note = (
            f"`{DASHBOARD_APP}` called with a `Tracker` and run headless (`App.run_test`, "
            "160x48): from making the app to its first idle screen, the portfolio drawn and "
            "the first exercise's checks shown"
        )
        key.note = (
            f"keys {', '.join(FRAME_KEYS)}, {FRAME_ROUNDS} rounds, each posted as the terminal "
            "driver posts keys and timed until the app has handled it and every message it led "
            "to (the portfolio's cursor moved, the exercise's checks read and laid out) and "
            "the next frame is drawn; the floor app redraws a line per key"
        )
        pilot.note = (
            f"keys {', '.join(DASHBOARD_KEYS)} through `Pilot.press` and `Pilot.pause`, which "
            "wait for idle in 20 ms slices (at least three to a key): mostly the harness, "
            "shown for comparison with earlier runs"
        )

    def _dashboard_store(self, store: Path) -> None:
        """A store of the workload's first exercises, for the dashboard's figures."""
        workload = self.plan.work_dir / f"workload-dashboard-{self.plan.dashboard_exercises}.jsonl"
        with workload.open("w", encoding="utf-8") as out:
            for line in generate(self.plan.seed, self.plan.dashboard_exercises):
                out.write(line + "\n")
        run_task("import", store=str(store), workload=str(workload), project=True)

    # -- profiles ----------------------------------------------------------------------

    def profile_misses(self) -> None:
        if self.plan.profile == "none":
            return
        plan = self.plan
        jobs: dict[str, Callable[[], dict[str, Any]]] = {
            "import": lambda: run_task(
                "profile",
                op="import",
                store=str(plan.path("store-profile")),
                workload=str(plan.workload),
                limit=plan.import_profile_limit,
                project=False,
            ),
            "import+projection": lambda: run_task(
                "profile",
                op="import",
                store=str(plan.path("store-profile")),
                workload=str(plan.workload),
                limit=plan.import_profile_limit,
                project=True,
            ),
            "rebuild": lambda: self._profile_rebuild(self.store),
            "rebuild-import-order": lambda: self._profile_rebuild(self.import_store),
            "record-process": lambda: run_task(
                "profile",
                op="cli",
                store=str(self.store),
                argv=self._record_argv(next(iter(self.as_at)))[1:],
            ),
            "flags-query": lambda: run_task(
                "profile", op="flags-query", store=str(self.store), runs=5
            ),
            "show-query": lambda: run_task(
                "profile", op="show-query", store=str(self.store), as_at=self.as_at, runs=20
            ),
            "show-process": lambda: run_task(
                "profile",
                op="cli",
                store=str(self.store),
                argv=[
                    *self._cli()[1:],
                    "show",
                    next(iter(self.as_at)),
                    "--as-at",
                    next(iter(self.as_at.values())),
                    "--json",
                ],
            ),
        }
        if "flags" in self.verbs:
            jobs["flags-process"] = lambda: run_task(
                "profile",
                op="cli",
                store=str(self.store),
                argv=[*self._cli()[1:], "flags", "--json"],
            )
        else:
            jobs["flags-process"] = jobs["flags-query"]
        done: dict[int, dict[str, Any]] = {}
        for key, job in jobs.items():
            figure = self.figures[key]
            wanted = plan.profile == "all" or figure.status == "MISSED"
            if not (figure.measured and wanted):
                continue
            try:
                if id(job) not in done:
                    done[id(job)] = job()
                figure.profile = done[id(job)]
            except ChildFailed as error:
                self.notes.append(f"profile of {figure.name} failed: {error}")
        self.notes.append(
            "Python start-up plus importing the command line (`python -c 'import "
            f"commission_tracker.cli.main'`) takes {self._cli_import_ms():.0f} ms (median of 5): "
            "the part of every whole-process figure spent before any work"
        )

    def _profile_rebuild(self, store: Path) -> dict[str, Any]:
        copy = self.plan.path("store-profile")
        _copy_store(store, copy)
        try:
            return run_task(
                "profile",
                op="rebuild",
                store=str(copy),
                seconds=self.plan.rebuild_profile_seconds,
            )
        finally:
            remove_store(copy)

    def _cli_import_ms(self) -> float:
        argv = [sys.executable, "-c", "import commission_tracker.cli.main"]
        try:
            samples, _ = _process_samples(argv, 5, "import the CLI")
        except ChildFailed:
            return float("nan")
        return statistics.median(samples)


def product_importable() -> str | None:
    """None if the product imports; else the error, in one line."""
    run = run_process([sys.executable, "-c", "import commission_tracker.cli.main"])
    if run.returncode == 0:
        return None
    return run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "import failed"


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "import": task_import,
    "replay": task_replay,
    "verbs": task_verbs,
    "reader": task_reader,
    "flags_query": task_flags_query,
    "show_query": task_show_query,
    "floor": task_floor,
    "stack_floor": task_stack_floor,
    "raw_queries": task_raw_queries,
    "dashboard": task_dashboard,
    "dashboard_floor": task_dashboard_floor,
    "profile": task_profile,
    "reorder": task_reorder,
}
