"""Rosters: members, groups and memberships from CSV/XLSX through a ``form = "roster"`` mapping."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster import ImportDataError
from klaster.importing import (
    ROSTER_FIELDS,
    load_mapping,
    parse_mapping,
    read_roster,
    read_submissions,
)
from klaster.store import Store, import_roster
from klaster.testing.samples import sample_program

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
ROSTER = DATA / "bantaeng_roster.csv"
MAPPING = DATA / "bantaeng_roster.toml"

# A roster of the two-sector sample program (umkm and livestock).
TWO_SECTORS = """\
mapping_version = 1
form = "roster"

[cluster]
id = "bantaeng"

[fields]
id = "id"
name = "nama"
sex = "jk"
household_size = "art"
village = "desa"
sector = "sektor"
business_type = "usaha"
joined = "gabung"
national_id = "nik"
phone = "hp"
group = "kelompok"
group_name = "nama_kelompok"
group_capacity = "kapasitas"
group_sector = "sektor_kelompok"
role = "jabatan"
"""
HEADER = [
    "id",
    "nama",
    "jk",
    "art",
    "desa",
    "sektor",
    "usaha",
    "gabung",
    "nik",
    "hp",
    "kelompok",
    "nama_kelompok",
    "kapasitas",
    "sektor_kelompok",
    "jabatan",
]
SECRET_NAME = "Rahasia Daeng Nama"
SECRET_NIK = "7303123456789012"
SECRET_PHONE = "+62 812 9999 0000"


def row(member: str, group: str = "", **cells: str) -> list[str]:
    values = {
        "id": member,
        "nama": SECRET_NAME,
        "jk": "female",
        "art": "4",
        "desa": "Baruga",
        "sektor": "umkm",
        "usaha": "",
        "gabung": "2016-01-04",
        "nik": SECRET_NIK,
        "hp": SECRET_PHONE,
        "kelompok": group,
        "nama_kelompok": f"Kelompok {group}" if group else "",
        "kapasitas": "",
        "sektor_kelompok": "",
        "jabatan": "",
    }
    values.update(cells)
    return [values[name] for name in HEADER]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def problems_of(path: Path, program: klaster.Program | None = None) -> list[str]:
    with pytest.raises(ImportDataError) as caught:
        read_roster(path, parse_mapping(TWO_SECTORS), program=program or sample_program())
    return [str(p) for p in caught.value.problems]


class TestBundledRoster:
    def test_adds_members_groups_and_memberships(self) -> None:
        program = klaster.load(DATA / "bantaeng.json")
        before = klaster.dumps(program)
        result = read_roster(ROSTER, load_mapping(MAPPING), program=program)
        assert (result.rows, result.members_added, result.groups_added) == (13, 12, 2)
        assert result.memberships_added == 12
        assert klaster.dumps(program) == before  # the program given is unchanged
        cluster = result.program.clusters["bantaeng"]
        k35 = cluster.groups["BTG-K35"]
        assert (k35.name, k35.village, k35.capacity, k35.formed) == (
            "Kelompok Rumput Laut Letta",
            "Letta",
            10,
            dt.date(2016, 1, 4),
        )
        assert k35.memberships[0].role.value == "chair"
        assert [g.id for g in cluster.groups_of("BTG-0201")] == ["BTG-K35", "BTG-K36"]
        assert cluster.groups_of("BTG-0210") == ()
        spell = cluster.groups["BTG-K29"].memberships[-1]
        assert (spell.member_id, spell.joined, spell.role.value) == (
            "BTG-0212",
            dt.date(2016, 2, 1),
            "member",
        )
        member = cluster.members["BTG-0206"]
        assert (member.sex.value, member.business_type, member.joined) == (
            "female",
            "traditional_food",
            dt.date(2016, 1, 18),
        )

    def test_the_same_roster_again_changes_nothing(self) -> None:
        program = klaster.load(DATA / "bantaeng.json")
        first = read_roster(ROSTER, load_mapping(MAPPING), program=program)
        again = read_roster(ROSTER, load_mapping(MAPPING), program=first.program)
        assert not again.changed
        assert klaster.dumps(again.program) == klaster.dumps(first.program)

    def test_xlsx_reads_as_csv(self, tmp_path: Path) -> None:
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        sheet = book.active
        with ROSTER.open(encoding="utf-8") as handle:
            for cells in csv.reader(handle):
                sheet.append(cells)
        book.save(tmp_path / "roster.xlsx")
        program = klaster.load(DATA / "bantaeng.json")
        from_csv = read_roster(ROSTER, load_mapping(MAPPING), program=program)
        from_xlsx = read_roster(tmp_path / "roster.xlsx", load_mapping(MAPPING), program=program)
        assert klaster.dumps(from_xlsx.program) == klaster.dumps(from_csv.program)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(order=st.permutations(range(13)))
    def test_row_order_does_not_change_who_is_in_which_group(
        self, tmp_path_factory: pytest.TempPathFactory, order: list[int]
    ) -> None:
        lines = ROSTER.read_text(encoding="utf-8").splitlines()
        body = [lines[1:][i] for i in order]
        path = tmp_path_factory.mktemp("shuffled") / "roster.csv"
        path.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
        program = klaster.load(DATA / "bantaeng.json")
        cluster = read_roster(path, load_mapping(MAPPING), program=program).program.clusters[
            "bantaeng"
        ]
        expected = read_roster(ROSTER, load_mapping(MAPPING), program=program)
        reference = expected.program.clusters["bantaeng"]
        for group_id in ("BTG-K35", "BTG-K36", "BTG-K03", "BTG-K29"):
            got = {(s.member_id, s.joined, s.role) for s in cluster.groups[group_id].memberships}
            want = {(s.member_id, s.joined, s.role) for s in reference.groups[group_id].memberships}
            assert got == want
            assert cluster.groups[group_id].formed == reference.groups[group_id].formed
        assert set(cluster.members.ids()) == set(reference.members.ids())


class TestProblems:
    def test_member_in_two_groups_of_different_sectors(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "roster.csv",
            [
                row("M-1", "G-U"),
                row("M-2", "G-L", sektor="livestock"),
                row("M-1", "G-L"),
            ],
        )
        found = problems_of(path)
        assert found == [
            "roster.csv row 4 column 'kelompok': member 'M-1' is also in group 'G-U' of sector "
            "'umkm' (row 2); group 'G-L' is of sector 'livestock': a member's groups are of one "
            "sector"
        ]

    def test_group_of_another_sector_than_its_member(self, tmp_path: Path) -> None:
        path = write(tmp_path / "roster.csv", [row("M-1", "G-L", sektor_kelompok="livestock")])
        (problem,) = problems_of(path)
        assert problem.startswith("roster.csv row 2 column 'kelompok': group 'G-L': ")
        assert "sector 'umkm'" in problem
        assert "'livestock'" in problem

    def test_capacity(self, tmp_path: Path) -> None:
        rows = [row(f"M-{i}", "G-U", kapasitas="2") for i in range(3)]
        (problem,) = problems_of(write(tmp_path / "roster.csv", rows))
        assert problem.startswith("roster.csv row 4 column 'kelompok': group 'G-U' would have 3 ")
        assert "more than its capacity of 2" in problem

    def test_business_type_of_the_sector_plugin(self, tmp_path: Path) -> None:
        path = write(tmp_path / "roster.csv", [row("M-1", usaha="space_travel")])
        (problem,) = problems_of(path)
        assert problem.startswith("roster.csv row 2 column 'usaha': ")
        assert "not one of the business types of sector 'umkm'" in problem

    def test_village_of_the_region(self, tmp_path: Path) -> None:
        (problem,) = problems_of(write(tmp_path / "roster.csv", [row("M-1", desa="Atlantis")]))
        assert problem.startswith("roster.csv row 2 column 'desa': ")

    def test_a_known_member_with_other_values_is_refused(self, tmp_path: Path) -> None:
        program = sample_program()
        program.clusters["bantaeng"].add_member(
            klaster.Member("M-1", SECRET_NAME, "female", 4, "Baruga", "umkm", "2016-01-04")
        )
        path = write(tmp_path / "roster.csv", [row("M-1", art="6", nik="", hp="")])
        (problem,) = problems_of(path, program)
        assert problem == (
            "roster.csv row 2: member 'M-1' is already in the program with other values in "
            "'art' (not shown); a roster adds members, it does not change them: change the "
            "member with Cluster.replace_member"
        )
        same = write(tmp_path / "same.csv", [row("M-1", nik="", hp="")])
        result = read_roster(same, parse_mapping(TWO_SECTORS), program=program)
        assert not result.changed

    def test_rows_of_one_member_must_agree(self, tmp_path: Path) -> None:
        rows = [row("M-1", "G-U"), row("M-1", "G-V", art="7")]
        (problem,) = problems_of(write(tmp_path / "roster.csv", rows))
        assert problem == (
            "roster.csv row 3 column 'art': member 'M-1' is also in row 2 with another value "
            "(the value is not shown); every row of a member repeats its fields"
        )

    def test_rows_of_one_group_must_agree(self, tmp_path: Path) -> None:
        rows = [row("M-1", "G-U"), row("M-2", "G-U", nama_kelompok="Lain")]
        (problem,) = problems_of(write(tmp_path / "roster.csv", rows))
        assert problem.startswith("roster.csv row 3 column 'nama_kelompok': group 'G-U' has ")

    def test_every_problem_at_once_never_personal_data(self, tmp_path: Path) -> None:
        rows = [
            row("M-1", jk="X"),
            row("M-2", nik="12345"),
            row("M-3", hp="abc"),
            row("M-4", gabung="kemarin"),
            row("M-5", "G-U", jabatan="raja"),
        ]
        found = problems_of(write(tmp_path / "roster.csv", rows))
        assert [p.split(":")[0] for p in found] == [
            "roster.csv row 2 column 'jk'",
            "roster.csv row 3 column 'nik'",
            "roster.csv row 4 column 'hp'",
            "roster.csv row 5 column 'gabung'",
            "roster.csv row 6 column 'jabatan'",
        ]
        text = "\n".join(found)
        for secret in (SECRET_NAME, SECRET_NIK, SECRET_PHONE, "12345", "abc", "raja"):
            assert secret not in text

    def test_nothing_is_added_when_one_row_is_wrong(self, tmp_path: Path) -> None:
        program = sample_program()
        before = klaster.dumps(program)
        path = write(tmp_path / "roster.csv", [row("M-1", "G-U"), row("M-2", desa="Atlantis")])
        problems_of(path, program)
        assert klaster.dumps(program) == before


class TestStore:
    def test_import_roster_once_then_nothing(self, tmp_path: Path) -> None:
        program = klaster.load(DATA / "bantaeng.json")
        with Store.create(tmp_path / "b.klaster", program) as store:
            first = import_roster(store, ROSTER, load_mapping(MAPPING))
            assert (first.members_added, first.groups_added, first.memberships_added) == (12, 2, 12)
        before = (tmp_path / "b.klaster").read_bytes()
        with Store.open(tmp_path / "b.klaster") as store:
            assert not import_roster(store, ROSTER, load_mapping(MAPPING)).changed
            expected = read_roster(ROSTER, load_mapping(MAPPING), program=program).program
            assert klaster.dumps(store.load_program()) == klaster.dumps(expected)
        assert (tmp_path / "b.klaster").read_bytes() == before

    def test_a_bad_row_writes_nothing(self, tmp_path: Path) -> None:
        with Store.create(tmp_path / "s.klaster", sample_program()) as store:
            stored = klaster.dumps(store.load_program())
            path = write(tmp_path / "roster.csv", [row("M-1", "G-U"), row("M-2", desa="Atlantis")])
            with pytest.raises(ImportDataError, match=r"roster\.csv: 1 problem"):
                import_roster(store, path, parse_mapping(TWO_SECTORS))
            assert klaster.dumps(store.load_program()) == stored

    def test_dry_run_on_a_read_only_store(self, tmp_path: Path) -> None:
        Store.create(tmp_path / "b.klaster", klaster.load(DATA / "bantaeng.json")).close()
        with Store.open(tmp_path / "b.klaster", readonly=True) as store:
            result = import_roster(store, ROSTER, load_mapping(MAPPING), dry_run=True)
            assert result.members_added == 12
            assert len(store.load_program().clusters["bantaeng"].members) == 190


class TestMappings:
    def test_roster_fields_with_did_you_mean(self) -> None:
        text = TWO_SECTORS.replace('group_name = "nama_kelompok"', 'group_nam = "nama_kelompok"')
        with pytest.raises(ImportDataError) as caught:
            parse_mapping(text, name="roster.toml")
        (problem,) = caught.value.problems
        assert problem.startswith(
            "roster.toml fields.group_nam: unknown member field 'group_nam' (did you mean "
            "'group_name'"
        )
        assert "group_capacity" in ROSTER_FIELDS
        assert "application_id" not in ROSTER_FIELDS

    def test_roster_fields_are_refused_in_a_registration(self) -> None:
        text = TWO_SECTORS.replace('form = "roster"', 'form = "registration"')
        with pytest.raises(ImportDataError, match="unknown member field 'group_name'"):
            parse_mapping(text)

    def test_each_reader_refuses_the_others_mapping(self, tmp_path: Path) -> None:
        program = sample_program()
        path = write(tmp_path / "roster.csv", [row("M-1")])
        with pytest.raises(ImportDataError, match=r"read it with klaster\.importing\.read_roster"):
            read_submissions(path, parse_mapping(TWO_SECTORS), program=program)
        registration = parse_mapping(
            TWO_SECTORS.split("group =")[0].replace("roster", "registration")
        )
        with pytest.raises(
            ImportDataError, match="read_roster reads a mapping with form = 'roster'"
        ):
            read_roster(path, registration, program=program)
