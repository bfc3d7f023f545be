"""Core indicators of surveyed members in SQL: income, poverty, CIBEST, social capital.

Each is planned on a :class:`~klaster.measurement._backends.sql.members.SqlMembers` with the
integer rules of its fixed-point reader (:mod:`klaster.measurement._backends.python.core`), as
the polars path plans them (:mod:`klaster.measurement._backends.polars.core`): income per
capita and paired income change as ratios of sums; FGT P0-P2 from exact sums of the gaps
``s·z - y`` and of their squares per line and household size (:class:`PovertyPlan`, read back
into :class:`~klaster.measurement._backends.partials.Poverty` parts); each member's CIBEST
quadrant from integer comparisons; the social-capital index as ``Σ cᵢ·aᵢ + c₀`` at a few
decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal

from klaster.measurement._backends.polars.core import CIBEST_CODES, POVERTY_CODES
from klaster.measurement._backends.python.core import default_cibest
from klaster.measurement._backends.python.fixedpoint import NUMBER, Unsupported, literal
from klaster.measurement._backends.python.welfare import linear_scale
from klaster.measurement._backends.sql.dialect import INT64_MAX
from klaster.measurement._backends.sql.formulas import SqlValue
from klaster.measurement._backends.sql.members import SqlMembers, SqlPlan
from klaster.measurement.compiler import Shift
from klaster.measurement.core_indicators import CoreIndicator, frame_poverty_line
from klaster.measurement.methods.cibest import OnLine
from klaster.measurement.na import NotAvailable
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS

__all__ = ["PovertyPlan", "core_plan"]


class PovertyPlan(SqlPlan):
    """FGT P0-P2's sums (one plan's columns for all three) and the poor units' expressions.

    Attributes:
        line, size, gap, poor: SQL of each unit's line ``z``, household size ``s``, gap
            ``s·z - y`` and whether it is poor (counted, gap above 0): the per-line sums of the
            gaps and their squares come from the poor units.
    """

    def __init__(self, indicator: CoreIndicator, name: str) -> None:
        super().__init__(indicator, "poverty", name)
        self.line = self.size = self.gap = self.poor = ""


def core_plan(members: SqlMembers, indicator: CoreIndicator) -> SqlPlan | None:
    """The plan of a core indicator of surveyed members (``None``: not planned here)."""
    code = indicator.code
    if code == "income_per_capita":
        income, sizes = members.value("monthly_income"), members.value("household_size")
        return members.ratio_plan(indicator, income, sizes)
    if code == "income_change_pct":
        return _income_change(members, indicator)
    if code in POVERTY_CODES:
        return _poverty(members, indicator)
    if code in CIBEST_CODES:
        return _cibest(members, indicator, CIBEST_CODES.index(code))
    if code == "social_capital_index":
        return members.sum_plan(indicator, _social_capital(members))
    return None  # members, groups and cooperatives counted from the records: the polars path


def _income_change(members: SqlMembers, indicator: CoreIndicator) -> SqlPlan:
    # As the fixed-point reader: 100·(now - before) over before, paired by member.
    income = members.value("monthly_income")
    before = members.value("monthly_income", Shift.BASELINE)
    scale = max(income.scale, before.scale)
    now_up, before_up = 10 ** (scale - income.scale), 10 ** (scale - before.scale)
    bound = 200 * max(income.bound * now_up, before.bound * before_up)
    if bound > INT64_MAX:
        raise Unsupported("income change does not fit 64 bits")
    lit = members.dialect.literal
    change = f"(({income.expr} * {lit(now_up)} - {before.expr} * {lit(before_up)}) * {lit(100)})"
    top = SqlValue(change, scale, bound, NUMBER)
    paired = members.dialect.case([(f"{income.expr} IS NOT NULL", before.expr)])
    return members.ratio_plan(indicator, top, SqlValue(paired, before.scale, before.bound, NUMBER))


def _lines(members: SqlMembers, income: SqlValue) -> tuple[str, int, int]:
    """Each member's per-capita poverty line (``NULL`` where none), its scale and largest value.

    The scale is the incomes' or the lines' decimals, whichever is larger; the lines are a
    column of the table, by cluster.
    """
    import polars as pl

    table = members.table
    lines = [frame_poverty_line(f) for f in table.frames]
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
    return members.dialect.ident(name), scale, largest


def _poverty(members: SqlMembers, indicator: CoreIndicator) -> SqlPlan:
    if members.poverty is not None:  # P0-P2 share their sums
        shared = PovertyPlan(indicator, members.poverty.name)
        shared.aggs = []
        return shared
    income, sizes = members.value("monthly_income"), members.value("household_size")
    z, scale, largest = _lines(members, income)
    up = 10 ** (scale - income.scale)
    most = max(income.bound * up, largest * sizes.bound) * 2
    if most > INT64_MAX:
        raise Unsupported("poverty gaps do not fit 64 bits")
    if most * most * max(members.table.surveyed.length, 1) > members.dialect.wide_max:
        raise Unsupported("sums of squared gaps beyond 128 bits")
    sql = members.dialect
    y = f"({income.expr} * {sql.literal(up)})"
    s = sizes.expr
    valid = f"({y} IS NOT NULL AND {s} IS NOT NULL AND {s} <> 0)"
    counted = f"({valid} AND {z} IS NOT NULL)"
    plan = PovertyPlan(indicator, members.name())
    plan.line, plan.size = z, s
    plan.gap = f"({s} * {z} - greatest({y}, {sql.literal(0)}))"
    plan.poor = f"({counted} AND {plan.gap} > 0)"
    name = plan.name
    plan.aggs = [
        (f"{name}_units", sql.count()),
        (f"{name}_n", sql.count_true(counted)),
        (f"{name}_mi", sql.count_true(f"NOT {valid}")),
        (f"{name}_ml", sql.count_true(f"{valid} AND {z} IS NULL")),
        (f"{name}_w", sql.sum(sql.case([(counted, s)]), wide=True)),
        (f"{name}_pw", sql.sum(sql.case([(plan.poor, s)]), wide=True)),
    ]
    members.poverty = plan
    return plan


def _cibest(members: SqlMembers, indicator: CoreIndicator, number: int) -> SqlPlan:
    if members.quadrant is None:
        members.quadrant = members.derive(_quadrant(members))
    q = members.quadrant
    sql = members.dialect
    plan = SqlPlan(indicator, "sum", members.name())
    plan.aggs = [
        (f"{plan.name}_units", sql.count()),
        (f"{plan.name}_n", sql.count(q)),
        (f"{plan.name}_total", sql.count_true(f"{q} = {number}")),
    ]
    plan.scales = (0,)
    return plan


def _quadrant(members: SqlMembers) -> str:
    """Each member's CIBEST quadrant index (0-3, see ``_welfare_fixed.place``) or ``NULL``."""
    income, sizes = members.value("monthly_income"), members.value("household_size")
    items = [members.value(code) for code in CIBEST_ITEMS]
    table = members.table
    if not table.within("v_household_size", 1, INT64_MAX):
        raise Unsupported("a household size below 1")
    for code, item in zip(CIBEST_ITEMS, items, strict=True):
        if not table.within(f"v_{code}", 10**item.scale, 5 * 10**item.scale):
            raise Unsupported("a spiritual item outside 1-5")
    config = default_cibest(Decimal(1))  # the indicators' spiritual line and boundary rules
    sv_raw, sv_scale = literal(config.spiritual_line)
    top = max(sv_scale, *(i.scale for i in items))
    z, scale, largest = _lines(members, income)
    up = 10 ** (scale - income.scale)
    if max(income.bound * up, largest * sizes.bound) > INT64_MAX:
        raise Unsupported("CIBEST lines do not fit 64 bits")
    lit = members.dialect.literal
    total = " + ".join(f"{i.expr} * {lit(10 ** (top - i.scale))}" for i in items)
    # The mean of the five items ≤ SV  ⟺  their sum ≤ 5·SV; income ≤ line × size.
    sv5 = lit(len(items) * sv_raw * 10 ** (top - sv_scale))
    y, line = f"({income.expr} * {lit(up)})", f"({z} * {sizes.expr})"
    below = "<=" if config.material_on_line is OnLine.POOR else "<"
    under = "<=" if config.spiritual_on_line is OnLine.POOR else "<"
    int64 = members.dialect.int64
    material = members.dialect.cast(f"({y} {below} {line})", int64)
    spiritual = members.dialect.cast(f"(({total}) {under} {sv5})", int64)
    return f"({material} + 2 * {spiritual})"


def _social_capital(members: SqlMembers) -> SqlValue:
    coefficients, constant, decimals = linear_scale(SOCIAL_CAPITAL_SCALE)
    answers = [members.value(code) for code in SOCIAL_CAPITAL_ITEMS]
    if any(a.scale for a in answers):
        raise Unsupported("decimal answers")
    for item, code in zip(SOCIAL_CAPITAL_SCALE.items, SOCIAL_CAPITAL_ITEMS, strict=True):
        low, high = math.ceil(item.minimum), math.floor(item.maximum)
        if not members.table.within(f"v_{code}", low, high):
            raise Unsupported("an answer outside its item's range")
    factors = [int(c * 10**decimals) for c in coefficients]
    base = int(constant * 10**decimals)
    bound = abs(base) + sum(abs(f) * a.bound for a, f in zip(answers, factors, strict=True))
    if bound > INT64_MAX:
        raise Unsupported("the index does not fit 64 bits")
    lit = members.dialect.literal
    terms = " + ".join(f"{a.expr} * {lit(f)}" for a, f in zip(answers, factors, strict=True))
    return SqlValue(f"({terms} + {lit(base)})", decimals, bound, NUMBER)
