"""A roster's rows added to a program through the model's own methods, every problem located.

Members go through :meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`
(sector, the sector plugins' business types, village and sector area), groups through
``add_group`` (sector, village and area) and memberships through ``join_group`` /
``leave_group`` (the group's checks: the member's sector, overlapping spells, capacity). What the
program holds already is compared, never changed: the same row again changes nothing, and a row
that differs from a held member, group or spell is a located problem. A row's ``outside_area``
(``group_outside_area``) is recorded as the cluster's area override of a new member (group) outside
its sector's area, and only then (:mod:`klaster.importing._outside_area`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from klaster.errors import KlasterError
from klaster.importing._outside_area import needed
from klaster.importing._problems import Problems
from klaster.importing._roster_rows import RosterRow
from klaster.model.cluster import Cluster
from klaster.model.group import Group, Membership
from klaster.model.member import Member
from klaster.model.program import Program
from klaster.model.sector_areas import AreaRecord

__all__ = ["RosterApply"]

_REQUIRED = ("id", "name", "sex", "household_size", "village", "sector", "joined")
_GROUP_ATTRS = {
    "group_name": "name",
    "group_sector": "sector",
    "group_village": "village",
    "group_formed": "formed",
    "group_capacity": "capacity",
}


class RosterApply:
    """Adds the rows to ``program`` (a copy the caller owns), noting problems by row."""

    def __init__(self, program: Program, columns: dict[str, str], problems: Problems) -> None:
        self.program = program
        self.columns = columns
        self.problems = problems
        self.members_added = 0
        self.groups_added = 0
        self.memberships_added = 0
        self.changed_rows: set[int] = set()
        self.members: dict[str, Member] = {}  # the member of each ID the rows give, once built

    def column(self, field: str) -> str:
        """The column (or mapping key) of a field, for messages."""
        return self.columns.get(field, field)

    def problem(self, row: int, field: str | None, reason: str) -> None:
        """Note a reason against a row (and a column when ``field`` is mapped)."""
        if field is not None and field in self.columns:
            reason = f"column {self.column(field)!r}: {reason}"
        self.problems.add(row, reason)

    # -- members --------------------------------------------------------------------------
    def add_members(self, rows: list[RosterRow]) -> None:
        """Each member once (its first row); later rows must repeat its fields."""
        first: dict[str, RosterRow] = {}
        reasons: dict[str, str] = {}  # a member's reason for its area: on any of its rows
        for row in rows:
            if row.outside_area:
                reasons.setdefault(str(row.member.get("id")), row.outside_area)
        for row in rows:
            member_id = row.member.get("id")
            earlier = first.setdefault(str(member_id), row)
            if earlier is not row:
                self._same_member(row, earlier)
                continue
            self._add_member(row, reasons.get(str(member_id)))

    def _same_member(self, row: RosterRow, earlier: RosterRow) -> None:
        for field, value in row.member.items():
            other = earlier.member.get(field)
            if value is not None and other is not None and value != other:
                self.problem(
                    row.number,
                    field,
                    f"member {row.member['id']!r} is also in row {earlier.number} with another "
                    "value (the value is not shown); every row of a member repeats its fields",
                )
        if row.cluster_id != earlier.cluster_id:
            self.problem(
                row.number,
                None,
                f"member {row.member['id']!r} is in cluster {earlier.cluster_id!r} in row "
                f"{earlier.number}; a member is in one cluster",
            )

    def _add_member(self, row: RosterRow, reason: str | None) -> None:
        try:
            member = Member(**{k: v for k, v in row.member.items() if v is not None})
        except KlasterError as exc:
            self.problem(row.number, _last(exc.path), exc.message)
            return
        except TypeError:  # a required field left empty in this row
            for field in _REQUIRED:
                if row.member.get(field) is None:
                    self.problem(row.number, field, "is empty; every member needs it")
            return
        cluster = self.program.clusters[row.cluster_id]
        held_in = self.program.cluster_of_member(member.id)
        if held_in is not None:
            self.members[member.id] = held_in.members[member.id]
            if held_in.id != cluster.id:
                self.problem(
                    row.number,
                    "id",
                    f"member {member.id!r} is already in cluster {held_in.id!r}, not "
                    f"{cluster.id!r}",
                )
                return
            held = held_in.members[member.id]
            differ = [f for f in row.member if getattr(held, f) != getattr(member, f)]
            if differ:
                shown = ", ".join(repr(self.column(f)) for f in differ)
                self.problem(
                    row.number,
                    None,
                    f"member {member.id!r} is already in the program with other values in "
                    f"{shown} (not shown); a roster adds members, it does not change them: "
                    "change the member with Cluster.replace_member",
                )
            return
        kind = AreaRecord.MEMBER
        reason = needed(cluster, kind, member.id, member.sector, member.village, reason)
        try:
            cluster.add_member(member, outside_area=reason)
        except KlasterError as exc:
            self.problem(row.number, _last(exc.path), exc.message)
            return
        self.members[member.id] = member
        self.members_added += 1
        self.changed_rows.add(row.number)

    # -- groups ---------------------------------------------------------------------------
    def add_groups(self, rows: list[RosterRow]) -> dict[str, Group]:
        """Each group once; its fields must agree between its rows. The groups by ID."""
        by_group: dict[str, list[RosterRow]] = {}
        for row in rows:
            if row.group_id is not None:
                by_group.setdefault(row.group_id, []).append(row)
        found: dict[str, Group] = {}
        for group_id, items in by_group.items():
            group = self._group(group_id, items)
            if group is not None:
                found[group_id] = group
        return found

    def _group(self, group_id: str, items: list[RosterRow]) -> Group | None:
        first = items[0]
        given: dict[str, Any] = {}
        where: dict[str, int] = {}
        agree = True
        for row in items:
            if row.cluster_id != first.cluster_id:
                self.problem(
                    row.number,
                    "group",
                    f"group {group_id!r} is in cluster {first.cluster_id!r} in row "
                    f"{first.number}; a group is in one cluster",
                )
                agree = False
            for field, value in row.group.items():
                if value is None:
                    continue
                if field in given and given[field] != value:
                    self.problem(
                        row.number,
                        field,
                        f"group {group_id!r} has another value in row {where[field]} (the "
                        "value is not shown); every row of a group gives the same",
                    )
                    agree = False
                given.setdefault(field, value)
                where.setdefault(field, row.number)
        if not agree:
            return None
        cluster = self.program.clusters[first.cluster_id]
        for other in self.program.clusters:
            if other.id != cluster.id and group_id in other.groups:
                self.problem(
                    first.number, "group", f"group {group_id!r} is already in cluster {other.id!r}"
                )
                return None
        if group_id in cluster.groups:
            return self._held_group(cluster.groups[group_id], given, where)
        return self._new_group(cluster, group_id, items, given)

    def _held_group(
        self, held: Group, given: dict[str, Any], where: dict[str, int]
    ) -> Group | None:
        differ = [f for f, v in given.items() if getattr(held, _GROUP_ATTRS[f]) != v]
        for field in differ:
            self.problem(
                where[field],
                field,
                f"group {held.id!r} is already in the program with another value (not shown); "
                "a roster adds groups, it does not change them",
            )
        return None if differ else held

    def _new_group(
        self, cluster: Cluster, group_id: str, items: list[RosterRow], given: dict[str, Any]
    ) -> Group | None:
        first = items[0]
        sector = given.get("group_sector")
        if sector is None:  # the sector of its (first) member
            member = self.members.get(str(first.member.get("id")))
            sector = member.sector if member is not None else first.member.get("sector")
        formed = given.get("group_formed")
        if formed is None:  # the first day one of its members joined it
            days = [self._joined(row) for row in items]
            formed = min((d for d in days if d is not None), default=None)
        if sector is None or formed is None:
            return None  # its members were refused: their problems are noted
        try:
            group = Group(
                id=group_id,
                name=given.get("group_name") or group_id,
                sector=sector,
                formed=formed,
                village=given.get("group_village"),
                capacity=given.get("group_capacity"),
            )
            reason = next((r.group_outside_area for r in items if r.group_outside_area), None)
            reason = needed(cluster, AreaRecord.GROUP, group_id, sector, group.village, reason)
            cluster.add_group(group, outside_area=reason)
        except KlasterError as exc:
            field = {v: k for k, v in _GROUP_ATTRS.items()}.get(_last(exc.path) or "", "group")
            self.problem(first.number, field, _about(group_id, exc.message))
            return None
        self.groups_added += 1
        self.changed_rows.add(first.number)
        return group

    def _joined(self, row: RosterRow) -> _dt.date | None:
        day = row.spell.get("group_joined")
        if day is not None:
            return day  # type: ignore[no-any-return]
        member = self.members.get(str(row.member.get("id")))
        return member.joined if member is not None else None

    # -- memberships ----------------------------------------------------------------------
    def add_spells(self, rows: list[RosterRow], groups: dict[str, Group]) -> None:
        """Each row's membership: new, or the same as held (a member's groups of one sector)."""
        sectors: dict[str, tuple[str, str, int]] = {}  # member → (group, sector, row)
        for row in rows:
            group = groups.get(row.group_id or "")
            member = self.members.get(str(row.member.get("id")))
            if group is None or member is None:
                continue  # no group, or a problem already noted
            seen = sectors.setdefault(member.id, (group.id, group.sector, row.number))
            if seen[1] != group.sector:
                self.problem(
                    row.number,
                    "group",
                    f"member {member.id!r} is also in group {seen[0]!r} of sector {seen[1]!r} "
                    f"(row {seen[2]}); group {group.id!r} is of sector {group.sector!r}: a "
                    "member's groups are of one sector",
                )
                continue
            self._spell(row, member, group)

    def _spell(self, row: RosterRow, member: Member, group: Group) -> None:
        cluster = self.program.clusters[row.cluster_id]
        group = cluster.groups[group.id]
        joined = row.spell.get("group_joined") or max(member.joined, group.formed)
        spell = Membership(
            member.id, joined, row.spell.get("group_left"), row.spell.get("role") or "member"
        )
        held = [s for s in group.memberships if s.member_id == member.id]
        if spell in held:
            return  # the same spell again: nothing to add
        if any(s.joined == spell.joined for s in held):
            self.problem(
                row.number,
                "role",
                f"member {member.id!r} is already in group {group.id!r} from {spell.joined} "
                "with another role or leaving day; a roster adds memberships, it does not "
                "change them",
            )
            return
        try:
            cluster.join_group(group.id, member.id, spell.joined, spell.role)
            if spell.left is not None:
                cluster.leave_group(group.id, member.id, spell.left)
        except KlasterError as exc:
            field = "group_left" if _last(exc.path) == "left" else "group"
            self.problem(row.number, field, _about(group.id, exc.message))
            return
        self.memberships_added += 1
        self.changed_rows.add(row.number)


def _last(path: str | None) -> str | None:
    """The field at the end of a located path (``members[3].village`` → ``village``)."""
    return path.rsplit(".", 1)[-1] if path else None


def _about(group_id: str, message: str) -> str:
    """A group's message, naming the group once."""
    return message if f"group {group_id!r}" in message else f"group {group_id!r}: {message}"
