"""Notice of reducing or ending funding: ``notice-period``, ``-in-writing``, ``-rationale``.

"Agree to give a minimum of three months' notice in writing when changing or ending a
funding relationship or other support, apart for in exceptional circumstances, and provide
a clear rationale for why the decision has been taken" (seed 000 s.6; seed 002 principle 11,
seed 003 s.4, seed 004 3.4.2).

**Whom it protects.** The commitment is owed to voluntary and community organisations
(seed 000 s.6, "in the case of voluntary and community sector organisations"; seed 002
principle 11, "to all VCS organisations"). A decision about a public or private provider,
an award to one running out, and a notice to one are not-applicable.

**Dates.** An award's ``ends`` is its last funded day: funding stops from the next day. A
decision's and a notice's ``effective`` is the first day without the funding (or with less
of it). A notice period runs from the day notice is given to that first unfunded (or
reduced) day: notice given 30 November allows funding to stop from 28 February.

**Funding ends** are the decisions (each affecting one named provider, or every current VCS
provider) and, where the profile does not exempt "a previously defined end date", awards to
VCS organisations running out (seed 000's Important Note: a contract "coming to an end and
[that] will not be renewed" needs notice too). An award's end is set aside when the award is
renewed (a later award to the same provider starts by the day after it ends) or a decision
ends the same funding earlier or on that day. Leicestershire's exception (seed 002 principle
11) covers a decision that ends funding on the award's own previously agreed end date too.

**Which notice serves which end.** A notice names what it gives notice of (decisions and
awards, by fact number); one letter may serve several ends for its organisation, and a
notice of intention given before the decision counts. A notice naming nothing is matched by
inference, and its checks say so: same organisation (a decision on every VCS provider
matches any VCS organisation) and either (1) taking effect on exactly that day, or, failing
that, (2) given on or after the decision or award and before the day; the nearest such.
A named notice is judged from the day given to the day the change takes effect; an inferred
one to the earlier of that and the notice's own date (the date the organisation was told).

A funding end no notice serves is *pending*: due on the last day 3 months' notice can still
be given, at-risk ``at_risk_days`` before, a breach after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from commission_tracker.aggregates.events import (
    Awarded,
    DecommissionDecided,
    ExerciseEvent,
    NoticeGiven,
)
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import FundingChange, Sector
from commission_tracker.rules.common import (
    evidence,
    not_applicable,
    pending,
    quoted,
    same_organisation,
    settled,
)
from commission_tracker.rules.dates import (
    add_months,
    describe_period,
    last_day_for_months,
    long_date,
    months_and_days,
)
from commission_tracker.rules.model import Check, Evidence, Status
from commission_tracker.rules.profiles import Profile, Terms

NOTICE_PERIOD = "notice-period"
NOTICE_IN_WRITING = "notice-in-writing"
NOTICE_RATIONALE = "notice-rationale"
EVERY_VCS_PROVIDER = "every current VCS provider"
OWED_TO_VCS = "the Compact's notice commitment is to voluntary and community organisations"


def notice_subject(notice: NoticeGiven) -> str:
    return f"notice #{notice.sequence} to {notice.to}"


def decision_recipient(decision: DecommissionDecided) -> str | None:
    return EVERY_VCS_PROVIDER if decision.all_vcs_providers else decision.provider


def decision_subject(decision: DecommissionDecided) -> str:
    verb = "reduce" if decision.change is FundingChange.REDUCE else "end"
    recipient = decision_recipient(decision)
    to = f" to {recipient}" if recipient else ""
    return f"decision #{decision.sequence} to {verb} funding{to}"


def award_subject(award: Awarded) -> str:
    return f"award #{award.sequence} to {award.provider}"


def first_unfunded_day(award: Awarded) -> date:
    """An award's ``ends`` is its last funded day; funding stops from the next."""
    return award.ends + timedelta(days=1)


def is_vcs(sector: Sector | None) -> bool:
    """Whether the Compact's commitments to the VCS are owed (an unknown sector, only on
    facts recorded before sectors were asked for, is given the VCS's protection)."""
    return sector is None or sector is Sector.VCS


def decision_sector(
    exercise: CommissioningExercise, decision: DecommissionDecided
) -> Sector | None:
    """The sector of the provider a decision affects (VCS for every VCS provider)."""
    if decision.all_vcs_providers:
        return Sector.VCS
    return decision.sector or exercise.sector_of(decision.provider)


@dataclass(frozen=True, eq=False)
class FundingEnd:
    """A day from which funding to an organisation is reduced or ends: what notice is for."""

    on: date
    """The first day without the funding (or with less of it)."""
    recipient: str | None
    """The organisation affected; ``None`` for every current VCS provider."""
    sector: Sector | None
    decision: DecommissionDecided | None = None
    award: Awarded | None = None
    """Set when the funding ends because the award runs out (a previously defined end date)."""
    agreed_end: Awarded | None = None
    """For a decision ending funding on an award's own end date: that award."""
    split: bool = False
    """One of the ends a decision about every current VCS provider makes, one a provider:
    each provider is owed its own notice."""

    @property
    def fact(self) -> ExerciseEvent:
        fact = self.decision or self.award
        assert fact is not None
        return fact

    @property
    def owed(self) -> bool:
        return is_vcs(self.sector)

    @property
    def subject(self) -> str:
        if self.decision is not None and self.split:
            verb = "reduce" if self.decision.change is FundingChange.REDUCE else "end"
            return (
                f"decision #{self.decision.sequence} to {verb} funding to {self.recipient} "
                "(every current VCS provider)"
            )
        if self.decision is not None:
            return decision_subject(self.decision)
        assert self.award is not None
        return f"{award_subject(self.award)} ending {self.award.ends.isoformat()}"

    @property
    def short(self) -> str:
        """``decision #5``, ``award #3``."""
        if self.decision is not None:
            return f"decision #{self.decision.sequence}"
        return f"award #{self.fact.sequence}"

    @property
    def reduces(self) -> bool:
        return self.decision is not None and self.decision.change is FundingChange.REDUCE

    def organisation(self) -> str:
        return self.recipient or EVERY_VCS_PROVIDER

    def what(self) -> str:
        """``funding stops from 1 April 2027``, ``the award to X ends on ...``."""
        if self.award is not None:
            return (
                f"the award to {self.award.provider} ends on {long_date(self.award.ends)} "
                f"(funding stops from {long_date(self.on)})"
            )
        if self.reduces:
            return f"funding is reduced from {long_date(self.on)}"
        return f"funding stops from {long_date(self.on)}"

    def evidence(self) -> Evidence:
        if self.decision is not None:
            d = self.decision
            recipient = decision_recipient(d)
            return evidence(
                d,
                f"decided to {'reduce' if self.reduces else 'end'} funding"
                f"{' to ' + recipient if recipient else ''} from {d.effective.isoformat()}: "
                f"{d.reason}",
            )
        assert self.award is not None
        a = self.award
        return evidence(
            a,
            f"awarded to {a.provider} ({a.sector}) from {a.starts} to {a.ends.isoformat()} "
            "(last funded day)",
        )


@dataclass(frozen=True)
class NoticeMap:
    """The exercise's funding ends, award ends set aside (and why), and which notices serve
    which ends."""

    ends: tuple[FundingEnd, ...]
    set_aside: tuple[tuple[Awarded, str, tuple[Evidence, ...]], ...]
    served: dict[int, tuple[FundingEnd, ...]] = field(default_factory=dict)
    """Notice sequence number -> the funding ends that notice serves."""
    inferred: dict[int, str] = field(default_factory=dict)
    """Notice sequence number -> why it was taken to serve its end, for notices that name
    nothing."""

    def is_served(self, end: FundingEnd) -> bool:
        return any(end in ends for ends in self.served.values())

    def notices_for(self, end: FundingEnd) -> list[int]:
        return [number for number, ends in self.served.items() if end in ends]


def _set_aside_reason(
    exercise: CommissioningExercise, award: Awarded
) -> tuple[str, tuple[Evidence, ...], DecommissionDecided | None] | None:
    """Why an award's own end needs no notice check, if it needs none (and the decision
    that ends it instead, if that is why)."""
    if award.sector is not Sector.VCS:
        return (
            f"{award.provider} is a {award.sector}-sector provider; {OWED_TO_VCS}.",
            (),
            None,
        )
    stops = first_unfunded_day(award)
    for later in exercise.awards:
        if (
            later is not award
            and same_organisation(later.provider, award.provider)
            and award.starts <= later.starts <= stops
            and later.ends > award.ends
        ):
            return (
                f"The award to {award.provider} ending {long_date(award.ends)} is renewed by "
                f"award #{later.sequence}, running to {long_date(later.ends)}.",
                (evidence(later, f"renewed to {later.ends.isoformat()}"),),
                None,
            )
    for decision in exercise.decisions:
        if (
            decision.change is FundingChange.END
            and _affects(exercise, decision, award.provider)
            and decision.on >= award.on
            and decision.effective <= stops
        ):
            return (
                f"Funding to {award.provider} stops from {long_date(decision.effective)} by "
                f"decision #{decision.sequence}; see that check.",
                (evidence(decision, f"ends funding from {decision.effective.isoformat()}"),),
                decision,
            )
    return None


def _affects(exercise: CommissioningExercise, decision: DecommissionDecided, org: str) -> bool:
    if decision.all_vcs_providers:
        return is_vcs(exercise.sector_of(org))
    return decision.provider is not None and same_organisation(decision.provider, org)


def _current_vcs_providers(
    exercise: CommissioningExercise, decision: DecommissionDecided
) -> list[str]:
    """The VCS providers funded on the last day before a decision takes effect, each
    once, in the order of their awards (whom a decision about every one affects)."""
    last_funded = decision.effective - timedelta(days=1)
    providers: list[str] = []
    for award in exercise.awards:
        current = award.sector is Sector.VCS and award.starts <= last_funded <= award.ends
        if current and not any(same_organisation(award.provider, p) for p in providers):
            providers.append(award.provider)
    return providers


def _agreed_end(
    exercise: CommissioningExercise, decision: DecommissionDecided, provider: str | None = None
) -> Awarded | None:
    """The award whose own end date (agreed when it was made) the decision ends funding on
    (for ``provider``'s awards only, when given)."""
    if decision.change is not FundingChange.END:
        return None
    last_funded = decision.effective - timedelta(days=1)
    if provider is not None:
        current = [
            a
            for a in exercise.awards
            if same_organisation(a.provider, provider) and a.starts <= last_funded <= a.ends
        ]
    elif decision.all_vcs_providers:
        current = [
            a
            for a in exercise.awards
            if a.sector is Sector.VCS and a.starts <= last_funded <= a.ends
        ]
    else:
        current = [
            a
            for a in exercise.awards
            if _affects(exercise, decision, a.provider) and a.starts <= last_funded <= a.ends
        ]
    if current and all(a.ends == last_funded and a.on <= decision.on for a in current):
        return min(current, key=lambda a: a.sequence)
    return None


def _serves_inferred(exercise: CommissioningExercise, end: FundingEnd, notice: NoticeGiven) -> bool:
    if end.recipient is None:
        return is_vcs(exercise.sector_of(notice.to))
    return same_organisation(end.recipient, notice.to)


def funding_ends(exercise: CommissioningExercise) -> NoticeMap:
    """Every funding end of the exercise and the notices serving each."""
    ends: list[FundingEnd] = []
    by_decision: dict[int, list[FundingEnd]] = {}
    for d in exercise.decisions:
        providers = _current_vcs_providers(exercise, d) if d.all_vcs_providers else []
        if providers:
            # Every current VCS provider is owed its own notice.
            made = [
                FundingEnd(
                    on=d.effective,
                    recipient=provider,
                    sector=Sector.VCS,
                    decision=d,
                    agreed_end=_agreed_end(exercise, d, provider),
                    split=True,
                )
                for provider in providers
            ]
        else:
            made = [
                FundingEnd(
                    on=d.effective,
                    recipient=None if d.all_vcs_providers else d.provider,
                    sector=decision_sector(exercise, d),
                    decision=d,
                    agreed_end=_agreed_end(exercise, d),
                )
            ]
        ends.extend(made)
        by_decision[d.sequence] = made
    by_award: dict[int, list[FundingEnd]] = {}
    set_aside = []
    for award in exercise.awards:
        reason = _set_aside_reason(exercise, award)
        if reason is None:
            end = FundingEnd(
                on=first_unfunded_day(award),
                recipient=award.provider,
                sector=award.sector,
                award=award,
            )
            ends.append(end)
            by_award[award.sequence] = [end]
        else:
            text, facts, decision = reason
            set_aside.append((award, text, facts))
            if decision is not None:
                by_award[award.sequence] = by_decision[decision.sequence]
    served: dict[int, tuple[FundingEnd, ...]] = {}
    for notice in exercise.notices:
        if notice.names_what_it_serves:
            named = [e for n in notice.for_decisions for e in by_decision.get(n, [])]
            named += [e for n in notice.for_awards for e in by_award.get(n, [])]
            # A letter about a decision on every VCS provider serves its addressee's end.
            named = [e for e in named if not e.split or same_organisation(e.recipient, notice.to)]
            served[notice.sequence] = tuple(dict.fromkeys(named))
    claimed = {end for named in served.values() for end in named}
    # Decisions first: an explicit decision is a stronger claim on a notice than a run-out.
    ends.sort(key=lambda end: (end.award is not None, end.on, end.fact.sequence))
    free = [notice for notice in exercise.notices if not notice.names_what_it_serves]
    inferred: dict[int, str] = {}
    for end in ends:
        if end in claimed:
            continue
        for notice in free:
            if notice.effective == end.on and _serves_inferred(exercise, end, notice):
                served[notice.sequence] = (end,)
                inferred[notice.sequence] = (
                    f"inferred to serve {end.short}: notice to the same organisation, taking "
                    "effect the same day"
                )
                free.remove(notice)
                claimed.add(end)
                break
    for end in ends:
        if end in claimed:
            continue
        candidates = [
            notice
            for notice in free
            if _serves_inferred(exercise, end, notice) and end.fact.on <= notice.on < end.on
        ]
        if candidates:
            notice = min(candidates, key=lambda n: (abs((n.effective - end.on).days), n.sequence))
            served[notice.sequence] = (end,)
            inferred[notice.sequence] = (
                f"inferred to serve {end.short}: notice to the same organisation, given after "
                "it and before funding changed"
            )
            free.remove(notice)
            claimed.add(end)
    return NoticeMap(tuple(ends), tuple(set_aside), served, inferred)


def _exempt(end: FundingEnd | None, terms: Terms) -> bool:
    """No notice is needed: funding ends on the end date set when the award was made."""
    return (
        end is not None
        and (end.award is not None or end.agreed_end is not None)
        and terms.notice_exempt_previously_defined_end_date
    )


def _exempt_message(profile: Profile, end: FundingEnd) -> str:
    if end.award is None and end.agreed_end is not None:
        return (
            f"No notice is needed under {profile.title}: {end.subject} ends funding on the end "
            f"date award #{end.agreed_end.sequence} set when it was made (last funded day "
            f"{long_date(end.agreed_end.ends)}), a previously defined end date."
        )
    return (
        f"No notice is needed under {profile.title}: {end.what()}, the end date set when it "
        "was made (a previously defined end date)."
    )


def _not_owed_message(end: FundingEnd) -> str:
    return f"{end.organisation()} is a {end.sector}-sector provider; {OWED_TO_VCS}."


def _notice_evidence(notice: NoticeGiven, inferred: str | None = None) -> Evidence:
    parts = [
        f"notice to {notice.to}, effective {notice.effective.isoformat()}",
        "in writing" if notice.in_writing else "not in writing",
    ]
    if notice.rationale:
        parts.append(f"rationale {quoted(notice.rationale)}")
    if notice.exceptional_circumstances:
        parts.append(f"exceptional circumstances {quoted(notice.exceptional_circumstances)}")
    named = [f"decision #{n}" for n in notice.for_decisions]
    named += [f"award #{n}" for n in notice.for_awards]
    if named:
        parts.append(f"gives notice of {', '.join(named)}")
    if inferred:
        parts.append(inferred)
    return evidence(notice, ", ".join(parts))


def _change_words(end: FundingEnd | None) -> str:
    if end is None:
        return "reducing or ending its funding"
    return "reducing its funding" if end.reduces else "ending its funding"


def _period_subject(notice: NoticeGiven, end: FundingEnd | None, several: bool) -> str:
    subject = notice_subject(notice)
    return f"{subject} ({end.short})" if several and end is not None else subject


def _notice_period_check(
    exercise: CommissioningExercise,
    profile: Profile,
    notice: NoticeGiven,
    end: FundingEnd | None,
    *,
    subject: str,
    inferred: str | None,
) -> Check:
    terms = profile.terms_on(notice.on)
    months = terms.notice_months
    facts = [_notice_evidence(notice, inferred)] + ([end.evidence()] if end else [])
    measured = notice.effective
    note = ""
    if end is not None and (not inferred or end.on < notice.effective):
        # Judged to the day the change really takes effect, whatever the letter said.
        measured = end.on
        if end.on != notice.effective:
            said = long_date(notice.effective)
            note = f" (the day {end.short} takes effect; the notice said {said})"
    earliest = add_months(notice.on, months)
    whole, days = months_and_days(notice.on, measured)
    period = describe_period(whole, days)
    figures = {
        "required": months,
        "actual": period,
        "unit": "months",
        "actual_months": whole,
        "actual_days": days,
        "given": notice.on.isoformat(),
        "effective": measured.isoformat(),
        "earliest_compliant_effective": earliest.isoformat(),
        "serves": end.subject if end else None,
        "matched": "inferred" if inferred else ("named" if end is not None else None),
        "notice": notice.sequence,
    }
    if inferred:
        figures["inferred_from"] = inferred
    opening = (
        f"Notice given to {notice.to} on {long_date(notice.on)} of {_change_words(end)} from "
        f"{long_date(measured)}{note} allowed"
    )
    if measured >= earliest:
        status = Status.COMPLIANT
        message = f"{opening} {period}, at least the {months} months required."
    else:
        figures["shortfall_days"] = (earliest - measured).days
        if notice.exceptional_circumstances and terms.notice_exceptional_circumstances:
            status = Status.JUSTIFIED
            message = (
                f"{opening} only {period}, less than the {months} months required; justified "
                f"by the exceptional circumstances recorded: "
                f"{quoted(notice.exceptional_circumstances)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"{opening} only {period}; {months} months' notice needs funding to continue "
                f"until at least {long_date(earliest)}."
            )
    if inferred:
        message += (
            f" The notice names nothing it gives notice of; it was {inferred} "
            "(name it with --for-decision or --for-award)."
        )
    elif end is None:
        message += " It serves no recorded decision or award."
    return settled(
        exercise,
        profile,
        NOTICE_PERIOD,
        subject=subject,
        status=status,
        message=message,
        facts=facts,
        figures=figures,
    )


def _pending_notice(
    exercise: CommissioningExercise, profile: Profile, end: FundingEnd, terms: Terms
) -> Check:
    months = terms.notice_months
    due = last_day_for_months(end.on, months)
    organisation = end.organisation()
    unless = " unless the award is renewed" if end.award is not None else ""
    return pending(
        exercise,
        profile,
        NOTICE_PERIOD,
        subject=end.subject,
        due=due,
        at_risk_days=terms.at_risk_days,
        message=(
            f"Notice to {organisation} that {end.what()} must be given in writing by "
            f"{long_date(due)}, {months} months before{unless}."
        ),
        at_risk_message=(
            f"No notice yet to {organisation} that {end.what()}: {long_date(due)} is the last "
            f"day to give {months} months' notice{unless}."
        ),
        breach_message=(
            f"No notice was given to {organisation} by {long_date(due)}, the last day for "
            f"{months} months' notice that {end.what()}"
            + (" (no renewal is recorded)." if end.award is not None else ".")
        ),
        facts=[end.evidence()],
        figures={
            "required": months,
            "unit": "months",
            "effective": end.on.isoformat(),
            "last_day_to_give_notice": due.isoformat(),
        },
    )


def _unserved_not_owed(exercise: CommissioningExercise, notice: NoticeGiven) -> str | None:
    """Why a notice serving no recorded end needs no checks, if it needs none."""
    sector = exercise.sector_of(notice.to)
    if is_vcs(sector):
        return None
    return f"{notice.to} is a {sector}-sector organisation; {OWED_TO_VCS}."


def _set_aside_for(end: FundingEnd, terms: Terms, profile: Profile) -> str | None:
    """Why no notice is owed for ``end`` under ``terms``, if none is."""
    if not end.owed:
        return _not_owed_message(end)
    if _exempt(end, terms):
        return _exempt_message(profile, end)
    return None


def notice_period(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``notice-period``: at least 3 calendar months between notice and funding ending."""
    mapping = funding_ends(exercise)
    checks: list[Check] = []
    for notice in exercise.notices:
        ends = mapping.served.get(notice.sequence, ())
        terms = profile.terms_on(notice.on)
        inferred = mapping.inferred.get(notice.sequence)
        if not ends:
            reason = _unserved_not_owed(exercise, notice)
            if reason is not None:
                checks.append(
                    not_applicable(
                        exercise,
                        profile,
                        NOTICE_PERIOD,
                        reason,
                        subject=notice_subject(notice),
                        facts=[_notice_evidence(notice)],
                    )
                )
            elif terms.notice_months == 0:
                checks.append(_no_rule(exercise, profile, notice_subject(notice)))
            else:
                checks.append(
                    _notice_period_check(
                        exercise,
                        profile,
                        notice,
                        None,
                        subject=notice_subject(notice),
                        inferred=None,
                    )
                )
            continue
        for end in ends:
            subject = _period_subject(notice, end, len(ends) > 1)
            reason = _set_aside_for(end, terms, profile)
            if reason is not None:
                checks.append(
                    not_applicable(
                        exercise,
                        profile,
                        NOTICE_PERIOD,
                        reason,
                        subject=subject,
                        facts=[_notice_evidence(notice, inferred), end.evidence()],
                    )
                )
            elif terms.notice_months == 0:
                checks.append(_no_rule(exercise, profile, subject))
            else:
                checks.append(
                    _notice_period_check(
                        exercise, profile, notice, end, subject=subject, inferred=inferred
                    )
                )
    for end in mapping.ends:
        if mapping.is_served(end):
            continue
        terms = profile.terms_on(end.fact.on)
        reason = _set_aside_for(end, terms, profile)
        if reason is not None:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    NOTICE_PERIOD,
                    reason,
                    subject=end.subject,
                    facts=[end.evidence()],
                )
            )
        elif terms.notice_months == 0:
            checks.append(_no_rule(exercise, profile, end.subject))
        else:
            checks.append(_pending_notice(exercise, profile, end, terms))
    for award, reason_text, facts in mapping.set_aside:
        checks.append(
            not_applicable(
                exercise,
                profile,
                NOTICE_PERIOD,
                reason_text,
                subject=f"{award_subject(award)} ending {award.ends.isoformat()}",
                facts=[evidence(award, f"last funded day {award.ends.isoformat()}"), *facts],
            )
        )
    if not checks:
        checks.append(
            not_applicable(
                exercise,
                profile,
                NOTICE_PERIOD,
                "No decision to reduce or end funding, no award with an end date and no notice "
                "is recorded yet.",
            )
        )
    return checks


def _no_rule(exercise: CommissioningExercise, profile: Profile, subject: str) -> Check:
    return not_applicable(
        exercise,
        profile,
        NOTICE_PERIOD,
        f"{profile.title} sets no notice period for reducing or ending funding.",
        subject=subject,
    )


def _per_notice(
    exercise: CommissioningExercise, profile: Profile, rule: str
) -> tuple[list[Check], list[tuple[NoticeGiven, tuple[FundingEnd, ...], Terms]]]:
    """Notices to judge under ``rule``, after setting aside those no notice was owed for:
    every end a notice serves is exempt or not a VCS organisation's, or it serves none and
    goes to an organisation of another sector."""
    mapping = funding_ends(exercise)
    checks: list[Check] = []
    to_judge = []
    for notice in exercise.notices:
        ends = mapping.served.get(notice.sequence, ())
        terms = profile.terms_on(notice.on)
        if ends:
            reasons = [_set_aside_for(end, terms, profile) for end in ends]
            reason = reasons[0] if all(reasons) else None
            owed = tuple(end for end, why in zip(ends, reasons, strict=True) if why is None)
        else:
            reason = _unserved_not_owed(exercise, notice)
            owed = ()
        if reason is not None:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    rule,
                    reason,
                    subject=notice_subject(notice),
                    facts=[_notice_evidence(notice), *(end.evidence() for end in ends)],
                )
            )
        else:
            to_judge.append((notice, owed, terms))
    if not exercise.notices:
        checks.append(
            not_applicable(exercise, profile, rule, "No notice of reducing or ending funding yet.")
        )
    return checks, to_judge


def notice_in_writing(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``notice-in-writing``: each notice is given in writing.

    The exception for exceptional circumstances covers the whole commitment ("notice in
    writing ..., apart for in exceptional circumstances", seed 000 s.6), so an oral notice
    recording them is `justified`.
    """
    checks, to_judge = _per_notice(exercise, profile, NOTICE_IN_WRITING)
    for notice, _ends, terms in to_judge:
        opening = f"Notice to {notice.to} on {long_date(notice.on)} was"
        if notice.in_writing:
            status, message = Status.COMPLIANT, f"{opening} given in writing."
        elif notice.exceptional_circumstances and terms.notice_exceptional_circumstances:
            status = Status.JUSTIFIED
            message = (
                f"{opening} not in writing, justified by the exceptional circumstances "
                f"recorded: {quoted(notice.exceptional_circumstances)}."
            )
        else:
            status = Status.BREACH
            message = f"{opening} not given in writing; the Compact asks for written notice."
        checks.append(
            settled(
                exercise,
                profile,
                NOTICE_IN_WRITING,
                subject=notice_subject(notice),
                status=status,
                message=message,
                facts=[_notice_evidence(notice)],
                figures={
                    "required": True,
                    "actual": notice.in_writing,
                    "unit": "in writing",
                    "notice": notice.sequence,
                },
            )
        )
    return checks


def notice_rationale(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``notice-rationale``: each notice gives the reasons for the decision.

    No exception applies: the seeds ask for a clear rationale even where exceptional
    circumstances shorten the notice ("apart from in exceptional circumstances, and provide
    a clear rationale", seed 003 s.4).
    """
    checks, to_judge = _per_notice(exercise, profile, NOTICE_RATIONALE)
    for notice, ends, _terms in to_judge:
        facts = [_notice_evidence(notice)]
        if notice.rationale:
            status = Status.COMPLIANT
            message = (
                f"Notice to {notice.to} on {long_date(notice.on)} gave its reasons: "
                f"{quoted(notice.rationale)}."
            )
        else:
            status = Status.BREACH
            message = (
                f"Notice to {notice.to} on {long_date(notice.on)} gave no reasons for the "
                "decision; the Compact asks for a clear rationale."
            )
            for end in ends:
                if end.decision is not None:
                    facts.append(end.evidence())
                    message += f" (The decision recorded: {quoted(end.decision.reason)}.)"
        checks.append(
            settled(
                exercise,
                profile,
                NOTICE_RATIONALE,
                subject=notice_subject(notice),
                status=status,
                message=message,
                facts=facts,
                figures={
                    "required": True,
                    "actual": bool(notice.rationale),
                    "unit": "reasons given",
                },
            )
        )
    return checks
