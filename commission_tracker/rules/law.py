"""Dated procurement-law figures: thresholds, the pre-qualification ban, turnover caps.

They are read from ``profiles/_thresholds.toml`` (shared by every Compact profile: a local
Compact cannot change the law) and looked up by the business date of the fact checked.
No figure lives in code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from commission_tracker.aggregates.errors import CommissioningError
from commission_tracker.aggregates.values import Authority, ContractKind, Regime

LAW_FILE = Path(__file__).parent / "profiles" / "_thresholds.toml"


class ProfileInvalid(CommissioningError):
    """A Compact profile or the thresholds file cannot be used; the sentence names the file."""


@dataclass(frozen=True)
class Dated:
    """A figure in force from ``effective_from`` through ``effective_to`` (open if None)."""

    effective_from: date
    effective_to: date | None
    source: str
    verify: bool
    """Not read verbatim in a primary source: confirm before relying on it."""

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def cite(self) -> str:
        return self.source + (" (verify)" if self.verify else "")


@dataclass(frozen=True)
class Threshold(Dated):
    contract_kind: ContractKind
    authority: Authority | None
    """None: the same for central and sub-central authorities."""
    amount: Decimal


@dataclass(frozen=True)
class PrequalificationBan(Dated):
    """No pre-qualification stage below the goods and services threshold under ``regime``."""

    regime: Regime


@dataclass(frozen=True)
class TurnoverCap(Dated):
    """A legal cap on minimum yearly turnover, as a multiple of the contract value."""

    regime: Regime
    multiple: Decimal


@dataclass(frozen=True)
class InsuranceMinimum(Dated):
    """Cover a supplier must hold by law: asking for it is never out of proportion."""

    cover: str
    amount: Decimal


D = TypeVar("D", bound=Dated)


def _in_force(rows: Sequence[D], day: date) -> D | None:
    for row in rows:
        if row.in_force(day):
            return row
    return None


@dataclass(frozen=True)
class ProcurementLaw:
    """Every dated law figure, with lookups by business date."""

    thresholds: tuple[Threshold, ...]
    prequalification_bans: tuple[PrequalificationBan, ...]
    turnover_caps: tuple[TurnoverCap, ...]
    insurance_minimums: tuple[InsuranceMinimum, ...]
    path: Path

    def threshold(self, kind: ContractKind, authority: Authority, day: date) -> Threshold | None:
        """The threshold for ``kind`` of contract let by ``authority`` in force on ``day``."""
        return _in_force(
            [
                row
                for row in self.thresholds
                if row.contract_kind is kind and row.authority in (None, authority)
            ],
            day,
        )

    def prequalification_ban(self, regime: Regime, day: date) -> PrequalificationBan | None:
        return _in_force([row for row in self.prequalification_bans if row.regime is regime], day)

    def turnover_cap(self, regime: Regime, day: date) -> TurnoverCap | None:
        return _in_force([row for row in self.turnover_caps if row.regime is regime], day)

    def insurance_minimum(self, cover: str, day: date) -> InsuranceMinimum | None:
        return _in_force([row for row in self.insurance_minimums if row.cover == cover], day)


def _field(path: Path, table: str, index: int, row: dict[str, Any], key: str) -> Any:
    if key not in row:
        raise ProfileInvalid(f"{path}: entry {index + 1} of [[{table}]] has no '{key}'.")
    return row[key]


def _amount(path: Path, table: str, index: int, row: dict[str, Any], key: str) -> Decimal:
    value = _field(path, table, index, row, key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ProfileInvalid(
            f"{path}: '{key}' in entry {index + 1} of [[{table}]] must be a number of pounds "
            f"(got {value!r})."
        )
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _enum(path: Path, table: str, index: int, row: dict[str, Any], key: str, enum: Any) -> Any:
    value = _field(path, table, index, row, key)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ProfileInvalid(
            f"{path}: '{key}' in entry {index + 1} of [[{table}]] is {value!r}; use one of "
            f"{allowed}."
        ) from None


def _dating(path: Path, table: str, index: int, row: dict[str, Any]) -> dict[str, Any]:
    start = _field(path, table, index, row, "effective_from")
    end = row.get("effective_to")
    for key, value in (("effective_from", start), ("effective_to", end)):
        if value is not None and not (isinstance(value, date) and not hasattr(value, "hour")):
            raise ProfileInvalid(
                f"{path}: '{key}' in entry {index + 1} of [[{table}]] must be a date such as "
                f"2026-01-01 (got {value!r})."
            )
    if end is not None and end < start:
        raise ProfileInvalid(
            f"{path}: entry {index + 1} of [[{table}]] ends ({end}) before it starts ({start})."
        )
    return {
        "effective_from": start,
        "effective_to": end,
        "source": str(_field(path, table, index, row, "source")),
        "verify": bool(row.get("verify", False)),
    }


def _no_overlaps(path: Path, table: str, rows: Sequence[Dated], key: Any) -> None:
    groups: dict[Any, list[Dated]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    for group in groups.values():
        ordered = sorted(group, key=lambda row: row.effective_from)
        for earlier, later in pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ProfileInvalid(
                    f"{path}: two [[{table}]] entries are both in force on "
                    f"{later.effective_from}; end the earlier one the day before."
                )


def parse_law(path: Path, document: dict[str, Any]) -> ProcurementLaw:
    """Build the law figures from a parsed ``_thresholds.toml``, checking every row."""
    thresholds = []
    for index, row in enumerate(document.get("thresholds", [])):
        authority = _field(path, "thresholds", index, row, "authority")
        thresholds.append(
            Threshold(
                **_dating(path, "thresholds", index, row),
                contract_kind=_enum(path, "thresholds", index, row, "contract_kind", ContractKind),
                authority=None
                if authority == "any"
                else _enum(path, "thresholds", index, row, "authority", Authority),
                amount=_amount(path, "thresholds", index, row, "amount"),
            )
        )
    bans = [
        PrequalificationBan(
            **_dating(path, "prequalification_bans", index, row),
            regime=_enum(path, "prequalification_bans", index, row, "regime", Regime),
        )
        for index, row in enumerate(document.get("prequalification_bans", []))
    ]
    caps = [
        TurnoverCap(
            **_dating(path, "turnover_caps", index, row),
            regime=_enum(path, "turnover_caps", index, row, "regime", Regime),
            multiple=_amount(path, "turnover_caps", index, row, "multiple"),
        )
        for index, row in enumerate(document.get("turnover_caps", []))
    ]
    minimums = [
        InsuranceMinimum(
            **_dating(path, "insurance_minimums", index, row),
            cover=str(_field(path, "insurance_minimums", index, row, "cover")),
            amount=_amount(path, "insurance_minimums", index, row, "amount"),
        )
        for index, row in enumerate(document.get("insurance_minimums", []))
    ]
    _no_overlaps(
        path,
        "thresholds",
        thresholds,
        lambda row: (row.contract_kind, row.authority),
    )
    # "any" overlaps both kinds of authority.
    for row in thresholds:
        if row.authority is None and any(
            other.contract_kind is row.contract_kind
            and other.authority is not None
            and other.effective_from <= (row.effective_to or date.max)
            and row.effective_from <= (other.effective_to or date.max)
            for other in thresholds
        ):
            raise ProfileInvalid(
                f"{path}: a {row.contract_kind} threshold for 'any' authority overlaps one for "
                "a single kind of authority."
            )
    _no_overlaps(path, "prequalification_bans", bans, lambda row: row.regime)
    _no_overlaps(path, "turnover_caps", caps, lambda row: row.regime)
    _no_overlaps(path, "insurance_minimums", minimums, lambda row: row.cover)
    return ProcurementLaw(tuple(thresholds), tuple(bans), tuple(caps), tuple(minimums), path)


@lru_cache(maxsize=4)
def load_law(path: Path = LAW_FILE) -> ProcurementLaw:
    """The procurement-law figures shipped with the rules (read once)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ProfileInvalid(f"Cannot read the thresholds file {path}: {error.strerror}.") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileInvalid(f"The thresholds file {path} is not valid TOML: {error}.") from None
    return parse_law(path, document)
