"""When Python's cyclic garbage collector runs: not during large imports, not over what a release step did not make.

Importing Prefect, Great Expectations and their stacks leaves hundreds of thousands of short-lived reference
cycles (Prefect's client and GX together, about 240 000), and the collector, run as they come, walks the growing
heap again and again: a fifth to a quarter of the imports' CPU. Paused for the import, one collection afterwards
frees the same cycles.

Publishing returns freed memory between its steps (tables/memory.release_freed_memory), and each full collection
walks every object the process holds: after Prefect's and Great Expectations' imports, about 370 000 of them and
half a second a collection, several times per release. Objects alive when the step starts (modules, the documents)
outlive it anyway, so they are frozen out of the collections while it runs and given back to the collector after.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def collecting_only_new_objects(step: Callable[P, R]) -> Callable[P, R]:
    """Run `step` with the objects alive at its start out of the collector's reach (gc.freeze), then back."""

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if gc.get_freeze_count():  # an outer step froze the heap already: it unfreezes it
            return step(*args, **kwargs)
        gc.freeze()
        try:
            return step(*args, **kwargs)
        finally:
            gc.unfreeze()

    return run


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (for imports: their garbage is collected after, in one pass); the
    collector's state is given back as it was (a caller that turned it off keeps it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
