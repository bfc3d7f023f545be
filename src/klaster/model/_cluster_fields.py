"""Validators and converters of a cluster's fields (internal: ``Cluster``; apart for room)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from klaster.errors import ValidationError
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector, Stakeholder
from klaster.model.records import Records
from klaster.model.region import Region, RegionLevel
from klaster.model.sector_areas import AreaOverride


def to_members(value: Iterable[Member]) -> Records[Member]:
    """Converter of a cluster's ``members``."""
    return value if isinstance(value, Records) else Records("members", value)


def to_groups(value: Iterable[Group]) -> Records[Group]:
    """Converter of a cluster's ``groups``."""
    return value if isinstance(value, Records) else Records("groups", value)


def to_cooperatives(value: Iterable[Cooperative]) -> Records[Cooperative]:
    """Converter of a cluster's ``cooperatives``."""
    return value if isinstance(value, Records) else Records("cooperatives", value)


def to_sectors(value: Iterable[ClusterSector]) -> tuple[ClusterSector, ...]:
    """Converter of a cluster's ``sectors`` (internal)."""
    return tuple(value)


def to_overrides(value: Iterable[AreaOverride]) -> tuple[AreaOverride, ...]:
    """Converter of a cluster's ``area_overrides`` (internal)."""
    return tuple(value)


def to_stakeholders(value: Iterable[Stakeholder]) -> tuple[Stakeholder, ...]:
    """Converter of a cluster's ``stakeholders``."""
    return tuple(value)


def check_region(_inst: object, attribute: Any, value: Region) -> None:
    """A cluster's region: a province tree (internal: ``Cluster``)."""
    if not isinstance(value, Region) or value.level is not RegionLevel.PROVINCE:
        raise ValidationError(
            "must be a province Region (province → kabupaten → kecamatan → desa), e.g. "
            "Region.province('Sulawesi Selatan', '73', [Region.kabupaten('Bantaeng', '73.03')])",
            path=attribute.name,
        )


def check_sectors(_inst: object, attribute: Any, value: tuple[ClusterSector, ...]) -> None:
    """A cluster's sectors: at least one, each a :class:`ClusterSector`, none twice (internal)."""
    if not value:
        raise ValidationError(
            "a cluster works in at least one sector, e.g. [ClusterSector('umkm', 'mm')]",
            path=attribute.name,
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        if not isinstance(item, ClusterSector):
            raise ValidationError(
                f"must be a ClusterSector, got {type(item).__name__}",
                path=f"{attribute.name}[{index}]",
            )
        if item.sector in seen:
            raise ValidationError(
                f"sector {item.sector!r} is listed twice (also sectors[{seen[item.sector]}])",
                path=f"{attribute.name}[{index}].sector",
            )
        seen[item.sector] = index
