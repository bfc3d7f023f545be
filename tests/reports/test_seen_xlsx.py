"""The XLSX as a person opens it: reopened with openpyxl, numbers are numbers, formats are real."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from klaster.formatting import LANGUAGES, Lang, format_not_available
from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports import write_report
from klaster.reports.document import Column, Kind, Report, Section, Table
from klaster.reports.xlsx import number_format, render_xlsx

_HEADER = 4


def _open(report: Report, lang: Lang) -> Any:
    return load_workbook(io.BytesIO(render_xlsx(report, lang)))


class TestReopenedWorkbook:
    def test_one_sheet_per_table_after_the_contents(self, every_block: Report) -> None:
        pairs: tuple[tuple[Lang, str], ...] = (("id", "Isi"), ("en", "Contents"))
        for lang, contents in pairs:
            book = _open(every_block, lang)
            keys = [t.key[:31] for t in every_block.tables()]
            assert book.sheetnames[0] == contents
            assert book.sheetnames[1:-1] == keys
            assert book.sheetnames[-1] in ("Definisi", "Definitions")

    def test_every_cell_holds_the_reports_value(self, every_block: Report) -> None:
        for lang in LANGUAGES:
            book = _open(every_block, lang)
            for table in every_block.tables():
                _check_sheet(book[table.key], table, lang)

    def test_headings_bold_frozen_and_titled(self, every_block: Report) -> None:
        sheet = _open(every_block, "en")["indicators"]
        assert sheet["A1"].value == "Indicators by sector"
        assert sheet.freeze_panes == "A5"
        assert all(sheet.cell(_HEADER, c).font.b for c in range(1, 7))
        assert sheet.cell(_HEADER, 3).value == "Income per capita"
        assert sheet.cell(_HEADER + 3, 2).font.b  # the total row
        assert sheet.cell(_HEADER + 5, 1).value == "n = members observed"
        assert sheet.column_dimensions["C"].width > sheet.column_dimensions["B"].width
        assert sheet.auto_filter.ref == "A4:F6"  # the body, not the total row
        assert sheet.print_title_rows == "$4:$4"
        assert sheet.page_setup.orientation == "landscape"

    def test_contents_sheet_names_missing_sections(self, every_block: Report) -> None:
        sheet = _open(every_block, "en")["Contents"]
        values = [c.value for row in sheet.iter_rows() for c in row if c.value]
        assert values[:3] == [
            "Klaster Mandiri report",
            "Bantaeng program",
            "Made on: February 18, 2014",
        ]
        assert "not available (no handover recorded)" in values
        link = next(c for row in sheet.iter_rows() for c in row if c.value == "indicators")
        assert link.hyperlink.location == "'indicators'!A1" or "indicators" in str(
            link.hyperlink.target
        )

    def test_chart_sheets_carry_an_excel_chart(self, every_block: Report) -> None:
        book = _open(every_block, "en")
        assert len(book["income_by_sector_data"]._charts) == 1
        assert book["indicators"]._charts == []

    def test_an_indicator_rows_own_format(self, every_block: Report) -> None:
        sheet = _open(every_block, "id")["by_indicator"]
        assert [sheet.cell(r, 2).number_format for r in (5, 6, 7)] == [
            "0.0%",
            '"Rp" #,##0',
            "#,##0.00",
        ]

    def test_excel_chart_reads_hidden_numbers_with_gaps(self, every_block: Report) -> None:
        sheet = _open(every_block, "en")["income_by_sector_data"]
        assert sheet["B6"].value == "not available (no data)"  # the table a person reads
        assert sheet.column_dimensions["E"].hidden
        assert sheet["E5"].value == 282809
        assert sheet["E6"].value is None  # a gap in the chart, not a zero
        assert sheet["F6"].value == 390000
        with zipfile.ZipFile(io.BytesIO(render_xlsx(every_block, "en"))) as archive:
            chart = archive.read("xl/charts/chart1.xml")
        assert b'<plotVisOnly val="0"/>' in chart  # hidden columns are still plotted
        assert b"'income_by_sector_data'!$E$5:$E$6" in chart

    def test_definitions_sheet(self, every_block: Report) -> None:
        sheet = _open(every_block, "id")["Definisi"]
        assert sheet.cell(_HEADER + 1, 1).value == "income_per_capita"
        assert sheet.cell(_HEADER + 1, 2).value == "Pendapatan per kapita"


class TestBantaengWorkbook:
    def test_written_reopened_and_every_number_checked(
        self, bantaeng_report: Report, tmp_path: Path
    ) -> None:
        for lang in LANGUAGES:
            path = write_report(bantaeng_report, tmp_path / f"bantaeng-{lang}.xlsx", lang=lang)
            book = load_workbook(path)
            tables = bantaeng_report.tables()
            assert book.sheetnames[1 : len(tables) + 1] == [t.key[:31] for t in tables]
            numbers = 0
            for table in tables:
                _check_sheet(book[table.key], table, lang)
                numbers += sum(isinstance(v, Decimal | int) for row in table.rows for v in row)
            assert numbers > 50


def _check_sheet(sheet: Any, table: Table, lang: Lang) -> None:
    assert [sheet.cell(_HEADER, c + 1).value for c in range(len(table.columns))] == [
        c.label.get(lang) for c in table.columns
    ]
    for r, row in enumerate(table.rows):
        for c, value in enumerate(row):
            column = table.column_at(r, c)
            cell = sheet.cell(_HEADER + 1 + r, c + 1)
            where = f"{table.key} row {r} column {column.key}"
            if isinstance(value, NotAvailable):
                assert cell.value == format_not_available(value.reason_in(lang), lang), where
                assert cell.comment is not None, where
                assert value.reason_in(lang) in cell.comment.text, where
            elif isinstance(value, dt.date):
                assert cell.is_date, where
                assert cell.value.date() == value, where
                assert cell.number_format == number_format(Column("d", ("d", "d"), Kind.DATE), lang)
            elif isinstance(value, Decimal | int):
                assert cell.data_type == "n", where
                assert isinstance(cell.value, int | float), where
                assert math.isclose(cell.value, float(value), rel_tol=1e-14), where
                assert cell.number_format == number_format(column, lang), where
            elif isinstance(value, Label):
                assert cell.value == value.get(lang), where
            elif isinstance(value, str):
                assert cell.value == value, where
            else:
                assert cell.value is None, where


class TestNumberFormats:
    def test_formats_by_kind(self) -> None:
        def fmt(kind: Kind, digits: int = 0, lang: Lang = "id") -> str:
            return number_format(Column("x", ("x", "x"), kind, digits), lang)

        assert fmt(Kind.COUNT) == "#,##0"
        assert fmt(Kind.NUMBER, 1) == "#,##0.0"
        assert fmt(Kind.NUMBER, 3) == "#,##0.000"
        assert fmt(Kind.PERCENT, 1) == "0.0%"
        assert fmt(Kind.PERCENT) == "0%"
        assert fmt(Kind.MONEY) == '"Rp" #,##0'
        assert fmt(Kind.MONEY, lang="en") == '"IDR" #,##0'
        assert fmt(Kind.DATE) == "[$-421]d mmmm yyyy"
        assert fmt(Kind.DATE, lang="en") == "[$-409]mmmm d, yyyy"
        assert fmt(Kind.TEXT) == "General"


def _one_table(values: list[Decimal], kind: Kind) -> Report:
    table = Table("t", ("T", "T"), [Column("v", ("v", "v"), kind, 2)], [(v,) for v in values])
    return Report(("R", "R"), ("S", "S"), dt.date(2024, 1, 1), [Section("s", ("S", "S"), [table])])


class TestNumbersSurvive:
    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.decimals(
                allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15
            ),
            min_size=1,
            max_size=5,
        ),
        st.sampled_from([Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.COUNT]),
    )
    def test_reopened_value_is_the_figure_to_15_digits(
        self, values: list[Decimal], kind: Kind
    ) -> None:
        sheet = _open(_one_table(values, kind), "en")["t"]
        for index, value in enumerate(values):
            cell = sheet.cell(_HEADER + 1 + index, 1)
            expected = Context(prec=15).plus(value)
            assert cell.data_type == "n"
            assert math.isclose(cell.value, float(expected), rel_tol=1e-15, abs_tol=1e-300)
