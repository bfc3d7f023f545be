"""The polars fast path of ``Measurement.report`` (``backend="polars"``).

Imported only when a :class:`~klaster.measurement.engine.Measurement` is built with
``backend="polars"`` (the ``columnar`` extra: polars and numpy); ``import klaster`` never imports
it. Per round key it builds a few polars tables over all clusters at once and adds them up into
the same exact integers as the Python path (:mod:`klaster.measurement._polars_cells`); the figures
are then made by the same code, so both paths give equal rows:

- Members surveyed (:mod:`klaster.measurement._polars_read`): variables read from the store's
  buffers as scaled ``Int64`` (one scale per variable and round key, the largest of the
  clusters'), nulls where missing. Formulas become polars expressions with the scales tracked
  (:mod:`klaster.measurement._polars_formulas`), divisions per unit included. Income per capita,
  paired income change, FGT P0-P2 (exact sums of ``s·z - y`` and their squares per line and
  size), the CIBEST quadrant shares and the social-capital index are planned here.
- Members active, groups and cooperatives (:mod:`klaster.measurement._polars_program`): counted
  from the records with numpy.

Not covered here, and computed by the Python path in the same report: indicators of groups and
cooperatives from formulas, medians, ``round()``, text, categories and dates in formulas, values
beyond the decimal context's digits, and disaggregations by ``group`` (a member may be in two
groups).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from klaster.formula import Binary
from klaster.indicator import Aggregation, Indicator
from klaster.measurement._core_fixed import default_cibest
from klaster.measurement._fixedpoint import BOOLEAN, NUMBER, Unsupported, literal
from klaster.measurement._frames import Frames
from klaster.measurement._polars_cells import Naming, Plan, aggregate
from klaster.measurement._polars_formulas import INT64, INT128, Formulas, Value
from klaster.measurement._polars_program import Records
from klaster.measurement._polars_read import SurveyedUnits
from klaster.measurement._result_blocks import Block
from klaster.measurement._welfare_fixed import linear_scale
from klaster.measurement.cibest import OnLine
from klaster.measurement.core_indicators import CoreIndicator, _poverty_line
from klaster.measurement.core_variables import CIBEST_ITEMS, CORE_SECTOR, SOCIAL_CAPITAL_ITEMS
from klaster.measurement.na import NotAvailable
from klaster.measurement.unit_frame import UnitFrame
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE
from klaster.variable import Level, ValueType

__all__ = ["blocks"]

_DIMS = ("sex", "business_type", "kecamatan", "desa")  # besides cluster and sector
_RECORDS = {
    "members": "members",
    "household_members": "members",
    "groups": "groups",
    "active_groups": "groups",
    "active_group_share": "groups",
    "legal_cooperatives": "cooperatives",
}
_POVERTY = ("poverty_headcount", "poverty_gap", "poverty_severity")
_CIBEST = (
    "cibest_welfare",
    "cibest_material_poverty",
    "cibest_spiritual_poverty",
    "cibest_absolute_poverty",
)

AnyIndicator = Indicator | CoreIndicator


def blocks(
    engine: Any, indicators: Sequence[AnyIndicator], frames: Frames, specs: list[Any]
) -> tuple[dict[tuple[str, str], Block], list[tuple[str, ...]]]:
    """The rows of what the fast path covers, per (indicator code, round key).

    Returns:
        The blocks done here (the engine does the others) and the specs left to the Python
        path (those with ``group``).
    """
    fast_specs = [s for s in specs if "group" not in s]
    slow_specs = [s for s in specs if "group" in s]
    found: dict[tuple[str, str], Block] = {}
    if not fast_specs:
        return found, specs
    used = {d for spec in fast_specs for d in spec}
    dims = ["sector", *(d for d in _DIMS if d in used)]
    naming = Naming([c.id for c in engine.program.clusters])
    any_frame = {f.cluster.id: f for _, _, of_key in frames for f in of_key}
    records = Records(engine.program, any_frame, dims, naming)
    for key, on, of_key in frames:
        members = _MemberTable(engine, of_key, records)
        plans = []
        for indicator in indicators:
            if indicator.code in _RECORDS:
                continue
            try:
                plan = members.plan(indicator)
            except Unsupported:
                continue
            if plan is not None:
                plans.append(plan)
        table = members.table()  # also the poor units' gaps, for P1 and P2
        done = aggregate(engine, table, dims, plans, fast_specs, naming, (key, on), members.poor)
        done.update(_counted(engine, indicators, records, members, fast_specs, (key, on)))
        found.update({(code, key): block for code, block in done.items()})
    return found, slow_specs


def _counted(
    engine: Any,
    indicators: Sequence[AnyIndicator],
    records: Records,
    members: _MemberTable,
    specs: list[Any],
    round_key: tuple[str, Any],
) -> dict[str, Block]:
    """The indicators counted from the records (members active, groups, cooperatives)."""
    wanted = {i.code: i for i in indicators if isinstance(i, CoreIndicator) and i.code in _RECORDS}
    if not wanted:
        return {}
    on = records.on(members.frames)
    done: dict[str, Block] = {}
    tables = {"members", "groups", "cooperatives"} & {_RECORDS[c] for c in wanted}
    for source in sorted(tables):
        plans = []
        if source == "members":
            recorded = members.surveyed.column("household_size")
            table = records.active_members(on, members.positions, recorded)
            dims = records.dims
            counted = {"members": pl.len(), "household_members": pl.col("size").sum()}
        elif source == "groups":
            table, dims = records.groups(on), ["sector"]
            active = pl.col("active").sum()
            counted = {"groups": pl.len(), "active_groups": active, "active_group_share": active}
        else:
            table, dims = records.cooperatives(on), []
            counted = {"legal_cooperatives": pl.col("legal").sum()}
        for code, expr in counted.items():
            if code in wanted:
                plan = Plan(wanted[code], "sum", code)
                plan.aggs = [
                    pl.len().alias(f"{code}_units"),
                    pl.len().alias(f"{code}_n"),
                    expr.alias(f"{code}_total"),
                ]
                plan.scales = (0,)
                plans.append(plan)
        done.update(aggregate(engine, table, dims, plans, specs, records.naming, round_key))
    return done


class _MemberTable:
    """The members surveyed in one round key, all clusters together, as one polars frame."""

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
            codes = np.where(known, members[f"_d_{dim}"][safe], -1)
            series = pl.Series(f"_d_{dim}", codes)
            self.columns[f"_d_{dim}"] = (
                pl.select(pl.when(series >= 0).then(series)).to_series().alias(f"_d_{dim}")
            )
        self.record_sizes = np.where(known, members["size"][safe], 0)
        self.meta: dict[str, tuple[int, int, str]] = {}  # column -> scale, bound, kind
        self.ranges: dict[str, tuple[int, int] | None] = {}  # column -> smallest, largest
        self.derived: dict[str, pl.Expr] = {}
        self.poverty: tuple[Plan, pl.Expr] | None = None
        self.poor: pl.DataFrame | None = None
        self.formulas = Formulas(engine._trees, self._value)
        self.count = 0

    # -- columns --------------------------------------------------------------------------------
    def _value(self, code: str, baseline: bool) -> Value:
        name = f"{'b' if baseline else 'v'}_{code}"
        if name not in self.meta:
            self._load(code, name, baseline)
        scale, bound, kind = self.meta[name]
        return Value(pl.col(name), scale, bound, kind)

    def _load(self, code: str, name: str, baseline: bool) -> None:
        variable = self.engine.observations.variable(code)
        if variable.level is not Level.MEMBER:
            raise Unsupported(f"{code!r} is not a member variable")
        if variable.type not in (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN):
            raise Unsupported(f"{variable.type.value} values")
        kind = BOOLEAN if variable.type is ValueType.BOOLEAN else NUMBER
        read = self.surveyed.column(code, baseline=baseline)
        if read is None:
            length = self.surveyed.length
            data, valid, scale = np.zeros(length, np.int64), np.zeros(length, bool), 0
        else:
            data, valid, scale = read
        if code == "household_size":
            # As UnitFrame.scaled: a size the round did not record comes from the member record.
            use = ~valid & (self.record_sizes > 0)
            data, valid = np.where(use, self.record_sizes, data), valid | use
        present = data[valid]
        found = (int(present.min()), int(present.max())) if len(present) else None
        bound = max(abs(found[0]), abs(found[1])) if found else 0
        values = pl.Series(name, data.astype(bool) if kind == BOOLEAN else data)
        self.columns[name] = pl.select(pl.when(pl.Series(valid)).then(values)).to_series()
        self.meta[name] = (scale, bound, kind)
        self.ranges[name] = found

    def _within(self, name: str, low: int, high: int) -> bool:
        """Whether every value present of column ``name`` is within ``low``-``high``."""
        found = self.ranges[name]
        return found is None or (low <= found[0] and found[1] <= high)

    def table(self) -> pl.DataFrame:
        """The frame with every column the plans read, and the derived ones."""
        frame = pl.DataFrame([s.alias(n) for n, s in self.columns.items()])
        if self.derived:
            frame = frame.with_columns(**self.derived)
        if self.poverty is not None:
            _, gap = self.poverty
            keys = ["_c", *(f"_d_{d}" for d in self.records.dims)]
            self.poor = frame.filter(pl.col("_poor").fill_null(False)).select(
                *keys,
                pl.col("_z"),
                pl.col("_s"),
                gap.cast(pl.Int128).alias("_g"),
                (gap.cast(pl.Int128) ** 2).alias("_g2"),
            )
        return frame

    def _lines(self, scale: int) -> tuple[pl.Expr, int]:
        """Each unit's per-capita poverty line scaled to ``scale`` (null where none)."""
        raw: list[int | None] = []
        for frame in self.frames:
            line = _poverty_line(frame)
            if isinstance(line, NotAvailable):
                raw.append(None)
                continue
            value, decimals = literal(line)
            raw.append(value * 10 ** (scale - decimals))
        index = self.records.naming.cluster_index
        by_cluster: list[int | None] = [None] * len(index)
        for frame, z in zip(self.frames, raw, strict=True):
            by_cluster[index[frame.cluster.id]] = z
        if "_z" not in self.columns:
            lines = pl.Series("z", by_cluster, dtype=pl.Int64)
            self.columns["_z"] = pl.select(lines.gather(self.columns["_c"])).to_series()
        return pl.col("_z"), max((z for z in raw if z is not None), default=0)

    def _line_scale(self, income: Value) -> int:
        lines = [_poverty_line(f) for f in self.frames]
        return max(
            [income.scale, *(literal(z)[1] for z in lines if not isinstance(z, NotAvailable))]
        )

    # -- plans ----------------------------------------------------------------------------------
    def plan(self, indicator: AnyIndicator) -> Plan | None:
        """What to aggregate for ``indicator``, or ``None`` when the Python path does it."""
        if indicator.level is not Level.MEMBER or indicator.aggregation is Aggregation.MEDIAN:
            return None
        if isinstance(indicator, CoreIndicator):
            return self._core_plan(indicator)
        scope = self._scope(indicator.sector)
        tree = self.engine._trees[indicator.code]
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(tree, Binary)
            top, bottom = self.formulas(tree.left), self.formulas(tree.right)
            return self._ratio_plan(indicator, scope, top, bottom)
        return self._sum_plan(indicator, scope, self.formulas(tree))

    def _name(self) -> str:
        self.count += 1
        return f"p{self.count}"

    def _scope(self, sector: str) -> pl.Expr | None:
        if sector == CORE_SECTOR:
            return None  # every member
        naming = self.records.naming
        with_sector = [
            naming.cluster_index[f.cluster.id]
            for f in self.frames
            if sector in f.cluster.sector_codes
        ]
        code = naming.code("sector", sector)
        return pl.col("_c").is_in(with_sector) & (pl.col("_d_sector") == code).fill_null(False)

    def _sum_plan(self, indicator: AnyIndicator, scope: pl.Expr | None, value: Value) -> Plan:
        plan = Plan(indicator, "sum", self._name())
        expr = value.expr if scope is None else pl.when(scope).then(value.expr)
        total = expr.sum() if value.kind == BOOLEAN else self._sum(expr, value.bound)
        plan.aggs = [
            _units(scope).alias(f"{plan.name}_units"),
            expr.is_not_null().sum().alias(f"{plan.name}_n"),
            total.alias(f"{plan.name}_total"),
        ]
        plan.scales = (value.scale if value.kind == NUMBER else 0,)
        return plan

    def _ratio_plan(
        self, indicator: AnyIndicator, scope: pl.Expr | None, top: Value, bottom: Value
    ) -> Plan:
        plan = Plan(indicator, "ratio", self._name())
        both = top.expr.is_not_null() & bottom.expr.is_not_null()
        if scope is not None:
            both = scope & both
        name = plan.name
        plan.aggs = [
            _units(scope).alias(f"{name}_units"),
            both.sum().alias(f"{name}_n"),
            self._sum(pl.when(both).then(top.expr), top.bound).alias(f"{name}_top"),
            self._sum(pl.when(both).then(bottom.expr), bottom.bound).alias(f"{name}_bottom"),
        ]
        plan.scales = (top.scale, bottom.scale)
        return plan

    def _sum(self, expr: pl.Expr, bound: int) -> pl.Expr:
        # A sum over every unit of the round cannot overflow when this holds; else Int128.
        most = bound * max(self.surveyed.length, 1)
        if most <= INT64:
            return expr.sum()
        if most >= INT128:
            raise Unsupported("a sum beyond 128 bits")
        return expr.cast(pl.Int128).sum()

    def _core_plan(self, indicator: CoreIndicator) -> Plan | None:
        code = indicator.code
        if code == "income_per_capita":
            income, sizes = (
                self._value("monthly_income", False),
                self._value("household_size", False),
            )
            return self._ratio_plan(indicator, None, income, sizes)
        if code == "income_change_pct":
            return self._income_change(indicator)
        if code in _POVERTY:
            return self._poverty_plan(indicator)
        if code in _CIBEST:
            return self._cibest_plan(indicator, _CIBEST.index(code))
        if code == "social_capital_index":
            return self._sum_plan(indicator, None, self._social_capital())
        return None

    def _income_change(self, indicator: CoreIndicator) -> Plan:
        income = self._value("monthly_income", False)
        before = self._value("monthly_income", True)
        scale = max(income.scale, before.scale)
        now_up, before_up = 10 ** (scale - income.scale), 10 ** (scale - before.scale)
        bound = 200 * max(income.bound * now_up, before.bound * before_up)
        if bound > INT64:
            raise Unsupported("income change does not fit 64 bits")
        top = Value((income.expr * now_up - before.expr * before_up) * 100, scale, bound, NUMBER)
        bottom = Value(
            pl.when(income.expr.is_not_null()).then(before.expr), before.scale, before.bound, NUMBER
        )
        return self._ratio_plan(indicator, None, top, bottom)

    def _poverty_plan(self, indicator: CoreIndicator) -> Plan:
        if self.poverty is not None:
            return Plan(indicator, "poverty", self.poverty[0].name)  # P0-P2 share their sums
        income = self._value("monthly_income", False)
        sizes = self._value("household_size", False)
        scale = self._line_scale(income)
        z, line_bound = self._lines(scale)
        up = 10 ** (scale - income.scale)
        if max(income.bound * up, line_bound * sizes.bound) * 2 > INT64:
            raise Unsupported("poverty gaps do not fit 64 bits")
        y, s = income.expr * up, sizes.expr
        valid = y.is_not_null() & s.is_not_null() & (s != 0)
        counted = valid & z.is_not_null()
        gap = s * z - pl.max_horizontal(y, pl.lit(0))
        poor = counted & (gap > 0)
        self.derived["_poor"] = poor
        self.derived["_s"] = s
        plan = Plan(indicator, "poverty", self._name())
        self.poverty = (plan, gap)
        name = plan.name
        plan.aggs = [
            pl.len().alias(f"{name}_units"),
            counted.sum().alias(f"{name}_n"),
            (~valid).sum().alias(f"{name}_mi"),
            (valid & z.is_null()).sum().alias(f"{name}_ml"),
            pl.when(counted).then(s).sum().alias(f"{name}_w"),
            pl.when(poor).then(s).sum().alias(f"{name}_pw"),
        ]
        return plan

    def _quadrant(self) -> pl.Expr:
        """Each unit's CIBEST quadrant index (0-3, see ``_welfare_fixed.place``) or null."""
        if "_q" in self.derived:
            return pl.col("_q")
        income = self._value("monthly_income", False)
        sizes = self._value("household_size", False)
        items = [self._value(code, False) for code in CIBEST_ITEMS]
        if not self._within("v_household_size", 1, INT64):
            raise Unsupported("a household size below 1")
        for code, item in zip(CIBEST_ITEMS, items, strict=True):
            if not self._within(f"v_{code}", 10**item.scale, 5 * 10**item.scale):
                raise Unsupported("a spiritual item outside 1-5")
        item_scale = max(i.scale for i in items)
        config = default_cibest(Decimal(1))  # the indicators' lines and boundary rules
        sv_raw, sv_scale = literal(config.spiritual_line)
        top = max(item_scale, sv_scale)
        scale = self._line_scale(income)
        z, line_bound = self._lines(scale)
        up = 10 ** (scale - income.scale)
        if max(income.bound * up, line_bound * sizes.bound) > INT64:
            raise Unsupported("CIBEST lines do not fit 64 bits")
        total = pl.sum_horizontal(
            [i.expr * 10 ** (top - i.scale) for i in items], ignore_nulls=False
        )
        # The mean of the five items ≤ SV  ⟺  their sum ≤ 5·SV; income ≤ line × size.
        sv5 = len(items) * sv_raw * 10 ** (top - sv_scale)
        y, line = income.expr * up, z * sizes.expr
        poor_on_line = config.material_on_line is OnLine.POOR
        material = (y <= line if poor_on_line else y < line).cast(pl.Int8)
        poor_on_score = config.spiritual_on_line is OnLine.POOR
        spiritual = (total <= sv5 if poor_on_score else total < sv5).cast(pl.Int8)
        self.derived["_q"] = material + 2 * spiritual
        return pl.col("_q")

    def _cibest_plan(self, indicator: CoreIndicator, quadrant: int) -> Plan:
        q = self._quadrant()
        plan = Plan(indicator, "sum", self._name())
        plan.aggs = [
            pl.len().alias(f"{plan.name}_units"),
            q.is_not_null().sum().alias(f"{plan.name}_n"),
            (q == quadrant).sum().alias(f"{plan.name}_total"),
        ]
        plan.scales = (0,)
        return plan

    def _social_capital(self) -> Value:
        coefficients, constant, decimals = linear_scale(SOCIAL_CAPITAL_SCALE)
        answers = [self._value(code, False) for code in SOCIAL_CAPITAL_ITEMS]
        if any(a.scale for a in answers):
            raise Unsupported("decimal answers")
        for item, code in zip(SOCIAL_CAPITAL_SCALE.items, SOCIAL_CAPITAL_ITEMS, strict=True):
            low, high = math.ceil(item.minimum), math.floor(item.maximum)
            if not self._within(f"v_{code}", low, high):
                raise Unsupported("an answer outside its item's range")
        factors = [int(c * 10**decimals) for c in coefficients]
        terms = [a.expr * f for a, f in zip(answers, factors, strict=True)]
        expr = pl.sum_horizontal(terms, ignore_nulls=False) + int(constant * 10**decimals)
        bound = sum(abs(f) * a.bound for a, f in zip(answers, factors, strict=True))
        bound += abs(int(constant * 10**decimals))
        if bound > INT64:
            raise Unsupported("the index does not fit 64 bits")
        return Value(expr, decimals, bound, NUMBER)


def _units(scope: pl.Expr | None) -> pl.Expr:
    return pl.len() if scope is None else scope.sum()
