"""The budget benchmark runs end to end, at a tiny scale (the real one is 10M entries)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("polars")
pytest.importorskip("duckdb")
pytest.importorskip("numpy")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "budget.py"


def test_tiny_run() -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--entries",
            "20000",
            "--clusters",
            "3",
            "--repeat",
            "1",
            "--python",
            "--user-entries",
            "300",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    figures = json.loads(out.stdout)
    # Both hand-written queries, the columnar and the pure-Python statement agree to the rupiah.
    assert figures["agree"] is True, out.stderr
    assert (figures["entries"], figures["clusters"]) == (20_000, 3)
    # 3 books x 6 components x 3 sources x 36 months.
    assert figures["rows"] == 3 * 6 * 3 * 36
    assert figures["user_entries"] == 300
    for key in ("polars_s", "duckdb_s", "klaster_s", "python_s", "ratio_polars", "ratio_duckdb",
                "user_load_s", "user_statement_python_s", "user_statement_polars_s"):  # fmt: skip
        assert figures[key] > 0, key
