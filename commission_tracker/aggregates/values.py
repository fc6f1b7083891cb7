"""Value objects of the commissioning domain: phases, sectors, vocabularies, money.

Each closed vocabulary is a ``StrEnum`` whose values are the words users type on the
command line and see in JSON, taken from DESIGN.md section 3.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from commission_tracker.aggregates.errors import InvalidFact


class Phase(StrEnum):
    """The four phases of the commissioning cycle (seed 000 s.4, seed 004 stages 1-4)."""

    ANALYSE = "analyse"
    PLAN = "plan"
    DO = "do"
    REVIEW = "review"

    @property
    def position(self) -> int:
        return PHASE_ORDER.index(self)

    @property
    def next(self) -> Phase:
        """The phase that follows this one; review leads back to analyse (next cycle)."""
        return PHASE_ORDER[(self.position + 1) % len(PHASE_ORDER)]


PHASE_ORDER: tuple[Phase, ...] = (Phase.ANALYSE, Phase.PLAN, Phase.DO, Phase.REVIEW)


class Sector(StrEnum):
    VCS = "vcs"
    PUBLIC = "public"
    PRIVATE = "private"


class Activity(StrEnum):
    """What an organisation did in the exercise (DESIGN.md section 3)."""

    NEEDS_EVIDENCE = "needs-evidence"
    CONSULTATION_RESPONSE = "consultation-response"
    CO_DESIGN = "co-design"
    MARKET_ENGAGEMENT = "market-engagement"
    SPECIFICATION_INPUT = "specification-input"
    BID = "bid"
    AWARD = "award"
    DELIVERY = "delivery"
    MONITORING = "monitoring"
    REVIEW = "review"


class Mechanism(StrEnum):
    """How the service is funded (seed 004 2.3.1: grant vs contract vs in-house)."""

    GRANT = "grant"
    CONTRACT = "contract"
    SERVICE_LEVEL_AGREEMENT = "service-level-agreement"
    LOAN = "loan"
    IN_HOUSE = "in-house"


class Regime(StrEnum):
    """The procurement law an exercise runs under (PROCUREMENT.md)."""

    PCR2015 = "PCR2015"
    PA2023 = "PA2023"
    PSR2023 = "PSR2023"
    GRANT = "grant"


class Authority(StrEnum):
    """Central government authorities have lower thresholds than sub-central ones."""

    CENTRAL = "central"
    SUB_CENTRAL = "sub-central"


class ContractKind(StrEnum):
    """Which threshold table applies to the contract (PROCUREMENT.md, thresholds)."""

    SERVICES = "services"
    LIGHT_TOUCH = "light-touch"
    WORKS = "works"


class ExerciseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class FundingChange(StrEnum):
    """What a decommissioning decision does to the funding."""

    REDUCE = "reduce"
    END = "end"


def _to_decimal(value: Any) -> Any:
    if isinstance(value, float):
        # Floats carry binary noise; go through their shortest repr.
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("£")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise InvalidFact(f"'{value}' is not an amount of money.") from None
    return value


def _check_money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise InvalidFact(f"'{value}' is not an amount of money.")
    if value < 0:
        raise InvalidFact(f"Money cannot be negative (got £{value}).")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidFact(f"Money has at most 2 decimal places (pence); got £{value}.")
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))  # 1E+3 is shown as 1000
    return abs(value) if value == 0 else value  # no "-0" pounds


Money = Annotated[Decimal, BeforeValidator(_to_decimal), AfterValidator(_check_money)]
"""A non-negative amount in pounds sterling with at most two decimal places."""


def _check_name(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidFact("An organisation name cannot be empty.")
    return text


OrganisationName = Annotated[str, AfterValidator(_check_name)]
"""A non-empty organisation name, with runs of white space folded to one space."""


EMPTY_TEXT = "This text cannot be empty."


def _check_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidFact(EMPTY_TEXT)
    return text


RequiredText = Annotated[str, AfterValidator(_check_text)]
