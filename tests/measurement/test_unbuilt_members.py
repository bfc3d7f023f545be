"""The fast path reads a loaded program's members as columns: a report builds no member.

A program document (and the store) checks its members as columns and leaves the records to be
built on first need; the fast path's report reads the loader's columns, so a report of a
million-member program never builds a million records.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import klaster
import klaster.observations
from klaster.measurement import Measurement

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
