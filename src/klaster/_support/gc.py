"""Pausing the cyclic garbage collector around bulk work that allocates much and makes no cycles.

The collector is process-wide, so a pause is shared: :func:`gc_paused` keeps a count of the
pauses under way (any thread, nested or not) behind a lock. The first one to start switches the
collector off if it was on and remembers that; the last one to end switches it back on, so a
pause never re-enables a collector that someone else turned off and never turns it on while
another thread's pause is still running.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_active = 0  # pauses under way, in every thread
_restore = False  # whether the last pause to end switches the collector back on


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (restored after it, also on errors).

    Reading documents, storing observation batches, reports and store imports make millions of
    short-lived objects and no reference cycles; the collector would otherwise walk the whole
    program's records (a million members) again and again, a quarter of the time at scale.

    Re-entrant and thread-safe: the collector stays off while any pause (in any thread) is under
    way, and its state from before the first pause is restored when the last one ends.
    """
    global _active, _restore
    with _lock:
        if _active == 0:
            _restore = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _restore:
                gc.enable()
