"""The peak-memory benchmark of the full report runs end to end at a tiny size."""

from __future__ import annotations

import pytest
from tests.bench_smoke.runner import bench_json


class TestReportPeak:
    def test_tiny_run(self) -> None:
        pytest.importorskip("polars")
        figures = bench_json("report_peak.py", "--members", "1000", "--repeat", "1", "--with-json")
        assert figures["members"] == 1000
        assert figures["figures"] > 100
        assert figures["same_csv"] is True  # the store, Parquet and JSON inputs: the same CSV
        names = {
            f"{source}_{fmt}" for source in ("store", "parquet", "json") for fmt in ("csv", "md")
        }
        assert set(figures["peak_bytes"]) == names
        # A real process's high-water mark: more than the interpreter alone, under the goal.
        assert all(10 * 2**20 < peak < 2_000_000_000 for peak in figures["peak_bytes"].values())
        assert figures["goal_met"] is True
