"""The interface every column kind shares: :class:`Column`, :class:`Buffers`, :data:`MAX_SCALE`.

:class:`Column` is the abstract base of the kinds (:mod:`klaster.observations.columns.numeric`,
:mod:`klaster.observations.columns.coded`, :mod:`klaster.observations.columns.text`): reading,
counting, writing, taking and comparing, the same for every type of value. How each kind stores
its values is described in :mod:`klaster.observations.columns.factory`.

This module imports no other column module: every kind imports it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from typing import ClassVar, Generic, Self, TypeVar

from attrs import frozen

from klaster.catalogue.variable import ValueType

__all__ = ["MAX_SCALE", "Buffers", "Column"]

T = TypeVar("T")

MAX_SCALE = 18
"""Most decimals a decimal column keeps: beyond it no useful value fits in 64 bits."""


@frozen
class Buffers:
    """Read-only views of a column's storage, for numpy/polars without copying.

    ``numpy.frombuffer(b.data, dtype=b.typecode)`` gives the raw numbers; ``b.valid`` (1 = value
    present) or ``b.missing_code`` says which are missing; decimal values are ``data / 10**scale``.

    Args:
        type: The column's :class:`~klaster.catalogue.variable.ValueType`.
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
        batch = self._batch_of(values)
        self.check_merge(batch)
        start = len(self)
        self.merge(range(start, start + len(batch)), batch)

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

    # -- internal interface (for Observations): merging a checked batch --------------------------
    def check_merge(self, batch: Self) -> None:
        """Raise, changing nothing, if :meth:`merge` of ``batch`` could not be done.

        Internal: :class:`~klaster.observations.values.Observations` checks every batch column
        with this before it stores anything, so a batch is stored all at once or not at all.

        Raises:
            ValidationError: The merged values could not be held (too many digits, other
                categories).
        """

    @abc.abstractmethod
    def merge(self, indices: Iterable[int], batch: Self) -> None:
        """Write ``batch[k]`` at ``indices[k]``, padding with missing values (internal).

        Call :meth:`check_merge` first: after it, this cannot fail.
        """

    def _categories(self) -> tuple[str, ...]:
        return ()

    @abc.abstractmethod
    def _batch_of(self, values: Iterable[object]) -> Self:
        """A new column of this kind (and categories) holding ``values``, checked at once."""
