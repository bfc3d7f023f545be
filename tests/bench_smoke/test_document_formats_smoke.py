"""The document formats benchmark runs end to end at a tiny size and prints its table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.bench_smoke.test_report_files_smoke import _module

BENCH = Path(__file__).resolve().parents[2] / "bench"


class TestDocumentFormats:
    def test_tiny_run(self) -> None:
        pytest.importorskip("duckdb")
        pytest.importorskip("polars")
        pytest.importorskip("msgspec")
        out = subprocess.run(
            [
                *(sys.executable, str(BENCH / "document_formats.py")),
                *("--members", "300", "--repeat", "1", "--no-slow", "--report-s", "0.1"),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        figures = json.loads(out.stdout)
        bench = _module("document_formats")
        steps = figures["steps"]
        assert set(steps) == {s for s in bench.STEPS if s not in bench.SLOW}
        assert not [name for name, found in steps.items() if "failed" in found]
        assert figures["members"] == 300
        assert figures["problems"] == {"duckdb_csv": [], "duckdb_parquet": []}
        assert steps["doc_klaster"]["members"] == steps["doc_plain"]["members"] == 300
        assert steps["parquet_read"]["members"] == steps["bundle_records"]["members"] == 300
        assert steps["parquet_read"]["rows"] == steps["ndjson_polars"]["rows"] > 0
        assert all(found["peak_mb"] > 0 for found in steps.values())
        measured = figures["estimate"]["figures and file (measured from records)"]
        assert measured == steps["report_klaster"]["s"] > 0
        assert figures["estimate"]["total"] > measured
        assert steps["report_klaster"]["rows"] > 0
        assert steps["column_block_json"]["rows"] == steps["parquet_read"]["rows"]
        table = bench.text(figures, 0.1)
        assert "doc_structs" in table
        assert "vs DuckDB on CSV" in table

    def test_a_failed_step_is_shown(self) -> None:
        bench = _module("document_formats")
        found = {"s": 1.0, "process_s": 1.2, "peak_mb": 100.0, "read_s": 0.5, "arrays_s": 0.1}
        steps: dict[str, dict[str, object]] = {name: dict(found) for name in bench.STEPS}
        steps["doc_duckdb"] = {"failed": "Out of Memory Error", "process_s": 3.0}
        del steps["report_klaster"]  # not timed: the given time is used
        figures = {
            "members": 10,
            "cpus": 2,
            "files_mb": {"program.json": 1.0},
            "bundle_mb": {"values.parquet": 0.1},
            "steps": steps,
        }
        table = bench.text(figures, 1.5)
        assert "failed  Out of Memory Error" in table
        assert bench.estimate(figures, 1.5)["total"] == pytest.approx(1.2 + 0.5 + 0.1 + 1.5)
