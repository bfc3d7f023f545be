"""The micro and small business sector (UMKM), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``umkm`` like any third-party plugin. Its variables,
indicators and readiness criteria are data in ``umkm.toml`` beside this module (with the sources
of its numbers); this module adds the checks that need code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.catalogue.variable import Level
from klaster.model.member import Member
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.sectorfile import SectorFile
from klaster_sectors._columns import row_problems

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_columns",
    "klaster_validate_member",
    "klaster_validate_values",
    "klaster_variables",
]


_FILE = SectorFile("klaster_sectors", "umkm.toml")
# The declarations are data; pluggy finds these names like any hook function of the module.
klaster_sectors = _FILE.klaster_sectors
klaster_variables = _FILE.klaster_variables
klaster_indicators = _FILE.klaster_indicators
klaster_readiness_criteria = _FILE.klaster_readiness_criteria


@hookimpl
def klaster_validate_member(member: Member) -> Sequence[str]:
    """Every UMKM member runs a business of a known type."""
    if member.business_type is None:
        return ["business_type is required for UMKM members (e.g. 'batik', 'trading')"]
    return []


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """A closed business has no revenue or workers; reported profit matches revenue - costs."""
    problems = []  # the same rules column-wise: klaster_validate_columns below
    revenue = values.get("monthly_revenue")
    costs = values.get("monthly_costs")
    profit = values.get("monthly_profit")
    if values.get("business_running") is False:
        if revenue:
            problems.append("monthly_revenue is recorded although business_running is false")
        if values.get("workers"):
            problems.append("workers is recorded although business_running is false")
    if (
        isinstance(revenue, Decimal)
        and isinstance(costs, Decimal)
        and isinstance(profit, Decimal)
        and profit != revenue - costs
    ):
        problems.append(
            "monthly_profit differs from monthly_revenue - monthly_costs; "
            "correct one of the three or leave monthly_profit empty"
        )
    return problems


@hookimpl
def klaster_validate_columns(
    sector: str, level: Level, columns: Mapping[str, pl.Series]
) -> Sequence[tuple[int, str]]:
    """:func:`klaster_validate_values` on many units at once (the same problems, row-located)."""
    import polars as pl  # the host passes polars columns only when polars is installed

    codes = ("business_running", "monthly_revenue", "workers", "monthly_costs", "monthly_profit")
    read = {code: columns[code] for code in codes if code in columns}
    running, revenue, workers, costs, profit = (
        pl.col(code) if code in read else None for code in codes
    )
    rules = []
    if running is not None:
        if revenue is not None:
            text = "monthly_revenue is recorded although business_running is false"
            rules.append((~running & (revenue != 0), text))
        if workers is not None:
            text = "workers is recorded although business_running is false"
            rules.append((~running & (workers != 0), text))
    if revenue is not None and costs is not None and profit is not None:
        text = (
            "monthly_profit differs from monthly_revenue - monthly_costs; "
            "correct one of the three or leave monthly_profit empty"
        )
        rules.append((profit != revenue - costs, text))
    return row_problems(read, rules)
