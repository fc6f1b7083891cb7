"""``timetable-published``: the procurement timetable is published before the first PQQ or tender.

"Map out the whole procurement process, including key dates and requirements, at the
beginning" (seed 004 3.1.2); "publish the timetable at the start of the process" (3.3.4).
Only profiles that carry the rule (``timetable_published``) check it.

Each cycle's procurement is judged on its own: a re-tender in cycle 2 needs its own
timetable, published in that cycle, on or before its own first PQQ or tender. A step's
cycle is the one the exercise was in on the step's business date.

Before any PQQ or tender is issued the rule is not-applicable rather than pending: nothing
fixes a day by which the timetable is due until the first of them is issued, and issuing it
settles the verdict at once.
"""

from __future__ import annotations

from commission_tracker.aggregates.events import PQQIssued, TenderPublished, TimetablePublished
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import evidence, not_applicable, settled
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.profiles import Profile

TIMETABLE_PUBLISHED = "timetable-published"


def _step_name(step: PQQIssued | TenderPublished) -> str:
    if isinstance(step, PQQIssued):
        return f"PQQ {step.pqq}"
    return f"tender {step.tender}"


def timetable_published(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``timetable-published``: one check per cycle, on its first PQQ or tender."""
    steps: list[PQQIssued | TenderPublished] = [*exercise.pqqs.values(), *exercise.tenders.values()]
    if not steps:
        return [
            not_applicable(
                exercise,
                profile,
                TIMETABLE_PUBLISHED,
                "No PQQ or tender is issued yet; the timetable is checked when the first is.",
            )
        ]
    by_cycle: dict[int, list[PQQIssued | TenderPublished]] = {}
    for step in steps:
        by_cycle.setdefault(exercise.phase_on(step.on)[1], []).append(step)
    timetables: dict[int, list[TimetablePublished]] = {}
    for timetable in exercise.timetables:
        timetables.setdefault(exercise.phase_on(timetable.on)[1], []).append(timetable)
    return [
        _cycle_check(exercise, profile, cycle, by_cycle[cycle], timetables.get(cycle, []))
        for cycle in sorted(by_cycle)
    ]


def _cycle_check(
    exercise: CommissioningExercise,
    profile: Profile,
    cycle: int,
    steps: list[PQQIssued | TenderPublished],
    timetables: list[TimetablePublished],
) -> Check:
    first = min(steps, key=lambda step: (step.on, step.sequence))
    of_cycle = f" of cycle {cycle}" if cycle > 1 else ""
    subject = f"{_step_name(first)} (the first procurement step{of_cycle})"
    step_fact = evidence(first, f"{_step_name(first)} issued")
    if not profile.terms_on(first.on).timetable_published:
        return not_applicable(
            exercise,
            profile,
            TIMETABLE_PUBLISHED,
            f"{profile.title} does not ask for the procurement timetable to be published "
            "before the first PQQ or tender (Gloucestershire's Code does).",
            subject=subject,
            facts=[step_fact],
        )
    in_time = [t for t in timetables if t.on <= first.on]
    late = [t for t in timetables if t.on > first.on]
    figures: dict[str, str | int | None] = {
        "required": first.on.isoformat(),
        "unit": "published on or before",
        "cycle": cycle,
    }
    in_cycle = f" in cycle {cycle}" if cycle > 1 else ""
    if in_time:
        timetable = min(in_time, key=lambda t: (t.on, t.sequence))
        status = Status.COMPLIANT
        message = (
            f"The procurement timetable was published on {long_date(timetable.on)}, before "
            f"{_step_name(first)} was issued on {long_date(first.on)}{in_cycle}."
        )
        facts = [evidence(timetable, f"timetable published{_where(timetable.where)}"), step_fact]
        figures["actual"] = timetable.on.isoformat()
    elif late:
        timetable = min(late, key=lambda t: (t.on, t.sequence))
        status = Status.BREACH
        message = (
            f"The procurement timetable was published only on {long_date(timetable.on)}, after "
            f"{_step_name(first)} was issued on {long_date(first.on)}{in_cycle}."
        )
        facts = [step_fact, evidence(timetable, f"timetable published{_where(timetable.where)}")]
        figures["actual"] = timetable.on.isoformat()
    else:
        status = Status.BREACH
        message = (
            f"{_step_name(first)} was issued on {long_date(first.on)}{in_cycle} with no "
            f"procurement timetable published{' for this cycle' if cycle > 1 else ''}."
        )
        facts = [step_fact]
        figures["actual"] = None
    return settled(
        exercise,
        profile,
        TIMETABLE_PUBLISHED,
        subject=subject,
        status=status,
        message=message,
        facts=facts,
        figures=figures,
    )


def _where(where: str | None) -> str:
    return f" at {where}" if where else ""
