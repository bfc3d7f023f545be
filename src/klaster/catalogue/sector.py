"""Sectors (*bidang*): micro business, farming, livestock... each provided by a plugin."""

from __future__ import annotations

import re
from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_code
from klaster.catalogue._recordcheck import check_records, to_tuple
from klaster.errors import ValidationError
from klaster.label import Label, check_label, to_label

__all__ = ["BusinessType", "Sector"]

_DAC = re.compile(r"^\d{5}$")


def _check_dac(_inst: object, attribute: Any, value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _DAC.match(value)):
        raise ValidationError(
            f"invalid OECD DAC purpose code {value!r}: use the 5 digits as a string, "
            "e.g. '31163' (livestock)",
            path=attribute.name,
        )


@frozen
class BusinessType:
    """A kind of business within a sector, e.g. batik or cassava crackers in UMKM.

    A member's ``business_type`` must be one of its sector's business types when the sector lists
    any.

    Args:
        code: Lowercase code stored on members, e.g. ``"batik"``.
        name: Bilingual name, e.g. ``Label("Kerupuk singkong", "Cassava crackers")``.
    """

    code: str = field(validator=check_code)
    name: Label = field(converter=to_label, validator=check_label)


@frozen
class Sector:
    """A sector of a cluster program, delivered by one implementing partner.

    Args:
        code: Lowercase code stored on members and groups, e.g. ``"livestock"``.
        name: Bilingual name, e.g. ``Label("Peternakan", "Livestock")``.
        description: Bilingual sentence or two on what the sector covers.
        business_types: The kinds of business members of the sector run (may be empty: then
            any ``business_type`` is accepted).
        dac_code: OECD DAC purpose code for donor reporting (IATI), e.g. ``"31163"``.

    Example:
        >>> s = Sector("livestock", Label("Peternakan", "Livestock"),
        ...            Label("Ternak kambing dan sapi.", "Goats and cattle."),
        ...            [BusinessType("goat", Label("Kambing", "Goat"))], dac_code="31163")
        >>> s.business_type_codes()
        ('goat',)
    """

    code: str = field(validator=check_code)
    name: Label = field(converter=to_label, validator=check_label)
    description: Label = field(converter=to_label, validator=check_label)
    business_types: tuple[BusinessType, ...] = field(
        default=(), converter=to_tuple, validator=check_records(BusinessType)
    )
    dac_code: str | None = field(default=None, validator=_check_dac)

    def business_type_codes(self) -> tuple[str, ...]:
        """Codes of the sector's business types, in the order the plugin gave them."""
        return tuple(b.code for b in self.business_types)
