"""Notice of reducing or ending funding: ``notice-period``, ``-in-writing``, ``-rationale``.

"Agree to give a minimum of three months' notice in writing when changing or ending a
funding relationship or other support, apart for in exceptional circumstances, and provide
a clear rationale for why the decision has been taken" (seed 000 s.6; seed 002 principle 11,
seed 003 s.4, seed 004 3.4.2).

**Funding ends** on a decision's ``effective`` date (``DecommissionDecided``) or, where the
profile does not exempt "a previously defined end date", on an award's own ``ends`` date
(seed 000's Important Note: a contract "coming to an end and [that] will not be renewed"
needs notice too). An award's end is set aside when the award is renewed (a later award to
the same provider starts by the day after it ends), when a decision ends the same funding
earlier, or when the provider is not a VCS organisation (the commitment is to the VCS).

**Matching notices to funding ends.** A notice serves a funding end when it goes to the
same organisation (names compared without regard to case; a decision naming no provider
matches any) and either (1) takes effect on exactly that end date, or, failing any such
notice, (2) was given on or after the decision or award and before the end date; among
several, the one whose effective date is nearest. Decisions are matched before award ends,
each notice serves at most one end. The period is measured from the day notice was given
to the earlier of the notice's effective date and the end it serves: the date the
organisation actually had to plan for.

Every notice is checked on its own period. A funding end no notice serves is *pending*:
due on the last day 3 months' notice can still be given, at-risk ``at_risk_days`` before,
a breach after.
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


def notice_subject(notice: NoticeGiven) -> str:
    return f"notice #{notice.sequence} to {notice.to}"


def decision_subject(decision: DecommissionDecided) -> str:
    verb = "reduce" if decision.change is FundingChange.REDUCE else "end"
    to = f" to {decision.provider}" if decision.provider else ""
    return f"decision #{decision.sequence} to {verb} funding{to}"


def award_subject(award: Awarded) -> str:
    return f"award #{award.sequence} to {award.provider}"


@dataclass(frozen=True)
class FundingEnd:
    """A day on which funding to an organisation is reduced or ends: what notice is for."""

    on: date
    recipient: str | None
    decision: DecommissionDecided | None = None
    award: Awarded | None = None
    """Set when the funding ends because the award runs out (a previously defined end date)."""

    @property
    def fact(self) -> ExerciseEvent:
        fact = self.decision or self.award
        assert fact is not None
        return fact

    @property
    def subject(self) -> str:
        if self.decision is not None:
            return decision_subject(self.decision)
        assert self.award is not None
        return f"{award_subject(self.award)} ending {self.on.isoformat()}"

    @property
    def reduces(self) -> bool:
        return self.decision is not None and self.decision.change is FundingChange.REDUCE

    def what(self) -> str:
        """``funding ends on 31 March 2027``, ``the award to X ends on ...``."""
        if self.award is not None:
            return f"the award to {self.award.provider} ends on {long_date(self.on)}"
        verb = "is reduced" if self.reduces else "ends"
        return f"funding {verb} on {long_date(self.on)}"

    def evidence(self) -> Evidence:
        if self.decision is not None:
            d = self.decision
            return evidence(
                d,
                f"decided to {'reduce' if self.reduces else 'end'} funding"
                f"{' to ' + d.provider if d.provider else ''} from {d.effective.isoformat()}: "
                f"{d.reason}",
            )
        assert self.award is not None
        a = self.award
        return evidence(
            a, f"awarded to {a.provider} ({a.sector}) from {a.starts} to {a.ends.isoformat()}"
        )


@dataclass(frozen=True)
class NoticeMap:
    """The exercise's funding ends, award ends set aside (and why), and which notice serves each."""

    ends: tuple[FundingEnd, ...]
    set_aside: tuple[tuple[Awarded, str, tuple[Evidence, ...]], ...]
    served: dict[int, FundingEnd] = field(default_factory=dict)
    """Notice sequence number -> the funding end that notice serves."""

    def is_served(self, end: FundingEnd) -> bool:
        return any(served is end for served in self.served.values())


def _set_aside_reason(
    exercise: CommissioningExercise, award: Awarded
) -> tuple[str, tuple[Evidence, ...]] | None:
    """Why an award's own end needs no notice check, if it needs none."""
    if award.sector is not Sector.VCS:
        return (
            f"{award.provider} is a {award.sector}-sector provider; the Compact's notice "
            "commitment is to voluntary and community organisations.",
            (),
        )
    day_after = award.ends + timedelta(days=1)
    for later in exercise.awards:
        if (
            later is not award
            and same_organisation(later.provider, award.provider)
            and award.starts <= later.starts <= day_after
            and later.ends > award.ends
        ):
            return (
                f"The award to {award.provider} ending {long_date(award.ends)} is renewed by "
                f"award #{later.sequence}, running to {long_date(later.ends)}.",
                (evidence(later, f"renewed to {later.ends.isoformat()}"),),
            )
    for decision in exercise.decisions:
        if (
            decision.change is FundingChange.END
            and same_organisation(decision.provider, award.provider)
            and decision.on >= award.on
            and decision.effective <= award.ends
        ):
            return (
                f"Funding to {award.provider} ends earlier, on "
                f"{long_date(decision.effective)}, by decision #{decision.sequence}; see "
                "that check.",
                (evidence(decision, f"ends funding from {decision.effective.isoformat()}"),),
            )
    return None


def funding_ends(exercise: CommissioningExercise) -> NoticeMap:
    """Every funding end of the exercise and the notice (if any) serving each."""
    ends: list[FundingEnd] = [
        FundingEnd(on=d.effective, recipient=d.provider, decision=d) for d in exercise.decisions
    ]
    set_aside = []
    for award in exercise.awards:
        reason = _set_aside_reason(exercise, award)
        if reason is None:
            ends.append(FundingEnd(on=award.ends, recipient=award.provider, award=award))
        else:
            set_aside.append((award, *reason))
    # Decisions first: an explicit decision is a stronger claim on a notice than a run-out.
    ends.sort(key=lambda end: (end.award is not None, end.on, end.fact.sequence))
    served: dict[int, FundingEnd] = {}
    free = list(exercise.notices)
    for end in ends:
        for notice in free:
            if notice.effective == end.on and same_organisation(end.recipient, notice.to):
                served[notice.sequence] = end
                free.remove(notice)
                break
    for end in ends:
        if any(claimed is end for claimed in served.values()):
            continue
        candidates = [
            notice
            for notice in free
            if same_organisation(end.recipient, notice.to) and end.fact.on <= notice.on < end.on
        ]
        if candidates:
            notice = min(candidates, key=lambda n: (abs((n.effective - end.on).days), n.sequence))
            served[notice.sequence] = end
            free.remove(notice)
    return NoticeMap(tuple(ends), tuple(set_aside), served)


def _exempt(end: FundingEnd | None, terms: Terms) -> bool:
    """No notice is needed: the award runs out on the end date set when it was made."""
    return (
        end is not None
        and end.award is not None
        and terms.notice_exempt_previously_defined_end_date
    )


def _exempt_message(profile: Profile, end: FundingEnd) -> str:
    return (
        f"No notice is needed under {profile.title}: {end.what()}, the end date set when it "
        "was made (a previously defined end date)."
    )


def _notice_evidence(notice: NoticeGiven) -> Evidence:
    parts = [
        f"notice to {notice.to}, effective {notice.effective.isoformat()}",
        "in writing" if notice.in_writing else "not in writing",
    ]
    if notice.rationale:
        parts.append(f"rationale {quoted(notice.rationale)}")
    if notice.exceptional_circumstances:
        parts.append(f"exceptional circumstances {quoted(notice.exceptional_circumstances)}")
    return evidence(notice, ", ".join(parts))


def _change_words(end: FundingEnd | None) -> str:
    if end is None:
        return "reducing or ending its funding"
    return "reducing its funding" if end.reduces else "ending its funding"


def _notice_period_check(
    exercise: CommissioningExercise,
    profile: Profile,
    notice: NoticeGiven,
    end: FundingEnd | None,
) -> Check:
    terms = profile.terms_on(notice.on)
    months = terms.notice_months
    facts = [_notice_evidence(notice)] + ([end.evidence()] if end else [])
    measured = notice.effective
    note = ""
    if end is not None and end.on < notice.effective:
        # Funding really stops on the earlier date, whatever the letter said.
        measured = end.on
        note = f" (funding stops on {long_date(end.on)} by {end.subject}, before the notice's date)"
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
    }
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
    return settled(
        exercise,
        profile,
        NOTICE_PERIOD,
        subject=notice_subject(notice),
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
    organisation = end.recipient or "the organisation affected"
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
            "ends": end.on.isoformat(),
            "last_day_to_give_notice": due.isoformat(),
        },
    )


def notice_period(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``notice-period``: at least 3 calendar months between notice and funding ending."""
    mapping = funding_ends(exercise)
    checks: list[Check] = []
    for notice in exercise.notices:
        end = mapping.served.get(notice.sequence)
        terms = profile.terms_on(notice.on)
        if end is not None and _exempt(end, terms):
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    NOTICE_PERIOD,
                    _exempt_message(profile, end),
                    subject=notice_subject(notice),
                    facts=[_notice_evidence(notice), end.evidence()],
                )
            )
        elif terms.notice_months == 0:
            checks.append(_no_rule(exercise, profile, notice_subject(notice)))
        else:
            checks.append(_notice_period_check(exercise, profile, notice, end))
    for end in mapping.ends:
        if mapping.is_served(end):
            continue
        terms = profile.terms_on(end.fact.on)
        if _exempt(end, terms):
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    NOTICE_PERIOD,
                    _exempt_message(profile, end),
                    subject=end.subject,
                    facts=[end.evidence()],
                )
            )
        elif terms.notice_months == 0:
            checks.append(_no_rule(exercise, profile, end.subject))
        else:
            checks.append(_pending_notice(exercise, profile, end, terms))
    for award, reason, facts in mapping.set_aside:
        checks.append(
            not_applicable(
                exercise,
                profile,
                NOTICE_PERIOD,
                reason,
                subject=f"{award_subject(award)} ending {award.ends.isoformat()}",
                facts=[evidence(award, f"ends {award.ends.isoformat()}"), *facts],
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
) -> tuple[list[Check], list[tuple[NoticeGiven, FundingEnd | None, Terms]]]:
    """Notices to judge under ``rule``, after setting aside those no notice was needed for."""
    mapping = funding_ends(exercise)
    checks: list[Check] = []
    to_judge = []
    for notice in exercise.notices:
        end = mapping.served.get(notice.sequence)
        terms = profile.terms_on(notice.on)
        if end is not None and _exempt(end, terms):
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    rule,
                    _exempt_message(profile, end),
                    subject=notice_subject(notice),
                    facts=[_notice_evidence(notice), end.evidence()],
                )
            )
        else:
            to_judge.append((notice, end, terms))
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
    for notice, _end, terms in to_judge:
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
                figures={"required": True, "actual": notice.in_writing, "unit": "in writing"},
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
    for notice, end, _terms in to_judge:
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
            if end is not None and end.decision is not None:
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
