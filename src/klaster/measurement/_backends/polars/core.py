"""Core indicators of surveyed members on the fast path: income, poverty, CIBEST, social capital.

Each is planned on a :class:`~klaster.measurement._backends.polars.members.MemberTable` with the
same
integer rules as its fixed-point reader (:mod:`klaster.measurement._backends.python.core`): income
per
capita and paired income change as ratios of sums; FGT P0-P2 from exact sums of the gaps
``s·z - y`` and their squares per line and household size; each member's CIBEST quadrant from
integer comparisons; the social-capital index as ``Σ cᵢ·aᵢ + c₀`` at a few decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal

import polars as pl

from klaster.measurement._backends.polars.cells import Plan
from klaster.measurement._backends.polars.formulas import INT64, Value
from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.python.core import default_cibest
from klaster.measurement._backends.python.fixedpoint import NUMBER, Unsupported, literal
from klaster.measurement._backends.python.welfare import linear_scale
from klaster.measurement.compiler import Shift
from klaster.measurement.core_indicators import CoreIndicator, frame_poverty_lines
from klaster.measurement.methods.cibest import OnLine
from klaster.measurement.na import NotAvailable
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS

__all__ = ["CIBEST_CODES", "POVERTY_CODES", "core_plan", "poor_units", "quadrant"]

POVERTY_CODES = ("poverty_headcount", "poverty_gap", "poverty_severity")
CIBEST_CODES = (
    "cibest_welfare",
    "cibest_material_poverty",
    "cibest_spiritual_poverty",
    "cibest_absolute_poverty",
)


def core_plan(table: MemberTable, indicator: CoreIndicator) -> Plan | None:
    """The plan of a core indicator of surveyed members (``None``: not one of those)."""
    code = indicator.code
    if code == "income_per_capita":
        income, sizes = table.value("monthly_income"), table.value("household_size")
        return table.ratio_plan(indicator, income, sizes)
    if code == "income_change_pct":
        return _income_change(table, indicator)
    if code in POVERTY_CODES:
        return _poverty(table, indicator)
    if code in CIBEST_CODES:
        return _cibest(table, indicator, CIBEST_CODES.index(code))
    if code == "social_capital_index":
        return table.sum_plan(indicator, _social_capital(table))
    return None


def _income_change(table: MemberTable, indicator: CoreIndicator) -> Plan:
    income = table.value("monthly_income")
    before = table.value("monthly_income", Shift.BASELINE)
    scale = max(income.scale, before.scale)
    now_up, before_up = 10 ** (scale - income.scale), 10 ** (scale - before.scale)
    bound = 200 * max(income.bound * now_up, before.bound * before_up)
    if bound > INT64:
        raise Unsupported("income change does not fit 64 bits")
    top = Value((income.expr * now_up - before.expr * before_up) * 100, scale, bound, NUMBER)
    bottom = Value(
        pl.when(income.expr.is_not_null()).then(before.expr), before.scale, before.bound, NUMBER
    )
    return table.ratio_plan(indicator, top, bottom)


def _lines(table: MemberTable, income: Value) -> tuple[pl.Expr, int, int]:
    """Each member's per-capita poverty line (null where none), its scale and largest value.

    The scale is the incomes' or the lines' decimals, whichever is larger.
    """
    lines = frame_poverty_lines(table.frames)  # one look-up per area and date
    scale = max([income.scale, *(literal(z)[1] for z in lines if not isinstance(z, NotAvailable))])
    index = table.records.naming.cluster_index
    by_cluster: list[int | None] = [None] * len(index)
    for frame, line in zip(table.frames, lines, strict=True):
        if not isinstance(line, NotAvailable):
            value, decimals = literal(line)
            by_cluster[index[frame.cluster.id]] = value * 10 ** (scale - decimals)
    name = f"_z{scale}"
    if name not in table.columns:
        series = pl.Series(by_cluster, dtype=pl.Int64)
        table.columns[name] = pl.select(series.gather(table.columns["_c"])).to_series()
    largest = max((z for z in by_cluster if z is not None), default=0)
    return pl.col(name), scale, largest


def _poverty(table: MemberTable, indicator: CoreIndicator) -> Plan:
    if table.poverty is not None:
        return Plan(indicator, "poverty", table.poverty[0].name)  # P0-P2 share their sums
    income, sizes = table.value("monthly_income"), table.value("household_size")
    z, scale, largest = _lines(table, income)
    up = 10 ** (scale - income.scale)
    if max(income.bound * up, largest * sizes.bound) * 2 > INT64:
        raise Unsupported("poverty gaps do not fit 64 bits")
    y, s = income.expr * up, sizes.expr
    valid = y.is_not_null() & s.is_not_null() & (s != 0)
    counted = valid & z.is_not_null()
    gap = s * z - pl.max_horizontal(y, pl.lit(0))
    poor = counted & (gap > 0)
    plan = Plan(indicator, "poverty", table.name())
    table.poverty = (plan, pl.struct(poor=poor, z=z, s=s, g=gap))
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


def poor_units(table: MemberTable, members: pl.LazyFrame) -> pl.LazyFrame | None:
    """The poor members' cluster, categories, line ``_z``, size ``_s``, gap ``_g`` and ``_g2``."""
    if table.poverty is None:
        return None
    keys = ["_c", *(f"_d_{d}" for d in table.records.dims)]
    found = members.select(*keys, table.poverty[1].alias("_p")).unnest("_p")
    gap = pl.col("g").cast(pl.Int128)
    return found.filter(pl.col("poor").fill_null(False)).select(
        *keys,
        pl.col("z").alias("_z"),
        pl.col("s").alias("_s"),
        gap.alias("_g"),
        (gap * gap).alias("_g2"),
    )


def quadrant(table: MemberTable) -> pl.Expr:
    """Each member's CIBEST quadrant index (0-3, see ``_welfare_fixed.place``) or null."""
    income, sizes = table.value("monthly_income"), table.value("household_size")
    items = [table.value(code) for code in CIBEST_ITEMS]
    if not table.within("v_household_size", 1, INT64):
        raise Unsupported("a household size below 1")
    for code, item in zip(CIBEST_ITEMS, items, strict=True):
        if not table.within(f"v_{code}", 10**item.scale, 5 * 10**item.scale):
            raise Unsupported("a spiritual item outside 1-5")
    config = default_cibest(Decimal(1))  # the indicators' spiritual line and boundary rules
    sv_raw, sv_scale = literal(config.spiritual_line)
    top = max(sv_scale, *(i.scale for i in items))
    z, scale, largest = _lines(table, income)
    up = 10 ** (scale - income.scale)
    if max(income.bound * up, largest * sizes.bound) > INT64:
        raise Unsupported("CIBEST lines do not fit 64 bits")
    total = pl.sum_horizontal([i.expr * 10 ** (top - i.scale) for i in items], ignore_nulls=False)
    # The mean of the five items ≤ SV  ⟺  their sum ≤ 5·SV; income ≤ line × size.
    sv5 = len(items) * sv_raw * 10 ** (top - sv_scale)
    y, line = income.expr * up, z * sizes.expr
    poor_on_line = config.material_on_line is OnLine.POOR
    material = (y <= line if poor_on_line else y < line).cast(pl.Int8)
    poor_on_score = config.spiritual_on_line is OnLine.POOR
    spiritual = (total <= sv5 if poor_on_score else total < sv5).cast(pl.Int8)
    quadrant: pl.Expr = material + 2 * spiritual
    return quadrant


def _cibest(table: MemberTable, indicator: CoreIndicator, number: int) -> Plan:
    if table.quadrant is None:
        table.quadrant = table.derive(quadrant(table))
    q = table.quadrant
    plan = Plan(indicator, "sum", table.name())
    plan.aggs = [
        pl.len().alias(f"{plan.name}_units"),
        q.is_not_null().sum().alias(f"{plan.name}_n"),
        (q == number).sum().alias(f"{plan.name}_total"),
    ]
    plan.scales = (0,)
    return plan


def _social_capital(table: MemberTable) -> Value:
    coefficients, constant, decimals = linear_scale(SOCIAL_CAPITAL_SCALE)
    answers = [table.value(code) for code in SOCIAL_CAPITAL_ITEMS]
    if any(a.scale for a in answers):
        raise Unsupported("decimal answers")
    for item, code in zip(SOCIAL_CAPITAL_SCALE.items, SOCIAL_CAPITAL_ITEMS, strict=True):
        if not table.within(f"v_{code}", math.ceil(item.minimum), math.floor(item.maximum)):
            raise Unsupported("an answer outside its item's range")
    factors = [int(c * 10**decimals) for c in coefficients]
    base = int(constant * 10**decimals)
    terms = [a.expr * f for a, f in zip(answers, factors, strict=True)]
    bound = abs(base) + sum(abs(f) * a.bound for a, f in zip(answers, factors, strict=True))
    if bound > INT64:
        raise Unsupported("the index does not fit 64 bits")
    return Value(pl.sum_horizontal(terms, ignore_nulls=False) + base, decimals, bound, NUMBER)
