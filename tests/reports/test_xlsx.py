"""The XLSX renderer: sheet names, text that is never a formula, same bytes, missing extra."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile

import pytest
from openpyxl import load_workbook

from klaster.errors import KlasterError, ValidationError
from klaster.label import Label
from klaster.reports.document import Column, Report, Section, Table, Value
from klaster.reports.xlsx import render_xlsx, sheet_names


def _report(*tables: Table) -> Report:
    return Report(
        ("R", "R"), ("S", "S"), dt.date(2024, 1, 1), [Section("s", ("S", "S"), list(tables))]
    )


def _table(key: str, *values: Value) -> Table:
    return Table(key, ("T", "T"), [Column("v", ("v", "v"))], [(v,) for v in values])


class TestSheetNames:
    def test_long_keys_are_cut_and_kept_unique(self) -> None:
        long = "a" * 35
        report = _report(_table(long), _table(long + "b"), _table("isi"), _table("contents"))
        names = sheet_names(report, "en")
        assert all(len(n) <= 31 for n in names)
        assert len({n.lower() for n in names}) == len(names)
        assert names[:3] == ["Contents", "a" * 31, "a" * 29 + "~2"]
        assert names[4] == "contents~2"  # Excel compares names without case
        book = load_workbook(io.BytesIO(render_xlsx(report, "en")))
        assert book.sheetnames == names


class TestCells:
    def test_text_that_looks_like_a_formula_stays_text(self) -> None:
        report = _report(_table("t", '=HYPERLINK("x")', Label("=1+1", "=1+1")))
        data = render_xlsx(report, "en")
        assert b"<f>" not in _sheet_xml(data)
        sheet = load_workbook(io.BytesIO(data))["t"]
        assert sheet["A5"].value == '=HYPERLINK("x")'
        assert sheet["A5"].data_type == "s"
        assert sheet["A6"].data_type == "s"


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist() if "worksheets/sheet" in n)


class TestReproducible:
    def test_same_report_same_bytes(self, every_block: Report) -> None:
        assert render_xlsx(every_block, "id") == render_xlsx(every_block, "id")
        book = load_workbook(io.BytesIO(render_xlsx(every_block, "id")))
        assert book.properties.created == dt.datetime(2014, 2, 18)
        with zipfile.ZipFile(io.BytesIO(render_xlsx(every_block, "id"))) as archive:
            assert {i.date_time for i in archive.infolist()} == {(2014, 2, 18, 0, 0, 0)}


class TestLanguage:
    def test_an_unknown_language_is_refused(self, every_block: Report) -> None:
        with pytest.raises(ValidationError, match="unknown language 'fr'"):
            render_xlsx(every_block, "fr")  # type: ignore[arg-type]


class TestMissingExtra:
    def test_names_the_extra(self, monkeypatch: pytest.MonkeyPatch, every_block: Report) -> None:
        monkeypatch.setitem(sys.modules, "openpyxl", None)
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[reports\]'"):
            render_xlsx(every_block, "en")
