"""impact-assessment: the impact is assessed before the decision to reduce or end funding."""

from __future__ import annotations

from datetime import date

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status

DECIDED = date(2026, 6, 10)


def with_decision() -> CommissioningExercise:
    ex = exercise("bexley")
    ex.decide_decommission(
        change="reduce",
        effective=date(2026, 12, 31),
        reason="Budget reduction of 20%",
        new_value="80000",
        all_vcs_providers=True,
        on=DECIDED,
        recorded_by=BY,
    )
    return ex


def test_an_assessment_on_the_day_of_the_decision_is_in_time() -> None:
    ex = exercise("bexley")
    ex.assess_impact(on=DECIDED, summary="Equality impact assessment", recorded_by=BY)
    ex.decide_decommission(
        change="end",
        effective=date(2026, 12, 31),
        reason="r",
        provider="Bexley Befrienders",
        sector="vcs",
        on=DECIDED,
        recorded_by=BY,
    )
    check = one(checks("impact-assessment", ex))
    assert check.status is Status.COMPLIANT
    assert [e.fact for e in check.evidence] == ["ImpactAssessed", "DecommissionDecided"]
    assert "seed 003" in check.source


def test_an_assessment_after_the_decision_is_a_breach() -> None:
    ex = with_decision()
    ex.assess_impact(on=date(2026, 6, 20), recorded_by=BY)
    check = one(checks("impact-assessment", ex))
    assert check.status is Status.BREACH
    assert check.figures == {
        "required": "2026-06-10",
        "unit": "assessed on or before",
        "actual": "2026-06-20",
    }
    assert "after funding was decided" in check.message


def test_no_assessment_is_a_breach() -> None:
    check = one(checks("impact-assessment", with_decision()))
    assert check.status is Status.BREACH
    assert check.subject == "decision #2 to reduce funding to every current VCS provider"


def test_no_decision_is_not_applicable() -> None:
    assert one(checks("impact-assessment", exercise())).status is Status.NOT_APPLICABLE


def test_a_decision_about_a_private_provider_owes_no_impact_assessment() -> None:
    # False breach before: the commitment is part of decommissioning a VCS service.
    ex = exercise("bexley")
    ex.decide_decommission(
        change="end",
        effective=date(2026, 12, 31),
        reason="Contract ended",
        provider="Acme Care Ltd",
        sector="private",
        on=DECIDED,
        recorded_by=BY,
    )
    check = one(checks("impact-assessment", ex))
    assert check.status is Status.NOT_APPLICABLE
    assert "private-sector provider" in check.message
