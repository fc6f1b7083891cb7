"""Running measurements in child processes, so each has its own clean peak memory.

``run_process`` times a command line and reads its peak resident set size from ``wait4``.
A child's ``ru_maxrss`` starts from what its parent had when it was spawned (Linux carries
the figure across ``exec``), so the command is spawned by a small launcher process
(``python -S -m benchmarks.child --spawn``), never by the harness, whose memory grows. The
launcher also does the timing, so its own start-up is not counted. ``run_task`` runs a named
task of :mod:`benchmarks.figures` in a fresh process, which prints its result, with its own
peak memory (``VmHWM``), as the last line of its output.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

ENV: dict[str, str] | None = None
"""The environment of measured processes (None: this process's own)."""


def measured_env(work_dir: Path) -> dict[str, str]:
    """Python as an installed ``ctrack`` runs it: with its bytecode cache. Without one
    (``PYTHONDONTWRITEBYTECODE``), every process compiles the product's sources again. The
    cache goes to the work directory (``PYTHONPYCACHEPREFIX``), not the source tree."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work_dir / "pycache")
    return env


class ChildFailed(RuntimeError):
    """A measured child process did not succeed."""


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_process(argv: list[str]) -> ProcessRun:
    """Run ``argv`` to completion: its wall time and its own peak memory."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        result = Path(scratch) / "result.json"
        launcher = [sys.executable, "-S", "-m", "benchmarks.child", "--spawn", str(result)]
        returncode = subprocess.run(
            [*launcher, *argv], stdout=out, stderr=err, cwd=ROOT, env=ENV
        ).returncode
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read().decode("utf-8", "replace") for f in (out, err))
        if returncode != 0 or not result.exists():
            return ProcessRun(0.0, 0.0, returncode or 1, stdout, stderr)
        measured = json.loads(result.read_text())
        return ProcessRun(
            measured["seconds"], measured["maxrss_mb"], measured["returncode"], stdout, stderr
        )


def spawn(result: str, argv: list[str]) -> int:
    """The launcher: spawn ``argv``, wait for it, write its time and peak memory."""
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    returncode = os.waitstatus_to_exitcode(status)
    measured = {"seconds": seconds, "maxrss_mb": usage.ru_maxrss / 1024, "returncode": returncode}
    Path(result).write_text(json.dumps(measured))
    return 0


def checked(run: ProcessRun, what: str) -> ProcessRun:
    if run.returncode != 0:
        raise ChildFailed(f"{what} exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    return run


def run_task(task: str, **arguments: Any) -> dict[str, Any]:
    """Run ``figures.TASKS[task](**arguments)`` in a fresh process; returns its result."""
    argv = [sys.executable, "-m", "benchmarks.child", task, json.dumps(arguments)]
    run = checked(run_process(argv), f"task {task}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["process_seconds"] = run.seconds
    return result


def peak_mb() -> float:
    """This process's peak resident set size so far, in MB (``VmHWM``: since its ``exec``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    if argv[0] == "--spawn":
        return spawn(argv[1], argv[2:])
    from benchmarks.figures import TASKS

    task, arguments = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = TASKS[task](**arguments)
    result.setdefault("maxrss_mb", peak_mb())
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
