"""Members, groups and spells read as columns and checked column-wise (the loads' fast path).

One query per table (for the whole program, or one cluster: its spells group by group along the
primary key), the rows transposed into columns, then
:func:`klaster.model.bulk.fill_cluster_columns` checks every rule the row-by-row load runs (the
records' own checks and the cluster's, its cooperatives' members too) a column at a time and
builds the records without their validators. Whatever it refuses, :mod:`klaster.store._loading`
loads again row by row, so the user gets the row-by-row load's located message.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from klaster.errors import KlasterError
from klaster.model.bulk import fill_cluster_columns
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.sector_areas import AreaOverride

MEMBER_FIELDS = (
    "id", "name", "sex", "household_size", "village", "sector", "joined", "business_type",
    "left", "national_id", "phone", "birth_year", "application_id",
)  # fmt: skip
# Optional member columns most programs leave empty: not read at all (nulls) if no stored member
# has a value in any of them (SQLite stepping a null column costs as much as a short text).
OPTIONAL_FIELDS = ("national_id", "phone", "birth_year", "application_id")
GROUP_FIELDS = ("id", "name", "sector", "formed", "dissolved", "capacity", "village")
SPELL_FIELDS = ("group_id", "member_id", "joined", "left", "role")

Columns = dict[str, tuple[Any, ...]]


class ProgramColumns:
    """Every cluster's members, groups and spells, each table read in one query.

    Args:
        conn: The store (inside the load's read transaction).
        cluster_id: Only this cluster's rows, if given.
        unread: Member columns not read (:func:`unrecorded`: null in every stored row).
    """

    def __init__(
        self, conn: sqlite3.Connection, cluster_id: str | None = None, unread: Sequence[str] = ()
    ) -> None:
        self._fields = tuple(name for name in MEMBER_FIELDS if name not in unread)
        self._members = _read(conn, "members", self._fields, "position", cluster_id)
        self._groups = _read(conn, "groups", GROUP_FIELDS, "position", cluster_id)
        self._spells = _read(conn, "memberships", SPELL_FIELDS, "group_id, position", cluster_id)

    def columns(self, cluster_id: str) -> tuple[Columns, Columns, Columns]:
        """The cluster's members, groups and spells columns (empty if it has none), once.

        Each cluster's columns are handed over and dropped here, so a million members' columns
        are not held beside the records built from them.
        """
        return (
            _of(self._members, cluster_id, self._fields),
            _of(self._groups, cluster_id, GROUP_FIELDS),
            _of(self._spells, cluster_id, SPELL_FIELDS),
        )


_Table = dict[str, list[tuple[Any, ...]]]  # cluster ID -> its columns (after cluster_id)

_RECORDED = (
    "SELECT 1 FROM members WHERE "
    + " OR ".join(f"{name} IS NOT NULL" for name in OPTIONAL_FIELDS)
    + " LIMIT 1"
)


def unrecorded(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The optional member columns not to read: all of :data:`OPTIONAL_FIELDS` or none.

    All if no stored member has a value in any of them (one pass over the table, stopping at
    the first value found).
    """
    return OPTIONAL_FIELDS if conn.execute(_RECORDED).fetchone() is None else ()


def _read(
    conn: sqlite3.Connection,
    table: str,
    fields: Sequence[str],
    order: str,
    cluster_id: str | None,
) -> _Table:
    """A table's rows as each cluster's columns (the rows sorted by cluster, then ``order``)."""
    if cluster_id is not None:  # one cluster: no cluster column to read and split by
        rows = _spell_rows(conn, cluster_id) if table == "memberships" else None
        if rows is None:
            rows = conn.execute(
                f"SELECT {', '.join(fields)} FROM {table} WHERE cluster_id = ? ORDER BY {order}",
                (cluster_id,),
            ).fetchall()
        return {cluster_id: list(zip(*rows, strict=True))} if rows else {}
    query = f"SELECT cluster_id, {', '.join(fields)} FROM {table}"
    rows = conn.execute(f"{query} ORDER BY cluster_id, {order}").fetchall()
    found: _Table = {}
    start = 0
    for key, run in itertools.groupby(map(itemgetter(0), rows)):  # each cluster's run of rows
        stop = start + len(list(run))
        found[key] = list(zip(*rows[start:stop], strict=True))[1:]
        start = stop
    return found


# A cluster's spells read group by group along the primary key (no look-up per row through the
# index by cluster: 20% less), then counted against the index: a spell of the cluster under a
# group of no cluster's is read by the query by cluster instead (and refused there).
_SPELLS_BY_GROUP = (
    "SELECT group_id, member_id, joined, left, role FROM memberships "
    "WHERE group_id IN (SELECT id FROM groups WHERE cluster_id = ?) AND +cluster_id = ? "
    "ORDER BY group_id, position"
)


def _spell_rows(conn: sqlite3.Connection, cluster_id: str) -> list[tuple[Any, ...]] | None:
    """The cluster's spells by group, or ``None`` if that misses any of the cluster's spells."""
    rows = conn.execute(_SPELLS_BY_GROUP, (cluster_id, cluster_id)).fetchall()
    (count,) = conn.execute(
        "SELECT count(*) FROM memberships WHERE cluster_id = ?", (cluster_id,)
    ).fetchone()
    return rows if count == len(rows) else None


def _of(table: _Table, cluster_id: str, fields: Sequence[str]) -> Columns:
    columns = table.pop(cluster_id, None) or [() for _ in fields]
    return dict(zip(fields, columns, strict=True))


def filled(
    shell: Callable[[], Cluster],
    columns: tuple[Columns, Columns, Columns],
    overrides: Sequence[AreaOverride],
    cooperatives: Sequence[Cooperative] = (),
) -> Cluster | None:
    """The cluster ``shell()`` makes, filled from ``columns`` and with ``cooperatives``.

    ``None`` if anything is refused.
    """
    members, groups, spells = columns
    try:
        cluster = shell()
        fill_cluster_columns(
            cluster, members, groups, spells, overrides=overrides, cooperatives=cooperatives
        )
    except (KlasterError, TypeError, ValueError, KeyError, AttributeError):
        return None  # the row-by-row load says where and why
    return cluster
