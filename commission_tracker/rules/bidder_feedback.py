"""``bidder-feedback``: every bidder, successful or not, gets feedback after the award.

"Provide timely feedback to all VCS organisations that bid, whether they are successful or
not" (seed 004 3.3.11); "Ensure that bidders are aware of, and entitled to, constructive
feedback" (seed 000 s.4). DESIGN.md asks it for every bidder, as PA2023 s.50 does for
assessment summaries, so bidders from every sector are checked.

Every bid is owed its own feedback: a second bid from the same organisation (a re-tender in
a later cycle) never hides an earlier bid's missing feedback. Each feedback answers the
latest bid from that bidder, received on or before it, not yet answered. A bid is decided
by the first award made on or after it. Feedback given on or after the bid counts, even
before the award (PA2023 assessment summaries precede the award notice), and is due
``bidder_feedback_working_days`` working days (England) after the award; given later, it
is a breach ("timely feedback", 3.3.11) that arriving does not undo. None yet is pending.
"""

from __future__ import annotations

from collections import Counter

from commission_tracker.aggregates.events import BidderFeedbackGiven
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import (
    evidence,
    not_applicable,
    pending,
    same_organisation,
    settled,
)
from commission_tracker.rules.dates import add_working_days, long_date
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.profiles import Profile

BIDDER_FEEDBACK = "bidder-feedback"


def _answers(exercise: CommissioningExercise) -> dict[int, BidderFeedbackGiven]:
    """Bid sequence -> the feedback that answers it."""
    answered: dict[int, BidderFeedbackGiven] = {}
    bids = sorted(exercise.bids, key=lambda b: (b.on, b.sequence))
    for feedback in sorted(exercise.bidder_feedback, key=lambda f: (f.on, f.sequence)):
        open_bids = [
            bid
            for bid in bids
            if bid.sequence not in answered
            and same_organisation(bid.bidder, feedback.bidder)
            and bid.on <= feedback.on
        ]
        if open_bids:
            answered[open_bids[-1].sequence] = feedback
    return answered


def bidder_feedback(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``bidder-feedback``: one check per bid."""
    if not exercise.bids:
        return [not_applicable(exercise, profile, BIDDER_FEEDBACK, "No bid is received yet.")]
    awards = sorted(exercise.awards, key=lambda a: (a.on, a.sequence))
    answers = _answers(exercise)
    several = Counter(" ".join(b.bidder.split()).casefold() for b in exercise.bids)
    checks = []
    for bid in exercise.bids:
        key = " ".join(bid.bidder.split()).casefold()
        subject = f"bid from {bid.bidder}"
        if several[key] > 1:
            subject = f"bid #{bid.sequence} from {bid.bidder}"
        bid_fact = evidence(bid, f"bid from {bid.bidder} ({bid.sector})")
        award = next((a for a in awards if a.on >= bid.on), None)
        if award is None:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    BIDDER_FEEDBACK,
                    f"No award has followed the bid from {bid.bidder} yet; feedback is due "
                    "after it.",
                    subject=subject,
                    facts=[bid_fact],
                )
            )
            continue
        terms = profile.terms_on(award.on)
        award_fact = evidence(award, f"awarded to {award.provider}")
        if terms.bidder_feedback_working_days == 0:
            checks.append(
                not_applicable(
                    exercise,
                    profile,
                    BIDDER_FEEDBACK,
                    f"{profile.title} sets no period for feedback to bidders.",
                    subject=subject,
                    facts=[bid_fact, award_fact],
                )
            )
            continue
        due = add_working_days(award.on, terms.bidder_feedback_working_days)
        figures = {
            "required": terms.bidder_feedback_working_days,
            "unit": "working days after the award",
            "awarded": award.on.isoformat(),
            "due": due.isoformat(),
        }
        outcome = "successful" if same_organisation(award.provider, bid.bidder) else "unsuccessful"
        feedback = answers.get(bid.sequence)
        if feedback is not None:
            figures["actual"] = feedback.on.isoformat()
            if feedback.on <= due:
                status = Status.COMPLIANT
                message = f"{bid.bidder} was given feedback on its bid on {long_date(feedback.on)}."
            else:
                status = Status.BREACH
                message = (
                    f"{bid.bidder} ({outcome}) was given feedback on its bid only on "
                    f"{long_date(feedback.on)}, after {long_date(due)}, "
                    f"{terms.bidder_feedback_working_days} working days after the award of "
                    f"{long_date(award.on)}."
                )
            checks.append(
                settled(
                    exercise,
                    profile,
                    BIDDER_FEEDBACK,
                    subject=subject,
                    status=status,
                    message=message,
                    facts=[bid_fact, award_fact, evidence(feedback, "feedback given")],
                    figures=figures,
                )
            )
            continue
        checks.append(
            pending(
                exercise,
                profile,
                BIDDER_FEEDBACK,
                subject=subject,
                due=due,
                at_risk_days=terms.at_risk_days,
                message=(
                    f"{bid.bidder} ({outcome}) should have feedback on its bid by {long_date(due)}."
                ),
                at_risk_message=(
                    f"{bid.bidder} ({outcome}) has had no feedback on its bid yet; it is due by "
                    f"{long_date(due)}."
                ),
                breach_message=(
                    f"{bid.bidder} ({outcome}) was given no feedback on its bid by "
                    f"{long_date(due)}, {terms.bidder_feedback_working_days} working days after "
                    f"the award of {long_date(award.on)}."
                ),
                facts=[bid_fact, award_fact],
                figures=figures,
            )
        )
    return checks
