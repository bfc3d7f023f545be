"""Reading a sidecar at columnar speed: every table's rows parsed by polars, checked column-wise.

The fast path of :func:`klaster.observations.sidecar.load`. The structure lines (header, units,
tables, end) go through the exact reader's own checks (:class:`Reader`); the row lines of all
tables with the same level and columns are parsed at once by polars' CSV reader (a row line
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

import io
import itertools
import json
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, Variable
from klaster.model.program import Program
from klaster.observations._batch import finder
from klaster.observations._hook_columns import Piece, hook_frame, piece_of_column
from klaster.observations._sidecar_columns import (
    PATTERNS,
    ROW,
    STRING,
    GiveUp,
    Layout,
    columns_of,
)
from klaster.observations._sidecar_reader import Reader
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

__all__ = ["read_fast"]


def read_fast(
    data: bytes,
    source: str,
    program: Program,
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
    only: frozenset[str] | None = None,
) -> Observations | None:
    """Read sidecar bytes at columnar speed, or ``None`` to read them with the exact reader.

    Returns ``None`` without a word when polars is not installed, or the text holds anything
    this path does not recognise or the exact reader would refuse. With ``only``, the other
    variables' columns are neither parsed nor checked (their rows' units are surveyed).
    """
    try:
        import numpy  # noqa: F401  (the `columnar` extra: both or neither)
        import polars  # noqa: F401
    except ImportError:
        return None
    if b"\r" in data or not data.endswith(b"\n"):
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            bulk = _Bulk(source, program, variables)
            bulk.reader.only = only
            observations = bulk.read(data)
        except Exception:
            return None
    for warning in caught:  # the header's warnings (set-aside variables), said once
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return observations


class _Lines:
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


class _Table:
    __slots__ = ("count", "first", "level", "round_id")

    def __init__(self, round_id: str, level: Level, first: int, count: int) -> None:
        self.round_id, self.level, self.first, self.count = round_id, level, first, count


class _Bulk:
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

    def read(self, data: bytes) -> Observations:
        reader = self.reader
        lines = _Lines(data)
        reader.line = 1
        reader.header(json.loads(lines[0]))
        # Tables parsed together: the same level, number of columns and columns read where
        # (with only=, tables whose other columns differ are one group: far fewer calls).
        groups: dict[tuple[Level, int, tuple[tuple[str, int], ...]], list[_Table]] = {}
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
                    read = tuple(
                        (code, cell)
                        for cell, code in enumerate(codes, 1)
                        if only is None or code in only
                    )
                    groups.setdefault((level, len(codes), read), []).append(
                        _Table(round_id, level, at, count)
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
            self._group(lines, level, width, dict(read), tables)
        if self._sector_problems():
            raise GiveUp
        return self.obs

    def _sector_problems(self) -> bool:
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
            sectors_of: list[tuple[str, ...]] = []
            unit_ids: list[str] = []
            ends: list[int] = []
            rows = []
            for _, picked, _, ids, (kinds, distinct) in tables:
                rows.append(picked)
                sectors_of += map(distinct.__getitem__, kinds[picked].tolist())
                unit_ids += map(ids.__getitem__, picked.tolist())
                ends.append(len(unit_ids))

            built: list[Any] = []  # the level's frame, made when a plugin first reads a column

            def column(code: str, tables: Any = tables, at: Any = rows, built: Any = built) -> Any:
                if not built:
                    built.append(self._frame(np, pl, tables, at))
                return built[0][code]

            columns = {code: partial(column, code) for code in codes}

            def where(row: int, tables: Any = tables, ends: Any = ends, ids: Any = unit_ids) -> str:
                return f"{tables[bisect_right(ends, row)][0]}{ids[row]}]"

            if host.validate_recorded_columns(level, columns, sectors_of, unit_ids, where):
                return True
        return False

    def _frame(self, np: Any, pl: Any, tables: list[Any], rows: list[Any]) -> Any:
        """Every column of ``tables`` at their ``rows``, one after the other, in one frame."""
        pieces: dict[str, tuple[Variable, list[Piece | int]]] = {}
        for code in dict.fromkeys(code for table in tables for code in table[2]):
            pieces[code] = (
                self.obs.variables[code],
                [
                    piece_of_column(np, table[2][code], at) if code in table[2] else len(at)
                    for table, at in zip(tables, rows, strict=True)
                ],
            )
        return hook_frame(pl, np, pieces)

    def _unit_sectors(
        self, cluster: Any, level: Level, ids: Any
    ) -> tuple[np.ndarray[Any, Any], list[tuple[str, ...]]]:
        """Each unit's sectors (by index) as a number into the distinct sectors, and those."""
        import numpy as np

        key = (cluster.id, level)
        found = self.unit_sectors.get(key)
        if found is None:
            of_unit = list(
                map(partial(unit_sectors, cluster, level), map(finder(cluster, level), ids))
            )
            number: dict[tuple[str, ...], int] = {}
            for sectors in set(of_unit):
                number[sectors] = len(number)
            kinds = np.array(list(map(number.__getitem__, of_unit)), dtype=np.int64)
            found = self.unit_sectors[key] = (kinds, list(number))
        return found

    # -- one group of tables: the same level and columns -----------------------------------------
    def _group(
        self, lines: _Lines, level: Level, width: int, wanted: dict[str, int], tables: list[_Table]
    ) -> None:
        """Tables of ``width`` columns, each with the ``wanted`` codes' values in those cells."""
        import numpy as np
        import polars as pl

        block = b"\n".join(lines.block(t.first, t.count) for t in tables)
        names = [f"c{i}" for i in range(width + 1)]
        # load(only=...): the IDs, the last column (checked for the closing bracket) and those
        # asked for; the other cells are neither converted nor checked.
        read = sorted({0, *wanted.values(), width})
        frame = pl.read_csv(
            io.BytesIO(block),
            has_header=False,
            quote_char=None,
            schema=dict.fromkeys(names, pl.String),
            columns=read,
            comment_prefix=None,
            truncate_ragged_lines=False,
        )

        total = sum(t.count for t in tables)
        if frame.height != total or frame.null_count().sum_horizontal().item():
            raise GiveUp
        if len(read) <= width:  # cells left unread (only=): each row must still be JSON
            whole = pl.read_csv(
                io.BytesIO(block),
                has_header=False,
                separator="\x01",  # (never in JSON text: a control character is escaped)
                quote_char=None,
                schema={"row": pl.String},
                comment_prefix=None,
                truncate_ragged_lines=False,
            )["row"]
            if len(whole) != total or not whole.str.contains(ROW).fill_null(False).all():
                raise GiveUp
        first, last = frame[names[0]], frame[names[-1]]
        if not (first.str.contains(f"^\\[{STRING}$").all() and last.str.ends_with("]").all()):
            raise GiveUp
        ids = first.str.slice(2).str.strip_suffix('"')
        frame = frame.with_columns(pl.col(names[-1]).str.strip_suffix("]"))
        counts = np.array([t.count for t in tables], dtype=np.int64)
        table_of = np.repeat(np.arange(len(tables), dtype=np.int64), counts)
        starts = np.concatenate(([0], np.cumsum(counts)))
        indexes, unit_sectors_ = self._indexes(pl, np, ids, tables, list(wanted))
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
        if np.bincount(target).max() > 1:
            raise GiveUp  # a unit twice in a table: the exact reader locates the row
        layout = Layout(np, target, int(offsets[-1]), table_of, offsets, len(tables))
        columns: dict[str, list[Column[Any]]] = {}
        for code, position in wanted.items():
            variable = self.obs.variables[code]
            raw = frame[names[position]]
            present = (raw != "null").to_numpy()
            if not (raw.filter(pl.Series(present)).str.contains(PATTERNS[variable.type]).all()):
                raise GiveUp
            if variable.sector != CORE_SECTOR and present.any():
                allowed = unit_sectors_.str.contains(f"|{variable.sector}|", literal=True)
                if not allowed.filter(pl.Series(present)).all():
                    raise GiveUp
            columns[code] = columns_of(pl, np, variable, raw, present, layout)
        for number, table in enumerate(tables):
            rnd = storage.round(table.round_id)
            rows = np.sort(indexes[int(starts[number]) : int(starts[number + 1])])
            unit_ids = list(map(numberings[number].ids.__getitem__, rows.tolist()))
            placed = {code: columns[code][number] for code in wanted}
            storage.store_columns(rnd, level, unit_ids, placed, {})
            self.stored.append((rnd, level, rows, placed))

    def _indexes(
        self,
        pl: Any,
        np: Any,
        ids: pl.Series,
        tables: list[_Table],
        codes: list[str],
    ) -> tuple[np.ndarray[Any, Any], pl.Series]:
        """Each row's index in its cluster's numbering, and its unit's sectors (``|a|b|``)."""
        storage = self.obs.storage
        level = tables[0].level
        wanted = any(self.obs.variables[c].sector != CORE_SECTOR for c in codes)
        listed = ids.to_list()
        starts = [0, *itertools.accumulate(t.count for t in tables)]
        found: list[int | None] = []
        sectors: list[str] = []
        for number, table in enumerate(tables):
            cluster_id = storage.round(table.round_id).cluster_id
            numbering = storage.numbering(cluster_id, level)
            if numbering is None:
                raise GiveUp
            rows = listed[starts[number] : starts[number + 1]]
            at = list(map(numbering.index.get, rows))
            found += at
            if wanted and None not in at:
                of_unit = self._sectors(cluster_id, level, numbering.ids)
                sectors += map(of_unit.__getitem__, at)  # type: ignore[arg-type]
        if None in found:
            raise GiveUp  # a unit the units lines do not number: the exact reader decides
        indexes = np.array(found, dtype=np.int64)
        return indexes, pl.Series(sectors, dtype=pl.String)

    def _sectors(self, cluster_id: str, level: Level, unit_ids: Iterable[str]) -> list[str]:
        """Each unit's sectors as ``|a|b|``, by index (found once per cluster and level)."""
        kinds, distinct = self._unit_sectors(self.obs.program.clusters[cluster_id], level, unit_ids)
        texts = ["|" + "|".join(sectors) + "|" for sectors in distinct]
        return list(map(texts.__getitem__, kinds.tolist()))
