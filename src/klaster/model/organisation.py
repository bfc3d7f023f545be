"""Organisations around a program: the NGO, implementing partners, government, funders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_enum,
    check_id,
    check_optional_id,
    check_optional_text,
    check_text,
    check_texts,
    enum_value,
)
from klaster.errors import ValidationError
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


def _to_areas(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):  # one name would otherwise become its letters
        raise ValidationError(
            f"must be a list of kecamatan or desa, e.g. [{value!r}]", path="areas"
        )
    return tuple(value)


def _check_areas(inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    check_texts(inst, attribute, value)
    folded = [area.casefold() for area in value]
    for index, area in enumerate(folded):
        if area in folded[:index]:
            raise ValidationError(
                f"{value[index]!r} is listed twice (also areas[{folded.index(area)}])",
                path=f"{attribute.name}[{index}]",
            )


@frozen
class ClusterSector:
    """A sector a cluster works in, the implementing partner that delivers it, and where.

    Args:
        sector: Sector code (``"umkm"``, ``"farming"``, ``"livestock"`` or a plugin's).
        partner_id: ID of the implementing :class:`Organisation`, if one is named.
        areas: Kecamatan or desa of the cluster's region the sector works in, by name or
            Kemendagri code (``("Eremerasa",)``, ``("73.03.01", "Bantaeng")``); empty: the whole
            region. Checked by the cluster (:mod:`klaster.model.sector_areas`).
    """

    sector: str = field(validator=check_code)
    partner_id: str | None = field(default=None, validator=check_optional_id)
    areas: tuple[str, ...] = field(default=(), converter=_to_areas, validator=_check_areas)


@frozen
class Stakeholder:
    """An organisation's role in one cluster (opening workshop, support after exit...).

    Args:
        organisation_id: ID of an :class:`Organisation` of the program.
        role: What it does here (``"Bupati: opened the workshop"``, ``"Dinas Koperasi"``).
    """

    organisation_id: str = field(validator=check_id)
    role: str = field(validator=check_text)
