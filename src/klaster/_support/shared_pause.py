"""A process-wide setting switched off while any of several nested or threaded pauses runs.

The collector (:mod:`klaster._support.gc`) and numpy's huge pages
(:mod:`klaster._support.huge_pages`) are process-wide, so a pause of either is
shared: a count of the pauses under way behind a lock. The first one to start switches the
setting off and remembers what it was; the last one to end restores that, so a pause never
re-enables what someone else turned off and never restores it while another thread's pause is
still running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

__all__ = ["SharedPause"]

T = TypeVar("T")


class SharedPause(Generic[T]):
    """Pauses of one process-wide setting, re-entrant and thread-safe.

    Args:
        switch_off: Turns the setting off; returns what ``restore`` needs to put it back.
        restore: Puts the setting back as it was before the first pause.
    """

    def __init__(self, switch_off: Callable[[], T], restore: Callable[[T], object]) -> None:
        self._switch_off = switch_off
        self._restore = restore
        self._lock = threading.Lock()
        self._active = 0  # pauses under way, in every thread
        self._before: T | None = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The setting off for the block (restored after it, also on errors)."""
        with self._lock:
            if self._active == 0:
                self._before = self._switch_off()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    before, self._before = self._before, None
                    self._restore(before)  # type: ignore[arg-type]  # set by the first pause
