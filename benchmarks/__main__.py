"""``python -m benchmarks --scale small``: measure, print the table, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from pathlib import Path

from benchmarks import child
from benchmarks.child import ROOT
from benchmarks.figures import Measurements, Plan, product_importable
from benchmarks.report import Results, machine_facts, terminal_table, write_json, write_markdown
from benchmarks.workload import SCALES, write_workload

DEFAULT_REPEAT = {"tiny": 1, "small": 2, "large": 1}
DEFAULT_RUNS = {"tiny": 3, "small": 7, "large": 15}
PROFILE_LIMITS = {  # commands of the profiled imports, seconds of the profiled rebuilds
    "tiny": (10_000, 10.0),
    "small": (20_000, 15.0),
    "large": (100_000, 30.0),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark commission-tracker against a raw sqlite3 + msgpack floor.",
    )
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="markdown file to write (default BENCHMARKS.md); other scales' sections are kept",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=ROOT / "benchmarks" / ".work",
        help="where workloads and stores go (default benchmarks/.work/, git-ignored)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of the heavy figures: floor, import, rebuild (default: tiny 1, small 2, "
        "large 1)",
    )
    parser.add_argument(
        "--runs", type=int, help="runs of each latency figure (default: tiny 3, small 7, large 15)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure the PostgreSQL rows instead (server URL, e.g. "
        "postgresql://postgres@127.0.0.1:5432/test), writing only their section",
    )
    parser.add_argument(
        "--profile",
        choices=["misses", "all", "none"],
        default="misses",
        help="which figures to profile with cProfile (default: those that miss their target)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work_dir: Path = args.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    with (work_dir / ".lock").open("w") as lock:
        try:  # two runs in one work directory would overwrite each other's stores
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Another benchmark run is using {work_dir}; use --work-dir.", file=sys.stderr)
            return 1
        run(args, work_dir)
    return 0


def run(args: argparse.Namespace, work_dir: Path) -> None:
    scale = SCALES[args.scale]
    started = time.perf_counter()
    load_before = " / ".join(f"{load:.1f}" for load in os.getloadavg())

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    workload = work_dir / f"workload-{scale.name}.jsonl"
    say(f"generating {scale.exercises:,} exercises (seed {args.seed}) into {workload}")
    stats = write_workload(workload, args.seed, scale.exercises)
    say(f"workload: {stats.events:,} events")
    if args.postgres:
        from benchmarks import postgres

        postgres.run(args.postgres, workload, work_dir, args.output)
        return
    plan = Plan(
        scale=scale.name,
        seed=args.seed,
        work_dir=work_dir,
        workload=workload,
        stats=stats,
        repeat=args.repeat or DEFAULT_REPEAT[scale.name],
        runs=args.runs or DEFAULT_RUNS[scale.name],
        dashboard_exercises=scale.dashboard_exercises,
        profile=args.profile,
        import_profile_limit=PROFILE_LIMITS[scale.name][0],
        rebuild_profile_seconds=PROFILE_LIMITS[scale.name][1],
    )
    child.ENV = child.measured_env(work_dir)
    measurements = Measurements(plan, progress=say)
    measurements.notes.append(
        "Every process runs with Python's bytecode cache (`PYTHONPYCACHEPREFIX` in the work "
        "directory, as an installed `ctrack` has one), after one untimed warm-up run"
    )
    problem = product_importable()
    if problem is not None:
        measurements.notes.append(f"The product does not import yet: {problem}")
        say(f"the product does not import: {problem}")
    measurements.run()
    results = Results(
        scale=scale.name,
        seed=args.seed,
        machine={**machine_facts(), "load_before": load_before},
        workload={**stats.to_json(), "product_state_bytes": measurements.product_state_bytes},
        figures=list(measurements.figures.values()),
        floor=measurements.floor,
        notes=measurements.notes,
    )
    print(terminal_table(results))
    write_markdown(results, args.output)
    write_json(results, work_dir / f"results-{scale.name}.json")
    say(f"wrote {args.output} and {work_dir / f'results-{scale.name}.json'}")


if __name__ == "__main__":
    sys.exit(main())
