"""notice-period, notice-in-writing, notice-rationale: 3 months' written notice, with reasons."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules_fixtures import BY, checks, exercise, one, status_on

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import Status


def decided(
    ex: CommissioningExercise, effective: date, on: date = date(2026, 9, 1), **kw: Any
) -> None:
    ex.decide_decommission(
        change=kw.pop("change", "end"),
        effective=effective,
        reason="The service is being recommissioned county-wide.",
        provider=kw.pop("provider", "Carers Glos"),
        sector=kw.pop("sector", "vcs"),
        on=on,
        recorded_by=BY,
        **kw,
    )


def noticed(ex: CommissioningExercise, given: date, effective: date, **kw: Any) -> None:
    ex.give_notice(
        to=kw.pop("to", "Carers Glos"),
        effective=effective,
        in_writing=kw.pop("in_writing", True),
        rationale=kw.pop("rationale", "Recommissioning county-wide."),
        on=given,
        recorded_by=BY,
        **kw,
    )


def awarded(ex: CommissioningExercise, starts: date, ends: date, **kw: Any) -> None:
    ex.award(
        provider=kw.pop("provider", "Carers Glos"),
        sector=kw.pop("sector", "vcs"),
        value="150000",
        starts=starts,
        ends=ends,
        on=kw.pop("on", starts),
        recorded_by=BY,
        **kw,
    )


# -- notice-period --------------------------------------------------------------------


def test_notice_on_30_november_allows_funding_to_end_on_28_february() -> None:
    ex = exercise()
    decided(ex, date(2027, 2, 28))
    noticed(ex, date(2026, 11, 30), date(2027, 2, 28))
    check = one(checks("notice-period", ex), "notice #")
    assert check.status is Status.COMPLIANT
    assert check.figures["required"] == 3 and check.figures["actual"] == "3 months"
    assert [e.fact for e in check.evidence] == ["NoticeGiven", "DecommissionDecided"]
    assert "seed 000" in check.source


def test_notice_on_30_november_for_an_end_on_27_february_is_a_day_short() -> None:
    ex = exercise()
    decided(ex, date(2027, 2, 27))
    noticed(ex, date(2026, 11, 30), date(2027, 2, 27))
    check = one(checks("notice-period", ex), "notice #")
    assert check.status is Status.BREACH
    assert check.figures["actual"] == "2 months 28 days"
    assert check.figures["earliest_compliant_effective"] == "2027-02-28"
    assert check.figures["shortfall_days"] == 1
    assert "only 2 months 28 days" in check.message
    assert "28 February 2027" in check.message


def test_short_notice_in_exceptional_circumstances_is_justified() -> None:
    ex = exercise()
    decided(ex, date(2027, 1, 31))
    noticed(
        ex,
        date(2026, 12, 1),
        date(2027, 1, 31),
        exceptional_circumstances="The provider's registration was withdrawn by the regulator.",
    )
    check = one(checks("notice-period", ex), "notice #")
    assert check.status is Status.JUSTIFIED
    assert "registration was withdrawn" in check.message


def test_a_decision_without_notice_is_at_risk_near_the_last_day_then_a_breach() -> None:
    ex = exercise()
    decided(ex, date(2027, 2, 28), on=date(2026, 6, 1))
    check = one(checks("notice-period", ex), "decision #")
    assert check.pending
    assert check.due == date(2026, 11, 30)  # the last day 3 months' notice is still possible
    assert check.at_risk_from == date(2026, 10, 31)  # national at_risk_days = 30
    assert status_on(check, date(2026, 7, 1)) is Status.COMPLIANT
    assert status_on(check, date(2026, 11, 15)) is Status.AT_RISK
    assert status_on(check, date(2026, 12, 1)) is Status.BREACH
    assert "30 November 2026" in check.at(date(2026, 12, 1)).message


def test_giving_the_notice_settles_the_pending_check() -> None:
    ex = exercise()
    decided(ex, date(2027, 2, 28), on=date(2026, 6, 1))
    noticed(ex, date(2026, 9, 1), date(2027, 2, 28))
    found = checks("notice-period", ex)
    assert [c.subject for c in found] == ["notice #3 to Carers Glos"]
    assert found[0].status is Status.COMPLIANT
    assert found[0].figures["serves"] == "decision #2 to end funding to Carers Glos"


def exercise_with_award(profile: str) -> CommissioningExercise:
    ex = exercise(profile)
    awarded(ex, date(2025, 4, 1), date(2028, 3, 31))
    return ex


def test_an_award_running_out_needs_notice_nationally_but_not_in_leicestershire() -> None:
    # Nationally it is a live duty: due three months before funding stops. The award's
    # --ends (31 March 2028) is its last funded day, so funding stops from 1 April 2028.
    live = one(checks("notice-period", exercise_with_award("national")), "award #")
    assert live.pending
    assert live.due == date(2028, 1, 1)
    assert status_on(live, date(2028, 1, 1)) is Status.AT_RISK
    assert status_on(live, date(2028, 1, 2)) is Status.BREACH
    assert "unless the award is renewed" in live.message
    # Compact Leicestershire exempts "a previously defined end date".
    exempt = one(checks("notice-period", exercise_with_award("leicestershire")), "award #")
    assert exempt.status is Status.NOT_APPLICABLE
    assert "previously defined end date" in exempt.message


def test_leicestershire_still_needs_notice_of_a_decision_to_end_funding_early() -> None:
    ex = exercise("leicestershire")
    awarded(ex, date(2025, 4, 1), date(2028, 3, 31))
    decided(ex, date(2026, 12, 31), on=date(2026, 10, 1))
    noticed(ex, date(2026, 10, 15), date(2026, 12, 31))
    found = checks("notice-period", ex)
    assert one(found, "notice #").status is Status.BREACH
    assert one(found, "award #").status is Status.NOT_APPLICABLE  # ended earlier by the decision


def test_a_renewed_award_needs_no_notice_of_its_end() -> None:
    ex = exercise()
    awarded(ex, date(2025, 4, 1), date(2026, 3, 31))
    awarded(ex, date(2026, 4, 1), date(2029, 3, 31), on=date(2026, 2, 1))
    found = checks("notice-period", ex)
    renewed = one(found, "award #2")
    assert renewed.status is Status.NOT_APPLICABLE
    assert "renewed by award #3" in renewed.message
    assert one(found, "award #3").pending


def test_notice_is_owed_only_to_voluntary_and_community_organisations() -> None:
    ex = exercise()
    awarded(ex, date(2025, 4, 1), date(2026, 3, 31), provider="Serco", sector="private")
    check = one(checks("notice-period", ex), "award #")
    assert check.status is Status.NOT_APPLICABLE
    assert "private-sector" in check.message


def test_a_notice_to_another_organisation_does_not_serve_the_decision() -> None:
    ex = exercise()
    decided(ex, date(2027, 2, 28), on=date(2026, 6, 1))
    noticed(ex, date(2026, 7, 1), date(2027, 2, 28), to="Age UK Gloucestershire")
    found = checks("notice-period", ex)
    assert one(found, "notice #").status is Status.COMPLIANT
    assert one(found, "decision #").pending


def test_notice_is_measured_to_the_decided_date_when_funding_stops_earlier() -> None:
    ex = exercise()
    decided(ex, date(2027, 1, 31), on=date(2026, 10, 1))
    # The letter says March, but the decision stops funding at the end of January.
    noticed(ex, date(2026, 11, 1), date(2027, 3, 31))
    check = one(checks("notice-period", ex), "notice #")
    assert check.status is Status.BREACH
    assert check.figures["effective"] == "2027-01-31"
    assert "from 31 January 2027 (the day decision #2 takes effect" in check.message


def test_no_notice_duty_yet_is_not_applicable() -> None:
    check = one(checks("notice-period", exercise()))
    assert check.status is Status.NOT_APPLICABLE
    assert check.message.startswith("No decision to reduce or end funding")


# -- notice-in-writing ----------------------------------------------------------------


def test_notice_in_writing() -> None:
    ex = exercise()
    noticed(ex, date(2026, 1, 5), date(2026, 6, 30))
    noticed(ex, date(2026, 1, 6), date(2026, 6, 30), to="Age UK", in_writing=False)
    noticed(
        ex,
        date(2026, 1, 7),
        date(2026, 6, 30),
        to="Mind",
        in_writing=False,
        exceptional_circumstances="Safeguarding concern: the service closed the same day.",
    )
    found = checks("notice-in-writing", ex)
    assert one(found, "notice #2").status is Status.COMPLIANT
    assert one(found, "notice #3").status is Status.BREACH
    assert "not given in writing" in one(found, "notice #3").message
    assert one(found, "notice #4").status is Status.JUSTIFIED


def test_notice_in_writing_with_no_notice_is_not_applicable() -> None:
    assert one(checks("notice-in-writing", exercise())).status is Status.NOT_APPLICABLE


# -- notice-rationale -----------------------------------------------------------------


def test_notice_rationale() -> None:
    ex = exercise()
    decided(ex, date(2027, 3, 31), on=date(2026, 6, 1))
    noticed(ex, date(2026, 7, 1), date(2027, 3, 31))
    noticed(ex, date(2026, 7, 2), date(2027, 3, 31), to="Age UK", rationale=None)
    found = checks("notice-rationale", ex)
    assert one(found, "notice #3").status is Status.COMPLIANT
    without = one(found, "notice #4")
    assert without.status is Status.BREACH
    assert "gave no reasons" in without.message


def test_a_notice_without_reasons_quotes_the_decision_it_serves() -> None:
    ex = exercise()
    decided(ex, date(2027, 3, 31), on=date(2026, 6, 1))
    noticed(ex, date(2026, 7, 1), date(2027, 3, 31), rationale=None)
    check = one(checks("notice-rationale", ex), "notice #")
    assert check.status is Status.BREACH
    assert "recommissioned county-wide" in check.message
    assert [e.fact for e in check.evidence] == ["NoticeGiven", "DecommissionDecided"]


def test_in_leicestershire_a_notice_of_a_previously_defined_end_needs_no_reasons() -> None:
    ex = exercise("leicestershire")
    awarded(ex, date(2025, 4, 1), date(2026, 3, 31))
    noticed(ex, date(2026, 3, 1), date(2026, 3, 31), rationale=None, in_writing=False)
    for rule in ("notice-period", "notice-in-writing", "notice-rationale"):
        assert one(checks(rule, ex), "notice #").status is Status.NOT_APPLICABLE, rule
    # Under the national profile the same facts are three breaches.
    for rule in ("notice-period", "notice-in-writing", "notice-rationale"):
        assert one(checks(rule, ex, "national"), "notice #").status is Status.BREACH, rule
