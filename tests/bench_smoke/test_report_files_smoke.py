"""The document + sidecar report benchmark runs end to end at a tiny size; --verify fails loudly."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from tests.bench_smoke.runner import BENCH, bench_json


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestReportFiles:
    def test_tiny_run(self) -> None:
        pytest.importorskip("duckdb")
        pytest.importorskip("polars")
        figures = bench_json("report_files.py", "--members", "1000", "--repeat", "1")
        assert figures["members"] == 1000
        assert figures["klaster_s"] > 0
        assert figures["figures"] > 0
        assert figures["klaster_parquet_s"] > 0
        # Every figure agrees, the Parquet form's with the JSON form's too.
        assert figures["problems"] == {"duckdb": [], "polars": [], "klaster_parquet": []}
        assert figures["vs_duckdb"] > 0
        assert figures["vs_duckdb"] == min(
            figures["klaster_vs_duckdb"], figures["klaster_parquet_vs_duckdb"]
        )
        assert "DuckDB SQL" in _module("report_files").text(figures)

    def test_a_difference_is_found(self) -> None:
        bench = _module("report_files")
        ours = {("members", "baseline", "", ""): (10.0, 10)}
        assert bench.differences(ours, ours) == []
        assert bench.differences(ours, {("members", "baseline", "", ""): (11.0, 10)})
        assert bench.differences(ours, {("members", "baseline", "", ""): (10.0, 9)})
        assert bench.differences(ours, {})


class TestDocumentVerify:
    def test_verify_fails_on_a_mismatch(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("msgspec")
        bench = _module("document")
        assert bench.verify_status({}) == 0
        assert bench.verify_status({"verify": {"equal": True, "roundtrip": True}}) == 0
        assert bench.verify_status({"verify": {"equal": False, "roundtrip": True}}) == 1
        assert "verify FAILED: equal" in capsys.readouterr().err
        assert bench.verify_status({"verify": {"equal": True, "roundtrip": False}}) == 1
        same = {"equal": True, "roundtrip": True}
        assert bench.verify_status({"verify": {**same, "converter": False}}) == 1
        assert bench.verify_status({"verify": {**same, "converter": True}}) == 0
