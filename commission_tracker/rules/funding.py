"""Funding: ``funding-lead-time`` and ``funding-term``.

``funding-lead-time``: "Work towards a period of 3 months between notification of a new
funding opportunity and the deadline for receiving applications, where this is within the
control of the public sector body" (seed 004 3.2.2). Only profiles that carry the period
(``funding_lead_time_months`` above 0) check it; a recorded ``shorter_reason`` (it was not
within the body's control) makes a shorter period `justified`.

``funding-term``: multi-year agreements, only where the profile makes them a commitment:
Leicestershire, "a minimum of three years funding", "where appropriate", with exceptions
"such as research contracts" (seed 002 s.7); Bexley, "at least three-year funding
agreements" "wherever possible", explaining the reasons when not (seed 003 s.2-3). An award
to a VCS organisation shorter than ``funding_term_years`` without a ``term_reason`` is a
breach; with one, `justified`. The national toolkit and Gloucestershire's Code carry no such
term (their profiles say which clause they lack), and awards to other sectors are outside
the Compact's commitment. An award's ``ends`` is its last funded day, so its term runs to
the day after.
"""

from __future__ import annotations

from datetime import timedelta

from commission_tracker.aggregates.events import FundingOpportunityNotified
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import Sector
from commission_tracker.rules.common import evidence, money, not_applicable, quoted, settled
from commission_tracker.rules.dates import add_months, describe_period, long_date, months_and_days
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.notice import award_subject
from commission_tracker.rules.profiles import Profile

FUNDING_LEAD_TIME = "funding-lead-time"
FUNDING_TERM = "funding-term"


def _opportunity_subject(opportunity: FundingOpportunityNotified) -> str:
    return f"funding opportunity {opportunity.opportunity}"


def funding_lead_time(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``funding-lead-time``: application deadline at least 3 months after notification."""
    if not exercise.funding_opportunities:
        return [
            not_applicable(
                exercise, profile, FUNDING_LEAD_TIME, "No funding opportunity is notified yet."
            )
        ]
    checks = []
    for opportunity in exercise.funding_opportunities.values():
        subject = _opportunity_subject(opportunity)
        months = profile.terms_on(opportunity.on).funding_lead_time_months
        detail = f"notified, applications due {opportunity.deadline.isoformat()}"
        if opportunity.shorter_reason:
            detail += f", shorter because {quoted(opportunity.shorter_reason)}"
        facts = [evidence(opportunity, detail)]
        if months == 0:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    FUNDING_LEAD_TIME,
                    f"{profile.title} sets no minimum period between notifying a funding "
                    "opportunity and its deadline (Gloucestershire's Code does: 3 months).",
                    subject=subject,
                    facts=facts,
                )
            )
            continue
        earliest = add_months(opportunity.on, months)
        whole, days = months_and_days(opportunity.on, opportunity.deadline)
        period = describe_period(whole, days)
        opening = (
            f"Funding opportunity {opportunity.opportunity} was notified on "
            f"{long_date(opportunity.on)} with applications due {long_date(opportunity.deadline)}"
        )
        if opportunity.deadline >= earliest:
            status = Status.COMPLIANT
            message = f"{opening}: {period}, at least the {months} months asked for."
        elif opportunity.shorter_reason:
            status = Status.JUSTIFIED
            message = (
                f"{opening}: only {period}, less than {months} months; the reason recorded: "
                f"{quoted(opportunity.shorter_reason)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"{opening}: only {period}; {months} months needs a deadline no earlier than "
                f"{long_date(earliest)}."
            )
        checks.append(
            settled(
                exercise,
                profile,
                FUNDING_LEAD_TIME,
                subject=subject,
                status=status,
                message=message,
                facts=facts,
                figures={
                    "required": months,
                    "actual": period,
                    "unit": "months",
                    "actual_months": whole,
                    "actual_days": days,
                    "notified": opportunity.on.isoformat(),
                    "deadline": opportunity.deadline.isoformat(),
                    "earliest_compliant_deadline": earliest.isoformat(),
                },
            )
        )
    return checks


def funding_term(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``funding-term``: agreements with VCS organisations run for the profile's years."""
    if not exercise.awards:
        return [not_applicable(exercise, profile, FUNDING_TERM, "No award is recorded yet.")]
    checks = []
    for award in exercise.awards:
        subject = award_subject(award)
        detail = (
            f"awarded to {award.provider} ({award.sector}), {money(award.value)}, "
            f"{award.starts.isoformat()} to {award.ends.isoformat()}"
        )
        if award.term_reason:
            detail += f", shorter because {quoted(award.term_reason)}"
        facts = [evidence(award, detail)]
        years = profile.terms_on(award.on).funding_term_years
        if award.sector is not Sector.VCS:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    FUNDING_TERM,
                    f"{award.provider} is a {award.sector}-sector provider; the Compact's "
                    "multi-year funding commitment is to voluntary and community organisations.",
                    subject=subject,
                    facts=facts,
                )
            )
            continue
        if years == 0:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    FUNDING_TERM,
                    profile.absent.get(
                        FUNDING_TERM, f"{profile.title} sets no minimum funding term."
                    ),
                    subject=subject,
                    facts=facts,
                )
            )
            continue
        # The end date is the last funded day, so the term runs to the day after it.
        runs_to = award.ends + timedelta(days=1)
        whole, days = months_and_days(award.starts, runs_to)
        term = describe_period(whole, days)
        required = years * 12
        opening = (
            f"The award to {award.provider} runs from {long_date(award.starts)} to "
            f"{long_date(award.ends)}: {term}"
        )
        if add_months(award.starts, required) <= runs_to:
            status = Status.COMPLIANT
            message = f"{opening}, at least the {years} years the Compact looks for."
        elif award.term_reason:
            status = Status.JUSTIFIED
            message = (
                f"{opening}, shorter than {years} years; the reason recorded: "
                f"{quoted(award.term_reason)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"{opening}, shorter than {years} years, with no reason recorded for not "
                "funding for longer."
            )
        checks.append(
            settled(
                exercise,
                profile,
                FUNDING_TERM,
                subject=subject,
                status=status,
                message=message,
                facts=facts,
                figures={
                    "required": required,
                    "actual": whole,
                    "unit": "months",
                    "actual_days": days,
                    "starts": award.starts.isoformat(),
                    "ends": award.ends.isoformat(),
                },
            )
        )
    return checks
