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
import json
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, Variable
from klaster.model.program import Program
from klaster.observations._hook_columns import Piece, hook_frame, piece_of_column
from klaster.observations._sidecar_columns import (
    PATTERNS,
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
from klaster.observations.sector_checks import unit_location, unit_of, unit_sectors
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
    """The lines of the text (without their newlines), found once; slices copied on demand.

    Not a list of every line: the row lines of a table are taken as one slice of the text.
    """

    def __init__(self, data: bytes) -> None:
        import numpy as np

        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)  # the text ends in \n
        self.data = data
        self.ends = ends.tolist()
        self.starts = [0, *(ends[:-1] + 1).tolist()]

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> bytes:
        return self.data[self.starts[index] : self.ends[index]]

    def block(self, first: int, count: int) -> bytes:
        """Lines ``first`` to ``first + count - 1``, separated by newlines."""
        return self.data[self.starts[first] : self.ends[first + count - 1]]


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
        self.stored: list[tuple[Round, Level, list[int], dict[str, Column[Any]]]] = []
        self.unit_sectors: dict[tuple[str, Level], list[tuple[str, ...]]] = {}

    def read(self, data: bytes) -> Observations:
        reader = self.reader
        lines = _Lines(data)
        reader.line = 1
        reader.header(json.loads(lines[0]))
        groups: dict[tuple[Level, tuple[str, ...]], list[_Table]] = {}
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
                    groups.setdefault((level, tuple(codes)), []).append(
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
        for (level, group_codes), tables in groups.items():
            self._group(lines, level, list(group_codes), tables)
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
        by_level: dict[Level, list[tuple[str, list[int], dict[str, Column[Any]], Any, Any]]] = {}
        for rnd, level, indexes, placed in self.stored:
            cluster = self.obs.program.clusters[rnd.cluster_id]
            if not host.checks_values(cluster.sector_codes):
                continue
            numbering = self.obs.storage.numbering(rnd.cluster_id, level)
            assert numbering is not None  # a stored table's
            of_unit = self._unit_sectors(cluster, level, numbering.ids)
            for sectors in set(of_unit):
                if sectors not in checks:
                    checks[sectors] = host.checks_values(sectors)
            picked = [index for index in indexes if checks[of_unit[index]]]
            if picked:
                prefix = unit_location(rnd.id, level, "")[:-1]  # rounds[R].members[ + ID + ]
                by_level.setdefault(level, []).append(
                    (prefix, picked, placed, numbering.ids, of_unit)
                )
        for level, tables in by_level.items():
            codes = list(dict.fromkeys(code for table in tables for code in table[2]))
            sectors_of: list[tuple[str, ...]] = []
            unit_ids: list[str] = []
            ends: list[int] = []
            rows = []
            for _, picked, _, ids, of_unit in tables:
                rows.append(np.array(picked, dtype=np.int64))
                sectors_of += [of_unit[index] for index in picked]
                unit_ids += [ids[index] for index in picked]
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

    def _unit_sectors(self, cluster: Any, level: Level, ids: Any) -> list[tuple[str, ...]]:
        key = (cluster.id, level)
        found = self.unit_sectors.get(key)
        if found is None:
            found = self.unit_sectors[key] = [
                unit_sectors(cluster, level, unit_of(cluster, level, u)) for u in ids
            ]
        return found

    # -- one group of tables: the same level and columns -----------------------------------------
    def _group(self, lines: _Lines, level: Level, codes: list[str], tables: list[_Table]) -> None:
        import numpy as np
        import polars as pl

        block = b"\n".join(lines.block(t.first, t.count) for t in tables)
        names = [f"c{i}" for i in range(len(codes) + 1)]
        only = self.reader.only  # load(only=...): the IDs, the last column and those asked for
        wanted = {c: i for i, c in enumerate(codes, 1) if only is None or c in only}
        read = sorted({0, *wanted.values(), len(codes)})
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
        first, last = frame[names[0]], frame[names[-1]]
        if not (first.str.contains(f"^\\[{STRING}$").all() and last.str.ends_with("]").all()):
            raise GiveUp
        ids = first.str.slice(2).str.strip_suffix('"')
        frame = frame.with_columns(pl.col(names[-1]).str.strip_suffix("]"))
        counts = np.array([t.count for t in tables], dtype=np.int64)
        table_of = np.repeat(np.arange(len(tables), dtype=np.int64), counts)
        starts = np.concatenate(([0], np.cumsum(counts)))
        indexes, unit_sectors_ = self._indexes(pl, np, ids, tables, table_of, list(wanted))
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
            rows = indexes[int(starts[number]) : int(starts[number + 1])].tolist()
            ids_of = numberings[number].ids
            unit_ids = [ids_of[i] for i in sorted(rows)]
            placed = {code: columns[code][number] for code in wanted}
            storage.store_columns(rnd, level, unit_ids, placed, {})
            self.stored.append((rnd, level, sorted(rows), placed))

    def _indexes(
        self,
        pl: Any,
        np: Any,
        ids: pl.Series,
        tables: list[_Table],
        table_of: np.ndarray[Any, Any],
        codes: list[str],
    ) -> tuple[np.ndarray[Any, Any], pl.Series]:
        """Each row's index in its cluster's numbering, and its unit's sectors (``|a|b|``)."""
        storage = self.obs.storage
        clusters = [storage.round(t.round_id).cluster_id for t in tables]
        keys: list[str] = []
        index_of: list[int] = []
        sector_of: list[str] = []
        wanted = any(self.obs.variables[c].sector != CORE_SECTOR for c in codes)
        level = tables[0].level
        for cluster_id in dict.fromkeys(clusters):
            numbering = storage.numbering(cluster_id, level)
            if numbering is None:
                raise GiveUp
            keys += [f"{cluster_id}\x00{unit_id}" for unit_id in numbering.ids]
            index_of += range(len(numbering.ids))
            if wanted:
                sector_of += self._sectors(cluster_id, level, numbering.ids)
        row_cluster = pl.Series(clusters, dtype=pl.String).gather(pl.Series(table_of))
        key = row_cluster + "\x00" + ids
        found = key.replace_strict(keys, index_of, default=None, return_dtype=pl.Int64)
        if found.null_count():
            raise GiveUp  # a unit the units lines do not number: the exact reader decides
        indexes = found.to_numpy()
        if len(np.unique(table_of * (1 << 32) + indexes)) != len(indexes):
            raise GiveUp  # a unit twice in a table
        sectors = (
            key.replace_strict(keys, sector_of, return_dtype=pl.String)
            if wanted
            else pl.Series([], dtype=pl.String)
        )
        return indexes, sectors

    def _sectors(self, cluster_id: str, level: Level, unit_ids: Iterable[str]) -> list[str]:
        cluster = self.obs.program.clusters[cluster_id]
        return [
            "|" + "|".join(unit_sectors(cluster, level, unit_of(cluster, level, u))) + "|"
            for u in unit_ids
        ]
