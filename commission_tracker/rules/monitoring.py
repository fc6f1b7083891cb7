"""``monitoring-proportionate``: monitoring asks only what is needed, in proportion to the funding.

"Ensure monitoring requirements only ask for information that is needed and are
proportionate to the level of funding and risks associated with the service" (seed 004
4.1.2); "Only request monitoring information that is proportionate" (seed 003 s.2). Lack of
attempts to minimise monitoring burdens is a common non-compliance (seed 001 s.7).

The seeds give no numbers, so the profile's ``monitoring_limits`` band the most reports a
year and indicators by the value of the funding monitored: that of the provider monitored
(the most recent award to it made on or before the day monitoring was set), else the
exercise's estimated value. Monitoring recorded before the provider was asked for names
none: the provider of the awards made by then, if there is one; if there were several, the
most recent award, as it was read then, and the check says the provider was not named. Above a limit
without a recorded ``justification`` is a breach; with one, `justified`. Monitoring set with
neither figure recorded cannot be measured and is not-applicable.
"""

from __future__ import annotations

from commission_tracker.aggregates.events import MonitoringSet
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import (
    amount_text,
    evidence,
    money,
    not_applicable,
    plural,
    quoted,
    same_organisation,
    settled,
)
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.profiles import Profile, Terms

MONITORING_PROPORTIONATE = "monitoring-proportionate"


def monitoring_proportionate(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``monitoring-proportionate``: one check per set of monitoring requirements."""
    if not exercise.monitoring:
        return [
            not_applicable(
                exercise, profile, MONITORING_PROPORTIONATE, "No monitoring requirements set yet."
            )
        ]
    return [_check(exercise, profile, monitoring) for monitoring in exercise.monitoring]


def _check(exercise: CommissioningExercise, profile: Profile, monitoring: MonitoringSet) -> Check:
    subject = f"monitoring #{monitoring.sequence}"
    detail = f"monitoring set: {quoted(monitoring.requirements)}"
    if monitoring.reports_per_year is not None:
        detail += f", {plural(monitoring.reports_per_year, 'report')} a year"
    if monitoring.indicators is not None:
        detail += f", {plural(monitoring.indicators, 'indicator')}"
    facts = [evidence(monitoring, detail)]
    awards = [a for a in exercise.awards if a.on <= monitoring.on]
    if monitoring.provider is not None:
        detail += f", of {monitoring.provider}"
        facts = [evidence(monitoring, detail)]
        awards = [a for a in awards if same_organisation(a.provider, monitoring.provider)]
    providers = {" ".join(a.provider.split()).casefold() for a in awards}
    if awards:
        award = max(awards, key=lambda a: (a.on, a.sequence))
        value, basis = award.value, f"the award to {award.provider}"
        if monitoring.provider is None and len(providers) > 1:
            basis += ", the latest; the provider monitored is not named"
        facts.append(evidence(award, f"awarded {money(award.value)} to {award.provider}"))
    else:
        value, basis = exercise.value, "the exercise's estimated value"
    if monitoring.reports_per_year is None and monitoring.indicators is None:
        return not_applicable(
            exercise,
            profile,
            MONITORING_PROPORTIONATE,
            "The monitoring set records neither reports a year nor indicators, so its burden "
            "cannot be measured; record them to check it.",
            subject=subject,
            facts=facts,
        )
    band = Terms.band_for(profile.terms_on(monitoring.on).monitoring_limits, value)
    figures: dict[str, object] = {
        "value": amount_text(value),
        "value_basis": basis,
        "band_below": amount_text(band.below) if band.below is not None else None,
    }
    excesses = []
    for name, asked, word in (
        ("reports_per_year", monitoring.reports_per_year, "reports a year"),
        ("indicators", monitoring.indicators, "indicators"),
    ):
        limit = band.limits.get(name)
        if asked is None:
            continue
        figures[name] = {"required": limit, "actual": asked}
        if limit is not None and asked > limit:
            excesses.append(f"{asked} {word} (at most {limit})")
    headline = f"Monitoring for {money(value)} of funding ({basis})"
    if not excesses:
        status, message = Status.COMPLIANT, f"{headline} is in proportion to it."
    elif monitoring.justification:
        status = Status.JUSTIFIED
        message = (
            f"{headline} asks {' and '.join(excesses)}, more than the norm; the reason "
            f"recorded: {quoted(monitoring.justification)}."
        )
    else:
        status = Status.BREACH
        message = f"{headline} asks {' and '.join(excesses)}, with no reason recorded."
    return settled(
        exercise,
        profile,
        MONITORING_PROPORTIONATE,
        subject=subject,
        status=status,
        message=message,
        facts=facts,
        figures=figures,
        reasons=excesses,
    )
