"""``improvement-timetable``: before ending funding for poor performance, agree how to improve.

"If a programme or service is encountering problems, identify this as early as possible,
give clear messages to the CSO about the issues encountered, and agree with the CSO a
timetable of actions to improve performance before making a decision to end a financial
relationship" (seed 003 s.4). A Bexley commitment, so only profiles carrying
``improvement_timetable_before_ending`` check it; it is not in DESIGN.md's list, which names
it among the differences profiles must show.

The agreement is recorded on the notice (``NoticeGiven.improvement_timetable_agreed``), so a
decision for poor performance is judged on the notices that serve it (matched as in
``notice.py``): none yet is not-applicable until one is given.
"""

from __future__ import annotations

from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import evidence, not_applicable, settled
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.notice import decision_subject, funding_ends
from commission_tracker.rules.profiles import Profile

IMPROVEMENT_TIMETABLE = "improvement-timetable"


def improvement_timetable(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``improvement-timetable``: one check per decision made for poor performance."""
    decisions = [d for d in exercise.decisions if d.poor_performance]
    if not decisions:
        return [
            not_applicable(
                exercise,
                profile,
                IMPROVEMENT_TIMETABLE,
                "No decision to reduce or end funding for poor performance is recorded.",
            )
        ]
    mapping = funding_ends(exercise)
    checks = []
    for decision in decisions:
        subject = decision_subject(decision)
        decided = evidence(decision, f"decided for poor performance: {decision.reason}")
        if not profile.terms_on(decision.on).improvement_timetable_before_ending:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    IMPROVEMENT_TIMETABLE,
                    f"{profile.title} does not ask for an agreed improvement timetable before "
                    "ending funding for poor performance (Bexley's Compact does).",
                    subject=subject,
                    facts=[decided],
                )
            )
            continue
        notices = [
            notice
            for notice in exercise.notices
            if (end := mapping.served.get(notice.sequence)) is not None and end.decision is decision
        ]
        if not notices:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    IMPROVEMENT_TIMETABLE,
                    "Whether a timetable to improve was agreed is recorded with the notice; no "
                    "notice of this decision is given yet.",
                    subject=subject,
                    facts=[decided],
                )
            )
            continue
        agreed = [n for n in notices if n.improvement_timetable_agreed]
        facts = [
            decided,
            *(
                evidence(
                    n,
                    f"notice to {n.to}: improvement timetable "
                    f"{'agreed' if n.improvement_timetable_agreed else 'not agreed'}",
                )
                for n in notices
            ),
        ]
        if agreed:
            status = Status.COMPLIANT
            message = (
                f"A timetable of actions to improve performance was agreed before the decision "
                f"of {long_date(decision.on)} to {decision.change} funding."
            )
        else:
            status = Status.BREACH
            message = (
                f"Funding was decided on {long_date(decision.on)} to {decision.change} for poor "
                "performance with no timetable of actions to improve agreed first."
            )
        checks.append(
            settled(
                exercise,
                profile,
                IMPROVEMENT_TIMETABLE,
                subject=subject,
                status=status,
                message=message,
                facts=facts,
                figures={"required": True, "actual": bool(agreed), "unit": "timetable agreed"},
            )
        )
    return checks
