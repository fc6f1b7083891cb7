"""monitoring-proportionate: monitoring in proportion to the funding."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.rules import Check, Status


def monitored(value: str = "60000", award: str | None = None, **kw: Any) -> Check:
    ex = exercise("gloucestershire", value=value)
    if award is not None:
        ex.award(
            provider="Carers Glos",
            sector="vcs",
            value=award,
            starts=date(2026, 4, 1),
            ends=date(2029, 3, 31),
            on=date(2026, 2, 1),
            recorded_by=BY,
        )
    ex.set_monitoring(requirements="Outcome returns", on=date(2026, 3, 1), recorded_by=BY, **kw)
    return one(checks("monitoring-proportionate", ex))


def test_quarterly_reports_on_a_small_grant_are_in_proportion() -> None:
    check = monitored(reports_per_year=4, indicators=6)
    assert check.status is Status.COMPLIANT
    assert check.figures["reports_per_year"] == {"required": 4, "actual": 4}
    assert "4.1.2" in check.source


def test_monthly_reports_under_100000_are_a_breach() -> None:
    check = monitored(reports_per_year=12)
    assert check.status is Status.BREACH
    assert check.reasons == ("12 reports a year (at most 4)",)


def test_the_award_value_sets_the_band_once_awarded() -> None:
    # The estimate was £60,000 but £450,000 was awarded: monthly reporting is in proportion.
    check = monitored(award="450000", reports_per_year=12)
    assert check.status is Status.COMPLIANT
    assert check.figures["value"] == "450000"
    assert [e.fact for e in check.evidence] == ["MonitoringSet", "Awarded"]


def test_heavier_monitoring_with_a_reason_is_justified() -> None:
    check = monitored(reports_per_year=12, justification="Pilot of a new safeguarding service.")
    assert check.status is Status.JUSTIFIED


def test_monitoring_with_no_figures_cannot_be_measured() -> None:
    assert monitored().status is Status.NOT_APPLICABLE


def test_no_monitoring_is_not_applicable() -> None:
    assert one(checks("monitoring-proportionate", exercise())).status is Status.NOT_APPLICABLE
