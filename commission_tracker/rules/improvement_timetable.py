"""``improvement-timetable``: before ending funding for poor performance, try to improve it.

Bexley: "If a programme or service is encountering problems, identify this as early as
possible, give clear messages to the CSO about the issues encountered, and agree with the
CSO a timetable of actions to improve performance before making a decision to end a
financial relationship" (seed 003 s.4). Gloucestershire: "Discuss with any VCOs who have
contracts and are not meeting their performance management requirements what action can be
taken to improve. Should the performance not improve as a result of these discussions ...
funding may be terminated early" (seed 004 3.4.3). Only profiles carrying
``improvement_timetable_before_ending`` check it; ``improvement_discussion_counts`` says
whether the discussion alone is enough (Gloucestershire) or a timetable must be agreed
(Bexley).

The discussion (``PerformanceDiscussed``, with ``timetable_agreed``) is a fact of its own,
dated on or before the decision, with the provider the decision ends. A decision to *end*
funding for poor performance without one is a breach from the day of the decision, whether
or not notice follows. Both clauses are about ending a relationship, so a reduction is
not-applicable. Notices recorded before the fact existed carried the agreement
(``improvement_timetable_agreed``); those still count.
"""

from __future__ import annotations

from commission_tracker.aggregates.events import DecommissionDecided, ExerciseEvent
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import FundingChange
from commission_tracker.rules.common import evidence, not_applicable, same_organisation, settled
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Evidence, Status
from commission_tracker.rules.notice import decision_subject, funding_ends
from commission_tracker.rules.profiles import Profile

IMPROVEMENT_TIMETABLE = "improvement-timetable"


def _about(decision: DecommissionDecided, organisation: str) -> bool:
    return decision.all_vcs_providers or same_organisation(decision.provider, organisation)


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
        terms = profile.terms_on(decision.on)
        if not terms.improvement_timetable_before_ending:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    IMPROVEMENT_TIMETABLE,
                    profile.absent.get(
                        IMPROVEMENT_TIMETABLE,
                        f"{profile.title} does not ask for performance to be discussed, or an "
                        "improvement timetable agreed, before ending funding for poor "
                        "performance (Bexley's Compact s.4 and Gloucestershire's Code 3.4.3 do).",
                    ),
                    subject=subject,
                    facts=[decided],
                )
            )
            continue
        if decision.change is not FundingChange.END:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    IMPROVEMENT_TIMETABLE,
                    f"Decision #{decision.sequence} reduces funding; {profile.title} asks for "
                    "improvement to be sought before ending a relationship, not before a "
                    "reduction.",
                    subject=subject,
                    facts=[decided],
                )
            )
            continue
        discussion_counts = terms.improvement_discussion_counts
        found: list[tuple[ExerciseEvent, bool, Evidence]] = []
        for talk in exercise.performance_discussions:
            if _about(decision, talk.provider) and talk.on <= decision.on:
                found.append(
                    (
                        talk,
                        talk.timetable_agreed,
                        evidence(
                            talk,
                            f"performance discussed with {talk.provider}"
                            + (", improvement timetable agreed" if talk.timetable_agreed else ""),
                        ),
                    )
                )
        for notice in exercise.notices:
            # Before PerformanceDiscussed existed, the agreement was recorded on the notice.
            ends = mapping.served.get(notice.sequence, ())
            if notice.improvement_timetable_agreed and any(e.decision is decision for e in ends):
                found.append(
                    (
                        notice,
                        True,
                        evidence(notice, f"notice to {notice.to}: improvement timetable agreed"),
                    )
                )
        good = [item for item in found if item[1] or discussion_counts]
        what = (
            "performance discussed with the provider"
            if discussion_counts
            else "a timetable of actions to improve agreed"
        )
        if good:
            status = Status.COMPLIANT
            first = min(good, key=lambda item: (item[0].on, item[0].sequence))
            message = (
                f"Before the decision of {long_date(decision.on)} to end funding for poor "
                f"performance, {what} on {long_date(first[0].on)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"Funding was decided on {long_date(decision.on)} to end for poor performance "
                f"with no {what} recorded before it"
                + (
                    " (only a discussion, without an agreed timetable)."
                    if found
                    else "; record it with 'ctrack performance-discussed' if it happened."
                )
            )
        checks.append(
            settled(
                exercise,
                profile,
                IMPROVEMENT_TIMETABLE,
                subject=subject,
                status=status,
                message=message,
                facts=[decided, *(item[2] for item in found)],
                figures={
                    "required": "discussion" if discussion_counts else "timetable agreed",
                    "actual": bool(good),
                    "unit": "before the decision",
                    "decided": decision.on.isoformat(),
                },
            )
        )
    return checks
