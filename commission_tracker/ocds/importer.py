"""``ctrack import-ocds``: published notices in, as exercises and their facts.

Each contracting process (``ocid``) is one exercise; its releases are applied in date
order, each adding only what it changes (see :mod:`commission_tracker.aggregates
.published`). Every file is all or nothing: a file with a malformed release, or a release
the exercise cannot take, is refused with its path, the release and the reason, and
nothing from it is written, while the other files import. Everything imported is written
in one transaction at the end.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from commission_tracker.aggregates.bounds import printable
from commission_tracker.aggregates.errors import (
    CommissioningError,
    InvalidFact,
)
from commission_tracker.aggregates.identity import exercise_id
from commission_tracker.aggregates.vocabulary import ContractKind, Mechanism, Phase, Regime, Sector
from commission_tracker.ocds import reader
from commission_tracker.ocds.buyers import load_buyers
from commission_tracker.ocds.mapping import ReleaseFacts, map_release
from commission_tracker.ocds.summary import Counts, ImportSummary, Refusal

if TYPE_CHECKING:
    from commission_tracker.aggregates.exercise import CommissioningExercise
    from commission_tracker.application.service import Tracker

DEFAULT_PROFILE = "national"
UNKNOWN_BUYER = "unknown"
PA2023_FROM = date(2025, 2, 24)
"""The Procurement Act 2023 applies to procurements begun on or after this day."""

Progress = Callable[[int, int], object]

PLANNING = ("budget", "rationale")
TENDER = (
    "title",
    "status",
    "value",
    "minimum_value",
    "procedure",
    "procedure_details",
    "opens",
    "closes",
    "contract_starts",
    "contract_ends",
    "suitable_for_vcse",
    "suitable_for_sme",
)
AWARD = ("status", "suppliers", "value", "starts", "ends", "awarded_on")
CONTRACT = ("award", "status", "value", "starts", "ends", "signed", "paid")


class OcdsImport:
    """One run of ``import-ocds`` over a tracker's store."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        profile: str | None = None,
        buyers: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> None:
        from commission_tracker.rules.profiles import load_profile

        self.tracker = tracker
        self.profile = profile
        self.buyers = load_buyers() if buyers is None else buyers
        for name in {profile, *self.buyers.values()} - {None}:
            load_profile(str(name))  # an unknown profile is a clear error, before reading
        self.progress = progress
        self.summary = ImportSummary()

    # -- the run ----------------------------------------------------------------------

    def run(self, paths: Iterable[str]) -> ImportSummary:
        files = reader.expand(paths)
        summary = self.summary
        summary.files = len(files)
        sources: list[reader.SourceFile] = []
        for name in files:
            source = reader.read(name)
            summary.releases_skipped += source.skipped
            if source.refused:
                summary.refused.append(Refusal(name, source.refused))
            else:
                sources.append(source)
        refused: set[str] = set()
        while True:
            try:
                touched = self._apply([s for s in sources if s.path not in refused])
                break
            except _ReleaseRefused as problem:
                refused.add(problem.path)
                summary.refused.append(Refusal(problem.path, problem.reason))
        summary.releases_refused = sum(len(s.releases) for s in sources if s.path in refused)
        self._write(touched)
        return summary

    def _apply(self, sources: list[reader.SourceFile]) -> dict[str, CommissioningExercise]:
        """Every release applied in memory, process by process in date order; raises
        ``_ReleaseRefused`` naming the first file with a release that cannot be taken."""
        by_process: dict[str, list[reader.Release]] = defaultdict(list)
        for source in sources:
            for release in source.releases:
                by_process[release.ocid].append(release)
        total = sum(len(r) for r in by_process.values())
        groups: dict[str, tuple[list[ReleaseFacts], str]] = {}
        for ocid, releases in by_process.items():
            releases.sort(key=lambda r: (r.date, r.release_id))
            mapped: list[ReleaseFacts] = []
            for release in releases:
                try:
                    mapped.append(map_release(release))
                except _UNUSABLE as error:
                    raise _refusal(release, error) from None
            try:
                reference = _reference(mapped)
                exercise_id(reference)  # a reference no fact could carry refuses its file
                groups[ocid] = (mapped, reference)
            except _UNUSABLE as error:
                raise _refusal(releases[0], error) from None
        stored = self._stored(reference for _, reference in groups.values())
        done = 0
        counts = Counts()
        touched: dict[str, CommissioningExercise] = {}
        for ocid, (mapped, reference) in groups.items():
            exercise = stored.get(exercise_id(reference))
            before = exercise.version if exercise is not None else 0
            remap: dict[int, int] = {}
            seen: set[str] = set()
            # Releases ctrack wrote are marked read after all their facts, so the facts
            # keep the numbers they had where they were exported (evidence cites them).
            own: list[ReleaseFacts] = []
            for facts in mapped:
                release = facts.release
                try:
                    if (
                        release.release_id in seen
                        or (exercise is not None and release.release_id in exercise.releases)
                        or _already_held(exercise, facts.compact, remap)
                    ):
                        counts.unchanged += 1
                    elif facts.compact is not None:
                        exercise = self._apply_own(exercise, reference, facts, remap)
                        own.append(facts)
                        counts.imported += 1
                    else:
                        exercise = self._apply_published(exercise, reference, mapped, facts)
                        counts.imported += 1
                except _UNUSABLE as error:
                    raise _refusal(release, error) from None
                seen.add(release.release_id)
                done += 1
                if self.progress is not None:
                    self.progress(done, total)
            assert exercise is not None
            for facts in own:
                self._record_release(exercise, facts, facts.day)
            if before == 0:
                counts.opened += 1
            elif exercise.version > before:
                counts.updated += 1
            else:
                counts.same += 1
            touched[ocid] = exercise
        counts.store(self.summary)
        return touched

    def _stored(self, references: Iterable[str]) -> dict[UUID, CommissioningExercise]:
        """The exercises (of these references) the store already holds, read in batches."""
        from commission_tracker.application.recorders import stored_events_of
        from commission_tracker.application.service import fold

        app = self.tracker.app
        found = {}
        for ident, events in stored_events_of(
            app.recorder, {exercise_id(r) for r in references}
        ).items():
            exercise = fold([app.mapper.to_domain_event(e) for e in events])  # type: ignore[misc]
            if exercise is not None:
                found[ident] = exercise
        return found

    def _write(self, touched: dict[str, CommissioningExercise]) -> None:
        from commission_tracker.aggregates.events import ReleaseImported

        pending = [event for exercise in touched.values() for event in exercise.collect_events()]
        self.summary.facts_imported = sum(not isinstance(e, ReleaseImported) for e in pending)
        if not pending:
            return
        stored = list(map(self.tracker.app.mapper.to_stored_event, pending))
        self.tracker.save_all(stored, [e for e in touched.values() if e.version])

    # -- one release ------------------------------------------------------------------

    def _apply_published(
        self,
        exercise: CommissioningExercise | None,
        reference: str,
        mapped: list[ReleaseFacts],
        facts: ReleaseFacts,
    ) -> CommissioningExercise:
        release = facts.release
        user = self.tracker.user
        if exercise is None:
            exercise = self._open(reference, mapped)
        day = max(facts.day, exercise.opened_on)
        # A release older than one already imported adds what is new and changes nothing.
        imported = [r.published for r in exercise.releases.values()]
        only_new = bool(imported) and max(imported) > release.date

        if facts.planning is not None:
            details = _changed(exercise.published_planning, facts.planning, PLANNING, only_new)
            if details is not None:
                _advance_to(exercise, Phase.PLAN, day, user)
                exercise.publish_planning(on=day, recorded_by=user, **details)
        if facts.tender is not None:
            name = facts.tender["tender"]
            details = _changed(exercise.tender_details.get(name), facts.tender, TENDER, only_new)
            if details is not None:
                _advance_to(exercise, Phase.DO, day, user)
                if name not in exercise.tenders:
                    opens = details.get("opens")
                    published = max(opens, exercise.opened_on) if opens else day
                    closes = details.get("closes")
                    exercise.publish_tender(
                        tender=name,
                        closes=closes if closes and closes > published else None,
                        on=published,
                        recorded_by=user,
                    )
                exercise.publish_tender_details(tender=name, on=day, recorded_by=user, **details)
        for bidder in facts.bidders:
            if bidder.casefold() not in exercise.bids:
                _advance_to(exercise, Phase.DO, day, user)
                exercise.receive_bid(bidder=bidder, sector=Sector.UNKNOWN, on=day, recorded_by=user)
        for award in facts.awards:
            known = exercise.published_awards.get(award["award"])
            details = _changed(known, award, AWARD, only_new)
            if details is not None:
                _advance_to(exercise, Phase.DO, day, user)
                awarded_on = details.get("awarded_on")
                on = day if known is not None or awarded_on is None else awarded_on
                exercise.publish_award(
                    award=award["award"],
                    on=max(min(on, day), exercise.opened_on),
                    recorded_by=user,
                    **details,
                )
        for contract in facts.contracts:
            known_contract = exercise.published_contracts.get(contract["contract"])
            details = _changed(known_contract, contract, CONTRACT, only_new)
            if details is not None:
                _advance_to(exercise, Phase.REVIEW, day, user)
                exercise.publish_contract(
                    contract=contract["contract"], on=day, recorded_by=user, **details
                )
        self._record_release(exercise, facts, day)
        return exercise

    def _record_release(
        self, exercise: CommissioningExercise, facts: ReleaseFacts, day: date
    ) -> None:
        release = facts.release
        tags = release.data.get("tag")
        exercise.import_release(
            ocid=release.ocid,
            release_id=release.release_id,
            published=release.date,
            tags=[str(t) for t in tags] if isinstance(tags, list) else [],
            source=os.path.basename(release.source) if release.source != "-" else "-",
            on=max(day, exercise.opened_on),
            recorded_by=self.tracker.user,
        )

    def _open(self, reference: str, mapped: list[ReleaseFacts]) -> CommissioningExercise:
        from commission_tracker.aggregates.exercise import CommissioningExercise

        first = mapped[0]
        title = next((m.title for m in mapped if m.title), None) or first.release.ocid
        buyer = next((m.buyer for m in mapped if m.buyer), None) or UNKNOWN_BUYER
        opened_on = min(m.earliest() for m in mapped)
        value = next(
            (
                amount
                for m in mapped
                for amount in (
                    (m.tender or {}).get("value"),
                    (m.tender or {}).get("minimum_value"),
                    (m.planning or {}).get("budget"),
                    *(a.get("value") for a in m.awards),
                )
                if amount is not None
            ),
            0,
        )
        category = next((m.category for m in mapped if m.category), None)
        profile = self.profile or self.buyers.get(buyer.casefold(), DEFAULT_PROFILE)
        return CommissioningExercise.open(
            reference=reference,
            title=title,
            commissioner=buyer,
            value=value,
            mechanism=Mechanism.CONTRACT,
            regime=Regime.PA2023 if opened_on >= PA2023_FROM else Regime.PCR2015,
            profile=profile,
            contract_kind=ContractKind.WORKS if category == "works" else ContractKind.SERVICES,
            on=opened_on,
            recorded_by=self.tracker.user,
        )

    def _apply_own(
        self,
        exercise: CommissioningExercise | None,
        reference: str,
        facts: ReleaseFacts,
        remap: dict[int, int],
    ) -> CommissioningExercise:
        """A release ctrack wrote: its fact is in our extension, exactly as recorded."""
        from commission_tracker.ocds.extension import replay_fact

        return replay_fact(exercise, reference, facts.compact or {}, remap, self.tracker.user)


class _ReleaseRefused(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def _reference(mapped: list[ReleaseFacts]) -> str:
    """The exercise's reference: ours, for a process ctrack exported; else the ocid."""
    for facts in mapped:
        if facts.compact and isinstance(facts.compact.get("reference"), str):
            return str(facts.compact["reference"])
    return mapped[0].release.ocid


def _changed(
    known: Any, new: dict[str, Any], keys: tuple[str, ...], only_new: bool
) -> dict[str, Any] | None:
    """The fact's fields after this release (what it leaves unsaid stays as it was), or
    ``None`` if the release changes nothing (or may not: ``only_new``)."""
    before = {k: getattr(known, k) for k in keys} if known is not None else {}
    after = dict(before)
    for key in keys:
        value = new.get(key)
        if value is not None and value != []:
            after[key] = value
    if known is not None and (only_new or after == before):
        return None
    if known is None and not any(v not in (None, []) for v in after.values()):
        return None
    return after


def _advance_to(exercise: CommissioningExercise, target: Phase, on: date, user: str) -> None:
    """Move forward, one phase at a time, up to ``target`` (never back)."""
    while exercise.phase.position < target.position:
        exercise.advance(exercise.phase.next, on=on, recorded_by=user)


_UNUSABLE = (CommissioningError, ValueError, TypeError, KeyError, ArithmeticError, RecursionError)
"""What a release that cannot be taken raises: it refuses its file, never the run."""


def _refusal(release: reader.Release, error: BaseException) -> _ReleaseRefused:
    """The refusal of ``release``'s file, naming the release and the problem."""
    if isinstance(error, CommissioningError):
        detail = str(error)
    else:
        detail = f"its data cannot be used ({type(error).__name__}: {str(error)[:120]})"
    return _ReleaseRefused(
        release.source,
        f"release {printable(release.release_id)} of {printable(release.ocid)}: "
        + detail.rstrip(".").replace("\n", " "),
    )


def _already_held(
    exercise: CommissioningExercise | None, compact: dict[str, Any] | None, remap: dict[int, int]
) -> bool:
    """Whether a release ctrack wrote carries a fact this store already holds (the same
    exercise exported and read back): it then adds nothing. A fact of another kind at that
    number means another exercise with the same reference, which is refused."""
    if exercise is None or compact is None:
        return False
    fact = compact.get("fact") or {}
    sequence = fact.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool):
        return False
    if not 1 <= sequence <= exercise.version or sequence > len(exercise.log):
        return False
    held = exercise.log[sequence - 1]
    if type(held).__name__ != fact.get("type"):
        raise InvalidFact(
            f"it carries fact #{sequence} ({fact.get('type')}), but fact #{sequence} of "
            f"exercise {exercise.reference} here is {type(held).__name__}: another exercise "
            "with the same reference"
        )
    remap[sequence] = sequence
    return True
