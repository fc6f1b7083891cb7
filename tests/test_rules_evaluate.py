"""evaluate() and the rule registry: every rule, every exercise, JSON-ready."""

from __future__ import annotations

import json
from datetime import date

from rules_fixtures import BY, exercise

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import RULES, Check, Status, evaluate, load_profile, resolve_all

DESIGN_RULE_IDS = {
    "notice-period",
    "notice-in-writing",
    "notice-rationale",
    "impact-assessment",
    "consultation-length",
    "consultation-feedback",
    "funding-lead-time",
    "timetable-published",
    "bidder-feedback",
    "pqq-proportionate",
    "monitoring-proportionate",
    "funding-term",
}


def busy_exercise(profile: str) -> CommissioningExercise:
    ex = exercise(profile)
    ex.consult(opens=date(2025, 1, 6), closes=date(2025, 3, 31), recorded_by=BY)
    ex.notify_funding(deadline=date(2025, 5, 1), on=date(2025, 2, 3), recorded_by=BY)
    ex.publish_timetable(on=date(2025, 3, 3), recorded_by=BY)
    ex.issue_pqq(on=date(2025, 3, 10), minimum_turnover="900000", recorded_by=BY)
    ex.receive_bid(bidder="Carers Glos", sector="vcs", on=date(2025, 4, 1), recorded_by=BY)
    ex.award(
        provider="Carers Glos",
        sector="vcs",
        value="400000",
        starts=date(2025, 7, 1),
        ends=date(2027, 6, 30),
        on=date(2025, 5, 1),
        recorded_by=BY,
    )
    ex.set_monitoring(
        requirements="Quarterly", reports_per_year=4, on=date(2025, 5, 2), recorded_by=BY
    )
    ex.assess_impact(on=date(2026, 9, 1), recorded_by=BY)
    ex.decide_decommission(
        change="end",
        effective=date(2027, 3, 31),
        reason="Recommissioning",
        provider="Carers Glos",
        on=date(2026, 9, 2),
        recorded_by=BY,
    )
    return ex


def test_the_registry_holds_every_rule_in_the_design_and_names_functions_after_ids() -> None:
    assert set(RULES) >= DESIGN_RULE_IDS
    for rule_id, rule in RULES.items():
        assert rule.__name__ == rule_id.replace("-", "_")


def test_every_rule_speaks_for_every_exercise_even_an_empty_one() -> None:
    found = evaluate(exercise())
    assert {check.rule for check in found} == set(RULES)
    assert all(check.status is Status.NOT_APPLICABLE for check in found)
    assert all(check.message and check.source for check in found)


def test_evaluate_uses_the_profile_the_exercise_was_opened_under() -> None:
    ex = busy_exercise("gloucestershire")
    by_rule = {c.rule: c for c in evaluate(ex)}
    assert by_rule["funding-lead-time"].status is Status.BREACH
    assert by_rule["funding-lead-time"].profile == "gloucestershire"
    national = {c.rule: c for c in evaluate(ex, load_profile("national"))}
    assert national["funding-lead-time"].status is Status.NOT_APPLICABLE
    assert {c.profile for c in national.values()} == {"national"}


def test_every_check_is_json_ready_and_round_trips() -> None:
    for profile in ("national", "gloucestershire", "leicestershire", "bexley"):
        for check in evaluate(busy_exercise(profile)):
            stored = json.loads(json.dumps(check.to_json()))
            assert Check.from_json(stored) == check
            assert check.exercise == "EX-1"
            assert all(e.sequence >= 1 and e.fact for e in check.evidence)


def test_subjects_identify_checks_within_a_rule() -> None:
    found = evaluate(busy_exercise("national"))
    keys = [check.key for check in found]
    assert len(keys) == len(set(keys))


def test_resolving_the_portfolio_as_at_two_days_moves_only_pending_checks() -> None:
    found = evaluate(busy_exercise("national"))
    before = resolve_all(found, date(2026, 9, 3))
    after = resolve_all(found, date(2027, 9, 3))
    changed = [b.check for b, a in zip(before, after, strict=True) if b.status != a.status]
    assert [(c.rule, c.subject) for c in changed] == [
        ("notice-period", "decision #10 to end funding to Carers Glos")
    ]
    assert all(check.pending for check in changed)
    # A year on, the unanswered decision and the consultation without feedback are breaches.
    late = {(r.rule, r.status) for r in after}
    assert ("notice-period", Status.BREACH) in late
    assert ("consultation-feedback", Status.BREACH) in late
