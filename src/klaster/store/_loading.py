"""Reading a program, or one cluster, back from the store's tables.

Every record is checked as the model's constructors (``Member(...)``, ``Cluster(...)``,
``Program(...)``) check it, so a store can never hand out what the API would refuse. A cluster's
members, groups and spells are read as columns and checked column-wise
(:mod:`klaster.store._cluster_columns`); whatever that refuses is loaded again row by row
through the constructors. A record that fails them was written outside klaster; the error says
which cluster, never the values.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from klaster.errors import KlasterError, NotFoundError, StoreError
from klaster.model.activity_kinds import unknown_kinds_kept
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import CheckResult, Lifecycle, Override, PhaseChange
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector, Organisation, Stakeholder
from klaster.model.program import Program
from klaster.model.region import Region, RegionStat
from klaster.model.sector_areas import AreaOverride
from klaster.model.sector_rules import member_checks_paused, report_unprovided_sectors
from klaster.store import (
    _area_rows,
    _cluster_columns,
    _fieldwork_loading,
    _intake_rows,
    _locations,
    _results,
)
from klaster.store._connection import chunks, placeholders

T = TypeVar("T")

_MEMBER_COLUMNS = (
    "id, name, sex, household_size, village, sector, joined, business_type, left, national_id, "
    "phone, birth_year, application_id"
)
_SHOWN = 5


def _built(source: Path, where: str, build: Callable[[], T]) -> T:
    try:
        # A stored business type was checked when saved; one a plugin no longer declares must
        # not make the store unreadable (saving checks again; ``klaster validate`` reports it).
        with member_checks_paused():
            return build()
    except KlasterError as exc:
        reason = str(exc)
    except (TypeError, ValueError, KeyError) as exc:  # a row of the wrong shape (bad JSON...)
        reason = type(exc).__name__
    raise StoreError(
        f"{source}: the stored {where} is not valid ({reason}); the store was changed outside "
        "klaster"
    )


def cluster_ids(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The IDs of the stored clusters, in program order."""
    return tuple(row[0] for row in conn.execute("SELECT id FROM clusters ORDER BY position"))


def program_header(conn: sqlite3.Connection, source: Path) -> tuple[str, str, str, str | None]:
    """The stored program's ID, name, organisation ID and note."""
    row = conn.execute("SELECT id, name, organisation_id, note FROM program").fetchone()
    if row is None:
        raise StoreError(f"{source}: the store holds no program; it is damaged")
    return row[0], row[1], row[2], row[3]


def organisations(conn: sqlite3.Connection, source: Path) -> list[Organisation]:
    """The program's organisations, in order."""
    rows = conn.execute("SELECT id, name, kind, note FROM organisations ORDER BY position")
    return _built(source, "organisations", lambda: [Organisation(*row) for row in rows])


def load_program(conn: sqlite3.Connection, source: Path) -> Program:
    """The whole stored program (activities of a missing plugin's kinds kept, reported)."""
    with unknown_kinds_kept() as kinds:
        program = _load_program(conn, source)
    if not report_unprovided_sectors(program, str(source), kinds) and kinds:
        program = _load_program(conn, source)  # no plugin is missing: the unknown kind is an error
    return program


def _load_program(conn: sqlite3.Connection, source: Path) -> Program:
    program_id, name, organisation_id, note = program_header(conn, source)
    # Each cluster's records read as columns, a query a table per cluster: reading the whole
    # program's tables at once was no faster and held 1M members' rows at once (+380 MB).
    clusters = [load_cluster(conn, source, cid) for cid in cluster_ids(conn)]
    orgs = organisations(conn, source)
    people = _built(source, "people", lambda: _fieldwork_loading.people(conn))
    fieldwork = _built(source, "fieldwork", lambda: _fieldwork_loading.fieldwork(conn))
    results = _results.load_results(conn, source)
    locations = _locations.load_locations(conn, source)
    intake = _built(source, "intake", lambda: _intake_rows.load_intake(conn))
    program = _built(
        source,
        f"program {program_id!r}",
        lambda: Program(
            program_id,
            name,
            organisation_id,
            orgs,
            clusters,
            note,
            people,
            fieldwork,
            results,
            locations=locations,
            intake=intake,
        ),
    )
    return program


def program_of(conn: sqlite3.Connection, source: Path, clusters: Iterable[Cluster]) -> Program:
    """The stored program with only ``clusters`` in it (for queries about part of it)."""
    program_id, name, organisation_id, note = program_header(conn, source)
    orgs = organisations(conn, source)
    listed = list(clusters)
    return _built(
        source,
        f"program {program_id!r}",
        lambda: Program(program_id, name, organisation_id, orgs, listed, note),
    )


def require_cluster(conn: sqlite3.Connection, cluster_id: str) -> tuple[str, str | None]:
    """The stored cluster's name and note.

    Raises:
        NotFoundError: No such cluster; the message lists some that exist.
    """
    row = conn.execute("SELECT name, note FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    if row is None:
        raise NotFoundError(
            f"no cluster with ID {cluster_id!r} in the store; {_known(cluster_ids(conn))}",
            path="cluster_id",
        )
    return row[0], row[1]


def _known(ids: tuple[str, ...]) -> str:
    if not ids:
        return "the store holds no clusters"
    shown = ", ".join(repr(i) for i in ids[:_SHOWN])
    more = f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else ""
    return f"known: {shown}{more}"


def load_cluster(
    conn: sqlite3.Connection,
    source: Path,
    cluster_id: str,
    columns: _cluster_columns.ProgramColumns | None = None,
) -> Cluster:
    """One stored cluster with all its records.

    Its members, groups and spells are read as columns (``columns``, read for the whole
    program, or this cluster's) and checked column-wise; if that refuses anything, the cluster
    is loaded again row by row, whose error says where and why.
    """
    name, note = require_cluster(conn, cluster_id)
    where = f"cluster {cluster_id!r}"
    region, sectors, stakeholders = _frame(conn, source, cluster_id)
    overrides = _built(source, where, lambda: _area_rows.load_overrides(conn, cluster_id))
    read = columns or _cluster_columns.ProgramColumns(conn, cluster_id)
    with member_checks_paused():  # (as _built: a stored business type was checked on saving)
        frame = (name, region, sectors, stakeholders, note)
        fast = _by_columns(conn, cluster_id, read, overrides, frame)
        if fast is not None:
            return fast
    # Row by row, in the order (and with the messages) of the load before the column path.
    members = _built(source, where, lambda: _members(conn, "cluster_id = ?", (cluster_id,)))
    groups = _built(source, where, lambda: _groups(conn, cluster_id, None))
    coops = _built(source, where, lambda: _cooperatives(conn, cluster_id))
    history = _built(source, where, lambda: history_of(conn, cluster_id))
    return _built(
        source,
        where,
        lambda: Cluster(
            id=cluster_id,
            name=name,
            region=region,
            sectors=sectors,
            lifecycle=Lifecycle(history),
            members=members,
            groups=groups,
            cooperatives=coops,
            stakeholders=stakeholders,
            note=note,
            area_overrides=overrides,
        ),
    )


def _by_columns(
    conn: sqlite3.Connection,
    cluster_id: str,
    read: _cluster_columns.ProgramColumns,
    overrides: list[AreaOverride],
    frame: tuple[str, Region, list[ClusterSector], list[Stakeholder], str | None],
) -> Cluster | None:
    """The cluster filled from its columns, or ``None`` if anything is refused."""
    try:
        coops = _cooperatives(conn, cluster_id)
        history = history_of(conn, cluster_id)
    except (KlasterError, TypeError, ValueError, KeyError):
        return None
    name, region, sectors, holders, note = frame
    cluster = _cluster_columns.filled(
        lambda: Cluster(
            cluster_id, name, region, sectors, Lifecycle(history), stakeholders=holders, note=note
        ),
        read.columns(cluster_id),
        overrides,
    )
    try:
        for coop in coops if cluster is not None else ():
            cluster.add_cooperative(coop)  # type: ignore[union-attr]
    except KlasterError:
        return None
    return cluster


def cluster_shell(
    conn: sqlite3.Connection, source: Path, cluster_id: str, group_ids: Iterable[str]
) -> Cluster:
    """A cluster holding only the groups ``group_ids`` and their members (to check additions).

    Its region, sectors and those groups are the stored ones, so adding a member or a group
    spell to it runs every check the whole cluster would, at the cost of a few rows.
    """
    name, note = require_cluster(conn, cluster_id)
    where = f"cluster {cluster_id!r}"
    region, sectors, _ = _frame(conn, source, cluster_id)
    wanted = sorted(set(group_ids))
    groups = _built(source, where, lambda: _groups(conn, cluster_id, wanted))
    member_ids = sorted({spell.member_id for g in groups for spell in g.memberships})
    members = _built(source, where, lambda: _members_by_id(conn, member_ids))
    overrides = _built(
        source, where, lambda: _area_rows.load_overrides(conn, cluster_id, member_ids, wanted)
    )
    return _built(
        source,
        where,
        lambda: Cluster(
            cluster_id, name, region, sectors, members=members, groups=groups, note=note,
            area_overrides=overrides,
        ),
    )  # fmt: skip


def _frame(
    conn: sqlite3.Connection, source: Path, cluster_id: str
) -> tuple[Region, list[ClusterSector], list[Stakeholder]]:
    where = f"cluster {cluster_id!r}"
    holders = conn.execute(
        "SELECT organisation_id, role FROM stakeholders WHERE cluster_id = ? ORDER BY position",
        (cluster_id,),
    ).fetchall()
    return (
        _built(source, f"region of {where}", lambda: _region(conn, cluster_id)),
        _built(source, where, lambda: _area_rows.load_sectors(conn, cluster_id)),
        _built(source, where, lambda: [Stakeholder(*row) for row in holders]),
    )


def _region(conn: sqlite3.Connection, cluster_id: str) -> Region:
    rows = conn.execute(
        "SELECT key, parent_key, level, name, code, bps_code FROM regions WHERE cluster_id = ? "
        "ORDER BY parent_key, position",
        (cluster_id,),
    ).fetchall()
    stats: dict[int, list[RegionStat]] = {}
    for row in conn.execute(
        "SELECT region_key, year, source, kind, population, poor, poverty_rate, note "
        "FROM region_stats WHERE region_key IN (SELECT key FROM regions WHERE cluster_id = ?) "
        "ORDER BY region_key, position",
        (cluster_id,),
    ):
        stats.setdefault(row[0], []).append(RegionStat(*row[1:]))
    children: dict[int | None, list[tuple[Any, ...]]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)

    def build(row: tuple[Any, ...]) -> Region:
        key, _, level, name, code, bps_code = row
        kids = [build(child) for child in children.get(key, ())]
        return Region(level, name, code, bps_code, kids, stats.get(key, ()))

    roots = children.get(None, [])
    if len(roots) != 1:
        raise StoreError(f"cluster {cluster_id!r} has {len(roots)} region trees, not one")
    return build(roots[0])


def _members(conn: sqlite3.Connection, condition: str, params: Iterable[Any]) -> list[Member]:
    query = f"SELECT {_MEMBER_COLUMNS} FROM members WHERE {condition} ORDER BY position"
    return [Member(*row) for row in conn.execute(query, tuple(params))]


def _members_by_id(conn: sqlite3.Connection, ids: list[str]) -> list[Member]:
    found: list[Member] = []
    for part in chunks(ids):
        found += _members(conn, f"id IN ({placeholders(len(part))})", part)
    return found


_GROUPS = (
    "SELECT id, name, sector, formed, dissolved, capacity, village FROM groups WHERE cluster_id = ?"
)
_SPELLS = "SELECT group_id, member_id, joined, left, role FROM memberships WHERE cluster_id = ?"


def _groups(conn: sqlite3.Connection, cluster_id: str, only: list[str] | None) -> list[Group]:
    """The cluster's groups (or only those listed), in order, with their membership spells."""
    if only is None:
        rows = conn.execute(f"{_GROUPS} ORDER BY position", (cluster_id,)).fetchall()
        spell_rows = conn.execute(
            f"{_SPELLS} ORDER BY group_id, position", (cluster_id,)
        ).fetchall()
    else:
        rows, spell_rows = [], []
        for part in chunks(only):
            marks = placeholders(len(part))
            rows += conn.execute(
                f"{_GROUPS} AND id IN ({marks}) ORDER BY position", (cluster_id, *part)
            ).fetchall()
            spell_rows += conn.execute(
                f"{_SPELLS} AND group_id IN ({marks}) ORDER BY group_id, position",
                (cluster_id, *part),
            ).fetchall()
    spells: dict[str, list[Membership]] = {}
    for group_id, *spell in spell_rows:
        spells.setdefault(group_id, []).append(Membership(*spell))
    return [
        Group(gid, name, sector, formed, spells.get(gid, ()), dissolved, capacity, village)
        for gid, name, sector, formed, dissolved, capacity, village in rows
    ]


def _cooperatives(conn: sqlite3.Connection, cluster_id: str) -> list[Cooperative]:
    sectors: dict[str, list[str]] = {}
    for coop, sector in conn.execute(
        "SELECT cooperative_id, sector FROM cooperative_sectors WHERE cluster_id = ? "
        "ORDER BY cooperative_id, position",
        (cluster_id,),
    ):
        sectors.setdefault(coop, []).append(sector)
    members = _cluster_columns.runs_of(
        conn.execute(
            "SELECT cooperative_id, member_id FROM cooperative_members WHERE cluster_id = ? "
            "ORDER BY cooperative_id, position",
            (cluster_id,),
        ).fetchall()
    )
    boards = _fieldwork_loading.boards(conn, cluster_id)
    found = []
    for cid, name, founded, number, registered, form in conn.execute(
        "SELECT id, name, founded, legal_number, legal_registered_on, legal_form "
        "FROM cooperatives WHERE cluster_id = ? ORDER BY position",
        (cluster_id,),
    ):
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


def history_of(conn: sqlite3.Connection, cluster_id: str) -> list[PhaseChange]:
    """The cluster's stored lifecycle events, oldest first."""
    found = []
    for on, phase, reason, decided_by, checks, o_reason, o_by in conn.execute(
        "SELECT on_date, phase, reason, decided_by, checks, override_reason, "
        "override_approved_by FROM phase_changes WHERE cluster_id = ? ORDER BY seq",
        (cluster_id,),
    ):
        results = [CheckResult(c["name"], c["passed"], c["detail"]) for c in json.loads(checks)]
        override = None if o_reason is None else Override(o_reason, o_by)
        found.append(PhaseChange(on, phase, reason, decided_by, results, override))
    return found
