"""The farming sector (*pertanian*), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``farming`` like any third-party plugin. Its
variables, indicators and readiness criteria are data in ``farming.toml`` beside this module (with
the sources of its numbers); this module adds the checks that need code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.catalogue.variable import Level
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.sectorfile import SectorFile
from klaster_sectors._columns import row_problems

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "klaster_activity_kinds",
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_columns",
    "klaster_validate_values",
    "klaster_variables",
]


_FILE = SectorFile("klaster_sectors", "farming.toml")
# The declarations are data; pluggy finds these names like any hook function of the module.
klaster_sectors = _FILE.klaster_sectors
klaster_variables = _FILE.klaster_variables
klaster_indicators = _FILE.klaster_indicators
klaster_readiness_criteria = _FILE.klaster_readiness_criteria
klaster_activity_kinds = _FILE.klaster_activity_kinds


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """A harvest needs planted land, and a sold harvest a price."""
    problems = []  # the same rules column-wise: klaster_validate_columns below
    area = values.get("planted_area_ha")
    harvest = values.get("harvest_kg")
    if isinstance(harvest, Decimal) and harvest > 0:
        if isinstance(area, Decimal) and area == 0:
            problems.append("harvest_kg is recorded but planted_area_ha is 0")
        if "harvest_price" not in values:
            problems.append("harvest_price is needed to value the harvest (harvest_kg > 0)")
    return problems


@hookimpl
def klaster_validate_columns(
    sector: str, level: Level, columns: Mapping[str, pl.Series]
) -> Sequence[tuple[int, str]]:
    """:func:`klaster_validate_values` on many units at once (the same problems, row-located)."""
    import polars as pl  # the host passes polars columns only when polars is installed

    if "harvest_kg" not in columns:
        return []
    codes = ("harvest_kg", "planted_area_ha", "harvest_price")
    read = {code: columns[code] for code in codes if code in columns}
    harvested = (pl.col("harvest_kg") > 0).fill_null(False)
    rules = []
    if "planted_area_ha" in read:
        text = "harvest_kg is recorded but planted_area_ha is 0"
        rules.append((harvested & (pl.col("planted_area_ha") == 0), text))
    unpriced = pl.col("harvest_price").is_null() if "harvest_price" in read else True
    text = "harvest_price is needed to value the harvest (harvest_kg > 0)"
    rules.append((harvested & unpriced, text))
    return row_problems(read, rules)
