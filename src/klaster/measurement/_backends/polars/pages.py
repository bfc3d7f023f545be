"""numpy's transparent huge pages switched off while the fast path builds its arrays.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every array
of 4 MB or more. Where the kernel's THP mode is ``madvise`` (a common default), each such
allocation then takes fresh 2 MB pages, zeroed at once, and where free memory is fragmented (in
a process that has just loaded a program, or after other work freed memory) getting them costs
far more than the arrays' use: measured at 1M members, the first report of a process spent
1.1-2.5 s in the kernel in the fast path's main thread against 0.2 s in a repeat, and with huge
pages off the first report costs what a repeat does (``docs/performance.md``). Arrays of the fast
path live for one round key and are read once or twice, so huge pages buy them nothing.

The switch is numpy's and process-wide, so a pause is shared like the collector's
(:func:`klaster._support.gc.gc_paused`): a count of the pauses under way behind a lock; the
first one switches huge pages off and remembers the setting, the last one restores it. Without
numpy's switch (another numpy), nothing changes.
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
