"""What a rule says about an exercise: a :class:`Check`, and that check as at a day.

A check is made from the event log alone, so its content never depends on "today". A check
whose verdict does depend on the day (a notice not yet given, feedback not yet published)
is *pending*: it carries the last day on which compliance is still possible (``due``), the
day from which it should read at-risk (``at_risk_from``) and the sentences for each stage.
:func:`resolve` turns it into a verdict for a given day, so projections can store checks
once and answer "as at" any day by comparing dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A check's verdict (DESIGN.md section 4)."""

    COMPLIANT = "compliant"
    BREACH = "breach"
    JUSTIFIED = "justified"
    """A breach with a recorded reason the Compact accepts (e.g. exceptional circumstances)."""
    AT_RISK = "at-risk"
    """Not yet due, but the last day to comply is near and it has not been done."""
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class Evidence:
    """One recorded fact a check rests on, named so an analyst can find it in the log."""

    sequence: int
    """The fact's number in its exercise's log."""
    fact: str
    """The fact's kind: its event class name, e.g. ``NoticeGiven``."""
    on: date
    """The fact's business date."""
    detail: str
    """What the fact says that matters to this check, in words."""

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "fact": self.fact,
            "on": self.on.isoformat(),
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            sequence=int(data["sequence"]),
            fact=str(data["fact"]),
            on=date.fromisoformat(data["on"]),
            detail=str(data["detail"]),
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True, kw_only=True)
class Check:
    """One rule's verdict on one subject of an exercise, with its figures and evidence.

    ``status`` is ``None`` while the check is pending; read it with :meth:`at`.
    """

    exercise: str
    """The exercise's reference."""
    rule: str
    """The rule's stable id, e.g. ``notice-period``."""
    subject: str
    """What the check is about (``notice #7 to Carers Glos``); empty for the whole exercise."""
    status: Status | None
    message: str
    """The sentence for a settled status; for a pending check, the sentence while not near."""
    source: str
    """The clauses the rule puts into practice."""
    profile: str
    """The Compact profile the check was made against."""
    evidence: tuple[Evidence, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict, hash=False)
    """Required versus actual, JSON-ready (numbers, ISO dates, amounts as strings)."""
    due: date | None = None
    """The last day on which compliance is still possible (pending checks, live duties)."""
    at_risk_from: date | None = None
    """Pending only: from this day the check reads at-risk."""
    at_risk_message: str | None = None
    breach_message: str | None = None
    """Pending only: the sentence once ``due`` has passed."""
    reasons: tuple[str, ...] = ()
    """Each failed test, named (``pqq-proportionate``)."""

    def __post_init__(self) -> None:
        if self.status is None and (self.due is None or self.breach_message is None):
            raise ValueError("A pending check needs a due date and a breach message.")
        if self.at_risk_from is not None and self.at_risk_message is None:
            raise ValueError("A check with an at-risk date needs an at-risk message.")

    @property
    def pending(self) -> bool:
        """Whether the verdict depends on the day it is read."""
        return self.status is None

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the check within a portfolio: exercise, rule and subject."""
        return (self.exercise, self.rule, self.subject)

    def at(self, today: date) -> ResolvedCheck:
        """The check's verdict as at ``today``."""
        return resolve(self, today)

    def to_json(self) -> dict[str, Any]:
        """The check as stored: ``status`` is ``null`` while pending."""
        return {
            "exercise": self.exercise,
            "rule": self.rule,
            "subject": self.subject,
            "status": self.status.value if self.status is not None else None,
            "message": self.message,
            "source": self.source,
            "profile": self.profile,
            "evidence": [item.to_json() for item in self.evidence],
            "figures": dict(self.figures),
            "due": _iso(self.due),
            "at_risk_from": _iso(self.at_risk_from),
            "at_risk_message": self.at_risk_message,
            "breach_message": self.breach_message,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        """The check :meth:`to_json` wrote (for projections that store checks as JSON)."""
        status = data.get("status")
        return cls(
            exercise=data["exercise"],
            rule=data["rule"],
            subject=data.get("subject", ""),
            status=Status(status) if status is not None else None,
            message=data["message"],
            source=data["source"],
            profile=data["profile"],
            evidence=tuple(Evidence.from_json(item) for item in data.get("evidence", ())),
            figures=dict(data.get("figures", {})),
            due=_day(data.get("due")),
            at_risk_from=_day(data.get("at_risk_from")),
            at_risk_message=data.get("at_risk_message"),
            breach_message=data.get("breach_message"),
            reasons=tuple(data.get("reasons", ())),
        )


@dataclass(frozen=True)
class ResolvedCheck:
    """A check's verdict as at one day: what a user is shown."""

    check: Check
    status: Status
    message: str
    as_at: date

    @property
    def exercise(self) -> str:
        return self.check.exercise

    @property
    def rule(self) -> str:
        return self.check.rule

    @property
    def subject(self) -> str:
        return self.check.subject

    @property
    def source(self) -> str:
        return self.check.source

    @property
    def profile(self) -> str:
        return self.check.profile

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.check.evidence

    @property
    def figures(self) -> dict[str, Any]:
        return self.check.figures

    @property
    def due(self) -> date | None:
        return self.check.due

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.check.reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "rule": self.rule,
            "subject": self.subject,
            "status": self.status.value,
            "message": self.message,
            "source": self.source,
            "profile": self.profile,
            "evidence": [item.to_json() for item in self.evidence],
            "figures": dict(self.figures),
            "due": _iso(self.due),
            "reasons": list(self.reasons),
            "pending": self.check.pending,
            "as_at": self.as_at.isoformat(),
        }


def resolve(check: Check, today: date) -> ResolvedCheck:
    """The verdict of ``check`` as at ``today``.

    A settled check keeps its status and message. A pending one is compliant before
    ``at_risk_from``, at-risk from then through ``due``, and a breach after ``due``.
    """
    if check.status is not None:
        return ResolvedCheck(check, check.status, check.message, today)
    assert check.due is not None and check.breach_message is not None  # __post_init__
    if today > check.due:
        return ResolvedCheck(check, Status.BREACH, check.breach_message, today)
    if check.at_risk_from is not None and today >= check.at_risk_from:
        assert check.at_risk_message is not None
        return ResolvedCheck(check, Status.AT_RISK, check.at_risk_message, today)
    return ResolvedCheck(check, Status.COMPLIANT, check.message, today)


FLAGGED = frozenset({Status.BREACH, Status.JUSTIFIED, Status.AT_RISK})
"""The verdicts reported as flags: breaches, justified breaches and at-risk checks."""


def flagged_from(check: Check) -> date | None:
    """The first day on which ``check`` resolves to a flag (:data:`FLAGGED`), or ``None``
    if it never does; from that day on it stays one, so "flagged as at ``today``" is
    ``flagged_from(check) <= today``. A settled flag is one on every day (``date.min``).

    A pending check is flagged from ``at_risk_from`` or the day after ``due``, whichever
    comes first; once flagged, it is a breach exactly when ``today > due`` and otherwise
    at-risk (:func:`resolve`, which a test holds this to).
    """
    if check.status is not None:
        return date.min if check.status in FLAGGED else None
    assert check.due is not None  # __post_init__
    after_due = check.due + timedelta(days=1) if check.due < date.max else None
    days = [day for day in (check.at_risk_from, after_due) if day is not None]
    return min(days) if days else None


def resolve_all(checks: list[Check], today: date) -> list[ResolvedCheck]:
    """Every check's verdict as at ``today``, in the same order."""
    return [resolve(check, today) for check in checks]
