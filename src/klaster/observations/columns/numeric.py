"""Numeric columns: exact decimals as scaled 64-bit integers, and whole numbers.

Both keep their values in the narrowest integer ``array`` that holds them plus a ``valid`` mask
(the layout :class:`_Masked` they share); a missing slot holds 0 so that a sum can add the whole
buffer. A :class:`DecimalColumn`'s scale comes from the data and grows (one rescale) when a value
with more decimals arrives; a value that cannot be held exactly in 64 bits is refused, never
rounded.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import compress
from typing import Any, ClassVar, Self

from klaster.catalogue.variable import ValueType
from klaster.observations.columns._buffers import (
    INT64,
    check_index,
    fit_code,
    grow,
    not_found,
    too_big,
    too_many_decimals,
    wrong,
)
from klaster.observations.columns._scaling import POW10, decimals, ratio, scaled, unscale
from klaster.observations.columns.base import MAX_SCALE, Buffers, Column, T

__all__ = ["DecimalColumn", "IntegerColumn"]


class _Masked(Column[T]):
    """Integers in an auto-widening ``array`` plus a ``valid`` mask; missing slots hold 0."""

    __slots__ = ("_data", "_valid")

    def __init__(self) -> None:
        self._data: array[int] = array("b")
        self._valid = bytearray()

    def __len__(self) -> int:
        return len(self._valid)

    def valid(self) -> bytes:
        """One byte per slot: 1 where a value is present, 0 where it is missing."""
        return bytes(self._valid)

    def count(self) -> int:
        """Number of values present (missing ones are not counted)."""
        return self._valid.count(1)

    def nbytes(self) -> int:
        """Bytes used by the values' buffers (not counting the Python object itself)."""
        return len(self._data) * self._data.itemsize + len(self._valid)

    def pad(self, length: int) -> None:
        """Append missing values until the column is ``length`` long (no-op if longer)."""
        extra = length - len(self._valid)
        if extra > 0:
            grow(self._data, extra, 0)
            grow(self._valid, extra, 0)

    def stored(self) -> tuple[array[int], bytearray, int]:
        """The stored integers, valid mask and scale themselves (internal interface).

        For readers joining thousands of columns end to end (the columnar fast path reads a
        column per cluster and round): no :class:`Buffers` or view per column. The caller copies
        them at once (``bytes.join``) and keeps no reference: a write may replace them.
        """
        return self._data, self._valid, 0

    def _buffers(self, scale: int) -> Buffers:
        return Buffers(
            type=self.type,
            data=memoryview(self._data).toreadonly(),
            typecode=self._data.typecode,
            valid=memoryview(self._valid).toreadonly(),
            scale=scale,
        )

    @classmethod
    def from_buffers(cls, data: array[int], valid: bytearray, scale: int = 0) -> Self:
        """A column of checked (scaled) ``data``, 0 where missing, and ``valid`` (internal)."""
        column = cls()
        column._data, column._valid = data, valid
        if scale:  # (a DecimalColumn)
            column._scale = scale  # type: ignore[attr-defined]
        return column

    def _take_into(self, other: _Masked[Any], indices: Iterable[int]) -> None:
        picked = list(indices)
        length = len(self._valid)
        for index in picked:
            if not 0 <= index < length:
                raise not_found(index, length)
        other._data = array(self._data.typecode, map(self._data.__getitem__, picked))
        other._valid = bytearray(map(self._valid.__getitem__, picked))

    def _widen_for(self, low: int, high: int) -> None:
        code = fit_code(self._data.typecode, low, high)
        if code != self._data.typecode:
            # A new array: views exported by buffers() keep the old one intact.
            self._data = array(code, self._data)

    def _store(self, index: int, raw: int | None) -> None:
        self.pad(index + 1)
        if raw is not None:
            self._widen_for(raw, raw)
        self._data[index] = 0 if raw is None else raw
        self._valid[index] = 0 if raw is None else 1

    def _merge_raw(self, indices: Iterable[int], batch: _Masked[Any], factor: int) -> None:
        targets = list(indices)
        if not targets:
            return
        self.pad(max(targets) + 1)
        data, valid = batch._data, batch._valid
        if data:
            low, high = min(data), max(data)
            self._widen_for(low * factor, high * factor)
        mine, mine_valid = self._data, self._valid
        raws = data if factor == 1 else [raw * factor for raw in data]
        for target, raw, ok in zip(targets, raws, valid, strict=True):
            mine[target] = raw
            mine_valid[target] = ok


class DecimalColumn(_Masked[Decimal]):
    """Exact decimal values (Rupiah amounts, kilograms, rates) as scaled 64-bit integers.

    Args:
        values: Initial values: ``Decimal``, ``int`` or ``None`` (floats are refused).

    Example:
        >>> col = DecimalColumn([Decimal("1500000"), None, Decimal("2750000.25")])
        >>> col.sum(), col.count(), col.scale
        (Decimal('4250000.25'), 2, 2)
        >>> col.to_list()
        [Decimal('1500000.00'), None, Decimal('2750000.25')]
    """

    __slots__ = ("_scale",)
    type: ClassVar[ValueType] = ValueType.DECIMAL

    def __init__(self, values: Iterable[Decimal | int | None] = ()) -> None:
        super().__init__()
        self._scale = 0
        if values != ():
            self._load(values)  # empty: fill at once, scaled once for the most decimals

    @property
    def scale(self) -> int:
        """Decimals kept: every value is stored as ``value × 10**scale``."""
        return self._scale

    def __iter__(self) -> Iterator[Decimal | None]:
        scale = self._scale
        if scale == 0:
            for raw, ok in zip(self._data, self._valid, strict=True):
                yield Decimal(raw) if ok else None
        else:
            suffix = f"E-{scale}"
            for raw, ok in zip(self._data, self._valid, strict=True):
                # From text: exact whatever the thread's decimal context precision.
                yield Decimal(f"{raw}{suffix}") if ok else None

    def __getitem__(self, index: int) -> Decimal | None:
        if not 0 <= index < len(self._valid):
            raise not_found(index, len(self._valid))
        if not self._valid[index]:
            return None
        return unscale(self._data[index], self._scale)

    def sum(self) -> Decimal:
        """Exact sum of the values present (``0`` when none is: check :meth:`count`)."""
        # Missing slots hold 0, so the whole buffer adds up to the sum of the present values.
        return unscale(sum(self._data), self._scale)

    def min(self) -> Decimal | None:
        """Smallest value present, or ``None``."""
        found = min(compress(self._data, self._valid), default=None)
        return None if found is None else unscale(found, self._scale)

    def max(self) -> Decimal | None:
        """Largest value present, or ``None``."""
        found = max(compress(self._data, self._valid), default=None)
        return None if found is None else unscale(found, self._scale)

    def texts(self) -> Iterator[str | None]:
        """The values as exact plain-notation strings (``"1250000.50"``), ``None`` if missing.

        Faster than formatting each ``Decimal``: for CSV and JSON exports.
        """
        scale = self._scale
        if scale == 0:
            for raw, ok in zip(self._data, self._valid, strict=True):
                yield str(raw) if ok else None
            return
        for raw, ok in zip(self._data, self._valid, strict=True):
            if not ok:
                yield None
                continue
            digits = str(-raw if raw < 0 else raw).rjust(scale + 1, "0")
            yield ("-" if raw < 0 else "") + digits[:-scale] + "." + digits[-scale:]

    def stored(self) -> tuple[array[int], bytearray, int]:
        """See :meth:`_Masked.stored`: the scaled integers, valid mask and scale (internal)."""
        return self._data, self._valid, self._scale

    def scaled(self) -> array[int]:
        """A copy of the scaled integers (``value × 10**scale``; 0 where missing)."""
        return array("q", self._data)

    def buffers(self) -> Buffers:
        """Read-only views: scaled integers, ``valid`` mask and ``scale`` (see :class:`Buffers`)."""
        return self._buffers(self._scale)

    def set(self, index: int, value: Decimal | int | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: Not a finite ``Decimal``/``int``, or more digits than 64 bits hold.
        """
        check_index(index)
        if value is None:
            self._store(index, None)
            return
        numerator, denominator = ratio(value, None)
        needed = decimals(denominator)
        if needed > self._scale:
            self._rescale(needed, numerator, denominator)
        raw = scaled(numerator, denominator, self._scale)
        if abs(raw) > INT64:
            raise too_big(None, self._scale)
        self._store(index, raw)

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = type(self)()
        other._scale = self._scale
        self._take_into(other, indices)
        return other

    def check_merge(self, batch: Self) -> None:
        """See :meth:`Column.check_merge` (internal)."""
        scale = max(self._scale, batch._scale)
        for column in (self, batch):
            if column._data:
                factor = POW10[scale - column._scale]
                if max(max(column._data), -min(column._data)) * factor > INT64:
                    raise too_big(None, scale)

    def merge(self, indices: Iterable[int], batch: Self) -> None:
        """See :meth:`Column.merge` (internal)."""
        if batch._scale > self._scale:
            self._apply_scale(batch._scale)
        self._merge_raw(indices, batch, POW10[self._scale - batch._scale])

    def _rescale(self, scale: int, numerator: int, denominator: int) -> None:
        if scale > MAX_SCALE:
            raise too_many_decimals(None)
        if abs(scaled(numerator, denominator, scale)) > INT64:
            raise too_big(None, scale)
        probe = DecimalColumn()
        probe._scale = scale
        self.check_merge(probe)  # the stored values still fit at the new scale
        self._apply_scale(scale)

    def _apply_scale(self, scale: int) -> None:
        factor = POW10[scale - self._scale]
        if self._data:
            low, high = min(self._data) * factor, max(self._data) * factor
            code = fit_code(self._data.typecode, low, high)
            # A new array: views exported by buffers() keep the old one intact.
            self._data = array(code, [raw * factor for raw in self._data])
        self._scale = scale

    def _batch_of(self, values: Iterable[object]) -> Self:
        return type(self)()._load(values)

    def _load(self, values: Iterable[object]) -> Self:
        ratios: list[tuple[int, int] | None] = []
        scale = 0
        for index, value in enumerate(values):
            if value is None:
                ratios.append(None)
                continue
            numerator, denominator = ratio(value, index)
            if denominator != 1:
                scale = max(scale, decimals(denominator))
                if scale > MAX_SCALE:
                    raise too_many_decimals(index)
            ratios.append((numerator, denominator))
        factor = POW10[scale]
        raws = [0 if r is None else (r[0] * factor) // r[1] for r in ratios]
        for index, raw in enumerate(raws):
            if abs(raw) > INT64:
                raise too_big(index, scale)
        low, high = (min(raws), max(raws)) if raws else (0, 0)
        self._data = array(fit_code("b", low, high), raws)
        self._valid = bytearray(0 if r is None else 1 for r in ratios)
        self._scale = scale
        return self


class IntegerColumn(_Masked[int]):
    """Whole numbers (heads of cattle, workers, scores) in the narrowest integer array.

    Args:
        values: Initial values: ``int`` or ``None``.

    Example:
        >>> col = IntegerColumn([4, None, 5])
        >>> col.sum(), col.count(), col.buffers().typecode
        (9, 2, 'b')
    """

    __slots__ = ()
    type: ClassVar[ValueType] = ValueType.INTEGER

    def __init__(self, values: Iterable[int | None] = ()) -> None:
        super().__init__()
        if values != ():
            self._load(values)

    def __iter__(self) -> Iterator[int | None]:
        for raw, ok in zip(self._data, self._valid, strict=True):
            yield raw if ok else None

    def __getitem__(self, index: int) -> int | None:
        if not 0 <= index < len(self._valid):
            raise not_found(index, len(self._valid))
        return self._data[index] if self._valid[index] else None

    def sum(self) -> int:
        """Sum of the values present (``0`` when none is: check :meth:`count`)."""
        return sum(self._data)

    def min(self) -> int | None:
        """Smallest value present, or ``None``."""
        return min(compress(self._data, self._valid), default=None)

    def max(self) -> int | None:
        """Largest value present, or ``None``."""
        return max(compress(self._data, self._valid), default=None)

    def buffers(self) -> Buffers:
        """Read-only views: integers and ``valid`` mask (see :class:`Buffers`)."""
        return self._buffers(0)

    def set(self, index: int, value: int | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: Not an ``int``, or beyond 64 bits.
        """
        check_index(index)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong(value, None, "an int")
            if abs(value) > INT64:
                raise too_big(None, 0)
        self._store(index, value)

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = type(self)()
        self._take_into(other, indices)
        return other

    def merge(self, indices: Iterable[int], batch: Self) -> None:
        """See :meth:`Column.merge` (internal)."""
        self._merge_raw(indices, batch, 1)

    def _batch_of(self, values: Iterable[object]) -> Self:
        return type(self)()._load(values)

    def _load(self, values: Iterable[object]) -> Self:
        raws: list[int] = []
        valid = bytearray()
        for index, value in enumerate(values):
            if value is None:
                raws.append(0)
                valid.append(0)
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong(value, index, "an int")
            if abs(value) > INT64:
                raise too_big(index, 0)
            raws.append(value)
            valid.append(1)
        low, high = (min(raws), max(raws)) if raws else (0, 0)
        self._data = array(fit_code("b", low, high), raws)
        self._valid = valid
        return self
