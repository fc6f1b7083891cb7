"""Value objects of the commissioning domain: phases, sectors, vocabularies, money.

The closed vocabularies (``Phase``, ``Sector``...) live in ``vocabulary``, which needs no
pydantic, and are re-exported here; this module adds the validated types (money, names,
required text) that the event models use.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from commission_tracker.aggregates.bounds import (
    MAX_COUNT,
    MAX_DATE,
    MAX_MONEY,
    MAX_TEXT,
    MIN_DATE,
    check_value,
    printable,
)
from commission_tracker.aggregates.errors import InvalidFact
from commission_tracker.aggregates.vocabulary import (
    PHASE_ORDER,
    Activity,
    Authority,
    ContractKind,
    ExerciseStatus,
    FundingChange,
    Mechanism,
    Phase,
    Regime,
    Sector,
)

__all__ = [
    "EMPTY_TEXT",
    "MAX_COUNT",
    "MAX_DATE",
    "MAX_MONEY",
    "MAX_TEXT",
    "MIN_DATE",
    "PHASE_ORDER",
    "Activity",
    "Authority",
    "ContractKind",
    "ExerciseStatus",
    "FundingChange",
    "Mechanism",
    "Money",
    "OrganisationName",
    "Phase",
    "Regime",
    "RequiredText",
    "Sector",
    "check_value",
]


def _to_decimal(value: Any) -> Any:
    if isinstance(value, float):
        # Floats carry binary noise; go through their shortest repr.
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("£")
        if len(text) > 40:  # far more digits than any bounded amount has
            raise InvalidFact(f"'{printable(value)}' is not an amount of money ctrack records.")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise InvalidFact(f"'{printable(value)}' is not an amount of money.") from None
    return value


def _check_money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise InvalidFact(f"'{value}' is not an amount of money.")
    if value < 0:
        raise InvalidFact(f"Money cannot be negative (got £{printable(value)}).")
    if value > MAX_MONEY:
        raise InvalidFact(
            f"£{printable(value)} is more than ctrack records (at most £{MAX_MONEY:,})."
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidFact(f"Money has at most 2 decimal places (pence); got £{printable(value)}.")
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
