"""A reproducible workload: realistic commissioning exercises as ``ctrack import`` commands.

Each exercise is simulated from its own random stream (seeded by the run's seed and the
exercise's index), so exercise N is the same at every scale and a larger store is a strict
extension of a smaller one. Exercises run through whole cycles (analyse, plan, do, review,
and back to analyse) and stop anywhere in their last cycle; some are closed or cancelled.
Each cycle records what a commissioner records: involvement of organisations in every
phase, consultations and their feedback, funding notices, timetables, PQQs, tenders, bids,
awards, bidder feedback, monitoring, reviews, decommissioning with impact assessments and
notices, the occasional step back with a reason, and corrections of facts recorded in
error (the ``correct`` verb). Compliance is mixed: most consultations run 12 weeks, some
run shorter with or without a reason; most notices give three months, some do not.

Every command produces exactly one event, so the number of events equals the number of
commands. Business dates (``on``) never go backwards within an exercise, every fact has a
recorded time (``recorded_at``) a few hours after its business date, and every date falls
on or before :data:`TODAY`, the day the benchmarks run ``ctrack`` with (``--today``).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 2)
"""The fixed "today" of every benchmark run; no generated date falls after it."""

PROFILES = ("national", "gloucestershire", "leicestershire", "bexley")
PHASES = ("analyse", "plan", "do", "review")


@dataclass(frozen=True)
class Scale:
    name: str
    exercises: int
    dashboard_exercises: int
    """Exercises in the store the dashboard figures are measured on."""


SCALES = {
    "tiny": Scale("tiny", 20, 20),
    "small": Scale("small", 500, 500),
    "large": Scale("large", 10_000, 2_000),
}

_AREAS: dict[str, dict[str, Any]] = {
    "national": {
        "prefix": "NAT",
        "commissioners": [
            "Department for Culture, Media and Sport",
            "Department of Health and Social Care",
            "Ministry of Justice",
            "Home Office",
        ],
        "places": ["National", "England", "Northern", "Midlands", "Southern", "Coastal"],
    },
    "gloucestershire": {
        "prefix": "GLO",
        "commissioners": [
            "Gloucestershire County Council",
            "Gloucestershire Integrated Care Board",
            "Stroud District Council",
        ],
        "places": [
            "Gloucester",
            "Stroud",
            "Cheltenham",
            "Forest of Dean",
            "Cotswold",
            "Tewkesbury",
        ],
    },
    "leicestershire": {
        "prefix": "LEI",
        "commissioners": [
            "Leicestershire County Council",
            "Leicester City Council",
            "Charnwood Borough Council",
        ],
        "places": ["Leicester", "Loughborough", "Hinckley", "Melton", "Charnwood", "Oadby"],
    },
    "bexley": {
        "prefix": "BEX",
        "commissioners": ["London Borough of Bexley", "Bexley Health and Care Partnership"],
        "places": ["Bexley", "Bexleyheath", "Erith", "Sidcup", "Welling", "Crayford"],
    },
}

_SERVICES = [
    ("Carers support", "adult social care", "light-touch"),
    ("Advice and advocacy", "advice", "services"),
    ("Domestic abuse refuge", "community safety", "light-touch"),
    ("Youth services", "children and young people", "services"),
    ("Mental health peer support", "health", "light-touch"),
    ("Community transport", "transport", "services"),
    ("Homelessness prevention", "housing", "light-touch"),
    ("Befriending for older people", "adult social care", "light-touch"),
    ("Welfare rights", "advice", "services"),
    ("Community centre refurbishment", "community facilities", "works"),
    ("Volunteering infrastructure", "voluntary sector support", "services"),
    ("Food poverty programme", "public health", "services"),
]
_VCS_NOUNS = [
    "Carers Network",
    "Citizens Advice",
    "Mind",
    "Age Concern",
    "Women's Aid",
    "Youth Trust",
    "Community Transport",
    "Food Bank",
    "Volunteer Centre",
    "Advocacy Service",
    "Family Support",
    "Wellbeing Collective",
]
_PRIVATE = ["Care Ltd", "Support Services plc", "Outcomes Ltd", "Consulting LLP", "Group Ltd"]
_PUBLIC = ["NHS Foundation Trust", "Police", "Fire and Rescue Service", "Library Service"]
_REASONS_BACK = [
    "No compliant bids were received; the specification is being revised.",
    "The market engagement showed the lots need restructuring.",
    "Budget changed after the council's settlement; re-planning.",
]
_CORRECTION_REASONS = [
    "Recorded against the wrong exercise.",
    "Duplicate entry.",
    "Wrong organisation named; re-recorded below.",
    "Date entered incorrectly.",
]

# Commands whose fact is a simple list entry, safe to withdraw with ``correct`` at any time.
_CORRECTABLE = {"involve", "bid", "monitoring", "timetable", "review", "bidder-feedback"}


@dataclass
class WorkloadStats:
    """What a generated workload holds."""

    exercises: int = 0
    commands: int = 0
    verbs: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    profiles: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    max_events: int = 0
    open_references: list[str] = field(default_factory=list)
    """A few references of exercises left open (targets of recording commands)."""
    reference_events: dict[str, int] = field(default_factory=dict)
    """Event count of each sampled open reference."""
    as_at: dict[str, str] = field(default_factory=dict)
    """For each sampled open reference, a recorded time in the middle of its history."""

    @property
    def events(self) -> int:
        return self.commands  # one event per command

    def to_json(self) -> dict[str, Any]:
        return {
            "exercises": self.exercises,
            "commands": self.commands,
            "events": self.events,
            "max_events": self.max_events,
            "verbs": dict(sorted(self.verbs.items())),
            "phases": dict(sorted(self.phases.items())),
            "profiles": dict(sorted(self.profiles.items())),
            "statuses": dict(sorted(self.statuses.items())),
            "open_references": self.open_references,
            "reference_events": self.reference_events,
            "as_at": self.as_at,
        }


class _Simulation:
    """One exercise being simulated: its phase, cycle, fact numbers and date cursor."""

    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.index = index
        self.profile = PROFILES[index % len(PROFILES)]
        self.area = _AREAS[self.profile]
        self.reference = f"{self.area['prefix']}-{index:06d}"
        self.commands: list[dict[str, Any]] = []
        self.day = 0  # days since opening (shifted to calendar dates at the end)
        self.phase = "analyse"
        self.cycle = 1
        self.version = 0
        self.correctable: list[int] = []
        self.names: Counter[str] = Counter()
        self.status = "open"
        # How busy the exercise is: scales involvement and bids (mean about 0.67).
        self.intensity = rng.lognormvariate(-0.53, 0.45)
        places = self.area["places"]
        self.vcs = [f"{rng.choice(places)} {noun}" for noun in rng.sample(_VCS_NOUNS, 8)]
        self.private = [f"{rng.choice(places)} {name}" for name in _PRIVATE]
        self.public = [f"{rng.choice(places)} {name}" for name in _PUBLIC]
        self.provider: str | None = None
        self.provider_sector = "vcs"
        self.value = Decimal(0)
        self.award_value = Decimal(0)
        self.procured = False

    # -- helpers ----------------------------------------------------------------------

    def emit(self, verb: str, **facts: Any) -> int:
        """Record one command; returns the number its fact will have in the log."""
        facts.setdefault("on", self.day)
        self.version += 1
        self.commands.append({"verb": verb, "reference": self.reference, **facts})
        if verb in _CORRECTABLE:
            self.correctable.append(self.version)
        if verb not in ("close", "cancel") and self.correctable and self.rng.random() < 0.015:
            self.correct()
        return self.version

    def correct(self) -> None:
        target = self.correctable.pop(self.rng.randrange(len(self.correctable)))
        self.version += 1
        self.commands.append(
            {
                "verb": "correct",
                "reference": self.reference,
                "corrects": target,
                "reason": self.rng.choice(_CORRECTION_REASONS),
                "on": self.day,
            }
        )

    def wait(self, low: int, high: int) -> None:
        self.day += self.rng.randint(low, high)

    def count(self, low: int, high: int) -> int:
        return max(0, round(self.rng.randint(low, high) * self.intensity))

    def name(self, kind: str) -> str:
        self.names[kind] += 1
        return f"{kind}{self.cycle}-{self.names[kind]}"

    def organisation(self) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.62:
            return self.rng.choice(self.vcs), "vcs"
        if roll < 0.82:
            return self.rng.choice(self.public), "public"
        return self.rng.choice(self.private), "private"

    def involve(self, activities: tuple[str, ...], n: int, spread: int = 4) -> None:
        for _ in range(n):
            organisation, sector = self.organisation()
            facts: dict[str, Any] = {
                "organisation": organisation,
                "sector": sector,
                "activity": self.rng.choice(activities),
            }
            if self.rng.random() < 0.2:
                facts["note"] = "Attended the workshop and sent written comments."
            self.emit("involve", **facts)
            self.wait(0, spread)

    def advance(self, to_phase: str, reason: str | None = None) -> None:
        self.wait(3, 21)
        facts: dict[str, Any] = {"to_phase": to_phase}
        if reason:
            facts["reason"] = reason
        self.emit("advance", **facts)
        if to_phase == "analyse" and self.phase == "review":
            self.cycle += 1
        self.phase = to_phase

    # -- phases -----------------------------------------------------------------------

    def analyse(self) -> None:
        rng = self.rng
        self.involve(("needs-evidence", "co-design"), self.count(2, 9))
        for _ in range(rng.choices((0, 1, 2), (0.25, 0.6, 0.15))[0]):
            roll = rng.random()
            weeks, reason = 12, None
            if roll < 0.12:
                weeks, reason = 6, "Urgent: the current agreement ends within the quarter."
            elif roll < 0.2:
                weeks = 8  # shorter, with no reason: a breach
            elif roll < 0.35:
                weeks = 13
            opens = self.day
            closes = opens + weeks * 7
            name = self.name("C")
            facts: dict[str, Any] = {
                "consultation": name,
                "opens": opens,
                "closes": closes,
                "subject": "Draft service model and outcomes",
                "on": opens,
            }
            if reason:
                facts["shorter_reason"] = reason
            self.emit("consult", **facts)
            self.involve(("consultation-response",), self.count(2, 12), spread=weeks * 7 // 10)
            self.day = max(self.day, closes)
            if rng.random() < 0.92:
                self.wait(5, 70 if rng.random() < 0.95 else 120)
                self.emit(
                    "consultation-feedback",
                    consultation=name,
                    summary="You said, we did: responses and changes published.",
                )
        if rng.random() < 0.3:
            months = rng.choice((1, 2, 3, 3, 4))
            facts = {
                "opportunity": self.name("F"),
                "deadline": self.day + months * 30 + 1,
                "value": f"{rng.randrange(5, 400) * 1000}.00",
            }
            if months < 3 and rng.random() < 0.5:
                facts["shorter_reason"] = "Funding confirmed late by the government department."
            self.emit("funding-notified", **facts)

    def plan(self) -> None:
        rng = self.rng
        self.involve(("co-design", "specification-input", "market-engagement"), self.count(1, 8))
        if rng.random() < 0.7:
            facts: dict[str, Any] = {"where": "Contracts Finder and the council's portal"}
            facts["tender_deadline"] = self.day + rng.randint(30, 60)
            if rng.random() < 0.7:
                facts["award_by"] = facts["tender_deadline"] + rng.randint(20, 60)
            self.emit("timetable", **facts)
        # Pre-qualification only for contracts above the procurement threshold; most are
        # proportionate, some ask too much (half of those with a recorded justification).
        if self.procured and self.value >= 250_000 and rng.random() < 0.8:
            facts = {
                "pqq": self.name("Q"),
                "minimum_turnover": f"{self.value * rng.choice((2, 3, 4)) / 2:.0f}",
                "public_liability": f"{rng.choice((1, 2, 5)) * 1_000_000}",
                "employers_liability": f"{rng.choice((5, 10)) * 1_000_000}",
                "questions": rng.randint(10, 20 if self.value < 1_000_000 else 60),
            }
            if rng.random() < 0.12:
                facts["minimum_turnover"] = f"{self.value * 3:.0f}"
                facts["years_trading"] = rng.choice((2, 3))
                facts["standard_form"] = False
                if rng.random() < 0.5:
                    facts["justification"] = "Safeguarding requirements need extra assurance."
            self.emit("pqq", **facts)
            self.wait(7, 30)

    def do(self) -> bool:
        """The do phase; returns False when the exercise steps back to plan instead."""
        rng = self.rng
        self.involve(("market-engagement", "bid"), self.count(0, 3))
        closes = self.day + rng.randint(25, 45)
        self.emit("tender", tender=self.name("T"), closes=closes)
        bidders: list[tuple[str, str]] = []
        for _ in range(self.count(3, 22)):
            if rng.random() < 0.1:
                # The same bidder bidding twice (a revised bid): a different bidder name.
                bidder, sector = f"{rng.choice(self.vcs)} Consortium", "vcs"
            else:
                bidder, sector = self.organisation()
            bidders.append((bidder, sector))
            self.emit("bid", bidder=bidder, sector=sector, value=f"{rng.randrange(20, 900) * 1000}")
            self.day = min(self.day + rng.randint(0, 3), closes)
        self.day = max(self.day, closes)
        if not bidders or rng.random() < 0.03:
            self.advance("plan", rng.choice(_REASONS_BACK))
            return False
        self.wait(10, 40)
        winners = bidders[: 2 if rng.random() < 0.15 else 1]
        for provider, sector in winners:
            starts = self.day + rng.randint(14, 60)
            years = rng.choices((1, 2, 3, 4, 5), (0.1, 0.12, 0.6, 0.1, 0.08))[0]
            facts: dict[str, Any] = {
                "provider": provider,
                "sector": sector,
                "value": f"{rng.randrange(20, 900) * 1000}.00",
                "starts": starts,
                "ends": _Years(years),  # the day before the same date ``years`` later
                "payment_terms": rng.choice(("quarterly in advance", "monthly in arrears")),
            }
            if years < 3 and rng.random() < 0.75:
                facts["term_reason"] = "Pilot year while the needs assessment is refreshed."
            self.emit("award", **facts)
            self.provider, self.award_value = provider, Decimal(facts["value"])
            self.provider_sector = sector
        for bidder, _sector in bidders:
            if rng.random() < 0.95:
                late = rng.random() < 0.04  # past the ten working days
                self.day += rng.randint(15, 25) if late else rng.choice((0, 0, 1, 2, 3, 5))
                self.emit("bidder-feedback", bidder=bidder)
        self.involve(("award", "delivery"), self.count(1, 5))
        if rng.random() < 0.85:
            # In proportion to the funding (the profiles' bands), bar a few.
            reports, indicators = (2, 5) if self.award_value < 10_000 else (4, 10)
            if self.award_value >= 100_000:
                reports, indicators = 12, 20
            facts = {"requirements": "Quarterly outcomes report and annual survey"}
            facts["provider"] = self.provider
            facts["reports_per_year"] = rng.randint(1, reports)
            facts["indicators"] = rng.randint(min(3, indicators), indicators)
            if rng.random() < 0.1:
                facts["reports_per_year"], facts["indicators"] = reports * 3, indicators * 2
                if rng.random() < 0.5:
                    facts["justification"] = "Funded from a ring-fenced grant with set returns."
            self.emit("monitoring", **facts)
        return True

    def review(self) -> None:
        rng = self.rng
        self.wait(60, 200)
        self.involve(("monitoring", "review"), self.count(1, 6))
        self.emit(
            "review",
            summary="Annual review against the outcomes framework.",
            outcome=rng.choice(("continue", "re-commission", "reduce", "end")),
        )
        if rng.random() < 0.3:
            self.decommission()

    def decommission(self) -> None:
        rng = self.rng
        provider = self.provider or self.rng.choice(self.vcs)
        sector = self.provider_sector if self.provider else "vcs"
        poor = rng.random() < 0.25
        if poor and rng.random() < 0.6:
            self.emit("performance-discussed", provider=provider, timetable_agreed=True)
            self.wait(1, 20)
        if rng.random() < 0.7:
            self.emit("impact-assessed", summary="Equality and community impact assessment.")
            self.wait(1, 20)
        change = rng.choice(("reduce", "end"))
        facts: dict[str, Any] = {
            "change": change,
            "effective": self.day + rng.randint(60, 180),
            "reason": "Savings required by the medium-term financial plan.",
            "provider": provider,
            "sector": sector,
            "poor_performance": poor,
        }
        if change == "reduce":
            facts["new_value"] = f"{rng.randrange(10, 300) * 1000}"
        self.emit("decommission", **facts)
        if rng.random() < 0.9:
            self.wait(0, 14)
            notice: dict[str, Any] = {
                "to": provider,
                "effective": max(facts["effective"], self.day + 1),
                "in_writing": rng.random() < 0.9,
            }
            if rng.random() < 0.8:
                notice["rationale"] = "Set out in the cabinet report of the decision."
            if rng.random() < 0.08:
                notice["exceptional_circumstances"] = "Safeguarding concerns."
            self.emit("notice", **notice)

    # -- the whole exercise -----------------------------------------------------------

    def run(self) -> None:
        rng = self.rng
        service, area, kind = rng.choice(_SERVICES)
        mechanism = rng.choices(
            ("grant", "contract", "service-level-agreement", "loan", "in-house"),
            (0.35, 0.5, 0.1, 0.02, 0.03),
        )[0]
        self.procured = mechanism in ("contract", "service-level-agreement")
        self.value = Decimal(f"{round(rng.lognormvariate(11.5, 1.0), -2):.2f}")
        self.commands.append(
            {
                "verb": "open",
                "reference": self.reference,
                "title": f"{service}, {rng.choice(self.area['places'])}",
                "commissioner": rng.choice(self.area["commissioners"]),
                "service_area": area,
                "value": str(self.value),
                "mechanism": mechanism,
                "regime": "grant" if mechanism == "grant" else "PCR2015",  # set in finish()
                "profile": self.profile,
                "authority": "central" if self.profile == "national" else "sub-central",
                "contract_kind": kind,
                "on": 0,
            }
        )
        self.version = 1
        cycles = rng.choices((1, 2, 3, 4, 5), (0.22, 0.28, 0.25, 0.15, 0.10))[0]
        roll = rng.random()
        ending = "closed" if roll < 0.2 else "cancelled" if roll < 0.27 else "open"
        # Where the last cycle stops: a closed exercise completes its review.
        stop = 4 if ending == "closed" else rng.randint(1, 4)
        cancel_at = rng.randint(1, stop)
        for cycle in range(1, cycles + 1):
            last = cycle == cycles
            steps = stop if last else 4
            step = 0
            while step < steps:
                phase = PHASES[step]
                if phase == "analyse":
                    self.analyse()
                elif phase == "plan":
                    self.plan()
                elif phase == "do" and not self.do():
                    step = 1  # stepped back to plan: plan again
                    continue
                elif phase == "review":
                    self.review()
                if last and ending == "cancelled" and step + 1 == cancel_at:
                    self.wait(1, 30)
                    self.emit("cancel", reason="The service was brought in-house.")
                    self.status = "cancelled"
                    return
                step += 1
                if step < steps or not last:
                    self.advance(PHASES[step % 4])
        if ending == "closed":
            self.wait(1, 30)
            self.emit("close", reason="Agreement ended and final review completed.")
            self.status = "closed"


@dataclass(frozen=True)
class _Years:
    """An award's end, resolved once its start is a calendar date."""

    years: int


def _shift(commands: list[dict[str, Any]], opened: date, rng: random.Random) -> None:
    """Turn day offsets into calendar dates from ``opened``; give each fact a recorded time."""
    # The import's own list of date fields (imported here: the harness's child processes
    # import this module and must not load the product before they measure it).
    from commission_tracker.application.service import DATE_FIELDS as _DATE_KEYS

    recorded = datetime.combine(opened, time(8, 0), UTC)
    for command in commands:
        for key, value in command.items():
            if isinstance(value, int) and not isinstance(value, bool) and key in _DATE_KEYS:
                command[key] = (opened + timedelta(days=value)).isoformat()
        if isinstance(command.get("ends"), _Years):
            starts = date.fromisoformat(command["starts"])
            years = starts.year + command["ends"].years
            later = starts.replace(year=years, day=28) if starts.day > 28 else starts
            command["ends"] = (later.replace(year=years) - timedelta(days=1)).isoformat()
        day = date.fromisoformat(command["on"])
        moment = datetime.combine(day, time(9, 0), UTC) + timedelta(minutes=rng.randint(0, 540))
        recorded = max(recorded + timedelta(seconds=rng.randint(30, 600)), moment)
        command["recorded_at"] = recorded.isoformat()


def _regime(command: dict[str, Any], opened: date) -> str:
    if command["mechanism"] == "grant":
        return "grant"
    if command["service_area"] == "health" and opened >= date(2024, 1, 1):
        return "PSR2023"
    return "PA2023" if opened >= date(2025, 2, 24) else "PCR2015"


def exercise_commands(seed: int, index: int) -> tuple[list[dict[str, Any]], str, str]:
    """The commands of exercise ``index``, its final phase and its status."""
    rng = random.Random(f"commission-tracker-benchmarks:{seed}:{index}")
    simulation = _Simulation(rng, index)
    simulation.run()
    span = simulation.day
    # Exercises still open were active recently; finished ones may be years old.
    lag = rng.randint(0, 75) if simulation.status == "open" else rng.randint(0, 1200)
    opened = TODAY - timedelta(days=span + lag)
    commands = simulation.commands
    commands[0]["regime"] = _regime(commands[0], opened)
    _shift(commands, opened, rng)
    return commands, simulation.phase, simulation.status


def generate(seed: int, exercises: int, stats: WorkloadStats | None = None) -> Iterator[str]:
    """JSON Lines commands for ``exercises`` exercises, one exercise after another."""
    for index in range(1, exercises + 1):
        commands, phase, status = exercise_commands(seed, index)
        if stats is not None:
            _count(stats, commands, phase, status)
        for command in commands:
            yield json.dumps(command, separators=(",", ":"))


def _count(stats: WorkloadStats, commands: list[dict[str, Any]], phase: str, status: str) -> None:
    stats.exercises += 1
    stats.commands += len(commands)
    stats.max_events = max(stats.max_events, len(commands))
    stats.verbs.update(command["verb"] for command in commands)
    stats.phases[phase] += 1
    stats.profiles[commands[0]["profile"]] += 1
    stats.statuses[status] += 1
    reference = commands[0]["reference"]
    if status == "open" and len(stats.open_references) < 20 and 40 <= len(commands) <= 200:
        stats.open_references.append(reference)
        stats.reference_events[reference] = len(commands)
        stats.as_at[reference] = commands[len(commands) // 2]["recorded_at"]


def write_workload(path: Path, seed: int, exercises: int) -> WorkloadStats:
    """Write the workload to ``path`` (JSON Lines) and a summary beside it (``.json``)."""
    stats = WorkloadStats()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for line in generate(seed, exercises, stats):
            out.write(line)
            out.write("\n")
    path.with_suffix(".json").write_text(json.dumps(stats.to_json(), indent=2), encoding="utf-8")
    return stats


def load_stats(path: Path) -> WorkloadStats | None:
    """The summary of a workload written before, if it is there."""
    summary = path.with_suffix(".json")
    if not (path.exists() and summary.exists()):
        return None
    data = json.loads(summary.read_text(encoding="utf-8"))
    return WorkloadStats(
        exercises=data["exercises"],
        commands=data["commands"],
        verbs=Counter(data["verbs"]),
        phases=Counter(data["phases"]),
        profiles=Counter(data["profiles"]),
        statuses=Counter(data["statuses"]),
        max_events=data["max_events"],
        open_references=list(data["open_references"]),
        reference_events=dict(data["reference_events"]),
        as_at=dict(data["as_at"]),
    )
