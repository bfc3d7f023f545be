"""A sidecar read ahead: its bytes read and its row lines cut in a thread (internal).

``klaster report PROGRAM.json`` reads the program document first (Python work holding the GIL:
one core busy) and the sidecar after it. The sidecar's largest part that needs no program,
cutting its row lines into cells with polars (which releases the GIL), can run meanwhile on the
other core: :class:`klaster.observations.sidecar.ReadAhead` starts :func:`read_and_cut` in a
thread, and the columnar reader (:mod:`klaster.observations._sidecar_bulk`) takes each cut it
needs from the :class:`Prefetched` instead of cutting it again.

A cut is keyed by the exact lines and cells the reader asks for (the tables grouped as the
reader groups them, by :func:`table_cells`), so it is the cut the reader would make; one asked
for otherwise (another ``only``, a file that is not as expected) is cut then, as without a
read-ahead. Nothing here decides anything: the reader checks every cut as it checks its own,
and a failure here only leaves the cut to the reader.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from klaster._support.huge_pages import huge_pages_paused
from klaster.observations._sidecar_columns import row_cells

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "Lines",
    "Prefetched",
    "Span",
    "cut_rows",
    "group_key",
    "read_and_cut",
    "read_stamped",
    "table_cells",
]

Cut = tuple["pl.Series", dict[int, "pl.Series"]]


class Span(Protocol):
    """A table's row lines: the first line's index and how many."""

    @property
    def first(self) -> int:
        """The index of the table's first row line."""

    @property
    def count(self) -> int:
        """How many row lines the table has."""


class _Rows:
    __slots__ = ("count", "first")

    def __init__(self, first: int, count: int) -> None:
        self.first, self.count = first, count


class Lines:
    """The lines of the text (without their newlines), found once; slices taken on demand.

    Not a list of every line: the newlines' offsets are one numpy array, found a slice of the
    text at a time (one comparison of the whole text would allocate as much again, and fresh
    memory is slow to touch), and a table's row lines are taken as one slice of the text.
    """

    STEP = 1 << 24  # bytes compared at a time

    def __init__(self, data: bytes) -> None:
        import numpy as np

        found = [
            np.flatnonzero(np.frombuffer(data, np.uint8, min(self.STEP, len(data) - at), at) == 10)
            + at
            for at in range(0, len(data), self.STEP)
        ]
        self.data = memoryview(data)
        self.ends = np.concatenate(found) if found else np.zeros(0, np.int64)  # ends in \n

    def __len__(self) -> int:
        return len(self.ends)

    def _start(self, index: int) -> int:
        return int(self.ends[index - 1]) + 1 if index else 0

    def __getitem__(self, index: int) -> bytes:
        return bytes(self.data[self._start(index) : int(self.ends[index])])

    def block(self, first: int, count: int) -> memoryview:
        """Lines ``first`` to ``first + count - 1``, separated by newlines (not copied)."""
        return self.data[self._start(first) : int(self.ends[first + count - 1])]


def table_cells(codes: Sequence[str], only: frozenset[str] | None) -> dict[str, int]:
    """The cell (1 to width) of each of a table's codes that is read (``only``: those)."""
    return {code: cell for cell, code in enumerate(codes, 1) if only is None or code in only}


def group_key(level: Any, codes: Sequence[str], cells: dict[str, int]) -> tuple[Any, ...]:
    """The row group a table's rows are cut in: its level, width and the codes read (any order).

    The reader and the read-ahead both group by this, so a cut made ahead is the one asked for.
    """
    return level, len(codes), tuple(sorted(cells))


def cut_rows(lines: Lines, tables: Sequence[Span], width: int, read: set[int]) -> Cut:
    """The row lines of ``tables`` cut: their unit IDs (quoted) and the ``read`` cells' text."""
    import polars as pl

    block = b"\n".join(lines.block(t.first, t.count) for t in tables)
    return row_cells(pl, block, width, read, sum(t.count for t in tables))


def _key(tables: Sequence[Span], width: int, read: set[int]) -> tuple[Any, ...]:
    return tuple((t.first, t.count) for t in tables), width, frozenset(read)


class Prefetched:
    """What a read-ahead found: the file's row groups cut for ``only``, and which file it was.

    The file's bytes are not kept (a 1M-member sidecar is 400 MB, held beside the program
    while it is read): the reader reads them again, and takes the cuts only if the file is
    the one cut (:func:`read_stamped`).
    """

    def __init__(self, only: frozenset[str] | None) -> None:
        self.only = only
        self.stamp: tuple[int, ...] | None = None  # None: not read, nothing cut
        self.cuts: dict[tuple[Any, ...], Cut] = {}

    def cut(self, lines: Lines, tables: Sequence[Span], width: int, read: set[int]) -> Cut:
        """The cut :func:`cut_rows` gives: the one made ahead if it is that one, else made now."""
        found = self.cuts.pop(_key(tables, width, read), None)
        return found if found is not None else cut_rows(lines, tables, width, read)


def read_stamped(path: Path) -> tuple[bytes, tuple[int, ...]]:
    """The file's bytes and its stamp: device, inode, size and times once read.

    A file klaster saves is replaced whole (a new inode); one edited in place changes its
    times: either way two reads with one stamp read the same bytes.

    Raises:
        OSError: The file cannot be read.
    """
    with path.open("rb") as handle:
        data = handle.read()
        found = os.fstat(handle.fileno())
    return data, (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def read_and_cut(path: Path, only: frozenset[str] | None) -> Prefetched:
    """Read ``path`` and cut its row groups as the columnar reader will (never raises)."""
    found = Prefetched(only)
    try:
        import numpy  # noqa: F401  (the `columnar` extra: both or neither)
        import polars  # noqa: F401
    except ImportError:
        return found
    try:
        data, stamp = read_stamped(path)
        with huge_pages_paused():
            lines = Lines(data)
            for (_, width, wanted), tables in _groups(lines, only).items():
                read = {cells[code] for _, cells in tables for code in wanted}
                rows = [span for span, _ in tables]
                found.cuts[_key(rows, width, read)] = cut_rows(lines, rows, width, read)
        found.stamp = stamp
    except Exception:  # unreadable, or not as expected: the reader judges (and words) it
        found.cuts.clear()
    return found


def _groups(
    lines: Lines, only: frozenset[str] | None
) -> dict[tuple[str, int, tuple[str, ...]], list[tuple[_Rows, dict[str, int]]]]:
    """The row groups as the reader forms them: tables of one level, width and codes read."""
    groups: dict[tuple[str, int, tuple[str, ...]], list[tuple[_Rows, dict[str, int]]]] = {}
    at = 1  # after the header
    while at < len(lines):
        line = lines[at]
        at += 1
        if line.startswith(b'{"end"'):
            break
        if not line.startswith(b'{"table"'):
            continue  # a units line: the reader's (it needs the program)
        body = json.loads(line)["table"]
        codes, count = list(body["columns"]), int(body["rows"])
        if count:
            cells = table_cells(codes, only)
            key = group_key(str(body["level"]), codes, cells)
            groups.setdefault(key, []).append((_Rows(at, count), cells))
        at += count
    return groups
