"""Column-wise checks of members and groups, and the per-record error of a refused row.

Internal: :mod:`klaster.model.bulk`. The checks find the first row the per-record path would
refuse; :func:`explain_member` and :func:`explain_group` then have the record's constructor and
the cluster say why, so the bulk path's message is the per-record one.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import attrs

from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _bulk_checks as chk
from klaster.model.cluster import Cluster
from klaster.model.group import Group
from klaster.model.member import Member, Sex, check_nik, check_phone
from klaster.model.sector_areas import AreaRecord, SectorAreas, override_for
from klaster.model.sector_rules import business_types_checked, check_business_type

# A member's columns are its record's fields, in the constructor's order.
MEMBER_FIELDS = tuple(field.name for field in attrs.fields(Member))
# A group's, without its spells (added through ``join_group_columns``).
GROUP_FIELDS = ("id", "name", "sector", "formed", "dissolved", "capacity", "village")


_PLACES = 200  # distinct sectors x villages judged as a product before pair by pair


class _Passed(Exception):
    """Raised to undo an override held while a row is explained."""


# -- members ---------------------------------------------------------------------------------
def member_problem(cluster: Cluster, data: dict[str, list[Any]]) -> int | None:
    ids = data["id"]
    year = _dt.date.today().year
    bad_birth = chk.int_at_least(1900, optional=True)
    found = chk.smallest(
        chk.first_bad_id(ids),
        chk.first_bad_text(data["name"]),
        chk.first_distinct(lambda v: not isinstance(v, Sex), data["sex"]),
        chk.first_int_below(data["household_size"], 1),
        chk.first_distinct(chk.bad_text, data["village"]),
        chk.first_distinct(chk.bad_code, data["sector"]),
        chk.first_distinct(chk.bad_date, data["joined"]),
        chk.first_distinct(chk.bad_optional_text, data["business_type"]),
        chk.first_distinct(chk.bad_optional_date, data["left"]),
        chk.first_before(data["joined"], data["left"]),
        chk.first_given(refuses(check_nik), data["national_id"]),
        chk.first_given(refuses(check_phone), data["phone"]),
        chk.first_given(lambda v: bad_birth(v) or (v is not None and v > year), data["birth_year"]),
        chk.first_given(chk.bad_optional_id, data["application_id"]),
    )
    limit = len(ids) if found is None else found  # rows after a refused one do not matter
    return chk.smallest(found, _context_problem(cluster, AreaRecord.MEMBER, data, limit))


def explain_member(cluster: Cluster, data: dict[str, list[Any]], row: int) -> KlasterError:
    values = {name: data[name][row] for name in MEMBER_FIELDS}
    try:
        member = Member(**values)
    except KlasterError as exc:
        return _located(exc, row)
    return _explain_context(cluster, AreaRecord.MEMBER, member, data, row)


# -- groups ----------------------------------------------------------------------------------
def group_problem(cluster: Cluster, data: dict[str, list[Any]]) -> int | None:
    found = chk.smallest(
        chk.first_bad_id(data["id"]),
        chk.first_bad_text(data["name"]),
        chk.first_distinct(chk.bad_code, data["sector"]),
        chk.first_distinct(chk.bad_date, data["formed"]),
        chk.first_distinct(chk.bad_optional_date, data["dissolved"]),
        chk.first_before(data["formed"], data["dissolved"]),
        chk.first_int_below(data["capacity"], 1, optional=True),
        chk.first_distinct(chk.bad_optional_text, data["village"]),
    )
    limit = len(data["id"]) if found is None else found
    return chk.smallest(found, _context_problem(cluster, AreaRecord.GROUP, data, limit))


def explain_group(cluster: Cluster, data: dict[str, list[Any]], row: int) -> KlasterError:
    values = {name: data[name][row] for name in GROUP_FIELDS}
    try:
        group = Group(**values)
    except KlasterError as exc:
        return _located(exc, row)
    return _explain_context(cluster, AreaRecord.GROUP, group, data, row)


# -- what the cluster checks ------------------------------------------------------------------
def _context_problem(
    cluster: Cluster, kind: AreaRecord, data: dict[str, list[Any]], limit: int
) -> int | None:
    """The first row (before ``limit``) the cluster refuses: ID taken, sector, area, type."""
    ids, sectors, villages = data["id"][:limit], data["sector"][:limit], data["village"][:limit]
    reasons = data["outside_area"][:limit]
    taken = (cluster.members if kind is AreaRecord.MEMBER else cluster.groups).as_mapping()
    codes = set(cluster.sector_codes)
    found = chk.smallest(
        chk.first_repeat(ids, taken),
        chk.first_distinct(chk.bad_optional_text, reasons),
        chk.first_distinct(lambda v: v not in codes, sectors),
    )
    end = limit if found is None else found
    areas = cluster.areas
    judged = (
        {}  # (the usual case: every village inside every sector's area, judged a few at a time)
        if _all_inside(areas, sectors[:end], villages[:end])
        else judged_places(areas, sectors[:end], villages[:end])
    )
    for row in range(end) if judged else ():  # only if a place is refused or outside an area
        unknown = judged.get((sectors[row], villages[row]))
        if unknown or (
            unknown is False
            and reasons[row] is None
            and cluster.area_override(kind, ids[row]) is None
        ):
            found = row if found is None else min(found, row)
            break
    if kind is AreaRecord.MEMBER and business_types_checked():  # (a store's load pauses it)
        end = limit if found is None else found
        pairs = list(zip(sectors[:end], data["business_type"][:end], strict=True))
        refused = [
            row
            for row in (pairs.index(pair) for pair in set(pairs) if pair[1] is not None)
            if _refuses_member(_checked_member(data, row))
        ]  # (each sector's business type judged once, on its first row)
        if refused:
            return min(refused)
    return found


def judged_places(
    areas: SectorAreas, sectors: list[Any], villages: list[Any]
) -> dict[tuple[str, str], bool]:
    """Each distinct (sector, village) refused: ``True`` no desa, ``False`` outside the area."""
    judged: dict[tuple[str, str], bool] = {}
    for key in set(zip(sectors, villages, strict=True)):  # each place judged once
        sector, village = key
        if village is None:
            continue  # (a group's village is optional)
        try:
            areas.desa(village)
        except KlasterError:  # no desa of the region: refused (a type refused before wins)
            judged[key] = True
            continue
        if not areas.inside(sector, village):
            judged[key] = False
    return judged


def _all_inside(areas: SectorAreas, sectors: list[Any], villages: list[Any]) -> bool:
    """Whether every village is a desa inside every sector's area (then every row's is).

    Judged on the distinct sectors and villages (a few of each), not on each row's pair;
    ``False`` if unsure (many of them, a village not a desa or outside an area...).
    """
    try:
        codes, places = set(sectors), set(villages)
    except TypeError:  # (an unhashable value: judged pair by pair)
        return False
    if len(codes) * len(places) > _PLACES:
        return False
    try:
        for village in places:
            if village is not None:  # (a group's village is optional)
                areas.desa(village)
                if not all(areas.inside(sector, village) for sector in codes):
                    return False
    except (KlasterError, TypeError, AttributeError):  # judged pair by pair
        return False
    return True


def _checked_member(data: dict[str, list[Any]], row: int) -> Member:
    """A row the column checks passed, as a member built without its validators (as ``_build``)."""
    member = object.__new__(Member)
    for name in MEMBER_FIELDS:
        object.__setattr__(member, name, data[name][row])
    return member


def _refuses_member(member: Member) -> bool:
    try:
        check_business_type(member)
    except KlasterError:
        return True
    return False


def _explain_context(
    cluster: Cluster, kind: AreaRecord, record: Any, data: dict[str, list[Any]], row: int
) -> KlasterError:
    """The error adding ``record`` (a refused row) one by one raises, as the cluster words it."""
    existing = cluster.members if kind is AreaRecord.MEMBER else cluster.groups
    if record.id in existing or record.id in data["id"][:row]:
        return _located(
            DuplicateIdError(
                f"duplicate ID {record.id!r}: a {kind.value} with that ID is already in cluster "
                f"{cluster.id!r}",
                path="id",
            ),
            row,
        )
    try:
        held = cluster.overriding_area(override_for(kind, record.id, data["outside_area"][row]))
    except KlasterError as exc:
        return _located(exc, row, "outside_area")
    check = cluster.check_member if kind is AreaRecord.MEMBER else _group_check(cluster)
    try:
        with held:
            check(record)
            raise _Passed  # undo the override: nothing is added while explaining
    except _Passed:
        pass
    except KlasterError as exc:
        return _located(exc, row)
    return ValidationError(  # pragma: no cover - the column checks and the records disagree
        "refused by the column checks, though the record's own checks accept it",
        path=f"row {row}",
    )


def _group_check(cluster: Cluster) -> Callable[[Group], None]:
    def check(group: Group) -> None:
        if group.sector not in cluster.sector_codes:
            raise InvalidReferenceError(
                f"unknown sector {group.sector!r} for cluster {cluster.id!r}; its sectors are "
                + ", ".join(repr(c) for c in cluster.sector_codes),
                path="sector",
            )
        if group.village is not None:
            allowed = cluster.area_override(AreaRecord.GROUP, group.id) is not None
            cluster.areas.check(
                group.sector, group.village, (AreaRecord.GROUP, group.id), allowed=allowed
            )

    return check


def refuses(validator: Callable[[object, Any, Any], None]) -> Callable[[Any], bool]:
    """An attrs validator of a member's field as a predicate: whether it refuses a value."""

    class _Named:  # what an attrs validator reads of its attribute
        name = "value"

    def bad(value: Any) -> bool:
        if value is None:
            return False
        try:
            validator(None, _Named, value)
        except KlasterError:
            return True
        return False

    return bad


def _located(exc: KlasterError, row: int, column: str | None = None) -> KlasterError:
    name = column or _column_of(exc.path)
    error = type(exc).__new__(type(exc))
    error.__dict__.update(exc.__dict__)
    KlasterError.__init__(error, exc.message, path=f"row {row} column {name!r}")
    return error


def _column_of(path: str | None) -> str:
    # A record's field ("household_size") names the column; a spell's too.
    if not path:
        return "id"
    return path.rsplit(".", 1)[-1].split("[", 1)[0]
