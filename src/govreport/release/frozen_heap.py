"""Python's cyclic garbage collector kept off what a release step did not make.

Publishing returns freed memory between its steps (tables/memory.release_freed_memory), and each full collection
walks every object the process holds: after Prefect's and Great Expectations' imports, about 370 000 of them and
half a second a collection, several times per release. Objects alive when the step starts (modules, the documents)
outlive it anyway, so they are frozen out of the collections while it runs and given back to the collector after.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
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
