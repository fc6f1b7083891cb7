"""Compact profiles as data: shipped and user profiles, dated terms, clear errors."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rules_fixtures import BY, checks, exercise, one

from commission_tracker.aggregates.errors import InvalidFact
from commission_tracker.aggregates.values import Authority, ContractKind, Regime
from commission_tracker.rules import ProfileInvalid, Status, available_profiles, load_profile
from commission_tracker.rules.law import load_law, parse_law
from commission_tracker.rules.profiles import ENV_VAR

SHIPPED = {"national", "gloucestershire", "leicestershire", "bexley"}


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A profiles directory named by CTRACK_PROFILES, the user's real config dir kept out."""
    directory = tmp_path / "profiles"
    directory.mkdir()
    monkeypatch.setenv(ENV_VAR, str(directory))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return directory


HAMPSHIRE = """
name = "hampshire"
title = "Hampshire Compact"
source = "Hampshire Compact, 2024 (made up for a test)"
extends = "gloucestershire"

[sources]
consultation-length = "Hampshire Compact 4.1"

[[terms]]
consultation_days = 70

[[terms]]
effective_from = 2026-04-01
consultation_days = 90
"""


def test_the_shipped_profiles_are_listed_with_their_sources() -> None:
    listed = {info.name: info for info in available_profiles()}
    assert set(listed) >= SHIPPED
    assert listed["leicestershire"].extends == "national"
    assert "seed 002" in listed["leicestershire"].source
    assert all(
        listed[name].origin == "shipped" and listed[name].problem is None for name in SHIPPED
    )


def test_local_profiles_differ_where_their_seeds_do() -> None:
    day = date(2026, 1, 1)
    national, glos, leics, bexley = (
        load_profile(name).terms_on(day)
        for name in ("national", "gloucestershire", "leicestershire", "bexley")
    )
    assert national.notice_months == glos.notice_months == 3
    assert national.consultation_days == leics.consultation_days == 84
    assert (national.funding_lead_time_months, glos.funding_lead_time_months) == (0, 3)
    assert (national.timetable_published, glos.timetable_published) == (False, True)
    assert leics.notice_exempt_previously_defined_end_date
    assert not national.notice_exempt_previously_defined_end_date
    assert bexley.improvement_timetable_before_ending
    assert not national.improvement_timetable_before_ending
    assert leics.funding_term_years == bexley.funding_term_years == 3


def test_profile_names_are_matched_without_regard_to_case() -> None:
    assert load_profile("  Gloucestershire ").name == "gloucestershire"
    assert load_profile("gloucestershire").chain == ("gloucestershire", "national")


def test_an_unknown_profile_is_an_invalid_fact_naming_the_available_ones() -> None:
    with pytest.raises(InvalidFact) as raised:
        load_profile("narnia")
    sentence = str(raised.value)
    assert "no Compact profile called 'narnia'" in sentence
    assert "bexley, gloucestershire, leicestershire, national" in sentence
    assert ENV_VAR in sentence


def test_an_exercise_opened_under_an_unknown_profile_cannot_be_evaluated() -> None:
    from commission_tracker.rules import evaluate

    with pytest.raises(InvalidFact, match="narnia"):
        evaluate(exercise("narnia"))


def test_a_user_profile_from_ctrack_profiles_is_listed_loaded_and_used(user_dir: Path) -> None:
    (user_dir / "hampshire.toml").write_text(HAMPSHIRE)
    listed = {info.name: info for info in available_profiles()}
    assert listed["hampshire"].origin == "user"
    assert listed["hampshire"].title == "Hampshire Compact"
    profile = load_profile("hampshire")
    assert profile.chain == ("hampshire", "gloucestershire", "national")
    # Inherited from Gloucestershire, and from national through it.
    assert profile.terms_on(date(2026, 1, 1)).funding_lead_time_months == 3
    assert profile.terms_on(date(2026, 1, 1)).notice_months == 3
    assert profile.source_for("consultation-length") == "Hampshire Compact 4.1"
    assert "3.4.2" in profile.source_for("notice-period")


def test_a_profile_dropped_in_while_running_is_found(user_dir: Path) -> None:
    assert "hampshire" not in {info.name for info in available_profiles()}
    (user_dir / "hampshire.toml").write_text(HAMPSHIRE)
    assert "hampshire" in {info.name for info in available_profiles()}
    assert load_profile("hampshire").name == "hampshire"


def test_a_profile_term_is_used_as_in_force_on_the_facts_business_date(user_dir: Path) -> None:
    (user_dir / "hampshire.toml").write_text(HAMPSHIRE)
    ex = exercise("hampshire")
    # 80 days: enough under the 70-day terms, too short from 1 April 2026 (90 days).
    ex.consult(opens=date(2026, 1, 5), closes=date(2026, 3, 26), recorded_by=BY)
    ex.consult(opens=date(2026, 4, 6), closes=date(2026, 6, 25), recorded_by=BY)
    found = checks("consultation-length", ex)
    assert one(found, "consultation C1").status is Status.COMPLIANT
    later = one(found, "consultation C2")
    assert later.status is Status.BREACH
    assert later.figures["required"] == 90 and later.figures["actual"] == 80
    assert later.source == "Hampshire Compact 4.1"


def test_a_user_file_overrides_a_shipped_profile_of_the_same_name(user_dir: Path) -> None:
    (user_dir / "bexley.toml").write_text(
        'name = "bexley"\ntitle = "Bexley, as amended locally"\nsource = "local"\n'
        'extends = "national"\n'
    )
    assert load_profile("bexley").title == "Bexley, as amended locally"


def test_an_edited_profile_file_is_read_again(user_dir: Path) -> None:
    path = user_dir / "hampshire.toml"
    path.write_text(HAMPSHIRE)
    assert load_profile("hampshire").title == "Hampshire Compact"
    path.write_text(HAMPSHIRE.replace('Hampshire Compact"', 'Hampshire Compact 2"'))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_profile("hampshire").title == "Hampshire Compact 2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "broken"\ntitle = \n', "not valid TOML"),
        ('name = "broken"\nsource = "s"\n', "needs a 'title'"),
        ('name = "other"\ntitle = "t"\nsource = "s"\n', "must be named other.toml"),
        (
            'name = "broken"\ntitle = "t"\nsource = "s"\nextends = "national"\n'
            "[[terms]]\nnotice_month = 2\n",
            "unknown key 'notice_month'",
        ),
        (
            'name = "broken"\ntitle = "t"\nsource = "s"\nextends = "national"\n'
            '[[terms]]\nnotice_months = "three"\n',
            "'notice_months' in [[terms]] must be a whole number",
        ),
        (
            'name = "broken"\ntitle = "t"\nsource = "s"\n[[terms]]\nnotice_months = 3\n',
            "does not set 'at_risk_days'",
        ),
        (
            'name = "broken"\ntitle = "t"\nsource = "s"\nextends = "national"\n'
            "[[terms]]\nnotice_months = 3\n[[terms]]\nnotice_months = 2\n",
            "needs an 'effective_from'",
        ),
    ],
)
def test_a_bad_profile_file_gets_a_sentence_naming_the_file(
    user_dir: Path, text: str, expected: str
) -> None:
    path = user_dir / "broken.toml"
    path.write_text(text)
    with pytest.raises(ProfileInvalid) as raised:
        load_profile("broken")
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)
    # Listing still works, and shows what is wrong with the file.
    listed = {info.name: info for info in available_profiles()}
    assert listed["broken"].problem == str(raised.value)


def test_profiles_extending_each_other_in_a_circle_are_refused(user_dir: Path) -> None:
    for name, parent in (("alpha", "beta"), ("beta", "alpha")):
        (user_dir / f"{name}.toml").write_text(
            f'name = "{name}"\ntitle = "t"\nsource = "s"\nextends = "{parent}"\n'
        )
    with pytest.raises(ProfileInvalid, match="circle: alpha -> beta -> alpha"):
        load_profile("alpha")


def test_extending_a_missing_profile_names_the_file_that_asks(user_dir: Path) -> None:
    path = user_dir / "orphan.toml"
    path.write_text('name = "orphan"\ntitle = "t"\nsource = "s"\nextends = "nowhere"\n')
    with pytest.raises(InvalidFact, match="extends 'nowhere'") as raised:
        load_profile("orphan")
    assert str(path) in str(raised.value)


# -- the law figures ------------------------------------------------------------------


def test_thresholds_are_dated() -> None:
    law = load_law()
    sub = Authority.SUB_CENTRAL
    in_2025 = law.threshold(ContractKind.SERVICES, sub, date(2025, 12, 31))
    in_2026 = law.threshold(ContractKind.SERVICES, sub, date(2026, 1, 1))
    assert in_2025 is not None and in_2025.amount == Decimal(214_904)
    assert in_2026 is not None and in_2026.amount == Decimal(207_720)
    central = law.threshold(ContractKind.SERVICES, Authority.CENTRAL, date(2026, 6, 1))
    assert central is not None and central.amount == Decimal(135_018)
    works = law.threshold(ContractKind.WORKS, Authority.CENTRAL, date(2025, 6, 1))
    assert works is not None and works.amount == Decimal(5_372_609)
    # Figures not read in a primary source say so.
    assert in_2026.verify and "(verify)" in in_2026.cite()
    assert not in_2025.verify


def test_the_turnover_cap_is_law_under_pcr_2015_and_psr_2023_only() -> None:
    law = load_law()
    day = date(2025, 6, 1)
    assert law.turnover_cap(Regime.PA2023, day) is None
    pcr = law.turnover_cap(Regime.PCR2015, day)
    assert pcr is not None and pcr.multiple == 2 and "58(9)" in pcr.source
    assert law.turnover_cap(Regime.PSR2023, day) is not None


def test_overlapping_thresholds_are_refused(tmp_path: Path) -> None:
    row = {
        "contract_kind": "services",
        "authority": "central",
        "amount": 1,
        "effective_from": date(2024, 1, 1),
        "source": "s",
    }
    with pytest.raises(ProfileInvalid, match="both in force on 2025-01-01"):
        parse_law(
            tmp_path / "_thresholds.toml",
            {"thresholds": [row, {**row, "effective_from": date(2025, 1, 1)}]},
        )
