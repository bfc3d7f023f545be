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
