"""bidder-feedback: every bidder, successful or not, gets feedback after the award."""

from __future__ import annotations

from datetime import date

from rules_fixtures import BY, checks, exercise, one, status_on

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status

AWARDED = date(2026, 12, 18)  # a Friday before Christmas


def tendered() -> CommissioningExercise:
    ex = exercise("gloucestershire")
    ex.receive_bid(bidder="Carers Glos", sector="vcs", on=date(2026, 11, 2), recorded_by=BY)
    ex.receive_bid(bidder="Care Co Ltd", sector="private", on=date(2026, 11, 3), recorded_by=BY)
    return ex


def award(ex: CommissioningExercise) -> None:
    ex.award(
        provider="Carers Glos",
        sector="vcs",
        value="400000",
        starts=date(2027, 4, 1),
        ends=date(2030, 3, 31),
        on=AWARDED,
        recorded_by=BY,
    )


def test_before_the_award_no_feedback_is_due() -> None:
    found = checks("bidder-feedback", tendered())
    assert {c.status for c in found} == {Status.NOT_APPLICABLE}
    assert len(found) == 2


def test_feedback_is_due_ten_working_days_after_the_award() -> None:
    ex = tendered()
    award(ex)
    check = one(checks("bidder-feedback", ex), "bid from Care Co")
    assert check.pending
    # 10 working days in England skip Christmas Day, the Boxing Day substitute and New Year.
    assert check.due == date(2027, 1, 6)
    assert check.figures["required"] == 10
    assert "unsuccessful" in check.message
    assert status_on(check, AWARDED) is Status.AT_RISK  # inside the 30-day warning window
    assert status_on(check, date(2027, 1, 7)) is Status.BREACH
    assert "3.3.11" in check.source


def test_every_bidder_with_feedback_is_compliant() -> None:
    ex = tendered()
    award(ex)
    ex.give_bidder_feedback(bidder="carers glos", on=date(2026, 12, 21), recorded_by=BY)
    found = checks("bidder-feedback", ex)
    assert one(found, "bid from Carers Glos").status is Status.COMPLIANT
    assert one(found, "bid from Care Co").pending


def test_no_bids_is_not_applicable() -> None:
    assert one(checks("bidder-feedback", exercise())).status is Status.NOT_APPLICABLE
