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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.variable import Level, Variable
from klaster.model.program import Program
from klaster.model.records import field_of
from klaster.observations._batch import finder
from klaster.observations._hook_columns import (
    Piece,
    RowIds,
    RowSectors,
    hook_frame,
    piece_of_column,
)
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
from klaster.observations._sidecar_table import Table
from klaster.observations.columns.factory import (
    Column,
)
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import unit_location, unit_sectors
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
        self.stored: list[tuple[Round, Level, Any, dict[str, Column[Any]]]] = []  # rows: sorted
        self.unit_sectors: dict[tuple[str, Level], tuple[Any, list[tuple[str, ...]]]] = {}
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

        As the exact path: each stored table's units, once per table (a unit holds in a round
        what its row holds), but all tables of a level in one batch of columns
        (``klaster_validate_columns``; the per-unit hook for plugins without it). A unit's
        row has a value only for the core's variables and its own sectors' (checked above).
        """
        import numpy as np
        import polars as pl

        host = self.obs.storage.host
        checks: dict[tuple[str, ...], bool] = {}
        by_level: dict[Level, list[tuple[str, Any, dict[str, Column[Any]], Any, Any]]] = {}
        for rnd, level, indexes, placed in self.stored:
            cluster = self.obs.program.clusters[rnd.cluster_id]
            if not host.checks_values(cluster.sector_codes):
                continue
            numbering = self.obs.storage.numbering(rnd.cluster_id, level)
            assert numbering is not None  # a stored table's
            kinds, distinct = self._unit_sectors(cluster, level, numbering.ids)
            for sectors in distinct:
                if sectors not in checks:
                    checks[sectors] = host.checks_values(sectors)
            checked = np.array([checks[sectors] for sectors in distinct], dtype=bool)
            picked = indexes[checked[kinds[indexes]]]  # the units a plugin checks, in order
            if len(picked):
                prefix = unit_location(rnd.id, level, "")[:-1]  # rounds[R].members[ + ID + ]
                by_level.setdefault(level, []).append(
                    (prefix, picked, placed, numbering.ids, (kinds, distinct))
                )
        for level, tables in by_level.items():
            codes = list(dict.fromkeys(code for table in tables for code in table[2]))
            numbers: dict[tuple[str, ...], int] = {}  # the level's distinct sectors, numbered
            kinds_of = []
            rows = []
            for _, picked, _, _, (kinds, distinct) in tables:
                rows.append(picked)
                renumber = [numbers.setdefault(sectors, len(numbers)) for sectors in distinct]
                kinds_of.append(np.array(renumber, dtype=np.int64)[kinds[picked]])
            sectors_of = RowSectors(np, np.concatenate(kinds_of), list(numbers))
            unit_ids = RowIds([(table[3], table[1]) for table in tables])  # read when asked
            ends = unit_ids.ends

            def column(code: str, tables: Any = tables, at: Any = rows) -> Any:
                # Made when a plugin first reads it (the checks keep it): only those read.
                return self._column(np, pl, tables, at, code)

            columns = {code: partial(column, code) for code in codes}

            def where(row: int, tables: Any = tables, ends: Any = ends, ids: Any = unit_ids) -> str:
                return f"{tables[bisect_right(ends, row)][0]}{ids[row]}]"

            if host.validate_recorded_columns(level, columns, sectors_of, unit_ids, where):
                return True
        return False

    def _column(self, np: Any, pl: Any, tables: list[Any], rows: list[Any], code: str) -> Any:
        """The Series of ``code`` over ``tables`` at their ``rows``, one after the other."""
        pieces: list[Piece | int] = [
            piece_of_column(np, table[2][code], at) if code in table[2] else len(at)
            for table, at in zip(tables, rows, strict=True)
        ]
        return hook_frame(pl, np, {code: (self.obs.variables[code], pieces)})[code]

    def _unit_sectors(
        self, cluster: Any, level: Level, ids: Any
    ) -> tuple[np.ndarray[Any, Any], list[tuple[str, ...]]]:
        """Each unit's sectors (by index) as a number into the distinct sectors, and those."""
        import numpy as np

        key = (cluster.id, level)
        found = self.unit_sectors.get(key)
        if found is None:
            if level is Level.MEMBER or level is Level.GROUP:
                # A member's or group's sector (``unit_sectors``), in C and no record built; a
                # unit the cluster does not hold raises KeyError: this reader gives up.
                records = cluster.members if level is Level.MEMBER else cluster.groups
                held, own = field_of(records, "id"), list(field_of(records, "sector"))
                if len(held) != len(ids) or list(held) != list(ids):  # (usually numbered as held)
                    own = list(map(dict(zip(held, own, strict=True)).__getitem__, ids))
                number = {sector: at for at, sector in enumerate(dict.fromkeys(own))}
                kinds = np.fromiter(map(number.__getitem__, own), np.int64, len(own))
                found = (kinds, [(sector,) for sector in number])
            else:
                of_unit = list(
                    map(partial(unit_sectors, cluster, level), map(finder(cluster, level), ids))
                )
                numbers = {sectors: at for at, sectors in enumerate(dict.fromkeys(of_unit))}
                kinds = np.fromiter(map(numbers.__getitem__, of_unit), np.int64, len(of_unit))
                found = (kinds, list(numbers))
            self.unit_sectors[key] = found
        return found

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
        ids: pl.Series,
        wanted: tuple[str, ...],
        convert: Convert,
        known: Sequence[np.ndarray[Any, Any]] | None = None,
    ) -> None:
        """Check and store a group of tables' rows (``ids``, then ``known`` indexes, if found).

        The tables have a ``round_id``, a ``count`` and the ``cells`` read; see :data:`Convert`.
        """
        import numpy as np
        import polars as pl

        counts = np.array([t.count for t in tables], dtype=np.int64)
        table_of = np.repeat(np.arange(len(tables), dtype=np.int64), counts)
        starts = np.concatenate(([0], np.cumsum(counts)))
        indexes, unit_sectors_ = self._indexes(pl, np, ids, tables, list(wanted), known)
        # Lay every table out on its cluster's numbering: table t's unit at index i goes to
        # offset[t] + i of one long array per column (gaps where a unit was not surveyed).
        storage = self.obs.storage
        numberings = []
        for table in tables:
            numbering = storage.numbering(storage.round(table.round_id).cluster_id, level)
            assert numbering is not None  # the rows' indexes were found in it
            numberings.append(numbering)
        sizes = np.array([len(n.ids) for n in numberings], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        target = offsets[:-1][table_of] + indexes
        if len(target) and np.bincount(target).max() > 1:
            raise GiveUp  # a unit twice in a table: the exact reader locates the row
        layout = Layout(np, target, int(offsets[-1]), table_of, offsets, len(tables))
        columns: dict[str, list[Column[Any]]] = {}
        allowed: dict[str, Any] = {}  # each sector's rows (units of that sector), found once
        for code in wanted:
            variable = self.obs.variables[code]
            present, build = convert(code, variable, layout)
            sector = variable.sector
            if sector != CORE_SECTOR and present.any():
                if sector not in allowed:
                    found = unit_sectors_.str.contains(f"|{sector}|", literal=True)
                    allowed[sector] = found.to_numpy()
                if (present & ~allowed[sector]).any():
                    raise GiveUp
            columns[code] = build()
        for number, table in enumerate(tables):
            rnd = storage.round(table.round_id)
            rows = np.sort(indexes[int(starts[number]) : int(starts[number + 1])])
            # Every row's unit is numbered (the units lines): the surveyed ones as a mask, no ID
            # looked up again.
            surveyed = np.zeros(int(sizes[number]), dtype=np.uint8)
            surveyed[rows] = 1
            placed = {code: columns[code][number] for code in table.cells}  # the file's order
            storage.store_surveyed(rnd, level, surveyed.tobytes(), placed)
            self.stored.append((rnd, level, rows, placed))

    def _indexes(
        self,
        pl: Any,
        np: Any,
        ids: pl.Series,
        tables: Sequence[Any],
        codes: list[str],
        known: Sequence[np.ndarray[Any, Any]] | None = None,
    ) -> tuple[np.ndarray[Any, Any], pl.Series]:
        """Each row's index in its cluster's numbering, and its unit's sectors (``|a|b|``)."""
        storage = self.obs.storage
        level = tables[0].level
        wanted = any(self.obs.variables[c].sector != CORE_SECTOR for c in codes)
        listed = ids.to_list() if known is None else []
        starts = [0, *itertools.accumulate(t.count for t in tables)]
        indexes = np.empty(starts[-1], dtype=np.int64)
        texts: dict[str, int] = {}  # each distinct sectors' text (``|a|b|``), numbered
        sectors = []
        for number, table in enumerate(tables):
            cluster_id = storage.round(table.round_id).cluster_id
            numbering = storage.numbering(cluster_id, level)
            if numbering is None:
                raise GiveUp
            first, end = starts[number], starts[number + 1]
            if known is not None:
                found = known[number]
            else:
                try:  # looked up in C, straight into the array
                    found = np.fromiter(
                        map(numbering.index.__getitem__, listed[first:end]), np.int64, end - first
                    )
                except KeyError:  # a unit the units lines do not number: the exact reader decides
                    raise GiveUp from None
            indexes[first:end] = found
            if wanted:
                cluster = self.obs.program.clusters[cluster_id]
                kinds, distinct = self._unit_sectors(cluster, level, numbering.ids)
                text_of = np.array(
                    [texts.setdefault("|" + "|".join(d) + "|", len(texts)) for d in distinct],
                    dtype=np.int64,
                )
                sectors.append(text_of[kinds[found]])
        if not wanted:
            return indexes, pl.Series([], dtype=pl.String)
        return indexes, pl.Series(list(texts), dtype=pl.String).gather(np.concatenate(sectors))
