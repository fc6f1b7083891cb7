"""Python's cyclic garbage collector, held off while the bulk paths run.

An import or a rebuild makes millions of objects and keeps many of them (an import holds
every exercise it touches until it commits), so the collector's periodic walks over
everything alive cost a quarter of a large import's time and give nothing back: the
aggregates, events and rows these paths make hold no reference cycles, so reference
counting frees them as soon as they are dropped, collector or not (the benchmark's peak
memory shows it). ``ctrack``'s short verbs hold the collector off for the same reason
(see ``cli.main.console``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then put it back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
