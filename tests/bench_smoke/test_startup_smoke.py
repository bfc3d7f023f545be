"""The start-up benchmark runs end to end (one timed run of each command)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "startup.py"


def test_tiny_run(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--repeat", "1", "--json", "--pycache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    timed = figures["ms"]["this tree"]
    assert set(timed) == {
        "python -c pass",
        "import klaster",
        "klaster --version",
        "Store.open",
        "klaster report (csv)",
    }
    assert all(ms > 0 for ms in timed.values())
