"""The commissioning projection: from each processed fact, the view rows of its exercise.

Rows are a pure function of an exercise's state (its facts, its Compact profile), so the
incremental path (one event, one transaction) and the batched rebuild (whole exercises, a
batch per transaction) necessarily agree: both write ``rows_for(exercise)``.

Checks are stored without reference to "today": a pending check keeps its due date and the
day it turns at-risk, and readers resolve it against the day they ask about.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from commission_tracker.aggregates import events as ev
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import Activity, Phase, Sector
from commission_tracker.projections.queries import check_document
from commission_tracker.projections.views import CommissioningViews, ExerciseRows
from commission_tracker.rules.model import Check, Status, flagged_from
from commission_tracker.rules.registry import evaluate

# When the rows a fact produces change (new rule, new column), bump PROJECTION_VERSION in
# ``views`` (where the projector reads it without importing this module): views rebuild.

BEFORE_DO = {Phase.ANALYSE, Phase.PLAN}


def quarter_of(day: Any) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def _json(value: Any) -> str:
    # One encoder for every call: json.dumps with options builds a new one each time.
    return _ENCODER.encode(value)


_DOCUMENT = json.JSONEncoder(ensure_ascii=False, default=str)
"""The format ``flags --json`` prints in when piped (``cli.output.emit_json``)."""


_UNSETTLED = '"status": null, "message": null'
"""Where a document made with no status and message holds them (keys are not escaped,
and no string value can hold this unescaped)."""


def _mid(status: str, message: str | None) -> str:
    return f'{_DOCUMENT.encode(status)}, "message": {_DOCUMENT.encode(message)}'


def _flag_row(
    exercise: CommissioningExercise, ident: str, ordinal: int, check: Check
) -> tuple[Any, ...] | None:
    """A check's ``ct_flags`` row (``views.FLAG_COLUMNS``), if it is or may become a flag:
    from when it is one, and its document in ``flags --json``, exactly as
    ``queries.check_json`` makes it and ``emit_json`` prints it when piped, cut around the
    status and message, which for a pending check depend on the day (a breach after
    ``due``, at-risk before)."""
    start = flagged_from(check)
    if start is None:
        return None
    document = _DOCUMENT.encode(
        check_document(
            exercise=exercise.reference,
            title=exercise.title,
            rule=check.rule,
            subject=check.subject,
            status=None,
            message=None,
            source=check.source,
            evidence=[e.to_json() for e in check.evidence],
            figures=check.figures,
            reasons=list(check.reasons),
            due=check.due.isoformat() if check.due else None,
            pending=check.status is None,
            profile=check.profile,
            exercise_status=exercise.status.value,
            phase=exercise.phase.value,
        )
    )
    head, _, tail = document.partition(_UNSETTLED)
    if check.status is not None:
        mid, at_risk = _mid(check.status.value, check.message), None
    else:
        mid = _mid(Status.BREACH.value, check.breach_message)
        at_risk = (
            _mid(Status.AT_RISK.value, check.at_risk_message)
            if check.at_risk_from is not None
            else None
        )
    return (
        ident,
        exercise.reference,
        ordinal,
        check.rule,
        check.status.value if check.status is not None else None,
        check.due.isoformat() if check.due else None,
        start.isoformat(),
        head + '"status": ',
        mid,
        at_risk,
        tail,
    )


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def involvement_rows(exercise: CommissioningExercise) -> list[tuple[Any, ...]]:
    """``ct_involvement`` rows: every ``involve`` fact, and every bid from, award to and
    monitoring set for a VCS organisation (activities ``bid``, ``award`` and ``monitoring``,
    in the phase and cycle of their business date) that no ``involve`` fact of the same
    organisation, activity and cycle already records."""
    ident = str(exercise.id)
    rows: list[tuple[Any, ...]] = []
    recorded: Counter[tuple[str, str, int]] = Counter()
    for i in exercise.involvements:
        # Placed by business date against every phase change known now (a phase change
        # recorded late, with an earlier date, moves it), unless its phase was given.
        phase, cycle = (i.phase, i.cycle) if i.phase_given else exercise.phase_on(i.on)
        rows.append(
            (
                ident,
                exercise.reference,
                i.sequence,
                cycle,
                phase.value,
                i.organisation,
                i.sector.value,
                i.activity.value,
                i.on.isoformat(),
                quarter_of(i.on),
            )
        )
        recorded[(_name_key(i.organisation), i.activity.value, cycle)] += 1
    taking_part: list[tuple[ev.ExerciseEvent, str, Activity]] = [
        *((bid, bid.bidder, Activity.BID) for bid in exercise.bids if bid.sector is Sector.VCS),
        *(
            (award, award.provider, Activity.AWARD)
            for award in exercise.awards
            if award.sector is Sector.VCS
        ),
        *(
            (monitoring, monitoring.provider, Activity.MONITORING)
            for monitoring in exercise.monitoring
            if monitoring.provider is not None
            and exercise.sector_of(monitoring.provider) is Sector.VCS
        ),
    ]
    for fact, organisation, activity in sorted(taking_part, key=lambda item: item[0].sequence):
        phase, cycle = exercise.phase_on(fact.on)
        key = (_name_key(organisation), activity.value, cycle)
        if recorded[key]:
            recorded[key] -= 1  # already recorded with ``involve``: counted once
            continue
        rows.append(
            (
                ident,
                exercise.reference,
                fact.sequence,
                cycle,
                phase.value,
                organisation,
                Sector.VCS.value,
                activity.value,
                fact.on.isoformat(),
                quarter_of(fact.on),
            )
        )
    rows.sort(key=lambda row: row[2])
    return rows


def rows_for(exercise: CommissioningExercise) -> ExerciseRows:
    """Every view row of one exercise, derived from its current state."""
    ident = str(exercise.id)
    involvement = involvement_rows(exercise)
    # In the exercise's current cycle (each cycle is counted on its own; see
    # ``queries.evaluation``).
    vcs_before_do = any(
        row[6] == Sector.VCS.value and row[3] == exercise.cycle and Phase(row[4]) in BEFORE_DO
        for row in involvement
    )
    exercise_row = (
        ident,
        exercise.reference,
        exercise.title,
        exercise.commissioner,
        exercise.service_area,
        exercise.phase.value,
        exercise.cycle,
        exercise.status.value,
        str(exercise.value),
        exercise.mechanism.value,
        exercise.regime.value,
        exercise.profile,
        exercise.authority.value,
        exercise.contract_kind.value,
        exercise.opened_on.isoformat(),
        exercise.version,
        exercise.modified_on.isoformat(),
        int(vcs_before_do),
    )
    evaluated = evaluate(exercise)
    checks = [
        (
            ident,
            exercise.reference,
            ordinal,
            check.rule,
            check.subject,
            check.status.value if check.status is not None else None,
            check.message,
            check.at_risk_message,
            check.breach_message,
            check.source,
            check.due.isoformat() if check.due else None,
            check.at_risk_from.isoformat() if check.at_risk_from else None,
            _json([e.to_json() for e in check.evidence]),
            _json(check.figures),
            _json(list(check.reasons)),
            check.profile,
        )
        for ordinal, check in enumerate(evaluated)
    ]
    flags = [
        row
        for ordinal, check in enumerate(evaluated)
        if (row := _flag_row(exercise, ident, ordinal, check)) is not None
    ]
    return ExerciseRows(ident, exercise_row, involvement, checks, flags)


class CommissioningProjection(Projection[CommissioningViews]):  # type: ignore[type-var]
    """Keeps the views current, one fact at a time or a page at a time.

    ``load`` returns an exercise at a given version from the event store; it is used when
    a fact arrives for an exercise this projection has not seen in memory.
    """

    name = "commissioning_views"
    topics = tuple(cls.TOPIC for cls in ev.EVENT_TYPES)

    def __init__(self, view: CommissioningViews, load: Any, cache_size: int = 2000) -> None:
        super().__init__(view)
        self._load = load
        self._cache: OrderedDict[UUID, CommissioningExercise] = OrderedDict()
        self._cache_size = cache_size

    def process_event(self, domain_event: Any, tracking: Tracking, **guard: Any) -> None:
        """The incremental path: one fact, one transaction with its tracking record
        (``guard``: what the views must still show, see ``CommissioningViews.replace``)."""
        exercise = self._advance(domain_event)
        self.view.replace([rows_for(exercise)], tracking, **guard)

    def _advance(self, domain_event: ev.ExerciseEvent) -> CommissioningExercise:
        """The exercise with ``domain_event`` applied, from memory or the event store."""
        ident = domain_event.originator_id
        exercise = self._cache.pop(ident, None)
        if exercise is not None and exercise.version == domain_event.originator_version:
            pass  # remembered just after it was saved: the fact is already applied
        elif exercise is not None and exercise.version == domain_event.originator_version - 1:
            domain_event.mutate(exercise)
        elif isinstance(domain_event, ev.ExerciseOpened):
            exercise = domain_event.mutate(None)
        else:
            exercise = self._load(ident, domain_event.originator_version)
        assert exercise is not None
        exercise.collect_events()
        self._cache[ident] = exercise
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return exercise

    def remember(self, exercise: CommissioningExercise) -> None:
        """Keep an exercise just saved by this process, so catching up needs no reload."""
        self._cache[exercise.id] = exercise
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def forget(self) -> None:
        self._cache.clear()
