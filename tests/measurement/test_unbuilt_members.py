"""The fast path reads a loaded program's members as columns: a report builds no member.

A program document (and the store) checks its members as columns and leaves the records to be
built on first need; the fast path's report reads the loader's columns, so a report of a
million-member program never builds a million records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import klaster
import klaster.observations
from klaster.measurement import Measurement
from klaster.observations.values import Observations

pytest.importorskip("polars")

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
CODES = ["members", "income_per_capita", "poverty_headcount"]


class TestReportReadsColumns:
    def test_a_report_builds_no_member(self) -> None:
        program = klaster.load(DATA / "bantaeng.json")
        catalogue = klaster.observations.variable_catalogue()
        obs = klaster.observations.load(DATA / "bantaeng.observations.jsonl", program, catalogue)
        results = Measurement(program, obs, backend="polars").report(CODES, by=[(), ("sector",)])
        assert all(cluster.members._pending is not None for cluster in program.clusters)
        # ... and its figures are those of the records, built by the exact path afterwards.
        exact = Measurement(program, obs).report(CODES, by=[(), ("sector",)])
        assert all(cluster.members._pending is None for cluster in program.clusters)
        assert results == exact

    def test_from_the_accepted_parquet_file_the_same_figures(self, tmp_path: Path) -> None:
        # A Parquet program read whole on the accepted road: the fast path takes the members'
        # dates, household sizes and sectors from the file's columns (members who left too).
        from klaster.model._frame_columns import program_column
        from klaster.model.records import columns_of

        exact_program = klaster.load(DATA / "bantaeng.json")
        klaster.save(exact_program, tmp_path / "bantaeng.parquet")
        program = klaster.load(tmp_path / "bantaeng.parquet")
        assert program_column([columns_of(c.members) for c in program.clusters], "left") is not None
        catalogue = klaster.observations.variable_catalogue()
        sidecar = DATA / "bantaeng.observations.jsonl"
        obs = klaster.observations.load(sidecar, program, catalogue)
        codes = [*CODES, "household_members"]
        fast = Measurement(program, obs, backend="polars").report(codes, by=[(), ("sector",)])
        assert all(cluster.members._pending is not None for cluster in program.clusters)
        exact_obs = klaster.observations.load(sidecar, exact_program, catalogue)
        exact = Measurement(exact_program, exact_obs).report(codes, by=[(), ("sector",)])
        assert fast == exact

    def test_member_arrays_from_the_file_are_the_records(self, tmp_path: Path) -> None:
        import numpy as np

        from klaster.measurement._backends.polars.cells import Naming
        from klaster.measurement._backends.polars.program import Records

        built = klaster.load(DATA / "bantaeng.json")
        klaster.save(built, tmp_path / "bantaeng.parquet")
        pending = klaster.load(tmp_path / "bantaeng.parquet")
        list(built.clusters["bantaeng"].members)  # (the records, not the columns)
        arrays = [
            Records(p, {}, ["sector"], Naming(["bantaeng"])).members() for p in (built, pending)
        ]
        assert all(cluster.members._pending is not None for cluster in pending.clusters)
        for name in ("joined", "left", "size", "_d_sector"):
            assert np.array_equal(arrays[0][name], arrays[1][name]), name
        assert (arrays[1]["left"] < 10**7).sum() == 2  # (two members left)


def _without_fieldwork(folder: Path) -> Path:
    """Bantaeng without its facilitator's assignment (so no visit, no spell to read)."""
    import json

    document = json.loads((DATA / "bantaeng.json").read_text(encoding="utf-8"))
    document["program"]["fieldwork"]["assignments"] = []
    (folder / "plain.json").write_text(json.dumps(document), encoding="utf-8")
    klaster.save(klaster.load(folder / "plain.json"), folder / "plain.parquet")
    return folder / "plain.parquet"


def _pending(clusters: Any) -> list[tuple[bool, bool]]:
    """Per cluster: whether its members, and its groups, are still the loader's columns."""
    return [(c.members._pending is not None, c.groups._pending is not None) for c in clusters]


class TestEveryIndicatorReadsColumns:
    """The whole report (mentoring, activities and counts included) builds no member (#18)."""

    def _loaded(self, tmp_path: Path) -> tuple[klaster.Program, Observations]:
        program = klaster.load(_without_fieldwork(tmp_path))
        catalogue = klaster.observations.variable_catalogue()
        obs = klaster.observations.load(DATA / "bantaeng.observations.jsonl", program, catalogue)
        return program, obs

    def test_the_whole_report_builds_no_member(self, tmp_path: Path) -> None:
        program, obs = self._loaded(tmp_path)
        fast = Measurement(program, obs, backend="polars").report()
        # (The groups' rosters decide their activity here: no group_active is recorded.)
        assert [members for members, _ in _pending(program.clusters)] == [True]
        built = klaster.load(tmp_path / "plain.json")
        catalogue = klaster.observations.variable_catalogue()
        exact_obs = klaster.observations.load(
            DATA / "bantaeng.observations.jsonl", built, catalogue
        )
        assert fast == Measurement(built, exact_obs).report()

    def test_mentoring_activities_and_counts_build_no_group(self, tmp_path: Path) -> None:
        from klaster.measurement._backends.polars.mentoring import export
        from klaster.measurement.activity_indicators import existing_groups
        from klaster.reports.context import ReportData
        from klaster.reports.sections import counts

        program, obs = self._loaded(tmp_path)
        engine = Measurement(program, obs, backend="polars")
        tables = export(program)
        assert tables.spells.is_empty()  # (no assignment: no group visit either)
        frame = engine.frame(obs.rounds()[-1].id)
        found = existing_groups(frame), frame.active_members()
        on = obs.rounds()[-1].on
        section = counts.build(ReportData(program, obs, (), made_on=on))
        assert _pending(program.clusters) == [(True, True)]
        built = klaster.load(tmp_path / "plain.json")
        catalogue = klaster.observations.variable_catalogue()
        exact_obs = klaster.observations.load(
            DATA / "bantaeng.observations.jsonl", built, catalogue
        )
        exact = Measurement(built, exact_obs).frame(obs.rounds()[-1].id)
        assert found == (existing_groups(exact), exact.active_members())
        assert found[0]
        assert found[1]
        assert section == counts.build(ReportData(built, exact_obs, (), made_on=on))

    def test_group_arrays_from_the_file_are_the_records(self, tmp_path: Path) -> None:
        import numpy as np

        from klaster.measurement._backends.polars.cells import Naming
        from klaster.measurement._backends.polars.program import Records

        program, _ = self._loaded(tmp_path)
        built = klaster.load(tmp_path / "plain.json")
        arrays = [
            Records(p, {}, ["sector"], Naming(["bantaeng"]))._read_groups()
            for p in (built, program)
        ]
        assert _pending(program.clusters) == [(True, True)]
        for name in ("_c", "formed", "dissolved", "_d_sector"):
            assert np.array_equal(arrays[0][name], arrays[1][name]), name
        assert len(arrays[1]["formed"]) == len(built.clusters["bantaeng"].groups) > 0
