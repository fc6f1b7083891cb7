"""improvement-timetable (Bexley s.4, Gloucestershire 3.4.3): seek improvement before ending
a relationship for poor performance, as a fact of its own recorded before the decision."""

from __future__ import annotations

from datetime import date

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status

DECIDED = date(2026, 8, 3)


def decided(ex: CommissioningExercise, change: str = "end") -> None:
    ex.decide_decommission(
        change=change,
        effective=date(2026, 12, 31),
        reason="Outcomes missed for three quarters",
        provider="Bexley Befrienders",
        sector="vcs",
        poor_performance=True,
        on=DECIDED,
        recorded_by=BY,
    )


def discussed(ex: CommissioningExercise, on: date, *, agreed: bool) -> None:
    ex.discuss_performance(
        provider="Bexley Befrienders", timetable_agreed=agreed, on=on, recorded_by=BY
    )


def legacy_notice(ex: CommissioningExercise, agreed: bool) -> None:
    ex.give_notice(
        to="Bexley Befrienders",
        effective=date(2026, 12, 31),
        in_writing=True,
        rationale="Outcomes missed",
        improvement_timetable_agreed=agreed,
        on=date(2026, 8, 10),
        recorded_by=BY,
    )


def test_an_improvement_timetable_agreed_before_the_decision_is_compliant_in_bexley() -> None:
    ex = exercise("bexley")
    discussed(ex, date(2026, 5, 1), agreed=True)
    decided(ex)
    check = one(checks("improvement-timetable", ex))
    assert check.status is Status.COMPLIANT
    assert "seed 003" in check.source
    assert [e.fact for e in check.evidence] == ["DecommissionDecided", "PerformanceDiscussed"]


def test_no_improvement_step_is_a_breach_from_the_decision_with_no_notice_yet() -> None:
    # The old rule waited for a notice (not-applicable until one was given): a missed breach.
    ex = exercise("bexley")
    decided(ex)
    check = one(checks("improvement-timetable", ex))
    assert check.status is Status.BREACH
    assert "performance-discussed" in check.message
    # The national Compact makes no such commitment, and says which clause it lacks.
    national = one(checks("improvement-timetable", ex, "national"))
    assert national.status is Status.NOT_APPLICABLE
    assert "Bexley s.4" in national.message


def test_a_discussion_without_a_timetable_is_not_enough_in_bexley_but_is_in_gloucestershire() -> (
    None
):
    ex = exercise("bexley")
    discussed(ex, date(2026, 5, 1), agreed=False)
    decided(ex)
    assert one(checks("improvement-timetable", ex)).status is Status.BREACH
    glos = one(checks("improvement-timetable", ex, "gloucestershire"))
    assert glos.status is Status.COMPLIANT
    assert "3.4.3" in glos.source


def test_a_discussion_after_the_decision_does_not_count() -> None:
    ex = exercise("bexley")
    decided(ex)
    discussed(ex, date(2026, 9, 1), agreed=True)
    assert one(checks("improvement-timetable", ex)).status is Status.BREACH


def test_a_reduction_for_poor_performance_is_not_applicable() -> None:
    ex = exercise("bexley")
    decided(ex, change="reduce")
    check = one(checks("improvement-timetable", ex))
    assert check.status is Status.NOT_APPLICABLE
    assert "reduction" in check.message


def test_a_legacy_notice_recording_the_agreement_still_counts() -> None:
    ex = exercise("bexley")
    decided(ex)
    legacy_notice(ex, agreed=True)
    assert one(checks("improvement-timetable", ex)).status is Status.COMPLIANT


def test_decisions_not_about_performance_are_not_applicable() -> None:
    assert one(checks("improvement-timetable", exercise("bexley"))).status is (
        Status.NOT_APPLICABLE
    )
