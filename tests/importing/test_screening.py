"""Screening forms: applicants with their answers, checked like applicants added by hand."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import klaster
from klaster import ImportDataError, Program
from klaster.importing import FormKind, load_mapping, parse_mapping, read_submissions
from klaster.targeting import screening_catalogue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KOBO = EXAMPLES / "data" / "kobo"
CATALOGUE = screening_catalogue()
NAME, NIK, PHONE, INCOME = "Sitti Daeng Bau", "7303012345678901", "+62 812 3456 7890", "1234"
SECRETS = (NAME, NIK, PHONE, INCOME, "1234000")

MAPPING = """\
mapping_version = 1
form = "screening"
[cluster]
id = "bantaeng"
[fields]
id = "id"
name = "nama"
sex = "jk"
household_size = "art"
village = "desa"
sector = "sektor"
applied_on = "tgl"
national_id = "nik"
phone = "hp"
[variables.monthly_income]
column = "pendapatan"
scale = "ribu"
[variables.asnaf]
column = "asnaf"
[variables.has_animal_space]
column = "kandang"
values = { ya = true, tidak = false }
"""
HEADER = ["id", "nama", "jk", "art", "desa", "sektor", "tgl", "nik", "hp", "pendapatan",
          "asnaf", "kandang", "_uuid"]  # fmt: skip


def person(number: int, **cells: str) -> dict[str, str]:
    found = {
        "id": f"APL-{number:04d}", "nama": NAME, "jk": "P", "art": "4", "desa": "Letta",
        "sektor": "umkm", "tgl": "2011-04-11", "nik": NIK, "hp": PHONE, "pendapatan": INCOME,
        "asnaf": "miskin", "kandang": "", "_uuid": f"s{number}",
    }  # fmt: skip
    found.update(cells)
    return found


def write(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, HEADER, delimiter=";")
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture
def program() -> Program:
    return klaster.load(EXAMPLES / "data" / "bantaeng_intake.json")


def read(path: Path, program: Program, **kw: Any) -> Any:
    mapping = parse_mapping(MAPPING, variables=CATALOGUE)
    return read_submissions(path, mapping, program=program, variables=CATALOGUE, **kw)


def _cells(content: bytes) -> list[tuple[object, ...]]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [row for name in book.sheetnames for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def private(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


class TestExample:
    def test_csv_and_xlsx_give_the_same_forty_applicants(self, program: Program) -> None:
        mapping = load_mapping(KOBO / "screening.toml", variables=CATALOGUE)
        assert mapping.form is FormKind.SCREENING
        batches = [
            read_submissions(KOBO / name, mapping, program=program, variables=CATALOGUE)
            for name in ("screening.csv", "screening.xlsx")
        ]
        assert [a.applicant for a in batches[0].applicants] == [
            a.applicant for a in batches[1].applicants
        ]
        applicants = [a.applicant for a in batches[0].applicants]
        assert len(applicants) == 40
        assert {a.sector for a in applicants} == {"umkm", "farming", "livestock"}
        first = applicants[0]
        assert first.answer("monthly_income") == Decimal("1450000")  # ribu x 1000
        assert first.answer("house_floor") == "wood"
        livestock = [a for a in applicants if a.sector == "livestock"]
        assert all(isinstance(a.answer("has_animal_space"), bool) for a in livestock)
        assert all(a.answer("has_animal_space") is None for a in applicants if a not in livestock)

    def test_the_builder_makes_the_bundled_files(self) -> None:
        import importlib.util
        import sys

        sys.path.insert(0, str(EXAMPLES))
        try:
            spec = importlib.util.spec_from_file_location(
                "build_screening", EXAMPLES / "build_screening.py"
            )
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(EXAMPLES))
        for path, content in module.build().items():
            if path.suffix == ".xlsx":  # zip bytes depend on the openpyxl version: the cells
                assert _cells(content) == _cells(path.read_bytes())
            else:
                assert path.read_bytes() == content, path.name


class TestRows:
    def test_answers_are_typed(self, tmp_path: Path, program: Program) -> None:
        batch = read(write(tmp_path / "s.csv", person(1), person(2, sektor="livestock",
                     desa="Baruga", kandang="ya")), program)  # fmt: skip
        one, two = (a.applicant for a in batch.applicants)
        assert one.answer_map == {"monthly_income": Decimal("1234000"), "asnaf": "miskin"}
        assert two.answer("has_animal_space") is True
        assert one.applied_on == dt.date(2011, 4, 11)
        assert one.cluster_id == "bantaeng"

    def test_outside_the_sector_area_is_accepted(self, tmp_path: Path, program: Program) -> None:
        # An applicant may live outside its sector's area: enrolment applies the area rule.
        batch = read(write(tmp_path / "s.csv", person(1, sektor="farming", desa="Letta")), program)
        assert batch.applicants[0].applicant.village == "Letta"

    @pytest.mark.parametrize(
        ("cells", "column", "fragment"),
        [
            ({"desa": "Bacem"}, "desa", "not a desa"),
            ({"sektor": "fishing"}, "sektor", "unknown sector"),
            ({"pendapatan": "banyak"}, "pendapatan", "monthly_income must be a number"),
            ({"pendapatan": "-5"}, "pendapatan", "the answer is not shown"),
            ({"asnaf": "kaya"}, "asnaf", "asnaf must be one of"),
            ({"kandang": "mungkin"}, "kandang", "yes or no"),
            ({"nik": "12345"}, "nik", "16 digits"),
            ({"art": "0"}, "art", "at least 1"),
            ({"tgl": "kemarin"}, "tgl", "date"),
            ({"_uuid": ""}, "_uuid", "no submission ID"),
        ],
    )
    def test_bad_rows_are_located_private_and_refuse_the_file(
        self, tmp_path: Path, program: Program, cells: dict[str, str], column: str,
        fragment: str,
    ) -> None:  # fmt: skip
        path = write(tmp_path / "s.csv", person(1), person(2, **cells))
        with pytest.raises(ImportDataError) as exc:
            read(path, program)
        text = "\n".join(exc.value.problems)
        assert f"s.csv row 3 column {column!r}" in text, text
        assert fragment in text, text
        private(str(exc.value) + text)

    def test_keep_valid_sets_bad_rows_aside(self, tmp_path: Path, program: Program) -> None:
        path = write(tmp_path / "s.csv", person(1), person(2, desa="Bacem"), person(3))
        batch = read(path, program, keep_valid=True)
        assert [a.applicant.id for a in batch.applicants] == ["APL-0001", "APL-0003"]
        assert [r.row for r in batch.rejected] == [3]
        private(" ".join(batch.rejected[0].reasons))

    def test_an_applicant_twice_in_the_file(self, tmp_path: Path, program: Program) -> None:
        path = write(tmp_path / "s.csv", person(1), person(1, _uuid="s9"))
        with pytest.raises(ImportDataError) as exc:
            read(path, program)
        assert "also in row 2" in "\n".join(exc.value.problems)

    def test_an_unknown_answer_variable_is_refused_by_the_mapping(self) -> None:
        with pytest.raises(ImportDataError) as exc:
            parse_mapping(MAPPING + '[variables.zakat_score]\ncolumn = "x"\n', variables=CATALOGUE)
        assert "variables.zakat_score" in "\n".join(exc.value.problems)

    @pytest.mark.parametrize(
        ("edit", "where"),
        [
            (lambda t: t.replace('applied_on = "tgl"\n', ""), "fields.applied_on"),
            (lambda t: t.replace('[cluster]\nid = "bantaeng"\n', ""), "cluster"),
            (lambda t: t + '[round]\nid = "r"\n', "round"),
            (lambda t: t.replace('nik"\n', 'nik"\ngroup = "k"\n'), "fields.group"),
        ],
    )
    def test_the_mapping_is_checked(self, edit: Any, where: str) -> None:
        with pytest.raises(ImportDataError) as exc:
            parse_mapping(edit(MAPPING), variables=CATALOGUE)
        assert any(p.split(": ")[0].endswith(where) for p in exc.value.problems), exc.value.problems


class TestAgain:
    def test_reimporting_into_a_program_that_holds_them_changes_nothing(
        self, tmp_path: Path, program: Program
    ) -> None:
        path = write(tmp_path / "s.csv", person(1), person(2))
        for item in read(path, program).applicants:
            program.intake.add_applicant(item.applicant)
        again = read(path, program)
        assert (again.applicants, again.skipped) == ((), 2)

    def test_an_applicant_held_with_other_data_is_refused(
        self, tmp_path: Path, program: Program
    ) -> None:
        program.intake.add_applicant(read(write(tmp_path / "a.csv", person(1)), program)
                                     .applicants[0].applicant)  # fmt: skip
        with pytest.raises(ImportDataError) as exc:
            read(write(tmp_path / "b.csv", person(1, art="5")), program)
        assert "already in the program with other data" in "\n".join(exc.value.problems)

    def test_known_submissions_are_skipped(self, tmp_path: Path, program: Program) -> None:
        batch = read(write(tmp_path / "s.csv", person(1), person(2)), program, known={"s1"})
        assert [a.applicant.id for a in batch.applicants] == ["APL-0002"]
        assert batch.skipped == 1
