"""The two storage layouts the column kinds share.

- :class:`_Masked` (decimal and integer columns): integers in an auto-widening ``array`` plus a
  ``valid`` mask; a missing slot holds 0 so that a sum can add the whole buffer.
- :class:`_Coded` (boolean, category and date columns): small integer codes in one ``array``,
  one code meaning "missing".
"""

from __future__ import annotations

import abc
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Self

from klaster.observations.columns._storage import _check_index, _fit_code, _grow, _not_found
from klaster.observations.columns.base import Buffers, Column, T


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
