"""Figures, their floors and targets, as a terminal table and as BENCHMARKS.md.

BENCHMARKS.md keeps one section per scale: writing the results of ``--scale large``
replaces the large section and keeps the others, so small and large results stand side by
side. ``results-<scale>.json`` in the work directory holds the same figures for scripts.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import statistics
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import takewhile
from pathlib import Path
from typing import Any

import msgpack

RATE = "events/s"
MS = "ms"
MB = "MB"

NOT_BUILT = "not built yet (dashboard issue)"


@dataclass(frozen=True)
class Target:
    text: str
    kind: str
    """``min-ratio`` (ratio to the floor at least ``limit``), ``max`` (median at most)."""
    limit: float


@dataclass
class Figure:
    key: str
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)
    floor_name: str = ""
    target: Target | None = None
    memory_mb: float | None = None
    memory_how: str = ""
    state: str = "measured"
    """``measured``, or why there is no figure (not built yet, failed: ...)."""
    note: str = ""
    profile: dict[str, Any] | None = None

    @property
    def measured(self) -> bool:
        return self.state == "measured" and bool(self.samples)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def floor(self) -> float | None:
        return statistics.median(self.floor_samples) if self.floor_samples else None

    @property
    def ratio(self) -> float | None:
        """The figure divided by its floor: a share of the floor's rate, or a multiple of
        the floor's time (or memory)."""
        if self.median is None or not self.floor:
            return None
        return self.median / self.floor

    @property
    def status(self) -> str:
        if self.state != "measured":
            return self.state
        if self.target is None:
            return "-"
        if self.target.kind == "min-ratio":
            met = self.ratio is not None and self.ratio >= self.target.limit
        else:
            met = self.median is not None and self.median < self.target.limit
        return "met" if met else "MISSED"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            median=self.median,
            floor=self.floor,
            ratio=self.ratio,
            status=self.status,
            min=min(self.samples) if self.samples else None,
            max=max(self.samples) if self.samples else None,
        )
        return data


@dataclass
class Results:
    scale: str
    seed: int
    machine: dict[str, Any]
    workload: dict[str, Any]
    figures: list[Figure]
    floor: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "machine": self.machine,
            "workload": self.workload,
            "floor": self.floor,
            "figures": [figure.to_json() for figure in self.figures],
            "notes": self.notes,
        }


def machine_facts() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": " / ".join(f"{load:.1f}" for load in os.getloadavg()),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "msgpack": ".".join(str(part) for part in msgpack.version),
        "platform": platform.platform(),
    }


# -- formatting ---------------------------------------------------------------------------


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == RATE:
        return f"{value:,.0f}"
    if unit == MS:
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}"


def _ratio(figure: Figure) -> str:
    ratio = figure.ratio
    if ratio is None:
        return "-"
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x"


def _memory(figure: Figure) -> str:
    return "-" if figure.memory_mb is None else f"{figure.memory_mb:,.0f} MB"


def rows(results: Results) -> list[list[str]]:
    header = [
        "Figure",
        "Median",
        "Min",
        "Max",
        "Runs",
        "Floor",
        "Ratio",
        "Target",
        "Status",
        "Peak memory",
    ]
    table = [header]
    for figure in results.figures:
        if figure.measured:
            cells = [
                f"{_number(figure.median, figure.unit)} {figure.unit}",
                _number(min(figure.samples), figure.unit),
                _number(max(figure.samples), figure.unit),
                str(len(figure.samples)),
            ]
        else:
            cells = ["-", "-", "-", "0"]
        floor = (
            f"{_number(figure.floor, figure.unit)} {figure.unit} ({figure.floor_name})"
            if figure.floor is not None
            else figure.floor_name or "-"
        )
        table.append(
            [
                figure.name,
                *cells,
                floor,
                _ratio(figure),
                figure.target.text if figure.target else "-",
                figure.status,
                _memory(figure),
            ]
        )
    return table


def terminal_table(results: Results) -> str:
    table = rows(results)
    short = [[cell if len(cell) <= 44 else cell[:43] + "~" for cell in row] for row in table]
    widths = [max(len(row[i]) for row in short) for i in range(len(short[0]))]
    lines = []
    for number, row in enumerate(short):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _markdown_table(table: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]
    ]
    return lines


def _profile_lines(figure: Figure) -> list[str]:
    profile = figure.profile
    assert profile is not None
    lines = [
        f"#### {figure.name}: where the time goes",
        "",
        f"cProfile of {profile['what']} ({profile['seconds']:.2f} s profiled; cProfile "
        "slows Python code down, so shares are more telling than seconds).",
        "",
        "| Own time by package | Share |",
        "|---|---|",
    ]
    lines += [f"| {name} | {share:.0%} |" for name, share in profile["groups"]]
    lines += ["", "| Product function (cumulative) | Share | Calls |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {share:.0%} | {calls:,} |" for name, share, calls in profile["product"]
    ]
    lines += ["", "| Function (own time) | Share | Calls |", "|---|---|---|"]
    lines += [f"| `{name}` | {share:.0%} | {calls:,} |" for name, share, calls in profile["top"]]
    lines.append("")
    return lines


def section(results: Results) -> str:
    machine, workload = results.machine, results.workload
    lines = [
        f"<!-- scale:{results.scale} -->",
        f"## Scale `{results.scale}`: {workload['exercises']:,} exercises, "
        f"{workload['events']:,} events",
        "",
        f"Run {machine['date']} on {machine['cpus']} CPUs ({machine['cpu']}, "
        f"{machine['memory']}), Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"msgpack {machine['msgpack']}; {machine['platform']}. Seed {results.seed}. "
        f"Load average (1/5/15 min) {machine.get('load_before', '?')} at the start, "
        f"{machine['load']} at the end.",
        "",
        "Command: `python -m benchmarks --scale " + results.scale + f" --seed {results.seed}`.",
        "",
        *_markdown_table(rows(results)),
        "",
        "Ratio: for rates, the product's rate as a share of the floor's (higher is better); "
        "for times and memory, a multiple of the floor's (lower is better). Peak memory is "
        "the `ru_maxrss` of the child process that ran the figure (from `wait4`).",
        "",
    ]
    floor = results.floor
    if floor:
        inserts, reads = floor.get("insert_samples") or [0.0], floor.get("read_samples") or [0.0]
        lines += [
            "**Floor** (raw `sqlite3` + `msgpack`, same machine, same run, measured "
            f"{len(inserts)} times spread over the run, median and range): insert "
            f"{floor['insert_rate']:,.0f} rows/s ({min(inserts):,.0f}-{max(inserts):,.0f}), "
            f"sequential read with decode {floor['read_rate']:,.0f} rows/s "
            f"({min(reads):,.0f}-{max(reads):,.0f}), over {floor['rows']:,} rows of "
            f"{floor['state_bytes']:.0f} bytes of state on average (the product's stored "
            f"events average {workload.get('product_state_bytes', 0):.0f} bytes).",
            "",
        ]
    lines += [
        f"**Workload**: {workload['exercises']:,} exercises, {workload['events']:,} events "
        f"(mean {workload['events'] / max(workload['exercises'], 1):.0f}, largest "
        f"{workload['max_events']} per exercise).",
        "",
        "- Profiles: " + _counts(workload["profiles"]),
        "- Phase at the end: " + _counts(workload["phases"]),
        "- Status: " + _counts(workload["statuses"]),
        "- Facts: " + _counts(workload["verbs"]),
        "",
    ]
    notes = [figure for figure in results.figures if figure.note]
    if notes or results.notes:
        lines += ["**Notes**", ""]
        lines += [f"- {figure.name}: {figure.note}" for figure in notes]
        lines += [f"- {note}" for note in results.notes]
        lines.append("")
    profiled = [figure for figure in results.figures if figure.profile]
    if profiled:
        lines += ["### Profiles of the missed targets", ""]
        shown: dict[str, str] = {}
        for figure in profiled:
            assert figure.profile is not None
            what = json.dumps(figure.profile, sort_keys=True)
            if what in shown:
                lines += [f"#### {figure.name}: the same profile as {shown[what]}", ""]
                continue
            shown[what] = figure.name
            lines += _profile_lines(figure)
    lines.append(f"<!-- /scale:{results.scale} -->")
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {count:,}" for name, count in ordered)


HEADER = """# Benchmarks

Measured by `python -m benchmarks` (see `benchmarks/`): a generated workload of realistic
commissioning exercises is imported with `ctrack import`'s code path, the views are rebuilt,
and the reading and recording commands are timed on the result. Every figure is compared
with a floor measured in the same run on the same machine: raw `sqlite3` + `msgpack` doing
the same work without the product (see `benchmarks/floor.py`). Three "stack floor" rows
measure what the chosen libraries cost with no product logic at all: each event validated by
its pydantic model and encoded or decoded by the product's msgpack mapper, and a process that
only imports the libraries. Any implementation on this stack does at least that much work,
so their ratios bound what the product can reach. `--scale small` takes about a
minute and suits CI-sized machines; `--scale large` is 10,000 exercises, about 1,000,000
events, and takes about ten minutes. Targets are for a 2-core machine and are meant for the
large store.

Targets: bulk import >= 0.4x the raw insert floor; full rebuild >= 0.3x the raw read
floor; one recording command < 300 ms wall; `flags --json` < 300 ms; `show --as-at`
< 100 ms; dashboard first screen < 1 s and key press < 100 ms; dashboard peak memory on
the large store < 400 MB.
"""

_SECTION = re.compile(r"<!-- scale:(\w+) -->.*?<!-- /scale:\1 -->", re.DOTALL)
_ANALYSIS = re.compile(r"<!-- analysis -->.*?<!-- /analysis -->", re.DOTALL)
_ORDER = {"large": 0, "small": 1, "tiny": 2}


def write_markdown(results: Results, path: Path) -> None:
    """Write ``path``, replacing this scale's section and keeping the other scales' and
    any hand-written analysis between ``<!-- analysis -->`` and ``<!-- /analysis -->``."""
    sections: dict[str, str] = {}
    analysis = postgres = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        sections = {match.group(1): match.group(0) for match in _SECTION.finditer(text)}
        found = _ANALYSIS.search(text)
        analysis = found.group(0) + "\n\n" if found else ""
        # The PostgreSQL rows (``benchmarks/postgres.py``) are measured by a run of their own.
        kept = re.search(r"<!-- postgres -->.*?<!-- /postgres -->", text, re.DOTALL)
        postgres = "\n\n" + kept.group(0) if kept else ""
    sections[results.scale] = section(results)
    ordered = sorted(sections, key=lambda scale: (_ORDER.get(scale, 9), scale))
    body = "\n\n".join(sections[scale] for scale in ordered)
    path.write_text(f"{HEADER}\n{analysis}{body}{postgres}\n", encoding="utf-8")


def write_json(results: Results, path: Path) -> None:
    path.write_text(json.dumps(results.to_json(), indent=2, default=str), encoding="utf-8")


def parse_table(markdown: str, scale: str) -> list[dict[str, str]]:
    """The figure rows of one scale's section, as dicts keyed by column (for tests)."""
    match = re.search(rf"<!-- scale:{scale} -->.*?<!-- /scale:{scale} -->", markdown, re.DOTALL)
    if match is None:
        return []
    lines = match.group(0).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Figure |"))
    block = list(takewhile(lambda line: line.startswith("|"), lines[start:]))

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]

    header = cells(block[0])
    return [dict(zip(header, cells(line), strict=True)) for line in block[2:]]
