"""pqq-proportionate: pre-qualification in proportion to the contract's value and risk."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rules_fixtures import BY, checks, exercise, one

from commission_tracker.rules import Check, Status


def pqq(on: date, *, value: str = "420000", profile: str = "national", **kw: Any) -> Check:
    opts = {
        key: kw.pop(key)
        for key in ("regime", "authority", "contract_kind", "mechanism")
        if key in kw
    }
    ex = exercise(profile, value=value, on=min(on, date(2025, 1, 6)), **opts)
    ex.issue_pqq(on=on, recorded_by=BY, **kw)
    return one(checks("pqq-proportionate", ex))


def test_a_modest_standard_pqq_is_compliant() -> None:
    check = pqq(date(2025, 6, 2), minimum_turnover="840000", employers_liability="5000000")
    assert check.status is Status.COMPLIANT
    assert check.reasons == ()
    assert check.figures["threshold_test"] == "passed: the contract is at or above the threshold"


def test_210000_is_below_the_2025_threshold_but_above_the_2026_one() -> None:
    in_2025 = pqq(date(2025, 12, 31), value="210000")
    assert in_2025.status is Status.BREACH
    assert in_2025.figures["threshold"] == "214904"
    assert "below the £214,904 goods and services threshold" in in_2025.reasons[0]
    assert "Procurement Act 2023 s.85" in in_2025.source

    in_2026 = pqq(date(2026, 1, 1), value="210000")
    assert in_2026.status is Status.COMPLIANT
    assert in_2026.figures["threshold"] == "207720"


def test_central_government_has_the_lower_threshold() -> None:
    assert pqq(date(2025, 6, 2), value="150000", authority="central").status is Status.COMPLIANT
    assert pqq(date(2025, 6, 2), value="150000").status is Status.BREACH


def test_works_and_light_touch_are_banned_below_the_goods_and_services_threshold() -> None:
    # £1m is below the light-touch threshold but above goods and services: allowed.
    assert pqq(date(2025, 6, 2), value="1000000", contract_kind="light-touch").status is (
        Status.COMPLIANT
    )
    below = pqq(date(2025, 6, 2), value="100000", contract_kind="works")
    assert below.status is Status.BREACH
    assert "For works contracts the ban applies below the goods and services" in below.reasons[0]
    assert below.figures["works_threshold"] == "5372609"


def test_a_justification_cannot_lift_the_ban_below_threshold() -> None:
    check = pqq(date(2025, 6, 2), value="100000", justification="High-risk safeguarding service")
    assert check.status is Status.BREACH
    assert "cannot lift the legal ban" in check.message


def test_grants_are_not_put_to_the_threshold_test_but_are_to_proportion() -> None:
    check = pqq(date(2025, 6, 2), value="50000", regime="grant", mechanism="grant")
    assert check.status is Status.COMPLIANT
    assert check.figures["threshold_test"].startswith("not applied: grant funding")
    bespoke = pqq(date(2025, 6, 2), value="50000", regime="grant", standard_form=False)
    assert bespoke.status is Status.BREACH


@pytest.mark.parametrize(
    ("turnover", "expected"), [("840000", Status.COMPLIANT), ("840000.01", Status.BREACH)]
)
def test_turnover_of_exactly_twice_the_value_is_the_limit(turnover: str, expected: Status) -> None:
    check = pqq(date(2025, 6, 2), minimum_turnover=turnover)
    assert check.status is expected
    assert check.figures["turnover_limit"] == "840000"


def test_the_turnover_cap_is_law_under_pcr_2015_and_a_heuristic_under_pa2023() -> None:
    pcr = pqq(date(2024, 6, 3), regime="PCR2015", minimum_turnover="1000000")
    assert pcr.status is Status.BREACH
    assert "the legal cap (PCR 2015 reg 58(9)" in pcr.reasons[0]
    assert pcr.figures["turnover_basis"] == "law"
    assert "reg 58(9)" in pcr.source
    pa = pqq(date(2025, 6, 2), minimum_turnover="1000000")
    assert pa.status is Status.BREACH
    assert "a proportionality heuristic: PA2023 sets no numeric cap" in pa.reasons[0]
    assert pa.figures["turnover_basis"] == "heuristic"


def test_a_justified_turnover_requirement_is_justified() -> None:
    check = pqq(
        date(2024, 6, 3),
        regime="PCR2015",
        minimum_turnover="1000000",
        justification="The provider carries the risk of unfunded placements.",
    )
    assert check.status is Status.JUSTIFIED
    assert "unfunded placements" in check.message
    assert len(check.reasons) == 1  # the failed test is still named


def test_a_demanded_track_record_needs_its_reason() -> None:
    without = pqq(date(2025, 6, 2), years_trading=3, years_accounts=2)
    assert without.status is Status.BREACH
    assert without.reasons == (
        "It demands 3 years' trading and 2 years' accounts, which rules out newer VCS "
        "organisations, with no reason recorded.",
    )
    reasoned = pqq(date(2025, 6, 2), years_accounts=2, track_record_reason="Clinical governance")
    assert reasoned.status is Status.JUSTIFIED


def test_employers_liability_at_the_legal_minimum_is_always_fine() -> None:
    check = pqq(date(2025, 6, 2), value="30000", regime="grant", employers_liability="5000000")
    assert check.status is Status.COMPLIANT


def test_insurance_out_of_proportion_to_the_contract_is_flagged() -> None:
    check = pqq(
        date(2025, 6, 2),
        public_liability="10000000",
        professional_indemnity="5000000",
        employers_liability="10000000",
    )
    assert check.status is Status.BREACH
    assert [r.split(" cover")[0] for r in check.reasons] == [
        "It asks for £10,000,000 of public liability",
        "It asks for £5,000,000 of professional indemnity",
    ]
    # 10x a £2m contract makes £10m public liability proportionate.
    assert pqq(date(2025, 6, 2), value="2000000", public_liability="10000000").status is (
        Status.COMPLIANT
    )


def test_a_bespoke_or_overlong_questionnaire_is_flagged() -> None:
    bespoke = pqq(date(2025, 6, 2), standard_form=False)
    assert bespoke.status is Status.BREACH
    assert "bespoke questionnaire" in bespoke.reasons[0]
    long = pqq(date(2025, 6, 2), questions=61)
    assert long.status is Status.BREACH
    assert long.figures["question_limit"] == 60
    assert pqq(date(2025, 6, 2), questions=60).status is Status.COMPLIANT


def test_every_failed_test_is_named() -> None:
    check = pqq(
        date(2025, 6, 2),
        value="100000",
        minimum_turnover="500000",
        years_trading=2,
        standard_form=False,
    )
    assert check.status is Status.BREACH
    assert len(check.reasons) == 4
    assert check.message.count(";") == 3


def test_no_pqq_is_not_applicable() -> None:
    assert one(checks("pqq-proportionate", exercise())).status is Status.NOT_APPLICABLE
