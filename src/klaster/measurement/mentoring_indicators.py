"""Mentoring indicators (*pendampingan*): from the mentoring log and the facilitators' caseloads.

Computed at each survey round's date, per cluster, like the other core indicators (and split
by the same dimensions). A visit counts for a member when it lists the member, or one of the
groups the member belongs to on the visit's day (the groups' membership spells); a visit that
reaches a member twice (individually and through a group) counts once for that member. Only
visits on or before the round's date count.

A cluster whose log has no visit has no mentoring figures (:class:`NotAvailable` with the
reason, never zero); a member of a cluster with visits but none for it counts as not visited.

Each frame's unit values (:class:`MentoringValues`) are computed once, here or by the polars
backend (the same values, in the frame's cache); the figures are then made by the same code.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from attrs import frozen

from klaster.catalogue.indicator import Aggregation, Direction
from klaster.catalogue.variable import Level
from klaster.label import Label
from klaster.measurement.compiler import Kind
from klaster.measurement.core_indicators import CoreIndicator, Items
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.mentoring import GROUP
from klaster.model.program import Program

__all__ = [
    "MENTORING_CODES",
    "MENTORING_INDICATORS",
    "RECENT_DAYS",
    "WINDOW_DAYS",
    "WINDOW_MONTHS",
    "ClusterLog",
    "MentoringValues",
    "cluster_logs",
    "mentoring_values",
    "months_between",
]

WINDOW_DAYS = 365
"""The window of ``visits_per_member_month``: the round's date and the 364 days before it."""
WINDOW_MONTHS = 12
"""The months that window counts as."""
RECENT_DAYS = 90
""""Visited in the last 90 days": on the round's date or in the 89 days before it."""

_CACHE = "mentoring"


@frozen
class ClusterLog:
    """One cluster's visits as the indicators read them (internal).

    Args:
        days: Every visit's day (ordinal), sorted.
        members: For each member reached, the sorted days of the visits reaching them.
        groups: For each group visited, the sorted days of its visits.
    """

    days: list[int]
    members: dict[str, list[int]]
    groups: dict[str, list[int]]


@frozen
class MentoringValues:
    """One cluster's mentoring values at one round's date (internal: both backends fill it).

    Args:
        logged: Whether the log has any visit of the cluster (else every figure is n/a).
        members: Members active on the date.
        visits: Per member, visits in the last :data:`WINDOW_DAYS` days.
        last: Per member, the day (ordinal) of the last visit on or before the date, or ``None``.
        groups: Groups existing on the date.
        group_last: Per group, the day of its last visit on or before the date, or ``None``.
        cluster_last: The day of the cluster's last visit on or before the date, or ``None``.
    """

    logged: bool
    members: tuple[str, ...]
    visits: list[int]
    last: list[int | None]
    groups: tuple[str, ...]
    group_last: list[int | None]
    cluster_last: int | None


def _spells(program: Program) -> dict[tuple[str, str], list[tuple[str, int, int]]]:
    never = _dt.date.max.toordinal() + 1
    return {
        (cluster.id, group.id): [
            (s.member_id, s.joined.toordinal(), never if s.left is None else s.left.toordinal())
            for s in group.memberships
        ]
        for cluster in program.clusters
        for group in cluster.groups
    }


def cluster_logs(program: Program, clusters: Iterable[str] | None = None) -> dict[str, ClusterLog]:
    """Each cluster's log (of ``clusters``, default all), read in one pass over the columns."""
    wanted = None if clusters is None else set(clusters)
    columns = program.fieldwork.visits.columns()
    spells = _spells(program)
    days = columns.days
    found: dict[str, ClusterLog] = {}
    for cluster_id, day in zip(columns.cluster_ids, days, strict=True):
        if wanted is None or cluster_id in wanted:
            log = found.get(cluster_id)
            if log is None:
                log = found[cluster_id] = ClusterLog([], {}, {})
            log.days.append(day)
    reached: dict[int, set[str]] = {}
    for row, kind, subject in zip(
        columns.subject_visit, columns.subject_kind, columns.subject_ids, strict=True
    ):
        cluster_id = columns.cluster_ids[row]
        if wanted is not None and cluster_id not in wanted:
            continue
        day = days[row]
        seen = reached.setdefault(row, set())
        if kind == GROUP:
            found[cluster_id].groups.setdefault(subject, []).append(day)
            spelled = spells.get((cluster_id, subject), ())
            seen.update(m for m, joined, left in spelled if joined <= day < left)
        else:
            seen.add(subject)
    for row, members in reached.items():
        of_member = found[columns.cluster_ids[row]].members
        for member in members:
            of_member.setdefault(member, []).append(days[row])
    for log in found.values():
        log.days.sort()
        for listed in (*log.members.values(), *log.groups.values()):
            listed.sort()
    return found


def _existing_groups(frame: UnitFrame) -> tuple[str, ...]:
    on = frame.round.on
    return tuple(
        g.id
        for g in frame.cluster.groups
        if g.formed <= on and (g.dissolved is None or on < g.dissolved)
    )


def _last(days: Sequence[int], on: int) -> int | None:
    return days[k - 1] if (k := bisect_right(days, on)) else None


def python_values(frame: UnitFrame, log: ClusterLog | None) -> MentoringValues:
    """The frame's mentoring values the exact pure-Python way (``log``: the cluster's, or none)."""
    members = frame.active_members()
    groups = _existing_groups(frame)
    if log is None:
        return MentoringValues(False, members, [], [], groups, [], None)
    on = frame.round.on.toordinal()
    since = on - WINDOW_DAYS
    empty: list[int] = []
    visits, last = [], []
    for member in members:
        days = log.members.get(member, empty)
        k = bisect_right(days, on)
        visits.append(k - bisect_right(days, since))
        last.append(days[k - 1] if k else None)
    group_last = [_last(log.groups.get(g, empty), on) for g in groups]
    return MentoringValues(True, members, visits, last, groups, group_last, _last(log.days, on))


def mentoring_values(frame: UnitFrame) -> MentoringValues:
    """The frame's mentoring values: computed once (or primed by the polars backend)."""
    found: MentoringValues | None = frame.cache.get(_CACHE)
    if found is None:
        logs = frame.shared.get("mentoring_logs")
        if logs is None:  # one frame (a readiness lookup): read its cluster's visits only
            cid = frame.cluster.id
            logs = frame.shared["mentoring_logs"] = cluster_logs(frame.observations.program, [cid])
        found = frame.cache[_CACHE] = python_values(frame, logs.get(frame.cluster.id))
    return found


def prime(frames: Iterable[UnitFrame], program: Program) -> None:
    """Read the whole log once for a report's frames (the Python way: one pass, all clusters)."""
    frames = list(frames)
    if any("assignments" not in f.shared for f in frames):  # caseloads: by cluster, once
        by_cluster: dict[str, list[Any]] = {}
        for a in program.fieldwork.assignments:
            by_cluster.setdefault(a.cluster_id, []).append(a)
        for f in frames:
            f.shared.setdefault("assignments", by_cluster.get(f.cluster.id, []))
    listed = [f for f in frames if _CACHE not in f.cache and "mentoring_logs" not in f.shared]
    if not listed:  # primed by the polars backend, or already read
        return
    logs = cluster_logs(program)
    for frame in listed:
        frame.shared["mentoring_logs"] = logs


def unavailable(frame: UnitFrame) -> NotAvailable | None:
    """Why a frame has no mentoring figures (no visit of its cluster logged), else ``None``."""
    if mentoring_values(frame).logged:
        return None
    cid = frame.cluster.id
    en, id_ = "no mentoring visits are logged", "tidak ada kunjungan pendampingan yang tercatat"
    return bilingual(f"{en} for cluster {cid!r}", f"{id_} untuk klaster {cid!r}")


def months_between(start: _dt.date, end: _dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (5 Sep to 4 Mar: 5; to 5 Mar: 6)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


# -- the indicators' items ----------------------------------------------------------------------


def _visits(frame: UnitFrame) -> Items:
    v = mentoring_values(frame)
    if not v.logged:
        return v.members, [(None, None)] * len(v.members)
    twelve = Decimal(WINDOW_MONTHS)
    return v.members, [(Decimal(k), twelve) for k in v.visits]


def _days_since(frame: UnitFrame) -> Items:
    v = mentoring_values(frame)
    on = frame.round.on.toordinal()
    if not v.logged:
        return v.members, [(None,)] * len(v.members)
    return v.members, [(None if d is None else Decimal(on - d),) for d in v.last]


def _recent(on: int, units: tuple[str, ...], days: list[int | None], logged: bool) -> Items:
    if not logged:
        return units, [(None,)] * len(units)
    return units, [(d is not None and on - d < RECENT_DAYS,) for d in days]


def _members_recent(frame: UnitFrame) -> Items:
    v = mentoring_values(frame)
    return _recent(frame.round.on.toordinal(), v.members, v.last, v.logged)


def _groups_recent(frame: UnitFrame) -> Items:
    v = mentoring_values(frame)
    return _recent(frame.round.on.toordinal(), v.groups, v.group_last, v.logged)


def _months_since(frame: UnitFrame) -> Items:
    v = mentoring_values(frame)
    last = v.cluster_last
    if last is None:
        return (frame.cluster.id,), [(None,)]
    return (frame.cluster.id,), [
        (Decimal(months_between(_dt.date.fromordinal(last), frame.round.on)),)
    ]


def _assignments(frame: UnitFrame) -> list[Any]:
    """The cluster's assignments (read once: a report's ``prime`` files them by cluster)."""
    if "assignments" not in frame.shared:
        every = frame.observations.program.fieldwork.assignments
        frame.shared["assignments"] = [a for a in every if a.cluster_id == frame.cluster.id]
    return cast("list[Any]", frame.shared["assignments"])


def caseload_totals(frame: UnitFrame) -> tuple[int, int]:
    """Caseload members of the facilitators assigned on the date (added up), and how many."""
    cached: tuple[int, int] | None = frame.cache.get("caseload")
    if cached is not None:
        return cached
    cluster, on = frame.cluster, frame.round.on
    people: dict[str, set[str]] = {}
    for a in _assignments(frame):
        if a.covers(on):
            cared = people.setdefault(a.person_id, set())
            for group_id in cluster.groups.ids() if a.whole_cluster else a.group_ids:
                cared.update(cluster.groups[group_id].member_ids(on))
            if a.whole_cluster:
                cared.update(frame.active_members())
            cared.update(m for m in a.member_ids if m in cluster.members)
    found = frame.cache["caseload"] = (sum(map(len, people.values())), len(people))
    return found


def _caseload(frame: UnitFrame) -> Items:
    total, people = caseload_totals(frame)
    item = (None, None) if not people else (Decimal(total), Decimal(people))
    return (frame.cluster.id,), [item]


def _caseload_na(frame: UnitFrame) -> NotAvailable | None:
    cid, on = frame.cluster.id, frame.round.on
    if not _assignments(frame):
        en, id_ = "no facilitator assignments are recorded", "tidak ada penugasan pendamping"
        return bilingual(f"{en} for cluster {cid!r}", f"{id_} tercatat untuk klaster {cid!r}")
    if caseload_totals(frame)[1]:
        return None
    en, id_ = "no facilitator is assigned to", "tidak ada pendamping yang ditugaskan di"
    return bilingual(f"{en} cluster {cid!r} on {on}", f"{id_} klaster {cid!r} pada {on}")


def _indicator(
    code: str,
    name: Label,
    unit: str,
    level: Level,
    how: Aggregation,
    direction: Direction,
    items: Any,
    description: Label,
) -> CoreIndicator:
    kind = Kind.BOOLEAN if how is Aggregation.SHARE_MEETING else Kind.NUMBER
    why = _caseload_na if code == "members_per_facilitator" else unavailable
    return CoreIndicator(
        code, name, unit, level, how, direction, kind, items, description=description,
        unavailable=why,
    )  # fmt: skip


MENTORING_INDICATORS: tuple[CoreIndicator, ...] = (
    _indicator(
        "visits_per_member_month",
        Label("Kunjungan per mitra per bulan", "Visits per member per month"), "visits/month",
        Level.MEMBER, Aggregation.RATIO_OF_SUMS, Direction.HIGHER, _visits,
        Label(
            "Kunjungan pendampingan yang menjangkau mitra aktif (perorangan atau lewat kelompoknya "
            "pada hari kunjungan) dalam 365 hari sampai tanggal putaran, dibagi (mitra × 12).",
            "Mentoring visits reaching the members active on the round date (individually or "
            "through their group on the visit day) in the 365 days up to the round date, over "
            "(members × 12).",
        ),
    ),
    _indicator(
        "days_since_last_visit",
        Label("Hari sejak kunjungan terakhir", "Days since last visit"), "days",
        Level.MEMBER, Aggregation.MEAN, Direction.LOWER, _days_since,
        Label(
            "Rata-rata (mean) hari dari kunjungan terakhir sampai tanggal putaran, atas mitra "
            "aktif yang pernah dikunjungi; yang belum pernah dikunjungi dihitung sebagai hilang.",
            "Mean days from the last visit to the round date over the active members visited at "
            "least once; members never visited are counted as missing.",
        ),
    ),
    _indicator(
        "members_visited_90d",
        Label("Bagian mitra dikunjungi 90 hari terakhir", "Share of members visited, 90 days"),
        "ratio", Level.MEMBER, Aggregation.SHARE_MEETING, Direction.HIGHER, _members_recent,
        Label(
            "Mitra aktif yang dikunjungi pada tanggal putaran atau 89 hari sebelumnya.",
            "Active members visited on the round date or in the 89 days before it.",
        ),
    ),
    _indicator(
        "groups_visited_90d",
        Label("Bagian kelompok dikunjungi 90 hari terakhir", "Share of groups visited, 90 days"),
        "ratio", Level.GROUP, Aggregation.SHARE_MEETING, Direction.HIGHER, _groups_recent,
        Label(
            "Kelompok yang ada pada tanggal putaran dan dikunjungi (sebagai kelompok) pada tanggal "
            "itu atau 89 hari sebelumnya.",
            "Groups existing on the round date visited (as a group) on that date or in the 89 "
            "days before it.",
        ),
    ),
    _indicator(
        "months_since_mentoring_ended",
        Label("Bulan sejak pendampingan berakhir", "Months since mentoring ended"), "months",
        Level.CLUSTER, Aggregation.MEAN, Direction.HIGHER, _months_since,
        Label(
            "Bulan kalender penuh dari kunjungan terakhir di klaster sampai tanggal putaran "
            "(rata-rata antarklaster untuk total program).",
            "Whole calendar months from the cluster's last visit to the round date (the mean over "
            "clusters for a program total).",
        ),
    ),
    _indicator(
        "members_per_facilitator",
        Label("Mitra per pendamping", "Members per facilitator"), "members",
        Level.CLUSTER, Aggregation.RATIO_OF_SUMS, Direction.LOWER, _caseload,
        Label(
            "Jumlah mitra dalam beban dampingan (Fieldwork.caseload) pendamping yang ditugaskan di "
            "klaster pada tanggal putaran, dibagi jumlah pendamping itu.",
            "Members in the caseloads (Fieldwork.caseload) of the facilitators assigned to the "
            "cluster on the round date, over the number of those facilitators.",
        ),
    ),
)  # fmt: skip
"""The mentoring indicators (codes in :data:`MENTORING_CODES`)."""

MENTORING_CODES = tuple(i.code for i in MENTORING_INDICATORS)
