"""Helpers for the rules tests: an exercise built in memory, and ways to pick out checks."""

from __future__ import annotations

from datetime import date

from commission_tracker.aggregates import CommissioningExercise
from commission_tracker.rules import RULES, Check, Status, load_profile, resolve
from commission_tracker.rules.profiles import Profile

BY = "tester"
"""Who records every fact in these tests (``recorded_by=BY``)."""

OPENED = date(2025, 1, 6)


def exercise(
    profile: str = "national",
    *,
    value: str = "420000",
    regime: str = "PA2023",
    authority: str = "sub-central",
    contract_kind: str = "services",
    mechanism: str = "contract",
    on: date = OPENED,
    reference: str = "EX-1",
) -> CommissioningExercise:
    """A freshly opened exercise, with nothing else recorded yet."""
    return CommissioningExercise.open(
        reference=reference,
        title="Carers' support service",
        commissioner="Gloucestershire County Council",
        value=value,
        mechanism=mechanism,
        regime=regime,
        profile=profile,
        authority=authority,
        contract_kind=contract_kind,
        on=on,
        recorded_by=BY,
    )


def checks(
    rule: str, subject: CommissioningExercise, profile: str | Profile | None = None
) -> list[Check]:
    """What ``rule`` says of the exercise, under ``profile`` (default: the exercise's own)."""
    if profile is None:
        profile = subject.profile
    if isinstance(profile, str):
        profile = load_profile(profile)
    return RULES[rule](subject, profile)


def one(found: list[Check], subject_starts: str = "") -> Check:
    """The single check whose subject starts with ``subject_starts``."""
    matching = [c for c in found if c.subject.startswith(subject_starts)]
    assert len(matching) == 1, [c.subject for c in found]
    return matching[0]


def status_on(check: Check, today: date) -> Status:
    return resolve(check, today).status
