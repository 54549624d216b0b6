"""Giving freed memory back to the system between the publish steps.

Arrow's allocator (mimalloc) and glibc's malloc keep memory that was freed for later use: after the sort of a
large table, 200+ MB that no object holds any more stayed in the process at 10 000 documents, on top of what
the next step (the database, the checks) needs. Returning it at the steps' boundaries costs milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

import pyarrow as pa


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None (other C libraries: musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return memory no object holds to the system: Python's cycles, Arrow's pool, then malloc's free lists."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
