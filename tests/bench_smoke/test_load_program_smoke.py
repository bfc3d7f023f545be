"""The program-read benchmark runs end to end on a small store, and its two paths agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from klaster.store import Store
from klaster.testing.samples import sample_program

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_program.py"


def test_tiny_run(tmp_path: Path) -> None:
    path = tmp_path / "p.klaster"
    Store.create(path, sample_program()).close()
    out = subprocess.run(
        [sys.executable, str(BENCH), "--store", str(path), "--repeat", "1", "--verify"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "members: 3" in out.stdout
    assert "ratio" in out.stdout
    assert "same program: True" in out.stdout
