"""The C allocators set for one batch command: freed memory kept for reuse, not handed back.

``klaster report`` on a 1M-member program builds and drops large buffers phase after phase:
numpy's arrays through the C library's ``malloc``, polars' through the jemalloc it bundles. By
default both hand freed memory back to the kernel early. glibc's ``malloc`` maps a buffer of
more than 128 KB on its own and unmaps it when freed (the threshold grows, up to 32 MB, as
buffers are freed) and trims its heap's top past 128 KB free; jemalloc spreads threads over four
arenas per core, so one thread's freed pages seldom serve another's. Each phase's buffers are
then fresh pages, faulted in and zeroed again: at 1M members the command took 520,000 page
faults, 1.1 s of system time in a 3.5 s run. Kept for reuse, 430,000 (``docs/performance.md``).

:func:`tune_for_batch` is for a process that runs one command and exits (the ``klaster``
console script: :func:`klaster.cli.main` without ``argv``), never for a caller's process (a
notebook, a server, the test suite), whose memory would stay high after a large read. It
changes nothing the user set: glibc's settings are left alone when a ``MALLOC_*`` variable or
``GLIBC_TUNABLES`` is set, jemalloc's when ``_RJEM_MALLOC_CONF`` is, and jemalloc's too once
polars is imported (its allocator has read its settings then).
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["JEMALLOC_VARIABLE", "tune_for_batch"]

JEMALLOC_VARIABLE = "_RJEM_MALLOC_CONF"
"""The variable polars' bundled jemalloc reads its settings from, once, when polars loads."""

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Freed memory at the heap's top is kept up to 2 GB (glibc: 128 KB); buffers up to 1 GB come
# from the heap, where freed ones are reused (glibc: their own mapping from 128 KB-32 MB).
_GLIBC = ((_M_TRIM_THRESHOLD, 2**31 - 1), (_M_MMAP_THRESHOLD, 2**30))


def tune_for_batch(libc: Any = None) -> tuple[str, ...]:
    """Set the allocators of this process for one large command (see the module docstring).

    Args:
        libc: The C library (default: this process's, through ``ctypes``); tests give a fake.

    Returns:
        What was set: ``"glibc"`` and/or ``"jemalloc"`` (``()``: nothing, as on macOS or
        Windows, or where the user set them).
    """
    done: list[str] = []
    if _glibc_settings(libc):
        done.append("glibc")
    if "polars" not in sys.modules and JEMALLOC_VARIABLE not in os.environ:
        # One arena per core: a thread's freed pages serve the next buffer of any thread.
        os.environ[JEMALLOC_VARIABLE] = f"narenas:{max(os.cpu_count() or 1, 1)}"
        done.append("jemalloc")
    return tuple(done)


def _glibc_settings(libc: Any) -> bool:
    if "GLIBC_TUNABLES" in os.environ or any(name.startswith("MALLOC_") for name in os.environ):
        return False  # the user's settings
    if libc is None:
        if not sys.platform.startswith("linux"):
            return False
        try:
            import ctypes

            libc = ctypes.CDLL(None)
        except OSError:
            return False
    mallopt = getattr(libc, "mallopt", None)  # (musl has none)
    if mallopt is None:
        return False
    return all(mallopt(parameter, value) == 1 for parameter, value in _GLIBC)
