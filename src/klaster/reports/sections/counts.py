"""Counts: members, groups and cooperatives per cluster and sector on the report's date."""

from __future__ import annotations

from klaster.formatting import format_date
from klaster.label import Label
from klaster.model.records import field_of
from klaster.reports.context import ReportData
from klaster.reports.document import Column, Kind, Section, Table, Value

__all__ = ["build"]

TITLE = Label("Jumlah mitra, kelompok dan koperasi", "Members, groups and cooperatives")


def build(data: ReportData) -> Section:
    """One row per cluster and sector, and a total row."""
    on = data.made_on
    wanted = data.scope.sector
    rows: list[tuple[Value, ...]] = []
    totals = [0, 0, 0, 0]
    for cluster_id in data.clusters():
        cluster = data.program.clusters[cluster_id]
        # A field of every member and group at a time (a loader's columns if kept: none built).
        people = cluster.members
        dated = zip(field_of(people, "joined"), field_of(people, "left"), strict=True)
        sectors = field_of(people, "sector")
        here = [joined <= on and (left is None or on < left) for joined, left in dated]
        teams = cluster.groups
        standing = zip(field_of(teams, "sector"), field_of(teams, "dissolved"), strict=True)
        existing = [s for s, gone in standing if gone is None or gone > on]
        for sector in dict.fromkeys(s.sector for s in cluster.sectors):
            if wanted is not None and sector != wanted:
                continue
            members = sum(1 for s, now in zip(sectors, here, strict=True) if now and s == sector)
            registered = sum(1 for s in sectors if s == sector)
            groups = sum(1 for s in existing if s == sector)
            cooperatives = sum(1 for c in cluster.cooperatives if sector in c.sectors)
            counted = (registered, members, groups, cooperatives)
            totals = [a + b for a, b in zip(totals, counted, strict=True)]
            rows.append((cluster_id, sector, *counted))
    if not rows:
        return Section(
            "counts",
            TITLE,
            missing=Label("klaster ini belum punya sektor", "the clusters have no sector yet"),
        )
    rows.append((Label("Jumlah", "Total"), None, *totals))
    day_id, day_en = format_date(on, "id"), format_date(on, "en")
    table = Table(
        "counts",
        TITLE,
        [
            Column("cluster", Label("Klaster", "Cluster")),
            Column("sector", Label("Sektor", "Sector")),
            Column("registered", Label("Mitra terdaftar", "Members registered"), Kind.COUNT),
            Column("active", Label("Mitra aktif", "Members active"), Kind.COUNT),
            Column("groups", Label("Kelompok", "Groups"), Kind.COUNT),
            Column("cooperatives", Label("Koperasi", "Cooperatives"), Kind.COUNT),
        ],
        rows,
        notes=[
            Label(
                f"Per tanggal laporan ({day_id}): mitra aktif = belum keluar; kelompok "
                "yang belum bubar; koperasi yang melayani sektor itu (koperasi dengan beberapa "
                "sektor dihitung di tiap sektornya).",
                f"On the report's date ({day_en}): active members = not left; groups "
                "not dissolved; cooperatives serving the sector (one serving several sectors "
                "counts in each).",
            )
        ],
        total_rows=1,
    )
    return Section("counts", TITLE, [table])
