"""Answers given twice, rejects read back, bounded cells, confined repeat files, XLSX caps."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import ImportDataError, Store
from klaster.importing import ImportBatch, Rejection, parse_mapping, read_submissions
from klaster.importing._table import CsvTable
from klaster.importing.rejects import write_rejects
from klaster.observations.values import Observations

HEADER = ["hh/id_mitra", "hh/jumlah_art", "_uuid", "_submission_time", "meta/deprecatedID"]
MAPPING = """\
mapping_version = 1
form = "survey"
unit = "hh/id_mitra"
[round]
id = "btg-mon-2015"
kind = "monitoring"
on = 2015-03-02
cluster = "bantaeng"
[variables]
household_size = "hh/jumlah_art"
"""


def row(member: str, size: str, uuid: str, at: str = "", edits: str = "") -> dict[str, str]:
    return {
        "hh/id_mitra": member,
        "hh/jumlah_art": size,
        "_uuid": uuid,
        "_submission_time": at,
        "meta/deprecatedID": edits,
    }


def read(path: Path, observations: Observations, text: str = MAPPING, **kw: Any) -> ImportBatch:
    return read_submissions(
        path,
        parse_mapping(text, name="m.toml"),
        program=observations.program,
        observations=observations,
        **kw,
    )


class TestAnswersGivenTwice:
    def test_within_one_file(self, kobo: Any, observations: Observations) -> None:
        path = kobo.csv(
            [
                row("BTG-0001", "4", "a", "2015-03-02T10:00:00"),
                row("BTG-0001", "5", "b", "2015-03-03T10:00:00"),
            ],
            header=HEADER,
        )
        with pytest.raises(ImportDataError) as caught:
            read(path, observations)
        (problem,) = caught.value.problems
        assert "submission 'a' (row 2) and by 'b'" in problem
        batch = read(path, observations, on_conflict="replace")
        (block,) = batch.blocks
        assert (block.submissions, block.values["household_size"]) == (("b",), [5])
        assert batch.superseded == ("a",)

    def test_the_later_answer_set_aside_keeps_the_earlier_one_out_of_superseded(
        self, kobo: Any, observations: Observations
    ) -> None:
        # The later answer wins, then is set aside (a bad cell) under keep_valid: the earlier
        # one must go to the rejects too, not be recorded as imported without being written.
        path = kobo.csv(
            [
                row("BTG-0001", "4", "a", "2015-03-02T10:00:00"),
                row("BTG-0001", "-1", "b", "2015-03-03T10:00:00"),
                row("BTG-0002", "3", "c", "2015-03-02T10:00:00"),
            ],
            header=HEADER,
        )
        batch = read(path, observations, on_conflict="replace", keep_valid=True)
        assert batch.superseded == ()
        assert sorted(r.row for r in batch.rejected) == [2, 3]
        (earlier,) = [r for r in batch.rejected if r.row == 2]
        assert "left out for submission 'b' (row 3), which was set aside" in earlier.reasons[0]
        (block,) = batch.blocks
        assert block.submissions == ("c",)

    def test_an_edit_in_the_same_file(self, kobo: Any, observations: Observations) -> None:
        path = kobo.csv(
            [row("BTG-0001", "5", "new", edits="uuid:old"), row("BTG-0001", "4", "old")],
            header=HEADER,
        )
        batch = read(path, observations)  # refused by default, but an edit replaces
        (block,) = batch.blocks
        assert block.submissions == ("new",)
        assert batch.superseded == ("old",)

    # A time whose offset takes it past the last (or before the first) datetime in UTC raised a
    # raw OverflowError.
    @pytest.mark.parametrize(
        "at", ["yesterday", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"]
    )
    def test_bad_submission_time(self, kobo: Any, observations: Observations, at: str) -> None:
        path = kobo.csv([row("BTG-0001", "4", "a", at)], header=HEADER)
        with pytest.raises(ImportDataError, match="_submission_time': must be a date and time"):
            read(path, observations)

    def test_across_two_files(self, kobo: Any, observations: Observations, tmp_path: Path) -> None:
        store = Store.create(
            tmp_path / "p.klaster", observations.program, observations=observations
        )
        first = kobo.csv(
            [row("BTG-0001", "4", "a", "2015-03-02T10:00:00")], "one.csv", header=HEADER
        )
        later = kobo.csv(
            [row("BTG-0001", "5", "b", "2015-03-03T10:00:00")], "two.csv", header=HEADER
        )
        edit = kobo.csv(
            [row("BTG-0001", "6", "c", "2015-03-01T10:00:00", "uuid:b")], "three.csv", header=HEADER
        )

        def apply(path: Path, how: str = "refuse") -> Any:
            held = store.load_observations(program=observations.program)
            batch = read(path, held, known=store.known_submissions, on_conflict=how)
            return store.apply_import(batch, on_conflict=how)

        with store:
            assert apply(first).rows_added == 1
            with pytest.raises(ImportDataError) as caught:
                apply(later)
            assert "'a'" in caught.value.problems[0]
            assert "'b'" in caught.value.problems[0]
            replaced = apply(later, "replace")
            assert (replaced.replaced, replaced.rows_added) == (1, 1)
            assert apply(first, "replace").rows_added == 0  # known: skipped
            edited = apply(edit)  # an edit replaces what it edits, whatever its time
            assert (edited.replaced, edited.rows_added) == (1, 1)
            held = store.load_observations(program=observations.program)
            assert held.value("btg-mon-2015", "BTG-0001", "household_size") == 6
            for path in (first, later, edit):  # every file again: nothing changes, no conflict
                assert apply(path).rows_added == 0


CELL = st.text(max_size=12)


class TestRejectsRoundTrip:
    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(cells=st.lists(CELL, min_size=1, max_size=3))
    def test_any_text_reads_back_as_it_was(self, tmp_path: Path, cells: list[str]) -> None:
        names = [f"c{i}" for i in range(len(cells))]
        raw = dict(zip(names, cells, strict=True))
        path = tmp_path / "rejects.csv"
        write_rejects(ImportBatch("s.csv", rejected=[Rejection("s.csv", 2, ["why"], raw)]), path)
        with CsvTable(path, None, None) as table:
            assert table.header.names == ["_source", "_row", *names, "_reasons"]
            (chunk,) = list(table.chunks())
        assert chunk.rows == [["s.csv", "2", *cells, "why"]]

    def test_a_fixed_rejects_file_imports(self, kobo: Any, observations: Observations) -> None:
        path = kobo.csv([row("BTG-0001", "-3", "a"), row("BTG-0002", "4", "b")], header=HEADER)
        batch = read(path, observations, keep_valid=True)
        rejects = kobo.folder / "rejects.csv"
        write_rejects(batch, rejects)
        assert "'-3" in rejects.read_text(encoding="utf-8")
        # The field team fixes the household size; the rest of the row is imported as read.
        rejects.write_text(
            rejects.read_text(encoding="utf-8").replace("'-3", "3"), encoding="utf-8"
        )
        (block,) = read(rejects, observations).blocks
        assert (block.submissions, block.values["household_size"]) == (("a",), [3])


class TestBoundedCells:
    @pytest.mark.parametrize("cell", ["1E+999999", "1E+999999999", "-1E+999999999", "1E-999999999"])
    def test_huge_exponents_are_located_not_echoed(
        self, kobo: Any, observations: Observations, cell: str
    ) -> None:
        text = MAPPING.replace('household_size = "hh/jumlah_art"', "") + (
            '[variables.monthly_income]\ncolumn = "hh/jumlah_art"\nscale = "ribu"\n'
            '[variables.household_size]\ncolumn = "_submission_time"\n'
        )
        path = kobo.csv([row("BTG-0001", cell, "a", cell)], header=HEADER)
        with pytest.raises(ImportDataError) as caught:
            read(path, observations, text=text)
        problems = caught.value.problems
        assert any("row 2 column 'hh/jumlah_art'" in p for p in problems)
        assert any("row 2 column '_submission_time'" in p for p in problems)
        assert not any(cell in p for p in problems)


class TestRepeatFileConfined:
    @pytest.mark.parametrize("where", ["../outside.csv", "/etc/passwd", "link.csv"])
    def test_outside_the_export_folder(
        self, kobo: Any, observations: Observations, tmp_path: Path, where: str
    ) -> None:
        folder = tmp_path / "export"
        folder.mkdir()
        (tmp_path / "outside.csv").write_text("omzet;_parent_index\n1;1\n", encoding="utf-8")
        os.symlink(tmp_path / "outside.csv", folder / "link.csv")
        main = folder / "survey.csv"
        main.write_text(kobo.text([row("BTG-0001", "4", "a")], header=[*HEADER, "_index"]))
        text = MAPPING + (
            f'[[repeats]]\nname = "usaha"\nfile = "{where}"\n'
            '[repeats.variables.monthly_revenue]\ncolumn = "omzet"\naggregate = "sum"\n'
        )
        with pytest.raises(ImportDataError, match=r"repeats\[0\]\.file|usaha.*\.file") as caught:
            read(main, observations, text=text)
        assert "must be in the folder of survey.csv" in str(caught.value)


def _bomb(path: Path, sheet_xml_size: int, dimension: str = "A1:B2") -> None:
    """A minimal workbook whose sheet XML unpacks to ``sheet_xml_size`` bytes."""
    head = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>'
    )
    tail = "</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head.encode())
            filler = b" " * (1 << 20)
            left = sheet_xml_size - len(head) - len(tail)
            while left > 0:
                sheet.write(filler[: min(left, len(filler))])
                left -= len(filler)
            sheet.write(tail.encode())


class TestXlsxCaps:
    def test_a_small_file_that_unpacks_hugely(
        self, tmp_path: Path, observations: Observations
    ) -> None:
        path = tmp_path / "bomb.xlsx"
        _bomb(path, 300 * 1024 * 1024)
        assert path.stat().st_size < 1024 * 1024
        with pytest.raises(ImportDataError, match=r"bomb.xlsx: its sheets unpack to 300 MB, over"):
            read(path, observations)

    def test_the_limit_is_the_mappings(self, tmp_path: Path, observations: Observations) -> None:
        path = tmp_path / "big.xlsx"
        _bomb(path, 3 * 1024 * 1024)
        text = MAPPING + "[source]\nmax_unpacked_mb = 2\n"
        with pytest.raises(ImportDataError, match="over the limit of 2 MB"):
            read(path, observations, text=text)

    def test_declared_rows_over_the_limit(self, tmp_path: Path, observations: Observations) -> None:
        path = tmp_path / "rows.xlsx"
        _bomb(path, 1000, dimension="A1:K2000000")
        with pytest.raises(ImportDataError, match="declares 1,999,999 data rows"):
            read(path, observations)
        _bomb(path, 1000, dimension="A1:K200")
        with pytest.raises(ImportDataError, match=r"declares 199 data rows.*max_rows"):
            read(path, observations, text=MAPPING + "[source]\nmax_rows = 100\n")
