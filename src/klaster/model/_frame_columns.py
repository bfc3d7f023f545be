"""Accepted columns read on first need (internal: :mod:`klaster.model.bulk` and its loaders).

A loader whose whole program passed the acceptance test (:mod:`klaster.model._bulk_frame`)
hands each cluster its members and spells as a lazy mapping (:class:`FrameColumns`): a polars
column turned into a Python list on first need, once for the whole program, then sliced per
cluster; a report that reads a few columns never turns the others into lists. Values are as the
records hold them: sexes and roles the enums, dates ``datetime.date``, integers ``int``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from klaster.model._bulk_records import MEMBER_FIELDS
from klaster.model.group import Role
from klaster.model.member import Sex

__all__ = [
    "FrameColumns",
    "all_distinct",
    "member_columns",
    "program_column",
    "runs_of",
    "spell_columns",
]

SPELL_SOURCES = {"member_id": "id", "group_id": "group", "joined": "joined", "left": "left"}


class FrameColumns:
    """A polars frame's columns as Python lists, each read once, on first need (whole program).

    ``converters``: a column name to the function reading its polars column (the frame's
    column of that name, or ``None`` when the frame has none) as a list.
    """

    __slots__ = ("_converters", "_frame", "_read", "_starts")

    def __init__(
        self,
        frame: Any,
        starts: Sequence[int],
        converters: Mapping[str, Callable[[Any], list[Any]]],
    ) -> None:
        self._frame = frame
        self._starts = starts
        self._converters = converters
        self._read: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any]:
        """The whole column ``name``, read the first time."""
        found = self._read.get(name)
        if found is None:
            frame = self._frame
            series = frame[name] if name in frame.columns else None
            found = self._read[name] = self._converters[name](series)
        return found

    def known(self, name: str, values: list[Any]) -> None:
        """Column ``name`` given as already read (``values``: what :meth:`column` would read)."""
        if len(values) != self._frame.height:
            raise ValueError(f"column {name!r}: {len(values)} values for {self._frame.height} rows")
        self._read[name] = values

    def of_cluster(self, index: int) -> _ClusterView:
        """Cluster ``index``'s rows (a mapping of column name to its slice)."""
        return _ClusterView(self, self._starts[index], self._starts[index + 1])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._converters)


class _ClusterView(Mapping[str, Sequence[Any]]):
    __slots__ = ("_end", "_start", "_whole")

    def __init__(self, whole: FrameColumns, start: int, end: int) -> None:
        self._whole, self._start, self._end = whole, start, end

    def __getitem__(self, name: str) -> list[Any]:
        if name not in self._whole.names:
            raise KeyError(name)
        return self._whole.column(name)[self._start : self._end]

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole.names)

    def __len__(self) -> int:
        return len(self._whole.names)


def program_column(columns: Sequence[Mapping[str, Sequence[Any]] | None], name: str) -> Any:
    """Field ``name`` of every record of the program as one polars Series, if it is at hand.

    ``columns``: each cluster's pending columns (``records.columns_of``), in program order.
    The Series (integers as ``Int64``, texts as ``String``, dates as ``Date``; a field the file
    lacks all null) when they are the clusters' slices, in order, of one accepted frame that
    they cover whole; else ``None`` (read the fields as lists). What the records would hold,
    without a Python value per record: whole-program facts (distinct sectors, ID uniqueness)
    and the fast path's arrays.
    """
    views = [c for c in columns if isinstance(c, _ClusterView)]
    if not views or len(views) != len(columns):
        return None
    whole = views[0]._whole
    at = 0
    for view in views:
        if view._whole is not whole or view._start != at:
            return None
        at = view._end
    frame = whole._frame
    if at != frame.height or name not in whole.names:
        return None
    import polars as pl  # (an accepted frame is a polars frame: polars is installed)

    if name not in frame.columns or frame[name].dtype == pl.Null:
        return pl.Series(name, [None] * frame.height)
    series = frame[name]
    if series.dtype.is_integer():
        return series.cast(pl.Int64)
    if series.dtype in (pl.Categorical, pl.Enum):
        return series.cast(pl.String)
    return series


def all_distinct(series: Any) -> bool:
    """Whether no value of the polars ``series`` repeats (nulls count as values).

    A file's IDs come in order: sorted, they are judged on neighbours, without hashing a
    million texts.
    """
    if not series.null_count() and series.is_sorted():
        return not bool((series == series.shift(1)).any())
    return bool(series.n_unique() == len(series))


def member_columns(
    pl: Any, frame: Any, starts: Sequence[int], ids: list[str] | None = None
) -> FrameColumns:
    """The accepted members' columns (``frame`` ordered by cluster), read on first need.

    ``ids``: the ``id`` column as a list, if the loader read it already: the columns hold that
    list (the same text objects), not a second one read again.
    """
    count = frame.height
    converters = {name: _reader(pl, count) for name in MEMBER_FIELDS}
    converters["sex"] = _enums(pl, Sex, count)
    columns = FrameColumns(frame, starts, converters)
    if ids is not None:
        columns.known("id", ids)
    return columns


def spell_columns(pl: Any, frame: Any, starts: Sequence[int]) -> FrameColumns:
    """The accepted spells' columns (the road's names: ``member_id``, ``group_id``...)."""
    count = frame.height
    renamed = frame.select(
        *(pl.col(source).alias(name) for name, source in SPELL_SOURCES.items()),
        pl.col("role").cast(pl.String).fill_null(Role.MEMBER.value),
    )
    converters = {name: _reader(pl, count) for name in SPELL_SOURCES}
    converters["role"] = _enums(pl, Role, count)
    return FrameColumns(renamed, starts, converters)


def _reader(pl: Any, count: int) -> Callable[[Any], list[Any]]:
    def read(series: Any) -> list[Any]:
        if series is None or series.null_count() == count:  # (a column nobody filled in)
            return [None] * count
        if series.dtype.is_integer():
            return list(series.cast(pl.Int64).to_list())
        if series.dtype in (pl.Categorical, pl.Enum):
            return list(series.cast(pl.String).to_list())
        return list(series.to_list())

    return read


def _enums(pl: Any, cls: Any, count: int) -> Callable[[Any], list[Any]]:
    def read(series: Any) -> list[Any]:
        values = _reader(pl, count)(series)
        found = {value: cls(value) for value in set(values)}
        return list(map(found.__getitem__, values))

    return read


def runs_of(values: Sequence[Any]) -> list[tuple[Any, int, int]]:
    """The runs of equal values: ``(value, start, stop)``, in order."""
    found: list[tuple[Any, int, int]] = []
    start = 0
    for value, run in itertools.groupby(values):
        stop = start + sum(1 for _ in run)
        found.append((value, start, stop))
        start = stop
    return found
