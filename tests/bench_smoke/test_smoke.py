"""The document benchmark runs end to end, at a tiny scale (the real one is `make bench`)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("msgspec")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "document.py"


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--scale", "0.001", "--json", "--verify"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert (figures["clusters"], figures["groups"], figures["members"]) == (1, 100, 1000)
    # The reference builds the same program, and the document round-trips byte for byte.
    # The column-wise read builds what the converter builds.
    assert figures["verify"] == {"equal": True, "roundtrip": True, "converter": True}
    keys = ("dumps_s", "loads_s", "loads_json_s", "loads_converter_s", "msgspec_s", "ratio")
    for key in (*keys, "columns_speedup", "loads_peak_mb"):
        assert figures[key] >= 0, key

    spec = importlib.util.spec_from_file_location("bench_document", BENCH)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    text = bench.table(figures)
    assert "loads / msgspec:" in text
    assert "klaster.loads, json only" in text
    assert "klaster.loads, converter" in text
