"""Reading a program, or one cluster, back from the store's tables.

Every record is checked as the model's constructors (``Member(...)``, ``Cluster(...)``,
``Program(...)``) check it, so a store can never hand out what the API would refuse. A cluster's
members, groups and spells are read as columns and checked column-wise
(:mod:`klaster.store._cluster_columns`); whatever that refuses is loaded again row by row
through the constructors. The small tables (regions, sectors, cooperatives...) are read once for
the whole program (:mod:`klaster.store._cluster_frames`). A record that fails them was written
outside klaster; the error says which cluster, never the values.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from klaster._support.gc import settle_long_lived
from klaster.errors import KlasterError, NotFoundError, StoreError
from klaster.model.activity_kinds import unknown_kinds_kept
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Lifecycle
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector, Organisation, Stakeholder
from klaster.model.program import Program
from klaster.model.region import Region
from klaster.model.sector_areas import AreaOverride
from klaster.model.sector_rules import member_checks_paused, report_unprovided_sectors
from klaster.store import (
    _area_rows,
    _cluster_columns,
    _cluster_frames,
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
    settle_long_lived()
    return program


def _load_program(conn: sqlite3.Connection, source: Path) -> Program:
    program_id, name, organisation_id, note = program_header(conn, source)
    # Each cluster's records read as columns, a query a table per cluster: reading the whole
    # program's tables at once was no faster and held 1M members' rows at once (+380 MB). The
    # small tables (regions, sectors, cooperatives...) are read once for the whole program.
    frames = _cluster_frames.ClusterFrames(conn)
    unread = _cluster_columns.unrecorded(conn)  # (optional columns no member has a value in)
    clusters = [
        load_cluster(conn, source, cid, frames=frames, unread=unread) for cid in cluster_ids(conn)
    ]
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


def require_cluster(
    conn: sqlite3.Connection, cluster_id: str, frames: _cluster_frames.ClusterFrames | None = None
) -> tuple[str, str | None]:
    """The stored cluster's name and note (from ``frames`` if given).

    Raises:
        NotFoundError: No such cluster; the message lists some that exist.
    """
    if frames is not None:
        row = frames.header(cluster_id)
    else:
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
    frames: _cluster_frames.ClusterFrames | None = None,
    unread: Sequence[str] = (),
) -> Cluster:
    """One stored cluster with all its records.

    Its members, groups and spells are read as columns (``columns``, read for the whole
    program, or this cluster's, without the member columns ``unread``: null in every stored
    row) and checked column-wise; if that refuses anything, the cluster is loaded again row by
    row, whose error says where and why. Its small tables' rows are ``frames``' (read for the
    whole program), or this cluster's.
    """
    small = frames or _cluster_frames.ClusterFrames(conn, cluster_id)
    name, note = require_cluster(conn, cluster_id, small)
    where = f"cluster {cluster_id!r}"
    region, sectors, stakeholders = _frame(small, source, cluster_id)
    overrides = _built(
        source, where, lambda: _area_rows.overrides_of(small.rows("overrides", cluster_id))
    )
    read = columns or _cluster_columns.ProgramColumns(conn, cluster_id, unread)
    with member_checks_paused():  # (as _built: a stored business type was checked on saving)
        frame = (name, region, sectors, stakeholders, note)
        fast = _by_columns(conn, cluster_id, read, overrides, frame, small)
        if fast is not None:
            return fast
    # Row by row, in the order (and with the messages) of the load before the column path.
    members = _built(source, where, lambda: _members(conn, "cluster_id = ?", (cluster_id,)))
    groups = _built(source, where, lambda: _groups(conn, cluster_id, None))
    coops = _built(source, where, lambda: _cooperatives(conn, cluster_id, small))
    history = _built(source, where, lambda: _cluster_frames.history(small, cluster_id))
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
    frames: _cluster_frames.ClusterFrames,
) -> Cluster | None:
    """The cluster filled from its columns, or ``None`` if anything is refused."""
    try:
        coops = _cooperatives(conn, cluster_id, frames)
        history = _cluster_frames.history(frames, cluster_id)
    except (KlasterError, TypeError, ValueError, KeyError):
        return None
    name, region, sectors, holders, note = frame
    return _cluster_columns.filled(
        lambda: Cluster(
            cluster_id, name, region, sectors, Lifecycle(history), stakeholders=holders, note=note
        ),
        read.columns(cluster_id),
        overrides,
        coops,
    )


def cluster_shell(
    conn: sqlite3.Connection, source: Path, cluster_id: str, group_ids: Iterable[str]
) -> Cluster:
    """A cluster holding only the groups ``group_ids`` and their members (to check additions).

    Its region, sectors and those groups are the stored ones, so adding a member or a group
    spell to it runs every check the whole cluster would, at the cost of a few rows.
    """
    small = _cluster_frames.ClusterFrames(conn, cluster_id)
    name, note = require_cluster(conn, cluster_id, small)
    where = f"cluster {cluster_id!r}"
    region, sectors, _ = _frame(small, source, cluster_id)
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
    frames: _cluster_frames.ClusterFrames, source: Path, cluster_id: str
) -> tuple[Region, list[ClusterSector], list[Stakeholder]]:
    where = f"cluster {cluster_id!r}"
    holders = frames.rows("stakeholders", cluster_id)
    return (
        _built(source, f"region of {where}", lambda: _cluster_frames.region(frames, cluster_id)),
        _built(
            source,
            where,
            lambda: _area_rows.sectors_of(
                frames.rows("sectors", cluster_id), frames.rows("areas", cluster_id)
            ),
        ),
        _built(source, where, lambda: [Stakeholder(*row) for row in holders]),
    )


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


def _cooperatives(
    conn: sqlite3.Connection, cluster_id: str, frames: _cluster_frames.ClusterFrames
) -> list[Cooperative]:
    # Each cooperative's members along the primary key (no look-up per row through the index by
    # cluster): the rows of the cluster's cooperatives, as a query by cluster finds them.
    members = {
        row[0]: tuple(
            itertools.chain.from_iterable(
                conn.execute(
                    "SELECT member_id FROM cooperative_members WHERE cooperative_id = ? "
                    "AND +cluster_id = ? ORDER BY position",
                    (row[0], cluster_id),
                ).fetchall()
            )
        )
        for row in frames.rows("cooperatives", cluster_id)
    }
    return _cluster_frames.cooperatives(frames, cluster_id, members)
