"""The tidy-export benchmark runs end to end at a tiny scale, and its equality check can fail."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "tidy_export.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tidy_export_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--members", "2000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "csv: the export's files equal the reference's" in out.stdout
    assert "parquet: the export's files equal the reference's" in out.stdout


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_a_different_file_fails_the_check(tmp_path: Path, format: str) -> None:
    from klaster.exports import Pseudonymiser, tidy_tables, write_tidy

    bench = _bench()
    program, obs = bench.build(1000)
    frames = tidy_tables(
        program, obs, pseudonymiser=Pseudonymiser(bench.SECRET), tables=bench.TABLES
    )
    ours = write_tidy(
        program, obs, tmp_path / f"ours-{format}", secret=bench.SECRET, format=format,
        tables=bench.TABLES,
    )  # fmt: skip
    theirs = tmp_path / f"polars-{format}"
    theirs.mkdir()
    for name, frame in frames.items():
        if format == "csv":
            frame.write_csv(theirs / f"{name}.csv", line_terminator="\r\n")
        else:
            frame.write_parquet(theirs / f"{name}.parquet")
    bench._check_same(tmp_path, frames, format)  # equal: passes
    # One row fewer in the export's observations: the check must see it.
    short = frames["observations"].head(-1)
    path = ours.folder / f"observations.{format}"
    if format == "csv":
        short.write_csv(path, line_terminator="\r\n")
    else:
        short.write_parquet(path)
    with pytest.raises(SystemExit, match="different data"):
        bench._check_same(tmp_path, frames, format)
