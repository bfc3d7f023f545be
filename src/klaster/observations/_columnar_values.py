"""One variable's column for the bulk path: checked at once, as buffers (internal).

Internal interface of :mod:`klaster.observations._columnar_batch`: :func:`prepare` (a list, numpy
array or polars Series), :func:`from_polars_frame` (a batch's polars columns in one query),
:func:`checked` (``required``, bounds, a decimal's scale), :func:`column_at` (the stored column)
and :func:`python_values` (for the plugins). A check that fails raises :class:`Refused`; the
caller then records the rows through the row path, which says what is wrong.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import KlasterError
from klaster.observations.columns.coded import BooleanColumn, CategoryColumn, DateColumn
from klaster.observations.columns.factory import Column, column_of
from klaster.observations.columns.numeric import DecimalColumn, IntegerColumn

if TYPE_CHECKING:
    import numpy as np

_INT64 = 2**63 - 1
_DTYPES = {"b": "int8", "h": "int16", "i": "int32", "q": "int64"}
_MASKED = (ValueType.DECIMAL, ValueType.INTEGER)
_MISSING = {ValueType.BOOLEAN: -1, ValueType.CATEGORY: -1, ValueType.DATE: 0}


class Refused(Exception):
    """A check failed: the row path reports it."""


class Prepared:
    """One variable's checked values, aligned on the batch: numpy buffers or a text list."""

    __slots__ = ("data", "scale", "texts", "valid", "variable")

    def __init__(self, variable: Variable, data: Any, valid: Any, scale: int = 0) -> None:
        self.variable = variable
        self.data = data  # int64 (numbers), int16 codes (coded) or None (text)
        self.valid = valid  # numpy bool, one per row
        self.scale = scale
        self.texts: list[str | None] | None = None


def python_values(column: Prepared, rows: list[int]) -> list[Any]:
    """The values of ``rows`` (all present) as the row path's checks return them."""
    if column.texts is not None:
        return [column.texts[row] for row in rows]
    raw = column.data[rows].tolist()
    kind = column.variable.type
    if kind is ValueType.DECIMAL:
        if not column.scale:
            return list(map(Decimal, raw))
        suffix = f"E-{column.scale}"  # from text: exact whatever the decimal context
        return [Decimal(f"{number}{suffix}") for number in raw]
    if kind is ValueType.INTEGER:
        return raw  # type: ignore[no-any-return]
    if kind is ValueType.BOOLEAN:
        return [code == 1 for code in raw]
    if kind is ValueType.DATE:
        return [_dt.date.fromordinal(code) for code in raw]
    codes = column.variable.category_codes()
    return [codes[code] for code in raw]


# -- one variable's column ---------------------------------------------------------------------
def prepare(np: Any, variable: Variable, raw: Any, count: int, skip_nulls: bool) -> Prepared:
    kind = type(raw).__module__.split(".", 1)[0]
    if kind == "pandas":
        raw = raw.astype(object).where(raw.notna(), None).tolist()
        kind = "builtins"
    if len(raw) != count:
        raise Refused
    if kind == "polars":
        found = _from_polars(np, variable, raw)
        if found is not None:
            return checked(np, found, skip_nulls)
        raw = raw.to_list()
    elif kind == "numpy":
        found = _from_numpy(np, variable, raw)
        if found is not None:
            return checked(np, found, skip_nulls)
        raw = raw.tolist()
    return _from_values(np, variable, raw, skip_nulls)


def _from_polars(np: Any, variable: Variable, series: Any) -> Prepared | None:
    import polars as pl

    dtype = series.dtype
    valid = series.is_not_null().to_numpy()
    if variable.type in _MASKED and (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
        scale = dtype.scale if isinstance(dtype, pl.Decimal) else 0
        if scale and variable.type is ValueType.INTEGER:
            return None
        physical = series.to_physical().fill_null(0)
        if len(physical) and (physical.min() < -_INT64 or physical.max() > _INT64):
            raise Refused
        data = physical.cast(pl.Int64).to_numpy()
        return Prepared(variable, data, valid, scale)
    if variable.type is ValueType.BOOLEAN and dtype == pl.Boolean:
        data = series.cast(pl.Int8).fill_null(-1).to_numpy().astype(np.int16)
        return Prepared(variable, data, valid)
    if variable.type is ValueType.CATEGORY and (
        dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ):
        texts = series.cast(pl.String)
        codes = variable.category_codes()
        if not set(texts.drop_nulls().unique().to_list()) <= set(codes):
            raise Refused
        data = texts.replace_strict(
            list(codes), list(range(len(codes))), default=None, return_dtype=pl.Int16
        )
        return Prepared(variable, data.fill_null(-1).to_numpy(), valid)
    return None


def from_polars_frame(
    np: Any, variables: Mapping[str, Variable], series: dict[str, Any]
) -> dict[str, Prepared]:
    """The polars columns of numbers, yes/no and categories, converted in one query.

    (A polars expression costs tens of microseconds to start: one query for the batch instead
    of several per column.) The columns it cannot take are left to :func:`_prepare`.
    """
    import polars as pl

    expressions = []
    planned: dict[str, tuple[Variable, int]] = {}
    numbers, booleans = [], []
    for code, column in series.items():
        variable, dtype = variables[code], column.dtype
        scale = dtype.scale if isinstance(dtype, pl.Decimal) else 0
        if variable.type in _MASKED and (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
            if scale and variable.type is ValueType.INTEGER:
                continue
            numbers.append(code)
        elif variable.type is ValueType.BOOLEAN and dtype == pl.Boolean:
            booleans.append(code)
        elif variable.type is ValueType.CATEGORY and (
            dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
        ):
            codes = variable.category_codes()
            expressions.append(
                pl.col(code)
                .cast(pl.String)
                .replace_strict(
                    list(codes), list(range(len(codes))), default=-2, return_dtype=pl.Int16
                )
            )
        else:
            continue
        planned[code] = (variable, scale)
    if not planned:
        return {}
    # One expression per kind, over all its columns (an expression's start is what costs).
    if numbers:
        expressions.append(pl.col(numbers).to_physical().fill_null(0).cast(pl.Int64, strict=True))
    if booleans:
        expressions.append(pl.col(booleans).cast(pl.Int16).fill_null(-1))
    expressions.append(pl.col(list(planned)).is_not_null().name.suffix("/valid"))
    try:
        frame = pl.DataFrame({code: series[code] for code in planned}).select(expressions)
    except pl.exceptions.PolarsError:  # a number beyond 64 bits: the row path says which
        raise Refused from None
    found = {}
    for code, (variable, scale) in planned.items():
        data = frame.get_column(code).to_numpy()
        valid = frame.get_column(f"{code}/valid").to_numpy()
        if variable.type is ValueType.CATEGORY:
            if ((data == -2) & valid).any():  # not one of the categories
                raise Refused
            data = np.where(valid, data, -1)
        elif variable.type in _MASKED and len(data) and data.min() < -_INT64:
            raise Refused
        found[code] = Prepared(variable, data, valid, scale)
    return found


def _from_numpy(np: Any, variable: Variable, values: Any) -> Prepared | None:
    kind = values.dtype.kind
    valid = np.ones(len(values), dtype=bool)
    if variable.type in _MASKED and kind in "iu":
        if kind == "u" and len(values) and int(values.max()) > _INT64:
            raise Refused
        return Prepared(variable, values.astype(np.int64), valid)
    if variable.type is ValueType.BOOLEAN and kind == "b":
        return Prepared(variable, values.astype(np.int16), valid)
    if variable.type is ValueType.CATEGORY and kind in "UO":
        import polars as pl

        return _from_polars(np, variable, pl.Series(values.astype(object), dtype=pl.String))
    return None


def _from_values(np: Any, variable: Variable, values: Any, skip_nulls: bool) -> Prepared:
    # Python values (a list, or what a frame could not hand over as numbers): checked one by
    # one as the row path checks them, then stored as one column.
    check = variable.check_value
    try:
        if skip_nulls:
            checked = [None if value is None else check(value) for value in values]
        else:
            checked = [check(value) for value in values]
        column = column_of(variable.type, checked, variable.category_codes())
    except KlasterError:
        raise Refused from None
    buffers = column.buffers()
    if variable.type is ValueType.TEXT:
        prepared = Prepared(variable, None, np.array([v is not None for v in checked], dtype=bool))
        prepared.texts = checked
        return prepared
    data = np.frombuffer(buffers.data, dtype=_DTYPES[buffers.typecode]).astype(np.int64)
    if buffers.valid is not None:
        valid = np.frombuffer(buffers.valid, dtype=np.uint8).astype(bool)
    else:
        valid = data != buffers.missing_code
    return Prepared(variable, data, valid, buffers.scale)


def checked(np: Any, column: Prepared, skip_nulls: bool) -> Prepared:
    """Check ``required`` and the bounds; normalise a decimal's scale as the row path keeps it."""
    variable = column.variable
    if variable.required and not skip_nulls and not column.valid.all():
        raise Refused
    if variable.type not in _MASKED or not column.valid.any():
        return column
    data = column.data
    while column.scale and not (data % 10).any():  # trailing zeros do not count
        data = data // 10
        column.scale -= 1
    column.data = data
    present = data[column.valid]
    low, high = int(present.min()), int(present.max())
    shift = Decimal(1).scaleb(-column.scale)
    if variable.minimum is not None and Decimal(low) * shift < variable.minimum:
        raise Refused
    if variable.maximum is not None and Decimal(high) * shift > variable.maximum:
        raise Refused
    return column


def column_at(np: Any, column: Prepared, rows: Any, targets: Any = None) -> Column[Any]:
    """The values of ``rows``, as a batch column, or laid out at ``targets`` of the numbering."""
    variable = column.variable
    length = len(rows) if targets is None else int(targets.max()) + 1
    at = np.arange(len(rows)) if targets is None else targets
    if column.texts is not None:
        texts: list[str | None] = [None] * length
        for target, row in zip(at.tolist(), rows.tolist(), strict=True):
            texts[target] = column.texts[row]
        return column_of(ValueType.TEXT, texts)
    if variable.type in _MASKED:
        data = np.zeros(length, dtype=np.int64)
        valid = np.zeros(length, dtype=np.uint8)
        data[at] = np.where(column.valid[rows], column.data[rows], 0)
        valid[at] = column.valid[rows]
        typed = _narrow(np, data, ("b", "h", "i", "q"))
        if variable.type is ValueType.DECIMAL:
            return DecimalColumn.from_buffers(typed, bytearray(valid.tobytes()), column.scale)
        return IntegerColumn.from_buffers(typed, bytearray(valid.tobytes()))
    missing = _MISSING[variable.type]
    codes = np.full(length, missing, dtype=np.int64)
    codes[at] = column.data[rows]
    if variable.type is ValueType.BOOLEAN:
        return BooleanColumn().with_codes(_array(np, codes, "b"))
    if variable.type is ValueType.DATE:
        return DateColumn().with_codes(_array(np, codes, "i"))
    categories = variable.category_codes()
    empty = CategoryColumn(categories)
    return empty.with_codes(_array(np, codes, empty.buffers().typecode))


def _narrow(np: Any, data: np.ndarray, codes: Sequence[str]) -> array[int]:
    # The narrowest typecode the row path would pick (a missing slot holds 0).
    low, high = (int(data.min()), int(data.max())) if len(data) else (0, 0)
    for code in codes:
        limit = 2 ** (8 * np.dtype(_DTYPES[code]).itemsize - 1) - 1
        if -limit <= low and high <= limit:
            return _array(np, data, code)
    raise Refused  # (beyond int64: checked before)


def _array(np: Any, data: Any, code: str) -> array[int]:
    found = array(code)
    found.frombytes(data.astype(_DTYPES[code]).tobytes())
    return found
