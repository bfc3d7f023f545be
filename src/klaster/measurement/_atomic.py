"""Atomic file writes: a temporary file beside the target, flushed to disk, then renamed over it.

The same steps as :func:`klaster.document.save`, for writers that stream many lines instead of
writing one string. A failure at any point leaves the old file as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def atomic_write(path: str | os.PathLike[str], write: Callable[[TextIO], None]) -> None:
    """Call ``write`` with a UTF-8 text handle, then put the result at ``path`` atomically."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp creates 0600; give the file the mode an ordinary write would (or the old one's).
        os.chmod(tmp, _file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
