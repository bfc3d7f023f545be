"""Variables asked once per item: a repeat group in the form, summed into the unit's value.

A household may run several businesses; the UMKM variables (revenue, costs, workers) are the
household's totals. A form asks them once per business, in a repeat group (``usaha``), and the
mapping generated alongside sums the rows into the household's value (``aggregate = "sum"``),
as the bundled ``monitoring.toml`` does by hand. Yes/no variables asked per item take
``any`` (yes when any item answers yes).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from attrs import field, frozen

from klaster._support.validate import check_code
from klaster.label import Label, check_label, to_label

__all__ = ["DEFAULT_ITEMS", "ItemGroup"]


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@frozen
class ItemGroup:
    """A repeat group: variables of a sector asked once per item, aggregated into the unit.

    Args:
        name: The repeat's name (its sheet in Kobo's XLSX export, ``usaha``).
        sector: The sector whose variables it holds.
        label: Bilingual label of one item (``Label("Usaha", "Business")``).
        variables: The variable codes asked per item (decimal, integer or yes/no).
        business_type: Whether each item asks its business type (from the sector's
            business types); kept in the export for reference, imported into no variable.

    Example:
        >>> ItemGroup("kolam", "fisheries", Label("Kolam", "Pond"), ("harvest_kg",)).name
        'kolam'
    """

    name: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    variables: tuple[str, ...] = field(converter=_codes)
    business_type: bool = False


DEFAULT_ITEMS = MappingProxyType(
    {
        "umkm": ItemGroup(
            "usaha",
            "umkm",
            Label("Usaha", "Business"),
            ("monthly_revenue", "monthly_costs", "workers"),
            business_type=True,
        ),
    }
)
"""The item groups a form of a sector has unless told otherwise: UMKM asks revenue, costs and
workers per business (the household's totals are their sums)."""
