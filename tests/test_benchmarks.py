"""The benchmark harness works: a tiny run imports its workload and reports every figure.

Benchmarks are not tests: nothing here looks at how fast anything is. The run proves the
generated workload passes every invariant of the aggregate (the import is all or nothing),
that every figure is measured or says why not, and that the ratios are numbers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.figures import FRAME_KEYS, FRAME_ROUNDS, Measurements, Plan
from benchmarks.report import NOT_BUILT, parse_table
from benchmarks.workload import PROFILES, TODAY, WorkloadStats, exercise_commands, generate


def test_the_workload_is_reproducible_and_grows_by_extension() -> None:
    small = list(generate(7, 6))
    assert small == list(generate(7, 6))
    assert list(generate(7, 9))[: len(small)] == small
    assert small != list(generate(8, 6))


def test_the_workload_covers_the_domain() -> None:
    stats = WorkloadStats()
    for _ in generate(3, 40, stats):
        pass
    assert set(stats.profiles) == set(PROFILES)
    assert set(stats.phases) == {"analyse", "plan", "do", "review"}
    assert {"open", "closed"} <= set(stats.statuses)
    assert {"involve", "consult", "pqq", "tender", "bid", "award", "notice", "correct"} <= set(
        stats.verbs
    )
    assert stats.events == sum(stats.verbs.values())
    for index in range(1, 41):
        commands, _, _ = exercise_commands(3, index)
        days = [command["on"] for command in commands]
        assert days == sorted(days) and days[-1] <= TODAY.isoformat()


@pytest.mark.slow
def test_a_tiny_run_reports_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    work = tmp_path / "work"
    assert main(["--scale", "tiny", "--output", str(output), "--work-dir", str(work)]) == 0

    results = json.loads((work / "results-tiny.json").read_text())
    figures = {figure["key"]: figure for figure in results["figures"]}
    plan = Plan("tiny", 1, work, work / "w.jsonl", WorkloadStats(), 1, 1, 1)
    assert set(figures) == set(Measurements(plan).figures)
    for key, figure in figures.items():
        assert figure["state"] == "measured", (key, figure["state"])  # the dashboard too
        assert isinstance(figure["ratio"], float) and math.isfinite(figure["ratio"]), key
        # The stack floors have no target: they bound what the product can reach.
        assert figure["status"] in ({"met", "MISSED"} if figure["target"] else {"-"}), key
    assert results["floor"]["rows"] == results["workload"]["events"]

    table = parse_table(output.read_text(), "tiny")
    assert [row["Figure"] for row in table] == [figure["name"] for figure in figures.values()]
    for row in table:
        assert row["Status"] != NOT_BUILT
        assert math.isfinite(float(row["Ratio"].removesuffix("x")))
    # Every key of every round is timed to its frame, on the dashboard and on its floor.
    frames = figures["dashboard-key"]
    assert len(frames["samples"]) == len(FRAME_KEYS) * FRAME_ROUNDS
    assert len(frames["floor_samples"]) == len(FRAME_KEYS) * FRAME_ROUNDS
