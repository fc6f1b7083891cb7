"""Compact profiles: the periods and exemptions one local Compact sets, read from TOML.

A profile is a file ``<name>.toml``. The shipped ones (national, gloucestershire,
leicestershire, bexley) live in ``rules/profiles/``; a user adds their own Compact by
dropping a file into ``<user config dir>/profiles/`` (``platformdirs``) or into the
directory named by ``CTRACK_PROFILES``. A later directory wins over an earlier one, so a
user can also amend a shipped profile. Each file names its ``title`` and ``source``, may
``extends`` another profile, and holds dated ``[[terms]]`` (see ``profiles/national.toml``
for every key and what it means) and the clause behind each rule in ``[sources]``.

Profiles are cached; a file changed on disk is read again.
"""

from __future__ import annotations

import functools
import os
import time
import tomllib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import platformdirs

from commission_tracker.aggregates.errors import InvalidFact, ProfileUnavailable
from commission_tracker.rules.law import ProcurementLaw, ProfileInvalid, load_law

SHIPPED_DIR = Path(__file__).parent / "profiles"
ENV_VAR = "CTRACK_PROFILES"
APP_NAME = "commission-tracker"

__all__ = [
    "ENV_VAR",
    "Band",
    "Profile",
    "ProfileInfo",
    "ProfileInvalid",
    "Terms",
    "available_profiles",
    "load_profile",
    "profile_dirs",
    "user_profiles_dir",
]


@dataclass(frozen=True)
class Band:
    """One row of a value-banded limit: applies to values under ``below`` (None: any)."""

    below: Decimal | None
    limits: Mapping[str, int]
    """The band's limits by name (e.g. ``reports_per_year``); a missing one is no limit."""


@dataclass(frozen=True)
class Terms:
    """A Compact's terms in force on one day. Every key is described in national.toml."""

    at_risk_days: int
    notice_months: int
    notice_exempt_previously_defined_end_date: bool
    notice_exceptional_circumstances: bool
    improvement_timetable_before_ending: bool
    improvement_discussion_counts: bool
    consultation_days: int
    consultation_feedback_days: int
    funding_lead_time_months: int
    timetable_published: bool
    bidder_feedback_working_days: int
    funding_term_years: int
    monitoring_limits: tuple[Band, ...]
    pqq_turnover_multiple: Decimal
    pqq_track_record_years_allowed: int
    pqq_insurance_value_multiple: Decimal
    pqq_public_liability_up_to: Decimal
    pqq_professional_indemnity_up_to: Decimal
    pqq_employers_liability_up_to: Decimal
    pqq_standard_form: bool
    pqq_question_limits: tuple[Band, ...]

    @staticmethod
    def band_for(bands: tuple[Band, ...], value: Decimal) -> Band:
        """The first band whose ``below`` the value is under (the last band has none)."""
        for band in bands:
            if band.below is None or value < band.below:
                return band
        return bands[-1]


# How each key is read: "count" is a whole number >= 0, "flag" true/false, "amount" a
# number >= 0 (pounds or a multiple), "bands" a list of {below = ..., <limit> = ...}.
_KINDS: dict[str, str] = {
    "at_risk_days": "count",
    "notice_months": "count",
    "notice_exempt_previously_defined_end_date": "flag",
    "notice_exceptional_circumstances": "flag",
    "improvement_timetable_before_ending": "flag",
    "improvement_discussion_counts": "flag",
    "consultation_days": "count",
    "consultation_feedback_days": "count",
    "funding_lead_time_months": "count",
    "timetable_published": "flag",
    "bidder_feedback_working_days": "count",
    "funding_term_years": "count",
    "monitoring_limits": "bands",
    "pqq_turnover_multiple": "amount",
    "pqq_track_record_years_allowed": "count",
    "pqq_insurance_value_multiple": "amount",
    "pqq_public_liability_up_to": "amount",
    "pqq_professional_indemnity_up_to": "amount",
    "pqq_employers_liability_up_to": "amount",
    "pqq_standard_form": "flag",
    "pqq_question_limits": "bands",
}
_BAND_LIMITS = {
    "monitoring_limits": {"reports_per_year", "indicators"},
    "pqq_question_limits": {"questions"},
}
_TOP_LEVEL = {"name", "title", "source", "extends", "sources", "absent", "terms"}
_DEFAULTS: dict[str, Any] = {"improvement_discussion_counts": False}
"""Keys added after profiles were first written: a profile that extends none may leave
them out."""


def _count(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProfileInvalid(f"{where} must be a whole number, 0 or more (got {value!r}).")
    return value


def _read_value(path: Path, key: str, value: Any) -> Any:
    kind = _KINDS[key]
    where = f"The Compact profile {path}: '{key}' in [[terms]]"
    if kind == "flag":
        if not isinstance(value, bool):
            raise ProfileInvalid(f"{where} must be true or false (got {value!r}).")
        return value
    if kind == "count":
        return _count(where, value)
    if kind == "amount":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ProfileInvalid(f"{where} must be a number, 0 or more (got {value!r}).")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    # bands
    if not isinstance(value, list) or not value:
        raise ProfileInvalid(f"{where} must be a list of bands such as {{ below = 100_000 }}.")
    bands = []
    for index, band in enumerate(value):
        if not isinstance(band, dict):
            raise ProfileInvalid(f"{where}: band {index + 1} must be a table {{ ... }}.")
        unknown = set(band) - _BAND_LIMITS[key] - {"below"}
        if unknown:
            raise ProfileInvalid(
                f"{where}: band {index + 1} has unknown key '{sorted(unknown)[0]}'; use below, "
                f"{', '.join(sorted(_BAND_LIMITS[key]))}."
            )
        below = band.get("below")
        if below is not None and (isinstance(below, bool) or not isinstance(below, int | float)):
            raise ProfileInvalid(f"{where}: band {index + 1}'s 'below' must be an amount.")
        if (below is None) != (index == len(value) - 1):
            raise ProfileInvalid(
                f"{where}: every band but the last needs 'below', and the last must not have it."
            )
        limits = {
            name: _count(f"{where}: band {index + 1}'s '{name}'", band[name])
            for name in band
            if name != "below"
        }
        bands.append(Band(Decimal(below) if below is not None else None, limits))
    belows = [band.below for band in bands if band.below is not None]
    if belows != sorted(belows):
        raise ProfileInvalid(f"{where}: bands must be listed from the lowest 'below' up.")
    return tuple(bands)


@dataclass(frozen=True)
class _Edition:
    """One [[terms]] entry of one file: the keys it sets, in force from ``effective_from``."""

    effective_from: date
    values: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class _Document:
    """One profile file, read and checked on its own.

    Compared by identity: the read cache returns the same object while the file is unchanged,
    which is what the built-profile cache keys on.
    """

    name: str
    title: str
    source: str
    extends: str | None
    sources: Mapping[str, str]
    editions: tuple[_Edition, ...]
    path: Path
    absent: Mapping[str, str] = field(default_factory=dict)


def _text(path: Path, document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProfileInvalid(f"The Compact profile {path} needs a '{key}' (text) at the top.")
    return value.strip()


def _parse_document(path: Path, document: dict[str, Any]) -> _Document:
    unknown = set(document) - _TOP_LEVEL
    if unknown:
        raise ProfileInvalid(
            f"The Compact profile {path} has an unknown top-level key "
            f"'{sorted(unknown)[0]}'; profile keys go under [[terms]], clauses under [sources]."
        )
    name = _text(path, document, "name")
    if name.casefold() != path.stem.casefold():
        raise ProfileInvalid(
            f"The Compact profile {path} calls itself '{name}'; its file must be named "
            f"{name.casefold()}.toml (or its name changed to '{path.stem}')."
        )
    extends = document.get("extends")
    if extends is not None and (not isinstance(extends, str) or not extends.strip()):
        raise ProfileInvalid(f"The Compact profile {path}: 'extends' must name a profile.")
    sources = document.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise ProfileInvalid(f"The Compact profile {path}: [sources] must map rule ids to text.")
    absent = document.get("absent", {})
    if not isinstance(absent, dict) or not all(isinstance(v, str) for v in absent.values()):
        raise ProfileInvalid(f"The Compact profile {path}: [absent] must map rule ids to text.")
    raw_terms = document.get("terms", [])
    if not isinstance(raw_terms, list):
        raise ProfileInvalid(f"The Compact profile {path}: write its terms as [[terms]] tables.")
    editions: list[_Edition] = []
    for index, entry in enumerate(raw_terms):
        values = dict(entry)
        start = values.pop("effective_from", None)
        if start is None:
            if index:
                raise ProfileInvalid(
                    f"The Compact profile {path}: [[terms]] entry {index + 1} needs an "
                    "'effective_from' date (only the first may leave it out)."
                )
            start = date.min
        elif not isinstance(start, date) or hasattr(start, "hour"):
            raise ProfileInvalid(
                f"The Compact profile {path}: 'effective_from' in [[terms]] entry {index + 1} "
                f"must be a date such as 2027-04-01 (got {start!r})."
            )
        if editions and start <= editions[-1].effective_from:
            raise ProfileInvalid(
                f"The Compact profile {path}: [[terms]] entries must be in date order "
                f"({start} does not follow {editions[-1].effective_from})."
            )
        for key in values:
            if key not in _KINDS:
                raise ProfileInvalid(
                    f"The Compact profile {path} has an unknown key '{key}' in [[terms]]; "
                    f"known keys are: {', '.join(_KINDS)}."
                )
        editions.append(
            _Edition(start, {key: _read_value(path, key, value) for key, value in values.items()})
        )
    return _Document(
        name=name.casefold(),
        title=_text(path, document, "title"),
        source=_text(path, document, "source"),
        extends=extends.strip().casefold() if extends else None,
        sources=dict(sources),
        editions=tuple(editions),
        path=path,
        absent=dict(absent),
    )


@lru_cache(maxsize=64)
def _read_document(path: Path, modified: int) -> _Document:
    # ``modified`` (the file's mtime) is part of the cache key: an edited file is re-read.
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ProfileInvalid(f"Cannot read the Compact profile {path}: {error.strerror}.") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileInvalid(f"The Compact profile {path} is not valid TOML: {error}.") from None
    return _parse_document(path, document)


def _document(path: Path) -> _Document:
    try:
        modified = path.stat().st_mtime_ns
    except OSError as error:
        raise ProfileInvalid(f"Cannot read the Compact profile {path}: {error.strerror}.") from None
    return _read_document(path, modified)


@dataclass(frozen=True)
class Profile:
    """A Compact profile, its parents folded in: terms by date and the clause of each rule."""

    name: str
    title: str
    source: str
    path: Path
    chain: tuple[str, ...]
    """This profile, then the one it extends, and so on (``("gloucestershire", "national")``)."""
    sources: Mapping[str, str]
    absent: Mapping[str, str]
    """Rule id -> why this Compact carries no such commitment (the clause it lacks)."""
    timeline: tuple[tuple[date, Terms], ...]
    """Each date on which the terms change, with the terms in force from then on."""
    law: ProcurementLaw

    @functools.cached_property
    def _starts(self) -> list[date]:
        return [start for start, _ in self.timeline]

    def terms_on(self, day: date) -> Terms:
        """The terms in force on ``day`` (a business date)."""
        index = bisect_right(self._starts, day) - 1
        return self.timeline[max(index, 0)][1]

    def source_for(self, rule: str) -> str:
        """The clauses behind ``rule`` under this Compact."""
        return self.sources.get(rule, self.source)


@dataclass(frozen=True)
class ProfileInfo:
    """A profile as listed for a user to choose from."""

    name: str
    title: str
    source: str
    path: Path
    origin: str
    """``shipped`` or ``user``."""
    extends: str | None = None
    problem: str | None = None
    """Why the file cannot be used, if it cannot (the other fields are then best effort)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "path": str(self.path),
            "origin": self.origin,
            "extends": self.extends,
            "problem": self.problem,
        }


@lru_cache(maxsize=8)
def _user_config_profiles(_environment: tuple[str | None, ...]) -> Path:
    # platformdirs reads these variables; keying on them keeps the cache honest.
    return Path(platformdirs.user_config_dir(APP_NAME)) / "profiles"


def user_profiles_dir() -> Path:
    """The ``profiles`` folder of the user's configuration directory."""
    return _user_config_profiles(
        tuple(os.environ.get(name) for name in ("XDG_CONFIG_HOME", "HOME", "APPDATA"))
    )


def profile_dirs() -> list[tuple[Path, str]]:
    """Where profiles are looked for, lowest precedence first, each with its origin."""
    dirs = [(SHIPPED_DIR, "shipped"), (user_profiles_dir(), "user")]
    for entry in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if entry.strip():
            dirs.append((Path(entry.strip()).expanduser(), "user"))
    return dirs


def _modified(directory: Path) -> int | None:
    try:
        return directory.stat().st_mtime_ns
    except OSError:
        return None


def _index() -> Mapping[str, tuple[Path, str]]:
    """Every profile file by name; a later directory's file wins over an earlier one's."""
    # A directory's mtime changes when a file is added, removed or renamed in it, so the
    # scan is redone only then (an edited file is caught by its own mtime when read).
    # Filesystem clocks tick coarsely, so a directory changed in the last moments is
    # scanned afresh: a file dropped in just after a scan could share its mtime.
    dirs = tuple((directory, origin, _modified(directory)) for directory, origin in profile_dirs())
    recent = time.time_ns() - RACY_NS
    if any(modified is not None and modified >= recent for _, _, modified in dirs):
        return _scan.__wrapped__(dirs)
    return _scan(dirs)


RACY_NS = 2_000_000_000


@lru_cache(maxsize=16)
def _scan(dirs: tuple[tuple[Path, str, int | None], ...]) -> Mapping[str, tuple[Path, str]]:
    found: dict[str, tuple[Path, str]] = {}
    for directory, origin, modified in dirs:
        if modified is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            # Files starting with "_" (the thresholds) are shared data, not profiles.
            if not path.name.startswith("_"):
                found[path.stem.casefold()] = (path, origin)
    return MappingProxyType(found)  # shared by every caller through the cache


def _unknown_profile(
    name: str, index: Mapping[str, Any], wanted_by: Path | None
) -> ProfileUnavailable:
    names = ", ".join(sorted(index)) or "none"
    if wanted_by is None:
        lead = f"There is no Compact profile called '{name}'"
    else:
        lead = f"The Compact profile {wanted_by} extends '{name}', but there is no such profile"
    return ProfileUnavailable(
        f"{lead}; the profiles available are: {names}. To add one, put <name>.toml in "
        f"{user_profiles_dir()} or in the directory named by {ENV_VAR}."
    )


def _chain(name: str, index: Mapping[str, tuple[Path, str]]) -> list[_Document]:
    chain: list[_Document] = []
    wanted_by: Path | None = None
    key = name.strip().casefold()
    while True:
        if key not in index:
            raise _unknown_profile(key if wanted_by else name.strip(), index, wanted_by)
        document = _document(index[key][0])
        if any(link.name == document.name for link in chain):
            route = " -> ".join([*(link.name for link in chain), document.name])
            raise ProfileInvalid(f"Compact profiles extend each other in a circle: {route}.")
        chain.append(document)
        if document.extends is None:
            return chain
        wanted_by, key = document.path, document.extends


def _build(chain: tuple[_Document, ...]) -> Profile:
    root_first = chain[::-1]
    starts = sorted({edition.effective_from for link in chain for edition in link.editions})
    timeline: list[tuple[date, Terms]] = []
    for start in starts or [date.min]:
        values: dict[str, Any] = dict(_DEFAULTS)
        # The child's keys override the parent's; within a file, later editions override.
        for link in root_first:
            for edition in link.editions:
                if edition.effective_from <= start:
                    values.update(edition.values)
        missing = [key for key in _KINDS if key not in values]
        if missing:
            files = ", ".join(str(link.path) for link in chain)
            raise ProfileInvalid(
                f"The Compact profile {chain[0].path} does not set '{missing[0]}' in force on "
                f"{start if start != date.min else 'its first terms'} (looked in {files}); add "
                "it under [[terms]] or extend a profile that sets it."
            )
        timeline.append((start, Terms(**values)))
    sources: dict[str, str] = {}
    absent: dict[str, str] = {}
    for link in root_first:
        sources.update(link.sources)
        absent.update(link.absent)
    leaf = chain[0]
    return Profile(
        name=leaf.name,
        title=leaf.title,
        source=leaf.source,
        path=leaf.path,
        chain=tuple(link.name for link in chain),
        sources=sources,
        absent=absent,
        timeline=tuple(timeline),
        law=load_law(),
    )


@lru_cache(maxsize=64)
def _build_cached(chain: tuple[_Document, ...]) -> Profile:
    return _build(chain)


def load_profile(name: str) -> Profile:
    """The Compact profile called ``name`` (any case), with the profiles it extends.

    Raises :class:`~commission_tracker.aggregates.errors.InvalidFact` naming the available
    profiles when there is none by that name, and :class:`ProfileInvalid` naming the file
    when a file cannot be used.
    """
    return _build_cached(tuple(_chain(name, _index())))


def available_profiles() -> list[ProfileInfo]:
    """Every profile a user can choose, shipped and their own, by name.

    A file that cannot be used is still listed, with its ``problem``.
    """
    infos = []
    for name, (path, origin) in sorted(_index().items()):
        try:
            document = _document(path)
            load_profile(name)
        except (ProfileInvalid, InvalidFact) as error:
            infos.append(ProfileInfo(name, "", "", path, origin, problem=str(error)))
            continue
        infos.append(
            ProfileInfo(
                document.name,
                document.title,
                document.source,
                path,
                origin,
                extends=document.extends,
            )
        )
    return infos
