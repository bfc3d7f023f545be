"""The farming sector (*pertanian*), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``farming`` like any third-party plugin. Its
variables, indicators and readiness criteria are data in ``farming.toml`` beside this module (with
the sources of its numbers); this module adds the checks that need code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache

from klaster.criterion import ReadinessCriterion
from klaster.hookspecs import hookimpl
from klaster.indicator import Indicator
from klaster.sector import Sector
from klaster.sectorfile import SectorData, load_sector_toml
from klaster.variable import Level, Variable

__all__ = [
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_values",
    "klaster_variables",
]


@cache
def _data() -> SectorData:
    return load_sector_toml("klaster_sectors", "farming.toml")


@hookimpl
def klaster_sectors() -> Sequence[Sector]:
    """The farming sector and its subsectors (food crops, horticulture, estate crops)."""
    return _data().sectors


@hookimpl
def klaster_variables() -> Sequence[Variable]:
    """Crop, planted area, harvest, price and input costs per growing season."""
    return _data().variables


@hookimpl
def klaster_indicators() -> Sequence[Indicator]:
    """Yield per hectare, farm income, productivity change."""
    return _data().indicators


@hookimpl
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Farm income positive (members, groups), productivity up (cluster)."""
    return _data().criteria


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """A harvest needs planted land, and a sold harvest a price."""
    problems = []
    area = values.get("planted_area_ha")
    harvest = values.get("harvest_kg")
    if isinstance(harvest, Decimal) and harvest > 0:
        if isinstance(area, Decimal) and area == 0:
            problems.append("harvest_kg is recorded but planted_area_ha is 0")
        if "harvest_price" not in values:
            problems.append("harvest_price is needed to value the harvest (harvest_kg > 0)")
    return problems
