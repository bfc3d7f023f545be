"""numpy's transparent huge pages switched off while bulk readers build their arrays.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every array
of 4 MB or more. Where the kernel's THP mode is ``madvise`` (a common default), each such
allocation then takes fresh 2 MB pages, zeroed at once, and in a process that has just loaded
a program (free memory fragmented) getting them costs far more than the arrays' use: the first
sidecar read of a 1M-member program's process took 5.8 s against 4.6 s with huge pages off, a
repeat in the same process 4.4 s either way (``docs/performance.md``). The readers' arrays are
read once or twice, so huge pages buy them nothing.

The switch is numpy's and process-wide, so a pause is shared like the collector's
(:func:`klaster._support.gc.gc_paused`, :class:`~klaster._support.shared_pause.SharedPause`):
the first pause switches huge pages off and remembers the setting, the last one restores it.
Without numpy's switch (another numpy), or without numpy, nothing changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from klaster._support.shared_pause import SharedPause

__all__ = ["huge_pages_paused", "huge_pages_setter"]


def huge_pages_setter() -> Callable[[bool], bool] | None:
    """The switch numpy has (sets its madvise setting, returns the previous one), if any."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, numpy 1.26
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        setter: Callable[[bool], bool] | None = getattr(module, "_set_madvise_hugepage", None)
        if setter is not None:
            return setter
    return None


@cache
def _pause() -> SharedPause[bool] | None:
    setter = huge_pages_setter()
    if setter is None:
        return None
    return SharedPause(lambda: setter(False), setter)


@contextmanager
def huge_pages_paused() -> Iterator[None]:
    """Huge pages of numpy arrays off for the block (restored after it, also on errors).

    Re-entrant and thread-safe: they stay off while any pause (in any thread) is under way, and
    the setting from before the first pause is restored when the last one ends.
    """
    pause = _pause()
    if pause is None:
        yield
        return
    with pause.paused():
        yield
