"""Numeric columns: exact decimals as scaled 64-bit integers, and whole numbers.

Both keep their values in the narrowest integer ``array`` that holds them plus a ``valid`` mask.
A :class:`DecimalColumn`'s scale comes from the data and grows (one rescale) when a value with
more decimals arrives; a value that cannot be held exactly in 64 bits is refused, never rounded.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import compress
from typing import ClassVar, Self, cast

from klaster.catalogue.variable import ValueType
from klaster.errors import ValidationError
from klaster.observations.columns._layouts import _Masked
from klaster.observations.columns._scaling import _POW10, _decimals, _ratio, _scaled, _unscale
from klaster.observations.columns._storage import (
    _INT64,
    _check_index,
    _fit_code,
    _not_found,
    _too_big,
    _wrong,
)
from klaster.observations.columns.base import MAX_SCALE, Buffers

__all__ = ["DecimalColumn", "IntegerColumn"]


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
            self.extend(cast(Iterable[Decimal | None], values))  # ints are read as Decimal

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
            raise _not_found(index, len(self._valid))
        if not self._valid[index]:
            return None
        return _unscale(self._data[index], self._scale)

    def sum(self) -> Decimal:
        """Exact sum of the values present (``0`` when none is: check :meth:`count`)."""
        # Missing slots hold 0, so the whole buffer adds up to the sum of the present values.
        return _unscale(sum(self._data), self._scale)

    def min(self) -> Decimal | None:
        """Smallest value present, or ``None``."""
        found = min(compress(self._data, self._valid), default=None)
        return None if found is None else _unscale(found, self._scale)

    def max(self) -> Decimal | None:
        """Largest value present, or ``None``."""
        found = max(compress(self._data, self._valid), default=None)
        return None if found is None else _unscale(found, self._scale)

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
        _check_index(index)
        if value is None:
            self._store(index, None)
            return
        numerator, denominator = _ratio(value, None)
        needed = _decimals(denominator)
        if needed > self._scale:
            self._rescale(needed, numerator, denominator)
        raw = _scaled(numerator, denominator, self._scale)
        if abs(raw) > _INT64:
            raise _too_big(None, self._scale)
        self._store(index, raw)

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = type(self)()
        other._scale = self._scale
        self._take_into(other, indices)
        return other

    def _check_merge(self, batch: Self) -> None:
        scale = max(self._scale, batch._scale)
        for column in (self, batch):
            if column._data:
                factor = _POW10[scale - column._scale]
                if max(max(column._data), -min(column._data)) * factor > _INT64:
                    raise _too_big(None, scale)

    def _merge(self, indices: Iterable[int], batch: Self) -> None:
        if batch._scale > self._scale:
            self._apply_scale(batch._scale)
        self._merge_raw(indices, batch, _POW10[self._scale - batch._scale])

    def _rescale(self, scale: int, numerator: int, denominator: int) -> None:
        if scale > MAX_SCALE:
            raise ValidationError(
                f"has more than {MAX_SCALE} decimals; round it to the precision the survey measures"
            )
        if abs(_scaled(numerator, denominator, scale)) > _INT64:
            raise _too_big(None, scale)
        probe = DecimalColumn()
        probe._scale = scale
        self._check_merge(probe)  # the stored values still fit at the new scale
        self._apply_scale(scale)

    def _apply_scale(self, scale: int) -> None:
        factor = _POW10[scale - self._scale]
        if self._data:
            low, high = min(self._data) * factor, max(self._data) * factor
            code = _fit_code(self._data.typecode, low, high)
            # A new array: views exported by buffers() keep the old one intact.
            self._data = array(code, [raw * factor for raw in self._data])
        self._scale = scale

    @classmethod
    def _from(cls, values: Iterable[object]) -> DecimalColumn:
        column = cls()
        ratios: list[tuple[int, int] | None] = []
        scale = 0
        for index, value in enumerate(values):
            if value is None:
                ratios.append(None)
                continue
            numerator, denominator = _ratio(value, index)
            if denominator != 1:
                scale = max(scale, _decimals(denominator))
                if scale > MAX_SCALE:
                    raise ValidationError(
                        f"has more than {MAX_SCALE} decimals; round it to the precision the "
                        "survey measures",
                        path=f"values[{index}]",
                    )
            ratios.append((numerator, denominator))
        factor = _POW10[scale]
        raws = [0 if r is None else (r[0] * factor) // r[1] for r in ratios]
        for index, raw in enumerate(raws):
            if abs(raw) > _INT64:
                raise _too_big(index, scale)
        low, high = (min(raws), max(raws)) if raws else (0, 0)
        column._data = array(_fit_code("b", low, high), raws)
        column._valid = bytearray(0 if r is None else 1 for r in ratios)
        column._scale = scale
        return column


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
            self.extend(values)

    def __iter__(self) -> Iterator[int | None]:
        for raw, ok in zip(self._data, self._valid, strict=True):
            yield raw if ok else None

    def __getitem__(self, index: int) -> int | None:
        if not 0 <= index < len(self._valid):
            raise _not_found(index, len(self._valid))
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
        _check_index(index)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _wrong(value, None, "an int")
            if abs(value) > _INT64:
                raise _too_big(None, 0)
        self._store(index, value)

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = type(self)()
        self._take_into(other, indices)
        return other

    def _merge(self, indices: Iterable[int], batch: Self) -> None:
        self._merge_raw(indices, batch, 1)

    @classmethod
    def _from(cls, values: Iterable[object]) -> IntegerColumn:
        raws: list[int] = []
        valid = bytearray()
        for index, value in enumerate(values):
            if value is None:
                raws.append(0)
                valid.append(0)
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise _wrong(value, index, "an int")
            if abs(value) > _INT64:
                raise _too_big(index, 0)
            raws.append(value)
            valid.append(1)
        column = cls()
        low, high = (min(raws), max(raws)) if raws else (0, 0)
        column._data = array(_fit_code("b", low, high), raws)
        column._valid = valid
        return column
