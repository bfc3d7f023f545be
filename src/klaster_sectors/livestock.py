"""The livestock sector (*peternakan*), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``livestock`` like any third-party plugin. Its
variables, indicators and readiness criteria are data in ``livestock.toml`` beside this module
(with the sources of its numbers); this module adds the checks that need code, above all that the
herd adds up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from klaster.criterion import ReadinessCriterion
from klaster.hookspecs import hookimpl
from klaster.indicator import Indicator
from klaster.member import Member
from klaster.sector import Sector
from klaster.sectorfile import SectorData, load_sector_toml
from klaster.variable import Level, Variable

__all__ = [
    "HERD_FLOWS",
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_member",
    "klaster_validate_values",
    "klaster_variables",
]

HERD_FLOWS = (
    "herd_start",
    "herd_births",
    "herd_purchases",
    "herd_deaths",
    "herd_sales",
    "herd_end",
)
"""The variables of the herd balance: start + births + purchases - deaths - sales = end."""


@cache
def _data() -> SectorData:
    return load_sector_toml("klaster_sectors", "livestock.toml")


@hookimpl
def klaster_sectors() -> Sequence[Sector]:
    """The livestock sector and its business types (goat, sheep, cattle; breeding, fattening)."""
    return _data().sectors


@hookimpl
def klaster_variables() -> Sequence[Variable]:
    """Species, herd at start and end, births, deaths, sales, purchases, sales value, feed."""
    return _data().variables


@hookimpl
def klaster_indicators() -> Sequence[Indicator]:
    """Mortality rate, birth rate, herd growth, livestock sales income."""
    return _data().indicators


@hookimpl
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Herd kept (members), mortality low (groups), herd growing (cluster)."""
    return _data().criteria


@hookimpl
def klaster_validate_member(member: Member) -> Sequence[str]:
    """Every livestock member keeps a known kind of animal (the business type)."""
    if member.business_type is None:
        return ["business_type is required for livestock members (e.g. 'goat_breeding')"]
    return []


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """The herd adds up, and sales have a value only when animals were sold."""
    problems = []
    counts = [n for code in HERD_FLOWS if isinstance(n := values.get(code), int)]
    if len(counts) == len(HERD_FLOWS):
        start, births, purchases, deaths, sales, end = counts
        if start + births + purchases - deaths - sales != end:
            problems.append(
                "herd does not add up: herd_start + herd_births + herd_purchases - herd_deaths "
                "- herd_sales must equal herd_end"
            )
    if values.get("herd_sales") == 0 and values.get("herd_sales_value"):
        problems.append("herd_sales_value is recorded but herd_sales is 0")
    return problems
