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


_PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""


def die_with_parent() -> None:
    """In a forked worker: end when the process that forked it ends, even by SIGKILL.

    A worker waits on its pool's queue, whose pipe its sibling workers also hold open, so
    a killed ``replay`` or ``import`` would otherwise leave its workers waiting for ever.
    Linux only; elsewhere nothing is done."""
    import signal

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not on Linux
        return
    if os.getppid() == 1:  # the parent died before the call: go now
        os._exit(1)
