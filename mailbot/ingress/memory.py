"""Giving the memory of large messages back to the system once they are stored.

CPython frees a message's bytes as soon as nothing refers to them, but glibc's allocator may
keep the memory: it serves a block of 1 MB or more from its own heaps once a block that large
has been freed (its mmap threshold rises with each large block freed, up to 32 MB), and
freed heap memory stays with the process. After a burst of 24 MB messages a listener stayed
1.4 GB above its size before the burst. Two calls to glibc, through ctypes, undo that:

- `return_large_blocks()` fixes the mmap threshold at 1 MB, so that every block from 1 MB up
  is mapped on its own and unmapped when freed: a stored message's memory goes back at once;
- `give_back_memory()` runs `malloc_trim(0)` after a large message, returning the free pages
  left among smaller blocks. It walks the whole heap, so one call at a time.

Elsewhere than glibc neither function is there and nothing is done.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

# Blocks from this size up are mapped on their own, and a message this large is trimmed after.
LARGE = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter

_trimming = threading.Lock()


def _glibc(name: str) -> Any:
    try:
        # The symbols the interpreter is linked with, glibc's among them; no library search.
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):  # not glibc
        return None


_mallopt = _glibc("mallopt")
_malloc_trim = _glibc("malloc_trim")
if _malloc_trim is not None:
    _malloc_trim.argtypes = [ctypes.c_size_t]


def return_large_blocks() -> bool:
    """Have every block of `LARGE` bytes or more returned to the system when freed (for the
    whole process); False where that cannot be set."""
    if _mallopt is None:
        return False
    return bool(_mallopt(_M_MMAP_THRESHOLD, LARGE))


def give_back_memory(freed: int) -> None:
    """After `freed` bytes of a message were let go: return the process's free memory to the
    system when that was a large message and no other thread is doing it already."""
    if freed < LARGE or _malloc_trim is None:
        return
    if not _trimming.acquire(blocking=False):
        return  # one at a time: the next large message trims again
    try:
        _malloc_trim(0)
    finally:
        _trimming.release()
