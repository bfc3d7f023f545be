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

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any, TypeVar

import attrs

from klaster._support.validate import enum_value
from klaster.model import _bulk_checks as chk
from klaster.model._bulk_memberships import join_columns
from klaster.model._bulk_records import (
    GROUP_FIELDS,
    MEMBER_FIELDS,
    explain_group,
    explain_member,
    group_problem,
    member_problem,
)
from klaster.model.cluster import Cluster
from klaster.model.group import Group
from klaster.model.member import Member, Sex
from klaster.model.records import put_record
from klaster.model.sector_areas import AreaRecord, override_for

__all__ = [
    "GROUP_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "MEMBER_COLUMNS",
    "add_group_columns",
    "add_member_columns",
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


# -- building ---------------------------------------------------------------------------------
def _build(cls: type[R], data: dict[str, list[Any]], count: int) -> list[R]:
    """Records of ``cls`` from checked columns, without running their validators again."""
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]
    new, put = object.__new__, object.__setattr__
    records = []
    for values in zip(*(data[name] for name in names), strict=True):
        record = new(cls)
        for name, value in zip(names, values, strict=True):
            put(record, name, value)
        records.append(record)
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
    return [done[value] for value in values]
