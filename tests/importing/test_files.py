"""Reading export files: CSV dialects, encodings, headers, XLSX, and malformed or huge files.

``kobo`` is the conftest's helper that writes small Kobo-like exports (typed ``Any``: a conftest
class cannot be imported).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from openpyxl import Workbook

from klaster import ImportDataError, Program
from klaster.importing import ImportBatch, ImportMapping, parse_mapping, read_submissions
from klaster.observations.values import Observations

KOBO = Path(__file__).resolve().parents[2] / "examples" / "data" / "kobo"


def read(
    path: Path, mapping: ImportMapping, program: Program, observations: Observations, **kw: Any
) -> ImportBatch:
    return read_submissions(path, mapping, program=program, observations=observations, **kw)


def failure(*args: Any, **kw: Any) -> ImportDataError:
    with pytest.raises(ImportDataError) as caught:
        read(*args, **kw)
    return caught.value


def values(batch: ImportBatch, code: str) -> list[Any]:
    (block,) = batch.blocks
    return list(block.values[code])


def xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for found in rows:
            sheet.append(found)
    book.save(path)
    return path


class TestCsvDialects:
    @pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
    def test_delimiter_detected(
        self,
        delimiter: str,
        kobo: Any,
        survey_mapping: ImportMapping,
        program: Program,
        observations: Observations,
    ) -> None:
        path = kobo.csv(kobo.members(3), delimiter=delimiter)
        batch = read(path, survey_mapping, program, observations)
        assert values(batch, "monthly_income") == [Decimal(1_500_000)] * 3

    @pytest.mark.parametrize("quoting", [csv.QUOTE_ALL, csv.QUOTE_MINIMAL])
    def test_quoting_and_line_breaks_in_cells(
        self,
        quoting: Literal[0, 1, 2, 3],
        kobo: Any,
        survey_mapping: ImportMapping,
        program: Program,
        observations: Observations,
    ) -> None:
        rows = kobo.members(3)
        rows[0]["start"] = 'a "quoted"; multi-line\nnote'
        batch = read(kobo.csv(rows, quoting=quoting), survey_mapping, program, observations)
        (block,) = batch.blocks
        assert block.rows == (2, 3, 4)  # rows as a spreadsheet shows them, not lines

    def test_bom_and_blank_lines(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        text = kobo.text(kobo.members(2)).replace("\r\n", "\r\n\r\n;;;;;;;;;;\r\n", 1)
        path = kobo.write("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
        (block,) = read(path, survey_mapping, program, observations).blocks
        assert block.unit_ids == ("BTG-0001", "BTG-0002")
        assert block.rows == (4, 5)

    def test_wrong_delimiter_hint(
        self, kobo: Any, survey_text: str, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(
            survey_text.replace("[round]", '[source]\ndelimiter = ","\n[round]')
        )
        err = failure(kobo.csv(kobo.members(2)), mapping, program, observations)
        assert "survey.csv: 8 mapped column(s) not found" in str(err)
        assert err.problems[-1] == (
            "survey.csv: the header is a single column containing ';': the file looks "
            "';'-separated; change [source] delimiter = ';' in the mapping (or leave it out to "
            "detect it)"
        )

    def test_decimal_comma(
        self, kobo: Any, survey_text: str, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(survey_text.replace("[round]", '[source]\ndecimal = ","\n[round]'))
        rows = kobo.members(2)
        rows[0]["hh/pendapatan"] = "1250,5"
        batch = read(kobo.csv(rows), mapping, program, observations)
        assert values(batch, "monthly_income") == [Decimal(1_250_500), Decimal(1_500_000)]


class TestEncoding:
    def test_non_utf8_byte_named_by_row_and_column(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        rows = kobo.members(40)
        rows[30]["start"] = "Pa'jukukang ORIGIN"
        data = kobo.text(rows).encode("utf-8").replace(b"ORIGIN", b"caf\xe9")
        err = failure(kobo.write("latin.csv", data), survey_mapping, program, observations)
        assert err.problems == (
            "latin.csv row 32 column 'start': not UTF-8 text (byte 0xE9); re-export the file as "
            "UTF-8",
        )

    def test_header_not_utf8(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        data = kobo.text(kobo.members(1)).encode().replace(b"start", b"st\xffrt", 1)
        err = failure(kobo.write("h.csv", data), survey_mapping, program, observations)
        assert "h.csv row 1: the header is not UTF-8 text" in str(err)

    def test_keep_valid_sets_the_row_aside(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        rows = kobo.members(3)
        rows[1]["start"] = "ORIGIN"
        data = kobo.text(rows).encode().replace(b"ORIGIN", b"\x80")
        batch = read(
            kobo.write("x.csv", data), survey_mapping, program, observations, keep_valid=True
        )
        (rejected,) = batch.rejected
        assert (rejected.row, rejected.raw["start"]) == (3, "\ufffd")
        assert batch.blocks[0].unit_ids == ("BTG-0001", "BTG-0003")


class TestColumns:
    @pytest.mark.parametrize(
        "spelling", ["hh-pendapatan", "hh.pendapatan", "HH/Pendapatan", "pendapatan"]
    )
    def test_group_paths_spelled_otherwise(
        self,
        spelling: str,
        kobo: Any,
        survey_mapping: ImportMapping,
        program: Program,
        observations: Observations,
    ) -> None:
        header = [spelling if h == "hh/pendapatan" else h for h in kobo.header]
        rows = [{spelling: r.pop("hh/pendapatan"), **r} for r in kobo.members(2)]
        path = kobo.write("s.csv", kobo.text(rows, header))
        assert (
            values(read(path, survey_mapping, program, observations), "monthly_income")[0]
            == 1_500_000
        )

    def test_missing_columns_listed_with_near_matches(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        header = ["hh/pendapatan_ribu" if h == "hh/pendapatan" else h for h in kobo.header]
        header = [h for h in header if h != "usaha/jalan"]
        err = failure(
            kobo.write("s.csv", kobo.text([], header)), survey_mapping, program, observations
        )
        assert err.problems == (
            "s.csv: column 'hh/pendapatan' (variables.monthly_income) is not in the file; similar: "
            "'hh/pendapatan_ribu'",
            "s.csv: column 'usaha/jalan' (variables.business_running) is not in the file",
        )

    def test_ambiguous_column(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        header = [*kobo.header, "lain/jumlah_art"]
        header[header.index("hh/jumlah_art")] = "jumlah_art"
        err = failure(
            kobo.write("s.csv", kobo.text([], header)), survey_mapping, program, observations
        )
        assert "matches several columns: 'jumlah_art', 'lain/jumlah_art'" in err.problems[0]


class TestMalformed:
    def test_ragged_row(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        text = kobo.text(kobo.members(2)).replace('"BTG-0002"', '"BTG-0002";"extra"')
        err = failure(kobo.write("r.csv", text), survey_mapping, program, observations)
        assert err.problems == (
            "r.csv row 3: has 12 cells but the header has 11 (a delimiter inside an unquoted "
            "cell, or a broken quote?)",
        )

    def test_unclosed_quote(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        text = kobo.text(kobo.members(2)) + '"x;' + "y" * 200_000 + "\r\n"
        err = failure(kobo.write("q.csv", text), survey_mapping, program, observations)
        assert "q.csv line 4: cannot read the CSV (field larger than field limit" in str(err)
        assert "unclosed quote" in str(err)

    @pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
    def test_empty(
        self,
        content: bytes,
        kobo: Any,
        survey_mapping: ImportMapping,
        program: Program,
        observations: Observations,
    ) -> None:
        err = failure(kobo.write("e.csv", content), survey_mapping, program, observations)
        assert str(err) == "e.csv: the file is empty (no header row)"

    def test_header_only_reads_nothing(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        batch = read(kobo.csv([]), survey_mapping, program, observations)
        assert (batch.blocks, batch.rounds, batch.rejected) == ((), (), ())

    def test_missing_file_and_old_xls(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        err = failure(kobo.folder / "none.csv", survey_mapping, program, observations)
        assert "none.csv: cannot read the file" in str(err)
        old = kobo.write("old.xls", b"\xd0\xcf\x11\xe0" + bytes(100))
        assert "old binary .xls" in str(failure(old, survey_mapping, program, observations))

    def test_size_limit(
        self, kobo: Any, survey_text: str, program: Program, observations: Observations
    ) -> None:
        path = kobo.csv(kobo.members(30))
        mapping = parse_mapping(survey_text.replace("[round]", "[source]\nmax_rows = 20\n[round]"))
        err = failure(path, mapping, program, observations)
        assert str(err).startswith("survey.csv: more than 20 data rows (the limit max_rows)")
        assert len(read(path, mapping, program, observations, max_rows=30).blocks[0]) == 30
        with pytest.raises(ImportDataError, match="max_rows must be a whole number"):
            read(path, mapping, program, observations, max_rows=0)


class TestXlsx:
    def test_typed_cells(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        rows: list[list[Any]] = [
            [
                dt.datetime(2015, 3, 2, 9, 0),
                "BTG-0001",
                1500,
                4.0,
                "ya",
                2,
                900000,
                600000.5,
                1,
                "u1",
                1,
            ],
            [None, "BTG-0002", None, 3, "tidak", 0, 0, 0, 2, "u2", 2],
        ]
        sheet: list[list[Any]] = [kobo.header, rows[0], [], rows[1]]
        path = xlsx(kobo.folder / "s.xlsx", {"data": sheet})
        (block,) = read(path, survey_mapping, program, observations).blocks
        assert block.rows == (2, 4)
        assert block.source == "s.xlsx:data"
        assert list(block.values["monthly_income"]) == [Decimal(1_500_000), None]
        assert list(block.values["household_size"]) == [4, 3]
        assert list(block.values["monthly_costs"]) == [Decimal("600000.5"), Decimal(0)]

    def test_formula_cell_named_by_sheet_and_cell(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        row = ["", "BTG-0001", "=1000+500", 4, "ya", 2, 900000, 600000, 1, "u1", 1]
        path = xlsx(kobo.folder / "f.xlsx", {"data": [kobo.header, row]})
        err = failure(path, survey_mapping, program, observations)
        assert err.problems == (
            "f.xlsx:data row 2 column 'hh/pendapatan': cell C2 holds a formula; export values, "
            "not formulas (download the export again, or paste as values)",
        )

    def test_sheet_choice(
        self, kobo: Any, survey_text: str, program: Program, observations: Observations
    ) -> None:
        row = ["", "BTG-0001", 1500, 4, "ya", 2, 900000, 600000, 1, "u1", 1]
        path = xlsx(kobo.folder / "s.xlsx", {"notes": [["x"]], "data": [kobo.header, row]})
        mapping = parse_mapping(survey_text.replace("[round]", '[source]\nsheet = "data"\n[round]'))
        assert len(read(path, mapping, program, observations).blocks[0]) == 1
        wrong = parse_mapping(survey_text.replace("[round]", '[source]\nsheet = "dat"\n[round]'))
        err = failure(path, wrong, program, observations)
        assert str(err) == "s.xlsx: no sheet 'dat'; the sheets are 'notes', 'data'"

    def test_damaged_workbook(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        path = kobo.write("d.xlsx", b"PK\x03\x04" + b"\x00" * 200)
        err = failure(path, survey_mapping, program, observations)
        assert str(err).startswith("d.xlsx: not a readable XLSX file")

    def test_empty_sheet(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program, observations: Observations
    ) -> None:
        path = xlsx(kobo.folder / "e.xlsx", {"data": []})
        assert "the sheet is empty" in str(failure(path, survey_mapping, program, observations))

    def test_without_openpyxl(
        self,
        kobo: Any,
        survey_mapping: ImportMapping,
        program: Program,
        observations: Observations,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        path = kobo.write("s.xlsx", (KOBO / "monitoring_2015.xlsx").read_bytes())
        monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if the extra were not installed
        err = failure(path, survey_mapping, program, observations)
        assert str(err) == (
            "s.xlsx: reading XLSX needs openpyxl: pip install 'klaster[xlsx]' (or export the "
            "form as CSV)"
        )
