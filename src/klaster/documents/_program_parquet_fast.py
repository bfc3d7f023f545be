"""The Parquet program document read with no Python work per member (internal).

:func:`read` is the road a valid file takes (:mod:`klaster.documents._program_parquet`): the
clusters' objects are read from the metadata as the column road reads them
(:func:`~klaster.documents._column_read.structure_parts`), then the whole file's members, spells
and cooperatives' members are judged at once by the model's acceptance test
(:func:`klaster.model.bulk.accepted`: every rule the column road checks) and, accepted, handed
to the clusters as columns read on first need (:func:`klaster.model.bulk.fill_accepted_columns`).
Anything the test does not accept (a refusal, or what it does not cover: area overrides, a
group's capacity...) makes :func:`read` give ``None``: the caller then takes the column road,
which decides the same and words a refusal with its row.

The loader overlaps the Python work with polars' (which holds no GIL): :func:`prepare` reads
the clusters' objects from the metadata alone while the rows are read and checked; the members
are judged (``bulk.judge_members``) while the spells' and cooperatives' entries are taken, and
:func:`ahead` reads the member IDs once (the cooperatives' lists and the members' ``id`` column
are cut from that one list) and judges the business types meanwhile; :func:`judge` adds the
spells' verdict, and :func:`read` lists the cooperatives' members before it waits for it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

from attrs import frozen

from klaster.documents._column_read import structure_parts, structure_program
from klaster.documents._program_parquet_read import Frames, Ordered
from klaster.model import bulk
from klaster.model.cluster import Cluster
from klaster.model.program import Program

__all__ = ["Ahead", "Prepared", "ahead", "judge", "prepare", "read"]

# A cluster's objects read from the metadata alone: the cluster (empty), its checked group
# columns and its built cooperatives; ``None`` for a cluster read once its rows are at hand.
_Parts = tuple[Cluster, dict[str, list[Any]], Any] | None


@frozen
class Prepared:
    """The clusters' objects read from the metadata before the rows are at hand (:func:`prepare`).

    Attributes:
        program: The metadata's program object they were read from.
        parts: Each cluster's, in order; ``None`` at a cluster with a cooperative that has a
            board (whose seats its members hold: read with its member IDs, of the rows).
    """

    program: Any
    parts: list[_Parts]


def prepare(program: Any) -> Prepared | None:
    """The clusters' objects of the metadata's ``program`` object; ``None``: not for this road.

    Python work needing no row: a loader runs it while polars reads the rows (which holds no
    lock Python needs). It never raises: anything wrong is the column road's to word.
    """
    try:
        shells = program.get("clusters", [])
        return Prepared(program, [_parts(shell) for shell in shells])
    except Exception:  # (refused, or not ours: the column road decides and words it)
        return None


class _NotOurs(Exception):
    """A cluster the accepted road does not take (area overrides, a group's capacity...)."""


def _parts(shell: dict[str, Any]) -> _Parts:
    cooperatives = shell.get("cooperatives", ())
    if not all(type(c) is dict and not c.get("board") for c in cooperatives):
        return None  # (its cooperatives with a board are built with their member IDs)
    found = _cluster_parts(shell)
    if found is None:
        raise _NotOurs
    return found


def _cluster_parts(shell: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """A cluster's object, its groups checked and its cooperatives (``None``: not ours)."""
    cluster, overrides, raw_groups, built = structure_parts(shell)
    if overrides:
        return None  # (area overrides: the column road's)
    data = bulk.checked_groups(cluster, raw_groups)
    return None if data is None else (cluster, data, built)


def judge(pl: Any, frames: Frames, members: Any = None) -> Any:
    """The members' and spells' own fields of ``frames`` judged (``bulk.judge_rows``).

    Needs no cluster object: a loader runs it while the clusters' objects are read.
    ``members``: the members judged already (``bulk.judge_members`` of ``frames.members``,
    while the list columns' entries were taken), else judged here.
    """
    if members is None:
        members = bulk.judge_members(pl, frames.members)
    return bulk.judge_spells(pl, members, _spells(pl, frames))


@frozen
class Ahead:
    """The rows' Python work done while their list columns' entries are still being taken.

    Attributes:
        ids: The members' IDs, in the ordered rows' order.
        types: The members' business types judged (``bulk.business_types_fine``), or
            ``None``: not judged yet.
    """

    ids: list[str]
    types: bool | None


def ahead(pl: Any, ordered: Ordered, members: Any = None) -> Ahead | None:
    """The Python work of the ``ordered`` rows that needs no spell, no cooperative (never raises).

    ``members``: the members judged (``bulk.judge_members``), or its future (waited for once
    the IDs are read). A loader runs it while polars takes the spells' and cooperatives'
    entries.
    """
    try:
        ids = ordered.members["id"].to_list()
        judged = members.result() if isinstance(members, Future) else members
        types = None if judged is None else bulk.business_types_fine(pl, judged)
        return Ahead(ids, types)
    except Exception:  # (unreadable: the column road words it)
        return None


def read(
    pl: Any,
    frames: Frames,
    document: dict[str, Any],
    prepared: Prepared | None = None,
    judged: Any = None,
    early: Ahead | None = None,
) -> Program | None:
    """The program of the file's ``frames``, or ``None``: take the column road.

    Args:
        pl: polars.
        frames: The file's frames (checked as the column road checks them first).
        document: The current-version document of the metadata (without members).
        prepared: The clusters' objects of :func:`prepare` for ``document``'s program, read
            ahead (else read here, while the rows are judged).
        judged: The rows judged by :func:`judge` for ``frames``, or its future (still being
            judged: waited for once the clusters' Python work is done); else judged here.
        early: What :func:`ahead` did for ``frames``' rows, if it ran.
    """
    try:
        return _read(pl, frames, document, prepared, judged, early)
    except Exception:  # refused or not covered: the column road decides and words it
        return None


def _read(
    pl: Any,
    frames: Frames,
    document: dict[str, Any],
    prepared: Prepared | None,
    judged: Any,
    early: Ahead | None,
) -> Program | None:
    spells = _spells(pl, frames)
    with ExitStack() as stack:
        if judged is None:
            # The members' and spells' own fields are judged (polars, without the GIL) while
            # the clusters' objects are read (Python): on two cores the one hides the other.
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
            judged = pool.submit(judge, pl, frames)
        if prepared is None or prepared.program is not document["program"]:
            prepared = prepare(document["program"])
        if prepared is None:
            return None
        # (the Python work of the rows, done while they may still be judged)
        ids = frames.members["id"].to_list() if early is None else early.ids
        parts = _clusters(frames, prepared, ids)
        if parts is None:
            return None
        if isinstance(judged, Future):
            judged = judged.result()
    clusters, groups, cooperatives, _ = parts
    types = None if early is None else early.types
    listed = frames.listed
    if not bulk.accepted(pl, clusters, groups, cooperatives, judged, spells, listed, types=types):
        return None
    _fill(pl, frames, spells, ids, parts)
    raw = dict(document["program"])
    raw["clusters"] = clusters
    return structure_program(raw)


def _fill(pl: Any, frames: Frames, spells: Any, ids: list[str], parts: Any) -> None:
    """Each cluster filled with its accepted columns, read on first need (not checked again)."""
    clusters, groups, cooperatives, later = parts
    starts = frames.starts
    member_columns = bulk.member_columns(pl, frames.members, starts, ids)
    spell_columns = bulk.spell_columns(pl, spells, frames.spell_starts)
    for index, cluster in enumerate(clusters):
        bulk.fill_accepted_columns(
            cluster,
            ids[starts[index] : starts[index + 1]],
            member_columns.of_cluster(index),
            groups[index],
            spell_columns.of_cluster(index),
            cooperatives[index],
            later[index],
        )


def _spells(pl: Any, frames: Frames) -> Any:
    return frames.spells if frames.spells is not None else _no_spells(pl)


def _clusters(
    frames: Frames, prepared: Prepared, everyone: list[str]
) -> tuple[list[Cluster], list[Any], list[Any], list[Any]] | None:
    """The clusters (empty), their groups, cooperatives and members to list; ``None``: not ours.

    The groups are checked; the cooperatives built, their members listed after the test
    (which judges them) without the constructor's check, but for one with a board (whose seats
    its members hold): its members are listed now. ``everyone``: the members' IDs, in the
    rows' order (the cooperatives' lists are cut from it when they list the rows in that order).
    """
    clusters, groups, cooperatives, later = [], [], [], []
    listed = iter(frames.member_ids(everyone))
    for shell, ready in zip(frames.shells, prepared.parts, strict=True):
        ids = [next(listed) for _ in shell.get("cooperatives", ())]
        if ready is not None:  # (no cooperative with a board: read ahead as it is)
            clusters.append(ready[0])
            groups.append(ready[1])
            cooperatives.append(ready[2])
            later.append(ids)
            continue
        now = [c.get("board") if type(c) is dict else True for c in shell.get("cooperatives", ())]
        if any(found is not None and held for found, held in zip(ids, now, strict=True)):
            shell = dict(shell)
            shell["cooperatives"] = [
                {**c, "member_ids": found} if found is not None and held else c
                for c, found, held in zip(shell["cooperatives"], ids, now, strict=True)
            ]
        found = _cluster_parts(shell)
        if found is None:
            return None
        clusters.append(found[0])
        groups.append(found[1])
        cooperatives.append(found[2])
        later.append([None if held else found for found, held in zip(ids, now, strict=True)])
    return clusters, groups, cooperatives, later


def _no_spells(pl: Any) -> Any:
    schema = {"__row": pl.UInt32, "__c": pl.UInt32, "__o": pl.UInt32, "id": pl.String}
    schema |= {"sector": pl.String}
    schema |= {"group": pl.String, "joined": pl.Date, "left": pl.Date, "role": pl.String}
    return pl.DataFrame(schema=schema)
