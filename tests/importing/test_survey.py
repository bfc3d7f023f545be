"""Survey forms: values, units, rounds, duplicates, select-multiples, repeat groups, rejects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from klaster import (
    Cluster,
    ClusterSector,
    Group,
    ImportDataError,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
)
from klaster.catalogue.variable import Variable
from klaster.importing import ImportBatch, ImportMapping, parse_mapping, read_submissions
from klaster.label import Label
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.values import Observations


def read(path: Path, mapping: ImportMapping, observations: Observations, **kw: Any) -> ImportBatch:
    return read_submissions(
        path, mapping, program=observations.program, observations=observations, **kw
    )


def problems(path: Path, mapping: ImportMapping, observations: Observations) -> tuple[str, ...]:
    with pytest.raises(ImportDataError) as caught:
        read(path, mapping, observations)
    return caught.value.problems


def only_block(batch: ImportBatch) -> Any:
    (block,) = batch.blocks
    return block


@pytest.fixture
def mixed() -> Observations:
    """A cluster working in UMKM and farming, with a group of each."""
    program = Program(
        id="p",
        name="P",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
    )
    cluster = Cluster(
        id="mix",
        name="Mix",
        region=Region.province("Jawa Barat", "32", [Region.kabupaten("Bogor", "32.01")]),
        sectors=[ClusterSector("umkm", "dd"), ClusterSector("farming", "dd")],
    )
    program.add_cluster(cluster)
    joined = dt.date(2012, 1, 2)
    for number, sector in enumerate(["umkm", "farming", "umkm", "farming"], start=1):
        cluster.add_member(Member(f"M-{number}", "Mitra", "female", 4, "Desa", sector, joined))
    cluster.add_group(
        Group(
            "G-U", "Usaha", "umkm", joined, [Membership("M-1", joined), Membership("M-3", joined)]
        )
    )
    cluster.add_group(Group("G-F", "Tani", "farming", joined, [Membership("M-2", joined)]))
    observations = Observations(program, variable_catalogue())
    observations.add_round(Round("mix-bl", "mix", "baseline", "2012-02-01"))
    return observations


class TestValues:
    def test_scaled_mapped_and_missing(
        self, kobo: Any, survey_text: str, observations: Observations
    ) -> None:
        mapping = parse_mapping(
            survey_text.replace(
                'column = "hh/jumlah_art"', 'column = "hh/jumlah_art"\nmissing = ["-99"]'
            )
        )
        rows = kobo.members(4)
        rows[0].update({"hh/pendapatan": " 1250.5 ", "usaha/jalan": "YA"})
        closed = {"usaha/jalan": "tidak", "usaha/pekerja": "0", "usaha/omzet": "0"}  # (umkm rule)
        rows[1].update({"hh/pendapatan": "", "hh/jumlah_art": "-99", **closed})
        rows[2].update({"hh/pendapatan": "1e3", "usaha/jalan": "1"})
        block = only_block(read(kobo.csv(rows), mapping, observations))
        assert list(block.values["monthly_income"]) == [
            Decimal(1_250_500),
            None,
            Decimal(1_000_000),
            Decimal(1_500_000),
        ]
        assert list(block.values["household_size"]) == [4, None, 4, 4]
        assert list(block.values["business_running"]) == [True, False, True, True]
        assert block.submissions == ("uuid-0001", "uuid-0002", "uuid-0003", "uuid-0004")
        assert block.round_id == "btg-mon-2015"

    @pytest.mark.parametrize(
        ("column", "cell", "reason"),
        [
            (
                "hh/pendapatan",
                "12O0",
                "Household income per month must be a number (e.g. 1250000 or 12.5)",
            ),
            ("hh/pendapatan", "-1", "Household income per month is below the minimum 0 IDR/month"),
            ("hh/pendapatan", "NaN", "Household income per month must be a finite number"),
            (
                "hh/pendapatan",
                "1e-30",
                "Household income per month has more than 18 decimals; round it",
            ),
            ("hh/pendapatan", "9" * 30, "Household income per month is too large to store"),
            ("hh/jumlah_art", "4.5", "Household size must be a whole number"),
            ("hh/jumlah_art", "0", "Household size is below the minimum 1 person"),
            ("usaha/jalan", "mungkin", "Business still running must be yes or no"),
            ("usaha/pekerja", "", "Workers (workers) is required"),
            ("usaha/omzet", "=B2*2", "looks like a spreadsheet formula; export values"),
        ],
    )
    def test_bad_cell_located(
        self,
        column: str,
        cell: str,
        reason: str,
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
    ) -> None:
        rows = kobo.members(3)
        rows[1][column] = cell
        (found,) = problems(kobo.csv(rows), survey_mapping, observations)
        assert found.startswith(f"survey.csv row 3 column {column!r}: {reason}")
        if cell.strip("=B*2-.e"):
            assert cell not in found.split(":", 1)[1]  # answers are never repeated

    def test_fixed_value(self, kobo: Any, survey_text: str, observations: Observations) -> None:
        mapping = parse_mapping(survey_text + "\n[variables.business_registered]\nvalue = false\n")
        block = only_block(read(kobo.csv(kobo.members(2)), mapping, observations))
        assert list(block.values["business_registered"]) == [False, False]

    def test_dates_and_categories(self, kobo: Any, mixed: Observations) -> None:
        mapping = parse_mapping(
            'mapping_version = 1\nform = "survey"\nunit = "m"\nsubmission = "@unit"\n'
            '[round]\nid = "mix-bl"\n[variables.crop]\ncolumn = "c"\nvalues = { padi = "rice" }\n'
        )
        rows = [{"m": "M-2", "c": "padi"}, {"m": "M-4", "c": "maize"}]
        batch = read(kobo.csv(rows, header=["m", "c"]), mapping, mixed)
        block = only_block(batch)
        assert list(block.values["crop"]) == ["rice", "maize"]
        assert block.submissions == ("mix-bl/M-2", "mix-bl/M-4")  # '@unit': round and unit
        rows[1]["c"] = "wheat"
        (found,) = problems(kobo.csv(rows[:2], header=["m", "c"]), mapping, mixed)
        assert "column 'c': Main crop this season (category) must be one of rice" in found


class TestSelectMultiple:
    ROWS = (
        {"m": "BTG-0001", "dokumen": "nib pirt", "dokumen/nib": "1", "dokumen/pirt": "1"},
        {"m": "BTG-0002", "dokumen": "pirt", "dokumen/nib": "0", "dokumen/pirt": "1"},
        {"m": "BTG-0003", "dokumen": "", "dokumen/nib": "", "dokumen/pirt": ""},
        {"m": "BTG-0004", "dokumen": "", "dokumen/nib": "0", "dokumen/pirt": "0"},
    )
    MAPPING = """\
mapping_version = 1
form = "survey"
unit = "m"
[round]
id = "btg-endline"
[variables.business_registered]
column = "dokumen"
option = "nib"
[variables.documents_held]
column = "dokumen"
count = true
"""

    @pytest.mark.parametrize(
        ("header", "registered", "count"),
        [
            # Both: the option's own 0/1 column, the summary for the count.
            (
                ("m", "dokumen", "dokumen/nib", "dokumen/pirt"),
                [True, False, None, False],
                [2, 1, None, None],
            ),
            # The summary only (ODK, or Kobo without option columns).
            (("m", "dokumen"), [True, False, None, None], [2, 1, None, None]),
            # The 0/1 columns only: the count is of the options chosen.
            (("m", "dokumen/nib", "dokumen/pirt"), [True, False, None, False], [2, 1, None, 0]),
        ],
    )
    def test_from_summary_or_option_columns(
        self,
        header: tuple[str, ...],
        registered: list[bool | None],
        count: list[int | None],
        kobo: Any,
        observations: Observations,
    ) -> None:
        held = Variable(
            "documents_held", "core", "member", "integer", Label("Dokumen", "Documents"), minimum=0
        )
        catalogue = {**observations.variables, "documents_held": held}
        extended = Observations(observations.program, catalogue)
        extended.add_round(observations.round("btg-endline"))
        rows = [{**r, "_uuid": f"u{i}"} for i, r in enumerate(self.ROWS)]
        path = kobo.csv(rows, header=[*header, "_uuid"])
        mapping = parse_mapping(self.MAPPING, variables=catalogue)
        block = only_block(read(path, mapping, extended))
        assert list(block.values["business_registered"]) == registered
        assert list(block.values["documents_held"]) == count


class TestUnits:
    def test_unknown_member_and_member_of_another_cluster(
        self,
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
        mixed: Observations,
    ) -> None:
        rows = kobo.members(3)
        rows[0]["hh/id_mitra"] = "BTG-9999"
        rows[2]["hh/id_mitra"] = " "
        found = problems(kobo.csv(rows), survey_mapping, observations)
        assert found == (
            "survey.csv row 2 column 'hh/id_mitra': not the ID of a member of cluster "
            "'bantaeng' in program 'klaster-mandiri' (import its registration first); the value "
            "is not shown",
            "survey.csv row 4 column 'hh/id_mitra': no member ID",
        )

    def test_whitespace_around_ids(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = kobo.members(2)
        rows[0]["hh/id_mitra"] = " BTG-0001 "
        rows[1]["_uuid"] = " uuid:abc "
        block = only_block(read(kobo.csv(rows), survey_mapping, observations))
        assert block.unit_ids == ("BTG-0001", "BTG-0002")
        assert block.submissions == ("uuid-0001", "abc")

    def test_sector_of_the_unit(self, kobo: Any, mixed: Observations) -> None:
        mapping = parse_mapping(
            'mapping_version = 1\nform = "survey"\nunit = "m"\n[round]\nid = "mix-bl"\n'
            "[variables]\nmonthly_income = 'inc'\nworkers = 'w'\nbusiness_running = 'run'\n"
            "monthly_revenue = 'rev'\nmonthly_costs = 'cost'\nharvest_kg = 'kg'\n"
        )
        header = ["m", "inc", "w", "run", "rev", "cost", "kg", "_uuid"]
        umkm = {"inc": "100", "w": "1", "run": "ya", "rev": "5", "cost": "1", "kg": ""}
        # No harvest: the farming plugin wants a price for a harvest, and this form has none.
        farm = {"inc": "200", "w": "", "run": "", "rev": "", "cost": "", "kg": "0"}
        rows = [
            {"m": "M-1", "_uuid": "a", **umkm},
            {"m": "M-2", "_uuid": "b", **farm},
            {"m": "M-3", "_uuid": "c", **umkm},
            {"m": "M-4", "_uuid": "d", **farm},
        ]
        batch = read(kobo.csv(rows, header=header), mapping, mixed)
        # One block per round and sector, each with only the variables its members may record.
        assert [(b.unit_ids, sorted(b.values)) for b in batch.blocks] == [
            (
                ("M-1", "M-3"),
                [
                    "business_running",
                    "monthly_costs",
                    "monthly_income",
                    "monthly_revenue",
                    "workers",
                ],
            ),
            (("M-2", "M-4"), ["harvest_kg", "monthly_income"]),
        ]
        rows[1]["w"] = "3"
        rows[2]["kg"] = "7"
        rows[2]["rev"] = ""
        found = problems(kobo.csv(rows, header=header), mapping, mixed)
        assert found == (
            "survey.csv row 3 column 'w': workers is a variable of sector 'umkm'; member 'M-2' is "
            "in 'farming'",
            "survey.csv row 4 column 'rev': Monthly revenue (monthly_revenue) is required",
            "survey.csv row 4 column 'kg': harvest_kg is a variable of sector 'farming'; member "
            "'M-3' is in 'umkm'",
        )


class TestDuplicates:
    def test_same_submission_names_both_rows(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = kobo.members(4)
        rows[3]["_uuid"] = rows[0]["_uuid"]
        found = problems(kobo.csv(rows), survey_mapping, observations)
        assert found == (
            "survey.csv row 2 column '_uuid': duplicate submission 'uuid-0001': also in row 5; "
            "remove one of the two",
            "survey.csv row 5 column '_uuid': duplicate submission 'uuid-0001': also in row 2; "
            "remove one of the two",
        )

    def test_across_chunks(
        self,
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from klaster.importing import _table

        monkeypatch.setattr(_table, "CHUNK", 2)
        monkeypatch.setattr(_table.CsvTable.chunks, "__defaults__", (2,))
        rows = kobo.members(5)
        rows[4]["_uuid"] = rows[0]["_uuid"]
        rows[3]["hh/id_mitra"] = rows[1]["hh/id_mitra"]
        found = problems(kobo.csv(rows), survey_mapping, observations)
        assert found == (
            "survey.csv row 2 column '_uuid': duplicate submission 'uuid-0001': also in row 6; "
            "remove one of the two",
            "survey.csv row 5 column 'hh/id_mitra': member 'BTG-0002' is answered twice in round "
            "'btg-mon-2015': by submission 'uuid-0002' (row 3) and by 'uuid-0004'; keep one, or "
            "import with on_conflict='replace' to keep the later one by _submission_time",
            "survey.csv row 6 column '_uuid': duplicate submission 'uuid-0001': also in row 2; "
            "remove one of the two",
        )
        batch = read(kobo.csv(rows), survey_mapping, observations, keep_valid=True)
        assert [r.row for r in batch.rejected] == [2, 5, 6]
        assert batch.rejected[0].raw["hh/id_mitra"] == "BTG-0001"  # read again for the rejects
        assert only_block(batch).rows == (3, 4)

    def test_no_submission_id(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = kobo.members(2)
        rows[1]["_uuid"] = ""
        (found,) = problems(kobo.csv(rows), survey_mapping, observations)
        assert found == "survey.csv row 3 column '_uuid': no submission ID"


class TestRounds:
    def test_declared_round_travels_with_the_batch(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        batch = read(kobo.csv(kobo.members(1)), survey_mapping, observations)
        assert batch.rounds == (Round("btg-mon-2015", "bantaeng", "monitoring", "2015-03-02"),)
        observations.add_round(batch.rounds[0])
        again = read(kobo.csv(kobo.members(1)), survey_mapping, observations)
        assert again.rounds == ()  # held now: nothing to add

    def test_existing_round_and_unknown_round(
        self, kobo: Any, survey_text: str, observations: Observations
    ) -> None:
        endline = survey_text.replace(
            'kind = "monitoring"\non = 2015-03-02\ncluster = "bantaeng"\n', ""
        )
        mapping = parse_mapping(endline.replace("btg-mon-2015", "btg-endline"))
        assert (
            only_block(read(kobo.csv(kobo.members(1)), mapping, observations)).round_id
            == "btg-endline"
        )
        unknown = parse_mapping(endline.replace("btg-mon-2015", "btg-midline"))
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(kobo.members(1)), unknown, observations)
        assert str(caught.value) == (
            "mapping.toml round: round 'btg-midline' is neither held by the observations nor "
            "declared in the mapping (give kind and on to declare it); held rounds: "
            "'btg-baseline', 'btg-endline'"
        )

    def test_declared_round_must_fit(
        self, kobo: Any, survey_text: str, observations: Observations
    ) -> None:
        clash = parse_mapping(survey_text.replace("btg-mon-2015", "btg-endline"))
        with pytest.raises(ImportDataError, match="already exists as a endline round"):
            read(kobo.csv(kobo.members(1)), clash, observations)
        second = parse_mapping(survey_text.replace('"monitoring"', '"baseline"'))
        with pytest.raises(ImportDataError, match="already has a baseline round"):
            read(kobo.csv(kobo.members(1)), second, observations)

    def test_round_per_cluster(self, kobo: Any, mixed: Observations, program: Program) -> None:
        mapping = parse_mapping(
            'mapping_version = 1\nform = "survey"\nunit = "m"\n[cluster]\ncolumn = "k"\n'
            '[round]\nid = "{cluster}-mon"\nkind = "monitoring"\non = 2016-01-04\n'
            "[variables]\nmonthly_income = 'inc'\n"
        )
        rows = [
            {"k": "mix", "m": "M-1", "inc": "1", "_uuid": "a"},
            {"k": "mix", "m": "M-2", "inc": "2", "_uuid": "b"},
            {"k": "nowhere", "m": "M-3", "inc": "3", "_uuid": "c"},
            {"k": "mix", "m": "M-3", "inc": "4", "_uuid": "d"},
        ]
        path = kobo.csv(rows, header=["k", "m", "inc", "_uuid"])
        batch = read(path, mapping, mixed, keep_valid=True)
        assert [r.id for r in batch.rounds] == ["mix-mon"]
        assert only_block(batch).unit_ids == ("M-1", "M-2", "M-3")
        (rejected,) = batch.rejected
        assert rejected.reasons == (
            "column 'k': not a cluster ID (the value is not shown); the program's clusters are "
            "'mix'",
        )


class TestKnownAndRejects:
    def test_known_submissions_are_skipped(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        path = kobo.csv(kobo.members(5))
        batch = read(path, survey_mapping, observations, known={"uuid-0002", "uuid-0004", "x"})
        assert only_block(batch).submissions == ("uuid-0001", "uuid-0003", "uuid-0005")
        assert batch.skipped == 2
        all_known = read(
            path, survey_mapping, observations, known=batch.submissions | {"uuid-0002", "uuid-0004"}
        )
        assert (all_known.blocks, all_known.skipped) == ((), 5)

    def test_known_rows_are_not_checked(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = kobo.members(2)
        rows[1]["hh/pendapatan"] = "oops"
        batch = read(kobo.csv(rows), survey_mapping, observations, known=["uuid-0002"])
        assert only_block(batch).unit_ids == ("BTG-0001",)

    def test_keep_valid_keeps_every_reason(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = kobo.members(4)
        rows[1].update({"hh/pendapatan": "x", "usaha/jalan": "?"})
        rows[3]["hh/id_mitra"] = "BTG-0017"  # left in 2012, still a member of the cluster
        batch = read(kobo.csv(rows), survey_mapping, observations, keep_valid=True)
        (rejected,) = batch.rejected
        assert rejected.source == "survey.csv"
        assert rejected.row == 3
        assert [r.split(":")[0] for r in rejected.reasons] == [
            "column 'hh/pendapatan'",
            "column 'usaha/jalan'",
        ]
        assert rejected.raw["hh/pendapatan"] == "x"
        block = only_block(batch)
        assert block.unit_ids == ("BTG-0001", "BTG-0003", "BTG-0017")
        assert len(block.values["monthly_income"]) == 3

    def test_arguments_are_checked(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations, program: Program
    ) -> None:
        path = kobo.csv(kobo.members(1))
        with pytest.raises(ImportDataError, match="mapping must be an ImportMapping"):
            read_submissions(path, "m.toml", program=program, observations=observations)  # type: ignore[arg-type]
        with pytest.raises(ImportDataError, match="program must be a Program"):
            read_submissions(path, survey_mapping, program=None, observations=observations)  # type: ignore[arg-type]
        with pytest.raises(ImportDataError, match="observations must be an Observations"):
            read_submissions(path, survey_mapping, program=program, observations={})  # type: ignore[arg-type]
        with pytest.raises(ImportDataError, match="known must be a collection"):
            read(path, survey_mapping, observations, known="uuid-0001")

    def test_mapping_must_fit_the_catalogue(
        self, kobo: Any, survey_mapping: ImportMapping, program: Program
    ) -> None:
        core_only = Observations(program)
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(kobo.members(1)), survey_mapping, core_only)
        assert "does not fit the observations' variable catalogue" in str(caught.value)
        assert any("unknown variable code 'workers'" in p for p in caught.value.problems)


class TestOdk:
    def test_odk_central_export(
        self, kobo: Any, survey_text: str, observations: Observations
    ) -> None:
        header = [
            "SubmissionDate",
            "hh-id_mitra",
            "hh-pendapatan",
            "hh-jumlah_art",
            "usaha-jalan",
            "usaha-pekerja",
            "usaha-omzet",
            "usaha-biaya",
            "meta-instanceID",
            "KEY",
        ]
        rows = [
            {
                "hh-id_mitra": "BTG-0001",
                "hh-pendapatan": "1000",
                "hh-jumlah_art": "3",
                "usaha-jalan": "ya",
                "usaha-pekerja": "1",
                "usaha-omzet": "10",
                "usaha-biaya": "5",
                "meta-instanceID": "uuid:aaa",
                "KEY": "uuid:aaa",
            },
        ]
        mapping = parse_mapping(survey_text)
        block = only_block(
            read(kobo.csv(rows, header=header, delimiter=","), mapping, observations)
        )
        assert block.submissions == ("aaa",)
        assert list(block.values["monthly_income"]) == [Decimal(1_000_000)]
