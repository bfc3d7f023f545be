"""A whole program's members and spells judged as polars frames (internal: the bulk path).

For a loader that holds every cluster's members and group spells as polars frames (the Parquet
program document): :func:`accepted` is an **acceptance test** of every rule
:func:`~klaster.model.bulk.fill_cluster_columns` checks (a member's and a group's fields, the
cluster's context: IDs unique, sectors, villages in their sector's area, business types; each
spell placed, closed after it opened, not overlapping another of the member in the group;
cooperatives serving their members' sectors), judged over all clusters at once. It is
conservative: it says "accepted" only where the per-cluster road would accept, and "no"
(``False``) both for a refusal and for anything it does not cover (area overrides, a group's
capacity, values it cannot judge), so that the loader then takes that road, which words the
located error. Per-value rules are never re-implemented: polars picks out the values that are
surely fine (an ASCII ID, a 16-digit NIK), and every other distinct value is judged by the
same Python predicate the road uses (the members' fields: :mod:`._frame_members`).
A loader may judge the rows in steps while it takes them: the members (:func:`judge_members`)
before the spells (:func:`judge_spells`), the business types (:func:`business_types_fine`)
before the spells' verdict.

Accepted, the columns are handed to the records as
:class:`~klaster.model._frame_columns.FrameColumns`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import attrs

from klaster.errors import KlasterError
from klaster.model import _bulk_checks as chk
from klaster.model._bulk_records import MEMBER_FIELDS, group_problem, judged_places
from klaster.model._frame_members import members_fine, types_fine
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Role

__all__ = [
    "JudgedRows",
    "accepted",
    "business_types_fine",
    "checked_groups",
    "judge_members",
    "judge_rows",
    "judge_spells",
]

_GROUP_NAMES = ("id", "name", "sector", "formed", "dissolved", "capacity", "village")
_DATES = ("joined", "left")
_INTEGERS = ("household_size", "birth_year")
_ROLES = frozenset(role.value for role in Role)
# A query's expressions judged side by side on the cores (polars' default engine for a lazy
# query, the streaming one, runs them one after another: twice as long on two cores).
_ENGINE = "in-memory"


def checked_groups(cluster: Cluster, raw: dict[str, list[Any]]) -> dict[str, list[Any]] | None:
    """A cluster's group columns read and checked as the column road does, or ``None``.

    ``raw``: each group field's values as a document holds them (a missing optional one
    ``None``). ``None`` when a group is refused or has a capacity (judged day by day on the
    built group: the road's).
    """
    count = len(raw["id"])
    data = {name: list(raw.get(name, [None] * count)) for name in _GROUP_NAMES}
    data["outside_area"] = [None] * count
    data["formed"] = chk.to_dates(data["formed"])
    data["dissolved"] = chk.to_dates(data["dissolved"])
    if any(capacity is not None for capacity in data["capacity"]):
        return None
    if group_problem(cluster, data) is not None:
        return None
    return data


def accepted(
    pl: Any,
    clusters: Sequence[Cluster],
    groups: Sequence[dict[str, list[Any]]],
    cooperatives: Sequence[Sequence[Cooperative]],
    members: Any,
    spells: Any,
    listed: Any,
    *,
    types: bool | None = None,
) -> bool:
    """Whether every cluster would be filled as the per-cluster road fills it (conservative).

    Args:
        pl: polars.
        clusters: The clusters (no members, groups, cooperatives or overrides yet).
        groups: Each cluster's group columns, of :func:`checked_groups`.
        cooperatives: Each cluster's built cooperatives.
        members: Every member: ``__c`` (the cluster's number) and the member columns (a
            column left out is all null); or the members and spells judged already
            (:func:`judge_rows`: then ``spells`` are not read again).
        spells: Every spell, each group's in order, the groups in the program's order: ``__o``
            (the group's number in the program), ``__row`` (the member's row: its ID),
            ``id`` and ``sector`` (the member's), ``group``, ``joined``, ``left``, ``role``.
        listed: Every cooperative's member: ``__o`` (the cooperative's number in the program),
            ``__row`` (the member's row: its ID) and ``sector`` (the member's).
        types: The verdict of :func:`business_types_fine` on these members, if a loader
            judged it already (else judged here).
    """
    judged = members if isinstance(members, JudgedRows) else judge_rows(pl, members, spells)
    if judged.kinds is None:
        return False
    if types is None:
        types = business_types_fine(pl, judged)
    try:
        return (
            types
            and _places_fine(clusters, judged.kinds)
            and _spells_placed(pl, groups, judged.spells)
            and _cooperatives_fine(pl, clusters, cooperatives, listed)
        )
    except _UNREADABLE:
        return False  # (a value polars or Python cannot read: the road words it)


_UNREADABLE = (KlasterError, ValueError, TypeError, OverflowError, ArithmeticError)


@attrs.frozen
class JudgedRows:
    """The rows' part of the test, judged before the clusters are known (:func:`accepted`).

    Attributes:
        frame: The members, typed.
        spells: The spells, typed.
        kinds: Each distinct (cluster, sector, village, business type) with its first row, for
            the clusters' part; ``None``: a member or spell is refused (or unreadable).
    """

    frame: Any
    spells: Any
    kinds: Any


def judge_rows(pl: Any, members: Any, spells: Any) -> JudgedRows:
    """The members' own fields and the spells' own dates, roles and overlaps judged.

    No cluster is needed: a loader may run it while it reads the clusters' objects.

    Args:
        pl: polars.
        members: As :func:`accepted` takes them.
        spells: As :func:`accepted` takes them.
    """
    return judge_spells(pl, judge_members(pl, members), spells)


def judge_members(pl: Any, members: Any) -> JudgedRows:
    """The members' part of :func:`judge_rows` (no spells judged yet: ``spells`` is ``None``).

    A loader may run it while it still takes the spells' entries out of their list column.
    """
    try:
        frame = _typed(pl, members, MEMBER_FIELDS)
        if not members_fine(pl, frame):
            return JudgedRows(frame, None, None)
        return JudgedRows(frame, None, _kinds(pl, frame))
    except _UNREADABLE:
        return JudgedRows(members, None, None)


def _kinds(pl: Any, frame: Any) -> Any:
    keys = ("__c", "sector", "village", "business_type")
    return (
        frame.lazy()
        .select(*keys)
        .with_row_index("__i")
        .group_by(*keys)
        .agg(pl.col("__i").min())
        .collect()  # (the streaming engine: fewer cycles for a group_by than in memory)
    )


def judge_spells(pl: Any, judged: JudgedRows, spells: Any) -> JudgedRows:
    """``judged`` (of :func:`judge_members`) with the spells' part of :func:`judge_rows`."""
    if judged.kinds is None:  # (a member refused already: the spells do not matter)
        return JudgedRows(judged.frame, spells, None)
    try:
        spells = _typed(pl, spells, ("joined", "left", "role", "sector"))
        fine = _spells_fine(pl, spells)
    except _UNREADABLE:
        fine = False
    return JudgedRows(judged.frame, spells, judged.kinds if fine else None)


def _places_fine(clusters: Sequence[Cluster], kinds: Any) -> bool:
    """Each member's sector and village in its cluster's context."""
    places = kinds.group_by("__c").agg("sector", "village")  # (a few per cluster)
    for c, sectors, villages in places.iter_rows():
        cluster = clusters[c]
        if not set(cluster.sector_codes).issuperset(sectors):
            return False
        if judged_places(cluster.areas, sectors, villages):
            return False  # (no overrides here: a village outside its sector's area is refused)
    return True


def business_types_fine(pl: Any, judged: JudgedRows) -> bool:
    """Whether the members' business types are their sectors' (the part of :func:`accepted`).

    Needs no cluster object: a loader may judge it while the spells are still being judged.
    ``False`` as well when ``judged`` refused a member already.
    """
    if judged.kinds is None:
        return False
    try:
        return types_fine(pl, judged.frame, judged.kinds)
    except _UNREADABLE:
        return False


# -- spells ---------------------------------------------------------------------------------
def _spells_fine(pl: Any, spells: Any) -> bool:
    """Each spell's own dates (closed after it opened) and role, and no overlap."""
    if not spells.height:
        return True
    c = pl.col
    found = (
        spells.lazy()
        .select(
            (
                c("joined").is_null().any()
                | (c("left") < c("joined")).any()
                | c("sector").is_null().any()
            ).alias("wrong"),
            c("role").fill_null(Role.MEMBER.value).unique().implode().alias("roles"),
            *(c(name).unique().implode().alias(name) for name in _DATES),
        )
        .collect(engine=_ENGINE)
        .row(0, named=True)
    )
    if found["wrong"] or not _ROLES.issuperset(found["roles"]):
        return False
    if any(any(map(chk.bad_optional_date, found[name])) for name in _DATES):
        return False
    return not _overlap(pl, spells)


def _spells_placed(pl: Any, groups: Sequence[dict[str, list[Any]]], spells: Any) -> bool:
    """Each spell in a group of its member's sector, on or after the group was formed."""
    if not spells.height:
        return True
    formed = pl.Series([day for data in groups for day in data["formed"]], dtype=pl.Date)
    sectors = pl.Series([s for data in groups for s in data["sector"]], dtype=pl.String)
    owners = spells["__o"]
    if owners.null_count() or owners.max() >= len(formed):
        return False  # (a group the program does not have: the road names it)
    of_group = formed.gather(owners)  # (a gather: the groups are numbered)
    return not bool(
        of_group.is_null().any()
        or (spells["joined"] < of_group).any()
        or (spells["sector"] != sectors.gather(owners)).any()
    )


def _overlap(pl: Any, spells: Any) -> bool:
    """Whether two spells of one member in one group may overlap (``True`` when unsure)."""
    if _rows_once(spells["__row"]):
        return False  # one spell per member in file order: nothing can overlap
    # (the member's file row stands for its ID, unique: a pair of integers, hashed fast)
    pair = pl.col("__o").cast(pl.UInt64) * (1 << 32) + pl.col("__row").cast(pl.UInt64)
    repeated = spells.select("__o", "__row", "joined", "left").filter(pair.is_duplicated())
    if not repeated.height:
        return False  # one spell per member and group: nothing can overlap
    end = pl.col("left").fill_null(_dt.date.max)
    ordered = repeated.sort("__o", "__row", "joined", end)
    before = end.cum_max().shift(1).over("__o", "__row")  # the latest end of the earlier spells
    return bool(ordered.select((pl.col("joined") < before).any()).item())


# -- cooperatives -----------------------------------------------------------------------------
def _cooperatives_fine(
    pl: Any,
    clusters: Sequence[Cluster],
    cooperatives: Sequence[Sequence[Cooperative]],
    listed: Any,
) -> bool:
    """Each cooperative serving its cluster's sectors, its members of a sector it serves.

    Its members listed once each (the check of its ``member_ids``: well formed they are, as
    the members' IDs): a cooperative may be built without them, for the loader to list them.
    """
    flat = [coop for built in cooperatives for coop in built]
    for cluster, built in zip(clusters, cooperatives, strict=True):
        codes = set(cluster.sector_codes)
        if not all(codes.issuperset(coop.sectors) for coop in built):
            return False
    if listed is None or not listed.height:
        return True
    if not _listed_once(pl, listed):
        return False
    served = _distinct_pairs(pl, listed.select(pl.col("__o"), pl.col("sector").cast(pl.String)))
    return all(
        sector is not None and sector in flat[index].sectors for index, sector in served.iter_rows()
    )


def _listed_once(pl: Any, listed: Any) -> bool:
    """Whether no cooperative lists a member twice (the member's file row: its ID, unique)."""
    if _rows_once(listed["__row"]):
        return True  # (each member listed once: no pair can repeat)
    pair = pl.col("__o").cast(pl.UInt64) * (1 << 32) + pl.col("__row").cast(pl.UInt64)
    return not bool(listed.select(pair.is_duplicated().any()).item())


def _rows_once(rows: Any) -> bool:
    """Whether each member row is there once, judged without hashing (``False``: unsure)."""
    return bool(rows.is_sorted()) and not bool((rows == rows.shift(1)).any())


def _distinct_pairs(pl: Any, frame: Any) -> Any:
    """The distinct rows of a two-column ``frame``: only the first of each run hashed (few)."""
    first, second = (pl.col(name) for name in frame.columns)
    # (a row with a null, or the first, starts a run: compared with null, unsure)
    new = (first != first.shift(1)) | (second != second.shift(1)).fill_null(True)
    return frame.filter(new).unique()


# -- judging values ---------------------------------------------------------------------------
def _typed(pl: Any, frame: Any, names: Sequence[str]) -> Any:
    """``frame`` with its dates as Date, integers as Int64 and texts as String (nulls kept).

    Each of ``names`` it does not have is added, all null (a column the file leaves out).
    """
    missing = [pl.lit(None).alias(name) for name in names if name not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    casts = []
    for name, dtype in frame.schema.items():
        if name in _DATES:
            casts.append(pl.col(name).cast(pl.Date))
        elif name in _INTEGERS:
            casts.append(pl.col(name).cast(pl.Int64, strict=True))
        elif name not in ("__c", "__o", "__row") and (
            dtype == pl.Null or dtype in (pl.Categorical, pl.Enum) or dtype == pl.String
        ):
            casts.append(pl.col(name).cast(pl.String))
    return frame.with_columns(casts)
