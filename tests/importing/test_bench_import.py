"""The import benchmark runs end to end at a tiny scale, and its agreement check bites."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_store.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_import_store", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # puts src and the repository on sys.path
    return module


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "1500", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["rows"] == 1500
    assert figures["agree"] is True
    assert 1500 * 5 < figures["values"] <= 1500 * 6  # about 3% of incomes are missing
    for key in ("reference_s", "library_s", "ratio"):
        assert figures[key] > 0, key


def test_library_and_reference_agree(tmp_path: Path) -> None:
    bench = _bench()
    rows = 300
    export = tmp_path / "m.csv"
    bench.write_export(export, rows)
    units, rounds = bench.reference_keys(rows)
    reference = bench.reference(tmp_path / "ref.db", export, units, rounds)
    prog = bench.program(rows)
    obs = bench.Observations(prog, bench.catalogue())
    bench.Store.create(tmp_path / "base.db", prog).close()
    library = bench.library(tmp_path / "base.db", tmp_path / "run.db", export, prog, obs)
    assert library == reference
    assert set(library) == set(bench.VARIABLES)


def test_agreement_check_bites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench()
    real = bench.reference

    def one_worker_more(*args: object) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = real(*args)
        rows, present, total = found["workers"]
        found["workers"] = (rows, present, total + 1)
        return found

    monkeypatch.setattr(bench, "reference", one_worker_more)
    with pytest.raises(AssertionError):
        bench.run(200, 1, tmp_path)
