"""Membership spells from columns, checked column-wise (internal: :mod:`klaster.model.bulk`).

Each row appends one spell to its group, in row order, as :meth:`Cluster.join_group
<klaster.model.cluster.Cluster.join_group>` then (a row with ``left``) :meth:`Cluster.leave_group
<klaster.model.cluster.Cluster.leave_group>` do one at a time: the group is one of the cluster's,
the spell is well formed (member ID, role, joined; then left not before joined), the member
belongs to the cluster and works in the group's sector, the spell starts on or after the group was
formed, and the spell *still open* (as ``join_group`` adds it) overlaps none of the member's
spells (the group's own, earlier rows as they were closed) and keeps the group within its
capacity on every day; closing it then only shortens it, so nothing more can fail but the order
of the dates.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import attrs

from klaster._support.validate import enum_value
from klaster.errors import InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _bulk_checks as chk
from klaster.model.group import Group, Membership, Role

if TYPE_CHECKING:
    from klaster.model.cluster import Cluster

_SPELL_FIELDS = ("member_id", "joined", "left", "role")


def join_columns(cluster: Cluster, data: dict[str, list[Any]], count: int) -> list[Group]:
    """The cluster's groups with the rows' spells appended (checked; nothing is changed).

    Raises:
        KlasterError: The per-record error of the first refused row, at ``row <i> column
            '<name>'``.
    """
    data["joined"] = chk.to_dates(data["joined"])
    data["left"] = chk.to_dates(data["left"])
    roles = data["role"]
    try:
        done = {value: enum_value(Role, value) for value in set(roles)}
        data["role"] = [done[value] for value in roles]
    except TypeError:
        data["role"] = [enum_value(Role, value) for value in roles]
    row = _problem(cluster, data, count)
    if row is not None:
        raise _explain(cluster, data, row)
    by_group: dict[str, list[Membership]] = {}
    new, put = object.__new__, object.__setattr__
    for gid, *values in zip(data["group_id"], *(data[name] for name in _SPELL_FIELDS), strict=True):
        spell = new(Membership)
        for name, value in zip(_SPELL_FIELDS, values, strict=True):
            put(spell, name, value)
        by_group.setdefault(gid, []).append(spell)
    changed = []
    for gid, spells in by_group.items():
        group = cluster.groups[gid]
        rebuilt = new(Group)
        for field in attrs.fields(Group):
            put(rebuilt, field.name, getattr(group, field.name))
        put(rebuilt, "memberships", (*group.memberships, *spells))
        changed.append(rebuilt)
    return changed


def _problem(cluster: Cluster, data: dict[str, list[Any]], count: int) -> int | None:
    groups = cluster.groups.as_mapping()
    gids, mids, joined, left = data["group_id"], data["member_id"], data["joined"], data["left"]
    found = chk.smallest(
        chk.first(lambda v: not isinstance(v, str) or v not in groups, gids),
        chk.first(chk.bad_id, mids),
        chk.first_distinct(chk.bad_date, joined),
        chk.first_distinct(chk.bad_optional_date, left),
        chk.first_before(joined, left),
        chk.first_distinct(lambda v: not isinstance(v, Role), data["role"]),
    )
    end = count if found is None else found
    members = cluster.members.as_mapping()
    spells: dict[tuple[str, str], list[tuple[_dt.date, _dt.date]]] = {}
    rows_of: dict[str, list[int]] = {}
    for row in range(end):
        group = groups[gids[row]]
        start, stop = joined[row], left[row] or _dt.date.max
        member = members.get(mids[row])
        if start < group.formed or member is None or member.sector != group.sector:
            return row
        key = (group.id, mids[row])
        earlier = spells.get(key)
        if earlier is None:
            earlier = spells[key] = [
                (s.joined, s.left or _dt.date.max)
                for s in group.memberships
                if s.member_id == mids[row]
            ]
        if any(start < e_stop for _, e_stop in earlier):  # still open: it reaches every later day
            return row
        earlier.append((start, stop))
        rows_of.setdefault(group.id, []).append(row)
    return chk.smallest(found, _over_capacity(cluster, data, rows_of))


def _over_capacity(
    cluster: Cluster, data: dict[str, list[Any]], rows_of: dict[str, list[int]]
) -> int | None:
    # Each row joins still open, beside the earlier rows as they were closed. Every row open
    # covers every day each of those checks covers: within the capacity, no row is refused.
    first: int | None = None
    joined, left = data["joined"], data["left"]
    for gid, rows in rows_of.items():
        group = cluster.groups[gid]
        if group.capacity is None:
            continue
        spells = [(s.joined, s.left) for s in group.memberships]
        if _most_active([*spells, *((joined[row], None) for row in rows)]) <= group.capacity:
            continue
        for row in rows:
            if _most_active([*spells, (joined[row], None)]) > group.capacity:
                first = chk.smallest(first, row)
                break
            spells.append((joined[row], left[row]))
    return first


def _most_active(spells: list[tuple[_dt.date, _dt.date | None]]) -> int:
    """The most spells active on one day (a ``left`` day is not in its spell), as ``Group``."""
    events = sorted(
        [(start, 1) for start, _ in spells] + [(end, 0) for _, end in spells if end is not None]
    )
    active = most = 0
    for _, joins in events:
        active += 1 if joins else -1
        most = max(most, active)
    return most


def _spell(data: dict[str, list[Any]], row: int) -> Membership:
    return Membership(**{name: data[name][row] for name in _SPELL_FIELDS})


def _explain(cluster: Cluster, data: dict[str, list[Any]], row: int) -> KlasterError:
    """What :meth:`Cluster.join_group` (then ``leave_group``) would raise for ``row``."""
    gid = data["group_id"][row]
    try:
        group = cluster.groups[gid]
    except KlasterError as exc:
        return _at(exc, row, "group_id")
    except TypeError:
        return _at(ValidationError("a group ID is a string"), row, "group_id")
    try:  # the spell join_group adds: still open
        spell = Membership(
            member_id=data["member_id"][row], joined=data["joined"][row], role=data["role"][row]
        )
    except KlasterError as exc:
        return _at(exc, row, (exc.path or "member_id").split(".")[-1])
    earlier = [_spell(data, r) for r in range(row) if data["group_id"][r] == gid]
    try:
        attrs.evolve(group, memberships=(*group.memberships, *earlier, spell))
    except KlasterError as exc:
        column = "joined" if exc.path and exc.path.startswith("memberships") else "group_id"
        return _at(exc, row, column)
    member = cluster.members.get(spell.member_id)
    if member is None:
        return _at(
            InvalidReferenceError(
                f"member {spell.member_id!r} is not a member of cluster {cluster.id!r}; add "
                "the member to this cluster first"
            ),
            row,
            "member_id",
        )
    if member.sector != group.sector:
        return _at(
            InvalidReferenceError(
                f"member {member.id!r} works in sector {member.sector!r}, but the group is "
                f"in {group.sector!r}"
            ),
            row,
            "member_id",
        )
    try:  # leave_group closes it
        attrs.evolve(spell, left=data["left"][row])
    except KlasterError as exc:
        return _at(exc, row, "left")
    refused = ValidationError("refused by the column checks")  # pragma: no cover - a disagreement
    return _at(refused, row, "member_id")  # pragma: no cover


def _at(exc: KlasterError, row: int, column: str) -> KlasterError:
    error = type(exc).__new__(type(exc))
    error.__dict__.update(exc.__dict__)
    KlasterError.__init__(error, exc.message, path=f"row {row} column {column!r}")
    return error
