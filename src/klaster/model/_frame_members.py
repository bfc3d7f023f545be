"""The members' own fields judged as one polars frame (internal: :mod:`._bulk_frame`).

Part of the whole-program acceptance test (:func:`klaster.model._bulk_frame.accepted`): every
per-member rule the column road checks, judged over all members at once. Per-value rules are
never re-implemented: polars picks out the values that are surely fine (an ASCII ID, a 16-digit
NIK), and every other distinct value is judged by the same Python predicate the road uses;
low-cardinality columns are judged on their distinct values by those predicates alone.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from klaster._support.validate import ID_MAX_LENGTH
from klaster.errors import KlasterError
from klaster.model import _bulk_checks as chk
from klaster.model._bulk_records import MEMBER_FIELDS, refuses
from klaster.model.member import Member, Sex, check_nik, check_phone
from klaster.model.sector_rules import business_types_checked, check_business_type

__all__ = ["members_fine", "types_fine"]

# Values polars can tell are surely fine (each implies the Python predicate accepts it); the
# rest, distinct, go through the predicate itself.
_SURE_ID = r"^[!-~](?:[ -~]*[!-~])?$"  # printable ASCII, no space at either end
_SURE_TEXT = r"[!-~]"  # a visible ASCII character: non-empty once stripped
_SURE_NIK = r"^[0-9]{16}$"
_SURE_PHONE = r"^\+?[0-9][0-9 -]{6,18}[0-9]$"
_DATES = ("joined", "left")
_SEXES = frozenset(sex.value for sex in Sex)
# A query's expressions judged side by side on the cores (polars' default engine for a lazy
# query, the streaming one, runs them one after another).
_ENGINE = "in-memory"


def _unique(pl: Any, ids: Any) -> bool:
    """Whether no ID repeats (a file's IDs in order: judged on neighbours, without hashing)."""
    if ids.is_sorted():
        return not bool((ids == ids.shift(1)).any())
    return bool(ids.n_unique() == len(ids))


def members_fine(pl: Any, frame: Any) -> bool:
    """Each member's own fields (and IDs unique in the program: in each cluster too).

    ``frame``: the members, typed (every member field a column; dates Date, integers Int64).
    """
    if not _unique(pl, frame["id"]):
        return False
    c = pl.col
    required = ("id", "name", "sex", "household_size", "village", "sector", "joined")
    distinct = ("sex", "village", "sector", "business_type", "birth_year", *_DATES)
    # (a column nobody filled in, all null: its one distinct value known without a pass)
    rows = frame.height
    empty = {name for name in frame.columns if rows and frame[name].null_count() == rows}
    found = (
        frame.lazy()
        .select(
            pl.sum_horizontal(*(c(name).null_count() for name in required)).alias("nulls"),
            c("household_size").min().alias("smallest"),
            (c("left") < c("joined")).any().alias("before"),
            *(_unsure(pl, name, sure) for name, sure in _SURE.items() if name not in empty),
            *(c(n).unique().implode().alias(f"{n}=") for n in distinct if n not in empty),
        )
        .collect(engine=_ENGINE)
        .row(0, named=True)
    )
    found |= {f"{name}{kind}": [None] for name in empty for kind in "?="}
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


def types_fine(pl: Any, frame: Any, kinds: Any) -> bool:
    """Whether each member's business type is one its sector declares (as the road judges it).

    ``kinds``: each distinct (cluster, sector, village, business type) of ``frame`` with its
    first row (``__i``): each cluster's first member of each sector's type is judged.
    """
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
