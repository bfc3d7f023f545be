"""The sector plugins' checks across values, run on a batch of units given as columns.

Internal engine of :meth:`klaster.plugins.host.PluginHost.validate_recorded_columns`. A batch is
one level's values of many units (one row each) as columns; each sector's plugins are asked
once per batch through ``klaster_validate_columns`` when they implement it and polars is
installed, else once per unit through ``klaster_validate_values`` (the reference). The problems
come back in the order :meth:`~klaster.plugins.host.PluginHost.validate_recorded` gives for the
same units one by one: by row, then the unit's sectors in its order, then plugin, then the
plugin's own order; so the two paths cannot be told apart but by their speed.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import Any

import pluggy

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.plugins import _pluggy as pluggy_calls
from klaster.plugins._pluggy import HookFailure

__all__ = ["COLUMNS_HOOK", "MIN_ROWS", "VALUES_HOOK", "Checker", "ColumnRun", "series_of"]

VALUES_HOOK = "klaster_validate_values"
COLUMNS_HOOK = "klaster_validate_columns"
MIN_ROWS = 256
"""Fewest rows for which the column hook is worth importing polars (once imported: any)."""

Checker = tuple[str, pluggy.HookImpl, "pluggy.HookImpl | None"]
"""A plugin of a sector: its name, its per-unit hook and its column hook (if it has one)."""

_DTYPES = {
    ValueType.INTEGER: "Int64",
    ValueType.BOOLEAN: "Boolean",
    ValueType.CATEGORY: "String",
    ValueType.TEXT: "String",
    ValueType.DATE: "Date",
}


def polars_or_none(rows: int) -> Any:
    """The polars module when the column hook should run on ``rows`` rows, else ``None``."""
    if "polars" not in sys.modules and rows < MIN_ROWS:
        return None  # a few units: the per-unit hook costs less than importing polars
    try:
        import polars as pl
    except ImportError:  # the `columnar` extra is not installed: the per-unit hook
        return None
    return pl


def series_of(pl: Any, code: str, variable: Variable | None, values: Any) -> Any:
    """One column as a polars Series in the hook's types (``values``: a Series or a sequence)."""
    if isinstance(values, pl.Series):
        return values.rename(code)
    kind = None if variable is None else variable.type
    if kind is ValueType.DECIMAL:
        found = pl.Series(code, values, strict=False)
        if found.dtype == pl.Null or found.dtype.is_integer():
            found = found.cast(pl.Decimal(38, 0))
        if not isinstance(found.dtype, pl.Decimal):
            raise TypeError(f"{code}: not decimals")
        return found
    if kind is None:
        return pl.Series(code, values)
    return pl.Series(code, values, dtype=getattr(pl, _DTYPES[kind]))


class ColumnRun:
    """One batch's checks (not thread-safe; one per call).

    Args:
        manager: The plugins' pluggy manager (traced calls go through its monitoring).
        level: The level of every row.
        columns: Variable code to column (a polars Series, a sequence with ``None`` gaps, or a
            function of no arguments giving one, called the first time a plugin reads it).
        sectors: Each row's sector codes.
        unit_ids: Each row's unit ID.
        variables: The variable of a code (its type), or ``None``.
    """

    def __init__(
        self,
        manager: pluggy.PluginManager,
        level: Level,
        columns: Mapping[str, Any],
        sectors: Sequence[tuple[str, ...]],
        unit_ids: Sequence[str],
        variables: Callable[[str], Variable | None],
    ) -> None:
        self.manager = manager
        self.level = level
        self.columns = columns
        self.sectors = sectors
        self.unit_ids = unit_ids
        self.variables = variables
        self.crashed: dict[str, tuple[HookFailure, int]] = {}  # name -> (failure, first row)
        self.skipped: dict[str, int] = {}
        self.found: list[tuple[int, int, int, int, str, str]] = []  # sort key, name, problem
        self._lists: dict[str, list[Any]] | None = None
        self._series: dict[str, Any] | None = None
        self._gathered: dict[str, dict[str, Any]] = {}  # sector -> its rows' columns
        self._values_impl: dict[str, pluggy.HookImpl] = {}
        self._pl: Any = None

    def run(self, checkers: Callable[[str], Sequence[Checker]]) -> list[tuple[int, str, str]]:
        """Ask every plugin of every sector; ``(row, problem, plugin)`` in the per-unit order."""
        rows_of: dict[str, list[Any]] = {}
        # Sectors kept as one number per row (the bulk paths' RowSectors): counted at once, each
        # sectors' rows a numpy array listed only when a plugin's call needs them (millions of
        # rows: no list of them, and usually no array either).
        counted = getattr(self.sectors, "counted_rows_of_each", None)
        by_sectors: Mapping[tuple[str, ...], Any]
        if counted is not None:
            by_sectors = {codes: _Later(*found) for codes, found in counted().items()}
        else:
            by_sectors = _rows_of_each(self.sectors)
        for codes, rows in by_sectors.items():
            for code in codes:
                rows_of.setdefault(code, []).append(rows)
        self._pl = polars_or_none(len(self.sectors))
        for sector, parts in rows_of.items():
            rows = _ascending(parts)
            for rank, (name, values_impl, columns_impl) in enumerate(checkers(sector)):
                self._values_impl[name] = values_impl
                if name in self.crashed:
                    self.skipped[name] = self.skipped.get(name, 0) + len(rows)
                elif columns_impl is not None and self._pl is not None and self._columns_ready():
                    self._ask_columns(sector, rank, name, columns_impl, rows)
                else:
                    self._ask_units(sector, rank, name, values_impl, _listed(rows))
        self.found.sort(key=operator.itemgetter(0, 1, 2, 3))
        return [(row, problem, name) for row, _, _, _, name, problem in self.found]

    # -- the column hook -------------------------------------------------------------------------

    def _columns_ready(self) -> bool:
        """Whether the columns can be given as polars Series; else the per-unit hook."""
        if self._series is None:
            self._series = {}
        return self._pl is not None

    @property
    def polars(self) -> Any:
        """The polars module (the column hook runs only with it)."""
        return self._pl

    def series(self, code: str) -> Any:
        """The column of ``code`` over the whole batch, converted once (:class:`Unconvertible`)."""
        assert self._series is not None
        found = self._series.get(code)
        if found is None:
            values = self.columns[code]
            try:
                if callable(values):  # built on first use: only the columns a plugin reads
                    values = values()
                found = series_of(self._pl, code, self.variables(code), values)
            except Exception as exc:  # values the conversion does not take: the reference
                raise Unconvertible(code) from exc
            self._series[code] = found
        return found

    def _ask_columns(
        self, sector: str, rank: int, name: str, impl: pluggy.HookImpl, later: Any
    ) -> None:
        pl = self._pl
        count = len(later)
        picked = None
        if count != len(self.sectors):  # the sector's rows, gathered when a column is read
            picked = partial(_picked, pl, later)
        columns = _Columns(self, picked, self._gathered.setdefault(sector, {}))
        arguments: dict[str, object] = {"sector": sector, "level": self.level, "columns": columns}
        if "units" in impl.argnames:
            found = _listed(later)
            listed = found.tolist() if hasattr(found, "tolist") else found
            arguments["units"] = pl.Series("unit", [self.unit_ids[r] for r in listed], pl.String)
        try:
            result = pluggy_calls.call(impl, COLUMNS_HOOK, arguments, self.manager)
            pairs = _pairs(result, count)
        except HookFailure as failure:
            if isinstance(failure.__cause__, Unconvertible):  # not the plugin's fault
                self._pl = None
                self._ask_units(sector, rank, name, self._values_impl[name], _listed(later))
                return
            self.crashed[name] = (failure, int(_listed(later)[0]))
            self.skipped[name] = count - 1
            return
        if not pairs:
            return
        rows = _listed(later)
        sectors = self.sectors
        for order, (local, problem) in enumerate(pairs):
            row = int(rows[local])
            self.found.append((row, sectors[row].index(sector), rank, order, name, problem))

    # -- the per-unit hook -------------------------------------------------------------------------

    def _ask_units(
        self, sector: str, rank: int, name: str, impl: pluggy.HookImpl, rows: Sequence[int]
    ) -> None:
        lists = self._python_lists()
        codes = list(lists)
        sectors = self.sectors
        for at, row in enumerate(rows.tolist() if hasattr(rows, "tolist") else rows):
            values = {code: value for code in codes if (value := lists[code][row]) is not None}
            arguments = {"sector": sector, "level": self.level, "values": MappingProxyType(values)}
            try:
                found = pluggy_calls.checks(impl, VALUES_HOOK, arguments, self.manager)
            except HookFailure as failure:
                self.crashed[name] = (failure, row)
                self.skipped[name] = len(rows) - at - 1
                return
            position = sectors[row].index(sector)
            for order, problem in enumerate(found):
                self.found.append((row, position, rank, order, name, problem))

    def _python_lists(self) -> dict[str, list[Any]]:
        if self._lists is None:
            self._lists = {
                code: _python(values() if callable(values) else values)
                for code, values in self.columns.items()
            }
        return self._lists


class _Later:
    """A sector's rows counted, listed (a numpy array, ascending) on first need."""

    __slots__ = ("_count", "_make", "_rows")

    def __init__(self, count: int, make: Callable[[], Any]) -> None:
        self._count, self._make = count, make
        self._rows: Any = None

    def __len__(self) -> int:
        return self._count

    def rows(self) -> Any:
        if self._rows is None:
            self._rows = self._make()
        return self._rows


def _listed(rows: Any) -> Any:
    """Rows as a list or numpy array (a :class:`_Later`'s listed now)."""
    return rows.rows() if isinstance(rows, _Later) else rows


def _picked(pl: Any, rows: Any) -> Any:
    return pl.Series(_listed(rows), dtype=pl.UInt32)


def _ascending(parts: list[Any]) -> Any:
    """The rows of a sector's parts (lists, numpy arrays, :class:`_Later`), ascending."""
    if len(parts) == 1:
        return parts[0]
    if any(isinstance(part, _Later) for part in parts):
        return _Later(sum(len(part) for part in parts), partial(_ascending_now, parts))
    if isinstance(parts[0], list):
        return sorted(row for part in parts for row in part)
    import numpy as np  # (arrays come from the bulk paths, which have numpy)

    return np.sort(np.concatenate(parts), kind="stable")


def _ascending_now(parts: list[Any]) -> Any:
    return _ascending([_listed(part) for part in parts])


def _rows_of_each(sectors: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], list[int]]:
    """The rows of each sectors, ascending, in the order they first appear."""
    by_sectors: dict[tuple[str, ...], list[int]] = {}
    for row, codes in enumerate(sectors):
        found = by_sectors.get(codes)
        if found is None:
            found = by_sectors[codes] = []
        found.append(row)
    return by_sectors


class Unconvertible(Exception):
    """A column the conversion to polars does not take: the per-unit hook judges the batch."""


class _Columns(Mapping[str, Any]):
    """The columns a column hook gets: each converted (and gathered) only when read."""

    def __init__(
        self, run: ColumnRun, picked: Callable[[], Any] | None, cache: dict[str, Any]
    ) -> None:
        # ``picked``: the sector's rows as a Series, made on the first column read (None: all).
        self._run, self._picked, self._cache = run, picked, cache
        self._rows: Any = None

    def __getitem__(self, code: str) -> Any:
        found = self._cache.get(code)
        if found is None:
            run = self._run
            if code not in run.columns:
                raise KeyError(code)
            if self._picked is None:
                found = self._cache[code] = run.series(code)
            else:  # the sector's rows of this column only (the others may never be read)
                if self._rows is None:
                    self._rows = self._picked()
                found = self._cache[code] = run.series(code).gather(self._rows)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._run.columns)

    def __len__(self) -> int:
        return len(self._run.columns)

    def __contains__(self, code: object) -> bool:
        return code in self._run.columns


def _python(values: Any) -> list[Any]:
    """A column's values as the per-unit hook gets them (``Decimal``, ``int``... or ``None``)."""
    if hasattr(values, "to_list"):  # a polars Series: Decimal, int, bool, str, date or None
        return list(values.to_list())
    return list(values)


def _pairs(result: object, count: int) -> list[tuple[int, str]]:
    """The column hook's ``(row, problem)`` pairs, checked; else :class:`HookFailure`."""
    if result is None or (type(result) is list and not result):
        return []
    if isinstance(result, str) or not isinstance(result, Sequence):
        kind = "None" if result is None else f"a {type(result).__name__}"
        raise HookFailure(
            f"{COLUMNS_HOOK} returned {kind}; return a list or tuple of (row, text) pairs"
        )
    pairs = []
    for item in result:
        try:
            row, problem = item
            row = operator.index(row)
        except (TypeError, ValueError):
            raise HookFailure(
                f"{COLUMNS_HOOK} returned an item that is not a (row, text) pair"
            ) from None
        if not 0 <= row < count:
            raise HookFailure(f"{COLUMNS_HOOK} returned row {row} of a batch of {count} rows")
        if not isinstance(problem, str) or not problem.strip():
            raise HookFailure(f"{COLUMNS_HOOK} returned a problem that is not a text")
        pairs.append((row, problem))
    return pairs
