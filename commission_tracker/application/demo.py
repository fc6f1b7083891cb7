"""A demo store: thirty commissioning exercises drawn from the seeds' situations.

``ctrack demo`` calls :func:`fill_demo_store`. Each exercise is one small story function
that tells what happened, in order, as the tracker's recording commands; they are stored
in one import (``Tracker.import_commands``), so every invariant holds, nothing is stored if
any command fails, and the store looks like months of real use: Gloucestershire,
Leicestershire and Bexley councils (with an integrated care board, a police and crime
commissioner and an NHS England region) commissioning carers support, befriending,
information and advice, domestic abuse support, day centres, community transport, youth
work and peer support.

Every date is relative to the tracker's "today", so the mix of compliant, breached,
justified and at-risk checks reads the same whatever day the demo is run. Each fact's
recorded time follows its business date (the working day it happened, sometimes entered a
few days late), never later than the real clock, so "as at" questions have history to
answer. References carry the year their exercise was opened. Nothing is random.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pendulum

from commission_tracker.aggregates.errors import ExerciseNotFound
from commission_tracker.application.clock import TIMEZONE
from commission_tracker.application.service import Tracker

# -- who ---------------------------------------------------------------------------------

GLOS = "Gloucestershire County Council"
LEICS = "Leicestershire County Council"
BEXLEY = "London Borough of Bexley"
GLOS_ICB = "NHS Gloucestershire Integrated Care Board"
LLR_PCC = "Police and Crime Commissioner for Leicester, Leicestershire and Rutland"
NHSE_MIDLANDS = "NHS England (Midlands region)"

# Officers who record the facts (fictional).
SARAH = "Sarah Whitfield"  # Gloucestershire, adult social care commissioning
MARK = "Mark Ellery"  # Gloucestershire, procurement
HELEN = "Helen Marsh"  # Gloucestershire ICB
RAVINDER = "Ravinder Sandhu"  # Leicestershire, communities commissioning
CLAIRE = "Claire Hollis"  # Leicestershire, procurement
DAN = "Dan Pryce"  # office of the police and crime commissioner
TOM = "Tom Okafor"  # Bexley, commissioning
JANET = "Janet Reeve"  # Bexley, procurement
PRIYA = "Priya Shah"  # NHS England Midlands


def questionnaire(**requirements: Any) -> dict[str, Any]:
    """A PQQ's requirements, with the usual £5m employer's and public liability cover."""
    return {"employers_liability": 5_000_000, "public_liability": 5_000_000, **requirements}


# -- dates -------------------------------------------------------------------------------


def after(day: date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> date:
    """``day`` moved forward by calendar months (clamped to month end) and days."""
    moved = pendulum.Date(day.year, day.month, day.day).add(
        years=years, months=months, weeks=weeks, days=days
    )
    return date(moved.year, moved.month, moved.day)


def before(day: date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> date:
    """``day`` moved back by calendar months (clamped to month end) and days."""
    moved = pendulum.Date(day.year, day.month, day.day).subtract(
        years=years, months=months, weeks=weeks, days=days
    )
    return date(moved.year, moved.month, moved.day)


class _AlreadyRecorded(Exception):
    """The story's exercise is already in the store (``demo --force`` on a demo store)."""


# -- the storyteller ---------------------------------------------------------------------


@dataclass
class Story:
    """One exercise being told: each call adds one command to the demo's import.

    ``late`` days delay a fact's recorded time after its business date (a late entry).
    """

    demo: Demo
    reference: str
    by: str
    version: int = 0
    """The number the last fact will have in the exercise's log (1 is the opening)."""
    last_recorded_at: datetime = field(default=datetime(1970, 1, 1, tzinfo=UTC), init=False)
    ticks: int = field(default=0, init=False)

    def record(
        self, verb: str, on: date, /, *, by: str | None = None, late: int = 0, **facts: Any
    ) -> int:
        """Record ``verb`` on business date ``on``; returns the fact's number in the log.

        ``by`` names another officer than the story's own.
        """
        if on > self.demo.today:
            raise ValueError(
                f"Demo story {self.reference} dates a fact {on.isoformat()}, after today "
                f"({self.demo.today.isoformat()}); facts happen on or before today."
            )
        self.demo.commands.append(
            {
                "verb": verb,
                "reference": self.reference,
                "on": on,
                "recorded_by": by or self.by,
                "recorded_at": self.moment(on, late),
                **facts,
            }
        )
        self.version += 1
        return self.version

    def advance(self, on: date, phase: str, *, reason: str | None = None) -> int:
        return self.record("advance", on, to_phase=phase, reason=reason)

    def involve(
        self, on: date, organisation: str, sector: str, activity: str, note: str | None = None
    ) -> int:
        return self.record(
            "involve", on, organisation=organisation, sector=sector, activity=activity, note=note
        )

    def consultation(
        self,
        opens: date,
        *,
        weeks: int,
        subject: str,
        responses: Sequence[str] = (),
        feedback_after: int | None = None,
        summary: str | None = None,
        shorter_reason: str | None = None,
    ) -> date:
        """A consultation of ``weeks``, with the VCS organisations that responded (three
        weeks in) and its results reported ``feedback_after`` weeks after it closes (never,
        if None); returns the closing date."""
        closes = after(opens, weeks=weeks)
        self.record(
            "consult",
            opens,
            opens=opens,
            closes=closes,
            subject=subject,
            shorter_reason=shorter_reason,
        )
        for organisation in responses:
            self.involve(after(opens, weeks=3), organisation, "vcs", "consultation-response")
        if feedback_after is not None:
            self.record(
                "consultation-feedback", after(closes, weeks=feedback_after), summary=summary
            )
        return closes

    def procure(
        self,
        do: date,
        *,
        tender_weeks: int,
        where: str | None = None,
        award_weeks: int | None = None,
        pqq: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> date:
        """The timetable published the day after the do phase starts, then the PQQ (if
        any) and the tender a week later; returns the day the tender closes."""
        closes = after(do, weeks=tender_weeks)
        self.record(
            "timetable",
            after(do, days=1),
            tender_deadline=closes,
            award_by=after(do, weeks=award_weeks) if award_weeks else None,
            where=where,
            by=by,
        )
        if pqq is not None:
            self.record("pqq", after(do, weeks=1), by=by, **pqq)
        self.record("tender", after(do, weeks=1), closes=closes, by=by)
        return closes

    def bids(self, on: date, *bidders: tuple[str, str, int]) -> None:
        """Bids received (a VCS organisation's bid counts as its involvement by itself)."""
        for bidder, sector, value in bidders:
            self.record("bid", on, bidder=bidder, sector=sector, value=value)

    def award(
        self,
        on: date,
        provider: str,
        value: int,
        *,
        starts: date,
        years: int,
        sector: str = "vcs",
        **facts: Any,
    ) -> date:
        """An award running ``years`` from ``starts``; returns its last day."""
        ends = before(after(starts, years=years), days=1)
        self.record(
            "award",
            on,
            provider=provider,
            sector=sector,
            value=value,
            starts=starts,
            ends=ends,
            **facts,
        )
        return ends

    def feedback(self, on: date, *bidders: str) -> None:
        for bidder in bidders:
            self.record("bidder-feedback", on, bidder=bidder)

    def monitor(
        self,
        on: date,
        requirements: str,
        *,
        reports: int,
        indicators: int,
        provider: str | None = None,
    ) -> None:
        self.record(
            "monitoring",
            on,
            requirements=requirements,
            reports_per_year=reports,
            indicators=indicators,
            provider=provider,
        )

    def moment(self, on: date, late: int) -> datetime:
        """A working-hours moment on the business date (plus ``late`` days), in order."""
        self.ticks += 1
        minutes = 9 * 60 + (self.ticks * 47) % (8 * 60)  # between 09:00 and 17:00
        local = pendulum.datetime(on.year, on.month, on.day, tz=TIMEZONE).add(
            days=late, minutes=minutes
        )
        moment = datetime.fromtimestamp(local.timestamp(), tz=UTC)
        moment = min(moment, self.demo.now)
        moment = max(moment, self.last_recorded_at + timedelta(milliseconds=1))
        self.last_recorded_at = moment
        return moment


@dataclass
class Demo:
    """The tracker's today and now, and the commands and references made so far."""

    tracker: Tracker
    today: date = field(init=False)
    now: datetime = field(init=False)
    commands: list[dict[str, Any]] = field(default_factory=list)
    made: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.today = self.tracker.clock.today()
        # A little before now: facts that would be recorded later than now are recorded
        # at this moment, a millisecond apart, and an import keeps no time later than now.
        self.now = self.tracker.clock.now() - timedelta(seconds=5)

    def ago(self, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> date:
        return before(self.today, years=years, months=months, weeks=weeks, days=days)

    def ahead(self, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> date:
        return after(self.today, years=years, months=months, weeks=weeks, days=days)

    def open(self, code: str, on: date, by: str, **facts: Any) -> Story:
        """Open an exercise; ``code`` names its reference with ``{year}`` (year opened)."""
        reference = code.format(year=on.year)
        try:
            self.tracker.exercise(reference)
        except ExerciseNotFound:
            pass
        else:
            raise _AlreadyRecorded(reference)
        story = Story(self, reference, by)
        story.record("open", on, **facts)
        self.made.append(reference)
        return story

    def as_json_lines(self) -> list[str]:
        """The commands as ``ctrack import`` reads them."""
        return [json.dumps(command, default=_isoformat) for command in self.commands]


def _isoformat(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- Gloucestershire (profile gloucestershire, seed 004) ---------------------------------


def glos_carers_support(demo: Demo) -> None:
    """A model exercise: co-designed with carers, proportionate, every bidder told.

    Intended: consultation-length, consultation-feedback, timetable-published,
    pqq-proportionate, bidder-feedback and monitoring all compliant (funding-term is
    not-applicable: the Gloucestershire Code makes no multi-year funding commitment).
    """
    opened = demo.ago(months=24)
    ex = demo.open(
        "GLO-{year}-031",
        opened,
        SARAH,
        title="Carers support service for Gloucestershire",
        commissioner=GLOS,
        service_area="carers support",
        value=1_260_000,
        mechanism="contract",
        regime="PA2023",
        contract_kind="light-touch",
        profile="gloucestershire",
    )
    ex.involve(
        after(opened, weeks=2),
        "Carers Gloucestershire",
        "vcs",
        "needs-evidence",
        "Carers' survey: 1,140 responses, used in the JSNA carers chapter.",
    )
    closes = ex.consultation(
        after(opened, months=1),
        weeks=13,
        subject="The future of support for unpaid carers in Gloucestershire",
        responses=("Forest and Vale Carers Forum",),
        feedback_after=5,
        summary="'You said, we did' report on the consultation hub: 612 responses.",
    )
    plan = after(closes, weeks=6)
    ex.advance(plan, "plan")
    ex.involve(
        after(plan, weeks=2),
        "Carers Gloucestershire",
        "vcs",
        "co-design",
        "Three co-design workshops with carers and providers on outcomes.",
    )
    ex.involve(
        after(plan, weeks=4),
        "Forest and Vale Carers Forum",
        "vcs",
        "specification-input",
        "Commented on draft outcomes; the council wrote the specification.",
    )
    do = after(plan, months=3)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=8,
        award_weeks=14,
        where="Supplying the South West portal and Find a Tender",
        pqq=questionnaire(minimum_turnover=600_000, professional_indemnity=1_000_000, questions=40),
        by=MARK,
    )
    ex.bids(
        before(closes, days=1),
        ("Carers Gloucestershire", "vcs", 1_245_000),
        ("Allied Care Partnerships Ltd", "private", 1_198_000),
        ("Severn Vale Carers Consortium", "vcs", 1_260_000),
    )
    awarded = after(do, weeks=13)
    starts = after(awarded, weeks=6)
    ex.award(
        awarded,
        "Carers Gloucestershire",
        1_245_000,
        starts=starts,
        years=3,
        payment_terms="Quarterly in advance; undisputed invoices paid within 30 days.",
    )
    ex.feedback(
        after(awarded, days=2),
        "Carers Gloucestershire",
        "Allied Care Partnerships Ltd",
        "Severn Vale Carers Consortium",
    )
    ex.monitor(
        after(awarded, weeks=4),
        "Quarterly outcomes report and an annual carers' survey.",
        reports=4,
        indicators=8,
    )
    review = after(starts, months=6)
    ex.advance(review, "review")
    ex.involve(
        after(review, days=3),
        "Carers Gloucestershire",
        "vcs",
        "monitoring",
        "Quarterly contract review with carers' representatives present.",
    )


def glos_befriending_grants(demo: Demo) -> None:
    """A rushed grant round: 8 weeks to apply, one-year grants, feedback only to winners.

    Intended: funding-lead-time breach (no reason), bidder-feedback breach for the two
    unsuccessful applicants. The one-year grants are no funding-term breach: the
    Gloucestershire Code makes no multi-year commitment (not-applicable, saying so). Each
    grantee's monitoring is judged against its own grant.
    """
    opened = demo.ago(months=9)
    ex = demo.open(
        "GLO-{year}-044",
        opened,
        SARAH,
        title=f"Community befriending grants {opened.year}-{(opened.year + 1) % 100:02d}",
        commissioner=GLOS,
        service_area="befriending",
        value=150_000,
        mechanism="grant",
        regime="grant",
        profile="gloucestershire",
    )
    ex.involve(
        after(opened, weeks=1),
        "Severn Vale Befriending Trust",
        "vcs",
        "needs-evidence",
        "Referral data on isolated older people in Tewkesbury and the Forest of Dean.",
    )
    ex.advance(after(opened, weeks=6), "plan")
    do = after(opened, weeks=10)
    ex.advance(do, "do")
    notified = after(do, days=1)
    deadline = after(notified, weeks=8)
    ex.record(
        "funding-notified",
        notified,
        deadline=deadline,
        opportunity="Befriending grants round 1",
        value=150_000,
    )
    ex.bids(
        before(deadline, days=2),
        ("Severn Vale Befriending Trust", "vcs", 38_000),
        ("Tewkesbury Good Neighbours", "vcs", 25_000),
        ("Cheltenham Connect Befriending", "vcs", 40_000),
        ("Stroud Valleys Community Link", "vcs", 30_000),
        ("Companionship Care Ltd", "private", 45_000),
    )
    awarded = after(deadline, weeks=5)
    grants = (
        ("Severn Vale Befriending Trust", 38_000),
        ("Tewkesbury Good Neighbours", 25_000),
        ("Stroud Valleys Community Link", 30_000),
    )
    for provider, value in grants:
        ex.award(
            awarded,
            provider,
            value,
            starts=after(awarded, weeks=3),
            years=1,
            payment_terms="Half in advance, half after the six-month report.",
        )
    # Only the successful applicants heard back.
    ex.feedback(after(awarded, weeks=1), *(provider for provider, _ in grants))
    for provider, _ in grants:
        ex.monitor(
            after(awarded, weeks=2),
            "Six-monthly report: people befriended, volunteer hours, one case study.",
            reports=2,
            indicators=4,
            provider=provider,
        )


def glos_information_and_advice(demo: Demo) -> None:
    """A bespoke PQQ issued before the timetable, demanding three years' accounts.

    Intended: timetable-published breach (PQQ first), pqq-proportionate breach (3 years'
    accounts without a reason, non-standard form, too many questions); consultation and
    its feedback compliant. The tender is still open.
    """
    opened = demo.ago(months=9)
    ex = demo.open(
        "GLO-{year}-052",
        opened,
        SARAH,
        title="County-wide information and advice service",
        commissioner=GLOS,
        service_area="information and advice",
        value=480_000,
        mechanism="contract",
        regime="PA2023",
        profile="gloucestershire",
    )
    ex.involve(
        after(opened, weeks=2),
        "County Advice Alliance Gloucestershire",
        "vcs",
        "needs-evidence",
        "Advice demand by district and by topic over the last three years.",
    )
    closes = ex.consultation(
        after(opened, weeks=3),
        weeks=12,
        subject="Information and advice: what residents need",
        feedback_after=4,
        summary="Consultation report published and sent to all 48 respondents.",
    )
    plan = after(closes, weeks=5)
    ex.advance(plan, "plan")
    for organisation, sector in (
        ("County Advice Alliance Gloucestershire", "vcs"),
        ("Meridian Support Services Ltd", "private"),
    ):
        ex.involve(after(plan, weeks=2), organisation, sector, "market-engagement")
    do = demo.ago(weeks=4)
    ex.advance(do, "do")
    ex.record(
        "pqq",
        after(do, days=3),
        by=MARK,
        **questionnaire(
            minimum_turnover=400_000,
            years_accounts=3,
            standard_form=False,
            questions=85,
            professional_indemnity=1_000_000,
        ),
    )
    ex.record(
        "timetable",
        after(do, days=10),
        tender_deadline=demo.ahead(weeks=3),
        award_by=demo.ahead(weeks=9),
        where="Supplying the South West portal",
        by=MARK,
    )
    ex.record("tender", after(do, days=10), closes=demo.ahead(weeks=3), by=MARK)


def glos_day_centres(demo: Demo) -> None:
    """Day centres closed early on six weeks' notice, the impact assessed afterwards.

    Intended: notice-period breach (6 weeks), impact-assessment breach (after the
    decision); notice-in-writing and notice-rationale compliant. Now in its second cycle,
    analysing community hubs instead.
    """
    opened = demo.ago(months=40)
    ex = demo.open(
        "GLO-{year}-018",
        opened,
        SARAH,
        title="Day opportunities for older people: Stroud and Cotswolds day centres",
        commissioner=GLOS,
        service_area="day centres",
        value=520_000,
        mechanism="contract",
        regime="PCR2015",
        contract_kind="light-touch",
        profile="gloucestershire",
    )
    ex.involve(after(opened, months=1), "Stroud Valleys Day Care Trust", "vcs", "needs-evidence")
    ex.advance(after(opened, months=3), "plan")
    do = after(opened, months=5)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=8, where="Supplying the South West portal", by=MARK)
    ex.bids(
        before(closes, days=2),
        ("Stroud Valleys Day Care Trust", "vcs", 510_000),
        ("Cotswold Day Opportunities CIC", "vcs", 498_000),
    )
    awarded = after(do, months=3)
    starts = after(awarded, months=2)
    ex.award(
        awarded,
        "Stroud Valleys Day Care Trust",
        510_000,
        starts=starts,
        years=3,
        payment_terms="Monthly in arrears.",
    )
    ex.feedback(
        after(awarded, days=4), "Stroud Valleys Day Care Trust", "Cotswold Day Opportunities CIC"
    )
    ex.monitor(
        after(awarded, weeks=3),
        "Quarterly attendance and outcomes return.",
        reports=4,
        indicators=10,
    )
    ex.advance(after(starts, months=6), "review")
    ex.record(
        "review",
        demo.ago(months=4),
        summary="Attendance down 35% in two years; most users now prefer community hubs.",
        outcome="Recommend ending the day centre element early.",
    )
    ended = demo.ago(weeks=1)
    decision = ex.record(
        "decommission",
        demo.ago(weeks=10),
        change="end",
        effective=ended,
        provider="Stroud Valleys Day Care Trust",
        reason="Cabinet decision to move day opportunities to community hubs.",
    )
    ex.record(
        "notice",
        demo.ago(weeks=7),
        to="Stroud Valleys Day Care Trust",
        effective=ended,
        for_decisions=[decision],
        in_writing=True,
        rationale="Falling attendance and the county's community hubs strategy.",
    )
    ex.record(
        "impact-assessed",
        demo.ago(weeks=4),
        summary="Equality impact assessment completed after cabinet had decided.",
    )
    ex.advance(demo.ago(days=3), "analyse")
    ex.involve(
        demo.ago(days=1),
        "Stroud Valleys Day Care Trust",
        "vcs",
        "needs-evidence",
        "Mapping which former day centre users each community hub can reach.",
    )


def glos_rural_youth_work(demo: Demo) -> None:
    """A three-year youth work grant, run well and closed at its planned end.

    Intended: funding-lead-time compliant (over 3 months), funding-term not-applicable
    (no Gloucestershire commitment), bidder-feedback compliant, notice of the planned end
    given in writing over 3 months ahead (notice-period, notice-in-writing,
    notice-rationale compliant). Closed.
    """
    opened = demo.ago(months=44)
    ex = demo.open(
        "GLO-{year}-061",
        opened,
        SARAH,
        title="Youth work in rural Gloucestershire (grant programme)",
        commissioner=GLOS,
        service_area="youth work",
        value=210_000,
        mechanism="grant",
        regime="grant",
        profile="gloucestershire",
    )
    ex.involve(after(opened, weeks=2), "Windrush Valley Youth Trust", "vcs", "needs-evidence")
    ex.advance(after(opened, months=1), "plan")
    ex.involve(after(opened, weeks=6), "Windrush Valley Youth Trust", "vcs", "co-design")
    ex.involve(after(opened, weeks=6), "Forest Young People's Network", "vcs", "co-design")
    do = after(opened, months=2)
    ex.advance(do, "do")
    notified = after(do, days=1)
    deadline = after(notified, months=3, weeks=1)
    ex.record(
        "funding-notified",
        notified,
        deadline=deadline,
        opportunity="Rural youth work grant",
        value=210_000,
    )
    ex.bids(
        before(deadline, days=3),
        ("Windrush Valley Youth Trust", "vcs", 210_000),
        ("Forest Young People's Network", "vcs", 195_000),
    )
    awarded = after(deadline, weeks=5)
    starts = after(deadline, weeks=8)
    ends = ex.award(
        awarded,
        "Windrush Valley Youth Trust",
        210_000,
        starts=starts,
        years=3,
        payment_terms="Quarterly in advance.",
    )
    grant = ex.version
    ex.feedback(
        after(awarded, days=5), "Windrush Valley Youth Trust", "Forest Young People's Network"
    )
    ex.monitor(
        after(awarded, weeks=2),
        "Six-monthly narrative report and youth-led evaluation at year three.",
        reports=2,
        indicators=6,
    )
    ex.advance(after(starts, months=3), "review")
    ex.record(
        "notice",
        before(ends, months=4),
        to="Windrush Valley Youth Trust",
        effective=after(ends, days=1),  # the first day without the grant
        for_awards=[grant],
        in_writing=True,
        rationale="The grant ends as planned; youth work funding moves to the new "
        "district youth partnerships.",
    )
    ex.record(
        "review",
        before(ends, months=2),
        summary="Outcomes met: 1,400 young people reached, 60 volunteers trained.",
        outcome="Learning shared with the district youth partnerships.",
    )
    ex.record("close", after(ends, weeks=3), reason="Grant period ended.")


def glos_community_transport(demo: Demo) -> None:
    """A reduction done by the book, after a mistyped notice date was corrected.

    Intended: impact-assessment compliant (before the decision), notice-period,
    notice-in-writing and notice-rationale compliant once the mistyped notice (which
    would read as a breach) is withdrawn with ``correct``.
    """
    opened = demo.ago(months=30)
    ex = demo.open(
        "GLO-{year}-072",
        opened,
        SARAH,
        title="Forest of Dean community transport service level agreement",
        commissioner=GLOS,
        service_area="community transport",
        value=180_000,
        mechanism="service-level-agreement",
        regime="PA2023",
        profile="gloucestershire",
    )
    ex.involve(
        after(opened, weeks=2),
        "Forest Wheels Community Transport",
        "vcs",
        "needs-evidence",
        "Trip data for dial-a-ride and the hospital car scheme.",
    )
    ex.advance(after(opened, months=1), "plan")
    ex.involve(after(opened, weeks=5), "Forest Wheels Community Transport", "vcs", "co-design")
    do = after(opened, months=2)
    ex.advance(do, "do")
    starts = after(do, months=2)
    ex.award(
        after(do, months=1),
        "Forest Wheels Community Transport",
        180_000,
        starts=starts,
        years=3,
        payment_terms="Quarterly in advance.",
    )
    ex.monitor(
        after(do, months=1, weeks=2),
        "Quarterly trips, passengers and volunteer driver hours.",
        reports=4,
        indicators=6,
    )
    ex.advance(after(starts, months=6), "review")
    ex.record(
        "review",
        demo.ago(months=5),
        summary="Trips steady at 9,000 a year; the hospital car scheme now NHS-funded.",
        outcome="Reduce the agreement to dial-a-ride only.",
    )
    ex.record(
        "impact-assessed",
        demo.ago(months=4, weeks=2),
        summary="No passenger loses transport: hospital trips move to the NHS scheme.",
    )
    reduced = demo.ago(weeks=2)
    decision = ex.record(
        "decommission",
        demo.ago(months=4),
        change="reduce",
        effective=reduced,
        provider="Forest Wheels Community Transport",
        new_value=120_000,
        reason="Hospital transport is now funded by the integrated care board.",
    )
    given = demo.ago(months=3, weeks=3)
    letter: dict[str, Any] = {
        "to": "Forest Wheels Community Transport",
        "in_writing": True,
        "rationale": "Hospital transport now funded by the ICB; dial-a-ride continues.",
        "for_decisions": [decision],
    }
    # The officer keyed the effective date a month early: it would read as short notice.
    mistyped = ex.record("notice", given, effective=before(reduced, months=1), late=1, **letter)
    ex.record(
        "correct",
        after(given, days=4),
        corrects=mistyped,
        reason="Effective date mistyped; the letter gives the later date.",
    )
    ex.record("notice", given, effective=reduced, late=4, **letter)


def glos_domestic_abuse_outreach(demo: Demo) -> None:
    """Funding to end in just over three months, and the notice letter not yet sent.

    Intended: notice-period at-risk (the last day to give notice is about ten days
    away); impact-assessment compliant (before the decision); bidder-feedback compliant.
    """
    opened = demo.ago(months=20)
    ex = demo.open(
        "GLO-{year}-083",
        opened,
        SARAH,
        title="Gloucester domestic abuse outreach service",
        commissioner=GLOS,
        service_area="domestic abuse support",
        value=135_000,
        mechanism="contract",
        regime="PA2023",
        profile="gloucestershire",
    )
    ex.involve(after(opened, weeks=2), "Gloucester Safe Homes Partnership", "vcs", "needs-evidence")
    closes = ex.consultation(
        after(opened, months=1),
        weeks=12,
        subject="Domestic abuse outreach in Gloucester city",
        feedback_after=3,
    )
    plan = after(closes, weeks=4)
    ex.advance(plan, "plan")
    ex.involve(after(plan, weeks=2), "Gloucester Safe Homes Partnership", "vcs", "co-design")
    do = after(plan, months=1)
    ex.advance(do, "do")
    closes = ex.procure(
        do, tender_weeks=7, award_weeks=12, where="Supplying the South West portal", by=MARK
    )
    ex.bids(
        before(closes, days=1),
        ("Gloucester Safe Homes Partnership", "vcs", 132_000),
        ("Severn Refuge Services", "vcs", 135_000),
        ("Meridian Support Services Ltd", "private", 121_000),
    )
    awarded = after(do, weeks=11)
    starts = after(awarded, weeks=4)
    ex.award(
        awarded,
        "Gloucester Safe Homes Partnership",
        132_000,
        starts=starts,
        years=3,
        payment_terms="Monthly in arrears.",
    )
    ex.feedback(
        after(awarded, days=3),
        "Gloucester Safe Homes Partnership",
        "Severn Refuge Services",
        "Meridian Support Services Ltd",
    )
    ex.monitor(
        after(awarded, weeks=2),
        "Quarterly referrals, risk levels and outcomes (MARAC data).",
        reports=4,
        indicators=8,
    )
    ex.advance(after(starts, months=4), "review")
    ex.record(
        "review",
        demo.ago(weeks=5),
        summary="Outreach now duplicates the county's integrated safe accommodation service.",
        outcome="End the outreach contract; keep the city helpline.",
    )
    ex.record(
        "impact-assessed",
        demo.ago(weeks=3),
        summary="Survivors in outreach move to the county service; no gap in support.",
    )
    # The letter is still being drafted: without it by about ten days from now, the
    # provider cannot have three months' notice.
    ex.record(
        "decommission",
        demo.ago(weeks=2),
        change="end",
        effective=demo.ahead(months=3, days=10),
        provider="Gloucester Safe Homes Partnership",
        reason="Duplicates the integrated safe accommodation service.",
    )


def glos_household_support_grants(demo: Demo) -> None:
    """Government money confirmed late: a five-week round, one-year grants, both explained.

    Intended: funding-lead-time justified (shorter_reason), bidder-feedback compliant,
    monitoring compliant for each grantee; funding-term not-applicable (the Gloucestershire
    Code makes no multi-year commitment; the one-year reason is still on record).
    """
    opened = demo.ago(months=5)
    ex = demo.open(
        "GLO-{year}-090",
        opened,
        MARK,
        title="Household Support Fund: community food and advice grants",
        commissioner=GLOS,
        service_area="information and advice",
        value=320_000,
        mechanism="grant",
        regime="grant",
        profile="gloucestershire",
    )
    ex.advance(after(opened, weeks=1), "plan")
    do = after(opened, weeks=2)
    ex.advance(do, "do")
    notified = after(do, days=1)
    deadline = after(notified, weeks=5)
    ex.record(
        "funding-notified",
        notified,
        deadline=deadline,
        opportunity="Household Support Fund community grants",
        value=320_000,
        shorter_reason="The government confirmed the allocation late and it must be spent "
        "within the financial year.",
    )
    grants = (
        ("Tewkesbury Community Pantry", 120_000),
        ("Gloucester Food Network", 110_000),
        ("Cheltenham Advice and Food Hub", 90_000),
    )
    ex.bids(before(deadline, days=1), *((name, "vcs", value) for name, value in grants))
    awarded = after(deadline, weeks=2)
    for provider, value in grants:
        ex.award(
            awarded,
            provider,
            value,
            starts=after(deadline, weeks=3),
            years=1,
            payment_terms="Paid in full on signature.",
            term_reason="The Household Support Fund is a one-year government grant.",
        )
    ex.feedback(after(awarded, days=2), *(name for name, _ in grants))
    for provider, _ in grants:
        ex.monitor(
            after(awarded, weeks=1),
            "Quarterly households helped, by district, as the government asks.",
            reports=4,
            indicators=6,
            provider=provider,
        )


def glos_welfare_rights(demo: Demo) -> None:
    """A four-year advice contract, reviewed and now in its second cycle's consultation.

    Intended: the first cycle's checks compliant (consultation, feedback, timetable,
    proportionate PQQ, bidder feedback, term); the second cycle's consultation still open
    and on course for 12 weeks.
    """
    opened = demo.ago(months=46)
    ex = demo.open(
        "GLO-{year}-012",
        opened,
        SARAH,
        title="Welfare rights advice service",
        commissioner=GLOS,
        service_area="information and advice",
        value=640_000,
        mechanism="contract",
        regime="PCR2015",
        profile="gloucestershire",
    )
    closes = ex.consultation(
        after(opened, months=1),
        weeks=12,
        subject="Welfare rights advice: priorities for the next four years",
        feedback_after=4,
    )
    plan = after(closes, weeks=5)
    ex.advance(plan, "plan")
    ex.involve(after(plan, weeks=2), "County Advice Alliance Gloucestershire", "vcs", "co-design")
    do = after(plan, months=2)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=8,
        award_weeks=13,
        where="Supplying the South West portal",
        pqq=questionnaire(minimum_turnover=300_000, professional_indemnity=2_000_000, questions=40),
        by=MARK,
    )
    ex.bids(
        before(closes, days=1),
        ("County Advice Alliance Gloucestershire", "vcs", 630_000),
        ("Cheltenham Advice and Food Hub", "vcs", 610_000),
        ("ClearPath Debt Solutions Ltd", "private", 575_000),
    )
    awarded = after(do, weeks=12)
    starts = after(awarded, months=1)
    ex.award(
        awarded,
        "County Advice Alliance Gloucestershire",
        630_000,
        starts=starts,
        years=4,
        payment_terms="Quarterly in advance.",
    )
    ex.feedback(
        after(awarded, days=6),
        "County Advice Alliance Gloucestershire",
        "Cheltenham Advice and Food Hub",
        "ClearPath Debt Solutions Ltd",
    )
    ex.monitor(
        after(awarded, weeks=3),
        "Quarterly cases, income gained for clients and appeal success rates.",
        reports=4,
        indicators=10,
    )
    ex.advance(after(starts, months=3), "review")
    ex.record(
        "review",
        demo.ago(months=3),
        summary="Demand up 40% since the cost-of-living crisis; phone waits over a week.",
        outcome="Re-commission with a digital channel when the contract ends.",
    )
    ex.advance(demo.ago(months=2, weeks=2), "analyse")
    ex.involve(
        demo.ago(months=2),
        "County Advice Alliance Gloucestershire",
        "vcs",
        "needs-evidence",
        "Three years of case data shared for the new needs analysis.",
    )
    ex.consultation(
        demo.ago(weeks=6),
        weeks=13,
        subject="Welfare rights advice after this contract: channels and priorities",
    )


def glos_home_from_hospital(demo: Demo) -> None:
    """Two providers, two endings: a private lot ended early, a VCS lot ended for poor
    performance with no discussion of how to improve.

    Intended: the private provider's early end owes no Compact notice (notice-period and
    impact-assessment not-applicable: the commitment is to VCS organisations); the VCS
    provider's letter of intention, given months before the formal decision and recorded
    later naming it, is compliant notice (Gloucestershire 3.4.2, "notice of an intention");
    improvement-timetable breach (3.4.3: no performance discussion recorded before the
    decision); each provider's monitoring judged against its own lot.
    """
    opened = demo.ago(months=34)
    ex = demo.open(
        "GLO-{year}-105",
        opened,
        MARK,
        title="Home from hospital support, two lots",
        commissioner=GLOS,
        service_area="adult social care",
        value=380_000,
        mechanism="contract",
        regime="PA2023",
        profile="gloucestershire",
    )
    ex.involve(
        after(opened, weeks=2),
        "Cotswold Home from Hospital",
        "vcs",
        "needs-evidence",
        "Discharge data: a third of over-75s readmitted within 30 days without support.",
    )
    ex.advance(after(opened, months=2), "plan")
    do = after(opened, months=4)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=8, where="Gloucestershire Procurement Portal")
    ex.bids(
        before(closes, days=1),
        ("Cotswold Home from Hospital", "vcs", 150_000),
        ("CarePath Homecare Ltd", "private", 230_000),
    )
    awarded = after(closes, weeks=4)
    starts = after(closes, weeks=8)
    for provider, sector, value in (
        ("Cotswold Home from Hospital", "vcs", 150_000),
        ("CarePath Homecare Ltd", "private", 230_000),
    ):
        ex.award(awarded, provider, value, starts=starts, years=3, sector=sector)
    ex.feedback(after(awarded, days=3), "Cotswold Home from Hospital", "CarePath Homecare Ltd")
    for provider in ("Cotswold Home from Hospital", "CarePath Homecare Ltd"):
        ex.monitor(
            after(awarded, weeks=2),
            "Quarterly discharges supported and readmissions within 30 days.",
            reports=4,
            indicators=6,
            provider=provider,
        )
    ex.advance(after(starts, months=6), "review")
    ex.record(
        "impact-assessed",
        demo.ago(months=4),
        summary="Patients of both lots can move to the reablement team.",
    )
    ex.record(
        "decommission",
        demo.ago(weeks=6),
        change="end",
        effective=demo.ahead(weeks=4),
        provider="CarePath Homecare Ltd",
        reason="Lot 2 brought in-house with the reablement team.",
    )
    decision = ex.record(
        "decommission",
        demo.ago(months=3),
        change="end",
        effective=demo.ahead(weeks=3),
        provider="Cotswold Home from Hospital",
        poor_performance=True,
        reason="Readmissions above target for three quarters.",
    )
    # The letter of intention went out before the cabinet decision; keyed in afterwards.
    ex.record(
        "notice",
        demo.ago(months=5),
        to="Cotswold Home from Hospital",
        effective=demo.ahead(weeks=3),
        in_writing=True,
        rationale="Readmissions above target; the council intends to end lot 1.",
        for_decisions=[decision],
        late=60,
    )


def glos_vcs_infrastructure(demo: Demo) -> None:
    """Just opened: the VCS's own infrastructure body supplies the evidence.

    Intended: nothing to check yet (analyse phase, VCS involved from the start).
    """
    opened = demo.ago(weeks=3)
    ex = demo.open(
        "GLO-{year}-097",
        opened,
        SARAH,
        title="VCS infrastructure and volunteer centre support",
        commissioner=GLOS,
        service_area="VCS infrastructure",
        value=150_000,
        mechanism="service-level-agreement",
        regime="PA2023",
        profile="gloucestershire",
    )
    ex.involve(
        demo.ago(weeks=1),
        "Gloucestershire Voluntary Action Network",
        "vcs",
        "needs-evidence",
        "State of the sector survey: 212 groups, volunteer numbers down 12%.",
    )


def glos_icb_peer_support(demo: Demo) -> None:
    """A health service under the Provider Selection Regime, co-designed with peers.

    Intended: consultation-length justified (8 weeks with a reason); consultation-feedback
    breach (results never reported back).
    """
    opened = demo.ago(months=6)
    ex = demo.open(
        "GICB-{year}-014",
        opened,
        HELEN,
        title="Community mental health peer support",
        commissioner=GLOS_ICB,
        service_area="mental health peer support",
        value=360_000,
        mechanism="contract",
        regime="PSR2023",
        profile="gloucestershire",
    )
    ex.involve(after(opened, weeks=2), "Glos Peer Voices", "vcs", "needs-evidence")
    closes = ex.consultation(
        after(opened, months=1),
        weeks=8,
        subject="Peer support in community mental health teams",
        shorter_reason="Timed to inform the joint forward plan refresh; the VCS mental "
        "health alliance agreed the shorter period.",
    )
    plan = after(closes, weeks=2)
    ex.advance(plan, "plan")
    for organisation, sector in (
        ("Glos Peer Voices", "vcs"),
        ("Severn Recovery College", "vcs"),
        ("Gloucestershire Health and Care NHS Foundation Trust", "public"),
    ):
        ex.involve(after(plan, weeks=1), organisation, sector, "co-design")


# -- Leicestershire (profile leicestershire, seed 002) -----------------------------------


def leics_carers_breaks(demo: Demo) -> None:
    """A 12-week consultation under way, carers' groups at the table from the start.

    Intended: consultation-length compliant; consultation-feedback not yet due.
    """
    opened = demo.ago(months=2)
    ex = demo.open(
        "LEI-{year}-004",
        opened,
        RAVINDER,
        title="Carers' breaks and support in Leicestershire",
        commissioner=LEICS,
        service_area="carers support",
        value=900_000,
        mechanism="contract",
        regime="PA2023",
        contract_kind="light-touch",
        profile="leicestershire",
    )
    ex.involve(after(opened, weeks=1), "Charnwood Carers Centre", "vcs", "needs-evidence")
    ex.consultation(
        demo.ago(weeks=5),
        weeks=12,
        subject="Short breaks for carers: what works for you?",
        responses=("Leicestershire Older People's Forum",),
    )


def leics_debt_advice(demo: Demo) -> None:
    """An eight-week consultation with no reason given, and no VCS involvement yet.

    Intended: consultation-length breach (no shorter_reason); consultation-feedback
    at-risk (results due in about two weeks).
    """
    opened = demo.ago(months=5)
    ex = demo.open(
        "LEI-{year}-009",
        opened,
        CLAIRE,
        title="Welfare benefits and debt advice",
        commissioner=LEICS,
        service_area="information and advice",
        value=420_000,
        mechanism="contract",
        regime="PA2023",
        profile="leicestershire",
    )
    ex.consultation(
        demo.ago(weeks=18), weeks=8, subject="Debt and benefits advice in Leicestershire"
    )
    ex.advance(demo.ago(weeks=8), "plan")
    ex.involve(demo.ago(weeks=4), "ClearPath Debt Solutions Ltd", "private", "market-engagement")


def leics_befriending_grants(demo: Demo) -> None:
    """A pilot grant round: one-year grants explained, but monitoring out of proportion.

    Intended: funding-term justified (term_reason), bidder-feedback compliant,
    monitoring-proportionate breach (monthly reports and 20 KPIs on a £12,000 grant).
    """
    opened = demo.ago(months=15)
    ex = demo.open(
        "LEI-{year}-015",
        opened,
        RAVINDER,
        title="Befriending and social isolation small grants",
        commissioner=LEICS,
        service_area="befriending",
        value=48_000,
        mechanism="grant",
        regime="grant",
        profile="leicestershire",
    )
    ex.involve(after(opened, weeks=2), "Hinckley Good Neighbours", "vcs", "needs-evidence")
    ex.advance(after(opened, months=1), "plan")
    ex.involve(after(opened, weeks=6), "Hinckley Good Neighbours", "vcs", "co-design")
    do = after(opened, months=2)
    ex.advance(do, "do")
    notified = after(do, days=1)
    deadline = after(notified, months=3)
    ex.record("funding-notified", notified, deadline=deadline, value=48_000)
    applicants = (
        ("Hinckley Good Neighbours", "vcs", 12_000),
        ("Melton Befriending Circle", "vcs", 12_000),
        ("Market Harborough Friendship Group", "vcs", 11_500),
        ("Coalville Connect", "vcs", 12_000),
    )
    ex.bids(before(deadline, days=2), *applicants)
    awarded = after(deadline, weeks=4)
    starts = after(deadline, weeks=6)
    for provider in ("Hinckley Good Neighbours", "Melton Befriending Circle"):
        ex.award(
            awarded,
            provider,
            12_000,
            starts=starts,
            years=1,
            term_reason="Pilot year from the public health reserve; its evaluation decides "
            "a three-year programme.",
        )
    ex.feedback(after(awarded, days=5), *(name for name, _, _ in applicants))
    ex.monitor(
        after(awarded, weeks=1),
        "Monthly return of 20 indicators, including wellbeing scores for every client.",
        reports=12,
        indicators=20,
        provider="Hinckley Good Neighbours",
    )
    ex.advance(after(starts, months=4), "review")
    ex.involve(
        after(starts, months=5),
        "Hinckley Good Neighbours",
        "vcs",
        "monitoring",
        "Asked to cut the monthly return; the volunteer coordinator spends a day a month on it.",
    )


def leics_day_services(demo: Demo) -> None:
    """A contract left to run to its end date, with two months' notice as a courtesy.

    Intended: notice-period not-applicable under Leicestershire's "previously defined end
    date" exemption (the same facts under the national profile would be a breach). Second
    cycle under way.
    """
    opened = demo.ago(months=50)
    ex = demo.open(
        "LEI-{year}-021",
        opened,
        RAVINDER,
        title="Day services for adults with learning disabilities",
        commissioner=LEICS,
        service_area="day centres",
        value=1_450_000,
        mechanism="contract",
        regime="PCR2015",
        contract_kind="light-touch",
        profile="leicestershire",
    )
    closes = ex.consultation(
        after(opened, weeks=3),
        weeks=12,
        subject="Day services: the next three years",
        responses=("Harborough Day Opportunities Trust",),
        feedback_after=6,
    )
    plan = after(closes, weeks=6)
    ex.advance(plan, "plan")
    ex.involve(after(plan, weeks=3), "Harborough Day Opportunities Trust", "vcs", "co-design")
    do = after(plan, months=2)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=8,
        where="East Midlands Tenders",
        pqq=questionnaire(
            minimum_turnover=1_000_000, professional_indemnity=2_000_000, questions=45
        ),
        by=CLAIRE,
    )
    ex.bids(
        before(closes, days=1),
        ("Harborough Day Opportunities Trust", "vcs", 1_420_000),
        ("Brightday Care Ltd", "private", 1_380_000),
    )
    awarded = after(do, weeks=12)
    ends = ex.award(
        awarded,
        "Harborough Day Opportunities Trust",
        1_420_000,
        starts=after(awarded, months=2),
        years=3,
        payment_terms="Monthly in arrears.",
    )
    contract = ex.version
    ex.feedback(after(awarded, days=4), "Harborough Day Opportunities Trust", "Brightday Care Ltd")
    ex.monitor(
        after(awarded, weeks=3),
        "Quarterly attendance, outcomes and carers' feedback.",
        reports=4,
        indicators=12,
    )
    ex.advance(after(awarded, months=8), "review")
    ex.record(
        "review",
        before(ends, months=5),
        summary="Good outcomes, but most families want community-based support.",
        outcome="Let the contract run to its end date; re-design day opportunities.",
    )
    ex.record(
        "impact-assessed",
        before(ends, months=4, weeks=2),
        summary="Every attendee has a support plan review before the end date.",
    )
    ex.record(
        "notice",
        before(ends, months=2),
        to="Harborough Day Opportunities Trust",
        effective=after(ends, days=1),  # the first day without the contract
        for_awards=[contract],
        in_writing=True,
        rationale="The contract ends on its agreed end date and will not be extended.",
    )
    ex.advance(after(ends, weeks=2), "analyse")
    ex.involve(after(ends, weeks=4), "Harborough Day Opportunities Trust", "vcs", "needs-evidence")


def leics_detached_youth_work(demo: Demo) -> None:
    """Consulted on, then cancelled when the budget went.

    Intended: consultation-length and consultation-feedback compliant; cancelled.
    """
    opened = demo.ago(months=8)
    ex = demo.open(
        "LEI-{year}-027",
        opened,
        RAVINDER,
        title="Detached youth work in North West Leicestershire",
        commissioner=LEICS,
        service_area="youth work",
        value=240_000,
        mechanism="contract",
        regime="PA2023",
        profile="leicestershire",
    )
    ex.involve(
        after(opened, weeks=1), "North West Leics Youth Partnership", "vcs", "needs-evidence"
    )
    closes = ex.consultation(
        after(opened, weeks=3),
        weeks=12,
        subject="Youth work on the streets of Coalville and Ashby",
        feedback_after=6,
    )
    ex.advance(after(closes, weeks=7), "plan")
    ex.record(
        "cancel",
        demo.ago(months=1),
        reason="The council's medium-term financial strategy removed the budget; the youth "
        "partnership was told in writing.",
    )


def leics_rural_transport(demo: Demo) -> None:
    """A pre-qualification stage on a small contract; the VCS first heard at tender.

    Intended: pqq-proportionate breach (a PQQ below the threshold); timetable-published
    not applicable (Leicestershire); bidder-feedback at-risk (two of three bidders still
    waiting, due within days).
    """
    opened = demo.ago(months=6)
    ex = demo.open(
        "LEI-{year}-033",
        opened,
        CLAIRE,
        title="Rural community transport: Melton and Harborough",
        commissioner=LEICS,
        service_area="community transport",
        value=85_000,
        mechanism="contract",
        regime="PA2023",
        profile="leicestershire",
    )
    ex.advance(after(opened, months=1), "plan")
    do = after(opened, months=3)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=6,
        where="East Midlands Tenders",
        pqq=questionnaire(minimum_turnover=100_000, questions=18),
    )
    ex.bids(
        before(closes, days=1),
        ("Melton Rural Wheels", "vcs", 84_000),
        ("Harborough Community Transport Trust", "vcs", 85_000),
        ("Horizon Transport Services Ltd", "private", 79_500),
    )
    ex.award(
        demo.ago(days=6),
        "Melton Rural Wheels",
        84_000,
        starts=demo.ahead(weeks=6),
        years=3,
        payment_terms="Monthly in arrears.",
    )
    # The two unsuccessful bidders are still waiting to hear why.
    ex.feedback(demo.ago(days=2), "Melton Rural Wheels")


def leics_older_peoples_advice(demo: Demo) -> None:
    """An older contract that ran its three years and ended on its end date.

    Intended: compliant throughout; notice not needed (previously defined end date).
    Closed.
    """
    opened = demo.ago(months=58)
    ex = demo.open(
        "LEI-{year}-002",
        opened,
        RAVINDER,
        title="Information and advice for older people",
        commissioner=LEICS,
        service_area="information and advice",
        value=330_000,
        mechanism="contract",
        regime="PCR2015",
        profile="leicestershire",
    )
    ex.involve(
        after(opened, weeks=2), "Leicestershire Older People's Forum", "vcs", "needs-evidence"
    )
    ex.advance(after(opened, months=1), "plan")
    ex.involve(after(opened, months=2), "Loughborough Community Advice", "vcs", "co-design")
    do = after(opened, months=4)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=8, by=CLAIRE)
    ex.bids(
        before(closes, days=1),
        ("Loughborough Community Advice", "vcs", 325_000),
        ("Leicestershire Older People's Forum", "vcs", 330_000),
    )
    awarded = after(do, weeks=11)
    starts = after(awarded, months=1)
    ends = ex.award(awarded, "Loughborough Community Advice", 325_000, starts=starts, years=3)
    ex.feedback(
        after(awarded, days=3),
        "Loughborough Community Advice",
        "Leicestershire Older People's Forum",
    )
    ex.monitor(
        after(awarded, weeks=3), "Quarterly enquiries and outcomes.", reports=4, indicators=6
    )
    ex.advance(after(starts, months=6), "review")
    ex.record(
        "review",
        before(ends, months=1),
        summary="Targets met; older people's advice joins the all-age advice hub.",
    )
    ex.record(
        "close",
        after(ends, months=2),
        reason="Ended on its end date; advice for older people is now part of the all-age hub.",
    )


def pcc_idva_service(demo: Demo) -> None:
    """Domestic abuse advocates: a higher turnover asked for, and a two-year term, explained.

    Intended: pqq-proportionate justified (turnover above twice the value, with a
    justification); funding-term justified (term_reason); consultation, feedback and
    bidder-feedback compliant.
    """
    opened = demo.ago(months=12)
    ex = demo.open(
        "OPCC-{year}-007",
        opened,
        DAN,
        title="Independent domestic violence advisers (IDVA) service",
        commissioner=LLR_PCC,
        service_area="domestic abuse support",
        value=640_000,
        mechanism="contract",
        regime="PA2023",
        profile="leicestershire",
    )
    ex.involve(after(opened, weeks=2), "Safe Spaces Leicestershire", "vcs", "needs-evidence")
    ex.involve(after(opened, weeks=2), "Leicestershire Police", "public", "needs-evidence")
    closes = ex.consultation(
        after(opened, months=1),
        weeks=12,
        subject="Support for victims of domestic abuse: IDVA service",
        feedback_after=4,
    )
    plan = after(closes, weeks=5)
    ex.advance(plan, "plan")
    ex.involve(after(plan, weeks=2), "Safe Spaces Leicestershire", "vcs", "co-design")
    ex.involve(after(plan, weeks=2), "LLR Survivors' Voice", "vcs", "co-design")
    do = after(plan, months=1)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=7,
        award_weeks=11,
        where="Find a Tender and the commissioner's website",
        pqq=questionnaire(
            minimum_turnover=1_500_000,
            professional_indemnity=2_000_000,
            questions=50,
            justification="A 24/7 helpline and the TUPE transfer of 14 advisers: the higher "
            "turnover is explained in the procurement documents.",
        ),
    )
    ex.bids(
        before(closes, days=1),
        ("Safe Spaces Leicestershire", "vcs", 638_000),
        ("Freedom Path Midlands", "vcs", 640_000),
        ("Safeline Solutions Ltd", "private", 596_000),
    )
    awarded = after(do, weeks=10)
    ex.award(
        awarded,
        "Safe Spaces Leicestershire",
        638_000,
        starts=after(awarded, weeks=6),
        years=2,
        payment_terms="Quarterly in advance.",
        term_reason="Matches the two-year victims' services grant settlement from the "
        "Ministry of Justice.",
    )
    ex.feedback(
        after(awarded, days=2),
        "Safe Spaces Leicestershire",
        "Freedom Path Midlands",
        "Safeline Solutions Ltd",
    )
    ex.monitor(
        after(awarded, weeks=2),
        "Quarterly victims supported, risk reduction and the Ministry of Justice return.",
        reports=4,
        indicators=12,
    )


def pcc_restorative_justice(demo: Demo) -> None:
    """Just started: the victims' groups bring the evidence, consultation running.

    Intended: consultation-length compliant (14 weeks, still open).
    """
    opened = demo.ago(weeks=6)
    ex = demo.open(
        "OPCC-{year}-011",
        opened,
        DAN,
        title="Restorative justice and victims' support grants",
        commissioner=LLR_PCC,
        service_area="victim support",
        value=150_000,
        mechanism="grant",
        regime="grant",
        profile="leicestershire",
    )
    ex.involve(demo.ago(weeks=5), "Restorative Leicestershire Network", "vcs", "needs-evidence")
    ex.consultation(demo.ago(weeks=4), weeks=14, subject="Restorative justice for victims of crime")


# -- Bexley (profile bexley, seed 003) ----------------------------------------------------


def bexley_befriending(demo: Demo) -> None:
    """Ended for poor performance, but only after an agreed improvement plan failed.

    Intended: notice-period, notice-in-writing, notice-rationale, impact-assessment and
    improvement-timetable compliant.
    """
    opened = demo.ago(months=36)
    ex = demo.open(
        "BEX-{year}-112",
        opened,
        TOM,
        title="Bexley befriending service for older people",
        commissioner=BEXLEY,
        service_area="befriending",
        value=180_000,
        mechanism="contract",
        regime="PCR2015",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=2), "Bexley Befriending Network", "vcs", "needs-evidence")
    closes = ex.consultation(
        after(opened, months=1),
        weeks=12,
        subject="Loneliness and isolation among older Bexley residents",
        feedback_after=4,
    )
    ex.advance(after(closes, weeks=5), "plan")
    do = after(closes, weeks=5, months=1)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=6, where="London Tenders Portal", by=JANET)
    ex.bids(
        before(closes, days=1),
        ("Bexley Befriending Network", "vcs", 178_000),
        ("Companionship Care Ltd", "private", 172_000),
    )
    awarded = after(do, weeks=10)
    starts = after(awarded, months=1)
    ex.award(
        awarded,
        "Bexley Befriending Network",
        178_000,
        starts=starts,
        years=3,
        payment_terms="Quarterly in arrears.",
    )
    ex.feedback(after(awarded, days=3), "Bexley Befriending Network", "Companionship Care Ltd")
    ex.monitor(
        after(awarded, weeks=2),
        "Quarterly visits made, people befriended and loneliness scores.",
        reports=4,
        indicators=8,
    )
    ex.advance(after(starts, months=6), "review")
    ex.record(
        "review",
        demo.ago(months=9),
        summary="Visits down by half; the volunteer coordinator post vacant for 8 months.",
        outcome="Improvement plan agreed with the provider: six months to recover.",
    )
    ex.involve(
        demo.ago(months=9),
        "Bexley Befriending Network",
        "vcs",
        "review",
        "Agreed a timetable of actions to improve performance.",
    )
    ex.record(
        "performance-discussed",
        demo.ago(months=9),
        provider="Bexley Befriending Network",
        timetable_agreed=True,
        summary="Six months to recover visits and recruit a volunteer coordinator.",
    )
    ex.record(
        "impact-assessed",
        demo.ago(months=5),
        summary="Current clients can move to the library service's befriending volunteers.",
    )
    ended = demo.ago(weeks=2)
    decision = ex.record(
        "decommission",
        demo.ago(months=4, weeks=2),
        change="end",
        effective=ended,
        provider="Bexley Befriending Network",
        poor_performance=True,
        reason="The agreed improvement plan was not met.",
    )
    ex.record(
        "notice",
        demo.ago(months=4),
        to="Bexley Befriending Network",
        effective=ended,
        in_writing=True,
        rationale="Improvement plan targets for visits and volunteers not met after six months.",
        for_decisions=[decision],
    )


def bexley_advice_partnership(demo: Demo) -> None:
    """A selection questionnaire asking for a turnover of 2.5 times the contract's value.

    Intended: pqq-proportionate breach (minimum turnover above twice the value, no
    justification); consultation and feedback compliant; bids in, no award yet.
    """
    opened = demo.ago(months=8)
    ex = demo.open(
        "BEX-{year}-118",
        opened,
        TOM,
        title="Bexley advice partnership",
        commissioner=BEXLEY,
        service_area="information and advice",
        value=240_000,
        mechanism="contract",
        regime="PA2023",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=2), "Thamesmead Advice Centre", "vcs", "needs-evidence")
    closes = ex.consultation(
        after(opened, weeks=3), weeks=12, subject="Advice services in Bexley", feedback_after=3
    )
    ex.advance(after(closes, weeks=4), "plan")
    do = demo.ago(weeks=7)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=6,
        where="London Tenders Portal",
        pqq=questionnaire(minimum_turnover=600_000, professional_indemnity=1_000_000, questions=35),
        by=JANET,
    )
    ex.bids(
        before(closes, days=1),
        ("Thamesmead Advice Centre", "vcs", 236_000),
        ("Bexley Money Matters", "vcs", 240_000),
        ("ClearPath Debt Solutions Ltd", "private", 219_000),
    )


def bexley_young_carers(demo: Demo) -> None:
    """Professional indemnity of £10m asked on a £60,000 contract.

    Intended: pqq-proportionate breach (insurance out of proportion; a pre-qualification
    stage below the threshold too).
    """
    opened = demo.ago(months=4)
    ex = demo.open(
        "BEX-{year}-121",
        opened,
        TOM,
        title="Young carers support service",
        commissioner=BEXLEY,
        service_area="carers support",
        value=60_000,
        mechanism="contract",
        regime="PA2023",
        profile="bexley",
    )
    ex.advance(after(opened, weeks=2), "plan")
    ex.involve(
        after(opened, weeks=4),
        "Bexley Young Carers Project",
        "vcs",
        "co-design",
        "Young carers designed the referral route and the respite days.",
    )
    ex.advance(demo.ago(weeks=3), "do")
    ex.procure(
        demo.ago(weeks=3),
        tender_weeks=5,
        where="London Tenders Portal",
        pqq=questionnaire(professional_indemnity=10_000_000, questions=18),
        by=JANET,
    )


def bexley_refuge(demo: Demo) -> None:
    """Three weeks' notice, in exceptional circumstances the Bexley Compact allows.

    Intended: notice-period justified (exceptional circumstances); notice-in-writing,
    notice-rationale and impact-assessment compliant. Second cycle analysing a new service.
    """
    opened = demo.ago(months=20)
    ex = demo.open(
        "BEX-{year}-104",
        opened,
        TOM,
        title="Domestic abuse refuge support",
        commissioner=BEXLEY,
        service_area="domestic abuse support",
        value=210_000,
        mechanism="contract",
        regime="PA2023",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=2), "Crayford Refuge Trust", "vcs", "needs-evidence")
    ex.advance(after(opened, months=1), "plan")
    ex.involve(after(opened, months=1, weeks=2), "Crayford Refuge Trust", "vcs", "co-design")
    do = after(opened, months=3)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=6, by=JANET)
    ex.bids(
        before(closes, days=1),
        ("Crayford Refuge Trust", "vcs", 208_000),
        ("Thames Gateway Housing Support", "vcs", 210_000),
    )
    awarded = after(do, weeks=9)
    starts = after(awarded, weeks=5)
    ex.award(
        awarded,
        "Crayford Refuge Trust",
        208_000,
        starts=starts,
        years=3,
        payment_terms="Monthly in advance.",
    )
    ex.feedback(after(awarded, days=2), "Crayford Refuge Trust", "Thames Gateway Housing Support")
    ex.monitor(
        after(awarded, weeks=2),
        "Quarterly occupancy, move-on outcomes and safeguarding log.",
        reports=4,
        indicators=9,
    )
    ex.advance(after(starts, months=3), "review")
    ex.record(
        "impact-assessed",
        demo.ago(weeks=6, days=2),
        summary="All eleven residents placed in partner refuges; none without support.",
    )
    ended = demo.ago(weeks=3)
    decision = ex.record(
        "decommission",
        demo.ago(weeks=6),
        change="end",
        effective=ended,
        provider="Crayford Refuge Trust",
        reason="The regulator suspended the provider's registration.",
    )
    ex.record(
        "notice",
        demo.ago(weeks=6),
        to="Crayford Refuge Trust",
        effective=ended,
        for_decisions=[decision],
        in_writing=True,
        rationale="Residents' safety after the suspension of the provider's registration.",
        exceptional_circumstances="Registration suspended after a safeguarding "
        "investigation; residents had to be moved within three weeks.",
    )
    ex.advance(demo.ago(days=5), "analyse")


def bexley_sidcup_day_centre(demo: Demo) -> None:
    """Notice given at a meeting, never in writing, and no impact assessment at all.

    Intended: notice-in-writing breach (verbal notice); impact-assessment breach
    (missing); notice-period compliant (over three months); notice-rationale compliant.
    """
    opened = demo.ago(months=34)
    ex = demo.open(
        "BEX-{year}-097",
        opened,
        TOM,
        title="Sidcup day centre for older people",
        commissioner=BEXLEY,
        service_area="day centres",
        value=150_000,
        mechanism="service-level-agreement",
        regime="PCR2015",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=2), "Sidcup Day Centre Association", "vcs", "needs-evidence")
    ex.advance(after(opened, months=1), "plan")
    do = after(opened, months=2)
    ex.advance(do, "do")
    starts = after(do, months=2)
    ex.award(
        after(do, months=1),
        "Sidcup Day Centre Association",
        150_000,
        starts=starts,
        years=3,
        payment_terms="Quarterly in advance.",
    )
    ex.monitor(
        after(do, months=1, weeks=1),
        "Quarterly attendance and a yearly members' survey.",
        reports=4,
        indicators=5,
    )
    ex.advance(after(starts, months=6), "review")
    closing = demo.ahead(months=2, weeks=2)
    decision = ex.record(
        "decommission",
        demo.ago(weeks=8),
        change="end",
        effective=closing,
        provider="Sidcup Day Centre Association",
        reason="Budget savings: day centre places consolidated at Bexleyheath.",
    )
    # Told at a meeting, never in a letter; entered ten days later from the minutes.
    ex.record(
        "notice",
        demo.ago(weeks=8),
        to="Sidcup Day Centre Association",
        effective=closing,
        for_decisions=[decision],
        in_writing=False,
        rationale="Savings target; places consolidated at Bexleyheath (said at the meeting).",
        late=10,
    )


def bexley_door_to_door(demo: Demo) -> None:
    """A two-year contract running out in under four months, and nobody has written yet.

    Intended: notice-period at-risk (the Bexley Compact, like the national one, wants
    three months' written notice even when a contract simply ends); funding-term
    justified (two years, reason recorded).
    """
    ends = demo.ahead(months=3, days=20)
    starts = after(before(ends, years=2), days=1)
    opened = before(starts, months=5)
    ex = demo.open(
        "BEX-{year}-109",
        opened,
        TOM,
        title="Door-to-door community transport",
        commissioner=BEXLEY,
        service_area="community transport",
        value=140_000,
        mechanism="contract",
        regime="PCR2015",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=1), "Bexley Door to Door", "vcs", "needs-evidence")
    ex.advance(after(opened, weeks=4), "plan")
    do = after(opened, weeks=8)
    ex.advance(do, "do")
    closes = ex.procure(do, tender_weeks=5, by=JANET)
    ex.bids(
        before(closes, days=1),
        ("Bexley Door to Door", "vcs", 138_000),
        ("Horizon Transport Services Ltd", "private", 131_000),
    )
    awarded = before(starts, weeks=6)
    ex.award(
        awarded,
        "Bexley Door to Door",
        138_000,
        starts=starts,
        years=2,
        payment_terms="Monthly in arrears.",
        term_reason="Two years while the council reviews its transport strategy.",
    )
    ex.feedback(after(awarded, days=4), "Bexley Door to Door", "Horizon Transport Services Ltd")
    ex.monitor(
        after(awarded, weeks=2),
        "Quarterly trips and passenger satisfaction.",
        reports=4,
        indicators=5,
    )
    ex.advance(after(starts, months=4), "review")


def bexley_youth_voice_grants(demo: Demo) -> None:
    """A grant round with three full months to apply; the panel has not yet met.

    Intended: funding-lead-time not applicable (Bexley sets no lead time; it would be
    compliant in Gloucestershire).
    """
    opened = demo.ago(months=5)
    ex = demo.open(
        "BEX-{year}-126",
        opened,
        TOM,
        title="Youth voice and participation grants",
        commissioner=BEXLEY,
        service_area="youth work",
        value=60_000,
        mechanism="grant",
        regime="grant",
        profile="bexley",
    )
    ex.involve(after(opened, weeks=1), "Bexley Youth Voice Trust", "vcs", "needs-evidence")
    ex.advance(after(opened, weeks=2), "plan")
    notified = demo.ago(months=4)
    ex.advance(notified, "do")
    deadline = after(notified, months=3)
    ex.record("funding-notified", notified, deadline=deadline, value=60_000)
    ex.bids(
        before(deadline, days=1),
        ("Bexley Youth Voice Trust", "vcs", 20_000),
        ("Erith Young People's Theatre", "vcs", 15_000),
        ("Thamesmead Youth Forum", "vcs", 18_000),
        ("Belvedere Sports Club", "vcs", 12_000),
    )


def bexley_mental_health_peer_support(demo: Demo) -> None:
    """A 14-week consultation reported back, and peers co-designing the service.

    Intended: consultation-length and consultation-feedback compliant; VCS before do.
    """
    opened = demo.ago(months=7)
    ex = demo.open(
        "BEX-{year}-130",
        opened,
        TOM,
        title="Mental health peer support",
        commissioner=BEXLEY,
        service_area="mental health peer support",
        value=195_000,
        mechanism="contract",
        regime="PA2023",
        profile="bexley",
    )
    closes = ex.consultation(
        after(opened, weeks=2),
        weeks=14,
        subject="Peer support for adults with mental health needs",
        responses=("Bexley Wellbeing Collective",),
        feedback_after=3,
    )
    plan = after(closes, weeks=4)
    ex.advance(plan, "plan")
    ex.involve(after(plan, weeks=1), "Bexley Wellbeing Collective", "vcs", "co-design")
    ex.involve(after(plan, weeks=1), "Oxleas NHS Foundation Trust", "public", "co-design")
    ex.involve(
        after(plan, weeks=3),
        "Bexley Wellbeing Collective",
        "vcs",
        "specification-input",
        "Peers commented on the draft; the council wrote the specification.",
    )


def bexley_digital_inclusion(demo: Demo) -> None:
    """Planned with private suppliers only; no VCS involvement before the tender.

    Intended: nothing to check yet; shows an exercise without VCS co-design.
    """
    opened = demo.ago(months=3)
    ex = demo.open(
        "BEX-{year}-133",
        opened,
        JANET,
        title="Digital inclusion advice and device lending",
        commissioner=BEXLEY,
        service_area="information and advice",
        value=90_000,
        mechanism="contract",
        regime="PA2023",
        profile="bexley",
    )
    ex.advance(after(opened, weeks=6), "plan")
    ex.involve(
        after(opened, weeks=8), "Meridian Support Services Ltd", "private", "market-engagement"
    )


# -- central government (profile national) ----------------------------------------------


def nhse_veterans_peer_support(demo: Demo) -> None:
    """A central authority under the Provider Selection Regime; bids under evaluation.

    Intended: pqq-proportionate justified (two years' accounts asked for, with the reason
    recorded); consultation and feedback compliant; no award yet.
    """
    opened = demo.ago(months=8)
    ex = demo.open(
        "NHSE-MID-{year}-019",
        opened,
        PRIYA,
        title="Veterans' mental health community peer support (Midlands)",
        commissioner=NHSE_MIDLANDS,
        service_area="mental health peer support",
        value=420_000,
        mechanism="contract",
        regime="PSR2023",
        authority="central",
        profile="national",
    )
    closes = ex.consultation(
        after(opened, weeks=2),
        weeks=12,
        subject="Peer support for veterans in the Midlands",
        feedback_after=2,
    )
    ex.advance(after(closes, weeks=3), "plan")
    ex.involve(after(closes, weeks=4), "Veterans Peer Network Midlands", "vcs", "co-design")
    do = demo.ago(weeks=10)
    ex.advance(do, "do")
    closes = ex.procure(
        do,
        tender_weeks=7,
        award_weeks=13,
        where="Find a Tender",
        pqq=questionnaire(
            minimum_turnover=400_000,
            years_accounts=2,
            track_record_reason="Clinical governance for a regulated health service; new "
            "organisations may rely on a partner's accounts.",
            professional_indemnity=2_000_000,
            questions=45,
        ),
    )
    ex.bids(
        before(closes, days=1),
        ("Veterans Peer Network Midlands", "vcs", 415_000),
        ("Forces Families Support CIC", "vcs", 398_000),
        ("Optimum Health Partnerships Ltd", "private", 389_000),
    )


STORIES: tuple[Callable[[Demo], None], ...] = (
    glos_welfare_rights,
    leics_older_peoples_advice,
    leics_day_services,
    glos_rural_youth_work,
    glos_day_centres,
    bexley_befriending,
    bexley_sidcup_day_centre,
    glos_community_transport,
    bexley_door_to_door,
    glos_carers_support,
    glos_domestic_abuse_outreach,
    bexley_refuge,
    leics_befriending_grants,
    pcc_idva_service,
    glos_befriending_grants,
    glos_information_and_advice,
    leics_detached_youth_work,
    bexley_advice_partnership,
    nhse_veterans_peer_support,
    bexley_mental_health_peer_support,
    glos_icb_peer_support,
    leics_rural_transport,
    leics_debt_advice,
    glos_household_support_grants,
    bexley_young_carers,
    bexley_youth_voice_grants,
    bexley_digital_inclusion,
    leics_carers_breaks,
    glos_vcs_infrastructure,
    pcc_restorative_justice,
    glos_home_from_hospital,
)
"""The stories, oldest exercise first (roughly), as a portfolio would have grown."""


def fill_demo_store(tracker: Tracker) -> list[str]:
    """Record the demo exercises through ``tracker``; returns the references made.

    The stories become one import (``Tracker.import_commands``): every command goes
    through the exercise's checks, and all of them are stored together or none. A story
    whose reference is already in the store is left out, so ``demo --force`` on a store
    holding the demo adds only what is missing.
    """
    demo = Demo(tracker)
    for story in STORIES:
        try:
            story(demo)
        except _AlreadyRecorded:
            continue
    if demo.commands:
        tracker.import_commands(demo.as_json_lines(), source="the demo", keep_recorded_at=True)
    return demo.made
