"""The registry of Compact rules by id, and ``evaluate``, which runs them all.

Re-exported by the ``commission_tracker.rules`` package.
"""

from __future__ import annotations

from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.bidder_feedback import bidder_feedback
from commission_tracker.rules.common import Rule
from commission_tracker.rules.consultation import consultation_feedback, consultation_length
from commission_tracker.rules.funding import funding_lead_time, funding_term
from commission_tracker.rules.impact_assessment import impact_assessment
from commission_tracker.rules.improvement_timetable import improvement_timetable
from commission_tracker.rules.model import Check
from commission_tracker.rules.monitoring import monitoring_proportionate
from commission_tracker.rules.notice import notice_in_writing, notice_period, notice_rationale
from commission_tracker.rules.pqq import pqq_proportionate
from commission_tracker.rules.profiles import Profile, load_profile
from commission_tracker.rules.timetable import timetable_published

RULES: dict[str, Rule] = {
    "notice-period": notice_period,
    "notice-in-writing": notice_in_writing,
    "notice-rationale": notice_rationale,
    "impact-assessment": impact_assessment,
    "improvement-timetable": improvement_timetable,
    "consultation-length": consultation_length,
    "consultation-feedback": consultation_feedback,
    "funding-lead-time": funding_lead_time,
    "timetable-published": timetable_published,
    "bidder-feedback": bidder_feedback,
    "pqq-proportionate": pqq_proportionate,
    "monitoring-proportionate": monitoring_proportionate,
    "funding-term": funding_term,
}
"""Every rule by its stable id, in the order of the commissioning cycle's concerns."""


def evaluate(exercise: CommissioningExercise, profile: Profile | str | None = None) -> list[Check]:
    """Every rule's checks of ``exercise``.

    Made against ``profile`` (a profile or its name), else the profile the exercise was
    opened under. Raises :class:`~commission_tracker.aggregates.errors.InvalidFact` for an
    unknown profile name and :class:`ProfileInvalid` for a profile file that cannot be used.
    """
    if profile is None:
        profile = exercise.profile
    if isinstance(profile, str):
        profile = load_profile(profile)
    return [check for rule in RULES.values() for check in rule(exercise, profile)]
