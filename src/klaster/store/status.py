"""What a store holds, counted in SQL without loading the program: :meth:`Store.status`."""

from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path

from attrs import frozen

from klaster.errors import StoreError
from klaster.model.lifecycle import Phase
from klaster.store._loading import program_header

__all__ = ["ClusterStatus", "StoreStatus"]


@frozen
class ClusterStatus:
    """Counts of one cluster's records in the store (IDs and counts only).

    Attributes:
        id: The cluster's ID.
        name: Its name.
        phase: Its current lifecycle phase (the last stored change), ``None`` without history.
        members: Members registered.
        active_members: Members in the program on the status date (joined, not yet left).
        groups: Groups (*kelompok*).
        cooperatives: Cooperatives (*koperasi*).
        rounds: Survey rounds.
        observation_values: Observation values stored (missing ones not counted).
        ledger_entries: Entries in its finance book's ledger.
    """

    id: str
    name: str
    phase: Phase | None
    members: int
    active_members: int
    groups: int
    cooperatives: int
    rounds: int
    observation_values: int
    ledger_entries: int


@frozen
class StoreStatus:
    """What a store holds: the program and per-cluster counts.

    Attributes:
        program_id: The program's ID.
        program_name: Its name.
        schema_version: The store's schema version.
        clusters: One :class:`ClusterStatus` per cluster, in program order.
        sectors: Every sector code the program uses (its clusters', members' and groups'),
            sorted: what ``klaster status`` checks the installed plugins against.
    """

    program_id: str
    program_name: str
    schema_version: int
    clusters: tuple[ClusterStatus, ...]
    sectors: tuple[str, ...] = ()


def _phase(value: str, source: Path) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise StoreError(
            f"{source}: a stored phase is not one klaster knows; the store is damaged"
        ) from None


def _count(conn: sqlite3.Connection, query: str, cluster_id: str, *more: object) -> int:
    return int(conn.execute(query, (cluster_id, *more)).fetchone()[0])


def read_status(
    conn: sqlite3.Connection, source: Path, schema_version: int, on: _dt.date
) -> StoreStatus:
    """Count the store's records (inside the caller's read transaction)."""
    program_id, program_name, _, _ = program_header(conn, source)
    day = on.isoformat()
    clusters = []
    for cluster_id, name in conn.execute("SELECT id, name FROM clusters ORDER BY position"):
        last = conn.execute(
            "SELECT phase FROM phase_changes WHERE cluster_id = ? ORDER BY seq DESC LIMIT 1",
            (cluster_id,),
        ).fetchone()
        clusters.append(
            ClusterStatus(
                id=cluster_id,
                name=name,
                phase=None if last is None else _phase(last[0], source),
                members=_count(
                    conn, "SELECT count(*) FROM members WHERE cluster_id = ?", cluster_id
                ),
                active_members=_count(
                    conn,
                    "SELECT count(*) FROM members WHERE cluster_id = ? AND joined <= ? "
                    "AND (left IS NULL OR left > ?)",
                    cluster_id,
                    day,
                    day,
                ),
                groups=_count(conn, "SELECT count(*) FROM groups WHERE cluster_id = ?", cluster_id),
                cooperatives=_count(
                    conn, "SELECT count(*) FROM cooperatives WHERE cluster_id = ?", cluster_id
                ),
                rounds=_count(conn, "SELECT count(*) FROM rounds WHERE cluster_id = ?", cluster_id),
                observation_values=_count(
                    conn,
                    "SELECT count(value) FROM observation_values WHERE round_key IN "
                    "(SELECT key FROM rounds WHERE cluster_id = ?)",
                    cluster_id,
                ),
                ledger_entries=_count(
                    conn, "SELECT count(*) FROM ledger_entries WHERE cluster_id = ?", cluster_id
                ),
            )
        )
    sectors = conn.execute(
        "SELECT sector FROM cluster_sectors UNION SELECT sector FROM members "
        "UNION SELECT sector FROM groups ORDER BY 1"
    ).fetchall()
    return StoreStatus(
        program_id, program_name, schema_version, tuple(clusters), tuple(s for (s,) in sectors)
    )
