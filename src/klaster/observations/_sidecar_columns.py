"""The sidecar's columnar reader, column by column: each type's JSON form checked and converted.

Internal to :mod:`klaster.observations._sidecar_bulk`: a column of row cells (the text polars'
CSV reader cut out of the row lines) becomes each table's :class:`Column`, laid out on its
cluster's numbering, or :class:`GiveUp` is raised for anything the exact reader would refuse
or that this path does not recognise.
"""

from __future__ import annotations

import datetime as _dt
import io
from array import array
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import ValueType, Variable
from klaster.observations.columns.factory import (
    BooleanColumn,
    Column,
    DecimalColumn,
    IntegerColumn,
    TextColumn,
)
from klaster.observations.storage import empty_column

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

__all__ = [
    "PATTERNS",
    "ROW",
    "STRING",
    "GiveUp",
    "Layout",
    "cells_at",
    "columns_of",
    "python_values",
    "row_cells",
    "typed_columns",
]

STRING = r'"[^"\\\x00-\x1f]*"'  # a JSON string without escapes: anything else, the slow path
PATTERNS = {
    ValueType.DECIMAL: r'^"-?[0-9]{1,18}(\.[0-9]{1,18})?"$',
    ValueType.INTEGER: r"^-?(0|[1-9][0-9]{0,17})$",
    ValueType.BOOLEAN: r"^(true|false)$",
    ValueType.CATEGORY: f"^{STRING}$",
    ValueType.TEXT: f"^{STRING}$",
    ValueType.DATE: r'^"[0-9]{4}-[0-9]{2}-[0-9]{2}"$',
}
"""The pattern of each type's cells as the writer writes them (``null`` is checked apart)."""

_CUT = r'"[^",\\\x00-\x1f]*"'  # a string the CSV reader does not cut: no comma in it
ROW = rf"^\[{_CUT}(,(null|true|false|-?(0|[1-9][0-9]{{0,17}})|{_CUT}))*\]$"
"""A row line of JSON scalars as the writer writes them (not parsed cell by cell: ``only=``).

What the exact reader parses (``json.loads``) but does not check, it still refuses when the row
is not JSON: the cells the columnar reader leaves unread must be JSON, or it gives up. Their
strings hold no comma, so the row's cells are the cells the CSV reader cut (a row a cell short
with a comma in a string would otherwise pass for a whole row)."""

_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal(): polars counts days from 1970
_INT_CODES = (("b", 127), ("h", 32_767), ("i", 2_147_483_647), ("q", 9_223_372_036_854_775_807))


class GiveUp(Exception):
    """The fast path does not recognise something: the exact reader reads the file."""


class Layout:
    """Where each row's value goes in one long array of every table laid out on its numbering."""

    def __init__(
        self,
        np: Any,
        target: np.ndarray[Any, Any],
        size: int,
        table_of: np.ndarray[Any, Any],
        offsets: np.ndarray[Any, Any],
        tables: int,
    ) -> None:
        self.np, self.target, self.size, self.table_of = np, target, size, table_of
        self.spans = list(zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True))
        self.tables = tables

    def lay(self, values: np.ndarray[Any, Any], fill: int) -> np.ndarray[Any, Any]:
        """``values`` (one per row) laid out, ``fill`` where a unit has no row."""
        laid: np.ndarray[Any, Any] = self.np.full(self.size, fill, dtype=values.dtype)
        laid[self.target] = values
        return laid


def row_cells(
    pl: Any, block: bytes, width: int, wanted: Iterable[int], total: int
) -> tuple[pl.Series, dict[int, pl.Series]]:
    """The unit IDs (quoted) and the ``wanted`` cells' text (1 to ``width``) of the row lines.

    polars' CSV reader cuts the ``total`` lines at the commas, keeping the IDs, the last cell
    (checked for the closing bracket) and those wanted. Cells left unread
    (``load(only=...)``) are neither converted nor checked against their variable, but each
    line must still match :data:`ROW`: read whole and matched in one query, split between the
    cores (the match costs as much as cutting the cells).
    """
    read = sorted({0, *wanted, width})
    names = [f"c{i}" for i in range(width + 1)]
    options = {
        "has_header": False,
        "quote_char": None,
        "comment_prefix": None,
        "truncate_ragged_lines": False,
    }
    frame = pl.read_csv(
        io.BytesIO(block), schema=dict.fromkeys(names, pl.String), columns=read, **options
    )
    if frame.height != total or frame.null_count().sum_horizontal().item():
        raise GiveUp
    if len(read) <= width:  # cells left unread: each row must still be JSON
        lines, matched = (
            pl.scan_csv(
                io.BytesIO(block),
                separator="\x01",  # (never in JSON text: a control character is escaped)
                schema={"row": pl.String},
                **options,
            )
            .select(pl.len(), pl.col("row").str.contains(ROW).fill_null(False).all())
            .collect()
            .row(0)
        )
        if lines != total or not matched:
            raise GiveUp
    first, last = frame[names[0]], frame[names[-1]]
    if not (first.str.contains(f"^\\[{STRING}$").all() and last.str.ends_with("]").all()):
        raise GiveUp
    frame = frame.with_columns(pl.col(names[-1]).str.strip_suffix("]"))
    return first.str.slice(1), {i: frame[names[i]] for i in read[1:]}


def cells_at(
    pl: Any, np: Any, cells: dict[int, pl.Series], at: list[int], counts: np.ndarray[Any, Any]
) -> Any:
    """One variable's cells of a group of tables: table ``t``'s ``counts[t]`` rows, cell ``at[t]``.

    Tables whose columns are in different orders are cut together; each row's value is taken
    from its table's cell (one query, not a slice per table).
    """
    found = sorted(set(at))
    if len(found) == 1:
        return cells[found[0]]
    frame = pl.DataFrame(
        {"at": np.repeat(np.array(at, dtype=np.int64), counts)}
        | {f"c{cell}": cells[cell] for cell in found}
    )
    chosen: Any = pl
    for cell in found:
        chosen = chosen.when(pl.col("at") == cell).then(pl.col(f"c{cell}"))
    return frame.select(chosen.alias("cell"))["cell"]


def columns_of(
    pl: Any,
    np: Any,
    variable: Variable,
    raw: pl.Series,
    present: np.ndarray[Any, Any],
    layout: Layout,
) -> list[Column[Any]]:
    """Each table's column, laid out on its numbering, checked against ``variable``.

    ``raw`` holds the cells' JSON text (each matched :data:`PATTERNS`), turned into the typed
    values :func:`typed_columns` checks and lays out.
    """
    kind = variable.type
    if kind is ValueType.DECIMAL:
        values, scale = _decimals(pl, np, raw, present, layout)
        return typed_columns(pl, np, variable, values, present, layout, scale)
    if kind is ValueType.INTEGER:
        # (every present cell matched PATTERNS: at most 18 digits, so none is lost)
        values = raw.cast(pl.Int64, strict=False).fill_null(0).to_numpy()
        return typed_columns(pl, np, variable, values, present, layout)
    if kind is ValueType.BOOLEAN:
        return typed_columns(pl, np, variable, (raw == "true").to_numpy(), present, layout)
    texts = raw.str.slice(1).str.strip_suffix('"')
    if kind is not ValueType.DATE:
        return typed_columns(pl, np, variable, texts, present, layout)
    days = texts.str.to_date("%Y-%m-%d", strict=False)
    if days.filter(pl.Series(present)).null_count():
        raise GiveUp
    return typed_columns(
        pl, np, variable, days.cast(pl.Int64).fill_null(0).to_numpy(), present, layout
    )


def typed_columns(
    pl: Any,
    np: Any,
    variable: Variable,
    values: Any,
    present: np.ndarray[Any, Any],
    layout: Layout,
    scale: np.ndarray[Any, Any] | None = None,
) -> list[Column[Any]]:
    """Each table's column of typed ``values`` (one per row), checked against ``variable``.

    The columnar readers' one check and build of a variable's values (the JSON cells of
    :func:`columns_of`, a Parquet sidecar's typed columns): ``values`` are, by type, decimals
    scaled by their table's ``scale`` (int64, one scale per table), integers (int64), booleans
    (true where true), dates (days from 1970, int64), categories' codes and texts (a polars
    String Series); anything but ``present`` rows is ignored. Raises :class:`GiveUp` on a value
    the exact readers would refuse (out of bounds, not a category, an empty text...).
    """
    kind = variable.type
    spans = layout.spans
    if kind in (ValueType.DECIMAL, ValueType.INTEGER):
        if scale is None:
            scale = np.zeros(layout.tables, dtype=np.int64)
        _check_bounds(np, variable, values, present, scale, layout.table_of)
        laid = layout.lay(np.where(present, values, 0), 0)
        valid = layout.lay(present.astype(np.uint8), 0).tobytes()  # (cut a span at a time)
        narrowed = _narrow_spans(np, laid, spans)
        if kind is ValueType.INTEGER:
            return [
                IntegerColumn.from_buffers(data, bytearray(valid[a:b]))
                for data, (a, b) in zip(narrowed, spans, strict=True)
            ]
        scales = scale.tolist()
        return [
            DecimalColumn.from_buffers(data, bytearray(valid[a:b]), scales[number])
            for number, (data, (a, b)) in enumerate(zip(narrowed, spans, strict=True))
        ]
    if kind is ValueType.BOOLEAN:
        codes = np.where(present, values.astype(np.int8), np.int8(-1))
        flags = layout.lay(codes, -1).tobytes()
        return [BooleanColumn().with_codes(array("b", flags[a:b])) for a, b in spans]
    if kind is ValueType.CATEGORY or kind is ValueType.DATE:
        empty = empty_column(variable)
        typecode = empty.buffers().typecode
        if kind is ValueType.CATEGORY:
            categories = variable.category_codes()
            found = values.replace_strict(
                list(categories), list(range(len(categories))), default=-1, return_dtype=pl.Int64
            ).to_numpy()
            if (found[present] < 0).any():
                raise GiveUp
            laid = layout.lay(np.where(present, found, -1), -1)
        else:
            ordinals = values + _EPOCH_ORDINAL
            if (ordinals[present] < 1).any():
                raise GiveUp
            laid = layout.lay(np.where(present, ordinals, 0), 0)
        size = array(typecode).itemsize
        made = laid.astype(f"i{size}").tobytes()
        return [
            empty.with_codes(array(typecode, made[a * size : b * size]))  # type: ignore[attr-defined]
            for a, b in spans
        ]
    if not values.filter(pl.Series(present)).str.strip_chars().str.len_chars().gt(0).all():
        raise GiveUp  # text: a non-empty string
    listed: list[str | None] = [None] * layout.size
    for at, value, ok in zip(layout.target.tolist(), values.to_list(), present, strict=True):
        if ok:
            listed[at] = value
    return [TextColumn(listed[a:b]) for a, b in spans]


def _decimals(
    pl: Any, np: Any, raw: pl.Series, present: np.ndarray[Any, Any], layout: Layout
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Each row's decimal scaled by its table's scale (0 where missing), and those scales.

    The cells match ``PATTERNS[DECIMAL]`` (at most 18 digits either side of the point), so
    polars' decimal of scale 18 holds each exactly: its whole and fraction parts are then
    whole numbers, and the decimals a value needs are its fraction's without trailing zeros.
    """
    text = (
        pl.when(pl.col("present")).then(pl.col("raw").str.strip_chars('"')).otherwise(pl.lit("0"))
    )
    exact = text.cast(pl.Decimal(38, 18), strict=False).to_physical()  # value * 10**18
    size = pl.lit(10**18, pl.Int128)
    point = text.str.find(".", literal=True)
    found = (
        pl.DataFrame({"raw": raw, "present": present})
        .lazy()
        .select(
            exact.is_null().any().alias("unread"),
            (exact < 0).alias("negative"),
            (exact.abs() // size).cast(pl.Int64).alias("whole"),
            (exact.abs() % size).cast(pl.Int64).alias("fraction"),
            (text.str.strip_chars_end("0").str.len_bytes().cast(pl.Int64) - point - 1)
            .fill_null(0)
            .alias("places"),
        )
        .collect()
    )
    if found["unread"].any():
        raise GiveUp
    whole, places = found["whole"].to_numpy(), found["places"].to_numpy()
    # A table's column keeps the most decimals one of its values needs (as the exact path).
    scale = np.zeros(layout.tables, dtype=np.int64)
    np.maximum.at(scale, layout.table_of, np.where(present, places, 0))
    row_scale = scale[layout.table_of]
    pow10 = 10 ** np.arange(19, dtype=np.int64)
    digits = np.searchsorted(pow10, whole, side="right")  # the whole part's, 0 for 0
    if (np.where(present, digits + row_scale, 0) > 18).any():
        raise GiveUp  # might not fit in 64 bits: the exact path decides
    # Exact: the fraction (in 10**-18) ends in at least 18 - row_scale zeros.
    values = whole * pow10[row_scale] + found["fraction"].to_numpy() // pow10[18 - row_scale]
    values = np.where(found["negative"].to_numpy(), -values, values)
    return np.where(present, values, 0), scale


def _check_bounds(
    np: Any,
    variable: Variable,
    values: np.ndarray[Any, Any],
    present: np.ndarray[Any, Any],
    scale: np.ndarray[Any, Any],
    table_of: np.ndarray[Any, Any],
) -> None:
    """Give up when a value is out of the variable's bounds (compared exactly, scaled)."""
    limit = 9_223_372_036_854_775_807
    single = len(scale) and scale.min() == scale.max()  # (one scale: one edge, no gather)
    bounds = ((variable.minimum, ROUND_CEILING, True), (variable.maximum, ROUND_FLOOR, False))
    for bound, rounding, below in bounds:
        if bound is None:
            continue
        edges = np.array(
            [
                max(-limit, min(limit, int((bound.scaleb(s)).to_integral_value(rounding))))
                for s in range(19)
            ],
            dtype=np.int64,
        )
        edge = edges[int(scale[0])] if single else edges[scale[table_of]]
        out = values < edge if below else values > edge
        if (out & present).any():
            raise GiveUp


def _narrow_spans(np: Any, laid: np.ndarray[Any, Any], spans: list[tuple[int, int]]) -> list[Any]:
    """Each span's values narrowed as :func:`_narrow`, converted once per typecode needed."""
    starts = [a for a, b in spans if b > a]
    if len(starts) != len(spans) or not spans:  # an empty span: one at a time
        return [_narrow(laid[a:b]) for a, b in spans]
    lows = np.minimum.reduceat(laid, starts).tolist()
    highs = np.maximum.reduceat(laid, starts).tolist()
    codes = []
    for low, high in zip(lows, highs, strict=True):
        for code, limit in _INT_CODES:
            if -limit <= low and high <= limit:
                codes.append(code)
                break
        else:
            raise GiveUp
    sizes = {code: array(code).itemsize for code in codes}  # (each span cut out of the bytes)
    made = {code: laid.astype(f"i{size}").tobytes() for code, size in sizes.items()}
    return [
        array(c, made[c][a * sizes[c] : b * sizes[c]])
        for c, (a, b) in zip(codes, spans, strict=True)
    ]


def _narrow(values: np.ndarray[Any, Any]) -> array[int]:
    """The values in the narrowest integer array that holds them (as the exact path keeps)."""
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    for code, limit in _INT_CODES:
        if -limit <= low and high <= limit:
            return array(code, values.astype(f"i{array(code).itemsize}").tobytes())
    raise GiveUp


def python_values(column: Column[Any]) -> list[Any]:
    """The column's values as Python objects (``None`` where missing), read from its buffers.

    What :meth:`Column.to_list` gives, built from the buffers in bulk rather than one value at
    a time (the plugins' checks across a unit's values read every column of a table).
    """
    found = column.buffers()
    kind = found.type
    if kind is ValueType.TEXT:
        return list(found.data)
    assert isinstance(found.data, memoryview)  # every other kind keeps a buffer
    data = found.data.tolist()
    if found.valid is not None:  # decimal and integer: a valid mask
        valid = found.valid.tolist()
        if kind is ValueType.INTEGER:
            return [d if ok else None for d, ok in zip(data, valid, strict=True)]
        suffix = f"E-{found.scale}"
        if found.scale == 0:
            return [Decimal(d) if ok else None for d, ok in zip(data, valid, strict=True)]
        return [Decimal(f"{d}{suffix}") if ok else None for d, ok in zip(data, valid, strict=True)]
    missing = found.missing_code
    if kind is ValueType.BOOLEAN:
        return [None if code == missing else code == 1 for code in data]
    if kind is ValueType.CATEGORY:
        names = found.categories
        return [None if code == missing else names[code] for code in data]
    return [None if code == missing else _dt.date.fromordinal(code) for code in data]
