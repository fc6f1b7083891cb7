"""``impact-assessment``: the impact is assessed *before* deciding to reduce or end funding.

"Assess the impact of decommissioning the service on beneficiaries, service users and
volunteers before deciding to reduce or end funding" (seed 000 s.6, commitment 1; seed 003
s.4). Not doing so is one of the most common non-compliances (seed 001 s.7).

An ``ImpactAssessed`` dated on or before the decision's date counts (an assessment put to
the meeting that decides is in time). One dated after, or none, is a breach: the decision
is already made, so there is nothing left to wait for.

The commitment is part of decommissioning well with the VCS (seed 000 s.6, "Should a
service delivered by a VCS organisation be decommissioned"): a decision about a public or
private provider's funding is not-applicable.
"""

from __future__ import annotations

from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import evidence, not_applicable, settled
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.notice import decision_sector, decision_subject, is_vcs
from commission_tracker.rules.profiles import Profile

IMPACT_ASSESSMENT = "impact-assessment"


def impact_assessment(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``impact-assessment``: one check per decision to reduce or end funding."""
    if not exercise.decisions:
        return [
            not_applicable(
                exercise,
                profile,
                IMPACT_ASSESSMENT,
                "No decision to reduce or end funding is recorded yet.",
            )
        ]
    checks = []
    for decision in exercise.decisions:
        decided = evidence(
            decision,
            f"decided to {decision.change} funding from {decision.effective.isoformat()}",
        )
        sector = decision_sector(exercise, decision)
        if not is_vcs(sector):
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    IMPACT_ASSESSMENT,
                    f"{decision.provider} is a {sector}-sector provider; the Compact's "
                    "commitment to assess the impact before decommissioning is to voluntary "
                    "and community organisations.",
                    subject=decision_subject(decision),
                    facts=[decided],
                )
            )
            continue
        before = [a for a in exercise.impact_assessments if a.on <= decision.on]
        after = [a for a in exercise.impact_assessments if a.on > decision.on]
        figures: dict[str, str | None] = {
            "required": decision.on.isoformat(),
            "unit": "assessed on or before",
        }
        if before:
            assessment = max(before, key=lambda a: (a.on, a.sequence))
            status = Status.COMPLIANT
            message = (
                f"The impact on beneficiaries, service users and volunteers was assessed on "
                f"{long_date(assessment.on)}, before the decision of {long_date(decision.on)}."
            )
            facts = [evidence(assessment, assessment.summary or "impact assessed"), decided]
            figures["actual"] = assessment.on.isoformat()
        elif after:
            assessment = min(after, key=lambda a: (a.on, a.sequence))
            status = Status.BREACH
            message = (
                f"The impact was assessed only on {long_date(assessment.on)}, after funding was "
                f"decided on {long_date(decision.on)}; the Compact asks for it before deciding."
            )
            facts = [decided, evidence(assessment, assessment.summary or "impact assessed")]
            figures["actual"] = assessment.on.isoformat()
        else:
            status = Status.BREACH
            message = (
                f"No assessment of the impact on beneficiaries, service users and volunteers "
                f"is recorded before the decision of {long_date(decision.on)}."
            )
            facts = [decided]
            figures["actual"] = None
        checks.append(
            settled(
                exercise,
                profile,
                IMPACT_ASSESSMENT,
                subject=decision_subject(decision),
                status=status,
                message=message,
                facts=facts,
                figures=figures,
            )
        )
    return checks
