"""Activities and mentoring: what was planned and held per kind, and the participation figures."""

from __future__ import annotations

from klaster.label import Label
from klaster.measurement import ACTIVITY_CODES, MENTORING_CODES
from klaster.model.activity import ActivityStatus
from klaster.reports.context import ReportData
from klaster.reports.document import Block, Column, Kind, Section, Table, Value
from klaster.reports.sections.indicators import figure_table

__all__ = ["build"]

TITLE = Label("Kegiatan dan pendampingan", "Activities and mentoring")


def build(data: ReportData) -> Section:
    """Activities per kind and status (participants listed), then the participation figures."""
    fieldwork = data.program.fieldwork
    clusters = set(data.clusters())
    activities = [
        a
        for a in fieldwork.activities
        if (a.cluster_id in clusters or (a.cluster_id is None and data.scope.cluster is None))
        and (data.scope.sector is None or a.sector in (None, data.scope.sector))
    ]
    if not activities and not len(fieldwork.visits):
        return Section(
            "activities",
            TITLE,
            missing=Label(
                "tidak ada kegiatan atau kunjungan tercatat", "no activities or visits recorded"
            ),
        )
    blocks: list[Block] = []
    if activities:
        statuses = list(ActivityStatus)
        per_kind: dict[str, list[int]] = {}
        for activity in activities:
            counts = per_kind.setdefault(activity.kind, [0] * (len(statuses) + 1))
            counts[statuses.index(activity.status)] += 1
            if activity.status is ActivityStatus.HELD:
                counts[-1] += len(activity.participants) or (activity.headcount or 0)
        rows: list[tuple[Value, ...]] = [
            (kind, *counts) for kind, counts in sorted(per_kind.items())
        ]
        totals = [sum(c[i] for c in per_kind.values()) for i in range(len(statuses) + 1)]
        rows.append((Label("Jumlah", "Total"), *totals))
        columns = [Column("kind", Label("Jenis", "Kind"))]
        columns += [Column(s.value, s.label, Kind.COUNT) for s in statuses]
        columns.append(Column("participants", Label("Peserta", "Participants"), Kind.COUNT))
        blocks.append(
            Table(
                "activities",
                Label("Kegiatan per jenis", "Activities by kind"),
                columns,
                rows,
                notes=[
                    Label(
                        "Peserta = peserta tercatat kegiatan yang terlaksana (atau jumlah "
                        "hadir yang dilaporkan bila tidak didaftar satu per satu).",
                        "Participants = listed participants of the activities held (or the "
                        "reported headcount where they are not listed).",
                    )
                ],
                total_rows=1,
            )
        )
    if data.engine is not None:
        table = figure_table(
            data,
            "participation",
            Label("Partisipasi dan pendampingan", "Participation and mentoring"),
            [*ACTIVITY_CODES, *MENTORING_CODES],
        )
        if table is not None:
            blocks.append(table)
    return Section("activities", TITLE, blocks)
