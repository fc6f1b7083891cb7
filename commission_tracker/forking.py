"""How many forked worker processes a large import or rebuild may share its work among."""

from __future__ import annotations

import os


def fork_workers(most: int) -> int:
    """At most ``most``, and no more than the cores this process may run on; 1 (no
    workers: the work stays in this process) where processes cannot be forked."""
    import multiprocessing  # only for large imports and rebuilds: off every command's start

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # pragma: no cover - not on Linux
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return min(most, cores)
