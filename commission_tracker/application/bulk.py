"""A large import shared among worker processes.

The lines of an import are independent between exercises: whether a line is valid, and
the events it makes, depend only on the earlier lines of the same exercise (and on the
store, which the caller has checked holds none of them). So the lines are dealt out by
exercise, each worker applies its share exactly as a one-process import would, and the
caller takes the results: the first bad line overall is the earliest first bad line of
any share, and the events are written by the caller, in one transaction, in the order a
one-process import would write them.

Workers are forked from the caller and never touch the store; only lines go out (by
inheritance) and only encoded events, rows and error messages come back.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from uuid import UUID

from commission_tracker.aggregates.identity import exercise_id
from commission_tracker.forking import die_with_parent, fork_workers

PARALLEL_MIN_LINES = 20_000
"""Below this many lines an import runs in one process (workers take time to start)."""
WORKERS = 2

Numbered = list[tuple[int, str]]

_JOB: tuple[list[Numbered], Callable[[Numbered], Any]] | None = None


def workers() -> int:
    """How many worker processes a large import may use (below 2: none)."""
    return fork_workers(WORKERS)


def deal(numbered: Iterable[tuple[int, str]], shares: int) -> tuple[list[Numbered], list[UUID]]:
    """Deal numbered lines into ``shares``, every line of one exercise to the same share,
    in order; also the exercises' ids in order of first appearance. Blank lines are left
    out; a line whose exercise cannot be told goes to the first share, which will refuse
    it with the message a one-process import gives."""
    dealt: list[Numbered] = [[] for _ in range(shares)]
    share_of: dict[UUID, int] = {}
    for number, line in numbered:
        text = line.strip()
        if not text:
            continue
        try:
            ident = exercise_id(json.loads(text)["reference"])
        except Exception:  # the worker names the problem
            dealt[0].append((number, text))
            continue
        share = share_of.setdefault(ident, len(share_of) % shares)
        dealt[share].append((number, text))
    return dealt, list(share_of)


def run(shares: list[Numbered], work: Callable[[Numbered], Any]) -> list[Any]:
    """``work`` applied to each share, each in its own forked worker process.

    If a worker dies (killed, out of memory), this process does the work itself: the
    result is the same, only slower."""
    global _JOB
    _JOB = (shares, work)
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(
            len(shares), mp_context=context, initializer=die_with_parent
        ) as pool:
            return list(pool.map(_run_share, range(len(shares))))
    except BrokenProcessPool:
        return [work(share) for share in shares]
    finally:
        _JOB = None


def _run_share(index: int) -> Any:
    assert _JOB is not None
    shares, work = _JOB
    return work(shares[index])
