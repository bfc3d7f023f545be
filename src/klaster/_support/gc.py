"""Pausing the cyclic garbage collector around work that allocates much and makes no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (restored after it, also on errors).

    Reading documents, storing observation batches, reports and store imports make millions of
    short-lived objects and no reference cycles; the collector would otherwise walk the whole
    program's records (a million members) again and again, a quarter of the time at scale.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
