"""Consultations: ``consultation-length`` and ``consultation-feedback``.

"We will aim to allow at least 12 weeks for all consultations" and "report back on the views
received, and actions taken as a result" (seed 000 s.3); "12-week formal written
consultations, with explanation given for shorter time-frames" (seed 002); "reporting back
to targeted consultees" (seed 004 1.2.4). Shortened consultations are the most common
non-compliance (seed 001 s.7).

A consultation's dates are known when it is recorded, so a short one is settled at once.
Feedback not yet published is pending: due ``consultation_feedback_days`` after the
consultation closes (the seeds set no period; see national.toml). Feedback published after
that day is a breach for being late: arriving does not make it compliant.
"""

from __future__ import annotations

from datetime import timedelta

from commission_tracker.aggregates.events import ConsultationOpened
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import (
    evidence,
    not_applicable,
    pending,
    plural,
    quoted,
    settled,
)
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Evidence, Status
from commission_tracker.rules.profiles import Profile

CONSULTATION_LENGTH = "consultation-length"
CONSULTATION_FEEDBACK = "consultation-feedback"


def _subject(consultation: ConsultationOpened) -> str:
    about = f" on {consultation.subject}" if consultation.subject else ""
    return f"consultation {consultation.consultation}{about}"


def _evidence(consultation: ConsultationOpened) -> Evidence:
    detail = f"open {consultation.opens.isoformat()} to {consultation.closes.isoformat()}"
    if consultation.shorter_reason:
        detail += f", shorter because {quoted(consultation.shorter_reason)}"
    return evidence(consultation, detail)


def _none_yet(exercise: CommissioningExercise, profile: Profile, rule: str) -> list[Check]:
    return [not_applicable(exercise, profile, rule, "No consultation is recorded yet.")]


def consultation_length(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``consultation-length``: closing date minus opening date is at least 84 days."""
    if not exercise.consultations:
        return _none_yet(exercise, profile, CONSULTATION_LENGTH)
    checks = []
    for consultation in exercise.consultations.values():
        required = profile.terms_on(consultation.on).consultation_days
        actual = (consultation.closes - consultation.opens).days
        weeks = plural(actual // 7, "week") + (
            f" {plural(actual % 7, 'day')}" if actual % 7 else ""
        )
        opening = (
            f"Consultation {consultation.consultation} ran from {long_date(consultation.opens)} "
            f"to {long_date(consultation.closes)}: {actual} days ({weeks})"
        )
        if actual >= required:
            status = Status.COMPLIANT
            message = f"{opening}, at least the {required} days required."
        elif consultation.shorter_reason:
            status = Status.JUSTIFIED
            message = (
                f"{opening}, less than the {required} days required; the explanation recorded: "
                f"{quoted(consultation.shorter_reason)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"{opening}, {plural(required - actual, 'day')} short of the {required} "
                "required, with no explanation recorded."
            )
        checks.append(
            settled(
                exercise,
                profile,
                CONSULTATION_LENGTH,
                subject=_subject(consultation),
                status=status,
                message=message,
                facts=[_evidence(consultation)],
                figures={
                    "required": required,
                    "actual": actual,
                    "unit": "days",
                    "opens": consultation.opens.isoformat(),
                    "closes": consultation.closes.isoformat(),
                },
            )
        )
    return checks


def consultation_feedback(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``consultation-feedback``: the results are reported back to consultees.

    Feedback published by the profile's day is compliant; published later, a breach (how
    late is in the figures); not yet published, pending (at-risk, then a breach).
    """
    if not exercise.consultations:
        return _none_yet(exercise, profile, CONSULTATION_FEEDBACK)
    checks = []
    for name, consultation in exercise.consultations.items():
        terms = profile.terms_on(consultation.on)
        due = consultation.closes + timedelta(days=terms.consultation_feedback_days)
        feedback = exercise.consultation_feedback.get(name)
        figures = {
            "required": terms.consultation_feedback_days,
            "unit": "days after closing",
            "closes": consultation.closes.isoformat(),
            "due": due.isoformat(),
        }
        if feedback is not None:
            after = (feedback.on - consultation.closes).days
            figures["actual"] = after
            message = (
                f"The results of consultation {name} were reported back on {long_date(feedback.on)}"
            )
            status = Status.COMPLIANT
            if feedback.on > due:
                status = Status.BREACH
                figures["late_days"] = (feedback.on - due).days
                message += (
                    f", {after} days after it closed: late, after {long_date(due)}, the "
                    f"{terms.consultation_feedback_days} days allowed"
                )
            checks.append(
                settled(
                    exercise,
                    profile,
                    CONSULTATION_FEEDBACK,
                    subject=_subject(consultation),
                    status=status,
                    message=message + ".",
                    facts=[
                        _evidence(consultation),
                        evidence(feedback, feedback.summary or "feedback published"),
                    ],
                    figures=figures,
                )
            )
            continue
        checks.append(
            pending(
                exercise,
                profile,
                CONSULTATION_FEEDBACK,
                subject=_subject(consultation),
                due=due,
                at_risk_days=terms.at_risk_days,
                message=(
                    f"The results of consultation {name}, closing "
                    f"{long_date(consultation.closes)}, should be reported back to consultees by "
                    f"{long_date(due)}."
                ),
                at_risk_message=(
                    f"The results of consultation {name} are not yet reported back; they are due "
                    f"by {long_date(due)}."
                ),
                breach_message=(
                    f"The results of consultation {name} were not reported back by "
                    f"{long_date(due)}, {terms.consultation_feedback_days} days after it closed."
                ),
                facts=[_evidence(consultation)],
                figures=figures,
            )
        )
    return checks
