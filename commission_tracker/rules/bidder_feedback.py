"""``bidder-feedback``: every bidder, successful or not, gets feedback after the award.

"Provide timely feedback to all VCS organisations that bid, whether they are successful or
not" (seed 004 3.3.11); "Ensure that bidders are aware of, and entitled to, constructive
feedback" (seed 000 s.4). DESIGN.md asks it for every bidder, as PA2023 s.50 does for
assessment summaries, so bidders from every sector are checked.

A bid is answered by the first award made on or after it. Feedback recorded on or after the
bid counts, even before the award (PA2023 assessment summaries precede the award notice).
Without it the check is pending, due ``bidder_feedback_working_days`` working days (England)
after the award.
"""

from __future__ import annotations

from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.rules.common import evidence, not_applicable, pending, settled
from commission_tracker.rules.dates import add_working_days, long_date
from commission_tracker.rules.model import Check, Status
from commission_tracker.rules.profiles import Profile

BIDDER_FEEDBACK = "bidder-feedback"


def bidder_feedback(exercise: CommissioningExercise, profile: Profile) -> list[Check]:
    """``bidder-feedback``: one check per bidder."""
    if not exercise.bids:
        return [not_applicable(exercise, profile, BIDDER_FEEDBACK, "No bid is received yet.")]
    awards = sorted(exercise.awards, key=lambda a: (a.on, a.sequence))
    checks = []
    for key, bid in exercise.bids.items():
        subject = f"bid from {bid.bidder}"
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
        feedback = exercise.bidder_feedback.get(key)
        if feedback is not None and feedback.on >= bid.on:
            figures["actual"] = feedback.on.isoformat()
            checks.append(
                settled(
                    exercise,
                    profile,
                    BIDDER_FEEDBACK,
                    subject=subject,
                    status=Status.COMPLIANT,
                    message=(
                        f"{bid.bidder} was given feedback on its bid on {long_date(feedback.on)}."
                    ),
                    facts=[bid_fact, award_fact, evidence(feedback, "feedback given")],
                    figures=figures,
                )
            )
            continue
        outcome = "successful" if award.provider.casefold() == key else "unsuccessful"
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
