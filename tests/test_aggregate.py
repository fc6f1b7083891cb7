"""The exercise aggregate's invariants, checked before any event is triggered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_tracker.aggregates import events as ev
from commission_tracker.aggregates.errors import CommissioningError, InvalidFact
from commission_tracker.aggregates.exercise import (
    CommissioningExercise,
    exercise_id,
    normalise_reference,
)
from commission_tracker.aggregates.values import PHASE_ORDER, ExerciseStatus, Phase

OPENED = date(2026, 1, 5)
LATER = date(2026, 2, 2)
BY = "tester"

property_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def new_exercise(**overrides: Any) -> CommissioningExercise:
    facts: dict[str, Any] = {
        "reference": "CT-001",
        "title": "Young people's mental health support",
        "commissioner": "Leeds City Council",
        "value": "250000",
        "mechanism": "grant",
        "regime": "grant",
        "profile": "national",
        "on": OPENED,
        "recorded_by": BY,
    }
    facts.update(overrides)
    exercise = CommissioningExercise.open(**facts)
    exercise.collect_events()  # as if saved: pending events are only the new ones
    return exercise


def rejected(exercise: CommissioningExercise, command: str, **kwargs: Any) -> str:
    """Run a command that must fail; check it triggered nothing; return the sentence."""
    exercise.collect_events()  # earlier, valid facts count as saved
    version, log_length = exercise.version, len(exercise.log)
    kwargs.setdefault("recorded_by", BY)
    with pytest.raises(CommissioningError) as raised:
        getattr(exercise, command)(**kwargs)
    assert exercise.version == version
    assert len(exercise.log) == log_length
    assert exercise.collect_events() == []
    sentence = str(raised.value)
    assert sentence.endswith(".") and "\n" not in sentence
    return sentence


def advance(exercise: CommissioningExercise, phase: str, reason: str | None = None) -> None:
    exercise.advance(phase, on=LATER, recorded_by=BY, reason=reason)


# -- opening --------------------------------------------------------------------------


def test_a_new_exercise_starts_in_analyse_in_cycle_one() -> None:
    exercise = new_exercise()
    assert (exercise.phase, exercise.cycle, exercise.status) == (
        Phase.ANALYSE,
        1,
        ExerciseStatus.OPEN,
    )
    assert exercise.value == Decimal("250000")
    assert exercise.opened_on == OPENED


def test_references_are_matched_without_regard_to_case_or_spaces() -> None:
    assert exercise_id("CT-001") == exercise_id("  ct-001 ")
    assert exercise_id("CT-001") != exercise_id("CT-002")
    assert normalise_reference(" Glo-Youth ") == "glo-youth"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("value", "-1", "negative"),
        ("value", "10.005", "2 decimal places"),
        ("value", "lots", "not an amount of money"),
        ("value", "NaN", "finite|not an amount of money"),
        ("commissioner", "   ", "name cannot be empty"),
        ("mechanism", "barter", "barter"),
        ("regime", "PCR2006", "PCR2006"),
        ("title", "", "empty"),
    ],
)
def test_open_rejects_invalid_facts(field: str, value: str, words: str) -> None:
    with pytest.raises(InvalidFact, match=words):
        new_exercise(**{field: value})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("£1,250.50", Decimal("1250.50")),
        ("0", Decimal("0")),
        (" 99.9 ", Decimal("99.9")),
        ("12", Decimal("12")),
    ],
)
def test_money_accepts_pounds_and_pence(typed: str, stored: Decimal) -> None:
    exercise = new_exercise(value=typed)
    assert exercise.value == stored
    assert isinstance(exercise.value, Decimal)


@property_settings
@given(
    pence=st.integers(min_value=0, max_value=10**12),
    places=st.sampled_from([0, 1, 2]),
)
def test_money_with_up_to_two_places_round_trips_exactly(pence: int, places: int) -> None:
    amount = (Decimal(pence) / 100).quantize(Decimal(1).scaleb(-places))
    exercise = new_exercise(value=str(amount))
    assert exercise.value == amount
    assert str(exercise.value) == str(amount)
    assert exercise.summary()["value"] == str(amount)


@property_settings
@given(
    digits=st.integers(min_value=1, max_value=10**9),
    places=st.integers(min_value=3, max_value=6),
)
def test_money_with_more_than_two_places_is_refused(digits: int, places: int) -> None:
    amount = Decimal(digits).scaleb(-places)
    with pytest.raises(InvalidFact, match="2 decimal places"):
        new_exercise(value=str(amount))


@property_settings
@given(amount=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("-0.01"), places=2))
def test_negative_money_is_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidFact, match="negative"):
        new_exercise(value=str(amount))


def test_organisation_names_fold_runs_of_white_space() -> None:
    exercise = new_exercise(commissioner="  Leeds   City\tCouncil ")
    assert exercise.commissioner == "Leeds City Council"


# -- phases ---------------------------------------------------------------------------


def test_phases_follow_the_cycle_and_review_starts_the_next_cycle() -> None:
    exercise = new_exercise()
    seen = []
    for phase in ["plan", "do", "review", "analyse", "plan"]:
        advance(exercise, phase)
        seen.append((exercise.phase.value, exercise.cycle))
    assert seen == [("plan", 1), ("do", 1), ("review", 1), ("analyse", 2), ("plan", 2)]
    changes = [e for e in exercise.collect_events() if isinstance(e, ev.PhaseChanged)]
    assert [(c.from_phase, c.to_phase, c.cycle) for c in changes][3] == (
        Phase.REVIEW,
        Phase.ANALYSE,
        2,
    )


@pytest.mark.parametrize(
    ("walk", "target"),
    [([], "do"), ([], "review"), (["plan"], "review"), (["plan", "do", "review", "analyse"], "do")],
)
def test_a_phase_cannot_be_skipped(walk: list[str], target: str) -> None:
    exercise = new_exercise()
    for phase in walk:
        advance(exercise, phase)
    sentence = rejected(exercise, "advance", to_phase=target, on=LATER)
    assert "cannot skip" in sentence and target in sentence


def test_going_back_needs_a_reason() -> None:
    exercise = new_exercise()
    advance(exercise, "plan")
    advance(exercise, "do")
    for reason in (None, "", "   "):
        sentence = rejected(exercise, "advance", to_phase="plan", on=LATER, reason=reason)
        assert "needs a reason" in sentence
    advance(exercise, "plan", reason="the specification was withdrawn")
    assert (exercise.phase, exercise.cycle) == (Phase.PLAN, 1)
    assert exercise.phase_changes[-1].reason == "the specification was withdrawn"


def test_moving_to_the_current_phase_is_refused() -> None:
    exercise = new_exercise()
    assert "already in the analyse phase" in rejected(
        exercise, "advance", to_phase="analyse", on=LATER
    )


def test_an_unknown_phase_is_refused() -> None:
    assert "'deliver' is not a phase" in rejected(
        new_exercise(), "advance", to_phase="deliver", on=LATER
    )


@property_settings
@given(
    moves=st.lists(
        st.tuples(st.sampled_from([p.value for p in PHASE_ORDER]), st.booleans()), max_size=25
    )
)
def test_any_walk_of_phases_obeys_the_cycle(moves: list[tuple[str, bool]]) -> None:
    """A model of the rules: next phase always; earlier phase only with a reason."""
    exercise = new_exercise()
    phase, cycle = 0, 1
    for target_name, with_reason in moves:
        target = [p.value for p in PHASE_ORDER].index(target_name)
        reason = "rethink" if with_reason else None
        if target == (phase + 1) % 4:
            allowed, new_cycle = True, cycle + (1 if target == 0 else 0)
        elif target < phase:
            allowed, new_cycle = with_reason, cycle
        else:
            allowed, new_cycle = False, cycle
        if allowed:
            advance(exercise, target_name, reason)
            phase, cycle = target, new_cycle
        else:
            rejected(exercise, "advance", to_phase=target_name, on=LATER, reason=reason)
        assert (exercise.phase.position, exercise.cycle) == (phase, cycle)


# -- date order -----------------------------------------------------------------------


@pytest.mark.parametrize("closes", [date(2026, 2, 1), date(2026, 1, 31)])
def test_a_consultation_closes_after_it_opens(closes: date) -> None:
    sentence = rejected(new_exercise(), "consult", opens=date(2026, 2, 1), closes=closes)
    assert "close after it opens" in sentence


def test_a_valid_consultation_is_named_c1_and_dated_when_it_opens() -> None:
    exercise = new_exercise()
    name = exercise.consult(opens=date(2026, 2, 1), closes=date(2026, 4, 26), recorded_by=BY)
    assert name == "C1"
    assert exercise.consultations["C1"].on == date(2026, 2, 1)


@pytest.mark.parametrize("effective", [LATER, LATER - timedelta(days=1)])
def test_a_notice_takes_effect_after_it_is_given(effective: date) -> None:
    sentence = rejected(
        new_exercise(),
        "give_notice",
        to="Leeds Mind",
        effective=effective,
        in_writing=True,
        on=LATER,
    )
    assert "take effect after it is given" in sentence


@pytest.mark.parametrize("deadline", [LATER, LATER - timedelta(days=10)])
def test_a_deadline_falls_after_its_notification(deadline: date) -> None:
    sentence = rejected(new_exercise(), "notify_funding", deadline=deadline, on=LATER)
    assert "deadline must fall after" in sentence


def test_a_fact_cannot_predate_the_opening() -> None:
    sentence = rejected(
        new_exercise(),
        "involve",
        organisation="Leeds Mind",
        sector="vcs",
        activity="co-design",
        on=OPENED - timedelta(days=1),
    )
    assert "before exercise CT-001 was opened" in sentence


# -- vocabularies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "kwargs", "bad"),
    [
        (
            "involve",
            {"organisation": "Leeds Mind", "sector": "charity", "activity": "bid"},
            "charity",
        ),
        (
            "involve",
            {"organisation": "Leeds Mind", "sector": "vcs", "activity": "dancing"},
            "dancing",
        ),
        (
            "involve",
            {"organisation": " ", "sector": "vcs", "activity": "bid"},
            "name cannot be empty",
        ),
        ("receive_bid", {"bidder": "Leeds Mind", "sector": "third"}, "third"),
        ("receive_bid", {"bidder": "Leeds Mind", "sector": "vcs", "value": "-5"}, "negative"),
        ("receive_bid", {"bidder": "Leeds Mind", "sector": "vcs", "value": "5.001"}, "decimal"),
    ],
)
def test_vocabularies_and_money_are_checked_on_every_fact(
    command: str, kwargs: dict[str, Any], bad: str
) -> None:
    assert bad in rejected(new_exercise(), command, on=LATER, **kwargs)


def test_involvement_is_filed_under_the_current_phase_and_cycle() -> None:
    exercise = new_exercise()
    advance(exercise, "plan")
    exercise.involve(
        organisation="Leeds Mind", sector="vcs", activity="co-design", on=LATER, recorded_by=BY
    )
    fact = exercise.involvements[-1]
    assert (fact.phase, fact.cycle, fact.sector.value) == (Phase.PLAN, 1, "vcs")


# -- closed and cancelled -------------------------------------------------------------

EVERY_FACT: list[tuple[str, dict[str, Any]]] = [
    ("advance", {"to_phase": "plan"}),
    ("involve", {"organisation": "Leeds Mind", "sector": "vcs", "activity": "bid"}),
    ("consult", {"opens": LATER, "closes": LATER + timedelta(weeks=12)}),
    ("notify_funding", {"deadline": LATER + timedelta(weeks=12)}),
    ("publish_timetable", {}),
    ("issue_pqq", {}),
    ("publish_tender", {}),
    ("receive_bid", {"bidder": "Leeds Mind", "sector": "vcs"}),
    (
        "award",
        {
            "provider": "Leeds Mind",
            "sector": "vcs",
            "value": "1000",
            "starts": LATER,
            "ends": LATER + timedelta(days=365),
        },
    ),
    ("give_bidder_feedback", {"bidder": "Leeds Mind"}),
    ("set_monitoring", {"requirements": "quarterly report"}),
    ("assess_impact", {}),
    (
        "decide_decommission",
        {
            "change": "end",
            "effective": LATER + timedelta(days=90),
            "reason": "budget",
            "provider": "Leeds Mind",
        },
    ),
    ("discuss_performance", {"provider": "Leeds Mind", "timetable_agreed": True}),
    (
        "give_notice",
        {"to": "Leeds Mind", "effective": LATER + timedelta(days=90), "in_writing": True},
    ),
    ("complete_review", {}),
    ("close", {}),
    ("cancel", {"reason": "again"}),
]


@pytest.mark.parametrize("ending", ["close", "cancel"])
@pytest.mark.parametrize(("command", "kwargs"), EVERY_FACT, ids=[c for c, _ in EVERY_FACT])
def test_nothing_is_recorded_on_a_closed_or_cancelled_exercise(
    ending: str, command: str, kwargs: dict[str, Any]
) -> None:
    exercise = new_exercise()
    getattr(exercise, ending)(on=LATER, recorded_by=BY, reason="funding withdrawn")
    exercise.collect_events()
    kwargs = dict(kwargs)
    if command != "consult":
        kwargs["on"] = LATER
    sentence = rejected(exercise, command, **kwargs)
    status = "closed" if ending == "close" else "cancelled"
    assert f"is {status}" in sentence


def test_every_fact_can_be_recorded_on_an_open_exercise() -> None:
    exercise = new_exercise()
    for command, kwargs in EVERY_FACT[:-2]:  # all but the endings
        kwargs = dict(kwargs)
        if command != "consult":
            kwargs["on"] = LATER
        getattr(exercise, command)(recorded_by=BY, **kwargs)
    assert exercise.version == len(EVERY_FACT) - 1
    assert exercise.is_open


# -- corrections ----------------------------------------------------------------------


def test_a_correction_withdraws_a_fact_from_state_but_not_from_history() -> None:
    exercise = new_exercise()
    exercise.involve(
        organisation="Wrong Org", sector="vcs", activity="co-design", on=LATER, recorded_by=BY
    )
    exercise.involve(
        organisation="Leeds Mind", sector="vcs", activity="co-design", on=LATER, recorded_by=BY
    )
    exercise.correct(
        corrects=2, reason="recorded against the wrong exercise", on=LATER, recorded_by=BY
    )
    assert [i.organisation for i in exercise.involvements] == ["Leeds Mind"]
    assert [f.sequence for f in exercise.log] == [1, 2, 3, 4]
    assert exercise.log[1].organisation == "Wrong Org"  # type: ignore[attr-defined]
    assert 2 in exercise.withdrawn
    assert [f.sequence for f in exercise.facts] == [1, 3]


def test_correcting_a_close_reopens_the_exercise() -> None:
    exercise = new_exercise()
    exercise.close(on=LATER, recorded_by=BY)
    exercise.correct(corrects=2, reason="closed the wrong one", on=LATER, recorded_by=BY)
    assert exercise.status is ExerciseStatus.OPEN
    advance(exercise, "plan")
    assert exercise.phase is Phase.PLAN


def test_correcting_the_latest_phase_change_restores_the_earlier_phase() -> None:
    exercise = new_exercise()
    advance(exercise, "plan")
    advance(exercise, "do")
    sentence = rejected(exercise, "correct", corrects=2, reason="typo", on=LATER)
    assert "not the latest phase change" in sentence
    exercise.correct(corrects=3, reason="too early", on=LATER, recorded_by=BY)
    assert exercise.phase is Phase.PLAN


@pytest.mark.parametrize("number", [0, 1, 5, -1])
def test_only_recorded_facts_after_the_opening_can_be_corrected(number: int) -> None:
    exercise = new_exercise()
    exercise.assess_impact(on=LATER, recorded_by=BY)
    assert f"#{number}" in rejected(exercise, "correct", corrects=number, reason="x", on=LATER)


def test_a_fact_is_corrected_only_once_and_a_correction_cannot_be_corrected() -> None:
    exercise = new_exercise()
    exercise.assess_impact(on=LATER, recorded_by=BY)
    exercise.correct(corrects=2, reason="duplicate", on=LATER, recorded_by=BY)
    assert "already corrected" in rejected(exercise, "correct", corrects=2, reason="x", on=LATER)
    assert "itself a correction" in rejected(exercise, "correct", corrects=3, reason="x", on=LATER)


def test_a_correction_needs_a_reason() -> None:
    exercise = new_exercise()
    exercise.assess_impact(on=LATER, recorded_by=BY)
    rejected(exercise, "correct", corrects=2, reason="  ", on=LATER)


def test_a_copied_exercise_and_its_original_do_not_see_each_others_later_facts() -> None:
    # The projection keeps a copy of each exercise a command has just saved; facts the
    # caller or the projection add afterwards must reach only their own copy.
    import copy

    original = new_exercise()
    original.involve(
        organisation="Leeds Mind", sector="vcs", activity="co-design", on=LATER, recorded_by=BY
    )
    original.collect_events()  # saved
    clone = copy.deepcopy(original)
    assert clone.summary() == original.summary()
    assert clone.log == original.log and clone.log is not original.log

    clone.involve(
        organisation="Leeds Carers", sector="vcs", activity="bid", on=LATER, recorded_by=BY
    )
    clone.correct(corrects=2, reason="the wrong organisation", on=LATER, recorded_by=BY)
    advance(original, "plan")

    assert [i.organisation for i in original.involvements] == ["Leeds Mind"]
    assert original.withdrawn == {} and original.phase is Phase.PLAN
    assert [i.organisation for i in clone.involvements] == ["Leeds Carers"]
    assert list(clone.withdrawn) == [2] and clone.phase is Phase.ANALYSE
    assert (original.version, clone.version) == (3, 4)
    assert [type(e).__name__ for e in clone.collect_events()] == [
        "OrganisationInvolved",
        "EntryCorrected",
    ]
    assert [type(e).__name__ for e in original.collect_events()] == ["PhaseChanged"]


def test_recorded_facts_cannot_be_changed_in_place() -> None:
    # Copies of an exercise share its facts, which is safe only because facts are frozen.
    exercise = new_exercise()
    with pytest.raises(ValueError, match="frozen"):
        exercise.log[0].title = "Another title"  # type: ignore[misc]
