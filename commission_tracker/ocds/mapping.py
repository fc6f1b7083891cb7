"""What one OCDS release says, in the exercise's terms.

Only what the release states is taken; what it does not state stays ``None`` (unknown),
never guessed. OCDS 1.0 and 1.1 shapes are both read, with the quirks of real UK data
(PROCUREMENT.md, "Open data: OCDS"): a 1.0 ``buyer`` object instead of ``parties``,
integer ids, a null ``value.amount`` beside a ``minValue``, Contracts Finder's
``xClassifications`` (``isSuitableForVco``, ``isSuitableForSme``) and, in its 1.0
packages, a ``tenderPeriod`` that holds the contract's period. Amounts are kept only in
pounds (``GBP``): an amount in another currency is unknown here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from commission_tracker.ocds.reader import Release, parse_time

TENDER_CLOSES_IS_CONTRACT_PERIOD = "1.0"
"""Contracts Finder's OCDS 1.0 packages put the contract's period in ``tenderPeriod``."""


@dataclass
class ReleaseFacts:
    """One release's content, mapped: each part ``None`` where the release has none."""

    release: Release
    title: str | None = None
    buyer: str | None = None
    category: str | None = None
    planning: dict[str, Any] | None = None
    tender: dict[str, Any] | None = None
    awards: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    bidders: list[str] = field(default_factory=list)
    compact: dict[str, Any] | None = None
    """The facts of our own extension, when ctrack wrote the release."""

    @property
    def day(self) -> date:
        return self.release.date.date()

    def earliest(self) -> date:
        """The earliest day this release says something happened on."""
        days = [self.day]
        if self.tender and self.tender.get("opens"):
            days.append(self.tender["opens"])
        days.extend(a["awarded_on"] for a in self.awards if a.get("awarded_on"))
        days.extend(c["signed"] for c in self.contracts if c.get("signed"))
        return min(d for d in days if d <= self.day) if days else self.day


def text(value: Any) -> str | None:
    """A string value stripped, or ``None`` if it is empty or not text (ids may be numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    # Contracts Finder escapes some characters as HTML entities (St Bede&apos;s).
    stripped = " ".join(html.unescape(value).split())
    return stripped or None


def day(value: Any) -> date | None:
    moment = parse_time(value)
    return moment.date() if moment is not None else None


def money(value: Any) -> Decimal | None:
    """Pounds from an OCDS Value (``{"amount": 1, "currency": "GBP"}``); else ``None``."""
    if not isinstance(value, dict):
        return None
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    if (value.get("currency") or "GBP") != "GBP":
        return None
    try:
        pounds = Decimal(str(amount))
    except InvalidOperation:
        return None
    if not pounds.is_finite() or pounds < 0:
        return None
    pence = pounds.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return pence.quantize(Decimal(1)) if pence == pence.to_integral_value() else pence


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def buyer_name(data: dict[str, Any]) -> str | None:
    for party in _list(data.get("parties")):
        if isinstance(party, dict) and "buyer" in _list(party.get("roles")):
            name = text(party.get("name")) or text(_dict(party.get("identifier")).get("legalName"))
            if name:
                return name
    buyer = _dict(data.get("buyer"))
    return text(buyer.get("name")) or text(_dict(buyer.get("identifier")).get("legalName"))


def _party_names(data: dict[str, Any]) -> dict[str, str]:
    names = {}
    for party in _list(data.get("parties")):
        if isinstance(party, dict) and text(party.get("id")) and text(party.get("name")):
            names[str(text(party.get("id")))] = str(text(party.get("name")))
    return names


def _period(value: Any) -> tuple[date | None, date | None]:
    period = _dict(value)
    return day(period.get("startDate")), day(period.get("endDate"))


def map_release(release: Release) -> ReleaseFacts:
    data = release.data
    facts = ReleaseFacts(release)
    facts.buyer = buyer_name(data)
    extension = data.get("compact")
    if isinstance(extension, dict) and isinstance(extension.get("fact"), dict):
        facts.compact = extension
    planning = _dict(data.get("planning"))
    if planning:
        facts.planning = {
            "budget": money(_dict(planning.get("budget")).get("amount")),
            "rationale": text(planning.get("rationale")),
        }
    tender = _dict(data.get("tender"))
    if tender:
        facts.tender = _tender(release, tender)
        facts.title = facts.tender.get("title")
        facts.category = text(tender.get("mainProcurementCategory"))
        for bid in _list(_dict(data.get("bids")).get("details")):
            for tenderer in _list(_dict(bid).get("tenderers")):
                name = text(_dict(tenderer).get("name"))
                if name and name not in facts.bidders:
                    facts.bidders.append(name)
    names = _party_names(data)
    for number, award in enumerate(_list(data.get("awards")), start=1):
        award = _dict(award)
        suppliers = []
        for supplier in _list(award.get("suppliers")):
            supplier = _dict(supplier)
            name = text(supplier.get("name")) or names.get(str(text(supplier.get("id"))))
            if name and name not in suppliers:
                suppliers.append(name)
        starts, ends = _period(award.get("contractPeriod"))
        facts.awards.append(
            {
                "award": text(award.get("id")) or f"award {number}",
                "status": text(award.get("status")),
                "suppliers": suppliers,
                "value": money(award.get("value")),
                "starts": starts,
                "ends": ends,
                "awarded_on": day(award.get("date")),
            }
        )
    for number, contract in enumerate(_list(data.get("contracts")), start=1):
        contract = _dict(contract)
        starts, ends = _period(contract.get("period"))
        paid = [
            money(_dict(t).get("value") or _dict(t).get("amount"))
            for t in _list(_dict(contract.get("implementation")).get("transactions"))
        ]
        facts.contracts.append(
            {
                "contract": text(contract.get("id")) or f"contract {number}",
                "award": text(contract.get("awardID")),
                "status": text(contract.get("status")),
                "value": money(contract.get("value")),
                "starts": starts,
                "ends": ends,
                "signed": day(contract.get("dateSigned")),
                "paid": sum(p for p in paid if p is not None) if any(paid) else None,
            }
        )
    return facts


def _tender(release: Release, tender: dict[str, Any]) -> dict[str, Any]:
    opens, closes = _period(tender.get("tenderPeriod"))
    contract_starts, contract_ends = _period(tender.get("contractPeriod"))
    classifications = _dict(tender.get("xClassifications"))
    if release.version == TENDER_CLOSES_IS_CONTRACT_PERIOD and classifications:
        # Contracts Finder 1.0: the "tender period" is the contract's period.
        contract_starts, contract_ends, opens, closes = opens, closes, None, None
    suitability = _dict(tender.get("suitability"))
    vcse = _flag(suitability.get("vcse"))
    if vcse is None:
        vcse = _flag(classifications.get("isSuitableForVco"))
    sme = _flag(suitability.get("sme"))
    if sme is None:
        sme = _flag(classifications.get("isSuitableForSme"))
    return {
        "tender": text(tender.get("id")) or release.ocid,
        "title": text(tender.get("title")),
        "status": text(tender.get("status")),
        "value": money(tender.get("value")),
        "minimum_value": money(tender.get("minValue")),
        "procedure": text(tender.get("procurementMethod")),
        "procedure_details": text(tender.get("procurementMethodDetails")),
        "opens": opens,
        "closes": closes,
        "contract_starts": contract_starts,
        "contract_ends": contract_ends,
        "suitable_for_vcse": vcse,
        "suitable_for_sme": sme,
    }
