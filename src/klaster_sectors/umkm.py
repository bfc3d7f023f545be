"""The micro and small business sector (UMKM), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``umkm`` like any third-party plugin. Its variables,
indicators and readiness criteria are data in ``umkm.toml`` beside this module (with the sources
of its numbers); this module adds the checks that need code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache

from klaster.criterion import ReadinessCriterion
from klaster.hookspecs import hookimpl
from klaster.indicator import Indicator
from klaster.member import Member
from klaster.sector import Sector
from klaster.sectorfile import SectorData, load_sector_toml
from klaster.variable import Level, Variable

__all__ = [
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_member",
    "klaster_validate_values",
    "klaster_variables",
]


@cache
def _data() -> SectorData:
    return load_sector_toml("klaster_sectors", "umkm.toml")


@hookimpl
def klaster_sectors() -> Sequence[Sector]:
    """The UMKM sector and its business types (batik, cassava crackers, trading...)."""
    return _data().sectors


@hookimpl
def klaster_variables() -> Sequence[Variable]:
    """Monthly revenue, costs and profit, workers, whether the business still runs."""
    return _data().variables


@hookimpl
def klaster_indicators() -> Sequence[Indicator]:
    """Business profit, profit margin, business survival rate, jobs created."""
    return _data().indicators


@hookimpl
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Business running and profitable (members), most businesses running (groups, cluster)."""
    return _data().criteria


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
    problems = []
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
