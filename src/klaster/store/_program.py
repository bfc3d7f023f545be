"""Writing a program's entities into the store's tables.

Organisations, clusters, regions, members, groups, memberships, cooperatives, stakeholders and
lifecycle history each have their own table; each collection keeps its order in a ``position``
column. Saving a program again rewrites the entity rows in one transaction with foreign keys
checked at commit, and only *appends* to a cluster's lifecycle history: a history that differs
from the stored one is refused.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from klaster.errors import StoreError
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Guard, Override, Phase, PhaseChange
from klaster.model.member import Member
from klaster.model.program import Program
from klaster.model.region import Region
from klaster.model.sector_rules import business_type_problems
from klaster.store import _area_rows, _fieldwork_rows, _intake_rows, _locations, _results
from klaster.store._connection import insert_tuples
from klaster.store._keys import orphan_units
from klaster.store._loading import load_cluster

# Tables rewritten by save_program, children first (the order of the DELETEs).
_ENTITY_TABLES = (
    *_area_rows.ENTITY_TABLES,
    *_fieldwork_rows.ENTITY_TABLES,
    *_intake_rows.ENTITY_TABLES,
    "cooperative_members",
    "cooperative_sectors",
    "cooperatives",
    "memberships",
    "groups",
    "members",
    "stakeholders",
    "cluster_sectors",
    "region_stats",
    "regions",
    "clusters",
    "program",
    "organisations",
)
# Tables that refer to those entities without being rewritten with them.
_REFERRING = (
    "phase_changes",
    "rounds",
    "units",
    "finance_books",
    *_fieldwork_rows.HISTORY_TABLES,
    *_intake_rows.HISTORY_TABLES,
    "result_targets",
)


def member_row(cluster_id: str, position: int, m: Member) -> tuple[Any, ...]:
    """The ``members`` row of ``m``."""
    return (
        m.id,
        cluster_id,
        position,
        m.name,
        m.sex.value,
        m.household_size,
        m.village,
        m.sector,
        m.joined.isoformat(),
        m.business_type,
        None if m.left is None else m.left.isoformat(),
        m.national_id,
        m.phone,
        m.birth_year,
        m.application_id,
    )


INSERT_MEMBER = "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
INSERT_MEMBERSHIP = (
    "INSERT INTO memberships (group_id, position, cluster_id, member_id, joined, left, role) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def membership_row(
    cluster_id: str, group_id: str, position: int, spell: Membership
) -> tuple[Any, ...]:
    """The ``memberships`` row of one spell."""
    return (
        group_id,
        position,
        cluster_id,
        spell.member_id,
        spell.joined.isoformat(),
        None if spell.left is None else spell.left.isoformat(),
        spell.role.value,
    )


def change_row(cluster_id: str, seq: int, change: PhaseChange) -> tuple[Any, ...]:
    """The ``phase_changes`` row of one lifecycle event."""
    checks = [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in change.checks]
    override = change.override
    return (
        cluster_id,
        seq,
        change.on.isoformat(),
        change.phase.value,
        change.reason,
        change.decided_by,
        json.dumps(checks, ensure_ascii=False),
        None if override is None else override.reason,
        None if override is None else override.approved_by,
    )


INSERT_CHANGE = "INSERT INTO phase_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


def insert_program(conn: sqlite3.Connection, program: Program, *, history: bool = True) -> None:
    """Insert every entity of ``program`` into empty entity tables (and its histories)."""
    conn.executemany(
        "INSERT INTO organisations VALUES (?, ?, ?, ?, ?)",
        (
            (o.id, index, o.name, o.kind.value, o.note)
            for index, o in enumerate(program.organisations)
        ),
    )
    conn.execute(
        "INSERT INTO program VALUES (1, ?, ?, ?, ?)",
        (program.id, program.name, program.organisation_id, program.note),
    )
    for position, cluster in enumerate(program.clusters):
        _insert_cluster(conn, position, cluster)
        if history:
            insert_changes(conn, cluster.id, 0, cluster.lifecycle.history)
    _fieldwork_rows.insert_entities(conn, program)
    _intake_rows.insert_entities(conn, program)


def _insert_cluster(conn: sqlite3.Connection, position: int, cluster: Cluster) -> None:
    cid = cluster.id
    conn.execute(
        "INSERT INTO clusters VALUES (?, ?, ?, ?)", (cid, position, cluster.name, cluster.note)
    )
    _insert_region(conn, cid, None, 0, cluster.region)
    _area_rows.insert_sectors(conn, cluster)  # with their areas, and the area overrides
    conn.executemany(
        "INSERT INTO stakeholders VALUES (?, ?, ?, ?)",
        ((cid, i, s.organisation_id, s.role) for i, s in enumerate(cluster.stakeholders)),
    )
    # The big tables go in many rows per statement (see insert_rows).
    insert_tuples(
        conn, "members", 15, (member_row(cid, i, m) for i, m in enumerate(cluster.members))
    )
    insert_tuples(conn, "groups", 9, (_group_row(cid, i, g) for i, g in enumerate(cluster.groups)))
    insert_tuples(
        conn,
        "memberships",
        7,
        (
            membership_row(cid, g.id, i, spell)
            for g in cluster.groups
            for i, spell in enumerate(g.memberships)
        ),
    )
    conn.executemany(
        "INSERT INTO cooperatives VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (_cooperative_row(cid, i, c) for i, c in enumerate(cluster.cooperatives)),
    )
    conn.executemany(
        "INSERT INTO cooperative_sectors VALUES (?, ?, ?, ?)",
        ((c.id, i, cid, s) for c in cluster.cooperatives for i, s in enumerate(c.sectors)),
    )
    insert_tuples(
        conn,
        "cooperative_members",
        4,
        ((c.id, i, cid, m) for c in cluster.cooperatives for i, m in enumerate(c.member_ids)),
    )


def _group_row(cluster_id: str, position: int, g: Group) -> tuple[Any, ...]:
    return (
        g.id,
        cluster_id,
        position,
        g.name,
        g.sector,
        g.formed.isoformat(),
        None if g.dissolved is None else g.dissolved.isoformat(),
        g.capacity,
        g.village,
    )


def _cooperative_row(cluster_id: str, position: int, c: Cooperative) -> tuple[Any, ...]:
    legal = c.legal
    return (
        c.id,
        cluster_id,
        position,
        c.name,
        None if c.founded is None else c.founded.isoformat(),
        None if legal is None else legal.registration_number,
        None if legal is None else legal.registered_on.isoformat(),
        None if legal is None else legal.form,
    )


def _insert_region(
    conn: sqlite3.Connection, cluster_id: str, parent: int | None, position: int, region: Region
) -> None:
    cursor = conn.execute(
        "INSERT INTO regions (cluster_id, parent_key, position, level, name, code, bps_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            cluster_id,
            parent,
            position,
            region.level.value,
            region.name,
            region.code,
            region.bps_code,
        ),
    )
    key = cursor.lastrowid
    conn.executemany(
        "INSERT INTO region_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                key,
                i,
                s.year,
                s.source,
                s.kind.value,
                s.population,
                s.poor,
                None if s.poverty_rate is None else str(s.poverty_rate),
                s.note,
            )
            for i, s in enumerate(region.stats)
        ),
    )
    for index, child in enumerate(region.children):
        _insert_region(conn, cluster_id, key, index, child)


def replace_program(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    """Rewrite the entities of the stored program with ``program``'s, appending history only.

    Raises:
        StoreError: Another program, a lifecycle history that is not an extension of the stored
            one, or a record others refer to (observations, finance) was removed.
    """
    stored = conn.execute("SELECT id FROM program").fetchone()
    if stored is not None and stored[0] != program.id:
        raise StoreError(
            f"{source}: the store holds program {stored[0]!r}, not {program.id!r}; one store "
            "holds one program"
        )
    new_changes = list(_new_changes(conn, program, source))
    # Rewritten parents are briefly missing while their children still point at them.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    for table in _ENTITY_TABLES:
        conn.execute(f"DELETE FROM {table}")
    insert_program(conn, program, history=False)
    conn.executemany(INSERT_CHANGE, new_changes)
    _fieldwork_rows.insert_history(conn, program, source)  # appended, or refused if rewritten
    _intake_rows.insert_history(conn, program, source)  # likewise
    _results.append_versions(conn, program, source)  # likewise
    _locations.append_choices(conn, program, source)  # likewise
    check_references(conn, source, "save the program", (*_ENTITY_TABLES, *_REFERRING))
    orphans = orphan_units(conn)
    if orphans:
        raise StoreError(
            f"{source}: cannot save the program: it drops records that have observations "
            f"({orphans} unit(s)); record 'left' or 'dissolved' instead of removing them. "
            "Nothing was changed"
        )


def _new_changes(
    conn: sqlite3.Connection, program: Program, source: Path
) -> Iterator[tuple[Any, ...]]:
    stored: dict[str, list[tuple[Any, ...]]] = {}
    for row in conn.execute("SELECT * FROM phase_changes ORDER BY cluster_id, seq"):
        stored.setdefault(row[0], []).append(tuple(row))
    for cluster_id in stored.keys() - set(program.clusters.ids()):
        raise StoreError(
            f"{source}: cluster {cluster_id!r} is in the store but not in the program; a "
            "cluster with a lifecycle history cannot be removed (cancel it instead)"
        )
    for cluster in program.clusters:
        rows = [change_row(cluster.id, i, c) for i, c in enumerate(cluster.lifecycle.history)]
        known = stored.get(cluster.id, [])
        for index, old in enumerate(known):
            if index >= len(rows) or rows[index] != old:
                raise StoreError(
                    f"{source}: clusters[{cluster.id}].lifecycle.history[{index}] differs from "
                    "the stored history; a lifecycle history may only be extended, never "
                    "rewritten (load the cluster from the store and move it from there)"
                )
        yield from rows[len(known) :]


def check_references(
    conn: sqlite3.Connection, source: Path, action: str, tables: Iterable[str]
) -> None:
    """Refuse, naming the tables, a write that left a reference dangling (before COMMIT).

    Only ``tables`` are checked: the rows that can refer to what the write replaced (checking
    every observation value again would cost as much as the import did).
    """
    broken = [
        row
        for table in tables
        for row in conn.execute(f"PRAGMA foreign_key_check({table})").fetchall()
    ]
    if broken:
        pairs = sorted({f"{row[0]} → {row[2]}" for row in broken})
        raise StoreError(
            f"{source}: cannot {action}: {len(broken)} stored record(s) would refer to records "
            f"that are no longer there ({', '.join(pairs)}); a member, group or cooperative "
            "with observations or finance records cannot be removed (record 'left' or "
            "'dissolved' instead). Nothing was changed"
        )


def insert_changes(
    conn: sqlite3.Connection, cluster_id: str, start: int, changes: Sequence[PhaseChange]
) -> None:
    """Append lifecycle events numbered from ``start``."""
    conn.executemany(
        INSERT_CHANGE, (change_row(cluster_id, start + i, c) for i, c in enumerate(changes))
    )


def next_positions(
    conn: sqlite3.Connection, table: str, key: str, values: Iterable[str]
) -> dict[str, int]:
    """The next free ``position`` per value of ``key`` in ``table`` (0 when there is none)."""
    found: dict[str, int] = {}
    for value in set(values):
        row = conn.execute(
            f"SELECT coalesce(max(position) + 1, 0) FROM {table} WHERE {key} = ?",
            (value,),
        ).fetchone()
        found[value] = row[0]
    return found


def check_program(program: object, source: Path) -> None:
    """Refuse what is not a valid :class:`Program` before a save.

    Raises:
        StoreError: Not a program, a member's business type is not one its sector declares
            (a program loaded from an older store may hold one: every such member is listed).
        KlasterError: The program is invalid (as :meth:`Program.validate`).
    """
    if not isinstance(program, Program):
        raise StoreError(f"{source}: can only save a Program, got {type(program).__name__}")
    program.validate()
    problems = business_type_problems(program.clusters)
    if problems:
        raise StoreError(
            f"{source}: business types the catalogue does not have; nothing was "
            "saved:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def move_cluster(
    conn: sqlite3.Connection,
    source: Path,
    cluster_id: str,
    phase: Phase | str,
    on: _dt.date,
    reason: str,
    decided_by: str,
    guard: Guard | None,
    override: Override | None,
) -> PhaseChange:
    """Move a stored cluster by the model's rules and append the change (see ``Store.advance``)."""
    cluster = load_cluster(conn, source, cluster_id)
    guards = () if guard is None else (guard,)
    change = cluster.move(
        phase, on, reason=reason, decided_by=decided_by, guards=guards, override=override
    )
    insert_changes(conn, cluster_id, len(cluster.lifecycle.history) - 1, [change])
    return change
