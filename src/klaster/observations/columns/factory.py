"""Compact typed columns: one variable's values for many units, exact and with explicit gaps.

A program of 1,000,000 members surveyed in 3 rounds on ~15 variables holds 45 million values;
as Python objects (a ``Decimal`` is about 100 bytes) that would not fit in a laptop's memory.
Columns keep them in :mod:`array` buffers instead:

============  ==================================================  ==========================
type          storage                                             missing
============  ==================================================  ==========================
decimal       scaled integers (``value × 10**scale``), ``array``   ``valid`` mask (bytearray)
integer       integers, ``array``                                 ``valid`` mask (bytearray)
boolean       ``array('b')``: 1 yes, 0 no                         code ``-1``
category      ``array('b')``/``('h')``: index into ``categories``  code ``-1``
date          ``array('i')``: proleptic Gregorian ordinals         code ``0`` (no such day)
text          ``list``                                            ``None``
============  ==================================================  ==========================

Integer storage starts with one byte per value (``'b'``) and widens (``'h'``, ``'i'``, ``'q'``)
the first time a value does not fit, so Likert items cost one byte and Rupiah amounts four
or eight. A decimal column's **scale** (the number of decimals kept) comes from the data, not
from the variable: it starts at 0 and grows when a value with more decimals arrives, and the
column is then rescaled once (every stored integer multiplied by a power of ten). Trailing zeros
do not count (``Decimal("1.50")`` needs one decimal). Values therefore come back *equal* to what
went in, all with the column's number of decimals (``1.5`` may come back as ``1.50``). A value
that cannot be held exactly in 64 bits at the column's scale (more than about 18 significant
digits) is refused, never rounded.

Missing values are explicit: a decimal or integer slot that is missing holds 0 in the data
buffer *and* 0 in the ``valid`` mask; the zero is what lets :meth:`DecimalColumn.sum` add the
whole buffer in one pass, and the mask is what keeps it from ever being read as a value.

The columns import neither numpy nor polars; :meth:`Column.buffers` hands out read-only views of
the buffers for a fast path that does. While such a view is alive the column cannot grow (Python
refuses to resize an exported array): release the views before writing again.

This module builds columns (:func:`column_of`, :func:`column_for`) and gathers every kind in one
place; each concept lives in its own module:

- :mod:`klaster.observations.columns.base`: the :class:`Column` interface, :class:`Buffers`,
  :data:`MAX_SCALE`;
- :mod:`klaster.observations.columns.numeric`: :class:`DecimalColumn`, :class:`IntegerColumn`;
- :mod:`klaster.observations.columns.coded`: :class:`BooleanColumn`, :class:`CategoryColumn`,
  :class:`DateColumn`;
- :mod:`klaster.observations.columns.text`: :class:`TextColumn`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from klaster.catalogue.variable import ValueType
from klaster.errors import ValidationError
from klaster.observations.columns.base import MAX_SCALE, Buffers, Column
from klaster.observations.columns.coded import BooleanColumn, CategoryColumn, DateColumn
from klaster.observations.columns.numeric import DecimalColumn, IntegerColumn
from klaster.observations.columns.text import TextColumn

__all__ = [
    "MAX_SCALE",
    "BooleanColumn",
    "Buffers",
    "CategoryColumn",
    "Column",
    "DateColumn",
    "DecimalColumn",
    "IntegerColumn",
    "TextColumn",
    "column_for",
    "column_of",
]


def column_for(type: ValueType | str, categories: Sequence[str] = ()) -> Column[Any]:
    """An empty column for values of ``type``.

    Args:
        type: A :class:`~klaster.catalogue.variable.ValueType` (or its value, ``"decimal"``...).
        categories: The category codes, for a category column (required for it).

    Raises:
        ValidationError: Unknown type, or a category column without categories.
    """
    return column_of(type, (), categories=categories)


def column_of(
    type: ValueType | str, values: Iterable[object], categories: Sequence[str] = ()
) -> Column[Any]:
    """A column of ``type`` holding ``values``, checked all at once (all or nothing).

    This is the fast way to build a column: a decimal column is scaled once for the most
    decimals among ``values`` instead of rescaling as values arrive.

    Args:
        type: A :class:`~klaster.catalogue.variable.ValueType` (or its value).
        values: Python values of that type, ``None`` where missing.
        categories: The category codes, for a category column.

    Raises:
        ValidationError: A value of the wrong type or that cannot be held exactly; the path is
            ``values[i]``.

    Example:
        >>> column_of("integer", [3, None, 4]).to_list()
        [3, None, 4]
    """
    kind = type if isinstance(type, ValueType) else _value_type(type)
    if kind is ValueType.DECIMAL:
        return DecimalColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.INTEGER:
        return IntegerColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.BOOLEAN:
        return BooleanColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.CATEGORY:
        return CategoryColumn(categories, values)  # type: ignore[arg-type]
    if kind is ValueType.DATE:
        return DateColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.TEXT:
        return TextColumn(values)  # type: ignore[arg-type]
    raise ValidationError(
        f"unknown value type {type!r}: use one of {', '.join(t.value for t in ValueType)}",
        path="type",
    )


def _value_type(name: str) -> ValueType | None:
    try:
        return ValueType(name)
    except ValueError:
        return None
