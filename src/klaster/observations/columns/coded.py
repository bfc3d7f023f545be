"""Coded columns: yes/no, categories and dates as small integer codes, one code for missing.

A boolean costs one byte (1 yes, 0 no, -1 missing), a category one or two (an index into the
variable's categories, -1 missing), a date four (its proleptic Gregorian ordinal, 0 missing).
The three share one layout, :class:`_Coded`.
"""

from __future__ import annotations

import abc
import datetime as _dt
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar, Self

from klaster.catalogue.variable import ValueType
from klaster.errors import ValidationError
from klaster.observations.columns._buffers import LIMIT, check_index, grow, not_found, wrong
from klaster.observations.columns.base import Buffers, Column, T

__all__ = ["BooleanColumn", "CategoryColumn", "DateColumn"]


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
            raise not_found(index, len(self._codes))
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
            grow(self._codes, extra, self._missing_code)

    def set(self, index: int, value: T | None) -> None:
        """Store ``value`` (``None`` for missing) at ``index``, padding with missing values.

        Raises:
            ValidationError: The value has the wrong type (or is not one of the categories).
        """
        check_index(index)
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
                raise not_found(index, length)
        other._codes = array(self._codes.typecode, map(self._codes.__getitem__, picked))
        return other

    def with_codes(self, codes: array[int]) -> Self:
        """An empty column of this kind holding ``codes`` as they are (internal: the bulk path).

        The codes were checked column-wise by the caller; the array is taken, not copied.
        """
        other = self._empty()
        other._codes = codes
        return other

    def merge(self, indices: Iterable[int], batch: Self) -> None:
        """See :meth:`Column.merge` (internal)."""
        targets = list(indices)
        if not targets:
            return
        self.pad(max(targets) + 1)
        codes = self._codes
        for target, code in zip(targets, batch._codes, strict=True):
            codes[target] = code

    def _batch_of(self, values: Iterable[object]) -> Self:
        return self._empty()._fill(values)

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
            raise wrong(value, index, "True or False")
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
        if len(self._list) > LIMIT["h"]:
            raise ValidationError(f"a category column holds at most {LIMIT['h']} categories")
        self._codes = array("b" if len(self._list) <= LIMIT["b"] else "h")
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

    def check_merge(self, batch: Self) -> None:
        """See :meth:`Column.check_merge` (internal)."""
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
            raise wrong(value, index, "a datetime.date")
        return value.toordinal()

    def _decode(self, code: int) -> _dt.date:
        return _dt.date.fromordinal(code)
