"""Atomic file writes: a temporary file beside the target, flushed to disk, then renamed over it.

Every klaster writer uses it (program documents, observation sidecars, finance books): a failure
at any point leaves the old file as it was, and an OS error becomes a located
:class:`~klaster.errors.DocumentError`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from klaster.errors import DocumentError


def atomic_write(path: str | os.PathLike[str], write: Callable[[TextIO], object]) -> None:
    """Call ``write`` with a UTF-8 text handle, then put the result at ``path`` atomically.

    Raises:
        DocumentError: The file cannot be written (missing folder, no permission, disk full).
    """
    _atomic(path, "w", write)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Put ``data`` at ``path`` atomically (XLSX, Parquet, PDF: files built in memory first).

    Raises:
        DocumentError: The file cannot be written (missing folder, no permission, disk full).
    """
    _atomic(path, "wb", lambda handle: handle.write(data))


def atomic_write_stream(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Call ``write`` with a binary handle, then put the result at ``path`` atomically.

    For a writer that streams into a file itself (polars' CSV and Parquet writers), with no copy
    of the whole file in memory.

    Raises:
        DocumentError: The file cannot be written (missing folder, no permission, disk full).
    """
    _atomic(path, "wb", write)


def _atomic(path: str | os.PathLike[str], mode: str, write: Callable[[Any], object]) -> None:
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise DocumentError(f"{target}: cannot write the file ({_reason(exc)})") from None
    try:
        # mkstemp creates 0600; give the file the mode an ordinary write would (or the old one's).
        os.chmod(tmp, _file_mode(target))
        text = mode == "w"
        encoding, newline = ("utf-8", "\n") if text else (None, None)
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DocumentError(f"{target}: cannot write the file ({_reason(exc)})") from None
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


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
