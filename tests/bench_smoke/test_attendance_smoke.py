"""The attendance-import benchmark runs end to end, at a tiny scale (the real one is 1M rows)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "attendance.py"


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "1000", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert (figures["rows"], figures["activities"]) == (1000, 10)
    assert figures["agree"] is True  # store and reference hold the same rows and attendees
    for key in ("apply_ratio", "file_ratio", "apply_library_s", "file_library_s"):
        assert figures[key] > 0, key
