"""The members surveyed in one round key, all clusters together, as polars tables (fast path).

Variables are read from the store once per round key
(:mod:`klaster.measurement._backends.polars.read`).
A sector's indicators are computed on that sector's members only (one filtered table per
sector), the core indicators on every member; what a formula needs more than once (a division
per unit, such as ``yield_per_ha`` inside ``productivity_change``) is computed once per table,
as a column.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

from klaster._support.weak import weak_method
from klaster.catalogue.indicator import Aggregation, Indicator
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.measurement._backends.polars.cells import Plan
from klaster.measurement._backends.polars.formulas import INT64, INT128, Formulas, Value
from klaster.measurement._backends.polars.program import Records
from klaster.measurement._backends.polars.read import SurveyedUnits
from klaster.measurement._backends.python.fixedpoint import BOOLEAN, NUMBER, Unsupported
from klaster.measurement.compiler import Divide, Shift
from klaster.measurement.core_indicators import CoreIndicator
from klaster.measurement.unit_frame import UnitFrame
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["MemberTable"]

AnyIndicator = Indicator | CoreIndicator


class MemberTable:
    """The members surveyed in one round key: their columns, and the plans over them.

    Args:
        engine: The :class:`~klaster.measurement.engine.Measurement`.
        frames: The round key's frames.
        records: The program's records as arrays.
    """

    def __init__(self, engine: Any, frames: list[UnitFrame], records: Records) -> None:
        self.engine = engine
        self.frames = frames
        self.records = records
        self.surveyed = SurveyedUnits(engine.observations, frames)
        self.positions = records.surveyed(frames, self.surveyed.masks)
        members = records.members()
        index = records.naming.cluster_index
        cluster_of_frame = np.array([index[f.cluster.id] for f in frames], dtype=np.int32)
        self.columns: dict[str, pl.Series] = {
            "_c": pl.Series("_c", cluster_of_frame[self.surveyed.frame_numbers()])
        }
        known = self.positions >= 0
        safe = np.where(known, self.positions, 0)
        for dim in records.dims:
            codes = pl.Series(np.where(known, members[f"_d_{dim}"][safe], -1))
            self.columns[f"_d_{dim}"] = pl.select(pl.when(codes >= 0).then(codes)).to_series()
        self.record_sizes = np.where(known, members["size"][safe], 0)
        self.meta: dict[str, tuple[int, int, str]] = {}  # column -> scale, bound, kind
        self.ranges: dict[str, tuple[int, int] | None] = {}  # column -> smallest, largest
        # Per scope (None: every member; else a sector): plans, and columns computed first.
        self.plans: dict[str | None, list[Plan]] = {}
        self.derived: dict[str | None, list[tuple[str, pl.Expr]]] = {}
        self.scope: str | None = None
        self.poverty: tuple[Plan, pl.Expr] | None = None  # the FGT plan, what poor units need
        self.quadrant: pl.Expr | None = None  # the CIBEST quadrant column, once planned
        # Weakly: a cycle would keep the round key's columns to the end of the report (gc.py).
        self.formulas = Formulas(weak_method(self.value), weak_method(self.derive))
        self._count = 0

    # -- columns --------------------------------------------------------------------------------
    def value(self, code: str, at: Shift | str | None = None) -> Value:
        """Member variable ``code`` (in round ``at``, aligned, if given) as a column."""
        tag = "v" if at is None else at.value if isinstance(at, Shift) else f"r:{at}"
        name = f"{tag}_{code}"
        if name not in self.meta:
            self._load(code, name, at)
        scale, bound, kind = self.meta[name]
        expr = pl.col(name)
        if kind == NUMBER and self.columns[name].dtype != pl.Int64:
            expr = expr.cast(pl.Int64)  # kept narrow (see _load): every formula reads 64 bits
        return Value(expr, scale, bound, kind)

    def _load(self, code: str, name: str, at: Shift | str | None) -> None:
        variable = self.engine.observations.variable(code)
        if variable.level is not Level.MEMBER:
            raise Unsupported(f"{code!r} is not a member variable")
        if variable.type not in (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN):
            raise Unsupported(f"{variable.type.value} values")
        kind = BOOLEAN if variable.type is ValueType.BOOLEAN else NUMBER
        read = self.surveyed.column(code, at=at)
        if read is None:
            length = self.surveyed.length
            data, valid, scale = np.zeros(length, np.int64), np.zeros(length, bool), 0
        else:
            data, valid, scale = read
        if code == "household_size":
            # As UnitFrame.scaled: a size the round did not record comes from the member record.
            use = ~valid & (self.record_sizes > 0)
            data, valid = np.where(use, self.record_sizes, data), valid | use
        found = _bounds(variable, scale) if code != "household_size" else None
        if found is None and valid.any():  # no bounds in the catalogue: from the values
            limits = np.iinfo(data.dtype)
            low = np.min(data, where=valid, initial=limits.max)
            found = (int(low), int(np.max(data, where=valid, initial=limits.min)))
        values = data.astype(bool) if kind == BOOLEAN else data
        # As stored (int8 for scores, int32 for most amounts), widened where a formula reads
        # it: a round key's table is then half the size (two are alive at once, see path.py).
        self.columns[name] = pl.Series(name, np.ma.masked_array(values, mask=~valid))
        self.meta[name] = (scale, max(abs(found[0]), abs(found[1])) if found else 0, kind)
        self.ranges[name] = found

    def within(self, name: str, low: int, high: int) -> bool:
        """Whether every value of column ``name`` is surely within ``low``-``high``."""
        found = self.ranges[name]
        return found is None or (low <= found[0] and found[1] <= high)

    def derive(self, expr: pl.Expr) -> pl.Expr:
        """``expr`` computed once, as a column of the current scope's table."""
        self._count += 1
        name = f"_x{self._count}"
        self.derived.setdefault(self.scope, []).append((name, expr))
        return pl.col(name)

    def frame(self, *, wide: bool = False) -> pl.DataFrame:
        """The table's columns as one frame.

        Args:
            wide: Every number column as ``Int64``, as :meth:`value` reads it (for an engine
                that is handed the columns themselves, not the formulas' expressions).
        """
        frame = pl.DataFrame([s.alias(n) for n, s in self.columns.items()])
        if not wide:
            return frame
        narrow = [
            name
            for name, (_, _, kind) in self.meta.items()
            if kind == NUMBER and frame.schema[name] != pl.Int64
        ]
        return frame.with_columns(pl.col(narrow).cast(pl.Int64)) if narrow else frame

    def lazy_tables(self) -> Iterator[tuple[pl.LazyFrame, list[Plan]]]:
        """Each scope's table (every member; each sector's members) and its plans, lazily.

        A scope's filter and derived columns run in its query.

        Only the columns a scope's plans read are then filtered (projection pushdown), and the
        scopes' queries can be collected together.
        """
        frame = self.frame().lazy()
        for scope, plans in self.plans.items():
            table = frame if scope is None else frame.filter(self._scope(scope))
            for name, expr in self.derived.get(scope, ()):
                table = table.with_columns(expr.alias(name))
            yield table, plans

    def _scope(self, sector: str) -> pl.Expr:
        naming = self.records.naming
        clusters = [
            naming.cluster_index[f.cluster.id]
            for f in self.frames
            if sector in f.cluster.sector_codes
        ]
        code = naming.code("sector", sector)
        return pl.col("_c").is_in(clusters) & (pl.col("_d_sector") == code).fill_null(False)

    # -- plans ----------------------------------------------------------------------------------
    def add(self, indicator: AnyIndicator, core: Any) -> None:
        """Plan ``indicator`` here, unless the Python path must do it (``core``: core plans)."""
        if indicator.level is not Level.MEMBER or indicator.aggregation is Aggregation.MEDIAN:
            return
        sector = indicator.sector if isinstance(indicator, Indicator) else CORE_SECTOR
        self.scope = None if sector == CORE_SECTOR else sector
        self.formulas.cache.clear()  # a formula's columns belong to one scope's table
        try:
            plan = (
                core(self, indicator)
                if isinstance(indicator, CoreIndicator)
                else self._plan(indicator)
            )
        except Unsupported:
            return
        if plan is not None:
            self.plans.setdefault(self.scope, []).append(plan)

    def _plan(self, indicator: Indicator) -> Plan:
        op = self.engine.compiled(indicator.code)
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(op, Divide)
            top, bottom = self.formulas(op.top), self.formulas(op.bottom)
            return self.ratio_plan(indicator, top, bottom)
        return self.sum_plan(indicator, self.formulas(op))

    def name(self) -> str:
        """A new plan's column prefix."""
        self._count += 1
        return f"p{self._count}"

    def sum_plan(self, indicator: AnyIndicator, value: Value) -> Plan:
        """Units, units with a value and the total of ``value`` (true values for booleans)."""
        plan = Plan(indicator, "sum", self.name())
        total = value.expr.sum() if value.kind == BOOLEAN else self.sum(value.expr, value.bound)
        plan.aggs = [
            pl.len().alias(f"{plan.name}_units"),
            value.expr.is_not_null().sum().alias(f"{plan.name}_n"),
            total.alias(f"{plan.name}_total"),
        ]
        plan.scales = (value.scale if value.kind == NUMBER else 0,)
        return plan

    def ratio_plan(self, indicator: AnyIndicator, top: Value, bottom: Value) -> Plan:
        """Units, units with both parts, and the sums of both parts over those."""
        plan = Plan(indicator, "ratio", self.name())
        both = top.expr.is_not_null() & bottom.expr.is_not_null()
        name = plan.name
        plan.aggs = [
            pl.len().alias(f"{name}_units"),
            both.sum().alias(f"{name}_n"),
            self.sum(pl.when(both).then(top.expr), top.bound).alias(f"{name}_top"),
            self.sum(pl.when(both).then(bottom.expr), bottom.bound).alias(f"{name}_bottom"),
        ]
        plan.scales = (top.scale, bottom.scale)
        return plan

    def sum(self, expr: pl.Expr, bound: int) -> pl.Expr:
        """The sum of ``expr``: ``Int64`` when no sum over the round can overflow, else 128."""
        most = bound * max(self.surveyed.length, 1)
        if most <= INT64:
            return expr.sum()
        if most >= INT128:
            raise Unsupported("a sum beyond 128 bits")
        return expr.cast(pl.Int128).sum()


def _bounds(variable: Variable, scale: int) -> tuple[int, int] | None:
    """The catalogue's bounds of a variable, scaled: every recorded value is checked within."""
    if variable.type is ValueType.BOOLEAN:
        return (0, 1)
    if variable.minimum is None or variable.maximum is None:
        return None
    return math.floor(variable.minimum.scaleb(scale)), math.ceil(variable.maximum.scaleb(scale))
