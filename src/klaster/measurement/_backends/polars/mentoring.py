"""The mentoring indicators' unit values with polars (``backend="polars"``).

The same values as :func:`klaster.measurement.mentoring_indicators.python_values`, for every
frame of a report at once: the log's columns and the program's members, groups and membership
spells become a few polars tables (:func:`export`), each visit is matched with the members it
reaches (:func:`reached`: listed members, and the members of each group visited on the visit's
day; a member reached twice by one visit counts once), and each round key is one filter and
group-by over those pairs (:func:`values_at`); the facilitators' caseloads are one query for
every frame (:func:`caseloads`). The figures are then made by the shared code, so
both backends give the same rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
import polars as pl

from klaster.measurement._backends.polars.passes import round_passes
from klaster.measurement.mentoring_indicators import WINDOW_DAYS, MentoringValues
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.mentoring import GROUP, MEMBER
from klaster.model.program import Program
from klaster.model.records import fields_of

__all__ = ["Tables", "Values", "caseloads", "export", "prime", "reached", "values_at"]

NEVER = _dt.date.max.toordinal() + 1
"""A day after every date: "not left", "not dissolved"."""

_SPELL = attrgetter("member_id", "joined", "left")
_CACHE = "mentoring"
_SPELLS = {"cluster": pl.Int32, "subject": pl.String, "gidx": pl.Int64, "idx": pl.Int64,
           "joined": pl.Int32, "left": pl.Int32}  # fmt: skip


def _day(value: _dt.date | None) -> int:
    return NEVER if value is None else value.toordinal()


class Tables:
    """A program's log and records as polars tables (clusters numbered in program order).

    Attributes:
        clusters: Cluster IDs (their number is the position).
        visits: ``visit``, ``cluster``, ``day`` (and ``facilitator``) per visit.
        subjects: ``visit``, ``kind``, ``subject`` per member or group a visit lists.
        members: ``cluster``, ``subject`` (the ID), ``idx``, ``joined``, ``left`` per member.
        groups: ``cluster``, ``subject``, ``gidx``, ``formed``, ``dissolved`` per group.
        spells: ``cluster``, ``subject`` (the group), ``idx`` (the member), ``joined``, ``left``.
        member_offsets, group_offsets: Where each cluster's members and groups start.
    """

    def __init__(self, program: Program) -> None:
        clusters = list(program.clusters)
        self.clusters = [c.id for c in clusters]
        number = {c: i for i, c in enumerate(self.clusters)}
        columns = program.fieldwork.visits.columns()
        n = len(columns.ids)
        self.visits = pl.DataFrame(
            {
                "visit": np.arange(n, dtype=np.int64),
                "cluster": np.fromiter(map(number.__getitem__, columns.cluster_ids), np.int32, n),
                "day": np.asarray(columns.days, dtype=np.int32),
                "facilitator": pl.Series(columns.facilitator_ids, dtype=pl.String),
            }
        )
        self.subjects = pl.DataFrame(
            {
                "visit": np.asarray(columns.subject_visit, dtype=np.int64),
                "kind": np.frombuffer(bytes(columns.subject_kind), dtype=np.uint8),
                "subject": pl.Series(columns.subject_ids, dtype=pl.String),
            }
        )
        # A field of every member and group at a time: a loader's columns, if kept, build none.
        members = [c.members for c in clusters]
        groups = [c.groups for c in clusters]
        self.member_offsets = np.cumsum([0, *map(len, members)])
        self.group_offsets = np.cumsum([0, *map(len, groups)])
        ids = tuple(chain.from_iterable(r.ids() for r in members))
        joined, left = (fields_of(members, name) for name in ("joined", "left"))
        m = len(ids)
        self.member_ids: Sequence[str] = ids
        self.member_joined = np.fromiter(map(_day, joined), np.int32, m)
        self.member_left = np.fromiter(map(_day, left), np.int32, m)
        member_cluster = np.repeat(
            np.arange(len(clusters), dtype=np.int32), list(map(len, members))
        )
        self.members = pl.DataFrame(
            {
                "cluster": member_cluster,
                "subject": pl.Series(ids, dtype=pl.String),
                "idx": np.arange(m, dtype=np.int64),
            }
        )
        gids = tuple(chain.from_iterable(r.ids() for r in groups))
        formed, dissolved = (fields_of(groups, name) for name in ("formed", "dissolved"))
        g = len(gids)
        self.group_formed = np.fromiter(map(_day, formed), np.int32, g)
        self.group_dissolved = np.fromiter(map(_day, dissolved), np.int32, g)
        group_cluster = np.repeat(np.arange(len(clusters), dtype=np.int32), list(map(len, groups)))
        self.groups = pl.DataFrame(
            {
                "cluster": group_cluster,
                "subject": pl.Series(gids, dtype=pl.String),
                "gidx": np.arange(g, dtype=np.int64),
            }
        )
        self._program, self._group_cluster, self._member_index = program, group_cluster, ids
        self._spells: pl.DataFrame | None = None
        self.assignments, self.assigned_groups, self.assigned_members = _assignments(
            program, number, self
        )

    @property
    def spells(self) -> pl.DataFrame:
        """The groups' membership spells, read on first need.

        Only group visits and assignments read them: without either, no spell gives the same.
        """
        if self._spells is None:
            grouped = (self.subjects["kind"] == GROUP).any()
            wanted = grouped or self.assignments.height > 0
            self._spells = self._read_spells() if wanted else pl.DataFrame(schema=_SPELLS)
        return self._spells

    def _read_spells(self) -> pl.DataFrame:
        gids = self.groups["subject"].to_list()
        every_group = [g for c in self._program.clusters for g in c.groups]  # (built here)
        spells = [grp.memberships for grp in every_group]
        g = len(every_group)
        owner = np.repeat(np.arange(g, dtype=np.int64), list(map(len, spells)))
        who, start, end = (
            list(zip(*map(_SPELL, chain.from_iterable(spells)), strict=True)) or [()] * 3
        )
        index = dict(zip(self._member_index, range(len(self._member_index)), strict=True))
        s = len(who)
        return _spells_frame(
            self._group_cluster[owner] if g else np.zeros(0, np.int32),
            [gids[i] for i in owner.tolist()],
            owner,
            np.fromiter(map(index.__getitem__, who), np.int64, s),
            np.fromiter(map(_day, start), np.int32, s),
            np.fromiter(map(_day, end), np.int32, s),
        )


def _spells_frame(*columns: Any) -> pl.DataFrame:
    named = zip(_SPELLS.items(), columns, strict=True)
    return pl.DataFrame([pl.Series(name, values, dtype=kind) for (name, kind), values in named])


def _assignments(
    program: Program, number: dict[str, int], tables: Tables
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Assignments, and the groups (``a``, ``gidx``) and members (``a``, ``idx``) they list.

    Assignments: ``a``, ``person``, ``cluster``, ``start``, ``end`` (inclusive), ``whole``.
    """
    every = program.fieldwork.assignments
    people: dict[str, int] = {}
    assignments = pl.DataFrame(
        {
            "a": np.arange(len(every), dtype=np.int64),
            "person": [people.setdefault(a.person_id, len(people)) for a in every],
            "cluster": [number[a.cluster_id] for a in every],
            "start": [0 if a.start is None else a.start.toordinal() for a in every],
            "end": [_day(a.end) for a in every],
            "whole": [a.whole_cluster for a in every],
        },
        schema_overrides={"person": pl.Int64, "cluster": pl.Int32, "start": pl.Int32,
                          "end": pl.Int32, "whole": pl.Boolean},
    )  # fmt: skip
    listed = {"a": pl.Int64, "cluster": pl.Int32, "subject": pl.String}
    groups = pl.DataFrame(
        [(i, number[a.cluster_id], g) for i, a in enumerate(every) for g in a.group_ids],
        schema=listed, orient="row",
    )  # fmt: skip
    members = pl.DataFrame(
        [(i, number[a.cluster_id], m) for i, a in enumerate(every) for m in a.member_ids],
        schema=listed, orient="row",
    )  # fmt: skip
    return (
        assignments,
        groups.join(tables.groups, on=["cluster", "subject"]).select("a", "gidx"),
        members.join(tables.members, on=["cluster", "subject"]).select("a", "idx"),
    )


def caseloads(tables: Tables, at: pl.LazyFrame) -> pl.LazyFrame:
    """Per ``cluster`` and ``key`` of ``at`` (dated ``on``): facilitators assigned, caseload.

    ``assigned``: facilitators with an assignment to the cluster covering the day; ``caseload``:
    the members in each one's care that day (``Fieldwork.caseload``), added up over them.
    """
    assigned = (
        tables.assignments.lazy()
        .join(at, on="cluster")
        .filter((pl.col("start") <= pl.col("on")) & (pl.col("on") <= pl.col("end")))
    )
    covers = (pl.col("joined") <= pl.col("on")) & (pl.col("on") < pl.col("left"))
    spells = tables.spells.lazy().select("cluster", "gidx", "idx", "joined", "left")
    whole = assigned.filter(pl.col("whole"))
    members = tables.members.lazy().select(
        "cluster", "idx", joined=pl.Series(tables.member_joined), left=pl.Series(tables.member_left)
    )
    cols = ["cluster", "key", "person", "idx"]
    cared = pl.concat(
        [
            assigned.join(tables.assigned_groups.lazy(), on="a")
            .join(spells.drop("cluster"), on="gidx")
            .filter(covers)
            .select(cols),
            assigned.join(tables.assigned_members.lazy(), on="a").select(cols),
            whole.join(spells.drop("gidx"), on="cluster").filter(covers).select(cols),
            whole.join(members, on="cluster").filter(covers).select(cols),
        ]
    ).unique()
    keys = ["cluster", "key"]
    return (
        assigned.group_by(keys)
        .agg(assigned=pl.col("person").n_unique())
        .join(cared.group_by(keys).agg(caseload=pl.len()), on=keys, how="left")
        .with_columns(pl.col("caseload").fill_null(0))
    )


def export(program: Program) -> Tables:
    """The program's log and records as polars tables."""
    return Tables(program)


def reached(tables: Tables) -> pl.DataFrame:
    """Each (visit, member) the log reaches once: ``visit``, ``idx``, ``day``, ``cluster``.

    A group visit reaches the members whose spell in the group covers the visit's day. Only a
    visit listing two subjects or more can reach a member twice: only those are deduplicated.
    """
    listed = tables.subjects.lazy().join(tables.visits.lazy(), on="visit")
    alone = listed.filter(pl.col("kind") == MEMBER).join(
        tables.members.lazy(), on=["cluster", "subject"]
    )
    in_groups = (
        listed.filter(pl.col("kind") == GROUP)
        .join(tables.spells.lazy(), on=["cluster", "subject"])
        .filter((pl.col("joined") <= pl.col("day")) & (pl.col("day") < pl.col("left")))
    )
    cols = ["visit", "idx", "day", "cluster"]
    pairs = pl.concat([alone.select(cols), in_groups.select(cols)])
    several = (
        tables.subjects.lazy()
        .group_by("visit")
        .agg(pl.len().alias("subjects"), (pl.col("kind") == GROUP).any().alias("group"))
        .filter((pl.col("subjects") > 1) & pl.col("group"))
        .select("visit", pl.lit(True).alias("several"))
    )
    marked = pairs.join(several, on="visit", how="left")
    single = marked.filter(pl.col("several").is_null()).select(cols)
    multi = marked.filter(pl.col("several").is_not_null()).select(cols).unique(["visit", "idx"])
    return pl.concat([single, multi]).collect()


class Values:
    """What one round key gives: per member, group and cluster (positions of the tables).

    Attributes:
        visits: Per member, visits in the window (``0`` where none).
        last: Per member, the last visit's day (``-1``: none).
        group_last: Per group, the last group visit's day (``-1``: none).
        cluster_last: Per cluster, the last visit's day (``-1``: none).
        logged: Per cluster, whether the log has any visit of it.
    """

    def __init__(self, visits: Any, last: Any, group_last: Any, cluster_last: Any, logged: Any):
        self.visits, self.last, self.group_last = visits, last, group_last
        self.cluster_last, self.logged = cluster_last, logged


def _scatter(size: int, at: pl.Series, values: pl.Series, empty: int) -> Any:
    out = np.full(size, empty, dtype=np.int64)
    out[at.to_numpy()] = values.to_numpy()
    return out


def values_at(tables: Tables, pairs: pl.DataFrame, on: Any) -> Values:
    """The values at each cluster's date ``on[cluster]`` (a day number; ``-1``: no round)."""
    dates = np.asarray(on, dtype=np.int32)
    rounds = pl.DataFrame(
        {"cluster": np.arange(len(dates), dtype=np.int32), "on": dates}
    ).lazy()  # clusters without a round (-1) join with no visit: day > -1
    before = pl.col("day") <= pl.col("on")
    members = (
        pairs.lazy()
        .join(rounds, on="cluster")
        .filter(before)
        .group_by("idx")
        .agg(
            (pl.col("day") > pl.col("on") - WINDOW_DAYS).sum().alias("visits"),
            pl.col("day").max().alias("last"),
        )
        .collect()
    )
    groups = (
        tables.subjects.lazy()
        .filter(pl.col("kind") == GROUP)
        .join(tables.visits.lazy(), on="visit")
        .join(tables.groups.lazy(), on=["cluster", "subject"])
        .join(rounds, on="cluster")
        .filter(before)
        .group_by("gidx")
        .agg(pl.col("day").max().alias("last"))
        .collect()
    )
    clusters = (
        tables.visits.lazy()
        .join(rounds, on="cluster")
        .group_by("cluster")
        .agg(pl.col("day").filter(before).max().fill_null(-1).alias("last"))
        .collect()
    )
    n_members, n_groups = len(tables.member_ids), len(tables.group_formed)
    n_clusters = len(tables.clusters)
    logged = np.zeros(n_clusters, dtype=bool)
    logged[clusters["cluster"].to_numpy()] = True
    return Values(
        _scatter(n_members, members["idx"], members["visits"], 0),
        _scatter(n_members, members["idx"], members["last"], -1),
        _scatter(n_groups, groups["gidx"], groups["last"], -1),
        _scatter(n_clusters, clusters["cluster"], clusters["last"], -1),
        logged,
    )


def _optional(values: Any) -> list[int | None]:
    return [None if d < 0 else d for d in values.tolist()]


def frame_values(tables: Tables, values: Values, frame: UnitFrame, number: int) -> MentoringValues:
    """One frame's :class:`MentoringValues` from a round key's :class:`Values`."""
    day = frame.round.on.toordinal()
    start, end = tables.member_offsets[number], tables.member_offsets[number + 1]
    active = (tables.member_joined[start:end] <= day) & (day < tables.member_left[start:end])
    at = np.nonzero(active)[0] + start
    members = frame.active_members()
    assert len(members) == len(at), "the members active on the date differ"
    first, stop = tables.group_offsets[number], tables.group_offsets[number + 1]
    exists = (tables.group_formed[first:stop] <= day) & (day < tables.group_dissolved[first:stop])
    groups = tuple(
        gid for gid, here in zip(frame.cluster.groups.ids(), exists.tolist(), strict=True) if here
    )
    logged = bool(values.logged[number])
    if not logged:
        return MentoringValues(False, members, [], [], groups, [], None)
    last = int(values.cluster_last[number])
    return MentoringValues(
        True,
        members,
        values.visits[at].tolist(),
        _optional(values.last[at]),
        groups,
        _optional(values.group_last[np.nonzero(exists)[0] + first]),
        None if last < 0 else last,
    )


def prime(frames: Iterable[UnitFrame], program: Program) -> None:
    """Compute every frame's mentoring values with polars, into the frames' caches."""
    listed = [f for f in frames if _CACHE not in f.cache]
    if not listed:
        return
    tables = export(program)
    pairs = reached(tables)
    number = {c: i for i, c in enumerate(tables.clusters)}
    at = pl.DataFrame(
        {
            "cluster": [number[f.cluster.id] for f in listed],
            "key": range(len(listed)),
            "on": [f.round.on.toordinal() for f in listed],
        },
        schema={"cluster": pl.Int32, "key": pl.Int64, "on": pl.Int32},
    )
    loads = caseloads(tables, at.lazy()).collect()
    for key, people, load in loads.select("key", "assigned", "caseload").iter_rows():
        listed[key].cache["caseload"] = (load, people)
    for frame in listed:  # no facilitator assigned on the day
        frame.cache.setdefault("caseload", (0, 0))
    for taken, on in round_passes(listed, number):  # one frame per cluster a pass
        values = values_at(tables, pairs, on)
        for cid, frame in taken.items():
            frame.cache[_CACHE] = frame_values(tables, values, frame, number[cid])
