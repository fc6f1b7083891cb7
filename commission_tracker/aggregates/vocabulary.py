"""The closed vocabularies of the commissioning domain: phases, sectors, activities...

Each is a ``StrEnum`` whose values are the words users type on the command line and see
in JSON, taken from DESIGN.md section 3. This module imports nothing but the standard
library, so the command line and the views can use the vocabularies without loading
pydantic or the aggregate (``values`` re-exports them beside the validated types).
"""

from __future__ import annotations

from enum import StrEnum


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
    UNKNOWN = "unknown"
    """Not known: a published notice names a supplier but not its sector."""


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


__all__ = [
    "PHASE_ORDER",
    "Activity",
    "Authority",
    "ContractKind",
    "ExerciseStatus",
    "FundingChange",
    "Mechanism",
    "Phase",
    "Regime",
    "Sector",
]
