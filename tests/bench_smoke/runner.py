"""Running a benchmark script at a tiny size, as the smoke tests do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_json(script: str, *args: str, timeout: int = 300) -> dict[str, Any]:
    """The figures ``bench/<script>`` prints with ``--json`` (fails the test on an error)."""
    out = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    found: dict[str, Any] = json.loads(out.stdout)
    return found
