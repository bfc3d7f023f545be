"""A whole cluster's members, groups and spells from columns (internal: :mod:`klaster.model.bulk`).

For loaders (the store, documents) that hold a cluster's records as columns: the members and
groups are checked as :func:`~klaster.model.bulk.add_member_columns` and
:func:`~klaster.model.bulk.add_group_columns` check them, and each group's spells as the
``Group`` constructor and the cluster check a group that is built with them: closed spells are
closed (not joined open and then left, as :func:`~klaster.model.bulk.join_group_columns` does),
a spell starts on or after the group was formed, spells of one member in a group do not overlap,
the member is of the cluster and of the group's sector, and the capacity holds on every day.
"""

from __future__ import annotations

import collections
import datetime as _dt
import itertools
from collections.abc import Mapping, Sequence
from operator import lt
from typing import TYPE_CHECKING, Any

import attrs

from klaster._support.validate import enum_value
from klaster.errors import InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _bulk_checks as chk
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group, Membership, Role
from klaster.model.records import put_record

if TYPE_CHECKING:
    from klaster.model.cluster import Cluster
    from klaster.model.records import Records

SPELL_COLUMNS = ("group_id", "member_id", "joined", "left", "role")
_SPELL_FIELDS = SPELL_COLUMNS[1:]


def check_spells(
    sectors: Mapping[str, str], groups: dict[str, list[Any]], data: dict[str, list[Any]]
) -> list[tuple[Any, int, int]]:
    """Check the groups' spells; their dates and roles converted in ``data``.

    Args:
        sectors: Each member's sector, by member ID (the cluster's members: a spell of anyone
            else is refused).
        groups: The groups' checked columns (``id``, ``sector``, ``formed``...).
        data: The spells' columns (:data:`SPELL_COLUMNS`), each group's spells together or not.

    Returns:
        The runs of the spells' group IDs (``(group, start, stop)``), for :func:`build_spells`.

    Raises:
        KlasterError: At ``row <i> column '<name>'`` of the spells: the first refused row.
    """
    data["joined"] = chk.to_dates(data["joined"])
    data["left"] = chk.to_dates(data["left"])
    roles = data["role"]
    try:
        done = {value: enum_value(Role, value) for value in set(roles)}
    except KlasterError as exc:
        raise exc.at("column 'role'") from None
    data["role"] = list(map(done.__getitem__, roles))
    runs = _runs(data["group_id"])
    row = _problem(sectors, groups, data, runs)
    if row is not None:
        raise ValidationError(
            "refused as a group's spell (the group, the member, the dates or the capacity)",
            path=f"row {row}",
        )
    return runs


def build_spells(
    groups: dict[str, list[Any]], data: dict[str, list[Any]], runs: list[tuple[Any, int, int]]
) -> list[tuple[Membership, ...]]:
    """Each group's spells (in the order of ``groups``' rows) from checked columns.

    Args:
        groups: The groups' checked columns.
        data: The spells' columns, checked by :func:`check_spells`.
        runs: What :func:`check_spells` returned.
    """
    spells = list(map(object.__new__, itertools.repeat(Membership, len(data["group_id"]))))
    for name in _SPELL_FIELDS:  # a whole column at a time, through the slot (in C)
        collections.deque(map(getattr(Membership, name).__set__, spells, data[name]), maxlen=0)
    by_group: dict[str, tuple[Membership, ...]] = {}
    for gid, start, stop in runs:
        by_group[gid] = (*by_group.get(gid, ()), *spells[start:stop])
    return [by_group.get(gid, ()) for gid in groups["id"]]


def _runs(values: list[Any]) -> list[tuple[Any, int, int]]:
    """The runs of equal values: ``(value, start, stop)``, in order."""
    found: list[tuple[Any, int, int]] = []
    start = 0
    for value, run in itertools.groupby(values):
        stop = start + len(list(run))
        found.append((value, start, stop))
        start = stop
    return found


def check_capacities(groups: Sequence[Group]) -> None:
    """Run the ``Group`` checks of every group that has a capacity (the day-by-day count).

    Raises:
        KlasterError: At ``groups[<i>]...``: the group's own error.
    """
    for index, group in enumerate(groups):
        if group.capacity is not None:
            try:
                attrs.validate(group)
            except KlasterError as exc:
                raise exc.at(f"groups[{index}]") from None


def _problem(
    sectors: Mapping[str, str],
    groups: dict[str, list[Any]],
    data: dict[str, list[Any]],
    runs: list[tuple[Any, int, int]],
) -> int | None:
    gids, mids, joined, left = data["group_id"], data["member_id"], data["joined"], data["left"]
    index = {gid: row for row, gid in enumerate(groups["id"])}
    found = chk.smallest(
        chk.first_distinct(lambda v: not isinstance(v, str) or v not in index, gids),
        chk.first_distinct(chk.bad_date, joined),
        chk.first_distinct(chk.bad_optional_date, left),
        chk.first_before(joined, left),
        chk.first_distinct(lambda v: not isinstance(v, Role), data["role"]),
    )
    if found is None and _all_placed(sectors, groups, data, runs):
        # Every member ID is one of the cluster's members', so well formed: no ID check.
        return _first_overlap(data, len(gids), runs)
    found = chk.smallest(found, chk.first_bad_id(mids))
    end = len(gids) if found is None else found
    return chk.smallest(
        found, _first_misplaced(sectors, groups, data, end), _first_overlap(data, end)
    )


def _all_placed(
    member_sectors: Mapping[str, str],
    groups: dict[str, list[Any]],
    data: dict[str, list[Any]],
    runs: list[tuple[Any, int, int]],
) -> bool:
    """Whether every spell is placed (member of the cluster and sector, on or after formed).

    Judged a run of one group's rows at a time (a store gives each group's spells together),
    the groups and the spells' dates checked before; ``False`` when unsure (rows not in runs,
    a member not of the cluster...), for the row-wise check to find the row.
    """
    gids, mids, joined = data["group_id"], data["member_id"], data["joined"]
    formed = dict(zip(groups["id"], groups["formed"], strict=True))
    wanted = dict(zip(groups["id"], groups["sector"], strict=True))
    try:
        sectors = list(map(member_sectors.__getitem__, mids))
    except (KeyError, TypeError):  # a member not of the cluster, or no ID
        return False
    if len(runs) * 4 > len(gids):  # short runs: row by row, at C speed
        return list(map(wanted.__getitem__, gids)) == sectors and not any(
            map(lt, joined, map(formed.__getitem__, gids))
        )
    for gid, start, stop in runs:
        if (
            sectors[start:stop].count(wanted[gid]) != stop - start
            or min(joined[start:stop]) < formed[gid]
        ):
            return False
    return True


def _first_misplaced(
    sectors: Mapping[str, str], groups: dict[str, list[Any]], data: dict[str, list[Any]], end: int
) -> int | None:
    """The first row (before ``end``) joined before its group was formed, or misplaced.

    Misplaced: the member is not of the cluster, or not of the group's sector. Judged a column
    at a time; row by row only to find the refused row.
    """
    gids, mids, joined = data["group_id"][:end], data["member_id"][:end], data["joined"][:end]
    formed = list(map(dict(zip(groups["id"], groups["formed"], strict=True)).get, gids))
    wanted = list(map(dict(zip(groups["id"], groups["sector"], strict=True)).get, gids))
    try:  # (a member not of the cluster raises: found row by row below)
        if list(map(sectors.__getitem__, mids)) == wanted and not any(
            map(lt, joined, formed)  # type: ignore[arg-type]
        ):
            return None
    except (KeyError, TypeError):
        pass
    found = list(map(sectors.get, mids))
    for row in range(end):
        sector = found[row]
        if joined[row] < formed[row] or sector is None or sector != wanted[row]:
            return row
    return None  # pragma: no cover - the column test above refused a row


def _first_overlap(
    data: dict[str, list[Any]], end: int, runs: list[tuple[Any, int, int]] | None = None
) -> int | None:
    """The first row (before ``end``) whose spell overlaps an earlier one of the member there.

    ``runs``: the group IDs' runs over all rows, if known (then ``end`` is the number of rows).
    """
    mids = data["member_id"]
    if runs is not None and len({gid for gid, _, _ in runs}) == len(runs):
        # Each group's rows together: one spell per member and group if each run's are distinct.
        if all(len(set(mids[start:stop])) == stop - start for _, start, stop in runs):
            return None
    elif len(set(zip(data["group_id"][:end], mids[:end], strict=True))) == end:
        return None  # one spell per member and group: nothing can overlap
    pairs = list(zip(data["group_id"][:end], data["member_id"][:end], strict=True))
    rows_of: dict[tuple[str, str], list[int]] = {}
    for row, pair in enumerate(pairs):
        rows_of.setdefault(pair, []).append(row)
    joined, left, top = data["joined"], data["left"], _dt.date.max
    found: int | None = None
    for rows in rows_of.values():
        for k, row in enumerate(rows[1:], 1):
            start, stop = joined[row], left[row] or top
            if any(start < (left[r] or top) and joined[r] < stop for r in rows[:k]):
                found = chk.smallest(found, row)
                break
    return found


def add_cooperatives(
    cluster: Cluster, sectors: Mapping[str, str], cooperatives: Sequence[Cooperative]
) -> None:
    """Add built cooperatives to the filled cluster, each checked as ``Cluster(...)`` does.

    Their sectors and members (of the cluster, of a sector the cooperative serves) are judged a
    whole list at a time, ``sectors`` giving each member's sector by ID; a cooperative refused
    (or doubtful) goes through
    :meth:`Cluster.add_cooperative <klaster.model.cluster.Cluster.add_cooperative>`, which
    raises the per-record error.
    """
    codes = set(cluster.sector_codes)
    for coop in cooperatives:
        try:
            served = set(map(sectors.__getitem__, coop.member_ids))
        except (KeyError, TypeError):  # a member not of the cluster (or not an ID)
            served = None
        if (
            served is None
            or not served.issubset(coop.sectors)
            or not codes.issuperset(coop.sectors)
            or coop.id in cluster.cooperatives
        ):
            cluster.add_cooperative(coop)  # says why
        else:
            put_record(cluster.cooperatives, coop)


def unknown_override(cluster: Cluster) -> None:
    """Raise if a member's or group's override names no record of the filled cluster.

    Raises:
        InvalidReferenceError: At ``area_overrides[i].record_id``.
    """
    pools: dict[str, Records[Any]] = {"member": cluster.members, "group": cluster.groups}
    for index, item in enumerate(cluster.area_overrides):
        pool = pools.get(item.kind.value)
        if pool is not None and item.record_id not in pool:
            raise InvalidReferenceError(
                f"{item.kind.value} {item.record_id!r} is not in cluster {cluster.id!r}",
                path=f"area_overrides[{index}].record_id",
            )
