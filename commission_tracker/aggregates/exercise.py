"""The commissioning exercise: an event-sourced aggregate.

Each public method is a command named for what the user records. It checks the invariants
(raising a :class:`~commission_tracker.aggregates.errors.CommissioningError` with a sentence
the user can act on) *before* triggering its event, so an invalid command records nothing.
The state is plain data: the events themselves, filed by kind, which the rules read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from eventsourcing.domain import BaseAggregate
from pydantic import ValidationError

from commission_tracker.aggregates import events as ev
from commission_tracker.aggregates.errors import CommissioningError, InvalidFact, InvariantViolated
from commission_tracker.aggregates.identity import exercise_id, normalise_reference
from commission_tracker.aggregates.published import PublishedFacts
from commission_tracker.aggregates.values import (
    EMPTY_TEXT,
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

E = TypeVar("E", bound=ev.ExerciseEvent)


def _same_name(first: str, second: str) -> bool:
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def validation_sentence(error: ValidationError) -> str:
    """One sentence naming the first problem in a pydantic validation error."""
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    field = ".".join(str(part) for part in first.get("loc", ()))
    if isinstance(cause, CommissioningError):
        if str(cause) == EMPTY_TEXT:
            return f"The {field.replace('_', ' ')} cannot be empty."
        return str(cause)
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    value = first.get("input")
    if first.get("type") in {"enum", "literal_error"}:
        return f"'{value}' is not a valid {field.replace('_', ' ')}: {message.lower()}."
    return f"{field.replace('_', ' ')}: {message}".rstrip(".") + "."


class CommissioningExercise(PublishedFacts, BaseAggregate[uuid.UUID]):
    """One commissioning exercise, from its opening to its closing, through any cycles."""

    TOPIC: ClassVar[str] = "commission_tracker:CommissioningExercise"

    # State is set by ExerciseOpened.apply_to -> initialise(). No class-level annotations:
    # eventsourcing would turn them into dataclass fields of the constructor.

    def initialise(self, opened: ev.ExerciseOpened) -> None:
        self.reference: str = opened.reference
        self.title: str = opened.title
        self.commissioner: str = opened.commissioner
        self.service_area: str | None = opened.service_area
        self.value: Decimal = opened.value
        self.mechanism: Mechanism = opened.mechanism
        self.regime: Regime = opened.regime
        self.profile: str = opened.profile
        self.authority: Authority = opened.authority
        self.contract_kind: ContractKind = opened.contract_kind
        self.opened_on: date = opened.on
        self.log: list[ev.ExerciseEvent] = []
        self.withdrawn: dict[int, ev.EntryCorrected] = {}
        self._reset_facts()

    def _reset_facts(self) -> None:
        self.phase: Phase = Phase.ANALYSE
        self.cycle: int = 1
        self.status: ExerciseStatus = ExerciseStatus.OPEN
        self.phase_changes: list[ev.PhaseChanged] = []
        self.involvements: list[ev.OrganisationInvolved] = []
        self.consultations: dict[str, ev.ConsultationOpened] = {}
        self.consultation_feedback: dict[str, ev.ConsultationFeedbackPublished] = {}
        self.funding_opportunities: dict[str, ev.FundingOpportunityNotified] = {}
        self.timetables: list[ev.TimetablePublished] = []
        self.pqqs: dict[str, ev.PQQIssued] = {}
        self.tenders: dict[str, ev.TenderPublished] = {}
        self.bids: list[ev.BidReceived] = []
        self.awards: list[ev.Awarded] = []
        self.bidder_feedback: list[ev.BidderFeedbackGiven] = []
        self.monitoring: list[ev.MonitoringSet] = []
        self.impact_assessments: list[ev.ImpactAssessed] = []
        self.decisions: list[ev.DecommissionDecided] = []
        self.notices: list[ev.NoticeGiven] = []
        self.performance_discussions: list[ev.PerformanceDiscussed] = []
        self.reviews: list[ev.ReviewCompleted] = []
        self._reset_published()

    def withdraw(self, correction: ev.EntryCorrected) -> None:
        """Leave the corrected fact out of the state, rebuilding it from the log."""
        self.withdrawn[correction.corrects] = correction
        self._reset_facts()
        for fact in self.log:
            if fact.sequence in self.withdrawn or isinstance(
                fact, ev.EntryCorrected | ev.ExerciseOpened
            ):
                continue
            fact.apply_to(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> CommissioningExercise:
        """An independent copy of the state, made cheaply: the state is scalars and
        lists and dicts of frozen events, so copying the containers is enough for
        neither copy to see the other's later facts (a generic deep copy walked every
        field of every event: 15 ms for a 100-fact exercise, on every recording command)."""
        clone = object.__new__(type(self))
        for name, value in vars(self).items():
            setattr(clone, name, value.copy() if isinstance(value, list | dict) else value)
        memo[id(self)] = clone
        return clone

    # -- reading ----------------------------------------------------------------------

    @property
    def facts(self) -> list[ev.ExerciseEvent]:
        """The log without withdrawn facts and without the corrections themselves."""
        return [
            fact
            for fact in self.log
            if fact.sequence not in self.withdrawn and not isinstance(fact, ev.EntryCorrected)
        ]

    @property
    def is_open(self) -> bool:
        return self.status is ExerciseStatus.OPEN

    def phase_on(self, day: date) -> tuple[Phase, int]:
        """The phase and cycle the exercise was in on business date ``day``: those set by
        the last phase change (in the log's order) dated on or before it."""
        phase, cycle = Phase.ANALYSE, 1
        for change in self.phase_changes:
            if change.on <= day:
                phase, cycle = change.to_phase, change.cycle
        return phase, cycle

    def fact(self, sequence: int) -> ev.ExerciseEvent | None:
        """Fact number ``sequence``, unless it is withdrawn or there is none."""
        if not 1 <= sequence <= len(self.log) or sequence in self.withdrawn:
            return None
        return self.log[sequence - 1]

    def sector_of(self, organisation: str | None) -> Sector | None:
        """The sector the exercise's facts give ``organisation``, if any fact names it."""
        if organisation is None:
            return None
        key = " ".join(organisation.split()).casefold()

        def same(name: str | None) -> bool:
            return name is not None and " ".join(name.split()).casefold() == key

        for award in reversed(self.awards):
            if same(award.provider):
                return award.sector
        for bid in reversed(self.bids):
            if same(bid.bidder):
                return bid.sector
        for involvement in reversed(self.involvements):
            if same(involvement.organisation):
                return involvement.sector
        for decision in reversed(self.decisions):
            if same(decision.provider) and decision.sector is not None:
                return decision.sector
        return None

    def summary(self) -> dict[str, Any]:
        """The exercise's headline facts, as JSON-ready values (``show --json``)."""
        return {
            "reference": self.reference,
            "title": self.title,
            "commissioner": self.commissioner,
            "service_area": self.service_area,
            "phase": self.phase.value,
            "cycle": self.cycle,
            "value": str(self.value),
            "mechanism": self.mechanism.value,
            "regime": self.regime.value,
            "profile": self.profile,
            "authority": self.authority.value,
            "contract_kind": self.contract_kind.value,
            "status": self.status.value,
            "opened_on": self.opened_on.isoformat(),
            "events": self.version,
            "last_recorded_at": self.modified_on.isoformat(),
        }

    # -- commands ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        reference: str,
        title: str,
        commissioner: str,
        value: Decimal | str | int,
        mechanism: Mechanism | str,
        regime: Regime | str,
        profile: str,
        on: date,
        recorded_by: str,
        authority: Authority | str = Authority.SUB_CENTRAL,
        contract_kind: ContractKind | str = ContractKind.SERVICES,
        service_area: str | None = None,
        recorded_at: datetime | None = None,
    ) -> CommissioningExercise:
        """Open a new exercise in the analyse phase of its first cycle."""
        kwargs: dict[str, Any] = {
            "reference": reference,
            "title": title,
            "commissioner": commissioner,
            "service_area": service_area,
            "value": value,
            "mechanism": mechanism,
            "regime": regime,
            "profile": profile,
            "authority": authority,
            "contract_kind": contract_kind,
            "on": on,
            "recorded_by": recorded_by,
        }
        if recorded_at is not None:
            kwargs["timestamp"] = recorded_at
        try:
            return cls._create(ev.ExerciseOpened, id=exercise_id(reference), **kwargs)
        except ValidationError as error:
            raise InvalidFact(validation_sentence(error)) from None

    def _record(self, event_class: type[E], *, check_open: bool = True, **kwargs: Any) -> None:
        """Trigger an event after the checks every fact shares.

        ``recorded_at`` (optional) sets the recorded time, for imports of dated history.
        """
        if check_open:
            self._check_open()
        self._check_not_before_opening(kwargs["on"])
        recorded_at = kwargs.pop("recorded_at", None)
        if recorded_at is not None:
            kwargs["timestamp"] = recorded_at
        try:
            self.trigger_event(event_class, **kwargs)
        except ValidationError as error:
            raise InvalidFact(validation_sentence(error)) from None

    def _check_open(self) -> None:
        if self.status is not ExerciseStatus.OPEN:
            raise InvariantViolated(
                f"Exercise {self.reference} is {self.status.value}; nothing more can be "
                "recorded on it."
            )

    def _check_not_before_opening(self, on: date) -> None:
        if on < self.opened_on:
            raise InvalidFact(
                f"{on.isoformat()} is before exercise {self.reference} was opened "
                f"({self.opened_on.isoformat()})."
            )

    @staticmethod
    def _check_order(first: date, second: date, sentence: str) -> None:
        if not second > first:
            raise InvalidFact(sentence)

    def advance(
        self,
        to_phase: Phase | str,
        *,
        on: date,
        recorded_by: str,
        reason: str | None = None,
        **extra: Any,
    ) -> None:
        """Move to another phase: forward one step, or back to an earlier one with a reason.

        Review leads to analyse, which starts the next cycle.
        """
        self._check_open()
        try:
            target = Phase(to_phase)
        except ValueError:
            raise InvalidFact(
                f"'{to_phase}' is not a phase; use one of "
                f"{', '.join(p.value for p in PHASE_ORDER)}."
            ) from None
        if target is self.phase:
            raise InvariantViolated(f"Exercise {self.reference} is already in the {target} phase.")
        cycle = self.cycle
        if target is self.phase.next:
            if target is Phase.ANALYSE:
                cycle += 1
        elif target.position < self.phase.position:
            if not (reason and reason.strip()):
                raise InvariantViolated(
                    f"Going back from {self.phase} to {target} needs a reason (--reason)."
                )
        else:
            raise InvariantViolated(
                f"Exercise {self.reference} cannot skip from {self.phase} to {target}; "
                f"the next phase is {self.phase.next}."
            )
        self._record(
            ev.PhaseChanged,
            from_phase=self.phase,
            to_phase=target,
            cycle=cycle,
            reason=reason,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def involve(
        self,
        *,
        organisation: str,
        sector: Sector | str,
        activity: Activity | str,
        on: date,
        recorded_by: str,
        phase: Phase | str | None = None,
        note: str | None = None,
        **extra: Any,
    ) -> None:
        """Record that an organisation took part: in the phase (and cycle) the exercise was
        in on the business date ``on``, unless ``phase`` is given."""
        on_phase, on_cycle = self.phase_on(on)
        self._record(
            ev.OrganisationInvolved,
            organisation=organisation,
            sector=sector,
            activity=activity,
            phase=phase if phase is not None else on_phase,
            cycle=on_cycle,
            note=note,
            phase_given=phase is not None,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def consult(
        self,
        *,
        opens: date,
        closes: date,
        recorded_by: str,
        on: date | None = None,
        consultation: str | None = None,
        subject: str | None = None,
        shorter_reason: str | None = None,
        **extra: Any,
    ) -> str:
        """Record a consultation; returns its identifier (``C1``, ``C2``... unless given)."""
        self._check_order(
            opens,
            closes,
            f"A consultation must close after it opens ({closes.isoformat()} is not after "
            f"{opens.isoformat()}).",
        )
        name = consultation or f"C{len(self.consultations) + 1}"
        if name in self.consultations:
            raise InvariantViolated(
                f"Exercise {self.reference} already has a consultation called {name}."
            )
        self._record(
            ev.ConsultationOpened,
            consultation=name,
            subject=subject,
            opens=opens,
            closes=closes,
            shorter_reason=shorter_reason,
            on=on or opens,
            recorded_by=recorded_by,
            **extra,
        )
        return name

    def _only_consultation(self, consultation: str | None) -> str:
        if consultation:
            if consultation not in self.consultations:
                raise InvariantViolated(
                    f"Exercise {self.reference} has no consultation called {consultation}."
                )
            return consultation
        if not self.consultations:
            raise InvariantViolated(f"Exercise {self.reference} has no consultation yet.")
        if len(self.consultations) > 1:
            raise InvariantViolated(
                f"Exercise {self.reference} has several consultations; name one with "
                f"--consultation ({', '.join(self.consultations)})."
            )
        return next(iter(self.consultations))

    def publish_consultation_feedback(
        self,
        *,
        on: date,
        recorded_by: str,
        consultation: str | None = None,
        summary: str | None = None,
        **extra: Any,
    ) -> None:
        name = self._only_consultation(consultation)
        opened = self.consultations[name]
        if on < opened.opens:
            raise InvalidFact(
                f"Feedback on consultation {name} cannot be published before it opened "
                f"({opened.opens.isoformat()})."
            )
        self._record(
            ev.ConsultationFeedbackPublished,
            consultation=name,
            summary=summary,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def notify_funding(
        self,
        *,
        deadline: date,
        on: date,
        recorded_by: str,
        opportunity: str | None = None,
        value: Decimal | str | None = None,
        shorter_reason: str | None = None,
        **extra: Any,
    ) -> str:
        self._check_order(
            on,
            deadline,
            f"An application deadline must fall after the funding was notified "
            f"({deadline.isoformat()} is not after {on.isoformat()}).",
        )
        name = opportunity or f"F{len(self.funding_opportunities) + 1}"
        if name in self.funding_opportunities:
            raise InvariantViolated(
                f"Exercise {self.reference} already has a funding opportunity called {name}."
            )
        self._record(
            ev.FundingOpportunityNotified,
            opportunity=name,
            deadline=deadline,
            value=value,
            shorter_reason=shorter_reason,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )
        return name

    def publish_timetable(
        self,
        *,
        on: date,
        recorded_by: str,
        tender_deadline: date | None = None,
        award_by: date | None = None,
        where: str | None = None,
        **extra: Any,
    ) -> None:
        for label, day in (("tender deadline", tender_deadline), ("award date", award_by)):
            if day is not None:
                self._check_order(
                    on,
                    day,
                    f"The timetable's {label} must fall after it is published "
                    f"({day.isoformat()} is not after {on.isoformat()}).",
                )
        self._record(
            ev.TimetablePublished,
            tender_deadline=tender_deadline,
            award_by=award_by,
            where=where,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def issue_pqq(
        self, *, on: date, recorded_by: str, pqq: str | None = None, **requirements: Any
    ) -> str:
        name = pqq or f"Q{len(self.pqqs) + 1}"
        if name in self.pqqs:
            raise InvariantViolated(f"Exercise {self.reference} already has a PQQ called {name}.")
        self._record(ev.PQQIssued, pqq=name, on=on, recorded_by=recorded_by, **requirements)
        return name

    def publish_tender(
        self,
        *,
        on: date,
        recorded_by: str,
        tender: str | None = None,
        closes: date | None = None,
        **extra: Any,
    ) -> str:
        if closes is not None:
            self._check_order(
                on,
                closes,
                f"A tender must close after it is published ({closes.isoformat()} is not "
                f"after {on.isoformat()}).",
            )
        name = tender or f"T{len(self.tenders) + 1}"
        if name in self.tenders:
            raise InvariantViolated(
                f"Exercise {self.reference} already has a tender called {name}."
            )
        self._record(
            ev.TenderPublished,
            tender=name,
            closes=closes,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )
        return name

    def receive_bid(
        self,
        *,
        bidder: str,
        sector: Sector | str,
        on: date,
        recorded_by: str,
        value: Decimal | str | None = None,
        **extra: Any,
    ) -> None:
        self._record(
            ev.BidReceived,
            bidder=bidder,
            sector=sector,
            value=value,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def award(
        self,
        *,
        provider: str,
        sector: Sector | str,
        value: Decimal | str,
        starts: date,
        ends: date,
        on: date,
        recorded_by: str,
        payment_terms: str | None = None,
        term_reason: str | None = None,
        **extra: Any,
    ) -> None:
        self._check_order(
            starts,
            ends,
            f"An award must end after it starts ({ends.isoformat()} is not after "
            f"{starts.isoformat()}).",
        )
        self._record(
            ev.Awarded,
            provider=provider,
            sector=sector,
            value=value,
            starts=starts,
            ends=ends,
            payment_terms=payment_terms,
            term_reason=term_reason,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def give_bidder_feedback(
        self, *, bidder: str, on: date, recorded_by: str, **extra: Any
    ) -> None:
        self._record(ev.BidderFeedbackGiven, bidder=bidder, on=on, recorded_by=recorded_by, **extra)

    def set_monitoring(
        self,
        *,
        requirements: str,
        on: date,
        recorded_by: str,
        reports_per_year: int | None = None,
        indicators: int | None = None,
        justification: str | None = None,
        provider: str | None = None,
        **extra: Any,
    ) -> None:
        """Record monitoring set for ``provider``'s funded service; naming the provider is
        needed when the exercise funds more than one (proportion is to its funding)."""
        self._check_open()
        if provider is None:
            funded = {
                " ".join(a.provider.split()).casefold(): a.provider
                for a in self.awards
                if a.on <= on
            }
            if len(funded) > 1:
                raise InvalidFact(
                    f"Exercise {self.reference} funds {len(funded)} providers "
                    f"({', '.join(sorted(funded.values()))}); name the one monitored with "
                    "--provider."
                )
        self._record(
            ev.MonitoringSet,
            requirements=requirements,
            provider=provider,
            reports_per_year=reports_per_year,
            indicators=indicators,
            justification=justification,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def assess_impact(
        self, *, on: date, recorded_by: str, summary: str | None = None, **extra: Any
    ) -> None:
        self._record(ev.ImpactAssessed, summary=summary, on=on, recorded_by=recorded_by, **extra)

    def decide_decommission(
        self,
        *,
        change: FundingChange | str,
        effective: date,
        reason: str,
        on: date,
        recorded_by: str,
        provider: str | None = None,
        sector: Sector | str | None = None,
        all_vcs_providers: bool = False,
        new_value: Decimal | str | None = None,
        poor_performance: bool = False,
        **extra: Any,
    ) -> None:
        """Record a decision to reduce or end funding from ``effective`` (the first day
        without it, or with less), affecting ``provider`` or every current VCS provider."""
        self._check_open()
        self._check_order(
            on,
            effective,
            f"Funding can only be reduced or ended after the decision to do so "
            f"({effective.isoformat()} is not after {on.isoformat()}).",
        )
        if provider is not None and not provider.strip():
            provider = None
        if provider is None and not all_vcs_providers:
            raise InvalidFact(
                "Say whom the decision affects: name the provider with --provider, or give "
                "--all-vcs-providers if it affects every current VCS provider."
            )
        if provider is not None and all_vcs_providers:
            raise InvalidFact(
                "A decision affects either the provider named with --provider or every "
                "current VCS provider (--all-vcs-providers), not both."
            )
        if provider is not None and sector is None:
            sector = self.sector_of(provider)
            if sector is None:
                raise InvalidFact(
                    f"No fact on exercise {self.reference} gives the sector of {provider}; "
                    "give it with --sector (vcs, public or private)."
                )
        if all_vcs_providers and sector is not None:
            raise InvalidFact(
                "--sector goes with --provider; a decision on every current VCS provider "
                "is about the VCS."
            )
        self._record(
            ev.DecommissionDecided,
            change=change,
            effective=effective,
            reason=reason,
            provider=provider,
            sector=sector,
            all_vcs_providers=all_vcs_providers,
            new_value=new_value,
            poor_performance=poor_performance,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def give_notice(
        self,
        *,
        to: str,
        effective: date,
        in_writing: bool,
        on: date,
        recorded_by: str,
        rationale: str | None = None,
        exceptional_circumstances: str | None = None,
        improvement_timetable_agreed: bool = False,
        for_decisions: Sequence[int] | None = None,
        for_awards: Sequence[int] | None = None,
        **extra: Any,
    ) -> None:
        """Record notice, given on ``on``, of reducing or ending funding from ``effective``
        (the first day without it, or with less). ``for_decisions`` and ``for_awards`` name
        the decisions and the awards running out it gives notice of, by fact number."""
        self._check_open()
        self._check_order(
            on,
            effective,
            f"A notice must take effect after it is given ({effective.isoformat()} is not "
            f"after {on.isoformat()}).",
        )
        decisions = tuple(dict.fromkeys(for_decisions or ()))
        awards = tuple(dict.fromkeys(for_awards or ()))
        for number in decisions:
            decision = self.fact(number)
            if not isinstance(decision, ev.DecommissionDecided):
                raise InvalidFact(
                    f"Exercise {self.reference} has no decision #{number} to give notice of "
                    "(see 'ctrack history')."
                )
            if decision.provider is not None and not _same_name(decision.provider, to):
                raise InvalidFact(
                    f"Decision #{number} is about {decision.provider}, not {to}; one notice "
                    "gives notice to one organisation."
                )
        for number in awards:
            award = self.fact(number)
            if not isinstance(award, ev.Awarded):
                raise InvalidFact(
                    f"Exercise {self.reference} has no award #{number} to give notice of "
                    "(see 'ctrack history')."
                )
            if not _same_name(award.provider, to):
                raise InvalidFact(
                    f"Award #{number} is to {award.provider}, not {to}; one notice gives "
                    "notice to one organisation."
                )
        if decisions:
            extra["for_decisions"] = decisions
        if awards:
            extra["for_awards"] = awards
        self._record(
            ev.NoticeGiven,
            to=to,
            effective=effective,
            in_writing=in_writing,
            rationale=rationale,
            exceptional_circumstances=exceptional_circumstances,
            improvement_timetable_agreed=improvement_timetable_agreed,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def discuss_performance(
        self,
        *,
        provider: str,
        on: date,
        recorded_by: str,
        timetable_agreed: bool = False,
        summary: str | None = None,
        **extra: Any,
    ) -> None:
        """Record that poor performance was discussed with ``provider`` (and whether a
        timetable of actions to improve was agreed): due before ending funding for it."""
        self._record(
            ev.PerformanceDiscussed,
            provider=provider,
            timetable_agreed=timetable_agreed,
            summary=summary,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def complete_review(
        self,
        *,
        on: date,
        recorded_by: str,
        summary: str | None = None,
        outcome: str | None = None,
        **extra: Any,
    ) -> None:
        self._record(
            ev.ReviewCompleted,
            summary=summary,
            outcome=outcome,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def correct(
        self, *, corrects: int, reason: str, on: date, recorded_by: str, **extra: Any
    ) -> None:
        """Withdraw an earlier fact recorded in error (the fact itself stays in the log)."""
        if not 1 < corrects <= self.version:
            raise InvalidFact(
                f"Exercise {self.reference} has no fact #{corrects} that can be corrected "
                f"(facts #2 to #{self.version} can)."
            )
        target = self.log[corrects - 1]
        if isinstance(target, ev.EntryCorrected):
            raise InvariantViolated(f"Fact #{corrects} is itself a correction.")
        if isinstance(target, ev.HistoryMigrated):
            raise InvariantViolated(
                f"Fact #{corrects} records how facts were migrated; it cannot be withdrawn."
            )
        if corrects in self.withdrawn:
            raise InvariantViolated(f"Fact #{corrects} was already corrected.")
        if isinstance(target, ev.PhaseChanged) and target is not (
            self.phase_changes[-1] if self.phase_changes else None
        ):
            raise InvariantViolated(
                f"Fact #{corrects} is not the latest phase change; correct the later ones first."
            )
        closing = isinstance(target, ev.ExerciseClosed | ev.ExerciseCancelled)
        self._record(
            ev.EntryCorrected,
            check_open=not closing,
            corrects=corrects,
            reason=reason,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def close(self, *, on: date, recorded_by: str, reason: str | None = None, **extra: Any) -> None:
        self._record(ev.ExerciseClosed, reason=reason, on=on, recorded_by=recorded_by, **extra)

    def cancel(self, *, reason: str, on: date, recorded_by: str, **extra: Any) -> None:
        self._record(ev.ExerciseCancelled, reason=reason, on=on, recorded_by=recorded_by, **extra)

    def record_migration(
        self, *, first: int, on: date, recorded_by: str, source: str | None = None
    ) -> None:
        """Record that facts ``first`` to the latest were migrated with their original
        recorded times (by ``recorded_by``, now); allowed on a closed exercise too."""
        if not 1 <= first <= self.version:
            raise InvalidFact(f"Exercise {self.reference} has no fact #{first} to migrate.")
        self._record(
            ev.HistoryMigrated,
            check_open=False,
            first=first,
            last=self.version,
            source=source,
            on=max(on, self.opened_on),
            recorded_by=recorded_by,
        )


__all__ = [
    "CommissioningExercise",
    "FundingChange",
    "exercise_id",
    "normalise_reference",
]
