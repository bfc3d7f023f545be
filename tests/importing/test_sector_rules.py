"""Rows a sector plugin's ``klaster_validate_values`` refuses, read with and without keep_valid.

The built-in umkm plugin refuses a business that is not running but has revenue or workers.
Without ``keep_valid`` such a row refuses the whole file, every problem listed; with it, the row
(its whole submission, repeat rows included) is set aside with located reasons like a row the
cell checks refuse, and the other rows are read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import ImportDataError
from klaster.importing import ImportBatch, ImportMapping, parse_mapping, read_submissions
from klaster.importing.rejects import write_rejects
from klaster.observations.values import Observations

CLOSED = "monthly_revenue is recorded although business_running is false"


def read(path: Path, mapping: ImportMapping, observations: Observations, **kw: Any) -> ImportBatch:
    return read_submissions(
        path, mapping, program=observations.program, observations=observations, **kw
    )


def closed(kobo: Any, member: str, uuid: str, index: int) -> dict[str, str]:
    """A row whose business is not running although it reports revenue (the value is secret)."""
    found: dict[str, str] = kobo.row(member, uuid, _index=str(index), **{"usaha/jalan": "tidak"})
    return found


class TestMainRows:
    def rows(self, kobo: Any) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = kobo.members(4)
        rows[1] = closed(kobo, "BTG-0002", "uuid-0002", 2)
        return rows

    def test_without_keep_valid_the_file_is_refused_listing_every_problem(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = self.rows(kobo)
        rows[3] = closed(kobo, "BTG-0004", "uuid-0004", 4)
        with pytest.raises(ImportDataError) as caught:
            read(kobo.csv(rows), survey_mapping, observations)
        problems = caught.value.problems
        assert len(problems) == 4  # revenue and workers, in rows 3 and 5
        assert problems[0] == (
            f"survey.csv row 3: round 'btg-mon-2015' member 'BTG-0002': {CLOSED} (plugin 'umkm')"
        )
        assert problems[2].startswith("survey.csv row 5: round 'btg-mon-2015' member 'BTG-0004'")

    def test_keep_valid_sets_the_refused_row_aside(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        batch = read(kobo.csv(self.rows(kobo)), survey_mapping, observations, keep_valid=True)
        (block,) = batch.blocks
        assert block.unit_ids == ("BTG-0001", "BTG-0003", "BTG-0004")
        assert "uuid-0002" not in batch.submissions
        (rejection,) = batch.rejected
        assert (rejection.source, rejection.row) == ("survey.csv", 3)
        assert rejection.reasons[0] == (
            f"round 'btg-mon-2015' member 'BTG-0002': {CLOSED} (plugin 'umkm')"
        )
        assert len(rejection.reasons) == 2  # workers too
        assert rejection.raw["usaha/omzet"] == "900000"
        assert not any("900000" in reason for reason in rejection.reasons)  # never the value
        assert [r.id for r in batch.rounds] == ["btg-mon-2015"]

    def test_every_reason_of_a_row_is_kept(
        self, kobo: Any, survey_mapping: ImportMapping, observations: Observations
    ) -> None:
        rows = self.rows(kobo)
        rows[1]["hh/jumlah_art"] = "banyak"  # a cell problem too: the row is refused by it
        batch = read(kobo.csv(rows), survey_mapping, observations, keep_valid=True)
        (rejection,) = batch.rejected
        assert rejection.row == 3
        assert len(batch.blocks[0]) == 3

    def test_the_rejects_file_holds_the_row(
        self,
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
        tmp_path: Path,
    ) -> None:
        batch = read(kobo.csv(self.rows(kobo)), survey_mapping, observations, keep_valid=True)
        assert write_rejects(batch, tmp_path / "rejects.csv") == 1
        lines = (tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()
        assert lines[1].startswith("survey.csv,3,")
        assert "uuid-0002" in lines[1]
        assert "(plugin 'umkm')" in lines[1]

    def test_a_fixed_rejects_file_imports(
        self,
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
        tmp_path: Path,
    ) -> None:
        batch = read(kobo.csv(self.rows(kobo)), survey_mapping, observations, keep_valid=True)
        write_rejects(batch, tmp_path / "rejects.csv")
        text = (tmp_path / "rejects.csv").read_text(encoding="utf-8")
        fixed = kobo.write("fixed.csv", text.replace('"tidak"', '"ya"').replace(",tidak,", ",ya,"))
        again = read(fixed, survey_mapping, observations, keep_valid=True)
        assert again.rejected == ()
        assert again.blocks[0].unit_ids == ("BTG-0002",)


AGGREGATED = """\
mapping_version = 1
form = "survey"
unit = "m"
[round]
id = "btg-x"
kind = "monitoring"
on = 2015-03-02
cluster = "bantaeng"
[variables.business_running]
column = "jalan"
values = { ya = true, tidak = false }
[[repeats]]
name = "usaha"
file = "usaha.csv"
[repeats.variables.monthly_revenue]
column = "omzet"
aggregate = "sum"
"""

PER_MEMBER = """\
mapping_version = 1
form = "survey"
level = "group"
unit = "kelompok"
[round]
id = "btg-x"
kind = "monitoring"
on = 2015-03-02
cluster = "bantaeng"
[variables]
group_meetings = "pertemuan"
[[repeats]]
name = "anggota"
file = "anggota.csv"
unit = "anggota/id_mitra"
[repeats.variables.business_running]
column = "anggota/jalan"
values = { ya = true, tidak = false }
[repeats.variables.monthly_revenue]
column = "anggota/omzet"
"""


class TestRepeats:
    def test_values_summed_from_a_repeat_reject_the_parent(
        self, kobo: Any, observations: Observations
    ) -> None:
        main = [
            {"m": "BTG-0001", "jalan": "tidak", "_uuid": "a", "_index": "1"},
            {"m": "BTG-0002", "jalan": "ya", "_uuid": "b", "_index": "2"},
        ]
        path = kobo.csv(main, header=["m", "jalan", "_uuid", "_index"])
        repeat = [{"omzet": "500", "_parent_index": "1"}, {"omzet": "700", "_parent_index": "2"}]
        kobo.csv(repeat, "usaha.csv", header=["omzet", "_parent_index"])
        mapping = parse_mapping(AGGREGATED)
        with pytest.raises(ImportDataError, match=r"survey.csv row 2: round 'btg-x' member"):
            read(path, mapping, observations)
        batch = read(path, mapping, observations, keep_valid=True)
        (block,) = batch.blocks
        assert block.submissions == ("b",)
        (rejection,) = batch.rejected
        assert (rejection.source, rejection.row) == ("survey.csv", 2)
        assert rejection.reasons == (f"round 'btg-x' member 'BTG-0001': {CLOSED} (plugin 'umkm')",)

    def write_groups(self, kobo: Any) -> Path:
        main = [
            {"kelompok": "BTG-K01", "pertemuan": "12", "_uuid": "g1", "_index": "1"},
            {"kelompok": "BTG-K02", "pertemuan": "3", "_uuid": "g2", "_index": "2"},
        ]
        path: Path = kobo.csv(main, header=["kelompok", "pertemuan", "_uuid", "_index"])
        members = [
            ("1", "BTG-0001", "ya", "900"),
            ("1", "BTG-0002", "tidak", "100"),  # refused: the whole of g1 goes
            ("2", "BTG-0007", "ya", "1200"),
        ]
        header = ["anggota/id_mitra", "anggota/jalan", "anggota/omzet", "_parent_index"]
        rows = [dict(zip([header[3], *header[:3]], member, strict=True)) for member in members]
        kobo.csv(rows, "anggota.csv", header=header)
        return path

    def test_a_refused_unit_row_of_a_repeat_rejects_its_whole_submission(
        self, kobo: Any, observations: Observations
    ) -> None:
        path = self.write_groups(kobo)
        mapping = parse_mapping(PER_MEMBER)
        with pytest.raises(ImportDataError) as caught:
            read(path, mapping, observations)
        assert caught.value.problems == (
            f"anggota.csv row 3: round 'btg-x' member 'BTG-0002': {CLOSED} (plugin 'umkm')",
        )
        batch = read(path, mapping, observations, keep_valid=True)
        groups, members = batch.blocks
        assert groups.unit_ids == ("BTG-K02",)
        assert members.unit_ids == ("BTG-0007",)
        assert batch.submissions == {"g2", "g2/anggota[1]"}
        (rejection,) = batch.rejected
        assert (rejection.source, rejection.row) == ("survey.csv", 2)
        assert rejection.raw["kelompok"] == "BTG-K01"
        assert rejection.reasons == (
            f"(repeat anggota.csv row 3) round 'btg-x' member 'BTG-0002': {CLOSED} (plugin 'umkm')",
        )


class TestProperties:
    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(kinds=st.lists(st.sampled_from(["good", "closed", "bad cell"]), min_size=1, max_size=10))
    def test_exactly_the_refused_rows_are_set_aside(
        self,
        kinds: list[str],
        kobo: Any,
        survey_mapping: ImportMapping,
        observations: Observations,
    ) -> None:
        rows: list[dict[str, str]] = kobo.members(len(kinds))
        for row, kind in zip(rows, kinds, strict=True):
            if kind == "closed":
                row["usaha/jalan"] = "tidak"
            elif kind == "bad cell":
                row["hh/jumlah_art"] = "banyak"
        batch = read(kobo.csv(rows), survey_mapping, observations, keep_valid=True)
        refused = [n for n, kind in enumerate(kinds, start=2) if kind != "good"]
        assert [r.row for r in batch.rejected] == refused
        kept = tuple(
            row["hh/id_mitra"] for row, kind in zip(rows, kinds, strict=True) if kind == "good"
        )
        assert tuple(u for block in batch.blocks for u in block.unit_ids) == kept
        for rejection in batch.rejected:
            plugin = kinds[rejection.row - 2] == "closed"
            assert all(("(plugin 'umkm')" in r) == plugin for r in rejection.reasons)
