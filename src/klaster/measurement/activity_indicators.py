"""Activity participation indicators: trainings, group meetings, attendance, activities held.

From the activities the program records (``program.fieldwork.activities``), computed at each
survey round's date per cluster like the other core indicators (and split by the same
dimensions). Only held activities count (status ``held``, on ``held_on``), and only those held in
the window: the round's date and the 364 days before it (:data:`WINDOW_DAYS`).

Who attended: a member listed as a member participant with ``attended=True``; a group listed as
a group participant with ``attended=True`` reaches the members whose membership spell in the
group covers the day it was held. A group attended a group meeting when it is listed with
``attended=True`` or when one of its members on that day is listed as a member participant
with ``attended=True``. An activity reaching a member or a group twice counts once. Program-wide
activities (no ``cluster_id``) count for the members and groups they list; only the cluster's
own activities count as held by it.

A cluster with no activity recorded at all (none of its own, none listing one of its members,
groups or cooperatives' boards) has no activity figures: they are
:class:`~klaster.measurement.na.NotAvailable` with the reason, never zero.

Each frame's unit values (:class:`ActivityValues`) are computed once, the exact pure-Python way
here, or by the polars backend (``_backends/polars/activities.py``), which puts the same values
in the frame's cache; the figures are then made by the same code.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster.catalogue.indicator import Aggregation, Direction
from klaster.catalogue.variable import Level
from klaster.label import Label
from klaster.measurement.compiler import Kind
from klaster.measurement.core_indicators import CoreIndicator, Items
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.activity import ParticipantKind
from klaster.model.program import Program
from klaster.model.records import field_of

__all__ = [
    "ACTIVITY_CODES",
    "ACTIVITY_INDICATORS",
    "GROUP_MEETING",
    "TRAINING",
    "WINDOW_DAYS",
    "WINDOW_MONTHS",
    "ActivityValues",
    "ClusterActivities",
    "activity_values",
    "cluster_activities",
    "existing_groups",
    "prime",
    "python_values",
    "recorded_clusters",
]

WINDOW_DAYS = 365
"""The window: the round's date and the 364 days before it."""
WINDOW_MONTHS = 12
"""The months that window counts as (``meetings_per_group_month``)."""
TRAINING = "training"
"""The activity kind ``members_trained_12m`` counts."""
GROUP_MEETING = "group_meeting"
"""The activity kind ``meetings_per_group_month`` counts."""

_CACHE = "activities"
_SHARED = "activity_logs"
_NEVER = _dt.date.max.toordinal() + 1  # a day after every date: "not left"


@frozen
class ClusterActivities:
    """One cluster's held activities as the indicators read them (internal; days as ordinals).

    Args:
        held: The days of the cluster's own held activities, sorted.
        trained: Per member, the sorted days of the trainings they attended.
        noted: Per member, the sorted days of held activities listing them with attendance
            recorded (``attended`` true or false).
        attended: Per member, the sorted days of those they attended.
        meetings: Per group, the sorted days of the group meetings it attended.
    """

    held: list[int]
    trained: dict[str, list[int]]
    noted: dict[str, list[int]]
    attended: dict[str, list[int]]
    meetings: dict[str, list[int]]


@frozen
class ActivityValues:
    """One cluster's activity values at one round's date (internal: both backends fill it).

    Args:
        recorded: Whether any activity is recorded for the cluster (else every figure is n/a).
        members: Members active on the date.
        trained: Per member, whether they attended a training in the window.
        attended: Per member, the activities in the window they attended as member participant.
        noted: Per member, those in the window listing them with attendance recorded.
        groups: Groups existing on the date.
        meetings: Per group, the group meetings in the window it attended.
        held: The cluster's own activities held in the window.
    """

    recorded: bool
    members: tuple[str, ...]
    trained: list[bool]
    attended: list[int]
    noted: list[int]
    groups: tuple[str, ...]
    meetings: list[int]
    held: int


def _homes(program: Program) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The cluster of each member, group and cooperative (IDs are unique in the program)."""
    members, groups, coops = {}, {}, {}
    for cluster in program.clusters:
        members.update(dict.fromkeys(cluster.members.ids(), cluster.id))
        groups.update(dict.fromkeys(cluster.groups.ids(), cluster.id))
        coops.update(dict.fromkeys(cluster.cooperatives.ids(), cluster.id))
    return members, groups, coops


_Spell = tuple[str, str, int, int]
"""A membership spell as (group, member, joined, left) day numbers."""


def _spells(program: Program) -> tuple[dict[str, list[_Spell]], dict[str, list[_Spell]]]:
    """The group spells by member and by group."""
    by_member: dict[str, list[_Spell]] = {}
    by_group: dict[str, list[_Spell]] = {}
    for cluster in program.clusters:
        for group in cluster.groups:
            for s in group.memberships:
                left = _NEVER if s.left is None else s.left.toordinal()
                spell = (group.id, s.member_id, s.joined.toordinal(), left)
                by_member.setdefault(s.member_id, []).append(spell)
                by_group.setdefault(group.id, []).append(spell)
    return by_member, by_group


def recorded_clusters(program: Program) -> set[str]:
    """Clusters with an activity recorded: their own, or one listing their members or groups."""
    members, groups, coops = _homes(program)
    homes = {ParticipantKind.MEMBER: members, ParticipantKind.GROUP: groups}
    homes[ParticipantKind.BOARD] = coops
    found: set[str] = set()
    for activity in program.fieldwork.activities:
        if activity.cluster_id is not None:
            found.add(activity.cluster_id)
        for p in activity.participants:
            home = homes.get(p.kind, {}).get(p.id)
            if home is not None:
                found.add(home)
    return found


def cluster_activities(
    program: Program, clusters: Iterable[str] | None = None
) -> dict[str, ClusterActivities]:
    """Each recorded cluster's held activities (of ``clusters``, default all), in one pass."""
    if not len(program.fieldwork.activities):  # nothing recorded: no cluster has figures
        return {}
    wanted = None if clusters is None else set(clusters)
    members, groups, _ = _homes(program)
    of_member, of_group = _spells(program)
    found = {
        cid: ClusterActivities([], {}, {}, {}, {})
        for cid in recorded_clusters(program)
        if wanted is None or cid in wanted
    }

    for activity in program.fieldwork.activities:
        if activity.held_on is None:  # only a held activity has a held_on date
            continue
        day = activity.held_on.toordinal()
        if activity.cluster_id in found:
            found[activity.cluster_id].held.append(day)
        training, meeting = activity.kind == TRAINING, activity.kind == GROUP_MEETING
        reached: set[str] = set()  # members trained by this activity
        met: set[str] = set()  # groups meeting in it
        for p in activity.participants:
            if p.kind is ParticipantKind.MEMBER and p.attended is not None:
                log = found.get(members.get(p.id, ""))
                if log is not None:
                    log.noted.setdefault(p.id, []).append(day)
                    if p.attended:
                        log.attended.setdefault(p.id, []).append(day)
                if p.attended and training:
                    reached.add(p.id)
                if p.attended and meeting:
                    met.update(g for g, _, a, b in of_member.get(p.id, ()) if a <= day < b)
            elif p.kind is ParticipantKind.GROUP and p.attended:
                if training:
                    reached.update(m for _, m, a, b in of_group.get(p.id, ()) if a <= day < b)
                if meeting:
                    met.add(p.id)
        for member in reached:
            home = members.get(member)
            if home in found:
                found[home].trained.setdefault(member, []).append(day)
        for group in met:
            home = groups.get(group)
            if home in found:
                found[home].meetings.setdefault(group, []).append(day)
    for log in found.values():
        log.held.sort()
        for by_unit in (log.trained, log.noted, log.attended, log.meetings):
            for days in by_unit.values():
                days.sort()
    return found


def existing_groups(frame: UnitFrame) -> tuple[str, ...]:
    """The frame's groups existing on the round's date (formed, not dissolved)."""
    on = frame.round.on
    groups = frame.cluster.groups  # (a loader's columns if kept: no group built)
    dated = zip(
        groups.ids(), field_of(groups, "formed"), field_of(groups, "dissolved"), strict=True
    )
    return tuple(gid for gid, formed, gone in dated if formed <= on and (gone is None or on < gone))


def _within(days: Sequence[int], on: int) -> int:
    return bisect_right(days, on) - bisect_right(days, on - WINDOW_DAYS)


def python_values(frame: UnitFrame, log: ClusterActivities | None) -> ActivityValues:
    """The frame's activity values the exact pure-Python way (``log``: the cluster's, or none)."""
    members = frame.active_members()
    groups = existing_groups(frame)
    if log is None:
        return ActivityValues(False, members, [], [], [], groups, [], 0)
    on = frame.round.on.toordinal()
    empty: list[int] = []
    return ActivityValues(
        True,
        members,
        [_within(log.trained.get(m, empty), on) > 0 for m in members],
        [_within(log.attended.get(m, empty), on) for m in members],
        [_within(log.noted.get(m, empty), on) for m in members],
        groups,
        [_within(log.meetings.get(g, empty), on) for g in groups],
        _within(log.held, on),
    )


def activity_values(frame: UnitFrame) -> ActivityValues:
    """The frame's activity values: computed once (or primed by the polars backend)."""
    found: ActivityValues | None = frame.cache.get(_CACHE)
    if found is None:
        logs = frame.shared.get(_SHARED)
        if logs is None:  # one frame (a readiness lookup): its cluster's activities only
            cid = frame.cluster.id
            logs = frame.shared[_SHARED] = cluster_activities(frame.observations.program, [cid])
        found = frame.cache[_CACHE] = python_values(frame, logs.get(frame.cluster.id))
    return found


def prime(frames: Iterable[UnitFrame], program: Program) -> None:
    """Read the activities once for a report's frames (the Python way: one pass, all clusters)."""
    listed = [f for f in frames if _CACHE not in f.cache and _SHARED not in f.shared]
    if not listed:  # primed by the polars backend, or already read
        return
    logs = cluster_activities(program)
    for frame in listed:
        frame.shared[_SHARED] = logs


def unavailable(frame: UnitFrame) -> NotAvailable | None:
    """Why a frame has no activity figures (no activity recorded for it), else ``None``."""
    if activity_values(frame).recorded:
        return None
    cid = frame.cluster.id
    return bilingual(
        f"no activities are recorded for cluster {cid!r}",
        f"tidak ada kegiatan yang tercatat untuk klaster {cid!r}",
    )


# -- the indicators' items ----------------------------------------------------------------------


def _trained(frame: UnitFrame) -> Items:
    v = activity_values(frame)
    if not v.recorded:
        return v.members, [(None,)] * len(v.members)
    return v.members, [(t,) for t in v.trained]


def _meetings(frame: UnitFrame) -> Items:
    v = activity_values(frame)
    if not v.recorded:
        return v.groups, [(None, None)] * len(v.groups)
    twelve = Decimal(WINDOW_MONTHS)
    return v.groups, [(Decimal(k), twelve) for k in v.meetings]


def _attendance(frame: UnitFrame) -> Items:
    v = activity_values(frame)
    items: list[tuple[Any, ...]] = [
        (Decimal(a), Decimal(n)) if n else (None, None)
        for a, n in zip(v.attended, v.noted, strict=True)
    ]
    return v.members, items if v.recorded else [(None, None)] * len(v.members)


def _held(frame: UnitFrame) -> Items:
    v = activity_values(frame)
    return (frame.cluster.id,), [(Decimal(v.held) if v.recorded else None,)]


def _indicator(
    code: str, name: Label, unit: str, level: Level, how: Aggregation, items: Any, about: Label
) -> CoreIndicator:
    kind = Kind.BOOLEAN if how is Aggregation.SHARE_MEETING else Kind.NUMBER
    return CoreIndicator(
        code, name, unit, level, how, Direction.HIGHER, kind, items, description=about,
        unavailable=unavailable,
    )  # fmt: skip


ACTIVITY_INDICATORS: tuple[CoreIndicator, ...] = (
    _indicator(
        "members_trained_12m",
        Label("Bagian mitra dilatih 12 bulan terakhir", "Share of members trained, 12 months"),
        "ratio", Level.MEMBER, Aggregation.SHARE_MEETING, _trained,
        Label(
            "Mitra aktif pada tanggal putaran yang menghadiri sedikitnya satu pelatihan "
            "(training) terlaksana dalam 365 hari sampai tanggal itu: tercatat hadir sebagai "
            "peserta mitra, atau kelompoknya tercatat hadir saat ia anggotanya.",
            "Members active on the round date who attended at least one held training in the "
            "365 days up to that date: listed as attending member participants, or their group "
            "listed as attending while they were in it.",
        ),
    ),
    _indicator(
        "meetings_per_group_month",
        Label("Pertemuan per kelompok per bulan", "Meetings per group per month"), "meetings/month",
        Level.GROUP, Aggregation.RATIO_OF_SUMS, _meetings,
        Label(
            "Pertemuan kelompok (group_meeting) terlaksana dalam 365 hari sampai tanggal putaran "
            "yang dihadiri kelompok (tercatat hadir, atau sedikitnya satu anggotanya hadir), "
            "dibagi (kelompok yang ada pada tanggal itu × 12).",
            "Held group meetings in the 365 days up to the round date that a group attended "
            "(listed as attending, or at least one of its members then listed as attending), "
            "over (groups existing on the date × 12).",
        ),
    ),
    _indicator(
        "attendance_rate_12m",
        Label("Tingkat kehadiran 12 bulan terakhir", "Attendance rate, 12 months"), "ratio",
        Level.MEMBER, Aggregation.RATIO_OF_SUMS, _attendance,
        Label(
            "Kehadiran mitra aktif sebagai peserta kegiatan terlaksana dalam 365 hari sampai "
            "tanggal putaran, dibagi undangan yang kehadirannya tercatat (rasio jumlah); mitra "
            "tanpa catatan kehadiran dihitung sebagai hilang.",
            "Attendances of the active members listed as participants of activities held in the "
            "365 days up to the round date, over their listings with attendance recorded (a "
            "ratio of sums); members with none recorded are counted as missing.",
        ),
    ),
    _indicator(
        "activities_held_12m",
        Label("Kegiatan terlaksana 12 bulan terakhir", "Activities held, 12 months"),
        "activities", Level.CLUSTER, Aggregation.SUM, _held,
        Label(
            "Kegiatan klaster (cluster_id) yang terlaksana dalam 365 hari sampai tanggal putaran "
            "(total program: jumlah antarklaster).",
            "The cluster's own activities held in the 365 days up to the round date (a program "
            "total sums the clusters).",
        ),
    ),
)  # fmt: skip
"""The activity participation indicators (codes in :data:`ACTIVITY_CODES`)."""

ACTIVITY_CODES = tuple(i.code for i in ACTIVITY_INDICATORS)
