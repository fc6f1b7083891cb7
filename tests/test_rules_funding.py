"""funding-lead-time and funding-term."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status

NOTIFIED = date(2026, 1, 12)


def notified(ex: CommissioningExercise, deadline: date, **kw: Any) -> CommissioningExercise:
    ex.notify_funding(deadline=deadline, on=NOTIFIED, recorded_by=BY, **kw)
    return ex


# -- funding-lead-time ----------------------------------------------------------------


def test_three_months_to_the_deadline_is_compliant_in_gloucestershire() -> None:
    check = one(
        checks("funding-lead-time", notified(exercise("gloucestershire"), date(2026, 4, 12)))
    )
    assert check.status is Status.COMPLIANT
    assert check.figures["required"] == 3 and check.figures["actual"] == "3 months"
    assert "3.2.2" in check.source


def test_a_deadline_a_day_early_is_a_breach_in_gloucestershire() -> None:
    check = one(
        checks("funding-lead-time", notified(exercise("gloucestershire"), date(2026, 4, 11)))
    )
    assert check.status is Status.BREACH
    assert check.figures["earliest_compliant_deadline"] == "2026-04-12"


def test_a_shorter_period_outside_the_bodys_control_is_justified() -> None:
    ex = notified(
        exercise("gloucestershire"),
        date(2026, 2, 27),
        shorter_reason="The government grant was announced with a six-week deadline.",
    )
    check = one(checks("funding-lead-time", ex))
    assert check.status is Status.JUSTIFIED
    assert "six-week deadline" in check.message


def test_the_lead_time_is_gloucestershires_so_it_does_not_apply_nationally() -> None:
    check = one(checks("funding-lead-time", notified(exercise("national"), date(2026, 2, 1))))
    assert check.status is Status.NOT_APPLICABLE
    assert "sets no minimum period" in check.message


def test_no_funding_opportunity_is_not_applicable() -> None:
    assert one(checks("funding-lead-time", exercise("gloucestershire"))).status is (
        Status.NOT_APPLICABLE
    )


# -- funding-term ---------------------------------------------------------------------


def awarded(profile: str, starts: date, ends: date, **kw: Any) -> CommissioningExercise:
    ex = exercise(profile)
    ex.award(
        provider=kw.pop("provider", "Leicester Carers Centre"),
        sector=kw.pop("sector", "vcs"),
        value="300000",
        starts=starts,
        ends=ends,
        on=date(2026, 2, 1),
        recorded_by=BY,
        **kw,
    )
    return ex


def test_a_three_year_agreement_is_compliant() -> None:
    check = one(
        checks("funding-term", awarded("leicestershire", date(2026, 4, 1), date(2029, 3, 31)))
    )
    assert check.status is Status.COMPLIANT
    assert check.figures["required"] == 36 and check.figures["actual"] == 36
    assert "seed 002" in check.source


def test_a_shorter_agreement_without_a_reason_is_a_breach() -> None:
    check = one(checks("funding-term", awarded("bexley", date(2026, 4, 1), date(2027, 3, 31))))
    assert check.status is Status.BREACH
    assert check.figures["actual"] == 12
    assert "no reason recorded" in check.message


def test_a_shorter_agreement_with_a_reason_is_justified() -> None:
    ex = awarded(
        "leicestershire",
        date(2026, 4, 1),
        date(2027, 3, 31),
        term_reason="A one-year research contract.",
    )
    assert one(checks("funding-term", ex)).status is Status.JUSTIFIED


def test_the_term_commitment_is_to_the_voluntary_sector() -> None:
    ex = awarded(
        "national", date(2026, 4, 1), date(2027, 3, 31), provider="Serco", sector="private"
    )
    assert one(checks("funding-term", ex)).status is Status.NOT_APPLICABLE


def test_no_award_is_not_applicable() -> None:
    assert one(checks("funding-term", exercise())).status is Status.NOT_APPLICABLE
