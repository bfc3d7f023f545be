"""Sector areas: the kecamatan and desa each of a cluster's sectors works in, and the exceptions.

A :class:`~klaster.model.organisation.ClusterSector` may name its ``areas``: kecamatan or desa of
the cluster's region, by name or Kemendagri code (Bantaeng: farming in Kecamatan Eremerasa,
livestock in Pajukukang; Blora: farming in Desa Bacem). None named means the whole region. A desa
is in a sector's area when it is listed or its kecamatan is. A member's village, a group's
village and an activity's village (when it has a sector) must lie in the area of their sector,
unless the cluster records an :class:`AreaOverride` for that one record, with the reason.

The cluster builds one :class:`SectorAreas` index when it is created (``Cluster.areas``) and
checks every record against it on every path: the API, documents, the store and imports.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

from attrs import field, frozen

from klaster._support.validate import (
    check_enum,
    check_id,
    check_optional_date,
    check_optional_text,
    check_text,
    enum_value,
    to_optional_date,
)
from klaster.errors import DuplicateIdError, InvalidReferenceError, ValidationError
from klaster.label import LabelledEnum, labelled
from klaster.model.organisation import ClusterSector
from klaster.model.region import Region, RegionLevel

__all__ = ["AreaOverride", "AreaRecord", "SectorAreas"]


class AreaRecord(LabelledEnum):
    """The kind of record an :class:`AreaOverride` lets sit outside its sector's area."""

    MEMBER = labelled("member", "Mitra", "Member")
    """A member (its ``village``)."""
    GROUP = labelled("group", "Kelompok", "Group")
    """A group (the ``village`` where it meets)."""
    ACTIVITY = labelled("activity", "Kegiatan", "Activity")
    """An activity with a sector (its ``village``)."""


def _to_record(value: AreaRecord | str) -> AreaRecord:
    return enum_value(AreaRecord, value)


@frozen
class AreaOverride:
    """A decision to keep one record outside the area of its sector, with the reason.

    Kept on the cluster (``Cluster.area_overrides``), for members, groups and activities alike.

    Args:
        kind: :class:`AreaRecord`: member, group or activity.
        record_id: The ID of that member, group or activity (of the same cluster).
        reason: Why it is kept there (``"moved to Bissappu after the flood; stays in her
            group"``).
        decided_by: Who decided, if recorded.
        decided_on: When, if recorded.

    Example:
        >>> AreaOverride("member", "BTG-0194", "lives across the kecamatan border").kind.value
        'member'
    """

    kind: AreaRecord = field(converter=_to_record, validator=check_enum(AreaRecord))
    record_id: str = field(validator=check_id)
    reason: str = field(validator=check_text)
    decided_by: str | None = field(default=None, validator=check_optional_text)
    decided_on: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )


def override_for(
    kind: AreaRecord, record_id: str, given: AreaOverride | str | None
) -> AreaOverride | None:
    """The override an ``outside_area=`` argument gives for one record (internal).

    A text is the reason; an :class:`AreaOverride` must name that record.

    Raises:
        ValidationError: At ``outside_area``: an empty reason or an override for another record.
    """
    if given is None:
        return None
    if isinstance(given, str):
        try:
            return AreaOverride(kind, record_id, given)
        except ValidationError as exc:
            raise ValidationError(
                "give the reason for keeping it outside its sector's area", path="outside_area"
            ) from exc
    if not isinstance(given, AreaOverride):
        raise ValidationError(
            f"must be a reason or an AreaOverride, got {type(given).__name__}",
            path="outside_area",
        )
    if given.kind is not kind or given.record_id != record_id:
        raise ValidationError(
            f"the override is for {given.kind.value} {given.record_id!r}, not {kind.value} "
            f"{record_id!r}",
            path="outside_area",
        )
    return given


class OverrideBook:
    """A cluster's area overrides by (kind, record ID) (internal: ``Cluster``).

    Args:
        overrides: The cluster's ``area_overrides``.
        store: Called with the new tuple when an override is recorded or taken back.

    Raises:
        ValidationError: At ``area_overrides[i]``: not an :class:`AreaOverride`.
        DuplicateIdError: At ``area_overrides[i].record_id``: a second override for a record.
    """

    __slots__ = ("_index", "_overrides", "_store")

    def __init__(
        self, overrides: tuple[AreaOverride, ...], store: Callable[[tuple[AreaOverride, ...]], None]
    ) -> None:
        self._overrides = overrides
        self._store = store
        self._index: dict[tuple[AreaRecord, str], int] = {}
        for position, item in enumerate(overrides):
            where = f"area_overrides[{position}]"
            if not isinstance(item, AreaOverride):
                raise ValidationError(
                    f"must be an AreaOverride, got {type(item).__name__}", path=where
                )
            first = self._index.setdefault((item.kind, item.record_id), position)
            if first != position:
                raise DuplicateIdError(
                    f"{item.kind.value} {item.record_id!r} already has an override "
                    f"(area_overrides[{first}]); one per record",
                    path=f"{where}.record_id",
                )

    def allows(self, kind: AreaRecord, record_id: str) -> bool:
        """Whether the record has an override."""
        return (kind, record_id) in self._index

    def get(self, kind: AreaRecord | str, record_id: str) -> AreaOverride | None:
        """The record's override, or ``None``."""
        index = self._index.get((AreaRecord(kind), record_id))
        return None if index is None else self._overrides[index]

    def check_records(
        self, cluster_id: str, members: Container[str], groups: Container[str]
    ) -> None:
        """Check that each member's and group's override names one of ``members``/``groups``.

        Raises:
            InvalidReferenceError: At ``area_overrides[i].record_id``.
        """
        pools = {AreaRecord.MEMBER: members, AreaRecord.GROUP: groups}
        for index, item in enumerate(self._overrides):
            pool = pools.get(item.kind)
            if pool is not None and item.record_id not in pool:
                raise InvalidReferenceError(
                    f"{item.kind.value} {item.record_id!r} is not in cluster {cluster_id!r}; an "
                    "override names a record of its cluster",
                    path=f"area_overrides[{index}].record_id",
                )

    def pending(self, override: AreaOverride | None) -> AbstractContextManager[None]:
        """A context recording ``override``, kept only if the block succeeds.

        Raises:
            DuplicateIdError: At ``outside_area``: the record already has an override.
        """
        if override is None:
            return nullcontext()
        key = (override.kind, override.record_id)
        if key in self._index:
            raise DuplicateIdError(
                f"{override.kind.value} {override.record_id!r} already has an override "
                f"(area_overrides[{self._index[key]}])",
                path="outside_area",
            )
        return self._held(override)

    @contextmanager
    def _held(self, override: AreaOverride) -> Iterator[None]:
        before = self._overrides
        self._set((*before, override))
        try:
            yield
        except BaseException:
            self._set(before)
            raise

    def _set(self, overrides: tuple[AreaOverride, ...]) -> None:
        self._overrides = overrides
        self._index = {(o.kind, o.record_id): i for i, o in enumerate(overrides)}
        self._store(overrides)


class SectorAreas:
    """A cluster's desa and the area of each of its sectors, indexed once (``Cluster.areas``).

    Built by the cluster when it is created (its region and sectors never change); read by the
    checks of members, groups and activities, and by the store's imports.

    Args:
        cluster_id: The cluster's ID (for messages).
        region: The cluster's province tree.
        sectors: The cluster's sectors with their areas.

    Raises:
        InvalidReferenceError: At ``sectors[i].areas[j]``: an area that is no kecamatan or desa
            of the region (the valid ones are listed), or a name that fits several (use the
            code).
    """

    __slots__ = ("_areas", "_cluster_id", "_desa", "_labels", "_names", "_places")

    def __init__(self, cluster_id: str, region: Region, sectors: Sequence[ClusterSector]) -> None:
        self._cluster_id = cluster_id
        self._desa: dict[str, list[int]] = {}  # folded name or code → desa numbers
        self._places: dict[str, list[tuple[str, frozenset[int]]]] = {}  # the same for areas
        self._names: set[str] = set()  # desa names, for messages
        number = 0
        for kecamatan in region.at_level(RegionLevel.KECAMATAN):
            numbers = []
            for desa in kecamatan.children:
                numbers.append(number)
                self._names.add(desa.name)
                where = f"desa {desa.name} (Kecamatan {kecamatan.name})"
                for key in _keys(desa):
                    self._desa.setdefault(key, []).append(number)
                    self._places.setdefault(key, []).append((where, frozenset((number,))))
                number += 1
            for key in _keys(kecamatan):
                self._places.setdefault(key, []).append(
                    (f"kecamatan {kecamatan.name}", frozenset(numbers))
                )
        self._areas: dict[str, frozenset[int] | None] = {}
        self._labels: dict[str, str] = {}
        for s_index, sector in enumerate(sectors):
            chosen: set[int] = set()
            for a_index, area in enumerate(sector.areas):
                chosen |= self._place(area, f"sectors[{s_index}].areas[{a_index}]")
            self._areas[sector.sector] = frozenset(chosen) if sector.areas else None
            self._labels[sector.sector] = ", ".join(sector.areas)

    def _place(self, area: str, path: str) -> frozenset[int]:
        found = self._places.get(area) or self._places.get(area.casefold())
        if not found:
            names = sorted({where for places in self._places.values() for where, _ in places})
            raise InvalidReferenceError(
                f"area {area!r} is not a kecamatan or desa of cluster {self._cluster_id!r}; use "
                "the name or Kemendagri code of one of: " + (", ".join(names) or "(none listed)"),
                path=path,
            )
        if len(found) > 1:
            raise InvalidReferenceError(
                f"area {area!r} names {len(found)} places of cluster {self._cluster_id!r} ("
                + "; ".join(where for where, _ in found)
                + "); use the Kemendagri code instead",
                path=path,
            )
        return found[0][1]

    def area_of(self, sector: str) -> str | None:
        """The areas a sector lists, as text (``"Bantaeng, Bissappu"``), or ``None`` for all."""
        return None if self._areas.get(sector) is None else self._labels[sector]

    def desa(self, village: str, path: str = "village") -> int | None:
        """The number of the desa ``village`` names, or ``None`` if the region lists no desa.

        Raises:
            InvalidReferenceError: At ``path``: no desa of the region, or several (use the code).
        """
        if not self._desa:
            return None  # the region lists no desa: nothing to check against
        found = self._desa.get(village) or self._desa.get(village.casefold())
        if not found:
            raise InvalidReferenceError(
                f"village {village!r} is not a desa of cluster {self._cluster_id!r}; use the "
                "name or Kemendagri code of one of: " + ", ".join(sorted(self._names)),
                path=path,
            )
        if len(found) > 1:
            raise InvalidReferenceError(
                f"village {village!r} names {len(found)} desa of cluster {self._cluster_id!r}; "
                "use the Kemendagri code instead",
                path=path,
            )
        return found[0]

    def inside(self, sector: str, village: str) -> bool:
        """Whether ``village`` is a desa in ``sector``'s area (``False`` if unknown or unclear)."""
        if not self._desa:
            return True
        area = self._areas.get(sector)
        found = self._desa.get(village) or self._desa.get(village.casefold())
        if not found or len(found) > 1:
            return False
        return area is None or found[0] in area

    def check(
        self,
        sector: str,
        village: str,
        record: tuple[AreaRecord, str] | None = None,
        *,
        allowed: bool = False,
        path: str = "village",
    ) -> None:
        """Check that ``village`` is a desa of the region, in ``sector``'s area unless ``allowed``.

        Args:
            sector: The record's sector (one of the cluster's).
            village: The record's village.
            record: The record's kind and ID, named in the message.
            allowed: The record has an :class:`AreaOverride`.
            path: Where the village is.

        Raises:
            InvalidReferenceError: At ``path``: as :meth:`desa`.
            ValidationError: At ``path``: outside the sector's area, saying the area and how to
                record an override.
        """
        number = self.desa(village, path)
        area = self._areas.get(sector)
        if number is None or area is None or allowed or number in area:
            return
        how = (
            f"AreaOverride({record[0].value!r}, {record[1]!r}, reason)"
            if record is not None
            else "AreaOverride(kind, record_id, reason)"
        )
        raise ValidationError(
            f"village {village!r} is outside the area of sector {sector!r} in cluster "
            f"{self._cluster_id!r} ({self._labels[sector]}); to keep it there, record an "
            f"override with a reason: outside_area=reason when adding it, or {how} in the "
            "cluster's area_overrides",
            path=path,
        )


def _keys(region: Region) -> Iterable[str]:
    yield region.name.casefold()
    if region.code:
        yield region.code
