"""A cluster's sectors with their areas, and its area overrides ↔ tables (schema version 2).

``cluster_sectors`` holds each sector and its partner, ``sector_areas`` the kecamatan or desa a
sector lists (in order) and ``area_overrides`` the records kept outside their sector's area. All
three are entity tables: rewritten with the program, read back through the model's constructors
(:class:`~klaster.model.organisation.ClusterSector`, :class:`~klaster.model.sector_areas.
AreaOverride`), so a stored cluster is checked as a document's is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Iterable, Sequence
from typing import Any

from klaster.model.cluster import Cluster
from klaster.model.organisation import ClusterSector
from klaster.model.sector_areas import AreaOverride, AreaRecord

# Rewritten with the program's entities, children first.
ENTITY_TABLES = ("area_overrides", "sector_areas")


def insert_sectors(conn: sqlite3.Connection, cluster: Cluster) -> None:
    """Insert the cluster's sectors, their areas and the cluster's area overrides."""
    cid = cluster.id
    conn.executemany(
        "INSERT INTO cluster_sectors VALUES (?, ?, ?, ?)",
        ((cid, s.sector, i, s.partner_id) for i, s in enumerate(cluster.sectors)),
    )
    conn.executemany(
        "INSERT INTO sector_areas VALUES (?, ?, ?, ?)",
        ((cid, s.sector, i, area) for s in cluster.sectors for i, area in enumerate(s.areas)),
    )
    conn.executemany(
        "INSERT INTO area_overrides VALUES (?, ?, ?, ?, ?, ?, ?)",
        (_row(cid, i, o) for i, o in enumerate(cluster.area_overrides)),
    )


def append_overrides(
    conn: sqlite3.Connection, cluster_id: str, overrides: Sequence[AreaOverride]
) -> None:
    """Add overrides after the cluster's stored ones (an import's members outside their area)."""
    if not overrides:
        return
    row = conn.execute(
        "SELECT coalesce(max(position) + 1, 0) FROM area_overrides WHERE cluster_id = ?",
        (cluster_id,),
    ).fetchone()
    conn.executemany(
        "INSERT INTO area_overrides VALUES (?, ?, ?, ?, ?, ?, ?)",
        (_row(cluster_id, row[0] + i, o) for i, o in enumerate(overrides)),
    )


def _row(cluster_id: str, position: int, o: AreaOverride) -> tuple[object, ...]:
    decided_on = None if o.decided_on is None else o.decided_on.isoformat()
    return (cluster_id, position, o.kind.value, o.record_id, o.reason, o.decided_by, decided_on)


def sectors_of(
    rows: Iterable[tuple[Any, ...]], areas: Iterable[tuple[Any, ...]]
) -> list[ClusterSector]:
    """Sectors from their ``(sector, partner_id)`` rows and ``(sector, area)`` rows, in order."""
    listed: dict[str, list[str]] = {}
    for sector, area in areas:
        listed.setdefault(sector, []).append(area)
    return [ClusterSector(sector, partner, listed.get(sector, ())) for sector, partner in rows]


def load_overrides(
    conn: sqlite3.Connection,
    cluster_id: str,
    members: Container[str] | None = None,
    groups: Container[str] | None = None,
) -> list[AreaOverride]:
    """The cluster's area overrides, in order.

    Args:
        conn: The store.
        cluster_id: The cluster.
        members: Only the overrides of these members (a partial cluster), if given.
        groups: Likewise for groups.
    """
    rows = conn.execute(
        "SELECT kind, record_id, reason, decided_by, decided_on FROM area_overrides "
        "WHERE cluster_id = ? ORDER BY position",
        (cluster_id,),
    )
    return overrides_of(rows, members, groups)


def overrides_of(
    rows: Iterable[tuple[Any, ...]],
    members: Container[str] | None = None,
    groups: Container[str] | None = None,
) -> list[AreaOverride]:
    """Overrides from their ``(kind, record_id, reason, decided_by, decided_on)`` rows.

    Args:
        rows: The rows, in order.
        members: Only the overrides of these members (a partial cluster), if given.
        groups: Likewise for groups.
    """
    found = []
    for kind, record_id, reason, decided_by, decided_on in rows:
        only = {AreaRecord.MEMBER.value: members, AreaRecord.GROUP.value: groups}.get(kind)
        if only is None or record_id in only:
            found.append(AreaOverride(kind, record_id, reason, decided_by, decided_on))
    return found
