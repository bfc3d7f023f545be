"""Members, groups and memberships of a program as polars frames (polars imported by callers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from klaster.model.member import Member
from klaster.model.program import Program

Ids = Callable[[Any, str], Any]
"""Turns a column of member IDs (a sequence or a polars series; ``None`` stays ``None``) into
what the export shows (pseudonyms, or the IDs), as a sequence or series of the same length."""

PERSONAL_COLUMNS = ("name", "national_id", "phone")
"""The members' columns written only when personal data is asked for."""


_FIELDS = (
    "id",
    "sex",
    "household_size",
    "village",
    "sector",
    "business_type",
    "joined",
    "left",
    "birth_year",
    "application_id",
)
_EPOCH_ORDINAL = 719_163  # datetime.date(1970, 1, 1).toordinal(): polars dates count from it


def members(pl: Any, program: Program, ids: Ids, personal: bool) -> Any:
    """One row per member: the register without its personal fields unless ``personal``."""
    import numpy as np  # with polars (the columnar extra)

    people: list[Member] = []
    counts: list[int] = []
    for cluster in program.clusters:
        people += cluster.members
        counts.append(len(cluster.members))
    # A column per field, read by attrgetter in C (no Python call per record and field).
    field = {name: list(map(attrgetter(name), people)) for name in _FIELDS}
    sexes = {sex: sex.value for sex in set(field["sex"])}
    clusters = pl.Series([c.id for c in program.clusters], dtype=pl.String)
    applications = field["application_id"]
    columns: dict[str, Any] = {
        "member_id": pl.Series(ids(field["id"], "members.member_id"), dtype=pl.String),
        "cluster_id": clusters.gather(np.repeat(np.arange(len(counts)), counts)),
        "sex": pl.Series(list(map(sexes.__getitem__, field["sex"])), dtype=pl.String),
        "household_size": pl.Series(field["household_size"], dtype=pl.Int64),
        "village": pl.Series(field["village"], dtype=pl.String),
        "sector": pl.Series(field["sector"], dtype=pl.String),
        "business_type": pl.Series(field["business_type"], dtype=pl.String),
        "joined": _dates(pl, field["joined"]),
        "left": _dates(pl, field["left"]),
        "birth_year": pl.Series(field["birth_year"], dtype=pl.Int64),
        "application_id": pl.Series(
            ids(pl.Series(applications, dtype=pl.String), "members.application_id"),
            dtype=pl.String,
        )
        if applications.count(None) != len(applications)  # in C: most registers have none
        else pl.repeat(None, len(applications), dtype=pl.String, eager=True),
    }
    if personal:
        for name in PERSONAL_COLUMNS:
            columns[name] = pl.Series([getattr(m, name) for m in people], dtype=pl.String)
    return pl.DataFrame(columns)


def _dates(pl: Any, values: Sequence[date | None]) -> Any:
    if values.count(None) == len(values):  # in C: most members have not left
        return pl.repeat(None, len(values), dtype=pl.Date, eager=True)
    # A register has few distinct dates: each converted once, the column as day numbers.
    days = {d: None if d is None else d.toordinal() - _EPOCH_ORDINAL for d in set(values)}
    return pl.Series(list(map(days.__getitem__, values)), dtype=pl.Int32).cast(pl.Date)


def groups(pl: Any, program: Program) -> Any:
    """One row per group (no member IDs: :func:`memberships` joins them)."""
    rows = [(cluster.id, group) for cluster in program.clusters for group in cluster.groups]
    return pl.DataFrame(
        {
            "group_id": pl.Series([g.id for _, g in rows], dtype=pl.String),
            "cluster_id": pl.Series([c for c, _ in rows], dtype=pl.String),
            "name": pl.Series([g.name for _, g in rows], dtype=pl.String),
            "sector": pl.Series([g.sector for _, g in rows], dtype=pl.String),
            "village": pl.Series([g.village for _, g in rows], dtype=pl.String),
            "formed": pl.Series([g.formed for _, g in rows], dtype=pl.Date),
            "dissolved": pl.Series([g.dissolved for _, g in rows], dtype=pl.Date),
            "capacity": pl.Series([g.capacity for _, g in rows], dtype=pl.Int64),
            "members_ever": pl.Series([len(g.member_ids()) for _, g in rows], dtype=pl.Int64),
        }
    )


def memberships(pl: Any, program: Program, ids: Ids) -> Any:
    """One row per spell of a member in a group (member IDs as :func:`members` shows them)."""
    rows = [
        (cluster.id, group.id, spell)
        for cluster in program.clusters
        for group in cluster.groups
        for spell in group.memberships
    ]
    member_ids = ids([s.member_id for _, _, s in rows], "memberships.member_id")
    return pl.DataFrame(
        {
            "group_id": pl.Series([g for _, g, _ in rows], dtype=pl.String),
            "cluster_id": pl.Series([c for c, _, _ in rows], dtype=pl.String),
            "member_id": pl.Series(member_ids, dtype=pl.String),
            "role": pl.Series([s.role.value for _, _, s in rows], dtype=pl.String),
            "joined": pl.Series([s.joined for _, _, s in rows], dtype=pl.Date),
            "left": pl.Series([s.left for _, _, s in rows], dtype=pl.Date),
        }
    )
