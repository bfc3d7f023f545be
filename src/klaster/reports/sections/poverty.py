"""Poverty: FGT P0–P2 per round with n, the CIBEST quadrants and their transitions."""

from __future__ import annotations

from klaster.errors import NotFoundError
from klaster.label import Label
from klaster.measurement.methods import Quadrant
from klaster.reports.context import ReportData
from klaster.reports.document import Block, Column, Kind, Section, Table, Value
from klaster.reports.sections.indicators import figure_table, no_observations

__all__ = ["build", "build_transitions"]

TITLE = Label("Kemiskinan (FGT) dan kuadran CIBEST", "Poverty (FGT) and CIBEST quadrants")
TRANSITIONS = Label("Perpindahan kuadran CIBEST", "CIBEST transitions")
FGT = ("poverty_headcount", "poverty_gap", "poverty_severity")
QUADRANTS = tuple(Quadrant)
CIBEST = (
    "cibest_welfare",
    "cibest_material_poverty",
    "cibest_spiritual_poverty",
    "cibest_absolute_poverty",
)


def build(data: ReportData) -> Section:
    """P0 (headcount), P1 (gap) and P2 (severity), then the CIBEST shares, per round with n."""
    if data.engine is None:
        return no_observations("poverty", TITLE)
    blocks: list[Block] = []
    fgt = figure_table(
        data,
        "fgt",
        Label("Indeks kemiskinan FGT", "FGT poverty indices"),
        FGT,
        [
            Label(
                "P0 = proporsi di bawah garis kemiskinan, P1 = kedalaman, P2 = keparahan "
                "(Foster–Greer–Thorbecke), pendapatan per kapita terhadap garis kemiskinan BPS "
                "kabupaten (atau provinsi) pada tanggal putaran.",
                "P0 = share below the poverty line, P1 = gap, P2 = severity "
                "(Foster–Greer–Thorbecke), per-capita income against the BPS kabupaten (else "
                "province) poverty line of the round's date.",
            )
        ],
    )
    cibest = figure_table(data, "cibest", Label("Kuadran CIBEST", "CIBEST quadrants"), CIBEST)
    blocks += [b for b in (fgt, cibest) if b is not None]
    if not blocks:
        return Section(
            "poverty",
            TITLE,
            missing=Label(
                "belum ada data pendapatan per putaran", "no income data in any round yet"
            ),
        )
    return Section("poverty", TITLE, blocks)


def build_transitions(data: ReportData) -> Section:
    """Members' moves between CIBEST quadrants from the first round to the last."""
    if data.engine is None:
        return no_observations("cibest", TRANSITIONS)
    rounds = data.rounds()
    if len(rounds) < 2:
        return Section(
            "cibest",
            TRANSITIONS,
            missing=Label(
                "perlu sedikitnya dua putaran survei", "at least two survey rounds are needed"
            ),
        )
    first, last = rounds[0][0], rounds[-1][0]
    cell = dict(data.scope.cell)
    try:
        table = data.engine.cibest_transitions(first, last, by=[tuple(cell)])
        found = table.transitions(**cell)
    except NotFoundError:
        return Section(
            "cibest",
            TRANSITIONS,
            missing=Label(
                f"tidak ada mitra yang ditempatkan di kuadran pada {first} dan {last} "
                "(perlu pendapatan, jumlah anggota keluarga dan lima butir spiritual)",
                f"no member placed in a quadrant at both {first} and {last} (a member needs "
                "an income, a household size and the five spiritual items)",
            ),
        )
    columns = [Column("before", Label(f"Kuadran {first}", f"Quadrant at {first}"))]
    columns += [Column(q.value, q.label, Kind.COUNT) for q in QUADRANTS]
    columns.append(Column("total", Label("Jumlah", "Total"), Kind.COUNT))
    rows: list[tuple[Value, ...]] = []
    for before in QUADRANTS:
        counts = [found.count(before, after) for after in QUADRANTS]
        rows.append((before.label, *counts, sum(counts)))
    totals = [sum(found.count(b, a) for b in QUADRANTS) for a in QUADRANTS]
    rows.append((Label("Jumlah", "Total"), *totals, found.paired))
    for code in ("cibest_welfare", "cibest_absolute_poverty"):
        data.define(code)
    notes = [
        Label(
            f"Baris: kuadran pada {first}; kolom: kuadran pada {last}. n = {found.paired} mitra "
            f"yang ditempatkan di kedua putaran ({found.only_a} hanya di {first}, "
            f"{found.only_b} hanya di {last}).",
            f"Rows: quadrant at {first}; columns: quadrant at {last}. n = {found.paired} "
            f"members placed in both rounds ({found.only_a} only at {first}, {found.only_b} "
            f"only at {last}).",
        )
    ]
    return Section(
        "cibest",
        TRANSITIONS,
        [Table("cibest_transitions", TRANSITIONS, columns, rows, notes=notes, total_rows=1)],
    )
