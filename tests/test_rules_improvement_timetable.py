"""improvement-timetable (Bexley): agree how to improve before ending for poor performance."""

from __future__ import annotations

from datetime import date

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status


def ended_for_poor_performance(profile: str = "bexley") -> CommissioningExercise:
    ex = exercise(profile)
    ex.decide_decommission(
        change="end",
        effective=date(2026, 12, 31),
        reason="Outcomes missed for three quarters",
        provider="Bexley Befrienders",
        poor_performance=True,
        on=date(2026, 8, 3),
        recorded_by=BY,
    )
    return ex


def notice(ex: CommissioningExercise, agreed: bool) -> None:
    ex.give_notice(
        to="Bexley Befrienders",
        effective=date(2026, 12, 31),
        in_writing=True,
        rationale="Outcomes missed",
        improvement_timetable_agreed=agreed,
        on=date(2026, 8, 10),
        recorded_by=BY,
    )


def test_an_agreed_improvement_timetable_is_compliant_in_bexley() -> None:
    ex = ended_for_poor_performance()
    notice(ex, agreed=True)
    check = one(checks("improvement-timetable", ex))
    assert check.status is Status.COMPLIANT
    assert "seed 003" in check.source


def test_ending_for_poor_performance_with_no_agreed_timetable_is_a_breach_in_bexley() -> None:
    ex = ended_for_poor_performance()
    notice(ex, agreed=False)
    assert one(checks("improvement-timetable", ex)).status is Status.BREACH
    # The national Compact makes no such commitment.
    assert one(checks("improvement-timetable", ex, "national")).status is Status.NOT_APPLICABLE


def test_before_notice_is_given_it_cannot_yet_be_told() -> None:
    check = one(checks("improvement-timetable", ended_for_poor_performance()))
    assert check.status is Status.NOT_APPLICABLE
    assert "recorded with the notice" in check.message


def test_decisions_not_about_performance_are_not_applicable() -> None:
    assert one(checks("improvement-timetable", exercise("bexley"))).status is (
        Status.NOT_APPLICABLE
    )
