"""The observations sidecar as one Parquet file: the same document, in typed columns.

:func:`klaster.observations.save` writes this form when the path ends in ``.parquet`` (any
case), :func:`klaster.observations.load` reads it (polars: the ``columnar`` extra). It holds
what the JSON Lines sidecar holds, laid out for columnar readers::

    key-value metadata "klaster" (JSON, small: no unit IDs, no values; 680 KB at 1,000
    clusters of 1,000 members, most of it the rounds):
      {"klaster": "observations", "schema_version": 1, "program": "km",
       "variables": {"monthly_income": {"type": "decimal", "level": "member"}, ...},
       "rounds": [{"id": "btg-bl", "cluster_id": "bantaeng", ...}, ...],
       "units": {"cluster": ["bantaeng", ...], "level": ["member", ...], "rows": [190, ...]},
       "tables": {"round": ["btg-bl", ...], "level": ["member", ...], "columns": [0, ...],
                  "rows": [188, ...]},
       "column_lists": [["monthly_income", "workers", ...], ...]}

    rows (columns "unit", "unit_number", then one per declared variable, in its order):
      unit        unit_number  monthly_income   workers  ...
      BTG-0001    0            null             null      <- units part: 190 rows
      BTG-0002    1            null             null
      ...
      BTG-0001    0            1660000.00       1         <- table btg-bl / member: 188 rows
      BTG-0003    2            null             2
      ...

The metadata's keys but ``units``, ``tables`` and ``column_lists`` are the JSON Lines
header, checked and migrated the same way (:func:`klaster.documents.migrations.migrate`);
those three list the units parts and tables column-wise (entry *i* of each list is part *i*;
a table's ``columns`` is the index of its list of columns in ``column_lists``), so that the
metadata stays small. The rows come in that order: first each units part (the order of a
cluster's units at a level, which fixes their numbering as a JSON Lines ``units`` line does;
the variables are null there), then each table's rows, one per unit surveyed in the round,
in the numbering's order. ``unit_number`` is a row's unit's place (from 0) in its units part:
a hint the readers check against ``unit`` (the ID is what counts), so the column-wise reader
places rows without looking IDs up. Row *N* in messages counts from 0 at the file's first row
(as polars and DuckDB number rows, and as the program's Parquet form does).
A table's columns say which variables it has: a null there is a value recorded as missing;
in a column the table does not list every row is null (not in this table). Column types:
decimals a Parquet decimal of 38 digits at the largest scale the variable needs (exact; each
table's column keeps the decimals its values need, as the JSON Lines reader keeps them),
integers Int64, booleans Boolean, categories and texts strings, dates Date. Any other tool
reads it (``SELECT unit, monthly_income FROM 'x.parquet' WHERE monthly_income IS NOT NULL``).

Reading goes through the checks of :meth:`Observations.record_many
<klaster.observations.values.Observations.record_many>`, as the JSON Lines readers do: first
column-wise (this module, through :class:`~klaster.observations._sidecar_bulk.BulkReader`,
the JSON Lines columnar reader's own placing and checking of typed columns); anything it
does not recognise or would refuse is read again by
:mod:`klaster.observations._sidecar_parquet_exact`, row by row through
:meth:`ObservationStorage.load_rows
<klaster.observations.storage.ObservationStorage.load_rows>`, which locates the problem
(``x.parquet row 17 column 'workers': ...``). ``only=`` reads only those variables' columns.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from klaster._support.dataframes import require
from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import DocumentError
from klaster.model.program import Program
from klaster.model.records import columns_of, field_of
from klaster.observations._numbering import HeldIds, placed_ids
from klaster.observations._sidecar_bulk import BulkReader
from klaster.observations._sidecar_columns import GiveUp, Layout, typed_columns
from klaster.observations._sidecar_parquet_exact import (
    MAGIC,
    META_KEY,
    NUMBER,
    ExactParquetReader,
    expand,
    metadata_of,
    schema_problem,
)
from klaster.observations._sidecar_parquet_units import listed_parts, member_rows
from klaster.observations._sidecar_prefetch import table_cells
from klaster.observations._sidecar_table import Table
from klaster.observations.columns.base import MAX_SCALE
from klaster.observations.set_aside import undeclared
from klaster.observations.values import Observations

__all__ = ["MAGIC", "is_parquet", "read_parquet", "undeclared_in_parquet"]

_LAST_DAY = 2_932_896  # date(9999, 12, 31) in days from 1970: the last a Python date holds
_INT64 = 9_223_372_036_854_775_807


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Parquet sidecar (its suffix is ``.parquet``, any case)."""
    return Path(path).suffix.lower() == ".parquet"


def _modules(what: str) -> tuple[ModuleType, ModuleType]:
    return require("polars", what), require("numpy", what)


def undeclared_in_parquet(path: Path) -> tuple[str, ...]:
    """The variables an existing Parquet sidecar declares that no loaded plugin declares.

    Anything unreadable (or polars missing) gives ``()``, as for a JSON Lines sidecar.
    """
    try:
        import polars as pl

        declared = json.loads(metadata_of(pl, io.BytesIO(path.read_bytes()))[META_KEY])["variables"]
    except BaseException as exc:  # (polars panics on some damaged files: a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ()  # a damaged file is about to be replaced: nothing to set aside
    return undeclared(declared) if isinstance(declared, dict) else ()


# -- reading ---------------------------------------------------------------------------------
def read_parquet(
    path: Path,
    program: Program,
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
    only: frozenset[str] | None,
) -> Observations:
    """Read a Parquet sidecar into a new store: column-wise, or row by row to locate a problem.

    Raises:
        KlasterError: polars (the ``columnar`` extra) is not installed.
        DocumentError: The file cannot be read, is not a klaster Parquet sidecar, is damaged,
            or holds what the API would refuse (located by row and column).
        SchemaVersionError: The metadata's schema version is missing, malformed or newer.
    """
    pl, _ = _modules("a Parquet observations sidecar")
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{source}: cannot read the file ({exc.strerror})") from None
    if len(data) < 12 or data[:4] != MAGIC or data[-4:] != MAGIC:
        raise DocumentError(
            f"{source}: not a Parquet file (it does not start and end with {MAGIC!r}); it was "
            "probably cut short, or is a JSON Lines sidecar: name that one .jsonl"
        )
    with warnings.catch_warnings(record=True) as caught, huge_pages_paused():
        warnings.simplefilter("always")
        try:
            fast: Observations | None = _Fast(source, program, variables, only).read(data)
        # Anything (polars panics on some damaged files): the exact reader words the problem.
        except (Exception, pl.exceptions.PanicException):
            fast = None
    if fast is None:
        exact = ExactParquetReader(source, program, variables)
        exact.only = only
        return exact.read_file(data)
    for warning in caught:  # the header's warnings (set-aside variables), said once
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return fast


class _Fast:
    """The column-wise reader: gives up (raises) on anything but a file as the writer writes it."""

    def __init__(
        self,
        source: str,
        program: Program,
        variables: Mapping[str, Variable] | Iterable[Variable] | None,
        only: frozenset[str] | None,
    ) -> None:
        self.bulk = BulkReader(source, program, variables)
        self.reader = self.bulk.reader
        self.reader.only = only
        self.pl, self.np = _modules("a Parquet observations sidecar")
        self.values: dict[str, int] = {}  # each column's values read in its tables
        self.units_rows = 0  # the units parts' rows (the tables' come after them)

    def read(self, data: bytes) -> Observations:
        pl, reader = self.pl, self.reader
        buffer = io.BytesIO(data)
        header = json.loads(metadata_of(pl, buffer)[META_KEY])
        parts = expand(header)
        if isinstance(parts, str):
            raise GiveUp
        units, tables = parts
        reader.header(header)
        schema = pl.read_parquet_schema(buffer)
        if reader.set_aside or schema_problem(
            pl, schema, header["variables"], reader.obs.variables
        ):
            raise GiveUp
        only = reader.only
        codes = [c for c in header["variables"] if only is None or c in only]
        frame = pl.read_parquet(buffer, columns=["unit", NUMBER, *codes])
        # The IDs in one chunk: gathered by index from 32, they cost ten times more (0.17 s).
        frame = frame.with_columns(frame["unit"].rechunk())
        numbered = self._number_units(frame, units)
        at = self.units_rows
        groups: dict[tuple[Level, tuple[str, ...]], list[Table]] = {}
        parts_of: list[tuple[int, int]] = []  # each table's units part: first row, size
        cluster_of = {rnd.id: rnd.cluster_id for rnd in reader.obs.storage.added_rounds()}
        for entry in tables:
            round_id, level, columns, count, _, _ = reader.open_table(entry)
            cells = table_cells(columns, only)
            part = numbered.get((cluster_of[round_id], level)) if count else (0, 0)
            if part is None:
                raise GiveUp  # rows of units no units part numbers
            parts_of.append(part)
            if count:
                table = Table(round_id, level, at, count, cells)
                groups.setdefault((level, tuple(sorted(cells))), []).append(table)
            at += count
        if at != frame.height:
            raise GiveUp
        numbers = self._numbers(frame, tables, parts_of)
        for (level, wanted), group in groups.items():
            self._group(frame, numbers, level, wanted, group)
        if any(frame[code].count() != self.values.get(code, 0) for code in codes):
            raise GiveUp  # a value outside its tables' columns (or in the units part)
        if self.bulk.sector_problems():
            raise GiveUp
        return self.bulk.obs

    def _number_units(
        self, frame: Any, units: list[dict[str, Any]]
    ) -> dict[tuple[str, Level], tuple[int, int]]:
        """Number each units part's units (its first row and size, by key), or give up.

        Member parts are found all at once among an accepted program's members
        (:func:`~klaster.observations._sidecar_parquet_units.member_rows`: their sectors
        numbered then too); other parts, or every part when the program's members are not one
        polars frame, among their cluster's records
        (:func:`~klaster.observations._numbering.placed_ids`: a dict a cluster, their places
        kept for the units' sectors). Each is numbered with the records' own strings.
        """
        pl, np = self.pl, self.np
        storage = self.reader.obs.storage
        clusters = self.reader.obs.program.clusters
        sizes = [entry["rows"] for entry in units]
        if not all(type(rows) is int and rows >= 0 for rows in sizes):
            raise GiveUp
        ends = list(itertools.accumulate(sizes))
        total = ends[-1] if ends else 0
        part = frame["unit"].head(total)
        if len(part) != total or part.null_count():
            raise GiveUp
        keys = [(entry["cluster"], Level(entry["level"])) for entry in units]
        if len(set(keys)) != len(keys) or not all(
            isinstance(cluster, str) and cluster in clusters for cluster, _ in keys
        ):
            raise GiveUp
        sectors = self.bulk.sectors
        places = sectors.places
        members = member_rows(pl, np, self.reader.obs.program, part, keys, sizes)
        numbers = None if members is None else sectors.numbers(Level.MEMBER, members.sectors)
        listed = listed_parts(part, sizes, ends, set() if members is None else members.parts)
        for at, ((cluster, level), rows) in enumerate(zip(keys, sizes, strict=True)):
            where: Sequence[int] | None = None
            if members is not None and at in members.parts:
                # Found once each among the cluster's members: the program's own strings.
                own = field_of(clusters[cluster].members, "id")
                where = members.places(at)
                ids: Sequence[str] = HeldIds(map(own.__getitem__, where))
                sectors.preset(cluster, level, members.kinds(at, numbers))
            else:
                ids = listed[at]
                found = placed_ids(clusters[cluster], level, ids)
                if found is not None:  # (their sectors are then read by their places)
                    ids, where = found
                    places[(cluster, level)] = where
            if storage.number_units(cluster, level, ids) is not None:
                raise GiveUp
            numbering = storage.numbering(cluster, level)
            if numbering is None or len(numbering.ids) != rows:
                raise GiveUp  # an ID twice: the exact reader says which
            if where is not None and level is Level.MEMBER:  # (a report reads units by place)
                numbering.keep_places(columns_of(clusters[cluster].members), where)
        if total and not frame[NUMBER].head(total).equals(
            pl.Series(np.concatenate([np.arange(rows) for rows in sizes]), dtype=pl.Int32)
        ):
            raise GiveUp
        self.units_rows = total
        return {key: (end - rows, rows) for key, rows, end in zip(keys, sizes, ends, strict=True)}

    def _numbers(
        self, frame: Any, tables: list[dict[str, Any]], parts_of: list[tuple[int, int]]
    ) -> Any:
        """Each table row's place in its units part (the file's hint), checked by the IDs.

        Every table's rows at once: the hint must be in its part and name the row's unit.
        """
        pl, np = self.pl, self.np
        counts = np.array([entry["rows"] for entry in tables], dtype=np.int64)
        numbers = frame[NUMBER].slice(self.units_rows)
        if numbers.null_count():
            raise GiveUp
        numbers = numbers.to_numpy().astype(np.int64)
        firsts, sizes = np.array(parts_of, dtype=np.int64).reshape(-1, 2).T
        if ((numbers < 0) | (numbers >= np.repeat(sizes, counts))).any():
            raise GiveUp
        rows = pl.Series(np.repeat(firsts, counts) + numbers)
        unit = frame["unit"]
        if not (unit.gather(rows) == unit.slice(self.units_rows)).all():
            raise GiveUp  # a hint that is not its unit's place: the exact reader says where
        return numbers

    def _group(
        self, frame: Any, numbers: Any, level: Level, wanted: tuple[str, ...], group: list[Table]
    ) -> None:
        """Place a group of tables of one level and codes read (their rows gathered)."""
        pl, np = self.pl, self.np
        counts = np.array([t.count for t in group], dtype=np.int64)
        ends = np.cumsum(counts)
        # The group's rows in the file, a table after another (one gather per column).
        starts = np.repeat(
            np.array([t.first for t in group], dtype=np.int64) - ends + counts, counts
        )
        found = starts + np.arange(int(ends[-1]), dtype=np.int64)
        at = pl.Series(found)

        def convert(code: str, variable: Variable, layout: Layout) -> tuple[Any, Any]:
            series = frame[code].gather(at)
            present = series.is_not_null().to_numpy()
            self.values[code] = self.values.get(code, 0) + int(present.sum())
            values, scale = _typed(pl, np, series, variable, layout, present)
            return present, lambda: typed_columns(pl, np, variable, values, present, layout, scale)

        self.bulk.place(level, group, None, wanted, convert, numbers[found - self.units_rows])


def _typed(
    pl: Any, np: Any, series: Any, variable: Variable, layout: Layout, present: Any
) -> tuple[Any, Any]:
    """A file column's values as :func:`typed_columns` takes them (and decimals' scales)."""
    kind = variable.type
    if kind is ValueType.DECIMAL:
        return _decimals(pl, np, series, layout, present)
    if kind is ValueType.INTEGER:
        return series.fill_null(0).to_numpy(), None
    if kind is ValueType.BOOLEAN:
        return series.fill_null(False).to_numpy(), None
    if kind is ValueType.DATE:
        days = series.to_physical().cast(pl.Int64).fill_null(0).to_numpy()
        if (days > _LAST_DAY).any():
            raise GiveUp  # after 9999-12-31: no Python date holds it
        return days, None
    return series, None


def _decimals(pl: Any, np: Any, series: Any, layout: Layout, present: Any) -> tuple[Any, Any]:
    """Each row's decimal scaled by its table's scale: the most decimals a value of it needs."""
    stored = series.dtype.scale
    if stored > MAX_SCALE:
        raise GiveUp
    raw = series.to_physical().fill_null(0)
    if not stored:  # whole numbers (Rupiah): each table's scale 0, nothing to divide
        whole = raw.cast(pl.Int64, strict=False)
        if whole.null_count():
            raise GiveUp  # more than 64 bits: the exact reader refuses it, located
        return whole.to_numpy(), np.zeros(layout.tables, dtype=np.int64)
    if stored:
        # The decimals each value needs: the stored scale less its trailing zeros.
        zeros = pl.sum_horizontal(
            [
                (pl.col("v") % pl.lit(10**k, pl.Int128) == 0).cast(pl.Int64)
                for k in range(1, stored + 1)
            ]
        )
        needed = pl.DataFrame({"v": raw}).select(stored - zeros)[:, 0].to_numpy()
    else:
        needed = np.zeros(len(raw), dtype=np.int64)
    places = np.where(present, needed, 0)
    scale = np.zeros(layout.tables, dtype=np.int64)
    np.maximum.at(scale, layout.table_of, places)
    divisor = 10 ** (stored - scale[layout.table_of])
    values = (
        pl.DataFrame({"v": raw, "d": divisor})
        .select((pl.col("v") // pl.col("d").cast(pl.Int128)).alias("v"))
        .with_columns(big=pl.col("v").abs() > pl.lit(_INT64, pl.Int128))
    )
    if values["big"].any():
        raise GiveUp  # more than 64 bits: the exact reader refuses it, located
    return values["v"].cast(pl.Int64).to_numpy(), scale
