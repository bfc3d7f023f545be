"""The measurement benchmark's two best peers (DuckDB SQL, expert polars) agree with klaster.

Every row of the library's report is checked against both in the benchmark, and a mismatch
makes it exit non-zero.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("polars")
pytest.importorskip("numpy")
pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "measurement.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_measurement_peers", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # puts src and the repository on sys.path
    return module


class TestPeers:
    def test_both_peers_give_every_row_of_the_report(self) -> None:
        bench = _bench()
        program, obs = bench.build(2_000)
        engine = bench.Measurement(program, obs, backend="polars")
        results = engine.report(bench.surveyed(engine), by=bench.BY)
        frames = bench.export(program, obs)
        for figures in (bench.DuckPeer(frames)(), bench.expert_polars(frames)):
            assert bench.agree(results, figures) == len(results)
            assert len(figures) == len(results)

    def test_a_peer_that_disagrees_fails_the_benchmark(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        bench = _bench()
        right = bench.expert_polars

        def wrong(frames: Any) -> Any:
            figures = dict(right(frames))
            key = ("members", "endline", None, None)
            value, n, missing, top, bottom = figures[key]
            figures[key] = (value + 1, n, missing, top, bottom)
            return figures

        monkeypatch.setattr(bench, "expert_polars", wrong)
        assert bench.main(["--members", "300", "--repeat", "1", "--no-python"]) == 1
        assert "MISMATCH" in capsys.readouterr().err
