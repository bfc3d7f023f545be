"""The pure-Python way a report adds up units: per frame, per part, per cell.

Each frame's units are split once into the finest parts the disaggregations need
(:mod:`klaster.measurement._backends.layout`); a part's partial aggregate (exact sums and counts of
scaled
integers, :mod:`klaster.measurement._backends.partials`) is computed once and merged into every
cell it
belongs to; each cell's totals become a figure (:mod:`klaster.measurement._backends.figures`).
Formulas are
executed on scaled integers by :mod:`klaster.measurement._backends.python.formulas`; a median
reads the units' values as ``Decimal``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from klaster.catalogue.indicator import Aggregation, Indicator
from klaster.label import Label
from klaster.measurement._backends.context import AnyIndicator, Engine, block_head
from klaster.measurement._backends.figures import (
    FigureColumns,
    of_figures,
    ratio_columns,
    sum_columns,
)
from klaster.measurement._backends.layout import layout
from klaster.measurement._backends.partials import (
    FixedRatio,
    FixedSum,
    Poverty,
    PovertyInputs,
    pick,
)
from klaster.measurement._backends.python.core import FIXED_ITEMS
from klaster.measurement._backends.python.fixedpoint import BOOLEAN, Scaled, Unsupported
from klaster.measurement._backends.python.source import run, unit_values
from klaster.measurement._result_blocks import Block, Combo
from klaster.measurement.aggregate import Figure, aggregate, aggregate_ratio
from klaster.measurement.compiler import Divide
from klaster.measurement.core_indicators import CoreIndicator
from klaster.measurement.methods.fgt import fgt
from klaster.measurement.na import NotAvailable
from klaster.measurement.unit_frame import UnitFrame
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["block", "cells", "figure", "rows", "unit_items"]

Cells = dict[Combo, Any]


def rows(
    engine: Engine,
    indicator: AnyIndicator,
    key: str,
    on: _dt.date | None,
    frames: list[UnitFrame],
    specs: list[tuple[str, ...]],
) -> Block:
    """The rows of ``indicator`` in round ``key`` over ``frames``, for every spec."""
    try:
        done = block(engine, indicator, key, on, cells(engine, indicator, frames, specs, True))
    except Unsupported:
        # Fixed point cannot give what Decimal arithmetic gives here: evaluate as Decimal.
        found = cells(engine, indicator, frames, specs, False)
        done = block(engine, indicator, key, on, found)
    return _say_why(indicator, frames, done)


def _say_why(indicator: AnyIndicator, frames: list[UnitFrame], done: Block) -> Block:
    """A figure n/a because its clusters lack the data (no visit logged...) says so."""
    why = indicator.unavailable if isinstance(indicator, CoreIndicator) else None
    if why is None:
        return done
    reasons = {f.cluster.id: r for f in frames if (r := why(f)) is not None}
    if not reasons:
        return done
    first = next(iter(reasons.values()))
    more = len(reasons) - 1
    others = f" (and {more} other clusters)" if more else ""
    lain = f" (dan {more} klaster lain)" if more else ""
    said = None if first.label is None else Label(first.label.id + lain, first.reason + others)
    every = NotAvailable(first.reason + others, label=said) if len(reasons) == len(frames) else None
    for i, (combo, value) in enumerate(zip(done.by, done.value, strict=True)):
        if isinstance(value, NotAvailable):
            cluster = dict(combo).get("cluster")
            found = reasons.get(cluster) if cluster is not None else every
            if found is not None:
                done.value[i] = found
    return done


def block(
    engine: Engine, indicator: AnyIndicator, key: str, on: _dt.date | None, found: Cells
) -> Block:
    """The rows of some cells: their figures in the order of their disaggregation."""
    combos = sorted(found, key=lambda c: (len(c), c))
    parts = [found[c] for c in combos]
    how = indicator.aggregation
    minimum = engine.minimum_n
    figures: FigureColumns
    if parts and isinstance(parts[0], FixedSum):
        n, missing = [p.n for p in parts], [p.missing for p in parts]
        totals, scales = [p.total for p in parts], [p.scale for p in parts]
        figures = sum_columns(how, minimum, n, missing, totals, scales)
    elif parts and isinstance(parts[0], FixedRatio):
        figures = ratio_columns(
            minimum,
            [p.n for p in parts],
            [p.missing for p in parts],
            [p.top for p in parts],
            [p.top_scale for p in parts],
            [p.bottom for p in parts],
            [p.bottom_scale for p in parts],
        )
    elif parts and isinstance(parts[0], Poverty):
        assert isinstance(indicator, CoreIndicator)
        assert indicator.poverty is not None
        figures = of_figures(p.measure(indicator.poverty) for p in parts)
    else:
        figures = of_figures(figure(engine, indicator, p.items) for p in parts)
    return Block(block_head(engine, indicator, key, on), combos, figures)


def cells(
    engine: Engine,
    indicator: AnyIndicator,
    frames: list[UnitFrame],
    specs: list[tuple[str, ...]],
    fixed: bool,
) -> Cells:
    """Each cell's partial aggregate over ``frames`` (fixed point if ``fixed``, else Decimal)."""
    level = indicator.level
    sector = indicator.sector if isinstance(indicator, Indicator) else CORE_SECTOR
    found: Cells = {}
    for frame in frames:
        if sector != CORE_SECTOR and sector not in frame.cluster.sector_codes:
            continue  # a sector's indicator says nothing about clusters without the sector
        units, make, data = _unit_data(engine, indicator, frame, specs, fixed)
        split = layout(frame, level, units, sector, specs)
        if split.keep is not None:
            data = make.restrict(data, split.keep)
        if make.shared is not None:
            cache_key = ("parts", make.shared, id(split))
            parts = frame.cache.get(cache_key)
            if parts is None:
                parts = frame.cache[cache_key] = [make(data, i) for i in split.fine]
        else:
            parts = [make(data, i) for i in split.fine]
        for combo, numbers in split.assign:
            for number in numbers:
                _merge(found, combo, parts[number])
        for combo, index in split.direct:
            _merge(found, combo, make(data, index))
    return found


def _merge(found: Cells, combo: Combo, part: Any) -> None:
    cell = found.get(combo)
    if cell is None:
        found[combo] = part.copy()
    else:
        cell.merge(part)


class _Maker:
    """How one indicator's unit data becomes partials: ``make(data, index)``, ``restrict``."""

    def __init__(
        self,
        make: Callable[[Any, Sequence[int] | None], Any],
        restrict: Callable[[Any, Sequence[int]], Any],
        *,
        shared: object = None,
    ) -> None:
        self.make = make
        self.restrict = restrict
        # Indicators reading the same inputs (P0, P1, P2) share their partials.
        self.shared = shared

    def __call__(self, data: Any, index: Sequence[int] | None) -> Any:
        return self.make(data, index)


class _ItemList:
    """The unit items of a cell, for aggregations that do not add up (the median)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    @classmethod
    def of(cls, items: list[Any], index: Sequence[int] | None) -> _ItemList:
        return cls(pick(items, index))

    def merge(self, other: _ItemList) -> None:
        self.items += other.items

    def copy(self) -> _ItemList:
        return _ItemList(list(self.items))


def _kept(data: Any, keep: Sequence[int]) -> Any:
    return data  # evaluated on the kept units already


def _restrict_scaled(data: Scaled, keep: Sequence[int]) -> Scaled:
    return Scaled(pick(data.values, keep), data.scale, data.bound, data.kind)


def _restrict_pair(data: tuple[Scaled, Scaled], keep: Sequence[int]) -> tuple[Scaled, Scaled]:
    return _restrict_scaled(data[0], keep), _restrict_scaled(data[1], keep)


def _restrict_poverty(data: PovertyInputs, keep: Sequence[int]) -> PovertyInputs:
    return PovertyInputs(_restrict_scaled(data.incomes, keep), pick(data.sizes, keep), data.line)


def _unit_data(
    engine: Engine,
    indicator: AnyIndicator,
    frame: UnitFrame,
    specs: list[tuple[str, ...]],
    fixed: bool,
) -> tuple[tuple[str, ...], _Maker, Any]:
    how = indicator.aggregation
    if isinstance(indicator, CoreIndicator):
        reader = FIXED_ITEMS.get(indicator.code)
        if indicator.poverty is not None and reader is not None:
            units, data = reader(frame)
            return units, _Maker(Poverty.of, _restrict_poverty, shared=reader), data
        if fixed and reader is not None:
            units, data = reader(frame)
            if how is Aggregation.RATIO_OF_SUMS:
                return units, _Maker(FixedRatio.of, _restrict_pair), data
            return units, _Maker(FixedSum.of, _restrict_scaled), data
        if how in (Aggregation.COUNT, Aggregation.SHARE_MEETING):
            units, items = indicator.items(frame)
            flags = Scaled([i[0] for i in items], 0, 1, BOOLEAN)
            return units, _Maker(FixedSum.of, _restrict_scaled), flags
    elif fixed and how is not Aggregation.MEDIAN:
        return _fixed_data(engine, indicator, frame)
    if isinstance(indicator, Indicator) and indicator.sector != CORE_SECTOR:
        # Decimal evaluation is the costly one: evaluate the sector's units only.
        units = frame.unit_ids(indicator.level)
        keep = layout(frame, indicator.level, units, indicator.sector, specs).keep
        if keep is not None:
            _, items = unit_items(engine, indicator, frame, keep)
            return units, _Maker(_ItemList.of, _kept), items
    units, items = unit_items(engine, indicator, frame)
    return units, _Maker(_ItemList.of, pick), items


def _fixed_data(
    engine: Engine, indicator: Indicator, frame: UnitFrame
) -> tuple[tuple[str, ...], _Maker, Any]:
    level = indicator.level
    units = frame.unit_ids(level)
    op = engine.compiled(indicator.code)
    if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
        assert isinstance(op, Divide)
        pair = (run(op.top, frame, level), run(op.bottom, frame, level))
        return units, _Maker(FixedRatio.of, _restrict_pair), pair
    return units, _Maker(FixedSum.of, _restrict_scaled), run(op, frame, level)


def unit_items(
    engine: Engine,
    indicator: AnyIndicator,
    frame: UnitFrame,
    keep: list[int] | None = None,
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The units of ``frame`` and one tuple per unit: the value, or numerator and denominator."""
    if isinstance(indicator, CoreIndicator):
        return indicator.items(frame)
    level = indicator.level
    units = frame.unit_ids(level)
    if keep is not None:
        units = tuple(pick(list(units), keep))
    op = engine.compiled(indicator.code)
    if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
        assert isinstance(op, Divide)
        top = unit_values(op.top, frame, level, keep)
        bottom = unit_values(op.bottom, frame, level, keep)
        return units, list(zip(top, bottom, strict=True))
    return units, [(v,) for v in unit_values(op, frame, level, keep)]


def figure(engine: Engine, indicator: AnyIndicator, items: list[tuple[Any, ...]]) -> Figure:
    """The figure of some units' items (as :func:`unit_items` gives them), the ``Decimal`` way."""
    if isinstance(indicator, CoreIndicator) and indicator.poverty is not None:
        incomes, lines, weights = zip(*items, strict=True) if items else ((), (), ())
        result = fgt(list(incomes), list(lines), weights=list(weights))
        if isinstance(result, NotAvailable):
            return Figure(result, 0)
        value = getattr(result, indicator.poverty)
        return Figure(value, result.n, missing=len(items) - result.n)
    if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
        return aggregate_ratio(
            [i[0] for i in items], [i[1] for i in items], minimum_n=engine.minimum_n
        )
    return aggregate([i[0] for i in items], indicator.aggregation, minimum_n=engine.minimum_n)
