"""The built-in plugins' column hook finds what their per-unit hook finds, row for row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster_sectors.farming
import klaster_sectors.livestock
import klaster_sectors.umkm
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.plugins import get_host

HOST = get_host()
DTYPES = {
    ValueType.INTEGER: pl.Int64,
    ValueType.BOOLEAN: pl.Boolean,
    ValueType.CATEGORY: pl.String,
    ValueType.TEXT: pl.String,
    ValueType.DATE: pl.Date,
}


def _edges(variable: Variable) -> tuple[Decimal, Decimal]:
    low = variable.minimum if variable.minimum is not None else Decimal(-(10**9))
    high = variable.maximum if variable.maximum is not None else Decimal(10**9)
    return low, high


def values_of(variable: Variable) -> st.SearchStrategy[Any]:
    """Any value the host lets through for ``variable``, its bounds and zero often."""
    kind = variable.type
    if kind in (ValueType.DECIMAL, ValueType.INTEGER):
        low, high = _edges(variable)
        zero = min(max(Decimal(0), low), high)
        if kind is ValueType.INTEGER:
            return st.one_of(
                st.sampled_from([int(low), int(high), int(zero)]),
                st.integers(int(low), int(high)),
            )
        return st.one_of(
            st.sampled_from([low, high, zero, zero + Decimal("0.01")]).filter(
                lambda d: low <= d <= high
            ),
            st.integers(int(low * 100), int(high * 100)).map(lambda n: Decimal(n).scaleb(-2)),
            st.integers(int(low), int(high)).map(Decimal),
        )
    if kind is ValueType.BOOLEAN:
        return st.booleans()
    if kind is ValueType.CATEGORY:
        return st.sampled_from(variable.category_codes())
    if kind is ValueType.DATE:
        return st.dates()
    return st.text("abc", min_size=1, max_size=3)


def _balanced_umkm(row: dict[str, Any]) -> None:
    revenue, costs = row.get("monthly_revenue"), row.get("monthly_costs")
    if revenue is not None and costs is not None:
        row["monthly_profit"] = revenue - costs


def _balanced_herd(row: dict[str, Any]) -> None:
    flows = [row.get(code) for code in klaster_sectors.livestock.HERD_FLOWS[:5]]
    counts = [flow for flow in flows if isinstance(flow, int)]
    if len(counts) == len(flows):
        start, births, purchases, deaths, sales = counts
        end = start + births + purchases - deaths - sales
        if 0 <= end <= 1000:
            row["herd_end"] = end


def _no_fix(row: dict[str, Any]) -> None:
    return None


PLUGINS = [
    (klaster_sectors.umkm, "umkm", _balanced_umkm),
    (klaster_sectors.farming, "farming", _no_fix),
    (klaster_sectors.livestock, "livestock", _balanced_herd),
]


@st.composite
def batches(draw: st.DrawFn, sector: str, fix: Callable[[dict[str, Any]], None]) -> Any:
    """Rows of one sector's member values: some missing, some at the edges, some consistent."""
    variables = HOST.variables(sector, Level.MEMBER)
    row = st.fixed_dictionaries({}, optional={v.code: values_of(v) for v in variables})
    rows = draw(st.lists(row, min_size=1, max_size=25))
    for found in rows:
        if draw(st.booleans()):
            fix(found)
    return variables, rows


def _columns(variables: list[Variable], rows: list[dict[str, Any]]) -> dict[str, pl.Series]:
    columns = {}
    for variable in variables:
        values = [row.get(variable.code) for row in rows]
        if variable.type is ValueType.DECIMAL:
            series = pl.Series(variable.code, values, strict=False)
            scale = series.dtype.scale if isinstance(series.dtype, pl.Decimal) else 0
            columns[variable.code] = series.cast(pl.Decimal(38, scale))
        else:
            columns[variable.code] = pl.Series(variable.code, values, DTYPES[variable.type])
    return columns


class TestSameProblems:
    @pytest.mark.parametrize(("module", "sector", "fix"), PLUGINS, ids=[p[1] for p in PLUGINS])
    @settings(max_examples=120, deadline=None)
    @given(data=st.data())
    def test_the_hook_itself(
        self, module: ModuleType, sector: str, fix: Callable[[dict[str, Any]], None], data: Any
    ) -> None:
        variables, rows = data.draw(batches(sector, fix))
        one_by_one = [
            (n, problem)
            for n, row in enumerate(rows)
            for problem in module.klaster_validate_values(sector, Level.MEMBER, row)
        ]
        found = module.klaster_validate_columns(sector, Level.MEMBER, _columns(variables, rows))
        assert sorted(found, key=lambda pair: pair[0]) == one_by_one

    @pytest.mark.parametrize(("module", "sector", "fix"), PLUGINS, ids=[p[1] for p in PLUGINS])
    @settings(max_examples=60, deadline=None)
    @given(data=st.data())
    def test_as_the_callers_present_them(
        self, module: ModuleType, sector: str, fix: Callable[[dict[str, Any]], None], data: Any
    ) -> None:
        variables, rows = data.draw(batches(sector, fix))
        ids = [f"M-{n}" for n in range(len(rows))]
        one_by_one = HOST.validate_recorded(
            (f"members[{ids[n]}]", (sector,), Level.MEMBER, row) for n, row in enumerate(rows)
        )
        columns = {v.code: [row.get(v.code) for row in rows] for v in variables}
        found = HOST.validate_recorded_columns(
            Level.MEMBER, columns, [(sector,)] * len(rows), ids, lambda n: f"members[{ids[n]}]"
        )
        assert found == one_by_one

    def test_a_batch_the_rules_refuse(self) -> None:
        columns = {
            "business_running": pl.Series([False, True, None]),
            "monthly_revenue": pl.Series([Decimal("5"), Decimal("10.5"), None]),
            "monthly_costs": pl.Series([Decimal("1"), Decimal("0.25"), None]),
            "monthly_profit": pl.Series([Decimal("4"), Decimal("10.00"), Decimal("3")]),
            "workers": pl.Series([2, 3, None]),
        }
        found = klaster_sectors.umkm.klaster_validate_columns("umkm", Level.MEMBER, columns)
        assert sorted(found, key=lambda pair: pair[0]) == [
            (0, "monthly_revenue is recorded although business_running is false"),
            (0, "workers is recorded although business_running is false"),
            (
                1,
                "monthly_profit differs from monthly_revenue - monthly_costs; "
                "correct one of the three or leave monthly_profit empty",
            ),
        ]
