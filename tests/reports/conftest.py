"""Shared fixtures for the report tests: a hand-built report with every kind of block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports.document import (
    Chart,
    ChartKind,
    Column,
    Definition,
    Kind,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
    Value,
)


def every_block_report() -> Report:
    """A report with paragraphs, a table of every column kind, bar and line charts with gaps,
    a total row, a section with no data and the definitions appendix."""
    columns = [
        Column("sector", Label("Sektor", "Sector")),
        Column("n", Label("n", "n"), Kind.COUNT),
        Column("income", Label("Pendapatan per kapita", "Income per capita"), Kind.MONEY),
        Column("ratio", Label("Rasio", "Ratio"), Kind.NUMBER, 2),
        Column("p0", Label("Kemiskinan (P0)", "Poverty (P0)"), Kind.PERCENT, 1),
        Column("since", Label("Sejak", "Since"), Kind.DATE),
    ]
    rows: list[tuple[Value, ...]] = [
        (
            Label("Peternakan", "Livestock"),
            1234,
            Decimal("282809.4"),
            Decimal("1.2345678901234567890123456789"),
            Decimal("0.3101"),
            dt.date(2014, 2, 18),
        ),
        (
            Label("Pertanian", "Farming"),
            188,
            Decimal("1700000000"),
            NotAvailable("no baseline round"),
            Decimal("0.125"),
            dt.date(2015, 7, 1),
        ),
        (Label("Jumlah", "Total"), 1422, Decimal("1700282809"), None, Decimal("0.29"), None),
    ]
    table = Table(
        "indicators",
        Label("Indikator per sektor", "Indicators by sector"),
        columns,
        rows,
        notes=[Label("n = anggota yang diamati", "n = members observed")],
        total_rows=1,
    )
    # An indicator table: one NUMBER column whose rows each have their own unit.
    per_row = Table(
        "by_indicator",
        Label("Per indikator", "By indicator"),
        [
            Column("indicator", Label("Indikator", "Indicator")),
            Column("value", Label("Nilai", "Value"), Kind.NUMBER, 2),
        ],
        [
            (Label("Kemiskinan", "Poverty"), Decimal("0.193")),
            (Label("Pendapatan", "Income"), Decimal("428906.2")),
            (Label("Rasio", "Ratio"), Decimal("1.5")),
        ],
        formats=[(Kind.PERCENT, 1), (Kind.MONEY, 0), None],
    )
    bar = Chart(
        "income_by_sector",
        Label("Pendapatan: awal → akhir", "Income: baseline → endline"),
        ChartKind.BAR,
        [Label("Peternakan", "Livestock"), Label("Pertanian", "Farming")],
        [
            Series(Label("Awal", "Baseline"), [Decimal("282809"), None]),
            Series(Label("Akhir", "Endline"), [Decimal("412500"), Decimal("390000")]),
        ],
        Kind.MONEY,
    )
    line = Chart(
        "poverty_by_round",
        Label("Kemiskinan per putaran", "Poverty by round"),
        ChartKind.LINE,
        [Label("Awal", "Baseline"), Label("Pemantauan", "Monitoring"), Label("Akhir", "Endline")],
        [Series(Label("P0", "P0"), [Decimal("0.31"), None, Decimal("0.12")])],
        Kind.PERCENT,
        alt=Label("Kemiskinan turun dari 31% ke 12%.", "Poverty fell from 31% to 12%."),
    )
    return Report(
        Label("Laporan Klaster Mandiri", "Klaster Mandiri report"),
        Label("Program Bantaeng", "Bantaeng program"),
        dt.date(2014, 2, 18),
        [
            Section(
                "summary",
                Label("Ringkasan", "Summary"),
                [Paragraph(Label("Penguatan kelompok berjalan.", "Group strengthening runs."))],
            ),
            Section("indicators", Label("Indikator", "Indicators"), [table, per_row, bar, line]),
            Section(
                "handover",
                Label("Serah terima aset", "Asset handover"),
                missing=Label("belum ada serah terima", "no handover recorded"),
            ),
        ],
        [
            Definition(
                "income_per_capita",
                Label("Pendapatan per kapita", "Income per capita"),
                Label("Pendapatan rumah tangga dibagi jumlah anggota.", "Household income / size."),
            )
        ],
    )


@pytest.fixture
def every_block() -> Report:
    """The hand-built report with every kind of block (see :func:`every_block_report`)."""
    return every_block_report()


@pytest.fixture(scope="session")
def bantaeng_report() -> Report:
    """The bundled Bantaeng program's report, made on a fixed date (built once per run)."""
    import klaster.examples
    from klaster.reports import build_report

    program, observations = klaster.examples.bantaeng()
    return build_report(program, observations, made_on=dt.date(2014, 2, 18))
