"""Giving freed memory back to the system while a release is built.

Arrow's default allocator (mimalloc) keeps memory that was freed for later use: after the sort of a large table,
200+ MB that no object held any more stayed in the process at 10 000 documents, on top of what the next step
(the database, the checks) needed. The publish steps use the C library's allocator instead, whose large blocks
go back to the system when freed (validating a 10 000-document release alone: 899 MB at most with mimalloc,
778 MB with it, in the same CPU time), and return the rest at the steps' boundaries, in milliseconds.
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


def allocate_returnably() -> None:
    """Arrow's allocations from here on come from the C library's allocator (what was allocated before stays
    where it is): freed large buffers leave the process at once instead of staying with mimalloc."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def release_freed_memory() -> None:
    """Return memory no object holds to the system: Python's cycles, Arrow's pool, then malloc's free lists."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
