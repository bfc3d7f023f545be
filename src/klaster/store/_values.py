"""How observation values are held in the ``value`` column, exactly and compactly.

============  ==============================================================
type          stored as
============  ==============================================================
decimal       INTEGER: ``value × 10**scale``, the variable's ``scale`` column
integer       INTEGER
boolean       INTEGER 1 or 0
category      TEXT: the category code
text          TEXT
date          TEXT: ISO date ``YYYY-MM-DD``
============  ==============================================================

A variable's scale is the most decimals any of its values needs (trailing zeros do not count),
at most 18; a value needing more rescales the stored ones once. ``NULL`` is a value recorded as
missing. Encoding a whole column at a time keeps the per-value work in C (``map``, ``min``,
list comparison) because an import writes millions of values.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from operator import is_
from typing import Any

from klaster.catalogue.variable import ValueType, Variable

MAX_SCALE = 18
_INT64 = 2**63 - 1
_NONE = type(None)


class BadValue(Exception):
    """A value that cannot be stored: its position in the column and what would be valid."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(index, message)
        self.index = index
        self.message = message


def encode(variable: Variable, values: Sequence[Any], scale: int) -> tuple[Sequence[Any], int]:
    """The stored form of ``values`` (``None`` stays ``None``) and the scale it needs.

    Args:
        variable: The values' variable (type, bounds, categories, required).
        values: One checked value per row, ``None`` where missing.
        scale: The variable's stored scale (decimals only); the result may need a larger one.

    Raises:
        BadValue: A value of the wrong type, out of bounds or not a category, a missing
            required value, or a number that does not fit 64 bits.
    """
    # An identity test: `None in values` would call Decimal.__eq__ once per value.
    if variable.required and any(map(partial(is_, None), values)):
        raise BadValue(_first(values, lambda v: v is None), f"{_what(variable)} is required")
    return _ENCODERS[variable.type](variable, values, scale)


def _first(values: Sequence[Any], bad: Callable[[Any], bool]) -> int:
    return next((i for i, v in enumerate(values) if bad(v)), 0)


def _what(variable: Variable) -> str:
    unit = f", {variable.unit}" if variable.unit else ""
    return f"{variable.label.en} ({variable.type.value}{unit})"


def _only(variable: Variable, values: Sequence[Any], kinds: tuple[type, ...], hint: str) -> None:
    if not set(map(type, values)) <= {*kinds, _NONE}:
        index = _first(values, lambda v: v is not None and type(v) not in kinds)
        raise BadValue(
            index, f"{_what(variable)} must be {hint}, got {type(values[index]).__name__}"
        )


def _bounds(variable: Variable, values: Sequence[Any], present: list[Any]) -> None:
    if not present:
        return
    low, high = variable.minimum, variable.maximum
    if low is not None and min(present) < low:
        raise BadValue(
            _first(values, lambda v: v is not None and v < low),
            f"{variable.label.en} is below the minimum {low}",
        )
    if high is not None and max(present) > high:
        raise BadValue(
            _first(values, lambda v: v is not None and v > high),
            f"{variable.label.en} is above the maximum {high}",
        )


def _fits(encoded: Sequence[Any]) -> None:
    present = [v for v in encoded if v is not None]
    if present and max(max(present), -min(present)) > _INT64:
        index = _first(encoded, lambda v: v is not None and abs(v) > _INT64)
        raise BadValue(index, "has more digits than a 64-bit integer holds; round it")


def _decimals(variable: Variable, values: Sequence[Any], scale: int) -> tuple[list[Any], int]:
    _only(variable, values, (Decimal, int), "a number (Decimal)")
    try:
        whole = [None if v is None else int(v) for v in values]
    except (ValueError, OverflowError, InvalidOperation):
        index = _first(values, lambda v: isinstance(v, Decimal) and not v.is_finite())
        raise BadValue(index, f"{_what(variable)} must be a finite number") from None
    present = [v for v in values if v is not None]
    _bounds(variable, values, present)
    needed = 0
    if whole != list(values):  # some value has a fraction
        needed = max(-v.normalize().as_tuple().exponent for v in present if v != int(v))
    new_scale = max(scale, needed)
    if new_scale > MAX_SCALE:
        index = _first(
            values,
            lambda v: (
                v is not None and v != int(v) and -v.normalize().as_tuple().exponent > MAX_SCALE
            ),
        )
        raise BadValue(
            index, f"has more than {MAX_SCALE} decimals; round it to the precision measured"
        )
    if new_scale == 0:
        encoded = whole
    else:
        factor = 10**new_scale
        encoded = [
            None
            if v is None
            else int(Decimal(v).scaleb(new_scale))
            if isinstance(v, Decimal)
            else v * factor
            for v in values
        ]
    _fits(encoded)
    return encoded, new_scale


def _integers(variable: Variable, values: Sequence[Any], scale: int) -> tuple[Sequence[Any], int]:
    _only(variable, values, (int,), "a whole number")
    present = [v for v in values if v is not None]
    _bounds(variable, values, present)
    _fits(values)
    return values, scale


def _booleans(variable: Variable, values: Sequence[Any], scale: int) -> tuple[Sequence[Any], int]:
    _only(variable, values, (bool,), "true or false")
    return values, scale  # sqlite3 binds True and False as the integers 1 and 0


def _categories(variable: Variable, values: Sequence[Any], scale: int) -> tuple[Sequence[Any], int]:
    _only(variable, values, (str,), "a category code")
    codes = set(variable.category_codes())
    if not set(values) - {None} <= codes:
        index = _first(values, lambda v: v is not None and v not in codes)
        raise BadValue(index, f"{_what(variable)} must be one of {', '.join(sorted(codes))}")
    return values, scale


def _texts(variable: Variable, values: Sequence[Any], scale: int) -> tuple[Sequence[Any], int]:
    _only(variable, values, (str,), "a non-empty text")
    if any(v is not None and not v.strip() for v in values):
        index = _first(values, lambda v: v is not None and not v.strip())
        raise BadValue(index, f"{_what(variable)} must be a non-empty text")
    return values, scale


def _dates(variable: Variable, values: Sequence[Any], scale: int) -> tuple[list[Any], int]:
    _only(variable, values, (_dt.date,), "a date")
    return [None if v is None else v.isoformat() for v in values], scale


_ENCODERS: dict[ValueType, Callable[[Variable, Sequence[Any], int], tuple[Sequence[Any], int]]] = {
    ValueType.DECIMAL: _decimals,
    ValueType.INTEGER: _integers,
    ValueType.BOOLEAN: _booleans,
    ValueType.CATEGORY: _categories,
    ValueType.TEXT: _texts,
    ValueType.DATE: _dates,
}


def decoder(kind: ValueType, scale: int) -> Callable[[Any], Any]:
    """How a stored value becomes what :meth:`Variable.check_value` reads (it checks it then)."""
    if kind is ValueType.DECIMAL:
        if scale == 0:
            return lambda raw: Decimal(raw) if type(raw) is int else raw
        suffix = f"E-{scale}"
        # From text: exact whatever the decimal context's precision.
        return lambda raw: Decimal(f"{raw}{suffix}") if type(raw) is int else raw
    if kind is ValueType.BOOLEAN:
        return lambda raw: bool(raw) if raw in (0, 1) and type(raw) is int else raw
    return lambda raw: raw


def canonical(kind: ValueType, scale: int) -> Callable[[Any], Any]:
    """How a stored value becomes its canonical Python type, without checking it again.

    Stored values were checked when written; a date is the one type stored as text.
    """
    if kind is ValueType.DATE:
        return _date
    return decoder(kind, scale)


def _date(raw: Any) -> Any:
    if type(raw) is str:
        try:
            return _dt.date.fromisoformat(raw)
        except ValueError:  # changed outside klaster: passed on as stored
            return raw
    return raw


def rescale_sql(factor: int) -> str:
    """The UPDATE that multiplies a variable's stored values by ``factor`` (a power of ten)."""
    return (
        f"UPDATE observation_values SET value = value * {int(factor)} "
        "WHERE variable_key = ? AND value IS NOT NULL"
    )
