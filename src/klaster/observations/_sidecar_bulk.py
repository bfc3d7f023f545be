"""Reading a sidecar at columnar speed: every table's rows parsed by polars, checked column-wise.

The fast path of :func:`klaster.observations.sidecar.load`. The structure lines (header, units,
tables, end) go through the exact reader's own checks (:class:`Reader`); the row lines of all
tables with the same level and set of columns are parsed at once by polars' CSV reader (a row line
``["BTG-0001","1250000.50",4,true,null]`` is comma-separated JSON scalars between brackets),
each column is checked against the pattern of the JSON form its type is written in (so a
decimal written as a JSON number, a boolean as ``1``, an escaped string... are not recognised),
then against its variable (bounds, categories, the unit's sectors), and stored as column
buffers built from arrays.

This path never words an error: on anything it does not recognise or the exact reader would
refuse, it gives up (:func:`read_fast` returns ``None``) and the caller reads the text again with
the exact reader, line by line, which locates the problem (``file.jsonl line 17: ...``). So the
two paths accept the same files and build equal observations (a test compares them).
"""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.variable import Level, Variable
from klaster.model.program import Program
from klaster.observations._sidecar_columns import (
    PATTERNS,
    GiveUp,
    Layout,
    cells_at,
    columns_of,
)
from klaster.observations._sidecar_prefetch import (
    Lines,
    Prefetched,
    cut_rows,
    group_key,
    table_cells,
)
from klaster.observations._sidecar_reader import Reader
from klaster.observations._sidecar_sectors import Placed, UnitSectors, sector_problems
from klaster.observations._sidecar_table import Table
from klaster.observations.columns.factory import (
    Column,
)
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.values import Observations

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

__all__ = ["BulkReader", "Convert", "read_fast"]


def read_fast(
    data: bytes,
    source: str,
    program: Program,
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
    only: frozenset[str] | None = None,
    ahead: Prefetched | None = None,
) -> Observations | None:
    """Read sidecar bytes at columnar speed, or ``None`` to read them with the exact reader.

    Returns ``None`` without a word when polars is not installed, or the text holds anything
    this path does not recognise or the exact reader would refuse. With ``only``, the other
    variables' columns are neither parsed nor checked (their rows' units are surveyed).
    ``ahead``: what a read-ahead of these bytes (for the same ``only``) has cut already.
    """
    try:
        import numpy  # noqa: F401  (the `columnar` extra: both or neither)
        import polars  # noqa: F401
    except ImportError:
        return None
    if b"\r" in data or not data.endswith(b"\n"):
        return None
    # numpy's huge pages off while the reader's arrays are made (fresh 2 MB pages cost more
    # than these short-lived arrays gain: the first read of a process 5.8 -> 4.6 s at 1M).
    with warnings.catch_warnings(record=True) as caught, huge_pages_paused():
        warnings.simplefilter("always")
        try:
            bulk = BulkReader(source, program, variables)
            bulk.reader.only = only
            bulk.ahead = ahead
            observations = bulk.read(data)
        except Exception:
            return None
    for warning in caught:  # the header's warnings (set-aside variables), said once
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return observations


Convert = Callable[[str, Variable, Layout], tuple["np.ndarray[Any, Any]", Callable[[], Any]]]
"""A code's values over a group's rows (:meth:`BulkReader.place`): present, and their columns."""


class BulkReader:
    def __init__(
        self,
        source: str,
        program: Program,
        variables: Mapping[str, Variable] | Iterable[Variable] | None,
    ) -> None:
        self.reader = Reader(source, program, variables)
        self.obs = self.reader.obs
        self.stored: list[Placed] = []  # each group of tables placed, in order
        self.sectors = UnitSectors()
        self.ahead: Prefetched | None = None

    def read(self, data: bytes) -> Observations:
        reader = self.reader
        lines = Lines(data)
        reader.line = 1
        reader.header(json.loads(lines[0]))
        # Tables parsed together: the same level, number of columns and columns read, in any
        # order (a cell then holds different variables' values in different tables); with
        # only=, tables whose other columns differ are one group: far fewer calls.
        groups: dict[tuple[Level, int, tuple[str, ...]], list[Table]] = {}
        only = reader.only
        at = 1
        while True:
            if at >= len(lines):
                raise GiveUp
            reader.line = at + 1
            kind, body = reader.record(json.loads(lines[at]))
            at += 1
            if kind == "units":
                reader.units(body)
            elif kind == "table":
                round_id, level, codes, count, kept, _ = reader.open_table(body)
                if kept != codes:  # set-aside columns: rare, read by the exact reader
                    raise GiveUp
                if count:
                    cells = table_cells(codes, only)
                    groups.setdefault(group_key(level, codes, cells), []).append(
                        Table(round_id, level, at, count, cells)
                    )
                reader.rows += count
                at += count
            elif kind == "end":
                reader.end(body)
                break
            else:
                raise GiveUp
        if at != len(lines):
            raise GiveUp
        for (level, width, read), tables in groups.items():
            self._group(lines, level, width, read, tables)
        if self.sector_problems():
            raise GiveUp
        return self.obs

    def sector_problems(self) -> bool:
        """Whether the sector plugins' checks across a unit's values find a problem.

        See :func:`~klaster.observations._sidecar_sectors.sector_problems` (every table placed,
        a level at a time).
        """
        return sector_problems(self.obs, self.stored, self.sectors)

    # -- one group of tables: the same level and columns -----------------------------------------
    def _group(
        self, lines: Lines, level: Level, width: int, wanted: tuple[str, ...], tables: list[Table]
    ) -> None:
        """Tables of ``width`` columns, each with the ``wanted`` codes' values (in any cells)."""
        import numpy as np
        import polars as pl

        # load(only=...): the IDs and the cells asked for; the others are neither converted
        # nor checked against their variable (but checked to be JSON).
        read = {t.cells[code] for t in tables for code in wanted}
        cut = cut_rows if self.ahead is None else self.ahead.cut
        quoted, cells = cut(lines, tables, width, read)
        ids = quoted.str.slice(1).str.strip_suffix('"')
        counts = np.array([t.count for t in tables], dtype=np.int64)

        def convert(code: str, variable: Variable, layout: Layout) -> tuple[Any, Any]:
            raw = cells_at(pl, np, cells, [t.cells[code] for t in tables], counts)
            present = (raw != "null").to_numpy()
            if not (raw.filter(pl.Series(present)).str.contains(PATTERNS[variable.type]).all()):
                raise GiveUp
            return present, lambda: columns_of(pl, np, variable, raw, present, layout)

        self.place(level, tables, ids, wanted, convert)

    def place(
        self,
        level: Level,
        tables: Sequence[Any],
        ids: pl.Series | None,
        wanted: tuple[str, ...],
        convert: Convert,
        known: np.ndarray[Any, Any] | None = None,
    ) -> None:
        """Check and store a group of tables' rows (``ids``; or ``known``: each row's index).

        The tables have a ``round_id``, a ``count`` and the ``cells`` read; see :data:`Convert`.
        The group's tables are laid out one after another on their clusters' numberings, so
        each check, the surveyed masks and the columns are made for all of them at once.
        """
        import numpy as np

        counts = np.array([t.count for t in tables], dtype=np.int64)
        table_of = np.repeat(np.arange(len(tables), dtype=np.int64), counts)
        storage = self.obs.storage
        rounds = [storage.round(table.round_id) for table in tables]
        clusters = self.obs.program.clusters
        cluster_of = [clusters[rnd.cluster_id] for rnd in rounds]
        numberings = [storage.numbering(rnd.cluster_id, level) for rnd in rounds]
        if any(numbering is None for numbering in numberings):
            raise GiveUp  # a table of units no units part numbers: the exact reader says so
        sizes = np.array([len(n.ids) for n in numberings], dtype=np.int64)  # type: ignore[union-attr]
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        placed = Placed(level, rounds, cluster_of, numberings, offsets, None, counts, [])
        indexes = known if known is not None else self._indexes(np, ids, tables, numberings)
        # Table t's unit at index i goes to offset[t] + i of one long array per column (gaps
        # where a unit was not surveyed).
        target = offsets[:-1][table_of] + indexes
        surveyed = np.zeros(int(offsets[-1]), dtype=np.uint8)
        surveyed[target] = 1
        if int(np.count_nonzero(surveyed)) != len(target):
            raise GiveUp  # a unit twice in a table: the exact reader locates the row
        layout = Layout(np, target, int(offsets[-1]), table_of, offsets, len(tables))
        columns: dict[str, list[Column[Any]]] = {}
        kinds = None  # each row's unit's sectors (numbered), found once
        for code in wanted:
            variable = self.obs.variables[code]
            present, build = convert(code, variable, layout)
            if variable.sector != CORE_SECTOR and present.any():
                if kinds is None:
                    every = np.ones(len(tables), dtype=bool)
                    kinds = self.sectors.laid(placed, every)[target]
                allowed = self.sectors.holding(level, variable.sector)
                if (present & ~allowed[kinds]).any():
                    raise GiveUp  # a value of a sector's variable for a unit outside it
            columns[code] = build()
        masks = surveyed.tobytes()
        spans = layout.spans
        for number, (table, rnd, (a, b)) in enumerate(zip(tables, rounds, spans, strict=True)):
            stored = {code: columns[code][number] for code in table.cells}  # the file's order
            storage.store_surveyed(rnd, level, masks[a:b], stored)
            placed.columns.append(stored)
        placed.surveyed = surveyed
        self.stored.append(placed)

    def _indexes(
        self, np: Any, ids: pl.Series | None, tables: Sequence[Any], numberings: Sequence[Any]
    ) -> Any:
        """Each row's index in its cluster's numbering, looked up in C, straight into an array."""
        assert ids is not None  # (the caller gives either)
        listed = ids.to_list()
        starts = [0, *itertools.accumulate(t.count for t in tables)]
        indexes = np.empty(starts[-1], dtype=np.int64)
        for number, numbering in enumerate(numberings):
            first, end = starts[number], starts[number + 1]
            try:
                indexes[first:end] = np.fromiter(
                    map(numbering.index.__getitem__, listed[first:end]), np.int64, end - first
                )
            except KeyError:  # a unit the units lines do not number: the exact reader decides
                raise GiveUp from None
        return indexes
