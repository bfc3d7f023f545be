"""The measurement benchmark runs end to end at a tiny scale, and its agreement check bites."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("polars")
pytest.importorskip("numpy")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "measurement.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_measurement", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # puts src and the repository on sys.path
    return module


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--members", "1000", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert (figures["clusters"], figures["members"]) == (1, 1000)
    assert figures["agree"] is True
    assert figures["checked_rows"] == figures["rows"] > 100
    for key in ("reference_s", "fast_s", "fast_first_s", "python_s", "fast_ratio", "python_ratio"):
        assert figures[key] > 0, key


def test_agreement_check_catches_a_wrong_figure() -> None:
    bench = _bench()
    program, obs = bench.build(300)
    engine = bench.Measurement(program, obs)
    results = engine.report(bench.surveyed(engine), by=bench.BY)
    reference: dict[Any, Any] = bench.reference(bench.export(program, obs))
    assert bench.agree(results, reference) == len(results)

    key = ("members", "endline", None, None)
    value, n, missing, top, bottom = reference[key]
    wrong = dict(reference)
    wrong[key] = (value + 1, n, missing, top, bottom)
    with pytest.raises(AssertionError):
        bench.agree(results, wrong)

    key = ("income_per_capita", "endline", None, None)
    value, n, missing, top, bottom = reference[key]
    wrong = dict(reference)
    wrong[key] = (value * (1 + 1e-6), n, missing, top, bottom)  # beyond the 1e-9 tolerance
    with pytest.raises(AssertionError):
        bench.agree(results, wrong)

    del wrong[key]
    with pytest.raises(AssertionError, match="no figure"):
        bench.agree(results, wrong)
