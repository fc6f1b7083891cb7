"""The ctrack command line: every verb, the JSON contracts, both clocks, and --help."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from ctrack_helpers import OPENED_ON, REFERENCE, TODAY, Result, open_args

from commission_tracker.application import Clock, StoreConfig, Tracker
from commission_tracker.cli.main import OPEN_OPTIONS, RECORDING_VERBS

Ctrack = Callable[..., Result]

SUMMARY_KEYS = {
    "reference",
    "title",
    "commissioner",
    "phase",
    "cycle",
    "value",
    "mechanism",
    "regime",
    "profile",
    "status",
}

# Every recording verb the issue names, with valid arguments, in an order that makes sense.
WALK: list[tuple[str, list[str], str]] = [
    ("involve", ["--org", "Leeds Mind", "--sector", "vcs", "--activity", "needs-evidence"],
     "OrganisationInvolved"),
    ("consult", ["--opens", "2026-01-12", "--closes", "2026-04-06", "--subject", "needs"],
     "ConsultationOpened"),
    ("consultation-feedback", ["--summary", "You said, we did", "--on", "2026-04-20"],
     "ConsultationFeedbackPublished"),
    ("advance", ["plan", "--on", "2026-04-21"], "PhaseChanged"),
    ("funding-notified", ["--deadline", "2026-08-01", "--value", "250000", "--on", "2026-05-01"],
     "FundingOpportunityNotified"),
    ("timetable", ["--tender-deadline", "2026-06-30", "--where", "YORtender", "--on",
                   "2026-05-02"], "TimetablePublished"),
    ("pqq", ["--min-turnover", "100000", "--years-trading", "2", "--on", "2026-05-03"],
     "PQQIssued"),
    ("tender", ["--closes", "2026-06-30", "--on", "2026-05-04"], "TenderPublished"),
    ("advance", ["do", "--on", "2026-05-05"], "PhaseChanged"),
    ("bid", ["--bidder", "Leeds Mind", "--sector", "vcs", "--value", "240000.50", "--on",
             "2026-06-01"], "BidReceived"),
    ("award", ["--provider", "Leeds Mind", "--sector", "vcs", "--value", "240000.50",
               "--starts", "2026-08-01", "--ends", "2029-07-31", "--on", "2026-07-01"],
     "Awarded"),
    ("bidder-feedback", ["--bidder", "Leeds Mind", "--on", "2026-07-02"],
     "BidderFeedbackGiven"),
    ("monitoring", ["--requirements", "quarterly outcomes", "--reports-per-year", "4", "--on",
                    "2026-07-03"], "MonitoringSet"),
    ("advance", ["review", "--on", "2027-07-01"], "PhaseChanged"),
    ("impact-assessed", ["--summary", "limited", "--on", "2027-07-02"], "ImpactAssessed"),
    ("performance-discussed", ["--provider", "Leeds Mind", "--timetable-agreed", "--on",
                               "2027-07-02"], "PerformanceDiscussed"),
    ("decommission", ["--change", "reduce", "--effective", "2027-11-01", "--reason", "budget",
                      "--provider", "Leeds Mind", "--new-value", "200000", "--on", "2027-07-03"],
     "DecommissionDecided"),
    ("notice", ["--to", "Leeds Mind", "--effective", "2027-11-01", "--in-writing",
                "--for-decision", "18", "--on", "2027-07-04"], "NoticeGiven"),
    ("review", ["--outcome", "recommission", "--on", "2027-07-05"], "ReviewCompleted"),
    ("advance", ["analyse", "--on", "2027-07-06"], "PhaseChanged"),
    ("correct", ["6", "--reason", "timetable was a draft", "--on", "2027-07-07"],
     "EntryCorrected"),
    ("close", ["--reason", "recommissioned", "--on", "2027-07-08"], "ExerciseClosed"),
]  # fmt: skip


def test_every_recording_verb_records_its_fact(opened: str, ctrack: Ctrack) -> None:
    for number, (verb, args, fact) in enumerate(WALK, start=2):
        result = ctrack(verb, REFERENCE, *args, today="2027-08-01")
        assert result.code == 0, f"{verb}: {result.err}"
        assert result.err == ""
        assert result.out.startswith(f"Recorded #{number} {fact} on {REFERENCE}"), result.out
    history = ctrack("history", REFERENCE, "--json").json()
    assert [e["type"] for e in history] == ["ExerciseOpened"] + [fact for _, _, fact in WALK]
    shown = ctrack("show", REFERENCE, "--json").json()
    assert (shown["phase"], shown["cycle"], shown["status"]) == ("analyse", 2, "closed")
    assert shown["withdrawn"] == [6]


def test_cancel_records_the_cancellation(opened: str, ctrack: Ctrack) -> None:
    result = ctrack("cancel", REFERENCE, "--reason", "service brought in-house")
    assert result.code == 0, result.err
    assert ctrack("show", REFERENCE, "--json").json()["status"] == "cancelled"


def test_show_json_has_the_headline_facts(opened: str, ctrack: Ctrack) -> None:
    result = ctrack("show", REFERENCE, "--json")
    assert result.code == 0
    shown = result.json()
    assert set(shown) >= SUMMARY_KEYS
    assert shown["reference"] == REFERENCE
    assert shown["title"] == "Young people's mental health support"
    assert shown["commissioner"] == "Leeds City Council"
    assert (shown["phase"], shown["cycle"], shown["status"]) == ("analyse", 1, "open")
    assert Decimal(shown["value"]) == Decimal("250000")
    assert (shown["mechanism"], shown["regime"], shown["profile"]) == (
        "grant",
        "grant",
        "national",
    )


def test_show_prints_the_exercise_for_people(opened: str, ctrack: Ctrack) -> None:
    ctrack("involve", REFERENCE, "--org", "Leeds Mind", "--sector", "vcs", "--activity", "bid")
    result = ctrack("show", REFERENCE)
    assert result.code == 0
    assert result.out.splitlines()[0].startswith(REFERENCE)
    assert "Leeds City Council" in result.out
    assert "Leeds Mind" in result.out


def test_an_exercise_is_found_by_its_reference_in_any_case(opened: str, ctrack: Ctrack) -> None:
    assert ctrack("show", "ct-001", "--json").json()["reference"] == REFERENCE
    assert ctrack("advance", " Ct-001 ", "plan").code == 0
    assert ctrack("show", REFERENCE, "--json").json()["phase"] == "plan"


def test_list_json_lists_every_exercise_with_its_headline_facts(ctrack: Ctrack) -> None:
    assert ctrack("list", "--json").json() == []
    for reference in ("CT-001", "CT-002", "CT-003"):
        assert ctrack(*open_args(reference)).code == 0
    ctrack("advance", "CT-002", "plan")
    ctrack("close", "CT-003")
    rows = ctrack("list", "--json").json()
    assert isinstance(rows, list)
    assert [row["reference"] for row in rows] == ["CT-001", "CT-002", "CT-003"]
    for row in rows:
        assert set(row) >= SUMMARY_KEYS
    by_ref = {row["reference"]: row for row in rows}
    assert by_ref["CT-002"]["phase"] == "plan"
    assert by_ref["CT-003"]["status"] == "closed"
    plan = ctrack("list", "--phase", "plan", "--json").json()
    assert [row["reference"] for row in plan] == ["CT-002"]
    closed = ctrack("list", "--status", "closed", "--json").json()
    assert [row["reference"] for row in closed] == ["CT-003"]


def test_list_prints_a_table_and_a_hint_when_empty(ctrack: Ctrack) -> None:
    assert "No exercises yet" in ctrack("list").out
    ctrack(*open_args())
    lines = ctrack("list").out.splitlines()
    assert lines[0].split()[0] == "REFERENCE"
    assert lines[1].split()[0] == REFERENCE


def test_history_json_lists_facts_in_order_with_both_clocks(opened: str, ctrack: Ctrack) -> None:
    ctrack("involve", REFERENCE, "--org", "Leeds Mind", "--sector", "vcs", "--activity", "bid")
    assert ctrack("--by", "ann", "advance", REFERENCE, "plan", "--on", "2026-02-20").code == 0
    facts = ctrack("history", REFERENCE, "--json").json()
    assert [f["type"] for f in facts] == ["ExerciseOpened", "OrganisationInvolved", "PhaseChanged"]
    for fact in facts:
        assert {"type", "on", "recorded_at", "recorded_by", "data"} <= set(fact)
        datetime.fromisoformat(fact["recorded_at"])  # a real timestamp
    assert [f["on"] for f in facts] == [OPENED_ON, TODAY, "2026-02-20"]
    assert [f["recorded_by"] for f in facts] == ["tester", "tester", "ann"]
    recorded = [datetime.fromisoformat(f["recorded_at"]) for f in facts]
    assert recorded == sorted(recorded)
    assert facts[1]["data"]["organisation"] == "Leeds Mind"
    assert facts[1]["data"]["sector"] == "vcs"
    assert facts[2]["data"]["to_phase"] == "plan"
    assert Decimal(facts[0]["data"]["value"]) == Decimal("250000")


def test_history_prints_one_line_per_fact(opened: str, ctrack: Ctrack) -> None:
    ctrack("advance", REFERENCE, "plan")
    lines = ctrack("history", REFERENCE).out.splitlines()
    assert len(lines) == 2
    assert "ExerciseOpened" in lines[0] and "PhaseChanged" in lines[1]


# -- today and the two clocks -----------------------------------------------------------


def test_on_defaults_to_the_fixed_today(opened: str, ctrack: Ctrack) -> None:
    ctrack("advance", REFERENCE, "plan", today="2026-02-14")
    assert ctrack("history", REFERENCE, "--json").json()[-1]["on"] == "2026-02-14"


def test_ctrack_today_variable_fixes_today(
    opened: str, ctrack: Ctrack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRACK_TODAY", "2026-02-15")
    assert ctrack("advance", REFERENCE, "plan", today=None).code == 0
    assert ctrack("advance", REFERENCE, "do", today="2026-02-16").code == 0  # option wins
    facts = ctrack("history", REFERENCE, "--json", today=None).json()
    assert [f["on"] for f in facts[1:]] == ["2026-02-15", "2026-02-16"]


def test_on_defaults_to_the_real_today_when_nothing_fixes_it(ctrack: Ctrack) -> None:
    before = pendulum.today("Europe/London").date().isoformat()
    result = ctrack(*[a for a in open_args() if a not in ("--on", OPENED_ON)], today=None)
    after = pendulum.today("Europe/London").date().isoformat()
    assert result.code == 0, result.err
    on = ctrack("history", REFERENCE, "--json", today=None).json()[0]["on"]
    assert on in {before, after}


def test_an_explicit_on_is_the_business_date(opened: str, ctrack: Ctrack) -> None:
    ctrack("advance", REFERENCE, "plan", "--on", "2026-01-20")
    fact = ctrack("history", REFERENCE, "--json").json()[-1]
    assert fact["on"] == "2026-01-20"
    recorded_at = datetime.fromisoformat(fact["recorded_at"])
    assert abs(datetime.now(UTC) - recorded_at).total_seconds() < 300  # the real clock


def test_the_recorder_is_ctrack_user_unless_by_is_given(
    ctrack: Ctrack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRACK_USER", "officer-1")
    ctrack(*open_args())
    ctrack("--by", "officer-2", "advance", REFERENCE, "plan")
    facts = ctrack("history", REFERENCE, "--json").json()
    assert [f["recorded_by"] for f in facts] == ["officer-1", "officer-2"]


def test_show_as_of_keeps_only_facts_that_had_happened_by_then(opened: str, ctrack: Ctrack) -> None:
    ctrack("advance", REFERENCE, "plan", "--on", "2026-02-01")
    ctrack("advance", REFERENCE, "do", "--on", "2026-03-01")
    phases = {
        day: ctrack("show", REFERENCE, "--as-of", day, "--json").json()["phase"]
        for day in ("2026-01-10", "2026-02-01", "2026-02-15", "2026-03-01")
    }
    assert phases == {
        "2026-01-10": "analyse",
        "2026-02-01": "plan",
        "2026-02-15": "plan",
        "2026-03-01": "do",
    }
    before = ctrack("show", REFERENCE, "--as-of", "2026-01-04")
    assert before.code == 2 and "had not been opened" in before.err


def test_show_as_at_shows_what_the_store_held_at_a_recorded_time(
    store_path: Path, ctrack: Ctrack
) -> None:
    with Tracker(StoreConfig.sqlite(store_path), clock=Clock(date(2026, 3, 2))) as tracker:
        tracker.open_exercise(
            reference=REFERENCE,
            title="Advice",
            commissioner="Bexley Council",
            value="1000",
            mechanism="grant",
            regime="grant",
            profile="national",
            on=date(2026, 1, 5),
            recorded_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        )
        # a fact dated 1 February, but only entered on 10 February
        tracker.record(
            REFERENCE,
            "advance",
            to_phase="plan",
            on=date(2026, 2, 1),
            recorded_at=datetime(2026, 2, 10, 15, 0, tzinfo=UTC),
        )

    def phase_as_at(moment: str) -> str:
        result = ctrack("show", REFERENCE, "--as-at", moment, "--json")
        assert result.code == 0, result.err
        return str(result.json()["phase"])

    assert phase_as_at("2026-02-05") == "analyse"  # not yet recorded
    assert phase_as_at("2026-02-10T14:59") == "analyse"
    assert phase_as_at("2026-02-10T15:01Z") == "plan"
    assert phase_as_at("2026-02-10") == "plan"  # a date means the end of that day
    as_of = ctrack("show", REFERENCE, "--as-of", "2026-02-05", "--json").json()
    assert as_of["phase"] == "plan"  # by business date it had happened
    early = ctrack("show", REFERENCE, "--as-at", "2026-01-04")
    assert early.code == 2 and "had not been recorded" in early.err
    history = ctrack("history", REFERENCE, "--json").json()
    assert history[1]["recorded_at"].startswith("2026-02-10T15:00")


def test_a_correction_withdraws_the_fact_but_history_keeps_it(opened: str, ctrack: Ctrack) -> None:
    ctrack("involve", REFERENCE, "--org", "Wrong Org", "--sector", "vcs", "--activity", "bid")
    result = ctrack("correct", REFERENCE, "2", "--reason", "wrong exercise")
    assert result.code == 0, result.err
    shown = ctrack("show", REFERENCE, "--json").json()
    assert shown["withdrawn"] == [2]
    assert "Wrong Org" not in ctrack("show", REFERENCE).out
    history = ctrack("history", REFERENCE, "--json").json()
    assert [f["type"] for f in history] == [
        "ExerciseOpened",
        "OrganisationInvolved",
        "EntryCorrected",
    ]
    assert history[1]["data"]["organisation"] == "Wrong Org"
    assert history[2]["data"] == {"corrects": 2, "reason": "wrong exercise"}


def test_correcting_a_close_reopens_the_exercise(opened: str, ctrack: Ctrack) -> None:
    ctrack("close", REFERENCE)
    assert ctrack("correct", REFERENCE, "2", "--reason", "closed by mistake").code == 0
    assert ctrack("show", REFERENCE, "--json").json()["status"] == "open"
    assert ctrack("advance", REFERENCE, "plan").code == 0


# -- help -------------------------------------------------------------------------------

ISSUE_VERBS = [
    "open", "advance", "involve", "consult", "consultation-feedback", "funding-notified",
    "timetable", "pqq", "tender", "bid", "award", "bidder-feedback", "monitoring",
    "impact-assessed", "decommission", "notice", "performance-discussed", "review", "correct",
    "close", "cancel",
    "show", "history", "list",
]  # fmt: skip


def test_ctrack_help_lists_every_verb(ctrack: Ctrack) -> None:
    result = ctrack("--help", today=None)
    assert result.code == 0
    for verb in ISSUE_VERBS:
        assert verb in result.out
    for option in ("--store", "--today", "--by"):
        assert option in result.out


def verb_options(verb: str) -> list[str]:
    if verb == "open":
        options = OPEN_OPTIONS
    elif verb in RECORDING_VERBS:
        options = RECORDING_VERBS[verb][1]
    else:
        return {
            "show": ["--as-at", "--as-of", "--json"],
            "history": ["--json"],
            "list": ["--phase", "--status", "--json"],
        }[verb]
    return [
        o.flags[0] if o.flags[0].startswith("-") else o.kwargs.get("metavar", o.dest)
        for o in options
    ]


@pytest.mark.parametrize("verb", ISSUE_VERBS)
def test_each_verb_has_help_naming_its_options(verb: str, ctrack: Ctrack) -> None:
    result = ctrack(verb, "--help", today=None)
    assert result.code == 0
    assert f"ctrack {verb}" in result.out
    for option in verb_options(verb):
        assert option in result.out, f"{verb} --help does not mention {option}"


@pytest.mark.parametrize("verb", ["show", "history", "list"])
def test_each_reading_verb_has_json(verb: str, opened: str, ctrack: Ctrack) -> None:
    args = [verb] if verb == "list" else [verb, REFERENCE]
    result = ctrack(*args, "--json")
    assert result.code == 0
    result.json()
