"""Registration forms: new members built and checked like members added by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from klaster import ImportDataError, Sex
from klaster.importing import ImportBatch, ImportMapping, parse_mapping, read_submissions
from klaster.observations.values import Observations

MAPPING = """\
mapping_version = 1
form = "registration"
[cluster]
id = "bantaeng"
[fields]
id = "id"
name = "nama"
sex = "jk"
household_size = "art"
village = "desa"
business_type = "usaha"
group = "kelompok"
national_id = "nik"
phone = "hp"
[fields.sector]
value = "umkm"
[fields.joined]
column = "tgl"
date_format = "%d/%m/%Y"
"""
HEADER = ["id", "nama", "jk", "art", "desa", "usaha", "kelompok", "tgl", "nik", "hp", "_uuid"]
NAME = "Sitti Daeng Bau"
NIK = "7303012345678901"


def person(number: int, **cells: str) -> dict[str, str]:
    found = {
        "id": f"BTG-{number:04d}",
        "nama": NAME,
        "jk": "P",
        "art": "4",
        "desa": "Letta",
        "usaha": "trading",
        "kelompok": "BTG-K06",
        "tgl": "02/02/2015",
        "nik": NIK,
        "hp": "+62 812 3456 7890",
        "_uuid": f"r{number}",
    }
    found.update(cells)
    return found


def read(path: Path, mapping: ImportMapping, observations: Observations, **kw: Any) -> ImportBatch:
    return read_submissions(
        path, mapping, program=observations.program, observations=observations, **kw
    )


@pytest.fixture
def mapping() -> ImportMapping:
    return parse_mapping(MAPPING, name="reg.toml")


class TestRegistration:
    def test_new_members(
        self, kobo: Any, mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = [person(191), person(192, jk="laki-laki", tgl="2015-02-03", kelompok="", hp="")]
        batch = read(kobo.csv(rows, header=HEADER), mapping, observations)
        first, second = batch.members
        assert (first.submission, first.cluster_id, first.group_id) == (
            "r191",
            "bantaeng",
            "BTG-K06",
        )
        assert first.where == "survey.csv row 2"
        assert first.member.sex is Sex.FEMALE
        assert first.member.joined == dt.date(2015, 2, 2)
        assert first.member.national_id == NIK
        assert second.member.sex is Sex.MALE
        assert second.member.joined == dt.date(2015, 2, 3)  # ISO dates are read too
        assert (second.group_id, second.member.phone) == (None, None)
        assert batch.blocks == ()
        assert batch.submissions == {"r191", "r192"}

    def test_bad_rows_without_personal_data(
        self, kobo: Any, mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = [
            person(191, nik="12345"),
            person(192, art="nol", tgl="31/02/2015"),
            person(193, jk="X", desa="Jakarta"),
            person(1, nama=""),
            person(194, kelompok="BTG-K99"),
            person(195, hp="call me"),
        ]
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(rows, header=HEADER), mapping, observations)
        assert caught.value.problems == (
            "survey.csv row 2 column 'nik': national ID number (NIK) must be exactly 16 digits",
            "survey.csv row 3 column 'art': must be a whole number",
            "survey.csv row 3 column 'tgl': must be a date: YYYY-MM-DD or '%d/%m/%Y' (set "
            "date_format for other layouts)",
            "survey.csv row 4 column 'jk': must be one of 'female', 'male' (map other answers "
            "with values = { ... })",
            "survey.csv row 5 column 'nama': must be a non-empty text",
            "survey.csv row 6 column 'kelompok': not a group ID of cluster 'bantaeng' (the value "
            "is not shown); "
            "its groups are 'BTG-K01', 'BTG-K02', 'BTG-K03', 'BTG-K04', 'BTG-K05', 'BTG-K06', "
            "'BTG-K07', 'BTG-K08' and 26 more",
            "survey.csv row 7 column 'hp': phone must be 8-20 digits, optionally starting with '+' "
            "(e.g. '+62 812 3456 7890')",
        )
        text = str(caught.value)
        for secret in (NAME, NIK, "12345", "call me"):
            assert secret not in text

    def test_member_checks_in_context(
        self, kobo: Any, mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = [
            person(191, desa="Jakarta"),
            person(5),
            person(192, tgl="01/01/2010"),
            person(191, _uuid="again"),
        ]
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(rows, header=HEADER), mapping, observations)
        problems = "\n".join(caught.value.problems)
        assert (
            "row 2 column 'desa': village 'Jakarta' is not a desa of cluster 'bantaeng'" in problems
        )
        assert (
            "row 3 column 'id': member 'BTG-0005' is already in the program; a registration adds "
            "new members only" in problems
        )
        assert (
            "row 4 column 'kelompok': group 'BTG-K06' was formed on 2011-06-06, after the member "
            "joined" in problems
        )
        assert "row 5 column 'id': member 'BTG-0191' is also registered in row 2" in problems

    def test_cluster_column(self, kobo: Any, observations: Observations) -> None:
        mapping = parse_mapping(MAPPING.replace('id = "bantaeng"', 'column = "klaster"'))
        rows = [{**person(191), "klaster": "bantaeng"}, {**person(192), "klaster": "tuban"}]
        batch = read(
            kobo.csv(rows, header=[*HEADER, "klaster"]), mapping, observations, keep_valid=True
        )
        assert [m.member.id for m in batch.members] == ["BTG-0191"]
        (rejected,) = batch.rejected
        assert rejected.reasons == (
            "column 'klaster': not a cluster ID (the value is not shown); the program's clusters "
            "are 'bantaeng'",
        )
        assert rejected.raw["nama"] == NAME  # the rejects file keeps the row as it was

    def test_known_duplicates_and_unit_ids(
        self, kobo: Any, mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = [person(191), person(192), person(193, _uuid="r191")]
        path = kobo.csv(rows, header=HEADER)
        with pytest.raises(ImportDataError, match="duplicate submission 'r191': also in row 4"):
            read(path, mapping, observations)
        batch = read(path, mapping, observations, known={"r191"})
        assert [m.member.id for m in batch.members] == ["BTG-0192"]
        assert batch.skipped == 2
        no_ids = parse_mapping('submission = "@unit"\n' + MAPPING)
        batch = read(kobo.csv(rows[:2], header=HEADER[:-1], name="plain.csv"), no_ids, observations)
        assert [m.submission for m in batch.members] == ["member/BTG-0191", "member/BTG-0192"]

    def test_files_without_submission_ids(self, kobo: Any, observations: Observations) -> None:
        mapping = parse_mapping('submission = "@unit"\n' + MAPPING)
        rows = [person(191), person(192, nik="1"), person(193)]
        path = kobo.csv(rows, header=HEADER[:-1], name="plain.csv")
        with pytest.raises(ImportDataError) as caught:
            read(path, mapping, observations)
        assert caught.value.problems == (
            "plain.csv row 3 column 'nik': national ID number (NIK) must be exactly 16 digits",
        )
        batch = read(path, mapping, observations, known={"member/BTG-0192"})
        assert [m.submission for m in batch.members] == ["member/BTG-0191", "member/BTG-0193"]
        assert batch.skipped == 1


class TestBusinessTypes:
    def test_a_business_type_its_sector_does_not_declare_is_refused(
        self, kobo: Any, mapping: ImportMapping, observations: Observations
    ) -> None:
        # Issue 11: a registration form accepted any business type.
        rows = [person(191, usaha="spaceships"), person(192)]
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(rows, header=HEADER), mapping, observations)
        (problem,) = caught.value.problems
        assert problem.startswith("survey.csv row 2 column 'usaha': member 'BTG-0191'")
        assert "business types of sector 'umkm': batik" in problem
        assert "spaceships" not in problem
        assert NAME not in problem
        batch = read(kobo.csv(rows, header=HEADER), mapping, observations, keep_valid=True)
        assert [m.member.id for m in batch.members] == ["BTG-0192"]
