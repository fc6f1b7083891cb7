"""``pqq-proportionate``: pre-qualification in proportion to the contract's value and risk.

"Ensure that pre-qualification criteria are proportionate to the value of the contract and
the level of risk", do "not unnecessarily rule out potentially competent VCS organisations
without an extensive track record", and "Demand a standard PQQ form" (seed 000 s.4; seed
004 3.3.3). UK law makes parts of this concrete (PROCUREMENT.md; DESIGN.md section 5). Each
PQQ is put to these tests, with the law figures in force on the day it was issued:

- **below threshold**: no pre-qualification stage on a contract below the goods and services
  threshold of its authority, under a regime that bans it (PCR 2015 reg 111, PA2023 s.85;
  for works and light-touch contracts too, reg 111(2)-(3)). Not applied to grants. The law
  gives no exception, so a recorded justification does not lift it.
- **turnover**: minimum yearly turnover above a multiple of the estimated contract value:
  a legal cap under PCR 2015 and PSR 2023 (2x, "except in duly justified cases"), the
  profile's heuristic elsewhere (PA2023 s.22 sets no number).
- **track record**: years of trading or of accounts demanded beyond the profile's allowance,
  without a ``track_record_reason``.
- **insurance**: public liability, professional indemnity or employer's liability cover above
  the greater of the profile's level and a multiple of the contract value (employer's
  liability at the legal minimum is always fine).
- **standard form** and **length**: a bespoke questionnaire, or more questions than the
  profile allows for the value.

``reasons`` names each failed test. A recorded ``justification`` (or, for track record, its
own reason) turns the failures it can cover into `justified`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commission_tracker.aggregates.events import PQQIssued
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import ContractKind, Regime
from commission_tracker.rules.common import (
    amount_text,
    evidence,
    money,
    not_applicable,
    quoted,
    settled,
)
from commission_tracker.rules.dates import long_date
from commission_tracker.rules.model import Check, Evidence, Status
from commission_tracker.rules.profiles import Profile, Terms

PQQ_PROPORTIONATE = "pqq-proportionate"


@dataclass(frozen=True)
class Failure:
    """One proportionality test a PQQ failed."""

    label: str
    """Short, for the headline: ``turnover above 2x the contract value``."""
    reason: str
    """The full sentence, for ``reasons``."""
    justifiable: bool = True
    """Whether a recorded justification can answer it (the below-threshold ban cannot)."""
    own_reason: str | None = None
    """A reason recorded for this test alone (``track_record_reason``)."""


def _multiple(value: Decimal) -> str:
    return f"{value.normalize():f}x"


def _pqq_evidence(pqq: PQQIssued) -> Evidence:
    parts = []
    if pqq.minimum_turnover is not None:
        parts.append(f"minimum turnover {money(pqq.minimum_turnover)}")
    if pqq.years_trading:
        parts.append(f"{pqq.years_trading} years' trading")
    if pqq.years_accounts:
        parts.append(f"{pqq.years_accounts} years' accounts")
    for label, cover in (
        ("public liability", pqq.public_liability),
        ("professional indemnity", pqq.professional_indemnity),
        ("employer's liability", pqq.employers_liability),
    ):
        if cover is not None:
            parts.append(f"{label} {money(cover)}")
    parts.append("standard form" if pqq.standard_form else "bespoke form")
    if pqq.questions is not None:
        parts.append(f"{pqq.questions} questions")
    if pqq.justification:
        parts.append(f"justified as {quoted(pqq.justification)}")
    return evidence(pqq, f"PQQ {pqq.pqq}: " + ", ".join(parts))


def _threshold_test(
    exercise: CommissioningExercise,
    profile: Profile,
    pqq: PQQIssued,
    figures: dict[str, Any],
    sources: list[str],
) -> Failure | None:
    value = exercise.value
    if exercise.regime is Regime.GRANT:
        figures["threshold_test"] = "not applied: grant funding is under no procurement regime"
        return None
    ban = profile.law.prequalification_ban(exercise.regime, pqq.on)
    if ban is None:
        figures["threshold_test"] = (
            f"not applied: no ban on pre-qualification below threshold is recorded for "
            f"{exercise.regime} on {pqq.on.isoformat()}"
        )
        return None
    # The ban bites below the goods and services threshold whatever the contract kind.
    threshold = profile.law.threshold(ContractKind.SERVICES, exercise.authority, pqq.on)
    if threshold is None:
        figures["threshold_test"] = (
            f"not applied: no {exercise.authority} threshold is recorded for "
            f"{pqq.on.isoformat()}; add it to _thresholds.toml"
        )
        return None
    figures["threshold"] = amount_text(threshold.amount)
    figures["threshold_in_force_from"] = threshold.effective_from.isoformat()
    figures["threshold_source"] = threshold.cite()
    if exercise.contract_kind is not ContractKind.SERVICES:
        own = profile.law.threshold(exercise.contract_kind, exercise.authority, pqq.on)
        if own is not None:
            figures[f"{exercise.contract_kind}_threshold"] = amount_text(own.amount)
    if value >= threshold.amount:
        figures["threshold_test"] = "passed: the contract is at or above the threshold"
        return None
    sources.append(ban.cite())
    kind_note = (
        f" For {exercise.contract_kind} contracts the ban applies below the goods and services "
        "threshold."
        if exercise.contract_kind is not ContractKind.SERVICES
        else ""
    )
    figures["threshold_test"] = "failed"
    return Failure(
        label="a pre-qualification stage below the procurement threshold",
        reason=(
            f"The contract's estimated value, {money(value)}, is below the "
            f"{money(threshold.amount)} goods and services threshold for {exercise.authority} "
            f"authorities in force on {long_date(pqq.on)}, where no pre-qualification stage is "
            f"allowed ({ban.cite()}).{kind_note}"
        ),
        justifiable=False,
    )


def _turnover_test(
    exercise: CommissioningExercise,
    profile: Profile,
    pqq: PQQIssued,
    terms: Terms,
    figures: dict[str, Any],
    sources: list[str],
) -> Failure | None:
    if pqq.minimum_turnover is None:
        return None
    cap = profile.law.turnover_cap(exercise.regime, pqq.on)
    multiple = terms.pqq_turnover_multiple
    legal = cap is not None and cap.multiple <= multiple
    if cap is not None and legal:
        multiple = cap.multiple
    limit = multiple * exercise.value
    figures["minimum_turnover"] = amount_text(pqq.minimum_turnover)
    figures["turnover_limit"] = amount_text(limit)
    figures["turnover_multiple"] = str(multiple.normalize())
    figures["turnover_basis"] = "law" if legal else "heuristic"
    if pqq.minimum_turnover <= limit:
        return None
    if cap is not None and legal:
        sources.append(cap.cite())
        basis = f"the legal cap ({cap.cite()}), allowed only in duly justified cases"
    elif cap is not None:
        basis = f"{profile.title}'s stricter figure (the legal cap is {_multiple(cap.multiple)})"
    elif exercise.regime is Regime.GRANT:
        basis = "a proportionality heuristic: grant funding has no procurement regime"
    else:
        basis = (
            f"a proportionality heuristic: {exercise.regime} sets no numeric cap, only "
            "proportionate conditions (PA2023 s.22)"
        )
    return Failure(
        label=f"turnover above {_multiple(multiple)} the contract value",
        reason=(
            f"The minimum yearly turnover asked for, {money(pqq.minimum_turnover)}, is more than "
            f"{_multiple(multiple)} the estimated contract value ({money(limit)}); {basis}."
        ),
    )


def _track_record_test(pqq: PQQIssued, terms: Terms, figures: dict[str, Any]) -> Failure | None:
    allowed = terms.pqq_track_record_years_allowed
    demands = [
        f"{years} years' {what}"
        for years, what in ((pqq.years_trading, "trading"), (pqq.years_accounts, "accounts"))
        if years and years > allowed
    ]
    figures["track_record_years_allowed"] = allowed
    if not demands:
        return None
    figures["track_record_demanded"] = " and ".join(demands)
    return Failure(
        label="a track record demanded",
        reason=(
            f"It demands {' and '.join(demands)}, which rules out newer VCS organisations"
            + ("" if pqq.track_record_reason else ", with no reason recorded")
            + "."
        ),
        own_reason=pqq.track_record_reason,
    )


def _insurance_tests(
    exercise: CommissioningExercise,
    profile: Profile,
    pqq: PQQIssued,
    terms: Terms,
    figures: dict[str, Any],
) -> list[Failure]:
    failures = []
    scaled = terms.pqq_insurance_value_multiple * exercise.value
    for label, key, asked, level, legal_name in (
        (
            "public liability",
            "public_liability",
            pqq.public_liability,
            terms.pqq_public_liability_up_to,
            None,
        ),
        (
            "professional indemnity",
            "professional_indemnity",
            pqq.professional_indemnity,
            terms.pqq_professional_indemnity_up_to,
            None,
        ),
        (
            "employer's liability",
            "employers_liability",
            pqq.employers_liability,
            terms.pqq_employers_liability_up_to,
            "employers-liability",
        ),
    ):
        if asked is None:
            continue
        allowed = max(level, scaled)
        minimum = profile.law.insurance_minimum(legal_name, pqq.on) if legal_name else None
        if minimum is not None:
            # The law's minimum can always be asked for.
            allowed = max(allowed, minimum.amount)
        figures[key] = amount_text(asked)
        figures[f"{key}_limit"] = amount_text(allowed)
        if asked > allowed:
            failures.append(
                Failure(
                    label=f"{label} cover out of proportion",
                    reason=(
                        f"It asks for {money(asked)} of {label} cover, more than the greater of "
                        f"{money(level)} and {terms.pqq_insurance_value_multiple.normalize():f} "
                        f"times the contract value ({money(allowed)})."
                    ),
                )
            )
    return failures


def _form_tests(
    exercise: CommissioningExercise, pqq: PQQIssued, terms: Terms, figures: dict[str, Any]
) -> list[Failure]:
    failures = []
    figures["standard_form"] = pqq.standard_form
    if terms.pqq_standard_form and not pqq.standard_form:
        failures.append(
            Failure(
                label="a non-standard questionnaire",
                reason=(
                    "It is a bespoke questionnaire rather than the standard selection "
                    "questionnaire (PPN 8/16, updated by PPN 03/23 and 03/24)."
                ),
            )
        )
    band = Terms.band_for(terms.pqq_question_limits, exercise.value)
    limit = band.limits.get("questions")
    if pqq.questions is not None:
        figures["questions"] = pqq.questions
        figures["question_limit"] = limit
        if limit is not None and pqq.questions > limit:
            failures.append(
                Failure(
                    label="too many questions for the value",
                    reason=(
                        f"It asks {pqq.questions} questions, more than the {limit} a contract of "
                        f"{money(exercise.value)} warrants."
                    ),
                )
            )
    return failures


def _verdict(pqq: PQQIssued, value: Decimal, failures: list[Failure]) -> tuple[Status, str]:
    headline = f"PQQ {pqq.pqq} for a {money(value)} contract"
    if not failures:
        return Status.COMPLIANT, f"{headline} asks only what the value and risk warrant."
    labels = "; ".join(failure.label for failure in failures)
    open_failures = [
        f for f in failures if f.own_reason is None and not (pqq.justification and f.justifiable)
    ]
    if open_failures:
        message = f"{headline} is out of proportion: {labels}."
        if pqq.justification and any(not f.justifiable for f in open_failures):
            message += (
                " The justification recorded cannot lift the legal ban on pre-qualification "
                "below threshold."
            )
        return Status.BREACH, message
    given = [quoted(f.own_reason) for f in failures if f.own_reason]
    if pqq.justification:
        given.append(quoted(pqq.justification))
    return (
        Status.JUSTIFIED,
        f"{headline} goes beyond the norm ({labels}), with the reasons recorded: "
        f"{'; '.join(dict.fromkeys(given))}.",
    )


def pqq_proportionate(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``pqq-proportionate``: one check per PQQ, each failed test in ``reasons``."""
    if not exercise.pqqs:
        return [
            not_applicable(
                exercise, profile, PQQ_PROPORTIONATE, "No PQQ or selection questionnaire yet."
            )
        ]
    checks = []
    for pqq in exercise.pqqs.values():
        terms = profile.terms_on(pqq.on)
        figures: dict[str, Any] = {
            "value": amount_text(exercise.value),
            "unit": "pounds",
            "regime": str(exercise.regime),
            "authority": str(exercise.authority),
            "contract_kind": str(exercise.contract_kind),
        }
        sources: list[str] = []
        failures = [
            failure
            for failure in (
                _threshold_test(exercise, profile, pqq, figures, sources),
                _turnover_test(exercise, profile, pqq, terms, figures, sources),
                _track_record_test(pqq, terms, figures),
            )
            if failure is not None
        ]
        failures += _insurance_tests(exercise, profile, pqq, terms, figures)
        failures += _form_tests(exercise, pqq, terms, figures)
        status, message = _verdict(pqq, exercise.value, failures)
        checks.append(
            settled(
                exercise,
                profile,
                PQQ_PROPORTIONATE,
                subject=f"PQQ {pqq.pqq}",
                status=status,
                message=message,
                facts=[_pqq_evidence(pqq)],
                figures=figures,
                reasons=[failure.reason for failure in failures],
                extra_source="; ".join(dict.fromkeys(sources)),
            )
        )
    return checks
