"""consultation-length and consultation-feedback: 12 weeks, and results reported back."""

from __future__ import annotations

from datetime import date, timedelta

from rules_fixtures import BY, checks, exercise, one, status_on

from commission_tracker.rules import Status

OPENS = date(2025, 2, 3)


def test_a_consultation_of_exactly_84_days_is_compliant() -> None:
    ex = exercise()
    ex.consult(opens=OPENS, closes=OPENS + timedelta(days=84), recorded_by=BY)
    check = one(checks("consultation-length", ex))
    assert check.status is Status.COMPLIANT
    assert check.figures == {
        "required": 84,
        "actual": 84,
        "unit": "days",
        "opens": "2025-02-03",
        "closes": "2025-04-28",
    }
    assert "12 weeks" in check.message


def test_a_consultation_of_83_days_is_a_breach_as_soon_as_it_is_recorded() -> None:
    ex = exercise()
    ex.consult(opens=OPENS, closes=OPENS + timedelta(days=83), recorded_by=BY)
    check = one(checks("consultation-length", ex))
    assert check.status is Status.BREACH  # settled: its dates are known
    assert check.figures["actual"] == 83
    assert "1 day short of the 84 required" in check.message
    assert check.evidence[0].fact == "ConsultationOpened"


def test_a_shorter_consultation_with_an_explanation_is_justified() -> None:
    ex = exercise("leicestershire")
    ex.consult(
        opens=OPENS,
        closes=OPENS + timedelta(days=56),
        shorter_reason="Statutory eight-week deadline for planning applications.",
        recorded_by=BY,
    )
    check = one(checks("consultation-length", ex))
    assert check.status is Status.JUSTIFIED
    assert "eight-week deadline" in check.message
    assert "seed 002" in check.source


def test_no_consultation_is_not_applicable() -> None:
    for rule in ("consultation-length", "consultation-feedback"):
        check = one(checks(rule, exercise()))
        assert check.status is Status.NOT_APPLICABLE
        assert check.message == "No consultation is recorded yet."


def test_published_feedback_is_compliant() -> None:
    ex = exercise()
    ex.consult(opens=OPENS, closes=date(2025, 4, 28), recorded_by=BY)
    ex.publish_consultation_feedback(
        on=date(2025, 5, 19), summary="You said, we did", recorded_by=BY
    )
    check = one(checks("consultation-feedback", ex))
    assert check.status is Status.COMPLIANT
    assert check.figures["actual"] == 21
    assert [e.fact for e in check.evidence] == [
        "ConsultationOpened",
        "ConsultationFeedbackPublished",
    ]


def test_late_feedback_is_a_late_breach_never_made_compliant_by_arriving() -> None:
    ex = exercise()
    ex.consult(opens=OPENS, closes=date(2025, 4, 28), recorded_by=BY)
    ex.publish_consultation_feedback(on=date(2025, 9, 1), recorded_by=BY)
    check = one(checks("consultation-feedback", ex))
    assert check.status is Status.BREACH
    assert "late, after 21 July 2025, the 84 days allowed" in check.message
    assert check.figures["late_days"] == 42


def test_unpublished_feedback_is_pending_then_at_risk_then_a_breach() -> None:
    ex = exercise()
    ex.consult(opens=OPENS, closes=date(2025, 4, 28), recorded_by=BY)
    check = one(checks("consultation-feedback", ex))
    assert check.pending
    assert check.due == date(2025, 7, 21)  # 84 days after closing
    assert status_on(check, date(2025, 5, 1)) is Status.COMPLIANT
    assert status_on(check, date(2025, 7, 1)) is Status.AT_RISK
    assert status_on(check, date(2025, 7, 22)) is Status.BREACH
