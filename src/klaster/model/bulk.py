"""The bulk path: members, groups and group memberships added to a cluster from columns.

For programs of hundreds of thousands of members, adding records one by one
(:meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`...) builds and checks each
record alone. These functions take **columns** instead (a polars or pandas data frame, or a
mapping of column name to a sequence, numpy array or Series), check every rule the per-record
path checks one column at a time (IDs well formed and unique, sexes, sectors and roles valid,
dates in order, villages in the sector's area or with an ``outside_area`` reason, business types
the sector declares, group capacity and overlapping membership spells), then build the records
without running their validators again.

All or nothing: a refused row raises the :class:`~klaster.errors.KlasterError` recording that
row through the per-record API would raise (same type and message), located at
``row <i> column '<name>'``, and the cluster is unchanged.

============  =====================================================================
function      columns (required first)
============  =====================================================================
members       ``id``, ``name``, ``sex`` (``"female"``/``"male"``), ``household_size``,
              ``village``, ``sector``, ``joined`` (date or ISO text); optional
              ``business_type``, ``left``, ``national_id``, ``phone``, ``birth_year``,
              ``application_id``, ``outside_area`` (the reason a member lives outside
              its sector's area)
groups        ``id``, ``name``, ``sector``, ``formed``; optional ``dissolved``,
              ``capacity``, ``village``, ``outside_area``
memberships   ``group_id``, ``member_id``, ``joined``; optional ``left``, ``role``
              (``"member"``, ``"chair"``...; default ``"member"``)
============  =====================================================================

A null in an optional column is "not recorded" (the field's default).
"""

from __future__ import annotations

import collections
import copy
import itertools
import types
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any, TypeVar

import attrs

from klaster._support.validate import enum_value
from klaster.errors import ValidationError
from klaster.model import _bulk_checks as chk

# The internal interface of loaders that judge a whole program's frames (the Parquet form):
# the acceptance test, its groups' check and the accepted columns read on first need.
from klaster.model._bulk_frame import accepted as accepted
from klaster.model._bulk_frame import business_types_fine as business_types_fine
from klaster.model._bulk_frame import checked_groups as checked_groups
from klaster.model._bulk_frame import judge_members as judge_members
from klaster.model._bulk_frame import judge_rows as judge_rows
from klaster.model._bulk_frame import judge_spells as judge_spells
from klaster.model._bulk_memberships import join_columns
from klaster.model._bulk_records import (
    GROUP_FIELDS,
    MEMBER_FIELDS,
    explain_group,
    explain_member,
    group_problem,
    member_problem,
)
from klaster.model._bulk_stored import (
    add_cooperatives,
    build_spells,
    check_capacities,
    check_spells,
    unknown_override,
)
from klaster.model._frame_columns import member_columns as member_columns
from klaster.model._frame_columns import runs_of
from klaster.model._frame_columns import spell_columns as spell_columns
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group
from klaster.model.member import Member, Sex
from klaster.model.records import clear_records, put_columns, put_record, put_records
from klaster.model.sector_areas import AreaOverride, AreaRecord, override_for

__all__ = [
    "GROUP_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "MEMBER_COLUMNS",
    "add_group_columns",
    "add_member_columns",
    "fill_cluster_columns",
    "join_group_columns",
]

MEMBER_COLUMNS = (*MEMBER_FIELDS, "outside_area")
"""The columns :func:`add_member_columns` reads (the first seven are required)."""

GROUP_COLUMNS = (*GROUP_FIELDS, "outside_area")
"""The columns :func:`add_group_columns` reads (the first four are required)."""

MEMBERSHIP_COLUMNS = ("group_id", "member_id", "joined", "left", "role")
"""The columns :func:`join_group_columns` reads (the first three are required)."""

R = TypeVar("R")


def add_member_columns(cluster: Cluster, columns: Any) -> int:
    """Add members to ``cluster`` from columns, checked column-wise, all or nothing.

    Args:
        cluster: The cluster.
        columns: A polars/pandas data frame or a mapping of column name to values
            (:data:`MEMBER_COLUMNS`).

    Returns:
        The number of members added.

    Raises:
        KlasterError: What :meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`
            of ``Member(...)`` would raise for the first refused row, at ``row <i> column
            '<name>'``; nothing is added.

    Example:
        >>> import datetime
        >>> from klaster import Cluster, ClusterSector, Region
        >>> region = Region.province(
        ...     "Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03")])
        >>> cluster = Cluster("btg", "Bantaeng", region, [ClusterSector("umkm", "mm")])
        >>> add_member_columns(cluster, {
        ...     "id": ["M-1", "M-2"], "name": ["Siti", "Ani"], "sex": ["female", "female"],
        ...     "household_size": [4, 3], "village": ["Lamalaka", "Letta"],
        ...     "sector": ["umkm", "umkm"], "joined": ["2011-06-01", "2011-06-01"]})
        2
    """
    data, count = chk.read_columns(columns, MEMBER_COLUMNS, MEMBER_COLUMNS[:7], "member")
    _fill(data, count, MEMBER_COLUMNS)
    data["sex"] = _converted(data["sex"], lambda v: enum_value(Sex, v))
    data["joined"] = chk.to_dates(data["joined"])
    data["left"] = chk.to_dates(data["left"])
    row = member_problem(cluster, data)
    if row is not None:
        raise explain_member(cluster, data, row)
    members = _build(Member, data, count)
    _add(cluster, AreaRecord.MEMBER, members, data["outside_area"], cluster.members)
    return count


def add_group_columns(cluster: Cluster, columns: Any) -> int:
    """Add groups (without members: see :func:`join_group_columns`) from columns.

    Args:
        cluster: The cluster.
        columns: A data frame or mapping of column name to values (:data:`GROUP_COLUMNS`).

    Returns:
        The number of groups added.

    Raises:
        KlasterError: What :meth:`Cluster.add_group <klaster.model.cluster.Cluster.add_group>`
            would raise for the first refused row, at ``row <i> column '<name>'``; nothing is
            added.
    """
    data, count = chk.read_columns(columns, GROUP_COLUMNS, GROUP_COLUMNS[:4], "group")
    _fill(data, count, GROUP_COLUMNS)
    data["formed"] = chk.to_dates(data["formed"])
    data["dissolved"] = chk.to_dates(data["dissolved"])
    row = group_problem(cluster, data)
    if row is not None:
        raise explain_group(cluster, data, row)
    data["memberships"] = [()] * count
    groups = _build(Group, data, count)
    _add(cluster, AreaRecord.GROUP, groups, data["outside_area"], cluster.groups)
    return count


def join_group_columns(cluster: Cluster, columns: Any) -> int:
    """Add membership spells to the cluster's groups from columns, all or nothing.

    Each row is one spell of a member in a group, appended to the group's spells in row order
    (a row without ``left`` is :meth:`Cluster.join_group
    <klaster.model.cluster.Cluster.join_group>`); each group is checked with its new spells as
    the per-record path checks it (the member is of the cluster and the group's sector, joined
    on or after the group was formed, spells of one member do not overlap, the capacity holds).

    Args:
        cluster: The cluster.
        columns: A data frame or mapping of column name to values (:data:`MEMBERSHIP_COLUMNS`).

    Returns:
        The number of spells added.

    Raises:
        KlasterError: What the per-record path raises for the first refused row, at
            ``row <i> column '<name>'``; no group changes.
    """
    data, count = chk.read_columns(
        columns, MEMBERSHIP_COLUMNS, MEMBERSHIP_COLUMNS[:3], "membership"
    )
    _fill(data, count, MEMBERSHIP_COLUMNS)
    if "role" not in _given(columns):
        data["role"] = ["member"] * count
    groups = join_columns(cluster, data, count)
    for group in groups:
        put_record(cluster.groups, group)
    return count


def fill_cluster_columns(
    cluster: Cluster,
    members: Any,
    groups: Any,
    memberships: Any,
    *,
    overrides: Sequence[AreaOverride] = (),
    cooperatives: Sequence[Cooperative] = (),
) -> None:
    """Fill an empty cluster with whole members, groups and spells columns (for loaders).

    What a loader (the store, a document) holds as columns, checked as ``Cluster(...,
    members=[Member(...)...], groups=[Group(..., memberships=[...])...], area_overrides=...)``
    checks it: members and groups as :func:`add_member_columns` and :func:`add_group_columns`
    do (the cluster's ``overrides`` counting for the area checks); each group's spells as the
    ``Group`` constructor does (closed spells as closed, no overlap, on or after the group was
    formed, the capacity on every day) and the member of the cluster and the group's sector;
    each override naming a member or group of the cluster; each of the (built) ``cooperatives``
    serving the cluster's sectors, its members of the cluster and of those sectors. Then the
    records are built without their validators.

    Args:
        cluster: A cluster with no members, groups, cooperatives or overrides yet.
        members: Member columns (:data:`MEMBER_COLUMNS` but ``outside_area``).
        groups: Group columns (:data:`GROUP_COLUMNS` but ``outside_area``).
        memberships: Spell columns (:data:`MEMBERSHIP_COLUMNS`); each row is a spell appended
            to its group's, in row order.
        overrides: The cluster's area overrides, in order.
        cooperatives: The cluster's cooperatives, in order.

    Raises:
        KlasterError: The first refused row (a member's, a group's or a spell's, at ``row <i>
            column '<name>'``), override or cooperative; the cluster is unchanged.
    """
    if (
        len(cluster.members)
        or len(cluster.groups)
        or len(cluster.cooperatives)
        or cluster.area_overrides
    ):
        raise ValidationError("the cluster to fill holds records already", path="cluster")
    m_data, m_count = chk.read_columns(members, MEMBER_FIELDS, MEMBER_FIELDS[:7], "member")
    _fill(m_data, m_count, MEMBER_COLUMNS)
    m_data["sex"] = _converted(m_data["sex"], lambda v: enum_value(Sex, v))
    m_data["joined"] = chk.to_dates(m_data["joined"])
    m_data["left"] = chk.to_dates(m_data["left"])
    g_data, g_count = chk.read_columns(groups, GROUP_FIELDS, GROUP_FIELDS[:4], "group")
    _fill(g_data, g_count, GROUP_COLUMNS)
    g_data["formed"] = chk.to_dates(g_data["formed"])
    g_data["dissolved"] = chk.to_dates(g_data["dissolved"])
    s_data, s_count = chk.read_columns(
        memberships, MEMBERSHIP_COLUMNS, MEMBERSHIP_COLUMNS[:3], "membership"
    )
    _fill(s_data, s_count, MEMBERSHIP_COLUMNS)
    if "role" not in _given(memberships):
        s_data["role"] = ["member"] * s_count
    try:
        with ExitStack() as held:
            for override in overrides:
                held.enter_context(cluster.overriding_area(override))
            sectors = _fill_records(cluster, m_data, m_count, g_data, g_count, s_data)
            add_cooperatives(cluster, sectors, cooperatives)
    except BaseException:
        clear_records(cluster.members)
        clear_records(cluster.groups)
        clear_records(cluster.cooperatives)
        raise


def _fill_records(
    cluster: Cluster,
    m_data: dict[str, list[Any]],
    m_count: int,
    g_data: dict[str, list[Any]],
    g_count: int,
    s_data: dict[str, list[Any]],
) -> dict[str, str]:
    """Check and put the members and groups (built on first need); each member's sector."""
    row = member_problem(cluster, m_data)
    if row is not None:
        raise explain_member(cluster, m_data, row)
    # Checked whole: a report that reads the members' columns never builds the records.
    put_columns(cluster.members, m_data["id"], m_data, lambda: _build(Member, m_data, m_count))
    sectors = dict(zip(m_data["id"], m_data["sector"], strict=True))
    row = group_problem(cluster, g_data)
    if row is not None:
        raise explain_group(cluster, g_data, row)
    runs = check_spells(sectors, g_data, s_data)

    def groups() -> list[Group]:
        g_data["memberships"] = build_spells(g_data, s_data, runs)
        return _build(Group, g_data, g_count)

    if any(capacity is not None for capacity in g_data["capacity"]):
        built = groups()  # a capacity is checked on the built group, day by day
        check_capacities(built)
        put_records(cluster.groups, g_data["id"], built)
    else:
        put_columns(cluster.groups, g_data["id"], g_data, groups)
    unknown_override(cluster)
    return sectors


def fill_accepted_columns(
    cluster: Cluster,
    ids: Sequence[str],
    members: Mapping[str, Sequence[Any]],
    groups: dict[str, list[Any]],
    spells: Mapping[str, Sequence[Any]],
    cooperatives: Sequence[Cooperative],
    member_ids: Sequence[Sequence[str] | None] | None = None,
) -> None:
    """Fill an empty cluster with columns a whole-program check accepted (internal: loaders).

    No rule is checked again: the caller's acceptance test (``accepted`` of
    :mod:`klaster.model._bulk_frame`) judged the whole program as :func:`fill_cluster_columns`
    would. ``members`` and ``spells`` are read on first need (a lazy mapping: a report that
    reads a few member columns never reads the others); the groups are built, with their
    spells, on first need.

    Args:
        cluster: A new cluster (no members, groups, cooperatives or overrides).
        ids: The members' IDs, in order.
        members: The members' columns (:data:`MEMBER_COLUMNS` but ``outside_area``).
        groups: The groups' checked columns (``checked_groups``).
        spells: The spells' columns (:data:`MEMBERSHIP_COLUMNS`), each group's together.
        cooperatives: The cluster's built cooperatives.
        member_ids: Each cooperative's members (``None``: as built), the check accepted.
    """
    count = len(ids)
    put_columns(
        cluster.members,
        ids,
        members,
        lambda: _build(Member, {name: list(members[name]) for name in MEMBER_FIELDS}, count),
    )

    def built_groups() -> list[Group]:
        data = {name: list(spells[name]) for name in MEMBERSHIP_COLUMNS}
        groups["memberships"] = build_spells(groups, data, runs_of(data["group_id"]))
        return _build(Group, groups, len(groups["id"]))

    put_columns(cluster.groups, groups["id"], groups, built_groups)
    listing = member_ids or [None] * len(cooperatives)
    for cooperative, listed in zip(cooperatives, listing, strict=True):
        if listed is not None:  # its members, listed without checking them again
            cooperative = copy.copy(cooperative)  # (as built, but for its members: no check)
            object.__setattr__(cooperative, "member_ids", tuple(listed))
        put_record(cluster.cooperatives, cooperative)


# -- building ---------------------------------------------------------------------------------
def _build(cls: type[R], data: dict[str, list[Any]], count: int) -> list[R]:
    """Records of ``cls`` from checked columns, without running their validators again."""
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]
    if any(len(data[name]) != count for name in names):
        raise ValueError("columns of different lengths")  # (read_columns made them equal)
    records = list(map(object.__new__, itertools.repeat(cls, count)))
    for name in names:
        slot = getattr(cls, name, None)
        if isinstance(slot, types.MemberDescriptorType):  # a slot: set a whole column in C
            collections.deque(map(slot.__set__, records, data[name]), maxlen=0)
        else:  # pragma: no cover - the records are slotted attrs classes
            for record, value in zip(records, data[name], strict=True):
                object.__setattr__(record, name, value)
    return records


def _add(
    cluster: Cluster, kind: AreaRecord, records: Sequence[Any], reasons: list[Any], into: Any
) -> None:
    with ExitStack() as stack:
        for record, reason in zip(records, reasons, strict=True):
            if reason is not None:
                stack.enter_context(cluster.overriding_area(override_for(kind, record.id, reason)))
        for record in records:
            put_record(into, record)


def _fill(data: dict[str, list[Any]], count: int, names: Sequence[str]) -> None:
    for name in names:
        if name not in data:
            data[name] = [None] * count


def _given(columns: Any) -> set[str]:
    return {str(name) for name in (columns.columns if hasattr(columns, "columns") else columns)}


def _converted(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    try:
        done = {value: convert(value) for value in set(values)}
    except TypeError:
        return [convert(value) for value in values]
    return list(map(done.__getitem__, values))
