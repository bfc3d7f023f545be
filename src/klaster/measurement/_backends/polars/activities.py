"""The activity indicators' unit values with polars (``backend="polars"``).

The same values as :func:`klaster.measurement.activity_indicators.python_values`, for every frame
of a report at once: the activities, their participants and the program's members, groups and
membership spells become a few polars tables (:class:`Tables`); the attendances are matched
with the members and groups they reach once for the whole program (:func:`reached`: a group
attending a training reaches the members whose spell covers its day, a member attending a group
meeting brings the groups they are in that day; an activity reaching a unit twice counts once);
each round key is then one filter and group-by per table (:func:`values_at`). The figures are
made by the shared code, so both backends give the same rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl

from klaster.measurement._backends.polars.passes import round_passes
from klaster.measurement.activity_indicators import (
    GROUP_MEETING,
    TRAINING,
    WINDOW_DAYS,
    ActivityValues,
    existing_groups,
)
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.activity import ParticipantKind
from klaster.model.program import Program

__all__ = ["Pairs", "Tables", "Values", "prime", "reached", "values_at"]

NEVER = _dt.date.max.toordinal() + 1
"""A day after every date: "not left"."""

_CACHE = "activities"
_KINDS = {ParticipantKind.MEMBER: 0, ParticipantKind.GROUP: 1, ParticipantKind.BOARD: 2}
_MEMBER, _GROUP, _BOARD = 0, 1, 2
_OTHER, _TRAINING, _MEETING = 0, 1, 2
_ATTENDED = {None: -1, False: 0, True: 1}


class Tables:
    """A program's activities and records as polars tables (clusters numbered in program order).

    Attributes:
        clusters: Cluster IDs (their number is the position).
        activities: ``aid``, ``cluster`` (``-1``: program-wide), ``day`` (``-1``: not held),
            ``kind`` (training, group meeting, other) per activity.
        participants: ``aid``, ``pkind``, ``subject``, ``attended`` (``-1``: not recorded).
        members: ``subject``, ``idx``, ``cluster``; groups: ``subject``, ``gidx``, ``cluster``;
        cooperatives: ``subject``, ``cluster``.
        spells: ``gidx``, ``idx``, ``cluster``, ``joined``, ``left`` per membership spell.
        member_index, group_index: Position of each member and group ID.
    """

    def __init__(self, program: Program) -> None:
        clusters = list(program.clusters)
        self.clusters = [c.id for c in clusters]
        number = {c: i for i, c in enumerate(self.clusters)}
        member_ids = [m for c in clusters for m in c.members.ids()]
        member_cluster = [i for i, c in enumerate(clusters) for _ in c.members.ids()]
        groups = [(i, g) for i, c in enumerate(clusters) for g in c.groups]
        self.member_index = {m: k for k, m in enumerate(member_ids)}
        self.group_index = {g.id: k for k, (_, g) in enumerate(groups)}
        self.members = pl.DataFrame(
            {
                "subject": pl.Series(member_ids, dtype=pl.String),
                "idx": np.arange(len(member_ids), dtype=np.int64),
                "cluster": np.asarray(member_cluster, dtype=np.int32),
            }
        )
        self.groups = pl.DataFrame(
            {
                "subject": pl.Series([g.id for _, g in groups], dtype=pl.String),
                "gidx": np.arange(len(groups), dtype=np.int64),
                "cluster": np.asarray([i for i, _ in groups], dtype=np.int32),
            }
        )
        coops = [(c.id, i) for i, cl in enumerate(clusters) for c in cl.cooperatives]
        self.cooperatives = pl.DataFrame(
            {
                "subject": pl.Series([c for c, _ in coops], dtype=pl.String),
                "cluster": np.asarray([i for _, i in coops], dtype=np.int32),
            }
        )
        spells = [
            (self.group_index[g.id], self.member_index[s.member_id], i, s.joined, s.left)
            for i, g in groups
            for s in g.memberships
        ]
        self.spells = pl.DataFrame(
            {
                "gidx": np.asarray([s[0] for s in spells], dtype=np.int64),
                "idx": np.asarray([s[1] for s in spells], dtype=np.int64),
                "cluster": np.asarray([s[2] for s in spells], dtype=np.int32),
                "joined": np.asarray([s[3].toordinal() for s in spells], dtype=np.int32),
                "left": np.asarray(
                    [NEVER if s[4] is None else s[4].toordinal() for s in spells], dtype=np.int32
                ),
            }
        )
        activities = list(program.fieldwork.activities)
        kinds = {TRAINING: _TRAINING, GROUP_MEETING: _MEETING}
        self.activities = pl.DataFrame(
            {
                "aid": np.arange(len(activities), dtype=np.int64),
                "cluster": np.asarray(
                    [-1 if a.cluster_id is None else number[a.cluster_id] for a in activities],
                    dtype=np.int32,
                ),
                "day": np.asarray(
                    [-1 if a.held_on is None else a.held_on.toordinal() for a in activities],
                    dtype=np.int32,
                ),
                "kind": np.asarray([kinds.get(a.kind, _OTHER) for a in activities], np.int8),
            }
        )
        listed = [
            (k, _KINDS[p.kind], p.id, _ATTENDED[p.attended])
            for k, a in enumerate(activities)
            for p in a.participants
            if p.kind in _KINDS
        ]
        self.participants = pl.DataFrame(
            {
                "aid": np.asarray([p[0] for p in listed], dtype=np.int64),
                "pkind": np.asarray([p[1] for p in listed], dtype=np.int8),
                "subject": pl.Series([p[2] for p in listed], dtype=pl.String),
                "attended": np.asarray([p[3] for p in listed], dtype=np.int8),
            }
        )


class Pairs:
    """What the attendances reach, once for the program (each a polars table).

    Attributes:
        recorded: Per cluster, whether any activity is recorded for it (numpy booleans).
        trained: ``idx``, ``cluster``, ``day``: a member reached by a training (once each).
        noted: ``idx``, ``cluster``, ``day``, ``attended``: a member listed with attendance
            recorded in a held activity.
        meetings: ``gidx``, ``cluster``, ``day``: a group attending a group meeting (once each).
        held: ``cluster``, ``day``: the clusters' own held activities.
    """

    def __init__(self, recorded: Any, trained: Any, noted: Any, meetings: Any, held: Any):
        self.recorded, self.trained, self.noted = recorded, trained, noted
        self.meetings, self.held = meetings, held


def reached(tables: Tables) -> Pairs:
    """Match every attendance with the members and groups it reaches (see :class:`Pairs`)."""
    parts = tables.participants.lazy()
    by_kind = {
        _MEMBER: tables.members.lazy(),
        _GROUP: tables.groups.lazy(),
        _BOARD: tables.cooperatives.lazy(),
    }
    homes = [
        parts.filter(pl.col("pkind") == k).join(records, on="subject").select("cluster")
        for k, records in by_kind.items()
    ]
    own = tables.activities.lazy().filter(pl.col("cluster") >= 0).select("cluster")
    recorded = pl.concat([own, *homes]).unique().collect()["cluster"].to_numpy()
    flags = np.zeros(len(tables.clusters), dtype=bool)
    flags[recorded] = True

    held = tables.activities.lazy().filter(pl.col("day") >= 0)
    listed = parts.join(held.select("aid", "day", pl.col("kind").alias("akind")), on="aid")
    came = pl.col("attended") == 1
    member_rows = listed.filter(pl.col("pkind") == _MEMBER).join(
        tables.members.lazy(), on="subject"
    )
    group_rows = listed.filter((pl.col("pkind") == _GROUP) & came).join(
        tables.groups.lazy().select("subject", "gidx"), on="subject"
    )
    covers = (pl.col("joined") <= pl.col("day")) & (pl.col("day") < pl.col("left"))
    spells = tables.spells.lazy()
    trained_cols = ["aid", "idx", "cluster", "day"]
    trained = pl.concat(
        [
            member_rows.filter(came & (pl.col("akind") == _TRAINING)).select(trained_cols),
            group_rows.filter(pl.col("akind") == _TRAINING)
            .join(spells, on="gidx")
            .filter(covers)
            .select(trained_cols),
        ]
    ).unique(["aid", "idx"])
    met_cols = ["aid", "gidx", "cluster", "day"]
    meetings = pl.concat(
        [
            group_rows.filter(pl.col("akind") == _MEETING)
            .join(tables.groups.lazy().select("gidx", "cluster"), on="gidx")
            .select(met_cols),
            member_rows.filter(came & (pl.col("akind") == _MEETING))
            .select("aid", "idx", "day")
            .join(spells, on="idx")
            .filter(covers)
            .select(met_cols),
        ]
    ).unique(["aid", "gidx"])
    noted = member_rows.filter(pl.col("attended") >= 0).select(
        "idx", "cluster", "day", pl.col("attended").cast(pl.Int64)
    )
    own_held = held.filter(pl.col("cluster") >= 0).select("cluster", "day")
    done = pl.collect_all([trained, noted, meetings, own_held])
    return Pairs(flags, *done)


class Values:
    """What one round key gives, by position in the tables.

    Attributes:
        trained: Per member, trainings attended in the window.
        attended, noted: Per member, attendances and listings with attendance recorded.
        meetings: Per group, group meetings attended in the window.
        held: Per cluster, its own activities held in the window.
    """

    def __init__(self, trained: Any, attended: Any, noted: Any, meetings: Any, held: Any):
        self.trained, self.attended, self.noted = trained, attended, noted
        self.meetings, self.held = meetings, held


def _counts(size: int, table: pl.DataFrame, by: str, column: str) -> Any:
    out = np.zeros(size, dtype=np.int64)
    out[table[by].to_numpy()] = table[column].to_numpy()
    return out


def values_at(tables: Tables, pairs: Pairs, on: Any) -> Values:
    """The values at each cluster's date ``on[cluster]`` (a day number; ``-1``: no round)."""
    dates = np.asarray(on, dtype=np.int32)
    rounds = pl.DataFrame({"cluster": np.arange(len(dates), dtype=np.int32), "on": dates})
    window = (pl.col("day") <= pl.col("on")) & (pl.col("day") > pl.col("on") - WINDOW_DAYS)

    def within(table: pl.DataFrame, by: str, *aggs: pl.Expr) -> pl.LazyFrame:
        return table.lazy().join(rounds.lazy(), on="cluster").filter(window).group_by(by).agg(*aggs)

    trained, noted, meetings, held = pl.collect_all(
        [
            within(pairs.trained, "idx", pl.len().alias("n")),
            within(pairs.noted, "idx", pl.len().alias("n"), pl.col("attended").sum()),
            within(pairs.meetings, "gidx", pl.len().alias("n")),
            within(pairs.held, "cluster", pl.len().alias("n")),
        ]
    )
    members, groups = len(tables.member_index), len(tables.group_index)
    return Values(
        _counts(members, trained, "idx", "n"),
        _counts(members, noted, "idx", "attended"),
        _counts(members, noted, "idx", "n"),
        _counts(groups, meetings, "gidx", "n"),
        _counts(len(tables.clusters), held, "cluster", "n"),
    )


def frame_values(
    tables: Tables, pairs: Pairs, values: Values, frame: UnitFrame, number: int
) -> ActivityValues:
    """One frame's :class:`ActivityValues` from a round key's :class:`Values`."""
    members = frame.active_members()
    groups = existing_groups(frame)
    if not pairs.recorded[number]:
        return ActivityValues(False, members, [], [], [], groups, [], 0)
    at = np.fromiter(map(tables.member_index.__getitem__, members), np.int64, len(members))
    gat = np.fromiter(map(tables.group_index.__getitem__, groups), np.int64, len(groups))
    return ActivityValues(
        True,
        members,
        (values.trained[at] > 0).tolist(),
        values.attended[at].tolist(),
        values.noted[at].tolist(),
        groups,
        values.meetings[gat].tolist(),
        int(values.held[number]),
    )


def prime(frames: Iterable[UnitFrame], program: Program) -> None:
    """Compute every frame's activity values with polars, into the frames' caches."""
    listed = [f for f in frames if _CACHE not in f.cache]
    if not listed or not len(program.fieldwork.activities):  # none: the Python way is instant
        return
    tables = Tables(program)
    pairs = reached(tables)
    number = {c: i for i, c in enumerate(tables.clusters)}
    for taken, on in round_passes(listed, number):  # one frame per cluster a pass
        values = values_at(tables, pairs, on)
        for cid, frame in taken.items():
            frame.cache[_CACHE] = frame_values(tables, pairs, values, frame, number[cid])
