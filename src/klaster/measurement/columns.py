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
"""

from __future__ import annotations

import abc
import datetime as _dt
from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import compress, repeat
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

from attrs import frozen

from klaster.errors import NotFoundError, ValidationError
from klaster.variable import ValueType

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

T = TypeVar("T")

MAX_SCALE = 18
"""Most decimals a decimal column keeps: beyond it no useful value fits in 64 bits."""

_INT_CODES = ("b", "h", "i", "q")
_LIMIT = {code: 2 ** (8 * array(code).itemsize - 1) - 1 for code in _INT_CODES}
# -2**63 is left out so that negating any stored value stays in range.
_INT64 = _LIMIT["q"]
_POW10: list[int] = [10**k for k in range(MAX_SCALE + 1)]


@frozen
class Buffers:
    """Read-only views of a column's storage, for numpy/polars without copying.

    ``numpy.frombuffer(b.data, dtype=b.typecode)`` gives the raw numbers; ``b.valid`` (1 = value
    present) or ``b.missing_code`` says which are missing; decimal values are ``data / 10**scale``.

    Args:
        type: The column's :class:`~klaster.variable.ValueType`.
        data: The values' buffer (a read-only ``memoryview``), or for text a tuple of strings and
            ``None``.
        typecode: The :mod:`array` typecode of ``data`` (``"b"``, ``"h"``, ``"i"``, ``"q"``);
            empty for text.
        valid: For decimal and integer columns, one byte per value: 1 present, 0 missing.
        missing_code: For boolean, category and date columns, the code that marks a gap.
        scale: For decimal columns, the number of decimals: value = ``data / 10**scale``.
        categories: For category columns, the code of each index.
    """

    type: ValueType
    data: memoryview | tuple[str | None, ...]
    typecode: str
    valid: memoryview | None = None
    missing_code: int | None = None
    scale: int = 0
    categories: tuple[str, ...] = ()


class Column(abc.ABC, Generic[T]):
    """The values of one variable for many units, in order, with explicit missing values.

    Iterating yields Python values (``Decimal``, ``int``, ``bool``, ``str``, ``date``) and
    ``None`` where a value is missing. Writing at an index past the end pads with missing values.

    Subclasses: :class:`DecimalColumn`, :class:`IntegerColumn`, :class:`BooleanColumn`,
    :class:`CategoryColumn`, :class:`DateColumn`, :class:`TextColumn`.
    """

    __slots__ = ()

    type: ClassVar[ValueType]
    """The kind of values held."""

    # -- reading --------------------------------------------------------------------------------
    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def __iter__(self) -> Iterator[T | None]: ...

    @abc.abstractmethod
    def __getitem__(self, index: int) -> T | None: ...

    @abc.abstractmethod
    def valid(self) -> bytes:
        """One byte per slot: 1 where a value is present, 0 where it is missing."""

    def count(self) -> int:
        """Number of values present (missing ones are not counted)."""
        return self.valid().count(1)

    def missing(self) -> int:
        """Number of missing values."""
        return len(self) - self.count()

    def to_list(self) -> list[T | None]:
        """The values as a list of Python values, ``None`` where missing."""
        return list(self)

    def present(self) -> Iterator[T]:
        """The values that are present, in order (missing ones skipped)."""
        return (value for value in self if value is not None)

    @abc.abstractmethod
    def buffers(self) -> Buffers:
        """Read-only views of the storage (see :class:`Buffers`); no copy is made.

        The column cannot grow while a view is alive; a rescale or widening replaces the
        storage, so take the buffers again after writing.
        """

    @abc.abstractmethod
    def nbytes(self) -> int:
        """Bytes used by the values' buffers (not counting the Python object itself)."""

    # -- writing --------------------------------------------------------------------------------
    @abc.abstractmethod
    def set(self, index: int, value: T | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: The value has the wrong type or cannot be stored exactly.
        """

    @abc.abstractmethod
    def pad(self, length: int) -> None:
        """Append missing values until the column is ``length`` long (no-op if longer)."""

    def append(self, value: T | None) -> None:
        """Append one value (``None`` for missing)."""
        self.set(len(self), value)

    def extend(self, values: Iterable[T | None]) -> None:
        """Append values in order; if one is refused, none is appended.

        Raises:
            ValidationError: A value has the wrong type or cannot be stored exactly; the path
                gives its position in ``values``.
        """
        batch = cast(Self, column_of(self.type, values, categories=self._categories()))
        self._check_merge(batch)
        start = len(self)
        self._merge(range(start, start + len(batch)), batch)

    # -- derived columns ------------------------------------------------------------------------
    @abc.abstractmethod
    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""

    def copy(self) -> Self:
        """An independent copy."""
        return self.take(range(len(self)))

    # -- comparison and display ----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Column):
            return NotImplemented
        return (
            self.type is other.type
            and self._categories() == other._categories()
            and self.to_list() == other.to_list()
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)} values, {self.missing()} missing>"

    # -- internals shared with Observations -----------------------------------------------------
    def _categories(self) -> tuple[str, ...]:
        return ()

    def _check_merge(self, batch: Self) -> None:
        """Raise, changing nothing, if :meth:`_merge` of ``batch`` could not be done."""

    @abc.abstractmethod
    def _merge(self, indices: Iterable[int], batch: Self) -> None:
        """Write ``batch[k]`` at ``indices[k]`` (after :meth:`_check_merge`)."""


def _check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValidationError(f"a column index is a whole number from 0, got {index!r}")


def _not_found(index: int, length: int) -> NotFoundError:
    return NotFoundError(f"index {index} is out of range: the column has {length} values")


def _grow(buffer: array[int] | bytearray, count: int, fill: int) -> None:
    try:
        buffer.extend(repeat(fill, count))
    except BufferError:
        raise ValidationError(
            "the column's buffers are exported (see buffers()); release the views before "
            "writing to the column"
        ) from None


def _wrong(value: object, index: int | None, expected: str) -> ValidationError:
    # Survey answers are personal data: name the type, never the value.
    if isinstance(value, float):
        got = "a float: pass a Decimal or a string such as '12.5' (floats are not exact)"
    else:
        got = type(value).__name__
    return ValidationError(
        f"must be {expected} or None, got {got}",
        path=None if index is None else f"values[{index}]",
    )


def _fit_code(code: str, low: int, high: int) -> str:
    # The narrowest integer typecode (from the current one up) that holds low..high.
    for candidate in _INT_CODES[_INT_CODES.index(code) :]:
        if -_LIMIT[candidate] <= low and high <= _LIMIT[candidate]:
            return candidate
    raise AssertionError("checked against int64 before")  # pragma: no cover


# -- decimal and integer ------------------------------------------------------------------------


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
            _grow(self._data, extra, 0)
            _grow(self._valid, extra, 0)

    def _buffers(self, scale: int) -> Buffers:
        return Buffers(
            type=self.type,
            data=memoryview(self._data).toreadonly(),
            typecode=self._data.typecode,
            valid=memoryview(self._valid).toreadonly(),
            scale=scale,
        )

    def _take_into(self, other: _Masked[Any], indices: Iterable[int]) -> None:
        picked = list(indices)
        length = len(self._valid)
        for index in picked:
            if not 0 <= index < length:
                raise _not_found(index, length)
        other._data = array(self._data.typecode, map(self._data.__getitem__, picked))
        other._valid = bytearray(map(self._valid.__getitem__, picked))

    def _widen_for(self, low: int, high: int) -> None:
        code = _fit_code(self._data.typecode, low, high)
        if code != self._data.typecode:
            # A new array: views exported by buffers() keep the old one intact.
            self._data = array(code, self._data)

    def _store(self, index: int, raw: int | None) -> None:
        self.pad(index + 1)
        if raw is None:
            self._data[index] = 0
            self._valid[index] = 0
        else:
            self._widen_for(raw, raw)
            self._data[index] = raw
            self._valid[index] = 1

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
        if factor == 1:
            for target, raw, ok in zip(targets, data, valid, strict=True):
                mine[target] = raw
                mine_valid[target] = ok
        else:
            for target, raw, ok in zip(targets, data, valid, strict=True):
                mine[target] = raw * factor
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


def _ratio(value: object, index: int | None) -> tuple[int, int]:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(
                "must be a finite number", path=None if index is None else f"values[{index}]"
            )
        return value.as_integer_ratio()
    if isinstance(value, int) and not isinstance(value, bool):
        return value, 1
    raise _wrong(value, index, "a Decimal or int")


def _decimals(denominator: int) -> int:
    # A decimal's denominator is 2**a * 5**b: the decimals it needs are max(a, b).
    if denominator == 1:
        return 0
    for k in range(1, MAX_SCALE + 1):
        if _POW10[k] % denominator == 0:
            return k
    return MAX_SCALE + 1


def _scaled(numerator: int, denominator: int, scale: int) -> int:
    return (numerator * _POW10[scale]) // denominator


def _unscale(raw: int, scale: int) -> Decimal:
    return Decimal(raw) if scale == 0 else Decimal(f"{raw}E-{scale}")


def _too_big(index: int | None, scale: int) -> ValidationError:
    return ValidationError(
        f"cannot be stored exactly: with {scale} decimals it needs more than 64 bits "
        "(about 18 significant digits)",
        path=None if index is None else f"values[{index}]",
    )


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


# -- coded columns: boolean, category, date -----------------------------------------------------


class _Coded(Column[T]):
    """Values as small integer codes in one ``array``, with one code meaning "missing"."""

    __slots__ = ("_codes",)
    _missing_code: ClassVar[int]
    _typecode: ClassVar[str]

    def __init__(self) -> None:
        self._codes: array[int] = array(self._typecode)

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[T | None]:
        decode, missing = self._decode, self._missing_code
        for code in self._codes:
            yield None if code == missing else decode(code)

    def __getitem__(self, index: int) -> T | None:
        if not 0 <= index < len(self._codes):
            raise _not_found(index, len(self._codes))
        code = self._codes[index]
        return None if code == self._missing_code else self._decode(code)

    def valid(self) -> bytes:
        """One byte per slot: 1 where a value is present, 0 where it is missing."""
        missing = self._missing_code
        return bytes(code != missing for code in self._codes)

    def count(self) -> int:
        """Number of values present (missing ones are not counted)."""
        return len(self._codes) - self._codes.count(self._missing_code)

    def nbytes(self) -> int:
        """Bytes used by the values' buffers (not counting the Python object itself)."""
        return len(self._codes) * self._codes.itemsize

    def buffers(self) -> Buffers:
        """Read-only view of the codes and the missing code (see :class:`Buffers`)."""
        return Buffers(
            type=self.type,
            data=memoryview(self._codes).toreadonly(),
            typecode=self._codes.typecode,
            missing_code=self._missing_code,
            categories=self._categories(),
        )

    def pad(self, length: int) -> None:
        """Append missing values until the column is ``length`` long (no-op if longer)."""
        extra = length - len(self._codes)
        if extra > 0:
            _grow(self._codes, extra, self._missing_code)

    def set(self, index: int, value: T | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: The value has the wrong type (or is not one of the categories).
        """
        _check_index(index)
        code = self._missing_code if value is None else self._encode(value, None)
        self.pad(index + 1)
        self._codes[index] = code

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = self._empty()
        picked = list(indices)
        length = len(self._codes)
        for index in picked:
            if not 0 <= index < length:
                raise _not_found(index, length)
        other._codes = array(self._codes.typecode, map(self._codes.__getitem__, picked))
        return other

    def _merge(self, indices: Iterable[int], batch: Self) -> None:
        targets = list(indices)
        if not targets:
            return
        self.pad(max(targets) + 1)
        codes = self._codes
        for target, code in zip(targets, batch._codes, strict=True):
            codes[target] = code

    def _fill(self, values: Iterable[object]) -> Self:
        missing, encode = self._missing_code, self._encode
        self._codes = array(
            self._codes.typecode,
            [missing if v is None else encode(v, i) for i, v in enumerate(values)],
        )
        return self

    @abc.abstractmethod
    def _empty(self) -> Self: ...

    @abc.abstractmethod
    def _encode(self, value: object, index: int | None) -> int: ...

    @abc.abstractmethod
    def _decode(self, code: int) -> T: ...


class BooleanColumn(_Coded[bool]):
    """Yes/no values as one signed byte each: 1 yes, 0 no, -1 missing.

    Args:
        values: Initial values: ``bool`` or ``None`` (``1`` and ``"yes"`` are refused).

    Example:
        >>> col = BooleanColumn([True, None, False, True])
        >>> col.sum(), col.count()
        (2, 3)
    """

    __slots__ = ()
    type: ClassVar[ValueType] = ValueType.BOOLEAN
    _missing_code: ClassVar[int] = -1
    _typecode: ClassVar[str] = "b"

    def __init__(self, values: Iterable[bool | None] = ()) -> None:
        super().__init__()
        self._fill(values)

    def sum(self) -> int:
        """Number of ``True`` values."""
        return self._codes.count(1)

    def _empty(self) -> Self:
        return type(self)()

    def _encode(self, value: object, index: int | None) -> int:
        if not isinstance(value, bool):
            raise _wrong(value, index, "True or False")
        return int(value)

    def _decode(self, code: int) -> bool:
        return code == 1


class CategoryColumn(_Coded[str]):
    """Category codes (``"goat"``, ``"sheep"``...) as indexes into a fixed list; -1 missing.

    Args:
        categories: The allowed codes, in the order of the variable's categories.
        values: Initial values: one of ``categories`` or ``None``.

    Example:
        >>> col = CategoryColumn(["goat", "sheep", "cattle"], ["goat", None, "goat"])
        >>> col.counts()
        {'goat': 2, 'sheep': 0, 'cattle': 0}
    """

    __slots__ = ("_index", "_list")
    type: ClassVar[ValueType] = ValueType.CATEGORY
    _missing_code: ClassVar[int] = -1
    _typecode: ClassVar[str] = "h"

    def __init__(self, categories: Sequence[str], values: Iterable[str | None] = ()) -> None:
        self._list = tuple(categories)
        self._index = {code: index for index, code in enumerate(self._list)}
        if not self._list or len(self._index) != len(self._list):
            raise ValidationError("a category column needs distinct category codes")
        if not all(isinstance(code, str) for code in self._list):
            raise ValidationError("category codes are strings")
        if len(self._list) > _LIMIT["h"]:
            raise ValidationError(f"a category column holds at most {_LIMIT['h']} categories")
        self._codes = array("b" if len(self._list) <= _LIMIT["b"] else "h")
        self._fill(values)

    @property
    def categories(self) -> tuple[str, ...]:
        """The allowed codes; a stored value is an index into this tuple."""
        return self._list

    def counts(self) -> dict[str, int]:
        """How many values are of each category (every category listed, missing not counted)."""
        return {code: self._codes.count(index) for index, code in enumerate(self._list)}

    def _categories(self) -> tuple[str, ...]:
        return self._list

    def _empty(self) -> Self:
        return type(self)(self._list)

    def _encode(self, value: object, index: int | None) -> int:
        found = self._index.get(value) if isinstance(value, str) else None
        if found is None:
            raise ValidationError(
                f"must be one of {', '.join(self._list)} or None",
                path=None if index is None else f"values[{index}]",
            )
        return found

    def _decode(self, code: int) -> str:
        return self._list[code]

    def _check_merge(self, batch: Self) -> None:
        if batch._list != self._list:
            raise ValidationError("cannot merge category columns with different categories")


class DateColumn(_Coded[_dt.date]):
    """Days as proleptic Gregorian ordinals in 32 bits; 0 (no such day) is missing.

    Args:
        values: Initial values: ``datetime.date`` (not ``datetime``) or ``None``.

    Example:
        >>> import datetime
        >>> col = DateColumn([datetime.date(2012, 3, 1), None])
        >>> col.max(), col.count()
        (datetime.date(2012, 3, 1), 1)
    """

    __slots__ = ()
    type: ClassVar[ValueType] = ValueType.DATE
    _missing_code: ClassVar[int] = 0
    _typecode: ClassVar[str] = "i"

    def __init__(self, values: Iterable[_dt.date | None] = ()) -> None:
        super().__init__()
        self._fill(values)

    def min(self) -> _dt.date | None:
        """Earliest day present, or ``None``."""
        found = min((c for c in self._codes if c), default=None)
        return None if found is None else _dt.date.fromordinal(found)

    def max(self) -> _dt.date | None:
        """Latest day present, or ``None``."""
        found = max(self._codes, default=0)
        return _dt.date.fromordinal(found) if found else None

    def _empty(self) -> Self:
        return type(self)()

    def _encode(self, value: object, index: int | None) -> int:
        if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
            raise _wrong(value, index, "a datetime.date")
        return value.toordinal()

    def _decode(self, code: int) -> _dt.date:
        return _dt.date.fromordinal(code)


# -- text ---------------------------------------------------------------------------------------


class TextColumn(Column[str]):
    """Free text answers, kept as a list of strings (``None`` where missing).

    Args:
        values: Initial values: ``str`` or ``None``.
    """

    __slots__ = ("_values",)
    type: ClassVar[ValueType] = ValueType.TEXT

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._values: list[str | None] = []
        if values != ():
            self.extend(values)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str | None]:
        return iter(self._values)

    def __getitem__(self, index: int) -> str | None:
        if not 0 <= index < len(self._values):
            raise _not_found(index, len(self._values))
        return self._values[index]

    def valid(self) -> bytes:
        """One byte per slot: 1 where a value is present, 0 where it is missing."""
        return bytes(value is not None for value in self._values)

    def count(self) -> int:
        """Number of values present (missing ones are not counted)."""
        return len(self._values) - self._values.count(None)

    def nbytes(self) -> int:
        """Bytes of the list of references (the strings themselves are not counted)."""
        return 8 * len(self._values)

    def buffers(self) -> Buffers:
        """The values as a tuple (text has no numeric buffer; this one is a copy)."""
        return Buffers(type=self.type, data=tuple(self._values), typecode="")

    def set(self, index: int, value: str | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: Not a ``str``.
        """
        _check_index(index)
        if value is not None and not isinstance(value, str):
            raise _wrong(value, None, "a str")
        self.pad(index + 1)
        self._values[index] = value

    def pad(self, length: int) -> None:
        """Append missing values until the column is ``length`` long (no-op if longer)."""
        extra = length - len(self._values)
        if extra > 0:
            self._values.extend(repeat(None, extra))

    def take(self, indices: Iterable[int]) -> Self:
        """A new column of the values at ``indices`` (in that order)."""
        other = type(self)()
        length = len(self._values)
        picked = list(indices)
        for index in picked:
            if not 0 <= index < length:
                raise _not_found(index, length)
        other._values = [self._values[index] for index in picked]
        return other

    def _merge(self, indices: Iterable[int], batch: Self) -> None:
        targets = list(indices)
        if not targets:
            return
        self.pad(max(targets) + 1)
        values = self._values
        for target, value in zip(targets, batch._values, strict=True):
            values[target] = value

    @classmethod
    def _from(cls, values: Iterable[object]) -> TextColumn:
        column = cls()
        checked: list[str | None] = []
        for index, value in enumerate(values):
            if value is not None and not isinstance(value, str):
                raise _wrong(value, index, "a str")
            checked.append(value)
        column._values = checked
        return column


# -- factories ----------------------------------------------------------------------------------


def column_for(type: ValueType | str, categories: Sequence[str] = ()) -> Column[Any]:
    """An empty column for values of ``type``.

    Args:
        type: A :class:`~klaster.variable.ValueType` (or its value, ``"decimal"``...).
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
        type: A :class:`~klaster.variable.ValueType` (or its value).
        values: Python values of that type, ``None`` where missing.
        categories: The category codes, for a category column.

    Raises:
        ValidationError: A value of the wrong type or that cannot be held exactly; the path is
            ``values[i]``.

    Example:
        >>> column_of("integer", [3, None, 4]).to_list()
        [3, None, 4]
    """
    kind = type if isinstance(type, ValueType) else ValueType._value2member_map_.get(type)
    if kind is ValueType.DECIMAL:
        return DecimalColumn._from(values)
    if kind is ValueType.INTEGER:
        return IntegerColumn._from(values)
    if kind is ValueType.BOOLEAN:
        return BooleanColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.CATEGORY:
        return CategoryColumn(categories, values)  # type: ignore[arg-type]
    if kind is ValueType.DATE:
        return DateColumn(values)  # type: ignore[arg-type]
    if kind is ValueType.TEXT:
        return TextColumn._from(values)
    raise ValidationError(
        f"unknown value type {type!r}: use one of {', '.join(t.value for t in ValueType)}",
        path="type",
    )
