"""A cluster (*klaster*): one district's program, its people, groups, cooperatives and lifecycle."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import attrs
from attrs import define, field

from klaster._support.validate import check_id, check_optional_text, check_text
from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _summaries
from klaster.model._cluster_fields import (
    check_region,
    check_sectors,
    to_cooperatives,
    to_groups,
    to_members,
    to_overrides,
    to_sectors,
    to_stakeholders,
)
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group, Membership, Role
from klaster.model.lifecycle import Guard, Lifecycle, Override, Phase, PhaseChange
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector, Stakeholder
from klaster.model.records import Records, put_record
from klaster.model.region import Region
from klaster.model.sector_areas import (
    AreaOverride,
    AreaRecord,
    OverrideBook,
    SectorAreas,
    override_for,
)
from klaster.model.sector_rules import check_business_type

__all__ = ["Cluster"]

_FIXED = attrs.setters.frozen


@define(eq=True, repr=False)
class Cluster:
    """A cluster: an area-based program in one kabupaten, in one or more sectors.

    Members, groups and cooperatives are added through methods that check them in context
    (sector of the cluster, village in the region, group members from this cluster). The lifecycle
    is moved with :meth:`advance`, :meth:`suspend`, :meth:`resume`, :meth:`cancel` or :meth:`move`.

    Args:
        id: Stable ID, unique in the program (``"bantaeng"``).
        name: Name (``"Klaster Mandiri Bantaeng"``).
        region: The province :class:`~klaster.Region` tree down to the cluster's kecamatan and desa.
        sectors: The sectors worked in, each with its implementing partner and its area.
        lifecycle: The phase history (:meth:`Lifecycle.start`).
        members: Members (*mitra*).
        groups: Business groups (*kelompok*).
        cooperatives: Cooperatives (*koperasi*).
        stakeholders: Government offices, funders and others with a role here.
        note: Free text.
        area_overrides: Members, groups and activities kept outside their sector's area
            (:class:`~klaster.model.sector_areas.AreaOverride`, each with its reason); recorded
            with ``outside_area=`` when one is added.
    """

    id: str = field(validator=check_id, on_setattr=_FIXED)
    name: str = field(validator=check_text)
    region: Region = field(validator=check_region, on_setattr=_FIXED)
    sectors: tuple[ClusterSector, ...] = field(
        converter=to_sectors, validator=check_sectors, on_setattr=_FIXED
    )
    lifecycle: Lifecycle = field(factory=Lifecycle, on_setattr=_FIXED)
    members: Records[Member] = field(factory=tuple, converter=to_members, on_setattr=_FIXED)
    groups: Records[Group] = field(factory=tuple, converter=to_groups, on_setattr=_FIXED)
    cooperatives: Records[Cooperative] = field(
        factory=tuple, converter=to_cooperatives, on_setattr=_FIXED
    )
    stakeholders: tuple[Stakeholder, ...] = field(factory=tuple, converter=to_stakeholders)
    note: str | None = field(default=None, validator=check_optional_text)
    # Changed only through the methods that add a record (object.__setattr__ past the guard).
    area_overrides: tuple[AreaOverride, ...] = field(
        factory=tuple, converter=to_overrides, on_setattr=_FIXED
    )
    _areas: SectorAreas = field(init=False, repr=False, eq=False)
    _book: OverrideBook = field(init=False, repr=False, eq=False)
    __repr__ = _summaries.cluster_repr  # IDs and counts: no wall of members, no names
    _repr_html_ = _summaries.cluster_html

    def __attrs_post_init__(self) -> None:
        self._book = OverrideBook(
            self.area_overrides, partial(object.__setattr__, self, "area_overrides")
        )
        self._areas = SectorAreas(self.id, self.region, self.sectors)
        _check_each(self._check_member, self.members, "members")
        _check_each(self._check_group, self.groups, "groups")
        _check_each(self._check_cooperative, self.cooperatives, "cooperatives")
        # (An activity's override is checked by the program, which holds the activities.)
        self._book.check_records(self.id, self.members, self.groups)

    # -- queries ----------------------------------------------------------------------------
    @property
    def sector_codes(self) -> tuple[str, ...]:
        """Codes of the cluster's sectors."""
        return tuple(s.sector for s in self.sectors)

    @property
    def areas(self) -> SectorAreas:
        """Where the sectors work: the region's desa and each sector's area, indexed."""
        return self._areas

    def area_override(self, kind: AreaRecord | str, record_id: str) -> AreaOverride | None:
        """The override that keeps a record outside its sector's area, if one is recorded."""
        return self._book.get(kind, record_id)

    def overriding_area(self, override: AreaOverride | None) -> AbstractContextManager[None]:
        """A context recording ``override``, kept if the block succeeds (internal: adding)."""
        return self._book.pending(override)

    @property
    def phase(self) -> Phase | None:
        """The current lifecycle phase."""
        return self.lifecycle.phase

    def active_members(self, on: _dt.date) -> tuple[Member, ...]:
        """Members in the program on ``on``."""
        return tuple(m for m in self.members if m.is_active(on))

    def groups_of(self, member_id: str, on: _dt.date | None = None) -> tuple[Group, ...]:
        """Groups the member belongs to (on ``on``, or ever if ``None``)."""
        return tuple(g for g in self.groups if member_id in g.member_ids(on))

    def check_member(self, member: Member) -> None:
        """Check that :meth:`add_member` would accept ``member``'s sector and village; add nothing.

        For importers that check a whole file before anything is added. The ID's uniqueness is
        not checked here (the cluster, and the program across clusters, check it on adding).

        Raises:
            ValidationError: The sector is not one of the cluster's, the business type not one
                of the sector's (:mod:`klaster.model.sector_rules`), the village not a desa of
                the cluster's region (the message lists the valid ones), or outside the area of
                the member's sector without an override (:mod:`klaster.model.sector_areas`).
        """
        self._check_member(member)

    # -- changes ----------------------------------------------------------------------------
    def add_member(
        self, member: Member, *, outside_area: AreaOverride | str | None = None
    ) -> Member:
        """Add a member after checking it; ``outside_area``: why it may be outside its area."""
        where = f"members[{len(self.members)}]"
        if member.id in self.members:
            raise DuplicateIdError(
                f"duplicate ID {member.id!r}: a member with that ID is already in cluster "
                f"{self.id!r}",
                path=f"{where}.id",
            )
        with self._outside(AreaRecord.MEMBER, member, outside_area, where):
            _wrap(self._check_member, member, where)
            put_record(self.members, member)
        return member

    def add_members(self, members: Iterable[Member]) -> None:
        """Add several members (see :meth:`add_member`)."""
        for member in members:
            self.add_member(member)

    def replace_member(
        self, member: Member, *, outside_area: AreaOverride | str | None = None
    ) -> Member:
        """Replace the member with the same ID (``left``, a phone...; ``outside_area`` too)."""
        where = f"members[{self.members.index_of(member.id)}]"
        with self._outside(AreaRecord.MEMBER, member, outside_area, where):
            _wrap(self._check_member, member, where)
            self._put_member(member)
        return member

    def _put_member(self, member: Member) -> None:
        old = self.members[member.id]
        put_record(self.members, member)
        try:
            for group in self.groups:
                if member.id in group.member_ids():
                    _wrap(self._check_group, group, f"groups[{self.groups.index_of(group.id)}]")
            for i, coop in enumerate(self.cooperatives):
                if member.id in coop.member_ids:
                    _wrap(self._check_cooperative, coop, f"cooperatives[{i}]")
        except KlasterError:
            put_record(self.members, old)  # a refused replacement changes nothing
            raise

    def add_group(self, group: Group, *, outside_area: AreaOverride | str | None = None) -> Group:
        """Add a group after checking it; ``outside_area``: why it may meet outside its area."""
        where = f"groups[{len(self.groups)}]"
        if group.id in self.groups:
            raise DuplicateIdError(
                f"duplicate ID {group.id!r}: a group with that ID is already in cluster "
                f"{self.id!r}",
                path=f"{where}.id",
            )
        with self._outside(AreaRecord.GROUP, group, outside_area, where):
            _wrap(self._check_group, group, where)
            put_record(self.groups, group)
        return group

    def join_group(
        self, group_id: str, member_id: str, on: _dt.date, role: Role | str = Role.MEMBER
    ) -> Group:
        """Add a membership spell of ``member_id`` in group ``group_id`` from ``on``."""
        group = self.groups[group_id]
        spell = Membership(member_id=member_id, joined=on, role=role)
        return self._replace_group(attrs.evolve(group, memberships=(*group.memberships, spell)))

    def leave_group(self, group_id: str, member_id: str, on: _dt.date) -> Group:
        """Close the open membership spell of ``member_id`` in group ``group_id`` on ``on``."""
        group = self.groups[group_id]
        spells = list(group.memberships)
        for index, spell in enumerate(spells):
            if spell.member_id == member_id and spell.left is None:
                spells[index] = attrs.evolve(spell, left=on)
                return self._replace_group(attrs.evolve(group, memberships=spells))
        raise InvalidReferenceError(
            f"member {member_id!r} has no open membership in group {group_id!r}",
            path=f"groups[{self.groups.index_of(group_id)}]",
        )

    def add_cooperative(self, cooperative: Cooperative) -> Cooperative:
        """Add a cooperative after checking its sectors and members; return it."""
        where = f"cooperatives[{len(self.cooperatives)}]"
        if cooperative.id in self.cooperatives:
            raise DuplicateIdError(
                f"duplicate ID {cooperative.id!r}: a cooperative with that ID is already in "
                f"cluster {self.id!r}",
                path=f"{where}.id",
            )
        _wrap(self._check_cooperative, cooperative, where)
        put_record(self.cooperatives, cooperative)
        return cooperative

    def replace_cooperative(self, cooperative: Cooperative) -> Cooperative:
        """Replace the cooperative with the same ID (to record legal status, new members...)."""
        where = f"cooperatives[{self.cooperatives.index_of(cooperative.id)}]"
        _wrap(self._check_cooperative, cooperative, where)
        put_record(self.cooperatives, cooperative)
        return cooperative

    # -- lifecycle --------------------------------------------------------------------------
    def move(
        self,
        to: Phase | str,
        on: _dt.date,
        *,
        reason: str,
        decided_by: str,
        guards: Iterable[Guard] = (),
        override: Override | None = None,
    ) -> PhaseChange:
        """Move the lifecycle to ``to`` (see :meth:`Lifecycle.move`); guards check this cluster."""
        return self.lifecycle.move(
            to,
            on,
            reason=reason,
            decided_by=decided_by,
            subject=self,
            guards=guards,
            override=override,
        )

    def advance(
        self,
        on: _dt.date,
        *,
        reason: str,
        decided_by: str,
        guards: Iterable[Guard] = (),
        override: Override | None = None,
    ) -> PhaseChange:
        """Move to the next phase of the main path; guards check this cluster."""
        return self.lifecycle.advance(
            on,
            reason=reason,
            decided_by=decided_by,
            subject=self,
            guards=guards,
            override=override,
        )

    def suspend(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """Pause the cluster (see :meth:`Lifecycle.suspend`)."""
        return self.lifecycle.suspend(on, reason=reason, decided_by=decided_by)

    def resume(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """Resume a suspended cluster (see :meth:`Lifecycle.resume`)."""
        return self.lifecycle.resume(on, reason=reason, decided_by=decided_by)

    def cancel(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """Cancel the cluster (see :meth:`Lifecycle.cancel`)."""
        return self.lifecycle.cancel(on, reason=reason, decided_by=decided_by)

    # -- checks -----------------------------------------------------------------------------
    def _outside(
        self, kind: AreaRecord, record: Any, given: AreaOverride | str | None, where: str
    ) -> AbstractContextManager[None]:
        try:
            override = override_for(kind, getattr(record, "id", ""), given)
            return self.overriding_area(override)
        except KlasterError as exc:
            raise exc.at(where) from None

    def _replace_group(self, group: Group) -> Group:
        _wrap(self._check_group, group, f"groups[{self.groups.index_of(group.id)}]")
        put_record(self.groups, group)
        return group

    def _check_sector(self, code: str, path: str) -> None:
        for sector in self.sectors:  # (not sector_codes: called once per record, keep it lean)
            if sector.sector == code:
                return
        raise InvalidReferenceError(
            f"unknown sector {code!r} for cluster {self.id!r}; its sectors are "
            + ", ".join(repr(c) for c in self.sector_codes),
            path=path,
        )

    def _check_member(self, member: Member) -> None:
        if not isinstance(member, Member):
            raise ValidationError(f"must be a Member, got {type(member).__name__}")
        self._check_sector(member.sector, "sector")
        check_business_type(member)  # the sector's declared business types (plugins installed)
        key = (AreaRecord.MEMBER, member.id)
        self._areas.check(member.sector, member.village, key, allowed=self._book.allows(*key))

    def _check_group(self, group: Group) -> None:
        if not isinstance(group, Group):
            raise ValidationError(f"must be a Group, got {type(group).__name__}")
        self._check_sector(group.sector, "sector")
        if group.village is not None:
            key = (AreaRecord.GROUP, group.id)
            self._areas.check(group.sector, group.village, key, allowed=self._book.allows(*key))
        members = self.members.as_mapping()
        for index, spell in enumerate(group.memberships):
            member = members.get(spell.member_id)
            if member is not None and member.sector == group.sector:
                continue
            where = f"memberships[{index}].member_id"
            if member is None:
                raise InvalidReferenceError(
                    f"member {spell.member_id!r} is not a member of cluster {self.id!r}; add "
                    "the member to this cluster first",
                    path=where,
                )
            raise InvalidReferenceError(
                f"member {member.id!r} works in sector {member.sector!r}, but the group is "
                f"in {group.sector!r}",
                path=where,
            )

    def _check_cooperative(self, coop: Cooperative) -> None:
        if not isinstance(coop, Cooperative):
            raise ValidationError(f"must be a Cooperative, got {type(coop).__name__}")
        for index, code in enumerate(coop.sectors):
            self._check_sector(code, f"sectors[{index}]")
        members = self.members.as_mapping()
        for index, member_id in enumerate(coop.member_ids):
            member = members.get(member_id)
            if member is None or member.sector not in coop.sectors:
                raise InvalidReferenceError(
                    f"member {member_id!r} is not a member of cluster {self.id!r}"
                    if member is None
                    else f"member {member_id!r} works in sector {member.sector!r}, but the "
                    f"cooperative serves {', '.join(repr(c) for c in coop.sectors)}",
                    path=f"member_ids[{index}]",
                )


def _check_each(check: Any, records: Iterable[object], kind: str) -> None:
    # As _wrap on each record, but the path is only written out for the one that fails.
    index = 0
    try:
        for index, record in enumerate(records):  # noqa: B007 - index is read on failure
            check(record)
    except KlasterError as exc:
        raise exc.at(f"{kind}[{index}]") from None


def _wrap(check: Any, record: object, where: str) -> None:
    try:
        check(record)
    except KlasterError as exc:
        raise exc.at(where) from None
