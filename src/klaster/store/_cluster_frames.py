"""Each cluster's small tables read once for the whole program (the program read, issue 18).

A cluster's name, region, sectors and areas, stakeholders, area overrides, cooperatives (their
sectors and boards) and lifecycle history are a few rows each. Read cluster by cluster they cost
a dozen queries per cluster, and the region's two queries scan the whole ``regions`` table each
time (it has no index by cluster): at 1,000 clusters that was 1.5 s. :class:`ClusterFrames`
reads each of these tables in one query and keeps its raw rows per cluster; the records are
built from them cluster by cluster, in the order (and so with the messages) of the per-cluster
read. Only the rows are read here: nothing is checked until a cluster is built.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from klaster.errors import StoreError
from klaster.model.board import BoardTerm
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.lifecycle import CheckResult, Override, PhaseChange
from klaster.model.region import Region, RegionStat

Rows = list[tuple[Any, ...]]

# table -> (the columns after cluster_id, FROM ..., the order within a cluster)
_QUERIES: dict[str, tuple[str, str, str]] = {
    "clusters": ("name, note", "clusters", "position"),
    "regions": (
        "key, parent_key, level, name, code, bps_code", "regions", "parent_key, position"
    ),
    "stakeholders": ("organisation_id, role", "stakeholders", "position"),
    "sectors": ("sector, partner_id", "cluster_sectors", "position"),
    "areas": ("sector, area", "sector_areas", "sector, position"),
    "overrides": (
        "kind, record_id, reason, decided_by, decided_on", "area_overrides", "position"
    ),
    "cooperatives": (
        "id, name, founded, legal_number, legal_registered_on, legal_form",
        "cooperatives",
        "position",
    ),
    "cooperative_sectors": (
        "cooperative_id, sector", "cooperative_sectors", "cooperative_id, position"
    ),
    "boards": (
        "cooperative_id, member_id, role, start, end", "board_terms", "cooperative_id, position"
    ),
    "history": (
        "on_date, phase, reason, decided_by, checks, override_reason, override_approved_by",
        "phase_changes",
        "seq",
    ),
}  # fmt: skip
# A region's statistics belong to its region's cluster.
_STATS = (
    "SELECT r.cluster_id, s.region_key, s.year, s.source, s.kind, s.population, s.poor, "
    "s.poverty_rate, s.note FROM region_stats AS s JOIN regions AS r ON r.key = s.region_key"
)


class ClusterFrames:
    """The rows of every cluster's small tables, each table read in one query.

    Args:
        conn: The store (inside the load's read transaction).
        cluster_id: Only this cluster's rows, if given.
    """

    def __init__(self, conn: sqlite3.Connection, cluster_id: str | None = None) -> None:
        self._tables: dict[str, dict[Any, Rows]] = {}
        for table, (fields, source, order) in _QUERIES.items():
            key = "id" if table == "clusters" else "cluster_id"
            query = f"SELECT {key}, {fields} FROM {source}"
            if cluster_id is None:
                rows = conn.execute(f"{query} ORDER BY {key}, {order}")
            else:
                rows = conn.execute(f"{query} WHERE {key} = ? ORDER BY {order}", (cluster_id,))
            self._tables[table] = _by_cluster(rows)
        if cluster_id is None:
            stats = conn.execute(f"{_STATS} ORDER BY r.cluster_id, s.region_key, s.position")
        else:
            stats = conn.execute(
                f"{_STATS} WHERE r.cluster_id = ? ORDER BY s.region_key, s.position", (cluster_id,)
            )
        self._tables["stats"] = _by_cluster(stats)

    def rows(self, table: str, cluster_id: str) -> Rows:
        """The cluster's rows of ``table`` (without the cluster ID), in order."""
        return self._tables[table].get(cluster_id, [])

    def header(self, cluster_id: str) -> tuple[str, str | None] | None:
        """The cluster's name and note, or ``None`` if no such cluster is stored."""
        rows = self.rows("clusters", cluster_id)
        return (rows[0][0], rows[0][1]) if rows else None


def _by_cluster(rows: sqlite3.Cursor) -> dict[Any, Rows]:
    found: dict[Any, Rows] = {}
    for key, *rest in rows:
        found.setdefault(key, []).append(tuple(rest))
    return found


def region(frames: ClusterFrames, cluster_id: str) -> Region:
    """The cluster's region tree.

    Raises:
        StoreError: The cluster has no region, or more than one root.
    """
    stats: dict[int, list[RegionStat]] = {}
    for row in frames.rows("stats", cluster_id):
        stats.setdefault(row[0], []).append(RegionStat(*row[1:]))
    children: dict[int | None, list[tuple[Any, ...]]] = {}
    for row in frames.rows("regions", cluster_id):
        children.setdefault(row[1], []).append(row)

    def build(row: tuple[Any, ...]) -> Region:
        key, _, level, name, code, bps_code = row
        kids = [build(child) for child in children.get(key, ())]
        return Region(level, name, code, bps_code, kids, stats.get(key, ()))

    roots = children.get(None, [])
    if len(roots) != 1:
        raise StoreError(f"cluster {cluster_id!r} has {len(roots)} region trees, not one")
    return build(roots[0])


def cooperatives(
    frames: ClusterFrames, cluster_id: str, members: dict[Any, tuple[Any, ...]]
) -> list[Cooperative]:
    """The cluster's cooperatives, with ``members`` (each cooperative's member IDs, in order)."""
    sectors: dict[str, list[str]] = {}
    for coop, sector in frames.rows("cooperative_sectors", cluster_id):
        sectors.setdefault(coop, []).append(sector)
    boards: dict[str, list[BoardTerm]] = {}
    for coop, *term in frames.rows("boards", cluster_id):
        boards.setdefault(coop, []).append(BoardTerm(*term))
    found = []
    for cid, name, founded, number, registered, form in frames.rows("cooperatives", cluster_id):
        legal = None if number is None else LegalStatus(number, registered, form)
        found.append(
            Cooperative(
                cid,
                name,
                sectors.get(cid, ()),
                members.get(cid, ()),
                founded,
                legal,
                board=boards.get(cid, ()),
            )
        )
    return found


def history(frames: ClusterFrames, cluster_id: str) -> list[PhaseChange]:
    """The cluster's stored lifecycle events, oldest first."""
    found = []
    for on, phase, reason, decided_by, checks, o_reason, o_by in frames.rows("history", cluster_id):
        results = [CheckResult(c["name"], c["passed"], c["detail"]) for c in json.loads(checks)]
        override = None if o_reason is None else Override(o_reason, o_by)
        found.append(PhaseChange(on, phase, reason, decided_by, results, override))
    return found
