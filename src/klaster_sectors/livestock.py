"""The livestock sector (*peternakan*), a built-in klaster plugin.

Registered through the ``klaster`` entry point ``livestock`` like any third-party plugin. Its
variables, indicators and readiness criteria are data in ``livestock.toml`` beside this module
(with the sources of its numbers); this module adds the checks that need code, above all that the
herd adds up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from klaster.catalogue.variable import Level
from klaster.model.member import Member
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.sectorfile import SectorFile
from klaster_sectors._columns import row_problems

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "HERD_FLOWS",
    "klaster_activity_kinds",
    "klaster_eligibility_criteria",
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_report_sections",
    "klaster_sectors",
    "klaster_validate_columns",
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


_FILE = SectorFile("klaster_sectors", "livestock.toml")
# The declarations are data; pluggy finds these names like any hook function of the module.
klaster_sectors = _FILE.klaster_sectors
klaster_variables = _FILE.klaster_variables
klaster_indicators = _FILE.klaster_indicators
klaster_readiness_criteria = _FILE.klaster_readiness_criteria
klaster_activity_kinds = _FILE.klaster_activity_kinds
klaster_eligibility_criteria = _FILE.klaster_eligibility_criteria
klaster_report_sections = _FILE.klaster_report_sections


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
    problems = []  # the same rules column-wise: klaster_validate_columns below
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


@hookimpl
def klaster_validate_columns(
    sector: str, level: Level, columns: Mapping[str, pl.Series]
) -> Sequence[tuple[int, str]]:
    """:func:`klaster_validate_values` on many units at once (the same problems, row-located)."""
    import polars as pl  # the host passes polars columns only when polars is installed

    codes = (*HERD_FLOWS, "herd_sales_value")
    read = {code: columns[code] for code in codes if code in columns}
    rules = []
    if all(code in read for code in HERD_FLOWS):
        # Int128: the sum is exact for any counts the variables' bounds let through
        start, births, purchases, deaths, sales, end = (
            pl.col(code).cast(pl.Int128) for code in HERD_FLOWS
        )
        text = (
            "herd does not add up: herd_start + herd_births + herd_purchases - herd_deaths "
            "- herd_sales must equal herd_end"
        )
        rules.append((start + births + purchases - deaths - sales != end, text))
    if "herd_sales" in read and "herd_sales_value" in read:
        text = "herd_sales_value is recorded but herd_sales is 0"
        rules.append(((pl.col("herd_sales") == 0) & (pl.col("herd_sales_value") != 0), text))
    return row_problems(read, rules)
