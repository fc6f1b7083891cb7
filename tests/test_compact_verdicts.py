"""Verdicts a Compact group can trust (issue 8), through the command line on real stores.

Each false breach (a commissioner wrongly accused) and missed breach (the VCS wrongly told
all was well) that the old rules gave has its own test here, named for what the user sees;
each would have failed on the old code. The key cases run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ctrack_helpers import Result, open_args, sqlite_event_count
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.aggregates.identity import exercise_id
from commission_tracker.application.serialisation import MsgpackTranscoder
from commission_tracker.application.service import Tracker
from commission_tracker.application.store import StoreConfig

Ctrack = Callable[..., Result]
REF = "CT-001"


@pytest.fixture(params=["sqlite", "postgres"])
def run(request: pytest.FixtureRequest, ctrack: Ctrack) -> Iterator[Ctrack]:
    """``ctrack`` on a fresh SQLite file, or on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield ctrack
        return
    url = request.getfixturevalue("postgres_url")

    def on_postgres(*args: str, today: str | None = "2026-03-02") -> Result:
        return ctrack("--store", url, *args, today=today)

    yield on_postgres


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def opened(ctrack: Ctrack, profile: str = "national", **overrides: str) -> None:
    ok(ctrack(*open_args(REF, profile=profile, **overrides)))


def checks(ctrack: Ctrack, rule: str, today: str = "2026-03-02") -> list[dict[str, Any]]:
    found = ok(ctrack("compliance", REF, "--json", today=today)).json()
    return [check for check in found if check["rule"] == rule]


def statuses(ctrack: Ctrack, rule: str, today: str = "2026-03-02") -> dict[str, str]:
    return {check["subject"]: check["status"] for check in checks(ctrack, rule, today)}


def award(ctrack: Ctrack, provider: str, sector: str, value: str, starts: str, ends: str,
          on: str) -> None:  # fmt: skip
    ok(ctrack("award", REF, "--provider", provider, "--sector", sector, "--value", value,
              "--starts", starts, "--ends", ends, "--on", on))  # fmt: skip


def decide(ctrack: Ctrack, *args: str, change: str = "end") -> None:
    ok(ctrack("decommission", REF, "--change", change, "--reason", "Budget savings", *args))


def notice(ctrack: Ctrack, to: str, effective: str, on: str, *args: str) -> None:
    ok(ctrack("notice", REF, "--to", to, "--effective", effective, "--in-writing",
              "--rationale", "Budget savings", "--on", on, *args))  # fmt: skip


# -- 1. whom the notice duties protect ------------------------------------------------------


def test_ending_a_private_providers_funding_owes_no_compact_notice(run: Ctrack) -> None:
    """False breach before: no notice to a private company read as a breach of the Compact."""
    opened(run)
    award(run, "Acme Care Ltd", "private", "90000", "2026-01-10", "2027-01-09", "2026-01-08")
    decide(run, "--provider", "Acme Care Ltd", "--effective", "2026-03-20", "--on", "2026-02-01")
    for rule in ("notice-period", "impact-assessment"):
        found = [c for c in checks(run, rule) if c["subject"].startswith("decision #")]
        assert [c["status"] for c in found] == ["not-applicable"], rule
        assert "private-sector provider" in found[0]["message"]
    flagged = ok(run("flags", "--json", today="2026-06-01")).json()
    assert not [f for f in flagged if f["rule"].startswith(("notice", "impact"))]


def test_a_notice_to_a_public_body_is_not_judged_as_a_compact_notice(ctrack: Ctrack) -> None:
    opened(ctrack)
    ok(ctrack("involve", REF, "--org", "Leeds NHS Trust", "--sector", "public",
              "--activity", "co-design", "--on", "2026-01-10"))  # fmt: skip
    ok(ctrack("notice", REF, "--to", "Leeds NHS Trust", "--effective", "2026-03-01",
              "--no-in-writing", "--on", "2026-02-01"))  # fmt: skip
    for rule in ("notice-period", "notice-in-writing", "notice-rationale"):
        assert list(statuses(ctrack, rule).values()) == ["not-applicable"], rule


def test_a_decision_must_say_whom_it_affects(ctrack: Ctrack, event_count: Any) -> None:
    opened(ctrack)
    before = event_count()
    refused = ctrack("decommission", REF, "--change", "end", "--effective", "2026-06-01",
                     "--reason", "Savings", "--on", "2026-02-01")  # fmt: skip
    assert refused.code == 2 and refused.out == ""
    assert "--provider" in refused.err and "--all-vcs-providers" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    unknown = ctrack("decommission", REF, "--change", "end", "--effective", "2026-06-01",
                     "--reason", "Savings", "--provider", "Nobody Known",
                     "--on", "2026-02-01")  # fmt: skip
    assert unknown.code == 2 and "--sector" in unknown.err
    assert event_count() == before


def test_a_decision_on_every_vcs_provider_is_served_by_a_notice_to_one_of_them(
    ctrack: Ctrack,
) -> None:
    opened(ctrack)
    award(ctrack, "Leeds Mind", "vcs", "90000", "2026-01-10", "2028-01-09", "2026-01-08")
    decide(ctrack, "--all-vcs-providers", "--effective", "2026-06-01", "--on", "2026-02-01",
           change="reduce")  # fmt: skip
    notice(ctrack, "Leeds Mind", "2026-06-01", "2026-02-10")
    found = statuses(ctrack, "notice-period")
    assert found["notice #4 to Leeds Mind"] == "compliant"
    assert not any(subject.startswith("decision #") for subject in found)
    decision = checks(ctrack, "impact-assessment")[0]
    assert decision["subject"] == "decision #3 to reduce funding to every current VCS provider"


def test_a_decision_on_every_vcs_provider_owes_each_of_them_notice(ctrack: Ctrack) -> None:
    """A letter to one provider never serves the others: each is owed its own notice."""
    opened(ctrack)
    award(ctrack, "Alpha Trust", "vcs", "90000", "2026-01-10", "2028-01-09", "2026-01-08")
    award(ctrack, "Beta Care", "vcs", "60000", "2026-01-10", "2028-01-09", "2026-01-08")
    decide(ctrack, "--all-vcs-providers", "--effective", "2026-06-01", "--on", "2026-02-01")
    notice(ctrack, "Alpha Trust", "2026-06-01", "2026-02-10")
    found = statuses(ctrack, "notice-period", today="2026-06-02")
    assert found["notice #5 to Alpha Trust"] == "compliant"
    beta = [subject for subject in found if "Beta Care" in subject]
    assert beta and found[beta[0]] == "breach", found
    assert not any("Alpha Trust (every" in subject for subject in found)  # served


# -- 2. Leicestershire's previously defined end date ---------------------------------------


def test_leicestershire_ending_on_the_agreed_end_date_needs_no_notice_even_when_minuted(
    run: Ctrack,
) -> None:
    """False breach before: a minuted decision to let funding end on the award's own end
    date was judged as if it ended early."""
    opened(run, "leicestershire")
    award(run, "Melton Befriending Circle", "vcs", "90000", "2025-04-01", "2027-03-31",
          "2026-01-06")  # fmt: skip
    decide(run, "--provider", "Melton Befriending Circle", "--effective", "2027-04-01",
           "--on", "2026-02-01")  # fmt: skip
    found = checks(run, "notice-period", today="2027-06-01")
    assert {c["status"] for c in found} == {"not-applicable"}
    decision = next(c for c in found if c["subject"].startswith("decision #"))
    assert "previously defined end date" in decision["message"]


def test_leicestershire_ending_before_the_agreed_end_date_still_needs_notice(
    ctrack: Ctrack,
) -> None:
    opened(ctrack, "leicestershire")
    award(ctrack, "Melton Befriending Circle", "vcs", "90000", "2025-04-01", "2027-03-31",
          "2026-01-06")  # fmt: skip
    decide(ctrack, "--provider", "Melton Befriending Circle", "--effective", "2027-01-01",
           "--on", "2026-02-01")  # fmt: skip
    decision = statuses(ctrack, "notice-period", today="2026-12-01")
    assert decision["decision #3 to end funding to Melton Befriending Circle"] == "breach"


# -- 3. funding term only where the profile makes it a commitment --------------------------


def test_a_one_year_award_is_no_breach_under_the_national_and_gloucestershire_profiles(
    ctrack: Ctrack,
) -> None:
    """False breach before: the national profile asked for three years, which the toolkit
    never does."""
    opened(ctrack)
    award(ctrack, "Leeds Mind", "vcs", "50000", "2026-04-01", "2027-03-31", "2026-02-01")
    national = checks(ctrack, "funding-term")[0]
    assert national["status"] == "not-applicable"
    assert "makes no multi-year funding commitment" in national["message"]
    assert "no clause" in national["source"]
    ok(ctrack(*open_args("GLO-1", profile="gloucestershire")))
    ok(ctrack("award", "GLO-1", "--provider", "Leeds Mind", "--sector", "vcs", "--value",
              "50000", "--starts", "2026-04-01", "--ends", "2027-03-31",
              "--on", "2026-02-01"))  # fmt: skip
    glos = [c for c in ok(ctrack("compliance", "GLO-1", "--json")).json()
            if c["rule"] == "funding-term"]  # fmt: skip
    assert glos[0]["status"] == "not-applicable"
    assert "3.4.5" in glos[0]["message"]


def test_a_one_year_award_is_a_breach_under_leicestershire_and_bexley(ctrack: Ctrack) -> None:
    for number, profile in enumerate(("leicestershire", "bexley")):
        reference = f"T-{number}"
        ok(ctrack(*open_args(reference, profile=profile)))
        ok(ctrack("award", reference, "--provider", "Leeds Mind", "--sector", "vcs", "--value",
                  "50000", "--starts", "2026-04-01", "--ends", "2027-03-31", "--on",
                  "2026-02-01"))  # fmt: skip
        found = [c for c in ok(ctrack("compliance", reference, "--json")).json()
                 if c["rule"] == "funding-term"]  # fmt: skip
        assert [c["status"] for c in found] == ["breach"], profile


# -- 4. which decision a notice serves -----------------------------------------------------


def test_one_letter_gives_notice_of_two_decisions_each_judged_on_its_own(run: Ctrack) -> None:
    opened(run)
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
           "co-design", "--on", "2026-01-10"))  # fmt: skip
    decide(run, "--provider", "Leeds Mind", "--effective", "2026-06-01", "--new-value", "50000",
           "--on", "2026-02-01", change="reduce")  # fmt: skip
    decide(run, "--provider", "Leeds Mind", "--effective", "2026-05-01", "--on", "2026-02-01")
    notice(run, "Leeds Mind", "2026-05-01", "2026-02-20", "--for-decision", "3",
           "--for-decision", "4")  # fmt: skip
    found = {c["subject"]: c for c in checks(run, "notice-period")}
    reduce, end = (
        found["notice #5 to Leeds Mind (decision #3)"],
        found["notice #5 to Leeds Mind (decision #4)"],
    )
    assert reduce["status"] == "compliant" and reduce["figures"]["matched"] == "named"
    assert end["status"] == "breach"  # 20 February to 1 May: 2 months 11 days
    assert end["figures"]["effective"] == "2026-05-01"
    assert not any(subject.startswith("decision #") for subject in found)


def test_a_notice_of_intention_before_the_decision_counts_from_the_day_it_was_given(
    ctrack: Ctrack,
) -> None:
    """False breach before: a notice given before the formal decision could serve nothing,
    so the decision read as never noticed."""
    opened(ctrack, "gloucestershire")
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-10"))  # fmt: skip
    decide(ctrack, "--provider", "Leeds Mind", "--effective", "2026-06-01", "--on",
           "2026-04-01")  # fmt: skip
    # The letter of 20 January gave notice of the intention "from the summer".
    notice(ctrack, "Leeds Mind", "2026-07-01", "2026-01-20", "--for-decision", "3")
    found = {c["subject"]: c for c in checks(ctrack, "notice-period", today="2026-07-01")}
    assert list(found) == ["notice #4 to Leeds Mind"]
    check = found["notice #4 to Leeds Mind"]
    assert check["status"] == "compliant"
    assert check["figures"]["given"] == "2026-01-20"
    assert check["figures"]["effective"] == "2026-06-01"


def test_a_notice_naming_nothing_says_its_match_was_inferred(ctrack: Ctrack) -> None:
    opened(ctrack)
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-10"))  # fmt: skip
    decide(ctrack, "--provider", "Leeds Mind", "--effective", "2026-06-01", "--on", "2026-02-01")
    notice(ctrack, "Leeds Mind", "2026-06-01", "2026-02-10")
    check = checks(ctrack, "notice-period")[0]
    assert check["figures"]["matched"] == "inferred"
    assert "inferred to serve decision #3" in check["message"]
    assert "--for-decision" in check["message"]
    assert "inferred to serve decision #3" in check["evidence"][0]["detail"]
    # The history shows what was inferred from what, beside the notice.
    facts = ok(ctrack("history", REF, "--json")).json()
    assert facts[3]["inferred"].startswith("inferred to serve decision #3: notice to the same")
    assert "inferred" not in facts[2]
    assert "[inferred to serve decision #3" in ok(ctrack("history", REF)).out


def test_a_notice_naming_a_fact_that_is_not_a_decision_is_refused(
    ctrack: Ctrack, event_count: Any
) -> None:
    opened(ctrack)
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-10"))  # fmt: skip
    before = event_count()
    refused = ctrack("notice", REF, "--to", "Leeds Mind", "--effective", "2026-06-01",
                     "--in-writing", "--for-decision", "2", "--on", "2026-02-10")  # fmt: skip
    assert refused.code == 2
    assert refused.err.strip() == (
        "ctrack: Exercise CT-001 has no decision #2 to give notice of (see 'ctrack history')."
    )
    assert event_count() == before


# -- 5. dates of funding ---------------------------------------------------------------------


def test_notice_is_judged_to_the_first_unfunded_day_after_an_awards_last_funded_day(
    run: Ctrack,
) -> None:
    """False breach before: notice to 1 April of an award ending (last funded day) 31 March
    was measured to 31 March, a day short."""
    opened(run)
    award(run, "Leeds Mind", "vcs", "90000", "2026-04-01", "2027-03-31", "2026-02-01")
    notice(run, "Leeds Mind", "2027-04-01", "2027-01-01", "--for-award", "2")
    found = statuses(run, "notice-period", today="2027-04-02")
    assert found == {"notice #3 to Leeds Mind": "compliant"}
    help_text = ok(run("award", "--help", today=None)).out
    assert "last funded day" in help_text


# -- 6. improvement before ending for poor performance -----------------------------------------


def test_gloucestershire_ending_for_poor_performance_without_discussion_is_a_breach(
    run: Ctrack,
) -> None:
    """Missed breach before: Gloucestershire's profile lacked 3.4.3, and Bexley's check
    waited for a notice."""
    opened(run, "gloucestershire")
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
           "delivery", "--on", "2026-01-10"))  # fmt: skip
    decide(run, "--provider", "Leeds Mind", "--effective", "2026-09-01", "--poor-performance",
           "--on", "2026-02-01")  # fmt: skip
    check = checks(run, "improvement-timetable")[0]
    assert check["status"] == "breach"
    assert "3.4.3" in check["source"]


def test_a_performance_discussion_before_the_decision_is_compliant(ctrack: Ctrack) -> None:
    opened(ctrack, "gloucestershire")
    ok(ctrack("performance-discussed", REF, "--provider", "Leeds Mind", "--on", "2026-01-15"))
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "delivery", "--on", "2026-01-10"))  # fmt: skip
    decide(ctrack, "--provider", "Leeds Mind", "--effective", "2026-09-01",
           "--poor-performance", "--on", "2026-02-01")  # fmt: skip
    assert checks(ctrack, "improvement-timetable")[0]["status"] == "compliant"


# -- 7. per procurement, per bid, per cycle -------------------------------------------------


def to_next_cycle(ctrack: Ctrack, days: list[str]) -> None:
    for phase, day in zip(("review", "analyse", "plan", "do"), days, strict=True):
        ok(ctrack("advance", REF, phase, "--on", day))


def test_a_re_tender_in_cycle_2_needs_its_own_timetable(run: Ctrack) -> None:
    """Missed breach before: cycle 1's timetable covered every later tender."""
    opened(run, "gloucestershire")
    ok(run("advance", REF, "plan", "--on", "2026-01-10"))
    ok(run("advance", REF, "do", "--on", "2026-01-20"))
    ok(run("timetable", REF, "--on", "2026-01-21"))
    ok(run("tender", REF, "--on", "2026-01-22"))
    to_next_cycle(run, ["2026-02-01", "2026-02-05", "2026-02-10", "2026-02-15"])
    ok(run("tender", REF, "--on", "2026-02-16"))
    found = statuses(run, "timetable-published")
    assert found == {
        "tender T1 (the first procurement step)": "compliant",
        "tender T2 (the first procurement step of cycle 2)": "breach",
    }


def test_a_second_bid_never_hides_the_first_bids_missing_feedback(ctrack: Ctrack) -> None:
    """Missed breach before: bids were kept one per bidder, so cycle 2's bid and feedback
    replaced cycle 1's unanswered bid."""
    opened(ctrack)
    bid = ["bid", REF, "--bidder", "Leeds Mind", "--sector", "vcs"]
    ok(ctrack(*bid, "--on", "2026-01-10"))
    award(ctrack, "Other Org", "vcs", "9000", "2026-02-01", "2026-12-31", "2026-01-20")
    ok(ctrack(*bid, "--on", "2026-02-10"))
    award(ctrack, "Other Org", "vcs", "9000", "2027-01-01", "2027-12-31", "2026-02-20")
    ok(ctrack("bidder-feedback", REF, "--bidder", "Leeds Mind", "--on", "2026-02-21"))
    found = statuses(ctrack, "bidder-feedback", today="2026-03-20")
    assert found == {
        "bid #2 from Leeds Mind": "breach",
        "bid #4 from Leeds Mind": "compliant",
    }


def test_consultation_feedback_given_late_is_a_late_breach(run: Ctrack) -> None:
    """Missed breach before: late feedback turned compliant the day it arrived."""
    opened(run)
    ok(run("consult", REF, "--opens", "2026-01-12", "--closes", "2026-04-06"))
    ok(run("consultation-feedback", REF, "--on", "2026-08-01", today="2026-08-01"))
    check = checks(run, "consultation-feedback", today="2026-08-01")[0]
    assert check["status"] == "breach"
    assert "late" in check["message"]


# -- 8. monitoring against the monitored provider's funding ----------------------------------


def test_monitoring_is_judged_against_the_monitored_providers_own_funding(run: Ctrack) -> None:
    """False breach before (the big contract judged against a later small grant), and a
    missed one (the small grant judged against the big contract)."""
    opened(run)
    award(run, "Leeds Mind", "vcs", "200000", "2026-02-01", "2029-01-31", "2026-01-20")
    award(run, "Small Steps", "vcs", "8000", "2026-02-01", "2029-01-31", "2026-01-25")
    ok(run("monitoring", REF, "--provider", "Leeds Mind", "--requirements", "Monthly",
           "--reports-per-year", "12", "--on", "2026-02-01"))  # fmt: skip
    ok(run("monitoring", REF, "--provider", "Small Steps", "--requirements", "Monthly",
           "--reports-per-year", "12", "--on", "2026-02-01"))  # fmt: skip
    assert statuses(run, "monitoring-proportionate") == {
        "monitoring #4": "compliant",
        "monitoring #5": "breach",
    }


def test_monitoring_must_name_its_provider_when_the_exercise_funds_several(
    ctrack: Ctrack, event_count: Any
) -> None:
    opened(ctrack)
    award(ctrack, "Leeds Mind", "vcs", "200000", "2026-02-01", "2029-01-31", "2026-01-20")
    award(ctrack, "Small Steps", "vcs", "8000", "2026-02-01", "2029-01-31", "2026-01-25")
    before = event_count()
    refused = ctrack("monitoring", REF, "--requirements", "Monthly", "--on", "2026-02-01")
    assert refused.code == 2 and "--provider" in refused.err
    assert event_count() == before


# -- 9. evaluate counts what has fallen due ---------------------------------------------------


def test_evaluate_counts_a_notice_only_once_the_change_has_come(run: Ctrack) -> None:
    """False success before: a notice for a funding end months away counted as kept."""
    opened(run)
    award(run, "Leeds Mind", "vcs", "90000", "2026-01-10", "2027-01-09", "2026-01-08")
    decide(run, "--provider", "Leeds Mind", "--effective", "2026-09-01", "--on", "2026-02-01")
    notice(run, "Leeds Mind", "2026-09-01", "2026-02-10", "--for-decision", "3")
    early = ok(run("evaluate", "--json", today="2026-03-02")).json()["notice"]
    assert (early["numerator"], early["denominator"]) == (0, 0)
    due = ok(run("evaluate", "--json", today="2026-09-01")).json()["notice"]
    assert (due["numerator"], due["denominator"]) == (1, 1)


# -- 10-12. VCS involvement by business date, bids and awards, per cycle -------------------------


def involvement(ctrack: Ctrack, by: str = "exercise") -> dict[str, Any]:
    result: dict[str, Any] = ok(ctrack("involvement", "--by", by, "--json")).json()
    return result


def test_a_late_entry_belongs_to_the_phase_of_its_business_date(run: Ctrack) -> None:
    """Wrong phase before: a co-design session of January typed in after the exercise had
    moved to plan was filed under plan."""
    opened(run)
    ok(run("advance", REF, "plan", "--on", "2026-02-01"))
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
           "co-design", "--on", "2026-01-20"))  # fmt: skip
    ok(run("involve", REF, "--org", "Leeds Carers", "--sector", "vcs", "--activity",
           "co-design", "--phase", "plan", "--on", "2026-01-21"))  # fmt: skip
    phases = involvement(run)["exercises"][0]["phases"]
    assert phases["analyse"]["names"] == ["Leeds Mind"]
    assert phases["plan"]["names"] == ["Leeds Carers"]  # an explicit --phase still wins


def test_a_phase_change_entered_late_moves_the_involvement_it_dates(run: Ctrack) -> None:
    """The involvement was typed first, while the store still showed analyse; the move to
    plan, dated before it, was typed afterwards: the involvement belongs to plan."""
    opened(run)
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
           "co-design", "--on", "2026-02-10"))  # fmt: skip
    ok(run("involve", REF, "--org", "Leeds Carers", "--sector", "vcs", "--activity",
           "co-design", "--phase", "analyse", "--on", "2026-02-11"))  # fmt: skip
    ok(run("advance", REF, "plan", "--on", "2026-02-01"))
    phases = involvement(run)["exercises"][0]["phases"]
    assert phases["plan"]["names"] == ["Leeds Mind"]
    assert phases["analyse"]["names"] == ["Leeds Carers"]  # an explicit --phase still wins


def test_a_late_entry_belongs_to_the_cycle_of_its_business_date(ctrack: Ctrack) -> None:
    opened(ctrack)
    for phase, day in (("plan", "2026-01-10"), ("do", "2026-01-20")):
        ok(ctrack("advance", REF, phase, "--on", day))
    to_next_cycle(ctrack, ["2026-02-01", "2026-02-05", "2026-02-10", "2026-02-15"])
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-12"))  # fmt: skip
    periods = involvement(ctrack, "cycle")["periods"]
    assert [p["period"] for p in periods] == ["cycle 1"]
    assert periods[0]["phases"]["plan"]["names"] == ["Leeds Mind"]


def test_vcs_bids_and_awards_count_as_involvement_once(run: Ctrack) -> None:
    """Missed involvement before: a VCS organisation that bid and won showed no part in
    the do phase unless someone also typed an ``involve`` fact."""
    opened(run)
    ok(run("advance", REF, "plan", "--on", "2026-01-10"))
    ok(run("advance", REF, "do", "--on", "2026-01-20"))
    ok(run("bid", REF, "--bidder", "Leeds Mind", "--sector", "vcs", "--on", "2026-01-25"))
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity", "bid",
           "--on", "2026-01-25"))  # fmt: skip
    ok(run("bid", REF, "--bidder", "Acme Care Ltd", "--sector", "private", "--on", "2026-01-26"))
    award(run, "Leeds Mind", "vcs", "90000", "2026-03-01", "2029-02-28", "2026-02-10")
    ok(run("advance", REF, "review", "--on", "2026-02-20"))
    ok(run("monitoring", REF, "--provider", "Leeds Mind", "--requirements", "Quarterly",
           "--on", "2026-02-25"))  # fmt: skip
    phases = involvement(run)["exercises"][0]["phases"]
    assert phases["do"]["names"] == ["Leeds Mind"]
    assert phases["do"]["activities"] == 2  # its bid (recorded twice, counted once), its award
    assert phases["review"]["names"] == ["Leeds Mind"]  # it is monitored


def test_vcs_before_the_do_phase_is_counted_per_cycle(ctrack: Ctrack) -> None:
    """Overstated before: co-design in cycle 1 made a re-tender without the VCS in cycle 2
    count as co-designed too."""
    opened(ctrack)
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-06"))  # fmt: skip
    for phase, day in (("plan", "2026-01-10"), ("do", "2026-01-20")):
        ok(ctrack("advance", REF, phase, "--on", day))
    to_next_cycle(ctrack, ["2026-02-01", "2026-02-05", "2026-02-10", "2026-02-15"])
    share = ok(ctrack("evaluate", "--json")).json()["vcs_before_do"]
    assert (share["numerator"], share["denominator"]) == (1, 2)
    entry = involvement(ctrack)["exercises"][0]
    assert entry["vcs_before_do"] is False  # not in the current cycle
    assert entry["cycles_vcs_before_do"] == [1]


# -- old stores and the views ------------------------------------------------------------------


def version_1_facts(reference: str) -> list[StoredEvent]:
    """An exercise as an earlier version stored it: a decision naming no provider (version 1
    of DecommissionDecided) and a notice with no ``for_decisions``."""
    transcoder = MsgpackTranscoder()
    ident = exercise_id(reference)
    base = {"recorded_by": "old-officer"}
    shapes = [
        ("ExerciseOpened", {
            "originator_topic": get_topic(CommissioningExercise), "reference": reference,
            "title": "Day services", "commissioner": "Bexley Council", "service_area": None,
            "value": "80000", "mechanism": "grant", "regime": "grant", "profile": "national",
            "authority": "sub-central", "contract_kind": "services", "class_version": 2,
        }, "2024-05-01"),
        ("OrganisationInvolved", {
            "organisation": "Sidcup Day Centre", "sector": "vcs", "activity": "delivery",
            "phase": "analyse", "cycle": 1, "note": None,
        }, "2024-05-02"),
        ("DecommissionDecided", {
            "change": "end", "effective": "2024-09-01", "reason": "Savings", "provider": None,
            "new_value": None, "poor_performance": False,
        }, "2024-05-03"),
        ("NoticeGiven", {
            "to": "Sidcup Day Centre", "effective": "2024-09-01", "in_writing": True,
            "rationale": "Savings", "exceptional_circumstances": None,
            "improvement_timetable_agreed": False,
        }, "2024-05-04"),
    ]  # fmt: skip
    return [
        StoredEvent(
            originator_id=ident,
            originator_version=number,
            topic=f"commission_tracker.events:{topic}",
            state=transcoder.encode(
                {
                    **base,
                    **state,
                    "on": on,
                    "timestamp": datetime(2024, 5, number, 9, tzinfo=UTC).isoformat(),
                }
            ),
        )
        for number, (topic, state, on) in enumerate(shapes, start=1)
    ]


def test_an_old_store_keeps_working_and_reads_old_facts_as_before(
    run: Ctrack, request: pytest.FixtureRequest, store_path: Path
) -> None:
    store = (
        request.getfixturevalue("postgres_url")
        if "postgres" in request.node.callspec.id
        else str(store_path)
    )
    with Tracker(StoreConfig.from_option(store), user="t") as tracker:
        tracker.app.recorder.insert_events(version_1_facts("OLD-1"))
    found = {
        c["subject"]: c
        for c in ok(run("compliance", "OLD-1", "--json", today="2024-10-01")).json()
        if c["rule"] == "notice-period"
    }
    # The old decision named no provider: it affects every VCS provider, and the notice
    # (which names nothing) is matched to it by inference, as before.
    check = found["notice #4 to Sidcup Day Centre"]
    assert check["status"] == "compliant"
    assert check["figures"]["matched"] == "inferred"
    assert check["figures"]["serves"] == (
        "decision #3 to end funding to every current VCS provider"
    )
    # New facts name what they serve, on the old exercise too.
    ok(run("notice", "OLD-1", "--to", "Sidcup Day Centre", "--effective", "2024-10-01",
           "--in-writing", "--for-decision", "3", "--on", "2024-06-01",
           today="2024-06-01"))  # fmt: skip


def test_views_of_the_previous_projection_version_are_rebuilt(
    ctrack: Ctrack, store_path: Path
) -> None:
    opened(ctrack)
    ok(ctrack("advance", REF, "plan", "--on", "2026-02-01"))
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-20"))  # fmt: skip
    ok(ctrack("bid", REF, "--bidder", "Leeds Mind", "--sector", "vcs", "--on", "2026-02-02"))
    current = involvement(ctrack)
    compliance = ok(ctrack("compliance", REF, "--json")).json()
    with closing(sqlite3.connect(store_path)) as connection:
        # What version 2 of the projection left: no rows for bids, versions "2".
        connection.execute("DELETE FROM ct_involvement WHERE activity = 'bid'")
        connection.execute("DELETE FROM ct_checks")
        connection.execute("UPDATE ct_meta SET value = '2' WHERE key = 'projection_version'")
        connection.commit()
    assert involvement(ctrack) == current
    assert ok(ctrack("compliance", REF, "--json")).json() == compliance
    assert current["exercises"][0]["phases"]["plan"]["activities"] == 1  # the bid


def test_the_views_equal_a_rebuild_after_the_new_facts(run: Ctrack) -> None:
    opened(run, "bexley")
    ok(run("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
           "co-design", "--on", "2026-01-10"))  # fmt: skip
    ok(run("performance-discussed", REF, "--provider", "Leeds Mind", "--timetable-agreed",
           "--on", "2026-01-15"))  # fmt: skip
    decide(run, "--provider", "Leeds Mind", "--effective", "2026-06-01", "--poor-performance",
           "--on", "2026-02-01")  # fmt: skip
    notice(run, "Leeds Mind", "2026-06-01", "2026-02-02", "--for-decision", "4")
    ok(run("bid", REF, "--bidder", "Leeds Mind", "--sector", "vcs", "--on", "2026-02-05"))
    reads = [("compliance", REF, "--json"), ("involvement", "--by", "cycle", "--json"),
             ("flags", "--json"), ("evaluate", "--json")]  # fmt: skip
    before = [ok(run(*args)).out for args in reads]
    ok(run("replay", "--restart", "--quiet"))
    assert [ok(run(*args)).out for args in reads] == before
    assert statuses(run, "improvement-timetable") == {
        "decision #4 to end funding to Leeds Mind": "compliant"
    }


def test_nothing_is_written_when_a_notice_names_another_organisations_decision(
    ctrack: Ctrack, store_path: Path
) -> None:
    opened(ctrack)
    ok(ctrack("involve", REF, "--org", "Leeds Mind", "--sector", "vcs", "--activity",
              "co-design", "--on", "2026-01-10"))  # fmt: skip
    decide(ctrack, "--provider", "Leeds Mind", "--effective", "2026-06-01", "--on", "2026-02-01")
    before = sqlite_event_count(store_path)
    refused = ctrack("notice", REF, "--to", "Leeds Carers", "--effective", "2026-06-01",
                     "--in-writing", "--for-decision", "3", "--on", "2026-02-10")  # fmt: skip
    assert refused.code == 2
    assert "Decision #3 is about Leeds Mind, not Leeds Carers" in refused.err
    assert sqlite_event_count(store_path) == before
    assert json.loads(ok(ctrack("history", REF, "--json")).out)[-1]["type"] == (
        "DecommissionDecided"
    )
