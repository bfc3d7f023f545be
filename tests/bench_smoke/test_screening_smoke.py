"""The screening benchmark runs end to end, at a tiny scale (the real one is 1M applicants)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("polars")
pytest.importorskip("duckdb")
pytest.importorskip("numpy")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "screening.py"


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--applicants", "3000", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    figures = json.loads(out.stdout)
    assert figures["agree"], out.stderr
    assert figures["user_agree"], out.stderr
    assert figures["applicants"] == 3000
    assert 0 < figures["eligible"] < 3000
