"""The text column: free answers as a list of strings, ``None`` where missing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import ClassVar, Self

from klaster.catalogue.variable import ValueType
from klaster.observations.columns._buffers import check_index, not_found, wrong
from klaster.observations.columns.base import Buffers, Column

__all__ = ["TextColumn"]


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
            self._load(values)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str | None]:
        return iter(self._values)

    def __getitem__(self, index: int) -> str | None:
        if not 0 <= index < len(self._values):
            raise not_found(index, len(self._values))
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
        check_index(index)
        if value is not None and not isinstance(value, str):
            raise wrong(value, None, "a str")
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
                raise not_found(index, length)
        other._values = [self._values[index] for index in picked]
        return other

    def merge(self, indices: Iterable[int], batch: Self) -> None:
        """See :meth:`Column.merge` (internal)."""
        targets = list(indices)
        if not targets:
            return
        self.pad(max(targets) + 1)
        values = self._values
        for target, value in zip(targets, batch._values, strict=True):
            values[target] = value

    def _batch_of(self, values: Iterable[object]) -> Self:
        return type(self)()._load(values)

    def _load(self, values: Iterable[object]) -> Self:
        checked: list[str | None] = []
        for index, value in enumerate(values):
            if value is not None and not isinstance(value, str):
                raise wrong(value, index, "a str")
            checked.append(value)
        self._values = checked
        return self
