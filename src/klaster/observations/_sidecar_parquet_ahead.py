"""A Parquet sidecar's work that needs no program: done by the reader, or ahead in a thread.

Internal to :mod:`klaster.observations._sidecar_parquet`. Most of the column-wise reader's work
reads only the file: its metadata (the header, units parts and tables), its columns, where each
table's rows are and which units part numbers them, the ``unit_number`` hints checked against
the IDs, each variable's values converted to the typed arrays
:func:`~klaster.observations._sidecar_columns.typed_columns` takes.
:func:`prepare` does all of it (:class:`Prepared`); the reader then does what needs the program
(the header's program and rounds, numbering the units among the program's records, their
sectors, storing the values, the plugins' checks). ``klaster report`` reads the program first:
a :class:`klaster.observations.ReadAhead` runs :func:`read_ahead` in a thread meanwhile
(polars' reading and gathers on the other core) and hands the reader its :class:`Ahead`.

Nothing here decides what the file means or words a problem: :func:`prepare` raises on
anything it does not find as the writer writes it (the reader then gives up, and the exact
reader locates the problem), and :func:`read_ahead` never raises (a failure leaves the work to
the reader). An :class:`Ahead` is taken only for the same file (:func:`stamp_of`), the same
``only`` and the same variable catalogue (:attr:`Prepared.catalogue`, compared by the reader).
"""

from __future__ import annotations

import io
import itertools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from klaster._support.gc import gc_paused
from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.observations._sidecar_columns import GiveUp
from klaster.observations._sidecar_parquet_exact import (
    MAGIC,
    META_KEY,
    NUMBER,
    expand,
    metadata_of,
    schema_problem,
)
from klaster.observations._sidecar_parquet_units import listed_parts
from klaster.observations._sidecar_prefetch import read_stamped, table_cells
from klaster.observations._sidecar_table import Table
from klaster.observations.columns.base import MAX_SCALE
from klaster.observations.core_variables import core_variables

__all__ = ["Ahead", "Group", "Prepared", "catalogue_of", "prepare", "read_ahead", "stamp_of"]

_COLUMNS_AT_ONCE = 4
_LAST_DAY = 2_932_896  # date(9999, 12, 31) in days from 1970: the last a Python date holds
_INT64 = 9_223_372_036_854_775_807


class Group:
    """Tables of one level and codes read, placed together (their rows gathered at once).

    ``known``: each row's place in its units part (the file's checked hint); ``converted``:
    each code's ``(present, values, scale)`` over the group's rows, as
    :func:`~klaster.observations._sidecar_columns.typed_columns` takes them.
    """

    def __init__(self, np: Any, level: Level, codes: tuple[str, ...], tables: list[Table]) -> None:
        self.level, self.codes, self.tables = level, codes, tables
        counts = np.array([t.count for t in tables], dtype=np.int64)
        ends = np.cumsum(counts)
        starts = np.repeat(
            np.array([t.first for t in tables], dtype=np.int64) - ends + counts, counts
        )
        self.rows = starts + np.arange(int(ends[-1]), dtype=np.int64)  # in the file, in order
        self.table_of = np.repeat(np.arange(len(tables), dtype=np.int64), counts)
        self.known: Any = None
        self.converted: dict[str, tuple[Any, Any, Any]] = {}


class Prepared:
    """What :func:`prepare` found in a file: everything its reading needs but the program.

    ``header``: the metadata's header (the units, tables and column lists taken out);
    ``units``/``tables``: their entries; ``keys``, ``sizes``, ``ends``: each units part's
    cluster and level, rows and end row; ``part``: their rows' unit IDs; ``listed``: the IDs of
    each part that is not a member part, as lists; ``rounds``: each round's cluster as the
    header says; ``groups``: the tables placed together, their values converted.
    """

    def __init__(self, header: dict[str, Any], catalogue: Mapping[str, Variable]) -> None:
        self.header = header
        self.catalogue = catalogue
        self.units: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.keys: list[tuple[str, Level]] = []
        self.sizes: list[int] = []
        self.ends: list[int] = []
        self.total = 0  # the units parts' rows (the tables' come after them)
        self.part: Any = None
        self.listed: dict[int, list[str]] = {}
        self.rounds: dict[str, str] = {}
        self.parts_of: list[tuple[int, int]] = []  # each table's units part: first row, size
        self.groups: list[Group] = []
        self.hinted = False  # every table row's unit number names its unit (its values read)

    def listed_but(self, found: set[int]) -> dict[int, list[str]]:
        """The IDs of each units part but those ``found`` (by their index), as lists."""
        listed = {at: ids for at, ids in self.listed.items() if at not in found}
        missing = set(range(len(self.sizes))) - found - set(listed)
        if missing:  # member parts the program's frame did not find: listed now
            skip = set(range(len(self.sizes))) - missing
            listed |= listed_parts(self.part, self.sizes, self.ends, skip)
        return listed


def prepare(
    pl: Any,
    np: Any,
    data: bytes,
    catalogue: Mapping[str, Variable],
    only: frozenset[str] | None,
) -> Prepared:
    """The file's work that needs no program, or an exception (``GiveUp``, polars' errors...).

    Raises on anything the column-wise reader would give up on that the file alone shows: the
    reader gives up then too, and the exact reader words it.
    """
    buffer = io.BytesIO(data)
    header = json.loads(metadata_of(pl, buffer)[META_KEY])
    parts = expand(header)
    if isinstance(parts, str):
        raise GiveUp
    declared = header["variables"]
    if not isinstance(declared, dict) or not all(code in catalogue for code in declared):
        raise GiveUp  # set aside (the exact reader's) or refused by the header's check
    if schema_problem(pl, pl.read_parquet_schema(buffer), declared, catalogue):
        raise GiveUp
    found = Prepared(header, catalogue)
    found.units, found.tables = parts
    codes = [c for c in declared if only is None or c in only]
    frame = pl.read_parquet(buffer, columns=["unit", NUMBER])
    # The IDs in one chunk: gathered by index from 32, they cost ten times more (0.17 s).
    frame = frame.with_columns(frame["unit"].rechunk())
    numbered = _units(pl, np, frame, found)
    _plan(np, found, numbered, frame.height, only)
    try:
        numbers = _numbers(pl, np, frame, found)
    except GiveUp:
        return found  # (not hinted: the reader gives up once it has numbered the units)
    found.hinted = True
    for group in found.groups:
        group.known = numbers[group.rows - found.total]
    del frame
    # A few columns at a time, each converted then let go: the whole file's values (~16 bytes
    # a cell as decimals) are never held at once beside the program being read.
    for first in range(0, len(codes), _COLUMNS_AT_ONCE):
        some = codes[first : first + _COLUMNS_AT_ONCE]
        read = pl.read_parquet(buffer, columns=some)
        columns = {code: read[code] for code in some}
        del read
        _convert(pl, np, columns, found.groups, catalogue)
    for group in found.groups:
        group.rows = group.table_of = None  # (the reader places the rows by ``known``)
    return found


def _units(
    pl: Any, np: Any, frame: Any, found: Prepared
) -> dict[tuple[str, Level], tuple[int, int]]:
    """The units parts' spans (first row and size, by key), their IDs and numbers checked."""
    sizes = [entry["rows"] for entry in found.units]
    if not all(type(rows) is int and rows >= 0 for rows in sizes):
        raise GiveUp
    ends = list(itertools.accumulate(sizes))
    total = ends[-1] if ends else 0
    part = frame["unit"].head(total)
    if len(part) != total or part.null_count():
        raise GiveUp
    keys = [(entry["cluster"], Level(entry["level"])) for entry in found.units]
    if len(set(keys)) != len(keys) or not all(isinstance(cluster, str) for cluster, _ in keys):
        raise GiveUp
    if total and not frame[NUMBER].head(total).equals(
        pl.Series(np.concatenate([np.arange(rows) for rows in sizes]), dtype=pl.Int32)
    ):
        raise GiveUp
    members = {at for at, (_, level) in enumerate(keys) if level is Level.MEMBER}
    found.listed = listed_parts(part, sizes, ends, members)
    found.keys, found.sizes, found.ends, found.total, found.part = keys, sizes, ends, total, part
    return {key: (end - rows, rows) for key, rows, end in zip(keys, sizes, ends, strict=True)}


def _plan(
    np: Any,
    found: Prepared,
    numbered: dict[tuple[str, Level], tuple[int, int]],
    height: int,
    only: frozenset[str] | None,
) -> None:
    """Each table's rows and units part; tables of one level and codes read grouped."""
    found.rounds = {raw["id"]: raw["cluster_id"] for raw in found.header["rounds"]}
    groups: dict[tuple[Level, tuple[str, ...]], list[Table]] = {}
    parts_of: list[tuple[int, int]] = []
    at = found.total
    for entry in found.tables:
        round_id, level, count = entry["round"], Level(entry["level"]), entry["rows"]
        if type(count) is not int or count < 0:
            raise GiveUp
        cells = table_cells(entry["columns"], only)
        part = numbered.get((found.rounds[round_id], level)) if count else (0, 0)
        if part is None:
            raise GiveUp  # rows of units no units part numbers
        parts_of.append(part)
        if count:
            table = Table(round_id, level, at, count, cells)
            groups.setdefault((level, tuple(sorted(cells))), []).append(table)
        at += count
    if at != height:
        raise GiveUp
    found.groups = [Group(np, level, codes, tables) for (level, codes), tables in groups.items()]
    found.parts_of = parts_of


def _numbers(pl: Any, np: Any, frame: Any, found: Prepared) -> Any:
    """Each table row's place in its units part (the file's hint), checked by the IDs.

    Every table's rows at once: the hint must be in its part and name the row's unit.
    """
    counts = np.array([entry["rows"] for entry in found.tables], dtype=np.int64)
    numbers = frame[NUMBER].slice(found.total)
    if numbers.null_count():
        raise GiveUp
    numbers = numbers.to_numpy().astype(np.int64)
    firsts, sizes = np.array(found.parts_of, dtype=np.int64).reshape(-1, 2).T
    if ((numbers < 0) | (numbers >= np.repeat(sizes, counts))).any():
        raise GiveUp
    rows = pl.Series(np.repeat(firsts, counts) + numbers)
    unit = frame["unit"]
    if not (unit.gather(rows) == unit.slice(found.total)).all():
        raise GiveUp  # a hint that is not its unit's place: the exact reader says where
    return numbers


def _convert(
    pl: Any,
    np: Any,
    columns: dict[str, Any],
    groups: list[Group],
    catalogue: Mapping[str, Variable],
) -> None:
    """Each code's values over each group's rows, typed; a column at a time (then let go)."""
    rows = [pl.Series(group.rows) for group in groups]
    for code in list(columns):
        column, variable = columns.pop(code), catalogue[code]
        values = 0
        for group, at in zip(groups, rows, strict=True):
            if code not in group.codes:
                continue
            series = column.gather(at)
            present = series.is_not_null().to_numpy()
            values += int(present.sum())
            typed, scale = _typed(pl, np, series, variable, group, present)
            group.converted[code] = (present, narrowest(np, typed), scale)
        if column.count() != values:
            raise GiveUp  # a value outside its tables' columns (or in the units part)


def narrowest(np: Any, values: Any) -> Any:
    """64-bit integers in the narrowest signed type that holds them (others as they are).

    Held until the program is read (the reader widens each column back when it builds it).
    """
    if not isinstance(values, np.ndarray) or values.dtype != np.int64 or not len(values):
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        limits = np.iinfo(dtype)
        if limits.min <= low and high <= limits.max:
            return values.astype(dtype)
    return values


def _typed(
    pl: Any, np: Any, series: Any, variable: Variable, group: Group, present: Any
) -> tuple[Any, Any]:
    """A file column's values as :func:`typed_columns` takes them (and decimals' scales)."""
    kind = variable.type
    if kind is ValueType.DECIMAL:
        return _decimals(pl, np, series, group, present)
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


def _decimals(pl: Any, np: Any, series: Any, group: Group, present: Any) -> tuple[Any, Any]:
    """Each row's decimal scaled by its table's scale: the most decimals a value of it needs."""
    stored = series.dtype.scale
    if stored > MAX_SCALE:
        raise GiveUp
    raw = series.to_physical().fill_null(0)
    tables = len(group.tables)
    if not stored:  # whole numbers (Rupiah): each table's scale 0, nothing to divide
        whole = raw.cast(pl.Int64, strict=False)
        if whole.null_count():
            raise GiveUp  # more than 64 bits: the exact reader refuses it, located
        return whole.to_numpy(), np.zeros(tables, dtype=np.int64)
    # The decimals each value needs: the stored scale less its trailing zeros.
    zeros = pl.sum_horizontal(
        [(pl.col("v") % pl.lit(10**k, pl.Int128) == 0).cast(pl.Int64) for k in range(1, stored + 1)]
    )
    needed = pl.DataFrame({"v": raw}).select(stored - zeros)[:, 0].to_numpy()
    places = np.where(present, needed, 0)
    scale = np.zeros(tables, dtype=np.int64)
    np.maximum.at(scale, group.table_of, places)
    divisor = 10 ** (stored - scale[group.table_of])
    values = (
        pl.DataFrame({"v": raw, "d": divisor})
        .select((pl.col("v") // pl.col("d").cast(pl.Int128)).alias("v"))
        .with_columns(big=pl.col("v").abs() > pl.lit(_INT64, pl.Int128))
    )
    if values["big"].any():
        raise GiveUp  # more than 64 bits: the exact reader refuses it, located
    return values["v"].cast(pl.Int64).to_numpy(), scale


# -- ahead, in a thread -----------------------------------------------------------------------
class Ahead:
    """A Parquet sidecar read ahead: its stamp, and what :func:`prepare` found or its bytes.

    ``prepared`` is ``None`` when the file is not as the writer writes it: ``data`` then keeps
    its bytes (the reader prepares them again, gives up the same way, and the exact reader
    reads them). Prepared, the bytes are let go (not held beside the program while it is read;
    a reader that gives up reads the file again). The reader takes either only while
    :func:`stamp_of` the file is still ``stamp`` and for the same ``only``.
    """

    __slots__ = ("data", "only", "prepared", "stamp")

    def __init__(self, only: frozenset[str] | None, stamp: tuple[int, ...], data: bytes) -> None:
        self.only, self.stamp = only, stamp
        self.data: bytes | None = data
        self.prepared: Prepared | None = None


def stamp_of(path: Path) -> tuple[int, ...] | None:
    """The file's stamp as :func:`read_stamped` gives it, by a stat (``None``: unreadable)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def catalogue_of(
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
) -> dict[str, Variable] | None:
    """The catalogue ``variables`` gives, taken now (``None``: not a mapping, list or tuple)."""
    if variables is None:
        return dict(core_variables())
    if isinstance(variables, Mapping):
        return dict(variables)
    if isinstance(variables, (list, tuple)) and all(isinstance(v, Variable) for v in variables):
        return {v.code: v for v in variables}
    return None


def read_ahead(
    path: Path, catalogue: Mapping[str, Variable], only: frozenset[str] | None
) -> Ahead | None:
    """Read ``path`` and :func:`prepare` it (in a thread); never raises (``None``: unread)."""
    try:  # (first: the reading overlaps the imports the program's reader is making)
        data, stamp = read_stamped(path)
    except OSError:
        return None  # the reader says why
    try:
        import numpy as np
        import polars as pl
    except ImportError:
        return None
    found = Ahead(only, stamp, data)
    if len(data) < 12 or data[:4] != MAGIC or data[-4:] != MAGIC:
        return found  # not a Parquet file: the reader says so
    try:
        with gc_paused(), huge_pages_paused():
            found.prepared = prepare(pl, np, data, catalogue, only)
    except (Exception, pl.exceptions.PanicException):  # (polars panics on some damaged files)
        return found  # not as the writer writes it: the reader judges (and words) it
    found.data = None
    return found
