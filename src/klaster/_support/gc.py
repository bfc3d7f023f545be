"""Pausing the cyclic garbage collector around bulk work that allocates much and makes no cycles.

The collector is process-wide, so a pause is shared: :func:`gc_paused` keeps a count of the
pauses under way (any thread, nested or not) behind a lock. The first one to start switches the
collector off if it was on and remembers that; the last one to end switches it back on, so a
pause never re-enables a collector that someone else turned off and never turns it on while
another thread's pause is still running.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from klaster._support.shared_pause import SharedPause

__all__ = ["gc_paused", "settle_long_lived"]


def _switch_off() -> bool:
    enabled = gc.isenabled()
    gc.disable()
    return enabled


def _restore(enabled: bool) -> None:
    if enabled:
        gc.enable()


_PAUSE = SharedPause(_switch_off, _restore)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (restored after it, also on errors).

    Reading documents, storing observation batches, reports and store imports make millions of
    short-lived objects and no reference cycles; the collector would otherwise walk the whole
    program's records (a million members) again and again, a quarter of the time at scale.

    Re-entrant and thread-safe: the collector stays off while any pause (in any thread) is under
    way, and its state from before the first pause is restored when the last one ends.
    """
    with _PAUSE.paused():
        yield


def settle_long_lived() -> None:
    """Move every object made so far to the cyclic collector's oldest generation.

    A load runs with the collector paused; its first passes afterwards would walk every object
    the load made (a million members and spells: 0.65 s), then the next generation's pass the
    same again. Those objects are long-lived: moved to the oldest generation at once
    (``gc.freeze()`` then ``gc.unfreeze()``), only full collections walk them, and those still
    collect any cycle among them once the program is dropped. Skipped if anything is frozen
    already (a caller's ``gc.freeze()`` stays as it is).
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
