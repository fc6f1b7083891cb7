"""Checks and their verdict as at a day; the calendar reckoning the periods rest on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission_tracker.rules import Check, Evidence, Status, resolve
from commission_tracker.rules.dates import (
    add_months,
    add_working_days,
    is_working_day,
    last_day_for_months,
    months_and_days,
)


def pending_check() -> Check:
    return Check(
        exercise="EX-1",
        rule="notice-period",
        subject="decision #4 to end funding",
        status=None,
        message="Notice must be given by 30 November 2026.",
        source="seed 000 s.6",
        profile="national",
        evidence=(Evidence(4, "DecommissionDecided", date(2026, 6, 1), "decided"),),
        figures={"required": 3, "unit": "months"},
        due=date(2026, 11, 30),
        at_risk_from=date(2026, 10, 31),
        at_risk_message="No notice yet; 30 November 2026 is the last day.",
        breach_message="No notice was given by 30 November 2026.",
    )


def test_a_pending_check_is_compliant_then_at_risk_then_a_breach() -> None:
    check = pending_check()
    early, warned, last, late = (
        check.at(date(2026, 10, 30)),
        check.at(date(2026, 10, 31)),
        check.at(date(2026, 11, 30)),
        check.at(date(2026, 12, 1)),
    )
    assert (early.status, early.message) == (Status.COMPLIANT, check.message)
    assert (warned.status, warned.message) == (Status.AT_RISK, check.at_risk_message)
    assert last.status is Status.AT_RISK  # the due day is still in time
    assert (late.status, late.message) == (Status.BREACH, check.breach_message)


def test_a_settled_check_reads_the_same_on_every_day() -> None:
    check = Check(
        exercise="EX-1",
        rule="consultation-length",
        subject="consultation C1",
        status=Status.BREACH,
        message="Too short.",
        source="seed 000 s.3",
        profile="national",
    )
    for day in (date(2000, 1, 1), date(2100, 1, 1)):
        verdict = resolve(check, day)
        assert (verdict.status, verdict.message, verdict.check) == (
            Status.BREACH,
            "Too short.",
            check,
        )


def test_a_pending_check_must_say_when_it_is_due_and_what_a_breach_reads() -> None:
    with pytest.raises(ValueError, match="due date"):
        Check(
            exercise="EX-1",
            rule="r",
            subject="",
            status=None,
            message="m",
            source="s",
            profile="national",
        )


def test_checks_survive_a_json_round_trip_and_resolve_to_the_contract_shape() -> None:
    check = pending_check()
    assert Check.from_json(check.to_json()) == check
    shown = check.at(date(2026, 12, 1)).to_json()
    assert shown["status"] == "breach" and shown["pending"] is True
    for key in ("exercise", "rule", "status", "message", "source", "evidence", "figures"):
        assert key in shown
    assert {"subject", "due", "reasons", "profile"} <= set(shown)
    assert shown["due"] == "2026-11-30"
    assert shown["evidence"][0] == {
        "sequence": 4,
        "fact": "DecommissionDecided",
        "on": "2026-06-01",
        "detail": "decided",
    }


def test_status_words_are_the_ones_users_see() -> None:
    assert [s.value for s in Status] == [
        "compliant",
        "breach",
        "justified",
        "at-risk",
        "not-applicable",
    ]


# -- calendar reckoning ---------------------------------------------------------------


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # leap year
    assert months_and_days(date(2026, 11, 30), date(2027, 2, 28)) == (3, 0)
    assert months_and_days(date(2026, 11, 30), date(2027, 2, 27)) == (2, 28)


def test_the_last_day_for_notice_allows_for_month_end_clamping() -> None:
    # 30 Nov + 3 months clamps to 28 Feb, so notice on 30 Nov is still in time.
    assert last_day_for_months(date(2027, 2, 28), 3) == date(2026, 11, 30)
    assert last_day_for_months(date(2027, 3, 31), 3) == date(2026, 12, 31)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 36))
def test_the_last_day_for_notice_is_the_last_day_in_time(end: date, months: int) -> None:
    last = last_day_for_months(end, months)
    assert add_months(last, months) <= end
    assert add_months(last + timedelta(days=1), months) > end


def test_working_days_skip_weekends_and_english_bank_holidays() -> None:
    # From Friday 18 Dec 2026: 21-24 Dec count; Christmas Day (Friday) and the substitute for
    # Boxing Day (Monday 28th) do not; Tuesday 29th is the fifth working day.
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 29)
    assert not is_working_day(date(2026, 8, 31))  # late summer bank holiday
    assert is_working_day(date(2026, 9, 1))
