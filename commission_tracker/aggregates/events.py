"""The facts of a commissioning exercise, one pydantic model per event type.

Every event carries two clocks: ``on``, the business date the fact happened on (the notice
letter was dated 3 March), and ``timestamp``, the recorded time it entered the store, plus
``recorded_by``. Events are immutable; a mistake is corrected by a later ``EntryCorrected``.

Each event has an explicit, stable ``TOPIC`` (so classes can move between modules without
rewriting history) and a ``class_version`` with ``upcast_vN_vM`` methods for schema changes.
``apply`` evolves a :class:`~commission_tracker.aggregates.exercise.CommissioningExercise`;
invariants are checked by the aggregate *before* an event is triggered, never here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import register_topic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from commission_tracker.aggregates.values import (
    Activity,
    Authority,
    ContractKind,
    ExerciseStatus,
    FundingChange,
    Mechanism,
    Money,
    OrganisationName,
    Phase,
    Regime,
    RequiredText,
    Sector,
    check_value,
)

if TYPE_CHECKING:
    from commission_tracker.aggregates.exercise import CommissioningExercise

TOPIC_PREFIX = "commission_tracker.events:"


class ExerciseEvent(BaseModel, CanMutateAggregate[UUID]):
    """Base class of every fact recorded on an exercise."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    """Recorded time: when the fact entered the store (UTC)."""
    on: date
    """Business date: when the fact happened."""
    recorded_by: str = Field(min_length=1)

    @model_validator(mode="after")
    def _within_bounds(self) -> ExerciseEvent:
        """Every value within the bounds of ``values`` (dates, money, counts, text), so a
        recorded fact can never make a rule or a view fail after it is committed. Facts
        read back from the store are checked too: one stored before these bounds (or
        altered in the store) marks its exercise as damaged instead of failing later."""
        for name, value in self.__dict__.items():
            if value is not None and name not in _UNCHECKED:
                check_value(value, name.replace("_", " "))
        return self

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp

    @property
    def sequence(self) -> int:
        """The fact's position in its exercise's log (1 is the opening)."""
        return self.originator_version

    def data(self) -> dict[str, Any]:
        """The fact's own data, without the envelope fields, as JSON-ready values."""
        return self.model_dump(mode="json", exclude=_ENVELOPE)

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)
        aggregate.log.append(self)

    def apply_to(self, exercise: CommissioningExercise) -> None:
        """Evolve the exercise's state; overridden by each fact."""


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_UNCHECKED = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
"""Set by the library and the store, not by the user: not checked against the bounds."""

AGGREGATE_TOPICS = frozenset(
    {
        "commission_tracker:CommissioningExercise",
        "commission_tracker.aggregates.exercise:CommissioningExercise",
    }
)
"""The only aggregate an opening may name (the library imports what it names, so no
stored opening may name anything else)."""


class ExerciseOpened(ExerciseEvent, CanInitAggregate[UUID]):
    """A commissioning exercise was opened (it starts in the analyse phase)."""

    TOPIC = TOPIC_PREFIX + "ExerciseOpened"
    class_version = 2

    originator_topic: str
    reference: RequiredText
    title: RequiredText
    commissioner: OrganisationName
    service_area: str | None = None
    value: Money
    mechanism: Mechanism
    regime: Regime
    profile: RequiredText
    authority: Authority = Authority.SUB_CENTRAL
    contract_kind: ContractKind = ContractKind.SERVICES

    @model_validator(mode="after")
    def _known_aggregate(self) -> ExerciseOpened:
        if self.originator_topic not in AGGREGATE_TOPICS:
            raise ValueError(f"it names an unknown aggregate ({self.originator_topic[:60]!r})")
        return self

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 did not record the kind of authority; councils were the only users."""
        state["authority"] = Authority.SUB_CENTRAL.value
        state["contract_kind"] = ContractKind.SERVICES.value

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.initialise(self)


class PhaseChanged(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "PhaseChanged"
    from_phase: Phase
    to_phase: Phase
    cycle: int = Field(ge=1)
    reason: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.phase = self.to_phase
        exercise.cycle = self.cycle
        exercise.phase_changes.append(self)


class OrganisationInvolved(ExerciseEvent):
    """An organisation took part in the exercise, doing ``activity`` in ``phase``."""

    TOPIC = TOPIC_PREFIX + "OrganisationInvolved"
    organisation: OrganisationName
    sector: Sector
    activity: Activity
    phase: Phase
    """The phase given with ``--phase``; otherwise the phase on ``on`` as known when the
    fact was recorded (``phase_given`` False: the views place it by business date against
    every phase change known, including ones recorded later with earlier dates)."""
    cycle: int = Field(ge=1)
    note: str | None = None
    phase_given: bool = True
    """Whether ``phase`` was given explicitly (facts recorded before this field: taken as
    given, so their stored phase stands)."""

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.involvements.append(self)


class ConsultationOpened(ExerciseEvent):
    """A consultation ran (or is running) from ``opens`` to ``closes``."""

    TOPIC = TOPIC_PREFIX + "ConsultationOpened"
    consultation: RequiredText
    subject: str | None = None
    opens: date
    closes: date
    shorter_reason: str | None = None
    """Why the consultation runs for less than 12 weeks, where it does."""

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.consultations[self.consultation] = self


class ConsultationFeedbackPublished(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "ConsultationFeedbackPublished"
    consultation: RequiredText
    summary: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.consultation_feedback[self.consultation] = self


class FundingOpportunityNotified(ExerciseEvent):
    """A funding opportunity was notified on ``on``; applications are due by ``deadline``."""

    TOPIC = TOPIC_PREFIX + "FundingOpportunityNotified"
    opportunity: RequiredText
    deadline: date
    value: Money | None = None
    shorter_reason: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.funding_opportunities[self.opportunity] = self


class TimetablePublished(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "TimetablePublished"
    tender_deadline: date | None = None
    award_by: date | None = None
    where: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.timetables.append(self)


class PQQIssued(ExerciseEvent):
    """A pre-qualification / selection questionnaire was issued, with its requirements."""

    TOPIC = TOPIC_PREFIX + "PQQIssued"
    pqq: RequiredText
    minimum_turnover: Money | None = None
    years_trading: int | None = Field(default=None, ge=0)
    years_accounts: int | None = Field(default=None, ge=0)
    track_record_reason: str | None = None
    employers_liability: Money | None = None
    public_liability: Money | None = None
    professional_indemnity: Money | None = None
    standard_form: bool = True
    questions: int | None = Field(default=None, ge=0)
    justification: str | None = None
    """A stated reason the Compact or the law accepts for requirements beyond the norm."""

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.pqqs[self.pqq] = self


class TenderPublished(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "TenderPublished"
    tender: RequiredText
    closes: date | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.tenders[self.tender] = self


class BidReceived(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "BidReceived"
    bidder: OrganisationName
    sector: Sector
    value: Money | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.bids.append(self)


class Awarded(ExerciseEvent):
    """A contract or grant was awarded to ``provider`` for ``starts`` to ``ends``."""

    TOPIC = TOPIC_PREFIX + "Awarded"
    provider: OrganisationName
    sector: Sector
    value: Money
    starts: date
    ends: date
    payment_terms: str | None = None
    term_reason: str | None = None
    """Why the agreement is shorter than the profile's norm (e.g. 3 years), where it is."""

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.awards.append(self)


class BidderFeedbackGiven(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "BidderFeedbackGiven"
    bidder: OrganisationName

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.bidder_feedback.append(self)


class MonitoringSet(ExerciseEvent):
    """Monitoring requirements were set for the funded service (of ``provider``)."""

    TOPIC = TOPIC_PREFIX + "MonitoringSet"
    requirements: RequiredText
    provider: OrganisationName | None = None
    """The provider monitored; facts recorded before it existed name none."""
    reports_per_year: int | None = Field(default=None, ge=0)
    indicators: int | None = Field(default=None, ge=0)
    justification: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.monitoring.append(self)


class ImpactAssessed(ExerciseEvent):
    """The impact on beneficiaries, service users and volunteers was assessed."""

    TOPIC = TOPIC_PREFIX + "ImpactAssessed"
    summary: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.impact_assessments.append(self)


class DecommissionDecided(ExerciseEvent):
    """A decision, made on ``on``, to reduce or end funding from ``effective``.

    ``effective`` is the first day without the funding (or with less of it). The decision
    affects ``provider`` (of ``sector``), or, with ``all_vcs_providers``, every VCS
    organisation funded at the time.
    """

    TOPIC = TOPIC_PREFIX + "DecommissionDecided"
    class_version = 2

    change: FundingChange
    effective: date
    reason: RequiredText
    provider: str | None = None
    sector: Sector | None = None
    """The provider's sector; ``None`` on facts recorded before it was asked for."""
    all_vcs_providers: bool = False
    new_value: Money | None = None
    poor_performance: bool = False

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 let a decision name no provider, and then matched every organisation:
        read as a decision affecting every VCS provider, as it was checked then."""
        state["sector"] = None
        state["all_vcs_providers"] = state.get("provider") is None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.decisions.append(self)


class NoticeGiven(ExerciseEvent):
    """Notice of reducing or ending funding was given on ``on``, taking effect ``effective``
    (the first day without the funding, or with less of it).

    ``for_decisions`` and ``for_awards`` name, by their numbers in the log, the decisions
    and the awards running out that the notice gives notice of; a notice naming none (every
    notice recorded before they existed) is matched by inference.
    """

    TOPIC = TOPIC_PREFIX + "NoticeGiven"
    to: OrganisationName
    effective: date
    in_writing: bool
    rationale: str | None = None
    exceptional_circumstances: str | None = None
    improvement_timetable_agreed: bool = False
    """Recorded on notices before ``PerformanceDiscussed`` existed; still read as evidence."""
    for_decisions: tuple[int, ...] = ()
    for_awards: tuple[int, ...] = ()

    @property
    def names_what_it_serves(self) -> bool:
        return bool(self.for_decisions or self.for_awards)

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.notices.append(self)


class PerformanceDiscussed(ExerciseEvent):
    """Poor performance was discussed with ``provider`` and, with ``timetable_agreed``, a
    timetable of actions to improve was agreed (seed 003 s.4; seed 004 3.4.3)."""

    TOPIC = TOPIC_PREFIX + "PerformanceDiscussed"
    provider: OrganisationName
    timetable_agreed: bool = False
    summary: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.performance_discussions.append(self)


class ReviewCompleted(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "ReviewCompleted"
    summary: str | None = None
    outcome: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.reviews.append(self)


class EntryCorrected(ExerciseEvent):
    """An earlier fact (``corrects``, its sequence number) was recorded in error.

    The earlier fact stays in the log; it is left out of the exercise's state and every
    check from here on. Record the right fact afterwards, if there is one.
    """

    TOPIC = TOPIC_PREFIX + "EntryCorrected"
    corrects: int = Field(ge=2)
    reason: RequiredText

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.withdraw(self)


class ExerciseClosed(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "ExerciseClosed"
    reason: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.status = ExerciseStatus.CLOSED


class ExerciseCancelled(ExerciseEvent):
    TOPIC = TOPIC_PREFIX + "ExerciseCancelled"
    reason: RequiredText

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.status = ExerciseStatus.CANCELLED


class HistoryMigrated(ExerciseEvent):
    """Facts ``first`` to ``last`` were imported keeping the recorded times and recorders
    they had in another system (``ctrack import --keep-recorded-at``). This fact is
    recorded by whoever ran the import, at the time they ran it, so a migration can
    always be told from facts typed in at the time."""

    TOPIC = TOPIC_PREFIX + "HistoryMigrated"
    first: int = Field(ge=1)
    last: int = Field(ge=1)
    source: str | None = None


# -- facts read from published notices (OCDS); their commands are in ``published`` --


class ReleaseImported(ExerciseEvent):
    """A published release of the exercise's contracting process was read in.

    ``on`` is the release's date; the recorded time and ``recorded_by`` say when and by
    whom it was imported. Importing the same release again records nothing."""

    TOPIC = TOPIC_PREFIX + "ReleaseImported"
    ocid: RequiredText
    release_id: RequiredText
    published: datetime
    tags: list[str] = Field(default_factory=list)
    source: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.ocid = self.ocid
        exercise.releases[self.release_id] = self


class PlanningPublished(ExerciseEvent):
    """The process's planning was published: its budget and rationale, where stated."""

    TOPIC = TOPIC_PREFIX + "PlanningPublished"
    budget: Money | None = None
    rationale: str | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.published_planning = self


class TenderDetailsPublished(ExerciseEvent):
    """A tender's terms as published (or as changed by a later notice).

    ``suitable_for_vcse`` is what the notice said: that the opportunity is suitable for
    voluntary, community and social enterprises. It is not involvement of any VCSE."""

    TOPIC = TOPIC_PREFIX + "TenderDetailsPublished"
    tender: RequiredText
    title: str | None = None
    status: str | None = None
    value: Money | None = None
    minimum_value: Money | None = None
    procedure: str | None = None
    procedure_details: str | None = None
    opens: date | None = None
    closes: date | None = None
    contract_starts: date | None = None
    contract_ends: date | None = None
    suitable_for_vcse: bool | None = None
    suitable_for_sme: bool | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.tender_details[self.tender] = self


class AwardPublished(ExerciseEvent):
    """An award as published (or as changed by a later notice, such as an award update).

    ``updates`` are the sequence numbers of the ``Awarded`` facts this change revises:
    from here on they show this award's value and term."""

    TOPIC = TOPIC_PREFIX + "AwardPublished"
    award: RequiredText
    status: str | None = None
    suppliers: list[str] = Field(default_factory=list)
    value: Money | None = None
    starts: date | None = None
    ends: date | None = None
    awarded_on: date | None = None
    updates: list[int] = Field(default_factory=list)

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.published_awards[self.award] = self
        exercise.award_publications.append(self)
        if not self.updates:
            return
        revised: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("value", "starts", "ends")
            if getattr(self, name) is not None
        }
        exercise.awards = [
            award.model_copy(update=revised) if award.sequence in self.updates else award
            for award in exercise.awards
        ]


class ContractPublished(ExerciseEvent):
    """A contract as published: its value, term, signature and payments made so far."""

    TOPIC = TOPIC_PREFIX + "ContractPublished"
    contract: RequiredText
    award: str | None = None
    status: str | None = None
    value: Money | None = None
    starts: date | None = None
    ends: date | None = None
    signed: date | None = None
    paid: Money | None = None

    def apply_to(self, exercise: CommissioningExercise) -> None:
        exercise.published_contracts[self.contract] = self


PUBLISHED_EVENT_TYPES: tuple[type[ExerciseEvent], ...] = (
    ReleaseImported,
    PlanningPublished,
    TenderDetailsPublished,
    AwardPublished,
    ContractPublished,
)


EVENT_TYPES: tuple[type[ExerciseEvent], ...] = (
    ExerciseOpened,
    PhaseChanged,
    OrganisationInvolved,
    ConsultationOpened,
    ConsultationFeedbackPublished,
    FundingOpportunityNotified,
    TimetablePublished,
    PQQIssued,
    TenderPublished,
    BidReceived,
    Awarded,
    BidderFeedbackGiven,
    MonitoringSet,
    ImpactAssessed,
    DecommissionDecided,
    NoticeGiven,
    PerformanceDiscussed,
    ReviewCompleted,
    EntryCorrected,
    ExerciseClosed,
    ExerciseCancelled,
    HistoryMigrated,
)

EVENT_TYPES += PUBLISHED_EVENT_TYPES

EVENT_NAMES: dict[type[ExerciseEvent], str] = {cls: cls.__name__ for cls in EVENT_TYPES}

OLD_TOPICS: dict[str, type[ExerciseEvent]] = {}
"""Topics an event class was stored under before it was renamed (none yet): add the old
name here when renaming, so stored history still reads."""

EVENTS_BY_TOPIC: dict[str, type[ExerciseEvent]] = {
    **{cls.TOPIC: cls for cls in EVENT_TYPES},
    **OLD_TOPICS,
}
"""The only topics a stored event may have. A stored topic is looked up here, never
imported: a row naming anything else is damaged, and no module it names is loaded."""

for _cls in EVENT_TYPES:
    # Stored events name their class by this topic; register it so reading needs no import.
    register_topic(_cls.TOPIC, _cls)


def event_class(topic: str) -> type[ExerciseEvent]:
    """The event class stored under ``topic``; a ``DamagedRecord`` for any other topic."""
    try:
        return EVENTS_BY_TOPIC[topic]
    except (KeyError, TypeError):
        from commission_tracker.aggregates.errors import DamagedRecord

        raise DamagedRecord(f"its kind {str(topic)[:60]!r} is not one ctrack knows") from None
