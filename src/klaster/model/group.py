"""Business groups (*kelompok usaha*) and their membership over time."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_date,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_text,
    check_order,
    check_text,
    enum_value,
    optional_int_at_least,
    to_date,
    to_optional_date,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Group", "Membership", "Role"]


class Role(LabelledEnum):
    """A member's role in a group or cooperative board (*pengurus*)."""

    MEMBER = labelled("member", "Anggota", "Member")
    """Anggota."""
    CHAIR = labelled("chair", "Ketua", "Chair")
    """Ketua."""
    SECRETARY = labelled("secretary", "Sekretaris", "Secretary")
    """Sekretaris."""
    TREASURER = labelled("treasurer", "Bendahara", "Treasurer")
    """Bendahara."""


def _to_role(value: Role | str) -> Role:
    return enum_value(Role, value)


@frozen
class Membership:
    """One spell of a member in a group: from ``joined`` until ``left`` (exclusive) or open.

    Args:
        member_id: ID of a member of the same cluster.
        joined: First day in the group.
        left: Day the member left; not before ``joined``. ``None`` while still in the group.
        role: :class:`Role` in the group.
    """

    member_id: str = field(validator=check_id)
    joined: _dt.date = field(converter=to_date, validator=check_date)
    left: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("joined", "left")],
    )
    role: Role = field(default=Role.MEMBER, converter=_to_role, validator=check_enum(Role))

    def is_active(self, on: _dt.date) -> bool:
        """Whether this spell covers ``on``."""
        return self.joined <= on and (self.left is None or on < self.left)


def _to_memberships(value: Iterable[Membership]) -> tuple[Membership, ...]:
    return tuple(value)


def _check_memberships(inst: Group, attribute: Any, value: tuple[Membership, ...]) -> None:
    # One member may leave and rejoin, but two spells of the same member must not overlap.
    spells: dict[str, list[tuple[int, Membership]]] = {}
    for index, spell in enumerate(value):
        if not isinstance(spell, Membership):
            raise ValidationError(
                f"must be a Membership, got {type(spell).__name__}",
                path=f"{attribute.name}[{index}]",
            )
        for other_index, other in spells.get(spell.member_id, ()):
            if _overlap(spell, other):
                raise ValidationError(
                    f"member {spell.member_id!r} is already in the group from {other.joined} "
                    f"(memberships[{other_index}]); spells of one member must not overlap",
                    path=f"{attribute.name}[{index}]",
                )
        spells.setdefault(spell.member_id, []).append((index, spell))
        if spell.joined < inst.formed:
            raise ValidationError(
                f"joined {spell.joined}, before the group was formed on {inst.formed}",
                path=f"{attribute.name}[{index}].joined",
            )


def _check_capacity(inst: Group, attribute: Any, value: int | None) -> None:
    optional_int_at_least(1)(inst, attribute, value)
    if value is None:
        return
    # Sweep the spells in date order (a spell's ``left`` day is not in it, so leaving comes
    # before joining on the same day): the first join that takes the count past the capacity.
    events = sorted(
        [(s.joined, 1, i) for i, s in enumerate(inst.memberships)]
        + [(s.left, 0, i) for i, s in enumerate(inst.memberships) if s.left is not None]
    )
    active = 0
    for day, joins, index in events:
        active += 1 if joins else -1
        if active > value:
            raise ValidationError(
                f"group {inst.id!r} would have {active} active members on {day}, more than its "
                f"capacity of {value}; close a spell (left) first or raise the capacity",
                path=f"memberships[{index}]",
            )


def _overlap(a: Membership, b: Membership) -> bool:
    a_end = a.left or _dt.date.max
    b_end = b.left or _dt.date.max
    return a.joined < b_end and b.joined < a_end


@frozen
class Group:
    """A business group (*kelompok usaha*) of members of one cluster and one sector.

    Groups are formed in the growth phase and financed in strengthening. Membership is kept over
    time as :class:`Membership` spells, so the group on any date can be rebuilt.

    Args:
        id: Stable ID, unique in the program.
        name: Group name (e.g. ``"Kelompok Rumput Laut Mandiri"``).
        sector: Sector code; must be one of the cluster's sectors and the sector of its members.
        formed: Date the group was formed.
        memberships: Spells of members in the group.
        dissolved: Date the group stopped, if it did.
        capacity: The most members active in the group on any day (``None``: no limit); a
            spell that would take it past that is refused wherever it comes from.
        village: The desa where the group meets, if recorded: a desa of the cluster's region in
            the area of the group's sector (:mod:`klaster.model.sector_areas`).

    Example:
        >>> import datetime
        >>> g = Group(id="G-01", name="Kelompok Mawar", sector="umkm",
        ...           formed=datetime.date(2011, 8, 1),
        ...           memberships=[Membership("M-1", datetime.date(2011, 8, 1))])
        >>> g.member_ids(datetime.date(2012, 1, 1))
        ('M-1',)
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text)
    sector: str = field(validator=check_code)
    formed: _dt.date = field(converter=to_date, validator=check_date)
    memberships: tuple[Membership, ...] = field(
        default=(), converter=_to_memberships, validator=_check_memberships
    )
    dissolved: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("formed", "dissolved")],
    )
    capacity: int | None = field(default=None, validator=_check_capacity)
    village: str | None = field(default=None, validator=check_optional_text)

    def member_ids(self, on: _dt.date | None = None) -> tuple[str, ...]:
        """IDs of the members in the group on ``on`` (all who were ever in it if ``None``)."""
        seen: dict[str, None] = {}
        for spell in self.memberships:
            if on is None or spell.is_active(on):
                seen[spell.member_id] = None
        return tuple(seen)

    def is_active(self, on: _dt.date) -> bool:
        """Whether the group exists on ``on`` and has at least one member then."""
        if on < self.formed or (self.dissolved is not None and on >= self.dissolved):
            return False
        return any(spell.is_active(on) for spell in self.memberships)
