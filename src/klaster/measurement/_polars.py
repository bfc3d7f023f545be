"""The polars fast path of ``Measurement.report`` (``backend="polars"``).

Imported only when a :class:`~klaster.measurement.engine.Measurement` is built with
``backend="polars"`` (the ``columnar`` extra: polars and numpy); ``import klaster`` never imports
it. It computes the same partial aggregates as the Python path
(:mod:`klaster.measurement._fixedpoint`) with one polars group-by per round, and the engine turns
them into figures with the same code, so both paths give equal figures:

- Member values are read from the column store's buffers (:meth:`Column.buffers
  <klaster.measurement.columns.Column.buffers>`) with numpy, without a Python object per value,
  as scaled ``Int64`` integers (``value × 10**scale``, one scale per variable and round, the
  largest of the clusters') with nulls where missing.
- Formulas become polars expressions on those integers with the scales tracked as in
  :class:`~klaster.measurement._fixedpoint.Evaluation`; sums are taken as ``Int128`` when they
  could overflow 64 bits. Nothing is a float: sums and counts are exact, and every ratio and mean
  is divided once, as a ``Decimal``, by the engine.
- FGT P0/P1/P2 are the exact rationals of :class:`~klaster.measurement._fixedpoint.Poverty`
  (sums of ``s·z - y`` and of their squares per household size, as ``Int128``).
- Members and household members (counted from the member records active on each round's date,
  surveyed or not) come from one numpy selection per round over each cluster's records.

Not covered here, and computed by the Python path in the same report: the other indicators
counted from the program's records (groups, active groups, cooperatives), indicators of groups and
cooperatives, medians, formulas fixed point cannot evaluate exactly (a division per unit such as
``change(yield_per_ha)``, ``pct_change``, ``round``, text, categories, dates), and
disaggregations by ``group`` (a member may be in two groups).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np
import polars as pl

from klaster.formula import Binary, Boolean, Call, Conditional, Expr, Name, Number, String, Unary
from klaster.indicator import Aggregation, Indicator
from klaster.measurement._fixedpoint import (
    ANY,
    BOOLEAN,
    NUMBER,
    FixedRatio,
    FixedSum,
    Poverty,
    Unsupported,
    digits_limit,
    literal,
)
from klaster.measurement.core_indicators import CoreIndicator, UnitFrame, _poverty_line
from klaster.measurement.core_variables import CORE_SECTOR
from klaster.measurement.na import NotAvailable
from klaster.variable import Level, ValueType

__all__ = ["cells"]

Combo = tuple[tuple[str, str], ...]
Frames = list[tuple[str, Any, list[UnitFrame]]]

_INT64 = 2**63 - 1
_DIMS = ("sex", "business_type", "kecamatan", "desa")  # besides cluster and sector
_FAST_CORE = ("income_per_capita", "income_change_pct")
_ACTIVE = ("members", "household_members")
_MEMBER_FIELDS = attrgetter("id", "joined", "left", "household_size")
_POVERTY = ("poverty_headcount", "poverty_gap", "poverty_severity")


def cells(
    engine: Any, indicators: Sequence[Indicator | CoreIndicator], frames: Frames, specs: list[Any]
) -> tuple[dict[tuple[str, str], dict[Combo, Any]], list[tuple[str, ...]]]:
    """Partial aggregates per cell for what the fast path covers.

    Returns:
        ``{(indicator code, round key): {combo: partial}}`` for the indicators and rounds done
        here (the engine does the others), and the specs left to the Python path.
    """
    fast_specs = [s for s in specs if "group" not in s]
    slow_specs = [s for s in specs if "group" in s]
    found: dict[tuple[str, str], dict[Combo, Any]] = {}
    if not fast_specs:
        return found, specs
    limit = digits_limit()
    records = _Records(engine, fast_specs)
    counted = [i for i in indicators if isinstance(i, CoreIndicator) and i.code in _ACTIVE]
    for key, _on, frames_of_key in frames:
        if counted:
            found.update(
                {(code, key): c for code, c in records.run(frames_of_key, counted).items()}
            )
        table = _RoundTable(engine, frames_of_key, fast_specs, limit)
        for indicator in indicators:
            try:
                plan = table.plan(indicator)
            except Unsupported:
                continue
            if plan is not None:
                table.add(plan)
        found.update({(code, key): c for code, c in table.run().items()})
    return found, slow_specs


class _Value:
    """A translated (sub)formula: expression, scale, bound of its scaled values, kind."""

    def __init__(self, expr: pl.Expr, scale: int, bound: int, kind: str) -> None:
        self.expr, self.scale, self.bound, self.kind = expr, scale, bound, kind


class _Plan:
    """One indicator's aggregations in the round's group-by, and how to read them back."""

    def __init__(
        self, indicator: Indicator | CoreIndicator, kind: str, scope: pl.Expr | None
    ) -> None:
        self.indicator = indicator
        self.kind = kind  # "sum", "ratio" or "poverty"
        self.scope = scope  # units the indicator is computed on (its sector's members...)
        self.aggs: list[pl.Expr] = []
        self.scales: tuple[int, ...] = ()
        self.name = f"i{id(indicator)}"


class _RoundTable:
    """The members surveyed in one round key (all clusters), as one polars frame."""

    def __init__(self, engine: Any, frames: list[UnitFrame], specs: list[Any], limit: int) -> None:
        self.engine = engine
        self.frames = frames
        self.specs = specs
        self.limit = limit
        self.level = Level.MEMBER
        used = {d for spec in specs for d in spec}
        self.dims = [d for d in ("sector", *_DIMS) if d in used or d == "sector"]
        self.categories: dict[str, list[str]] = {d: [] for d in self.dims}
        self.columns: dict[str, pl.Series] = {}
        self.meta: dict[str, tuple[int, int, str]] = {}  # column -> scale, bound, kind
        self.sizes = [len(f.unit_ids(self.level)) for f in frames]
        self.length = sum(self.sizes)
        frame_ids = np.repeat(np.arange(len(frames), dtype=np.int32), self.sizes)
        self.columns["_f"] = pl.Series("_f", frame_ids)
        for dim in self.dims:
            self.columns[f"_d_{dim}"] = self._dimension(dim)
        self.plans: list[_Plan] = []
        self.derived: dict[str, pl.Expr] = {}

    # -- columns --------------------------------------------------------------------------------
    def _dimension(self, dim: str) -> pl.Series:
        codes: dict[tuple[str, ...], int] = {(): -1}
        names = self.categories[dim]
        parts = []
        for frame in self.frames:
            values = frame.dimension(self.level, dim, frame.unit_ids(self.level)) or ()
            for value in set(values) - codes.keys():
                codes[value] = len(names)
                names.append(value[0])
            parts.append(np.fromiter(map(codes.__getitem__, values), np.int32, len(values)))
        data = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        series = pl.Series(f"_d_{dim}", data)
        return pl.select(pl.when(series >= 0).then(series)).to_series().alias(f"_d_{dim}")

    def column(self, code: str, *, baseline: bool = False) -> _Value:
        """Variable ``code`` (in the baseline round, aligned, if asked) as a scaled column."""
        name = f"{'b' if baseline else 'v'}_{code}"
        if name not in self.meta:
            self._load(code, name, baseline=baseline)
        scale, bound, kind = self.meta[name]
        return _Value(pl.col(name), scale, bound, kind)

    def _load(self, code: str, name: str, *, baseline: bool) -> None:
        variable = self.engine.observations.variable(code)
        if variable.level is not self.level:
            raise Unsupported(f"{code!r} is not a member variable")
        if variable.type not in (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN):
            raise Unsupported(f"{variable.type.value} values")
        kind = BOOLEAN if variable.type is ValueType.BOOLEAN else NUMBER
        data, valid, scale = self._gather(code, baseline=baseline, kind=kind)
        if code == "household_size":
            self._fall_back_to_records(data, valid)
        bound = int(np.abs(data).max()) if len(data) else 0
        if bound > _INT64 or bound >= self.limit:
            raise Unsupported("a value has more digits than the decimal context keeps")
        values = pl.Series(name, data.astype(bool) if kind == BOOLEAN else data)
        self.columns[name] = (
            pl.select(pl.when(pl.Series(valid)).then(values)).to_series().alias(name)
        )
        self.meta[name] = (scale, bound, kind)

    def _gather(
        self, code: str, *, baseline: bool, kind: str
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
        # Each frame's stored column as a zero-copy view, then one concatenation and one
        # selection of the surveyed units for the whole round: a few numpy calls per frame.
        observations = self.engine.observations
        raws, valids, masks, scales, held = [], [], [], [], []
        for frame in self.frames:
            present, _ = _present(frame, self.level)
            length = len(present)
            rnd = frame.baseline if baseline else frame.round
            table = None if rnd is None else observations._stored(rnd.id, self.level)
            column = None if table is None else table.columns.get(code)
            masks.append(present)
            if column is None:
                raws.append(np.zeros(length, dtype=np.int8))
                valids.append(np.zeros(length, dtype=bool))
                scales.append(0)
                continue
            buffers = column.buffers()
            held.append(buffers)
            raw = np.frombuffer(buffers.data, dtype=np.dtype(buffers.typecode))
            if buffers.valid is not None:
                ok = np.frombuffer(buffers.valid, dtype=np.uint8)[:length].view(bool)
            else:
                ok = raw[:length] != buffers.missing_code
            raw = raw[:length]
            if len(raw) < length:  # units numbered after the column's last value: gaps
                raw = np.concatenate([raw, np.zeros(length - len(raw), dtype=raw.dtype)])
                ok = np.concatenate([ok, np.zeros(length - len(ok), dtype=bool)])
            raws.append(raw)
            valids.append(ok)
            scales.append(buffers.scale)
        scale = max(scales, default=0)
        try:
            if scale and any(k != scale for k in scales):
                raws = [
                    r.astype(np.int64) * 10 ** (scale - k) if k != scale else r
                    for r, k in zip(raws, scales, strict=True)
                ]
            data = np.concatenate(raws).astype(np.int64) if raws else np.zeros(0, np.int64)
            valid = np.concatenate(valids) if valids else np.zeros(0, bool)
        finally:
            del raws, valids
            # Release the views at once: the store cannot grow a column while one is alive.
            for buffers in held:
                for view in (buffers.data, buffers.valid):
                    if isinstance(view, memoryview):
                        view.release()
        if masks:
            selected = np.concatenate(masks)
            if not selected.all():
                data, valid = data[selected], valid[selected]
        if kind == BOOLEAN:
            data = (data == 1).astype(np.int64)
        else:
            data[~valid] = 0
        return data, valid, scale

    def _fall_back_to_records(
        self, data: np.ndarray[Any, Any], valid: np.ndarray[Any, Any]
    ) -> None:
        # As UnitFrame.column: a size the round did not record comes from the member record.
        if valid.all():
            return
        sizes = np.concatenate([_record_sizes(f, self.level) for f in self.frames])
        use = ~valid & (sizes > 0)
        data[use] = sizes[use]
        valid |= use

    # -- plans ----------------------------------------------------------------------------------
    def plan(self, indicator: Indicator | CoreIndicator) -> _Plan | None:
        """What to aggregate for ``indicator``, or ``None`` when the Python path does it."""
        if indicator.level is not self.level or indicator.aggregation is Aggregation.MEDIAN:
            return None
        if isinstance(indicator, CoreIndicator):
            if indicator.code in _POVERTY:
                return self._poverty_plan(indicator)
            if indicator.code not in _FAST_CORE:
                return None
            return self._core_plan(indicator)
        scope = self._scope(indicator.sector)
        tree = self.engine._trees[indicator.code]
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(tree, Binary)
            return self._ratio_plan(indicator, scope, self._eval(tree.left), self._eval(tree.right))
        return self._sum_plan(indicator, scope, self._eval(tree))

    def _scope(self, sector: str) -> pl.Expr | None:
        if sector == CORE_SECTOR:
            return None  # every member
        frames = [i for i, f in enumerate(self.frames) if sector in f.cluster.sector_codes]
        names = self.categories["sector"]
        code = names.index(sector) if sector in names else -2
        return pl.col("_f").is_in(frames) & (pl.col("_d_sector") == code).fill_null(False)

    def _sum_plan(self, indicator: Any, scope: pl.Expr | None, value: _Value) -> _Plan:
        plan = _Plan(indicator, "sum", scope)
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
        self, indicator: Any, scope: pl.Expr | None, top: _Value, bottom: _Value
    ) -> _Plan:
        plan = _Plan(indicator, "ratio", scope)
        both = top.expr.is_not_null() & bottom.expr.is_not_null()
        if scope is not None:
            both = scope & both
        plan.aggs = [
            _units(scope).alias(f"{plan.name}_units"),
            both.sum().alias(f"{plan.name}_n"),
            self._sum(pl.when(both).then(top.expr), top.bound).alias(f"{plan.name}_top"),
            self._sum(pl.when(both).then(bottom.expr), bottom.bound).alias(f"{plan.name}_bottom"),
        ]
        plan.scales = (top.scale, bottom.scale)
        return plan

    def _sum(self, expr: pl.Expr, bound: int) -> pl.Expr:
        # A sum over every unit of the round cannot overflow when this holds; else Int128.
        if bound * max(self.length, 1) <= _INT64:
            return expr.sum()
        return expr.cast(pl.Int128).sum()

    def _core_plan(self, indicator: CoreIndicator) -> _Plan:
        income = self.column("monthly_income")
        if indicator.code == "income_per_capita":
            sizes = self.column("household_size")
            return self._ratio_plan(indicator, None, income, sizes)
        before = self.column("monthly_income", baseline=True)
        scale = max(income.scale, before.scale)
        now_up, before_up = 10 ** (scale - income.scale), 10 ** (scale - before.scale)
        bound = 200 * max(income.bound * now_up, before.bound * before_up)
        if bound > _INT64 or bound >= self.limit:
            raise Unsupported("income change does not fit 64 bits")
        top = _Value((income.expr * now_up - before.expr * before_up) * 100, scale, bound, NUMBER)
        bottom = _Value(
            pl.when(income.expr.is_not_null()).then(before.expr), before.scale, before.bound, NUMBER
        )
        return self._ratio_plan(indicator, None, top, bottom)

    def _poverty_plan(self, indicator: CoreIndicator) -> _Plan | None:
        if any(p.kind == "poverty" for p in self.plans):
            plan = _Plan(indicator, "poverty", None)
            plan.name = next(p.name for p in self.plans if p.kind == "poverty")
            return plan
        income = self.column("monthly_income")
        sizes = self.column("household_size")
        lines = [_poverty_line(f) for f in self.frames]
        scale = max(
            [income.scale] + [literal(z)[1] for z in lines if not isinstance(z, NotAvailable)]
        )
        up = 10 ** (scale - income.scale)
        raw = [
            None if isinstance(z, NotAvailable) else literal(z)[0] * 10 ** (scale - literal(z)[1])
            for z in lines
        ]
        line_bound = max((z for z in raw if z is not None), default=0)
        if max(income.bound * up, line_bound * sizes.bound) * 2 > _INT64:
            raise Unsupported("poverty gaps do not fit 64 bits")
        z_by_frame = pl.Series("z", raw, dtype=pl.Int64)
        self.columns["_z"] = (
            pl.select(z_by_frame.gather(self.columns["_f"])).to_series().alias("_z")
        )
        plan = _Plan(indicator, "poverty", None)
        y, s, z = income.expr * up, sizes.expr, pl.col("_z")
        valid = y.is_not_null() & s.is_not_null() & (s != 0)
        counted = valid & z.is_not_null()
        gap = s * z - pl.max_horizontal(y, pl.lit(0))
        poor = counted & (gap > 0)
        self.derived["_poor"] = poor
        self.derived["_gap"] = pl.when(poor).then(gap)
        self.derived["_s"] = s
        name = plan.name
        plan.aggs = [
            pl.len().alias(f"{name}_units"),
            counted.sum().alias(f"{name}_n"),
            (~valid).sum().alias(f"{name}_mi"),
            (valid & z.is_null()).sum().alias(f"{name}_ml"),
            pl.when(counted).then(s).sum().alias(f"{name}_w"),
            pl.when(poor).then(s).sum().alias(f"{name}_pw"),
            pl.when(poor).then(gap).cast(pl.Int128).sum().alias(f"{name}_g"),
            pl.col("_z").first().alias(f"{name}_z"),
        ]
        return plan

    def add(self, plan: _Plan) -> None:
        """Compute ``plan`` in this round's group-by."""
        self.plans.append(plan)

    # -- formulas -------------------------------------------------------------------------------
    def _eval(self, node: Expr, baseline: bool = False) -> _Value:
        if isinstance(node, Number):
            raw, scale = literal(node.value)
            if abs(raw) >= min(self.limit, _INT64):
                raise Unsupported("a number too large")
            return _Value(pl.lit(raw, dtype=pl.Int64), scale, abs(raw), NUMBER)
        if isinstance(node, Boolean):
            return _Value(pl.lit(node.value), 0, 1, BOOLEAN)
        if isinstance(node, String):
            raise Unsupported("text values")
        if isinstance(node, Name):
            tree = self.engine._trees.get(node.code)
            if tree is not None:
                return self._eval(tree, baseline)
            return self.column(node.code, baseline=baseline)
        if isinstance(node, Unary):
            inner = self._eval(node.operand, baseline)
            if node.op == "not":
                return _Value(~inner.expr, 0, 1, BOOLEAN)
            return _Value(-inner.expr, inner.scale, inner.bound, NUMBER)
        if isinstance(node, Binary):
            return self._binary(node, baseline)
        if isinstance(node, Conditional):
            cond = self._eval(node.condition, baseline).expr
            then, other = self._eval(node.then, baseline), self._eval(node.otherwise, baseline)
            scale, (a, b), bound = self._align([then, other])
            kind = _kind(then, other)
            expr = pl.when(cond.is_null()).then(None).when(cond).then(a).otherwise(b)
            return _Value(expr, scale, bound, kind)
        return self._call(node, baseline)

    def _check(self, bound: int) -> int:
        if bound > _INT64 or bound >= self.limit:
            raise Unsupported("a value does not fit 64 bits or the decimal context")
        return bound

    def _align(self, parts: Sequence[_Value]) -> tuple[int, list[pl.Expr], int]:
        scale = max((p.scale for p in parts if p.kind == NUMBER), default=0)
        out, bound = [], 0
        for part in parts:
            if part.kind != NUMBER or part.scale == scale:
                out.append(part.expr)
                bound = max(bound, part.bound)
                continue
            factor = 10 ** (scale - part.scale)
            bound = max(bound, self._check(part.bound * factor))
            out.append(part.expr * factor)
        return scale, out, bound

    def _binary(self, node: Binary, baseline: bool) -> _Value:
        op = node.op
        if op == "/":
            raise Unsupported("a division per unit is rounded by the decimal context")
        left, right = self._eval(node.left, baseline), self._eval(node.right, baseline)
        if op == "and":
            return _Value(left.expr & right.expr, 0, 1, BOOLEAN)
        if op == "or":
            return _Value(left.expr | right.expr, 0, 1, BOOLEAN)
        if op == "*":
            bound = self._check(left.bound * right.bound)
            return _Value(left.expr * right.expr, left.scale + right.scale, bound, NUMBER)
        scale, (a, b), bound = self._align([left, right])
        if op == "+":
            return _Value(a + b, scale, self._check(2 * bound), NUMBER)
        if op == "-":
            return _Value(a - b, scale, self._check(2 * bound), NUMBER)
        compare = {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "==": a == b,
            "!=": a != b,
        }[op]
        return _Value(compare, 0, 1, BOOLEAN)

    def _call(self, node: Call, baseline: bool) -> _Value:
        name = node.function
        if name == "missing":
            return _Value(pl.lit(None, dtype=pl.Int64), 0, 0, ANY)
        if name in ("baseline", "change"):
            # Frames without a baseline (the baseline round itself) hold only gaps there.
            before = self._eval(node.args[0], True)
            if name == "baseline":
                return before
            now = self._eval(node.args[0], baseline)
            scale, (a, b), bound = self._align([now, before])
            return _Value(a - b, scale, self._check(2 * bound), NUMBER)
        if name not in ("is_missing", "coalesce", "abs", "min", "max"):
            raise Unsupported(f"{name}() is rounded or needs a division")
        args = [self._eval(a, baseline) for a in node.args]
        if name == "is_missing":
            return _Value(args[0].expr.is_null(), 0, 1, BOOLEAN)
        if name == "abs":
            return _Value(args[0].expr.abs(), args[0].scale, args[0].bound, NUMBER)
        scale, exprs, bound = self._align(args)
        kind = _kind(*args)
        if name == "coalesce":
            return _Value(pl.coalesce(exprs), scale, bound, kind)
        any_missing = pl.any_horizontal([e.is_null() for e in exprs])
        pick = pl.min_horizontal(exprs) if name == "min" else pl.max_horizontal(exprs)
        return _Value(pl.when(any_missing).then(None).otherwise(pick), scale, bound, kind)

    # -- running --------------------------------------------------------------------------------
    def run(self) -> dict[str, dict[Combo, Any]]:
        """One group-by for every plan; the partials merged into cells per spec."""
        if not self.plans or not self.length:
            return {p.indicator.code: {} for p in self.plans}
        keys = ["_f"] + [f"_d_{d}" for d in self.dims if d != "sector" or self._by_sector()]
        frame = pl.DataFrame(list(self.columns.values()))
        if self.derived:
            frame = frame.with_columns(**self.derived)
        aggs: dict[str, pl.Expr] = {}
        for plan in self.plans:
            for agg in plan.aggs:
                aggs[agg.meta.output_name()] = agg
        grouped = frame.group_by(keys).agg(list(aggs.values()))
        severity = None
        if any(p.kind == "poverty" for p in self.plans):
            severity = (
                frame.filter(pl.col("_poor").fill_null(False))
                .group_by([*keys, "_s"])
                .agg((pl.col("_gap").cast(pl.Int128) ** 2).sum().alias("g2"))
            )
        return self._cells(grouped, keys, severity)

    def _by_sector(self) -> bool:
        return any("sector" in spec for spec in self.specs)

    def _cells(
        self, grouped: pl.DataFrame, keys: list[str], severity: pl.DataFrame | None
    ) -> dict[str, dict[Combo, Any]]:
        squares: dict[tuple[Any, ...], dict[int, int]] = {}
        if severity is not None:
            for row in severity.iter_rows(named=True):
                key = tuple(row[k] for k in keys)
                squares.setdefault(key, {})[row["_s"]] = row["g2"]
        out: dict[str, dict[Combo, Any]] = {p.indicator.code: {} for p in self.plans}
        rows = grouped.iter_rows(named=True)
        for row in rows:
            combos = self._combos(row, keys)
            key = tuple(row[k] for k in keys)
            for plan in self.plans:
                part = self._partial(plan, row, squares.get(key, {}))
                if part is None:
                    continue
                target = out[plan.indicator.code]
                for combo in combos:
                    cell = target.get(combo)
                    if cell is None:
                        target[combo] = part.copy()
                    else:
                        cell.merge(part)
        return out

    def _combos(self, row: dict[str, Any], keys: list[str]) -> list[Combo]:
        return _spec_combos(self.specs, self.frames[row["_f"]], row, self.categories)

    def _partial(self, plan: _Plan, row: dict[str, Any], squares: dict[int, int]) -> Any:
        name = plan.name
        units = row[f"{name}_units"]
        if not units:
            return None  # no unit of the indicator's scope here: no cell, as in Python
        n = row[f"{name}_n"]
        if plan.kind == "sum":
            total = int(row[f"{name}_total"] or 0)
            return FixedSum(n, units - n, total, plan.scales[0] if n else 0)
        if plan.kind == "ratio":
            if not n:
                return FixedRatio(0, units)
            return FixedRatio(
                n,
                units - n,
                int(row[f"{name}_top"]),
                plan.scales[0],
                int(row[f"{name}_bottom"]),
                plan.scales[1],
            )
        part = Poverty()
        part.n = n
        part.missing_income = row[f"{name}_mi"]
        part.missing_line = row[f"{name}_ml"]
        part.weight = int(row[f"{name}_w"] or 0)
        part.poor_weight = int(row[f"{name}_pw"] or 0)
        z = row[f"{name}_z"]
        if part.poor_weight and z is not None:
            part.depth = {z: int(row[f"{name}_g"])}
            part.severity = {(z, s): int(v) for s, v in squares.items()}
        return part


class _Records:
    """Members active on each round's date (surveyed or not): ``members`` and their households.

    Each cluster's members are read once per report (join and leave dates, household sizes,
    categories); each round then selects the active ones with numpy.
    """

    def __init__(self, engine: Any, specs: list[Any]) -> None:
        self.engine = engine
        self.specs = specs
        used = {d for spec in specs for d in spec}
        self.dims = [d for d in ("sector", *_DIMS) if d in used]
        self.categories: dict[str, list[str]] = {d: [] for d in self.dims}
        self.codes: dict[str, dict[tuple[str, ...], int]] = {d: {(): -1} for d in self.dims}
        self.clusters: dict[str, dict[str, Any]] = {}

    def _cluster(self, frame: UnitFrame) -> dict[str, Any]:
        found = self.clusters.get(frame.cluster.id)
        if found is not None:
            return found
        # One C-level pass over the records, then day numbers (ordinals) of the dates.
        fields = list(map(_MEMBER_FIELDS, frame.cluster.members))
        ids, joined, left, sizes = zip(*fields, strict=True) if fields else ((), (), (), ())
        never = 10**7  # "not left": an ordinal later than any date's
        found = {
            "joined": np.array([d.toordinal() for d in joined], dtype=np.int64),
            "left": np.array([never if d is None else d.toordinal() for d in left], dtype=np.int64),
            "size": np.array(sizes, dtype=np.int64),
        }
        units = frame.observations._numbering(frame.cluster.id, Level.MEMBER)
        where = {} if units is None else units.index
        found["index"] = np.array([where.get(u, -1) for u in ids], dtype=np.int64)
        for dim in self.dims:
            categories = frame._member_categories(dim)
            codes, names = self.codes[dim], self.categories[dim]
            values = [categories[u] for u in ids]
            for value in set(values) - codes.keys():
                codes[value] = len(names)
                names.append(value[0])
            found[dim] = np.array(list(map(codes.__getitem__, values)), dtype=np.int32)
        self.clusters[frame.cluster.id] = found
        return found

    def run(
        self, frames: list[UnitFrame], indicators: Sequence[Indicator | CoreIndicator]
    ) -> dict[str, dict[Combo, Any]]:
        columns: dict[str, list[np.ndarray[Any, Any]]] = {k: [] for k in ("_f", "size", *self.dims)}
        for number, frame in enumerate(frames):
            data = self._cluster(frame)
            on = frame.round.on.toordinal()
            active = (data["joined"] <= on) & (on < data["left"])
            sizes = data["size"][active]
            index = data["index"][active]
            recorded, ok = _raw(frame, "household_size")
            if recorded is not None:
                # A size recorded in this round replaces the member record's (UnitFrame.column).
                inside = (index >= 0) & (index < len(recorded))
                safe = np.where(inside, index, 0)
                use = inside & ok[safe]
                sizes = np.where(use, recorded[safe], sizes)
            columns["_f"].append(np.full(len(sizes), number, dtype=np.int32))
            columns["size"].append(sizes)
            for dim in self.dims:
                columns[dim].append(data[dim][active])
        if not columns["_f"]:
            return {i.code: {} for i in indicators}
        table = pl.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
        keys = ["_f", *self.dims]
        grouped = table.group_by(keys).agg(pl.len().alias("n"), pl.col("size").sum().alias("s"))
        out: dict[str, dict[Combo, Any]] = {i.code: {} for i in indicators}
        for row in grouped.iter_rows(named=True):
            frame = frames[row["_f"]]
            parts = {
                "members": FixedSum(row["n"], 0, row["n"]),
                "household_members": FixedSum(row["n"], 0, int(row["s"])),
            }
            for combo in _spec_combos(self.specs, frame, row, self.categories):
                for code, target in out.items():
                    cell = target.get(combo)
                    if cell is None:
                        target[combo] = parts[code].copy()
                    else:
                        cell.merge(parts[code])
        return out


def _raw(frame: UnitFrame, code: str) -> tuple[Any, Any]:
    """A column of the frame's round over the cluster's unit numbering: (data, valid) or Nones."""
    table = frame.observations._stored(frame.round.id, Level.MEMBER)
    column = None if table is None else table.columns.get(code)
    if column is None:
        return None, None
    buffers = column.buffers()
    try:
        data = np.frombuffer(buffers.data, dtype=np.dtype(buffers.typecode)).astype(np.int64)  # type: ignore[arg-type]
        valid = np.frombuffer(buffers.valid, dtype=np.uint8).astype(bool)  # type: ignore[arg-type]
    finally:
        for view in (buffers.data, buffers.valid):
            if isinstance(view, memoryview):
                view.release()
    return data, valid


def _spec_combos(
    specs: list[Any], frame: UnitFrame, row: dict[str, Any], categories: dict[str, list[str]]
) -> list[Combo]:
    combos = []
    for spec in specs:
        combo = []
        for dim in spec:
            if dim == "cluster":
                combo.append((dim, frame.cluster.id))
                continue
            code = row.get(dim, row.get(f"_d_{dim}"))
            if code is None or code < 0:
                break
            combo.append((dim, categories[dim][code]))
        else:
            combos.append(tuple(combo))
    return combos


def _units(scope: pl.Expr | None) -> pl.Expr:
    return pl.len() if scope is None else scope.sum()


def _kind(*parts: _Value) -> str:
    kinds = {p.kind for p in parts} - {ANY}
    return kinds.pop() if kinds else ANY


def _record_sizes(frame: UnitFrame, level: Level) -> np.ndarray[Any, Any]:
    """The member record's household size of each surveyed unit (0 for a non-member)."""
    by_unit = frame._shared.get("record_sizes")
    if by_unit is None:
        # Once per cluster: the sizes in the store's numbering of its units.
        units = frame.observations._numbering(frame.cluster.id, level)
        members = frame.cluster.members
        ids = [] if units is None else units.ids
        by_unit = frame._shared["record_sizes"] = np.array(
            [m.household_size if (m := members.get(u)) is not None else 0 for u in ids],
            dtype=np.int64,
        )
    present, everyone = _present(frame, level)
    sizes = by_unit[: len(present)]
    if len(sizes) < len(present):
        sizes = np.concatenate([sizes, np.zeros(len(present) - len(sizes), dtype=np.int64)])
    return sizes if everyone else sizes[present]


def _present(frame: UnitFrame, level: Level) -> tuple[np.ndarray[Any, Any], bool]:
    """The frame's "surveyed" mask over the cluster's units, and whether it is all true."""
    key = ("present", level)
    found = frame._cache.get(key)
    if found is None:
        table = frame.observations._stored(frame.round.id, level)
        mask = np.frombuffer(bytes(table.present if table else b""), dtype=np.uint8).astype(bool)
        found = frame._cache[key] = (mask, bool(mask.all()))
    return found
