"""Repeat groups: aggregated into their parent, or one row per unit; Kobo and ODK joins."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from klaster import ImportDataError
from klaster.importing import ImportBatch, ImportMapping, parse_mapping, read_submissions
from klaster.observations.values import Observations
from klaster.plugins import PluginHost

AGGREGATES = """\
mapping_version = 1
form = "survey"
unit = "m"
[round]
id = "btg-endline"
[variables]
monthly_income = "inc"
[[repeats]]
name = "usaha"
file = "usaha.csv"
[repeats.variables.monthly_revenue]
column = "omzet"
aggregate = "sum"
scale = "ribu"
[repeats.variables.monthly_profit]
column = "laba"
aggregate = "max"
[repeats.variables.business_registered]
column = "nib"
aggregate = "any"
[repeats.variables.monthly_costs]
column = "biaya"
aggregate = "sum"
"""
MAIN = ["m", "inc", "_uuid", "_index"]
REPEAT = ["omzet", "laba", "nib", "biaya", "_index", "_parent_index"]


@pytest.fixture
def observations(observations: Observations) -> Observations:
    """The shared observations' rounds, without the sector plugins' checks across values.

    These tests are about aggregating repeat rows, whose made-up sums (a maximum profit beside
    summed revenue and costs) the umkm plugin would refuse; its rules are tested elsewhere.
    """
    unchecked = Observations(
        observations.program, observations.variables, host=PluginHost(entry_points=False)
    )
    for rnd in observations.rounds():
        unchecked.add_round(rnd)
    return unchecked


def read(path: Path, mapping: ImportMapping, observations: Observations, **kw: Any) -> ImportBatch:
    return read_submissions(
        path, mapping, program=observations.program, observations=observations, **kw
    )


def main_rows(count: int) -> list[dict[str, str]]:
    return [
        {"m": f"BTG-{n:04d}", "inc": "1000", "_uuid": f"u{n}", "_index": str(n)}
        for n in range(1, count + 1)
    ]


def business(parent: int, omzet: str, laba: str = "1", nib: str = "ya") -> dict[str, str]:
    return {"omzet": omzet, "laba": laba, "nib": nib, "biaya": "10", "_parent_index": str(parent)}


class TestAggregates:
    def test_sum_max_any_and_parents_without_rows(
        self, kobo: Any, observations: Observations
    ) -> None:
        main = kobo.csv(main_rows(3), header=MAIN)
        kobo.csv(
            [
                business(1, "100", "-2"),
                business(1, "250.5", "3", "tidak"),
                business(3, "7", "", ""),
            ],
            "usaha.csv",
            header=REPEAT,
        )
        (block,) = read(main, parse_mapping(AGGREGATES), observations).blocks
        assert list(block.values["monthly_revenue"]) == [
            Decimal(350_500),
            Decimal(0),
            Decimal(7000),
        ]
        assert list(block.values["monthly_profit"]) == [Decimal(3), None, None]
        assert list(block.values["business_registered"]) == [True, False, None]
        assert list(block.values["monthly_costs"]) == [Decimal(20), Decimal(0), Decimal(10)]

    def test_bad_repeat_cell_rejects_the_parent(
        self, kobo: Any, observations: Observations
    ) -> None:
        main = kobo.csv(main_rows(2), header=MAIN)
        kobo.csv([business(1, "12x"), business(2, "5")], "usaha.csv", header=REPEAT)
        with pytest.raises(ImportDataError) as caught:
            read(main, parse_mapping(AGGREGATES), observations)
        assert caught.value.problems == (
            "survey.csv row 2: (repeat usaha.csv row 2) column 'omzet': Monthly revenue must be a "
            "number (e.g. 1250000 or 12.5)",
        )
        batch = read(main, parse_mapping(AGGREGATES), observations, keep_valid=True)
        assert [r.row for r in batch.rejected] == [2]
        assert batch.blocks[0].unit_ids == ("BTG-0002",)

    def test_sum_checked_against_the_variable(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(1), header=MAIN)
        rows = [
            business(1, "900000", laba="-1000000000"),
            business(1, "900000", laba="-1000000000"),
        ]
        kobo.csv(rows, "usaha.csv", header=REPEAT)
        mapping = parse_mapping(AGGREGATES.replace('aggregate = "max"', 'aggregate = "sum"'))
        with pytest.raises(ImportDataError) as caught:
            read(main, mapping, observations)
        assert caught.value.problems == (
            "survey.csv row 2: (repeat usaha.csv rows 2, 3) sum of column 'omzet' for "
            "monthly_revenue: Monthly revenue is above the maximum 1250000000 IDR/month",
            "survey.csv row 2: (repeat usaha.csv rows 2, 3) sum of column 'laba' for "
            "monthly_profit: Monthly profit is below the minimum -1250000000 IDR/month",
        )

    def test_rows_without_a_parent(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(1), header=MAIN)
        kobo.csv([business(1, "1"), business(7, "2"), business(7, "3")], "usaha.csv", header=REPEAT)
        with pytest.raises(ImportDataError) as caught:
            read(main, parse_mapping(AGGREGATES), observations)
        assert caught.value.problems == (
            "usaha.csv row 3 column '_parent_index': names a parent, but no row of the main table "
            "has that '_index' (the value is not shown)",
            "usaha.csv row 4 column '_parent_index': names a parent, but no row of the main table "
            "has that '_index' (the value is not shown)",
        )
        batch = read(main, parse_mapping(AGGREGATES), observations, keep_valid=True)
        assert [(r.source, r.row, r.raw["omzet"]) for r in batch.rejected] == [
            ("usaha.csv", 3, "2"),
            ("usaha.csv", 4, "3"),
        ]
        assert batch.blocks[0].unit_ids == ("BTG-0001",)

    def test_rows_of_known_parents_are_skipped(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(2), header=MAIN)
        kobo.csv([business(1, "x"), business(2, "5")], "usaha.csv", header=REPEAT)
        batch = read(main, parse_mapping(AGGREGATES), observations, known={"u1"})
        assert batch.blocks[0].unit_ids == ("BTG-0002",)
        assert batch.skipped == 1

    def test_repeat_file_needed_for_csv(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(1), header=MAIN)
        mapping = parse_mapping(AGGREGATES.replace('file = "usaha.csv"\n', ""))
        with pytest.raises(ImportDataError, match=r"give file = '<its CSV file>'"):
            read(main, mapping, observations)

    def test_repeat_file_missing(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(1), header=MAIN)
        with pytest.raises(ImportDataError, match=r"is read from 'usaha.csv' next to it"):
            read(main, parse_mapping(AGGREGATES), observations)

    def test_no_join_column(self, kobo: Any, observations: Observations) -> None:
        main = kobo.csv(main_rows(1), header=MAIN)
        kobo.csv([business(1, "1")], "usaha.csv", header=REPEAT[:-1])
        with pytest.raises(
            ImportDataError, match=r"no '_parent_index' \(Kobo\) or 'PARENT_KEY' \(ODK\)"
        ):
            read(main, parse_mapping(AGGREGATES), observations)

    def test_odk_keys(self, kobo: Any, observations: Observations) -> None:
        header = ["m", "inc", "meta-instanceID", "KEY"]
        rows = [{"m": "BTG-0001", "inc": "5", "meta-instanceID": "uuid:a", "KEY": "uuid:a"}]
        main = kobo.csv(rows, header=header, delimiter=",")
        repeat = [
            {**business(0, "1"), "PARENT_KEY": "uuid:a", "KEY": "uuid:a/usaha[1]"},
            {**business(0, "2"), "PARENT_KEY": "uuid:a", "KEY": "uuid:a/usaha[2]"},
        ]
        repeat_header = ["omzet", "laba", "nib", "biaya", "PARENT_KEY", "KEY"]
        kobo.csv(repeat, "usaha.csv", header=repeat_header, delimiter=",")
        (block,) = read(main, parse_mapping(AGGREGATES), observations).blocks
        assert block.submissions == ("a",)
        assert list(block.values["monthly_revenue"]) == [Decimal(3000)]


PER_MEMBER = """\
mapping_version = 1
form = "survey"
level = "group"
unit = "kelompok"
[round]
id = "btg-endline"
[variables]
group_meetings = "pertemuan"
[[repeats]]
name = "anggota"
file = "anggota.csv"
unit = "anggota/id_mitra"
[repeats.variables.monthly_income]
column = "anggota/pendapatan"
scale = "ribu"
"""


class TestOneRowPerUnit:
    def write(self, kobo: Any, members: list[tuple[str, str, str]]) -> Any:
        main = [
            {"kelompok": "BTG-K01", "pertemuan": "12", "_uuid": "g1", "_index": "1"},
            {"kelompok": "BTG-K02", "pertemuan": "3", "_uuid": "g2", "_index": "2"},
        ]
        path = kobo.csv(main, header=["kelompok", "pertemuan", "_uuid", "_index"])
        rows = [
            {"anggota/id_mitra": m, "anggota/pendapatan": i, "_parent_index": p}
            for p, m, i in members
        ]
        kobo.csv(
            rows, "anggota.csv", header=["anggota/id_mitra", "anggota/pendapatan", "_parent_index"]
        )
        return path

    def test_group_form_with_member_rows(self, kobo: Any, observations: Observations) -> None:
        path = self.write(
            kobo, [("1", "BTG-0001", "900"), ("1", "BTG-0002", ""), ("2", "BTG-0007", "1200")]
        )
        groups, members = read(path, parse_mapping(PER_MEMBER), observations).blocks
        assert groups.unit_ids == ("BTG-K01", "BTG-K02")
        assert list(groups.values["group_meetings"]) == [12, 3]
        assert members.source == "anggota.csv"
        assert members.unit_ids == ("BTG-0001", "BTG-0002", "BTG-0007")
        assert members.submissions == ("g1/anggota[1]", "g1/anggota[2]", "g2/anggota[1]")
        assert members.rows == (2, 3, 4)
        assert list(members.values["monthly_income"]) == [
            Decimal(900_000),
            None,
            Decimal(1_200_000),
        ]

    def test_bad_member_row_rejects_its_group(self, kobo: Any, observations: Observations) -> None:
        path = self.write(
            kobo, [("1", "BTG-0001", "900"), ("1", "BTG-0999", "1"), ("2", "BTG-0007", "1")]
        )
        with pytest.raises(ImportDataError) as caught:
            read(path, parse_mapping(PER_MEMBER), observations)
        assert caught.value.problems == (
            "survey.csv row 2: (repeat anggota.csv row 3) column 'anggota/id_mitra': not the ID "
            "of a member of cluster 'bantaeng' in program 'klaster-mandiri' (import its "
            "registration first); the value is not shown",
        )
        batch = read(path, parse_mapping(PER_MEMBER), observations, keep_valid=True)
        groups, members = batch.blocks
        assert groups.unit_ids == ("BTG-K02",)
        assert members.unit_ids == ("BTG-0007",)

    def test_member_twice(self, kobo: Any, observations: Observations) -> None:
        path = self.write(kobo, [("1", "BTG-0001", "900"), ("2", "BTG-0001", "1")])
        with pytest.raises(ImportDataError) as caught:
            read(path, parse_mapping(PER_MEMBER), observations)
        assert "member 'BTG-0001' is also in row 2 of anggota.csv" in caught.value.problems[0]
