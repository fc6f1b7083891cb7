"""Facts read from published procurement notices (OCDS releases), and their commands.

A council publishes its notices as releases of a contracting process (its ``ocid``). When a
Compact group reads them in, each release is recorded as read (``ReleaseImported``: which
release, from where, by whom and when), and what it says becomes facts: the planning, the
tender's terms (periods, value or minimum value, procedure, and whether the notice called
it suitable for VCSEs), each award and each contract. A later release that changes one of
them records the change as a new fact of the same kind; the latest one is what the
exercise shows. These facts say only what the notice said: a supplier's sector is not in
a notice, so awards made from them name the sector ``unknown``.

The mapping from OCDS to these facts lives in the application layer (``commission_tracker
.ocds``); this module knows nothing of OCDS's JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commission_tracker.aggregates.events import (
    Awarded,
    AwardPublished,
    ContractPublished,
    PlanningPublished,
    ReleaseImported,
    TenderDetailsPublished,
)
from commission_tracker.aggregates.values import Sector

AWARDED_STATUSES = {None, "active"}
"""Award statuses whose suppliers are recorded as awarded (``pending``, ``cancelled`` and
``unsuccessful`` awards are kept as published, without an ``Awarded`` fact)."""


class PublishedFacts:
    """The commands of facts read from published notices, mixed into the exercise."""

    # Set by the exercise; declared for the type checker.
    if TYPE_CHECKING:
        awards: list[Awarded]
        opened_on: date

        def _record(self, event_class: Any, *, check_open: bool = True, **kwargs: Any) -> None:
            pass

        award: Any

    def _reset_published(self) -> None:
        self.ocid: str | None = None
        self.releases: dict[str, ReleaseImported] = {}
        self.published_planning: PlanningPublished | None = None
        self.tender_details: dict[str, TenderDetailsPublished] = {}
        self.published_awards: dict[str, AwardPublished] = {}
        self.award_publications: list[AwardPublished] = []
        self.published_contracts: dict[str, ContractPublished] = {}

    def import_release(
        self,
        *,
        ocid: str,
        release_id: str,
        published: datetime,
        on: date,
        recorded_by: str,
        tags: list[str] | None = None,
        source: str | None = None,
        **extra: Any,
    ) -> None:
        """Record that a published release was read in (nothing if it already was)."""
        if release_id in self.releases:
            return
        self._record(
            ReleaseImported,
            check_open=False,  # a closed exercise's notices can still be read in
            ocid=ocid,
            release_id=release_id,
            published=published,
            tags=list(tags or ()),
            source=source,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )

    def publish_planning(self, *, on: date, recorded_by: str, **details: Any) -> None:
        self._record(PlanningPublished, on=on, recorded_by=recorded_by, **details)

    def publish_tender_details(
        self, *, tender: str, on: date, recorded_by: str, **details: Any
    ) -> None:
        self._record(
            TenderDetailsPublished, tender=tender, on=on, recorded_by=recorded_by, **details
        )

    def _awarded_for(self, award: str) -> list[int]:
        """The sequence numbers of the ``Awarded`` facts made from ``award``'s earlier
        publications: those recorded just after each of them, for its suppliers."""
        linked: list[int] = []
        for publication in self.award_publications:
            if publication.award != award:
                continue
            linked.extend(publication.updates)
            window = range(
                publication.sequence + 1, publication.sequence + 1 + len(publication.suppliers)
            )
            linked.extend(
                a.sequence
                for a in self.awards
                if a.sequence in window and a.provider in publication.suppliers
            )
        return sorted(set(linked))

    def publish_award(
        self,
        *,
        award: str,
        on: date,
        recorded_by: str,
        suppliers: list[str] | None = None,
        status: str | None = None,
        value: Decimal | str | None = None,
        starts: date | None = None,
        ends: date | None = None,
        awarded_on: date | None = None,
        **extra: Any,
    ) -> None:
        """Record an award as published. The first time an active award names its
        suppliers, value and term, each supplier is also recorded as awarded (sector
        unknown); a later publication of the same award revises those facts."""
        linked = self._awarded_for(award)
        names = list(dict.fromkeys(suppliers or ()))
        self._record(
            AwardPublished,
            award=award,
            status=status,
            suppliers=names,
            value=value,
            starts=starts,
            ends=ends,
            awarded_on=awarded_on,
            updates=linked,
            on=on,
            recorded_by=recorded_by,
            **extra,
        )
        complete = value is not None and starts is not None and ends is not None
        if linked or not complete or status not in AWARDED_STATUSES or not names:
            return
        assert starts is not None and ends is not None
        if ends <= starts:
            return  # a term that ends before it starts is kept as published, not awarded
        for name in names:
            self.award(
                provider=name,
                sector=Sector.UNKNOWN,
                value=value,
                starts=starts,
                ends=ends,
                on=on,
                recorded_by=recorded_by,
                **extra,
            )

    def publish_contract(
        self, *, contract: str, on: date, recorded_by: str, **details: Any
    ) -> None:
        self._record(
            ContractPublished, contract=contract, on=on, recorded_by=recorded_by, **details
        )
