"""The lifecycle timeline: each cluster's phases with their dates, planned vs actual milestones."""

from __future__ import annotations

from klaster.label import Label
from klaster.reports.context import ReportData
from klaster.reports.document import Block, Column, Kind, Section, Table, Value

__all__ = ["build"]

TITLE = Label("Tahapan klaster", "Lifecycle timeline")


def build(data: ReportData) -> Section:
    """Phases with start, end and days per cluster; the plans against the dates reached."""
    rows: list[tuple[Value, ...]] = []
    for cluster_id in data.clusters():
        cluster = data.program.clusters[cluster_id]
        for span in cluster.lifecycle.timeline():
            end = span.end or data.made_on
            days = max((end - span.start).days, 0)
            rows.append((cluster_id, span.phase.label, span.start, span.end, days))
    if not rows:
        return Section(
            "lifecycle",
            TITLE,
            missing=Label("belum ada riwayat tahapan", "no lifecycle history recorded yet"),
        )
    blocks: list[Block] = [
        Table(
            "lifecycle",
            TITLE,
            [
                Column("cluster", Label("Klaster", "Cluster")),
                Column("phase", Label("Tahap", "Phase")),
                Column("start", Label("Mulai", "Start"), Kind.DATE),
                Column("end", Label("Selesai", "End"), Kind.DATE),
                Column("days", Label("Hari", "Days"), Kind.COUNT),
            ],
            rows,
            notes=[
                Label(
                    "Tahap yang masih berjalan tidak punya tanggal selesai; harinya dihitung "
                    "sampai tanggal laporan.",
                    "A current phase has no end date; its days run to the report's date.",
                )
            ],
        )
    ]
    blocks.append(_plans(data))
    return Section("lifecycle", TITLE, blocks)


def _plans(data: ReportData) -> Block:
    statuses = [
        status
        for cluster_id in data.clusters()
        for status in data.program.fieldwork.planned_vs_actual(cluster_id)
    ]
    if data.scope.cluster is None:
        statuses += [s for s in data.program.fieldwork.planned_vs_actual() if s.cluster_id is None]
    statuses = list(dict.fromkeys(statuses))
    if not statuses:
        from klaster.reports.document import Paragraph

        return Paragraph(
            Label(
                "Rencana vs realisasi: tidak tersedia (tidak ada rencana tercatat di "
                "program.fieldwork.plans).",
                "Planned vs actual: not available (no plans recorded in program.fieldwork.plans).",
            )
        )
    rows: list[tuple[Value, ...]] = [
        (
            s.cluster_id or data.program.id,
            s.milestone,
            s.first_planned,
            s.planned,
            s.revisions,
            s.actual,
            None if s.actual is None else (s.actual - s.planned).days,
        )
        for s in sorted(statuses, key=lambda s: (s.planned, s.cluster_id or "", s.milestone))
    ]
    return Table(
        "plans",
        Label("Rencana vs realisasi", "Planned vs actual"),
        [
            Column("cluster", Label("Klaster", "Cluster")),
            Column("milestone", Label("Tonggak", "Milestone")),
            Column("first_planned", Label("Rencana awal", "First planned"), Kind.DATE),
            Column("planned", Label("Rencana terakhir", "Planned"), Kind.DATE),
            Column("revisions", Label("Revisi", "Revisions"), Kind.COUNT),
            Column("actual", Label("Realisasi", "Actual"), Kind.DATE),
            Column("delay", Label("Selisih (hari)", "Delay (days)"), Kind.NUMBER),
        ],
        rows,
        notes=[
            Label(
                "Selisih = realisasi − rencana terakhir; kosong bila belum tercapai.",
                "Delay = actual − latest plan; empty while not reached.",
            )
        ],
    )
