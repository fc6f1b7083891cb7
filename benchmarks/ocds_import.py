"""``ctrack import-ocds`` on a folder of 10,000 releases, against a floor.

Run ``python -m benchmarks.ocds_import`` (``--releases N`` for another size). The releases
are made from the real Contracts Finder 2025 releases in ``../shared/data/ocds`` (their shapes
unchanged: tender, award, awardUpdate, tenderAmendment and planning notices), each copy
given its own ``ocid`` and release id; processes with two releases keep both, so updates
are part of the run. One file per release, as Contracts Finder serves them.

Figures: the import as a process into a new SQLite store, a second import of the same
folder (everything unchanged), and the floor: reading and parsing every file
(``json.loads``) with nothing else. This module writes nothing to BENCHMARKS.md; its
figures are copied into their own section there by hand.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SOURCE = SHARED / "data" / "ocds" / "contracts-finder-2025"


def generate(folder: Path, releases: int) -> int:
    """Write ``releases`` release files made from the real ones; returns the processes."""
    by_process: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(SOURCE.glob("*.json")):
        release = json.loads(path.read_text(encoding="utf-8"))
        by_process[release["ocid"]].append(release)
    shapes = list(by_process.values())
    written = processes = 0
    copy = 0
    while written < releases:
        for group in shapes:
            if written >= releases:
                break
            copy += 1
            processes += 1
            for release in group[: releases - written]:
                made = json.loads(json.dumps(release))
                made["ocid"] = f"{release['ocid']}-b{copy:06d}"
                made["id"] = f"{release['id']}-b{copy:06d}"
                (folder / f"{made['ocid']}--{made['id']}.json").write_text(
                    json.dumps(made), encoding="utf-8"
                )
                written += 1
    return processes


def timed(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed: {done.stderr.strip()}")
    return elapsed, done.stdout


def floor(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.glob("*.json")):
        json.loads(path.read_text(encoding="utf-8"))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocds_import")
    parser.add_argument("--releases", type=int, default=10_000)
    args = parser.parse_args(argv)
    ctrack = str(Path(sys.executable).with_name("ctrack"))
    with tempfile.TemporaryDirectory(prefix="ctrack-ocds-bench-") as work:
        folder = Path(work) / "notices"
        folder.mkdir()
        processes = generate(folder, args.releases)
        store = str(Path(work) / "ocds.sqlite")
        command = [ctrack, "--store", store, "import-ocds", str(folder), "--json"]
        first, out = timed(command)
        summary = json.loads(out)
        second, again = timed(command)
        parse = floor(folder)
    facts = summary["facts"]["imported"]
    rows = [
        ("releases (files)", f"{args.releases:,}"),
        ("processes", f"{processes:,} ({summary['processes']['opened']:,} opened)"),
        ("facts recorded", f"{facts:,}"),
        (
            "import into a new store",
            f"{first:.1f} s, {args.releases / first:,.0f} releases/s, {facts / first:,.0f} facts/s",
        ),
        (
            "same folder again (nothing new)",
            f"{second:.1f} s; {json.loads(again)['releases']['unchanged']:,} unchanged",
        ),
        ("floor: read and parse every file", f"{parse:.2f} s ({parse / first:.2f}x the import)"),
    ]
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
