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
same Python predicate the road uses; low-cardinality columns are judged on their distinct values
by those predicates alone.

Accepted, the columns are handed to the records as
:class:`~klaster.model._frame_columns.FrameColumns`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from klaster._support.validate import ID_MAX_LENGTH
from klaster.errors import KlasterError
from klaster.model import _bulk_checks as chk
from klaster.model._bulk_records import MEMBER_FIELDS, group_problem, judged_places, refuses
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Role
from klaster.model.member import Member, Sex, check_nik, check_phone
from klaster.model.sector_rules import business_types_checked, check_business_type

__all__ = ["JudgedRows", "accepted", "checked_groups", "judge_rows"]

# Values polars can tell are surely fine (each implies the Python predicate accepts it); the
# rest, distinct, go through the predicate itself.
_SURE_ID = r"^[!-~](?:[ -~]*[!-~])?$"  # printable ASCII, no space at either end
_SURE_TEXT = r"[!-~]"  # a visible ASCII character: non-empty once stripped
_SURE_NIK = r"^[0-9]{16}$"
_SURE_PHONE = r"^\+?[0-9][0-9 -]{6,18}[0-9]$"
_GROUP_NAMES = ("id", "name", "sector", "formed", "dissolved", "capacity", "village")
_DATES = ("joined", "left")
_INTEGERS = ("household_size", "birth_year")
_SEXES = frozenset(sex.value for sex in Sex)
_ROLES = frozenset(role.value for role in Role)


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
    """
    judged = members if isinstance(members, JudgedRows) else judge_rows(pl, members, spells)
    if judged.kinds is None:
        return False
    try:
        return (
            _context_fine(pl, clusters, judged.frame, judged.kinds)
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
    try:
        frame = _typed(pl, members, MEMBER_FIELDS)
        spells = _typed(pl, spells, ("joined", "left", "role", "sector"))
        if not _members_fine(pl, frame) or not _spells_fine(pl, spells):
            return JudgedRows(frame, spells, None)
        keys = ("__c", "sector", "village", "business_type")
        kinds = (
            frame.lazy()
            .select(*keys)
            .with_row_index("__i")
            .group_by(*keys)
            .agg(pl.col("__i").min())
            .collect()
        )
        return JudgedRows(frame, spells, kinds)
    except _UNREADABLE:
        return JudgedRows(members, spells, None)


# -- members --------------------------------------------------------------------------------
def _unique(pl: Any, ids: Any) -> bool:
    """Whether no ID repeats (a file's IDs in order: judged on neighbours, without hashing)."""
    if ids.is_sorted():
        return not bool((ids == ids.shift(1)).any())
    return bool(ids.n_unique() == len(ids))


def _members_fine(pl: Any, frame: Any) -> bool:
    """Each member's own fields (and IDs unique in the program: in each cluster too)."""
    if not _unique(pl, frame["id"]):
        return False
    c = pl.col
    required = ("id", "name", "sex", "household_size", "village", "sector", "joined")
    distinct = ("sex", "village", "sector", "business_type", "birth_year", *_DATES)
    found = (
        frame.lazy()
        .select(
            pl.sum_horizontal(*(c(name).null_count() for name in required)).alias("nulls"),
            c("household_size").min().alias("smallest"),
            (c("left") < c("joined")).any().alias("before"),
            *(_unsure(pl, name, sure) for name, sure in _SURE.items()),
            *(c(name).unique().implode().alias(f"{name}=") for name in distinct),
        )
        .collect()
        .row(0, named=True)
    )
    smallest = found["smallest"]
    if found["nulls"] or found["before"] or (smallest is not None and smallest < 1):
        return False
    year = _dt.date.today().year
    at_least = chk.int_at_least(1900, optional=True)
    judge: dict[str, Callable[[Any], bool]] = {
        "id?": chk.bad_id,
        "name?": chk.bad_text,
        "application_id?": chk.bad_optional_id,
        "national_id?": refuses(check_nik),
        "phone?": refuses(check_phone),
        "sex=": lambda v: v not in _SEXES,
        "village=": chk.bad_text,
        "sector=": chk.bad_code,
        "business_type=": chk.bad_optional_text,
        "birth_year=": lambda v: at_least(v) or (v is not None and v > year),
        "joined=": chk.bad_date,
        "left=": chk.bad_optional_date,
    }
    return not any(any(map(bad, found[name])) for name, bad in judge.items())


_SURE = {
    "id": _SURE_ID,
    "name": _SURE_TEXT,
    "application_id": _SURE_ID,
    "national_id": _SURE_NIK,
    "phone": _SURE_PHONE,
}


def _unsure(pl: Any, name: str, sure: str) -> Any:
    """The distinct values of column ``name`` polars cannot vouch for (nulls among them)."""
    fine = pl.col(name).str.contains(sure)
    if sure == _SURE_ID:  # (an ID's length bound too)
        fine = fine & (pl.col(name).str.len_chars() <= ID_MAX_LENGTH)
    return pl.col(name).filter(~fine.fill_null(False)).unique().implode().alias(f"{name}?")


def _context_fine(pl: Any, clusters: Sequence[Cluster], frame: Any, kinds: Any) -> bool:
    """Each member's sector, village and business type in its cluster's context."""
    places = kinds.group_by("__c").agg("sector", "village")  # (a few per cluster)
    for c, sectors, villages in places.iter_rows():
        cluster = clusters[c]
        if not set(cluster.sector_codes).issuperset(sectors):
            return False
        if judged_places(cluster.areas, sectors, villages):
            return False  # (no overrides here: a village outside its sector's area is refused)
    # Each cluster's first row of each sector's business type: judged as the road judges it.
    firsts = (
        kinds.filter(pl.col("business_type").is_not_null())
        .group_by("__c", "sector", "business_type")
        .agg(pl.col("__i").min())["__i"]
        .sort()
    )
    if not business_types_checked() or not len(firsts):  # (a load that pauses the check)
        return True
    rows = frame.select(MEMBER_FIELDS)[firsts]
    for row in rows.iter_rows(named=True):  # as the road: each cluster's sector's type once
        member = object.__new__(Member)
        for name in MEMBER_FIELDS:
            value = row[name]
            object.__setattr__(member, name, Sex(value) if name == "sex" else value)
        try:
            check_business_type(member)
        except KlasterError:
            return False
    return True


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
        .collect()
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
