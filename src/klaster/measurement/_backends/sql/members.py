"""The members surveyed in one round key as one SQL table, and the plans over it (SQL backend).

The table itself is built by the polars fast path's
:class:`~klaster.measurement._backends.polars.members.MemberTable` (variables read from the
store's buffers as scaled ``Int64``, nulls where missing, the cluster ``_c`` and the category
codes ``_d_{dim}``) and handed to the runner as Arrow. What is computed on it is SQL: each
indicator's formula (:mod:`klaster.measurement._backends.sql.formulas`), a sector's indicators
on that sector's members only (a ``WHERE`` per scope), each division once per scope as a
derived column, and the aggregations of each plan.
"""

from __future__ import annotations

from typing import Any

from klaster._support.weak import weak_method
from klaster.catalogue.indicator import Aggregation, Indicator
from klaster.catalogue.variable import Level
from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.python.fixedpoint import BOOLEAN, NUMBER, Unsupported
from klaster.measurement._backends.sql.dialect import INT64_MAX, Dialect
from klaster.measurement._backends.sql.formulas import SqlFormulas, SqlValue
from klaster.measurement.compiler import Divide, Shift
from klaster.measurement.core_indicators import CoreIndicator
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["SqlMembers", "SqlPlan"]

AnyIndicator = Indicator | CoreIndicator


class SqlPlan:
    """One indicator's aggregations in a scope's query, and how its cells read back.

    Attributes:
        indicator: The indicator.
        kind: ``"sum"`` (sum, mean, count, share) or ``"ratio"``.
        name: Prefix of the plan's columns: ``{name}_units``, ``{name}_n``, then
            ``{name}_total`` or ``{name}_top`` and ``{name}_bottom``.
        aggs: (column, SQL aggregate) over units.
        scales: Scale of each total (``value = total / 10**scale``).
    """

    def __init__(self, indicator: AnyIndicator, kind: str, name: str) -> None:
        self.indicator = indicator
        self.kind = kind
        self.name = name
        self.aggs: list[tuple[str, str]] = []
        self.scales: tuple[int, ...] = ()


class SqlMembers:
    """The members surveyed in one round key: their columns, and the SQL plans over them.

    Args:
        engine: The :class:`~klaster.measurement.engine.Measurement`.
        table: The polars member table of the round key (it loads the columns asked for).
        dialect: How to write the SQL.
    """

    def __init__(self, engine: Any, table: MemberTable, dialect: Dialect) -> None:
        self.engine = engine
        self.table = table
        self.dialect = dialect
        # Per scope (None: every member; else a sector): plans, and columns computed first.
        self.plans: dict[str | None, list[SqlPlan]] = {}
        self.derived: dict[str | None, list[tuple[str, str]]] = {}
        self.scope: str | None = None
        self.poverty: SqlPlan | None = None  # the FGT plan (P0-P2 share its sums)
        self.quadrant: str | None = None  # the CIBEST quadrant column, once planned
        # Weakly: a cycle would keep the round key's columns to the end of the report (gc.py).
        self.formulas = SqlFormulas(dialect, weak_method(self.value), weak_method(self.derive))
        self._count = 0

    # -- columns --------------------------------------------------------------------------------
    def value(self, code: str, at: Shift | str | None = None) -> SqlValue:
        """Member variable ``code`` (in round ``at``, aligned, if given) as a column."""
        loaded = self.table.value(code, at)
        name = loaded.expr.meta.output_name()
        # A bound of at least 1 (0 for a column with no value): bounds then multiply to at least
        # the product of a formula's constants, which an engine may fold together first.
        bound = max(loaded.bound, 1)
        return SqlValue(self.dialect.ident(name), loaded.scale, bound, loaded.kind)

    def derive(self, expr: str) -> str:
        """``expr`` computed once, as a column of the current scope's rows."""
        self._count += 1
        name = f"_x{self._count}"
        self.derived.setdefault(self.scope, []).append((name, expr))
        return self.dialect.ident(name)

    def where(self, scope: str | None) -> str:
        """The condition selecting a scope's rows (``TRUE``: every member)."""
        if scope is None:
            return "TRUE"
        naming = self.table.records.naming
        clusters = sorted(
            {
                naming.cluster_index[f.cluster.id]
                for f in self.table.frames
                if scope in f.cluster.sector_codes
            }
        )
        if not clusters:
            return "FALSE"
        code = naming.code("sector", scope)
        listed = ", ".join(map(str, clusters))
        q = self.dialect.ident
        return f"({q('_c')} IN ({listed}) AND {q('_d_sector')} = {code})"

    # -- plans ----------------------------------------------------------------------------------
    def add(self, indicator: AnyIndicator, core: Any) -> bool:
        """Plan ``indicator`` here; ``False`` when another path must compute it.

        ``core(members, indicator)`` plans a core indicator (``None``: not here).
        """
        if indicator.level is not Level.MEMBER or indicator.aggregation is Aggregation.MEDIAN:
            return False
        sector = indicator.sector if isinstance(indicator, Indicator) else CORE_SECTOR
        self.scope = None if sector == CORE_SECTOR else sector
        self.formulas.cache.clear()  # a formula's columns belong to one scope's rows
        kept = len(self.derived.get(self.scope, ()))
        try:
            plan = (
                core(self, indicator)
                if isinstance(indicator, CoreIndicator)
                else self._plan(indicator)
            )
        except Unsupported:
            plan = None
        if plan is None:  # what was derived for it is not needed
            del self.derived.setdefault(self.scope, [])[kept:]
            return False
        self.plans.setdefault(self.scope, []).append(plan)
        return True

    def _plan(self, indicator: Indicator) -> SqlPlan:
        op = self.engine.compiled(indicator.code)
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(op, Divide)
            return self.ratio_plan(indicator, self.formulas(op.top), self.formulas(op.bottom))
        return self.sum_plan(indicator, self.formulas(op))

    def name(self) -> str:
        """A new plan's column prefix."""
        self._count += 1
        return f"p{self._count}"

    def sum_plan(self, indicator: AnyIndicator, value: SqlValue) -> SqlPlan:
        """Units, units with a value and the total of ``value`` (true values for booleans)."""
        sql = self.dialect
        plan = SqlPlan(indicator, "sum", self.name())
        if value.kind == BOOLEAN:
            total = sql.count_true(value.expr)
        else:
            total = self.sum(value.expr, value.bound)
        plan.aggs = [
            (f"{plan.name}_units", sql.count()),
            (f"{plan.name}_n", sql.count(value.expr)),
            (f"{plan.name}_total", total),
        ]
        plan.scales = (value.scale if value.kind == NUMBER else 0,)
        return plan

    def ratio_plan(self, indicator: AnyIndicator, top: SqlValue, bottom: SqlValue) -> SqlPlan:
        """Units, units with both parts, and the sums of both parts over those."""
        sql = self.dialect
        plan = SqlPlan(indicator, "ratio", self.name())
        both = f"({top.expr}) IS NOT NULL AND ({bottom.expr}) IS NOT NULL"
        name = plan.name
        plan.aggs = [
            (f"{name}_units", sql.count()),
            (f"{name}_n", sql.count_true(both)),
            (f"{name}_top", self.sum(sql.case([(both, top.expr)]), top.bound)),
            (f"{name}_bottom", self.sum(sql.case([(both, bottom.expr)]), bottom.bound)),
        ]
        plan.scales = (top.scale, bottom.scale)
        return plan

    def sum(self, expr: str, bound: int) -> str:
        """The sum of ``expr``: 64-bit when no sum over the round can overflow, else 128."""
        most = bound * max(self.table.surveyed.length, 1)
        if most > self.dialect.wide_max:
            raise Unsupported("a sum beyond 128 bits")
        return self.dialect.sum(expr, wide=most > INT64_MAX)
