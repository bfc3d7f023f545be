"""The build benchmark runs end to end at a tiny scale, and its two paths build the same data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "build.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_tiny_run() -> None:
    out = _run("--members", "2000", "--per-record-members", "1000", "--repeat", "1", "--json")
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["bulk"]["members"] == 2000
    assert figures["per_record_small"]["rows"] == figures["bulk_small"]["rows"] > 2000
    for name in ("bulk", "bulk_small", "per_record_small"):
        assert figures[name]["api_seconds"] > 0
        assert figures[name]["peak_rss_bytes"] > 0


def test_the_paths_agree() -> None:
    out = _run("--verify", "--members", "2000")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "True" in out.stdout
