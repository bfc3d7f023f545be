"""Organisations around a program: the NGO, implementing partners, government, funders."""

from __future__ import annotations

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_enum,
    check_id,
    check_optional_id,
    check_optional_text,
    check_text,
    enum_value,
)
from klaster.label import LabelledEnum, labelled

__all__ = ["ClusterSector", "OrgKind", "Organisation", "Stakeholder"]


class OrgKind(LabelledEnum):
    """What kind of organisation a party is."""

    NGO = labelled("ngo", "Lembaga amil zakat / LSM", "NGO")
    """The organisation running the program (e.g. a zakat institution, *lembaga amil zakat*)."""
    IMPLEMENTING_PARTNER = labelled(
        "implementing_partner", "Mitra pelaksana", "Implementing partner"
    )
    """A network partner that delivers one sector (*jejaring*, e.g. Kampoeng Ternak Nusantara)."""
    GOVERNMENT = labelled("government", "Pemerintah", "Government")
    """Bupati, Bappeda, a *dinas*, a village head (*kepala desa*)."""
    FUNDER = labelled("funder", "Donatur", "Funder")
    """A donor or funder."""
    PRIVATE = labelled("private", "Swasta", "Private sector")
    """A company, buyer or bank."""
    OTHER = labelled("other", "Lainnya", "Other")
    """Anything else."""


def _to_org_kind(value: OrgKind | str) -> OrgKind:
    return enum_value(OrgKind, value)


@frozen
class Organisation:
    """A party the program works with, listed once per program and referred to by ID.

    Args:
        id: Stable ID, unique in the program (e.g. ``"ktn"``).
        name: Name (``"Kampoeng Ternak Nusantara"``).
        kind: :class:`OrgKind`.
        note: Free text.
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text)
    kind: OrgKind = field(converter=_to_org_kind, validator=check_enum(OrgKind))
    note: str | None = field(default=None, validator=check_optional_text)


@frozen
class ClusterSector:
    """A sector a cluster works in and the implementing partner that delivers it.

    Args:
        sector: Sector code (``"umkm"``, ``"farming"``, ``"livestock"`` or a plugin's).
        partner_id: ID of the implementing :class:`Organisation`, if one is named.
    """

    sector: str = field(validator=check_code)
    partner_id: str | None = field(default=None, validator=check_optional_id)


@frozen
class Stakeholder:
    """An organisation's role in one cluster (opening workshop, support after exit...).

    Args:
        organisation_id: ID of an :class:`Organisation` of the program.
        role: What it does here (``"Bupati: opened the workshop"``, ``"Dinas Koperasi"``).
    """

    organisation_id: str = field(validator=check_id)
    role: str = field(validator=check_text)
