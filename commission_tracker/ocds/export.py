"""``ctrack export-ocds``: exercises as OCDS 1.1 release packages or record packages.

Each fact becomes one release (a change of state), dated by its recorded time and tagged
by its stage; the OCDS fields the fact has (title and buyer, the tender and its periods,
awards with their suppliers, contracts) are filled, and the fact itself rides in our
``compact`` extension (see :mod:`commission_tracker.ocds.extension`), so Compact facts
OCDS has no field for (involvement, consultations, notices...) are kept. A record package
adds each process's compiled release (:func:`commission_tracker.ocds.merge.merge`).

An exercise read in from published notices keeps its ``ocid``; one recorded here gets
``ocds-ctrack-`` and its reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commission_tracker.ocds.extension import NOT_EXPORTED, fact_extension
from commission_tracker.ocds.merge import merge

if TYPE_CHECKING:
    from commission_tracker.aggregates.events import ExerciseEvent
    from commission_tracker.aggregates.exercise import CommissioningExercise
    from commission_tracker.application.service import Tracker

OCID_PREFIX = "ocds-ctrack-"
PACKAGE_URI = "urn:commission-tracker:export"
PUBLISHER = {"name": "commission-tracker export"}

TENDER_STATUSES = {"planning", "planned", "active", "cancelled", "unsuccessful", "complete"}
TENDER_STATUSES |= {"withdrawn"}
AWARD_STATUSES = {"pending", "active", "cancelled", "unsuccessful"}
CONTRACT_STATUSES = {"pending", "active", "cancelled", "terminated"}
METHODS = {"open", "selective", "limited", "direct"}

TAGS = {
    "ExerciseOpened": "planning",
    "PlanningPublished": "planning",
    "TenderPublished": "tender",
    "TimetablePublished": "tender",
    "PQQIssued": "tender",
    "FundingOpportunityNotified": "tender",
    "TenderDetailsPublished": "tenderUpdate",
    "BidReceived": "tenderUpdate",
    "Awarded": "award",
    "BidderFeedbackGiven": "awardUpdate",
    "ContractPublished": "contract",
    "MonitoringSet": "implementation",
    "ImpactAssessed": "implementationUpdate",
    "DecommissionDecided": "implementationUpdate",
    "NoticeGiven": "implementationUpdate",
    "ReviewCompleted": "implementationUpdate",
    "ExerciseClosed": "implementationUpdate",
    "ExerciseCancelled": "tenderCancellation",
}
"""The stage each kind of fact is tagged with; the others take the exercise's phase."""
PHASE_TAGS = {
    "analyse": "planningUpdate",
    "plan": "planningUpdate",
    "do": "tenderUpdate",
    "review": "implementationUpdate",
}


def _tag(kind: str, fact: ExerciseEvent, phase: str) -> str:
    if kind == "AwardPublished":
        return "awardUpdate" if getattr(fact, "updates", None) else "award"
    return TAGS.get(kind, PHASE_TAGS.get(phase, "planningUpdate"))


def ocid_of(exercise: CommissioningExercise) -> str:
    return exercise.ocid or f"{OCID_PREFIX}{exercise.reference}"


def _amount(value: Decimal | None) -> dict[str, Any] | None:
    if value is None:
        return None
    number: int | float = int(value) if value == value.to_integral_value() else float(value)
    return {"amount": number, "currency": "GBP"}


def _time(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day is not None else None


def _period(starts: date | None, ends: date | None) -> dict[str, Any] | None:
    period = {k: v for k, v in (("startDate", _time(starts)), ("endDate", _time(ends))) if v}
    return period or None


def _org_id(name: str) -> str:
    return "ctrack-org-" + re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None}


def _ocds_fields(
    exercise: CommissioningExercise, fact: ExerciseEvent, release: dict[str, Any]
) -> None:
    """Fill the OCDS fields the fact has."""
    kind = type(fact).__name__
    tender_id = exercise.reference
    data: Any = fact
    if kind == "ExerciseOpened":
        release["tender"] = _clean(
            {"id": tender_id, "title": data.title, "value": _amount(data.value)}
        )
    elif kind == "PlanningPublished":
        planning = _clean(
            {
                "budget": {"amount": _amount(data.budget)} if data.budget is not None else None,
                "rationale": data.rationale,
            }
        )
        if planning:
            release["planning"] = planning
    elif kind == "TenderPublished":
        release["tender"] = _clean({"id": tender_id, "tenderPeriod": _period(fact.on, data.closes)})
    elif kind == "TimetablePublished":
        release["tender"] = _clean(
            {
                "id": tender_id,
                "tenderPeriod": _period(None, data.tender_deadline),
                "awardPeriod": _period(None, data.award_by),
            }
        )
    elif kind == "TenderDetailsPublished":
        suitability = _clean({"vcse": data.suitable_for_vcse, "sme": data.suitable_for_sme})
        release["tender"] = _clean(
            {
                "id": tender_id,
                "title": data.title,
                "status": data.status if data.status in TENDER_STATUSES else None,
                "value": _amount(data.value),
                "minValue": _amount(data.minimum_value),
                "procurementMethod": data.procedure if data.procedure in METHODS else None,
                "procurementMethodDetails": data.procedure_details,
                "tenderPeriod": _period(data.opens, data.closes),
                "contractPeriod": _period(data.contract_starts, data.contract_ends),
                "suitability": suitability or None,
            }
        )
    elif kind == "BidReceived":
        org = {"id": _org_id(data.bidder), "name": data.bidder}
        release["tender"] = {"id": tender_id, "tenderers": [org]}
        release["parties"].append({**org, "roles": ["tenderer"]})
    elif kind in {"Awarded", "AwardPublished"}:
        names = [data.provider] if kind == "Awarded" else list(data.suppliers)
        suppliers = [{"id": _org_id(name), "name": name} for name in names]
        award_id = (
            f"{exercise.reference}-award-{fact.sequence}" if kind == "Awarded" else data.award
        )
        status = "active" if kind == "Awarded" else data.status
        release["awards"] = [
            _clean(
                {
                    "id": award_id,
                    "status": status if status in AWARD_STATUSES else None,
                    "date": _time(fact.on if kind == "Awarded" else data.awarded_on),
                    "value": _amount(data.value),
                    "suppliers": suppliers or None,
                    "contractPeriod": _period(data.starts, data.ends),
                }
            )
        ]
        release["parties"].extend({**s, "roles": ["supplier"]} for s in suppliers)
    elif kind == "ContractPublished" and data.award:
        release["contracts"] = [
            _clean(
                {
                    "id": data.contract,
                    "awardID": data.award,
                    "status": data.status if data.status in CONTRACT_STATUSES else None,
                    "value": _amount(data.value),
                    "period": _period(data.starts, data.ends),
                    "dateSigned": _time(data.signed),
                }
            )
        ]


def releases_of(exercise: CommissioningExercise) -> list[dict[str, Any]]:
    """One release per fact of the exercise (import bookkeeping left out)."""
    ocid = ocid_of(exercise)
    buyer = {"id": _org_id(exercise.commissioner), "name": exercise.commissioner}
    releases = []
    phase = "analyse"
    for fact in exercise.log:
        kind = type(fact).__name__
        if kind == "PhaseChanged":
            phase = str(getattr(fact, "to_phase", phase))
        if kind in NOT_EXPORTED:
            continue
        release: dict[str, Any] = {
            "ocid": ocid,
            "id": f"{exercise.reference}-{fact.sequence}",
            "date": fact.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "tag": [_tag(kind, fact, phase)],
            "initiationType": "tender",
            "language": "en",
            "buyer": buyer,
            "parties": [{**buyer, "roles": ["buyer"]}],
        }
        _ocds_fields(exercise, fact, release)
        release["compact"] = fact_extension(exercise.reference, fact)
        releases.append(release)
    return releases


def _exercises(tracker: Tracker, references: Iterable[str] | None) -> list[CommissioningExercise]:
    if references is None:
        return tracker.exercises()
    return [tracker.exercise(reference) for reference in references]


def export_package(
    tracker: Tracker, references: Iterable[str] | None, *, record_package: bool = False
) -> dict[str, Any]:
    """The exercises named (``None``: every one) as one OCDS 1.1 package."""
    package: dict[str, Any] = {
        "uri": PACKAGE_URI,
        "version": "1.1",
        "publishedDate": datetime.now(UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "publisher": PUBLISHER,
    }
    exercises = _exercises(tracker, references)
    if record_package:
        records = []
        for exercise in exercises:
            releases = releases_of(exercise)
            records.append(
                {
                    "ocid": ocid_of(exercise),
                    "releases": releases,
                    "compiledRelease": merge(releases),
                }
            )
        package["records"] = records
    else:
        package["releases"] = [r for exercise in exercises for r in releases_of(exercise)]
    return package
