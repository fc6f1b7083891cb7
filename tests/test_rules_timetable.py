"""timetable-published: the procurement timetable is published before the first PQQ or tender."""

from __future__ import annotations

from datetime import date

from rules_fixtures import BY, checks, exercise, one

from commission_tracker.rules import Status


def test_a_timetable_published_before_the_pqq_is_compliant() -> None:
    ex = exercise("gloucestershire")
    ex.publish_timetable(on=date(2026, 3, 2), tender_deadline=date(2026, 5, 1), recorded_by=BY)
    ex.issue_pqq(on=date(2026, 3, 2), recorded_by=BY)
    check = one(checks("timetable-published", ex))
    assert check.status is Status.COMPLIANT
    assert check.subject == "PQQ Q1 (the first procurement step)"
    assert [e.fact for e in check.evidence] == ["TimetablePublished", "PQQIssued"]


def test_a_timetable_published_after_the_tender_is_a_breach() -> None:
    ex = exercise("gloucestershire")
    ex.publish_tender(on=date(2026, 3, 2), recorded_by=BY)
    ex.publish_timetable(on=date(2026, 3, 9), recorded_by=BY)
    check = one(checks("timetable-published", ex))
    assert check.status is Status.BREACH
    assert "only on 9 March 2026, after tender T1" in check.message


def test_a_tender_with_no_timetable_is_a_breach() -> None:
    ex = exercise("gloucestershire")
    ex.publish_tender(on=date(2026, 3, 2), recorded_by=BY)
    check = one(checks("timetable-published", ex))
    assert check.status is Status.BREACH
    assert check.figures["actual"] is None


def test_before_any_pqq_or_tender_the_rule_is_not_applicable() -> None:
    check = one(checks("timetable-published", exercise("gloucestershire")))
    assert check.status is Status.NOT_APPLICABLE
    assert "No PQQ or tender" in check.message


def test_the_published_timetable_is_a_gloucestershire_undertaking() -> None:
    ex = exercise("national")
    ex.publish_tender(on=date(2026, 3, 2), recorded_by=BY)
    assert one(checks("timetable-published", ex)).status is Status.NOT_APPLICABLE
    assert one(checks("timetable-published", ex, "gloucestershire")).status is Status.BREACH
