"""Giving the memory a freed model leaves in the C heap back to the system.

A run makes millions of small objects (log rows, events, index arrays) from the C
library's heap. Once a model is freed their memory is free for reuse, but glibc returns
to the system only what lies at the top of the heap: the rest stayed resident while the
outputs were framed and written (the baseline's run: ~95 MB with its containers table,
~55 MB without). ``malloc_trim`` hands back every free page. A no-op where the C library
has no such call (not glibc)."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_free_heap() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim(0)``)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
