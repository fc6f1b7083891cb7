"""What every rule shares: making checks and evidence, and wording money and names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from commission_tracker.aggregates.events import ExerciseEvent
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import Sector
from commission_tracker.rules.model import Check, Evidence, Status
from commission_tracker.rules.profiles import Profile

Rule = Callable[[CommissioningExercise, Profile], list[Check]]
"""A rule: the checks it makes of one exercise under one Compact profile."""


def evidence(event: ExerciseEvent, detail: str) -> Evidence:
    """The fact ``event`` as evidence, with what it says that matters here."""
    return Evidence(sequence=event.sequence, fact=type(event).__name__, on=event.on, detail=detail)


def settled(
    exercise: CommissioningExercise,
    profile: Profile,
    rule: str,
    *,
    subject: str,
    status: Status,
    message: str,
    facts: Iterable[Evidence] = (),
    figures: dict[str, Any] | None = None,
    reasons: Iterable[str] = (),
    due: date | None = None,
    extra_source: str = "",
) -> Check:
    """A check whose verdict the recorded facts already settle."""
    return Check(
        exercise=exercise.reference,
        rule=rule,
        subject=subject,
        status=status,
        message=message,
        source=_source(profile, rule, extra_source),
        profile=profile.name,
        evidence=tuple(facts),
        figures=figures or {},
        due=due,
        reasons=tuple(reasons),
    )


def pending(
    exercise: CommissioningExercise,
    profile: Profile,
    rule: str,
    *,
    subject: str,
    due: date,
    at_risk_days: int,
    message: str,
    at_risk_message: str,
    breach_message: str,
    facts: Iterable[Evidence] = (),
    figures: dict[str, Any] | None = None,
) -> Check:
    """A check on a duty not yet done: compliant, then at-risk, then a breach after ``due``."""
    return Check(
        exercise=exercise.reference,
        rule=rule,
        subject=subject,
        status=None,
        message=message,
        source=_source(profile, rule),
        profile=profile.name,
        evidence=tuple(facts),
        figures=figures or {},
        due=due,
        at_risk_from=due - timedelta(days=at_risk_days),
        at_risk_message=at_risk_message,
        breach_message=breach_message,
    )


def not_applicable(
    exercise: CommissioningExercise,
    profile: Profile,
    rule: str,
    message: str,
    *,
    subject: str = "",
    facts: Iterable[Evidence] = (),
    figures: dict[str, Any] | None = None,
) -> Check:
    """A check the rule cannot make (yet), with the reason in ``message``."""
    return settled(
        exercise,
        profile,
        rule,
        subject=subject,
        status=Status.NOT_APPLICABLE,
        message=message,
        facts=facts,
        figures=figures,
    )


def _source(profile: Profile, rule: str, extra: str = "") -> str:
    source = profile.source_for(rule)
    return f"{source}; {extra}" if extra else source


def money(amount: Decimal) -> str:
    """``£210,000`` or ``£1,234.50``."""
    if amount == amount.to_integral_value():
        return f"£{int(amount):,}"
    return f"£{amount:,.2f}"


def amount_text(amount: Decimal) -> str:
    """An amount for ``figures``: a string, so no precision is lost in JSON."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return str(amount.normalize())


def same_organisation(first: str | None, second: str | None) -> bool:
    """Names match without regard to case or runs of space; an unnamed side matches any."""
    if first is None or second is None:
        return True
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def sector_of(exercise: CommissioningExercise, organisation: str | None) -> Sector | None:
    """The sector the exercise's facts give ``organisation``, if any fact names it."""
    return exercise.sector_of(organisation)


def quoted(text: str, limit: int = 80) -> str:
    """Recorded text quoted in a sentence, shortened if long."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"'{text}'"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
