"""`klaster import` killed with SIGKILL at random points: the store opens, passes SQLite's
integrity check, and holds all or none of that import.

This is the whole command as a program office runs it (reading a Kobo export, checking it, and
writing it), not a batch built in memory: the kill can land while Python starts, while the file
is read, inside the write transaction, or after the commit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from klaster.store import Store

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the benchmark's data builder lives in bench/

from bench._kobo_data import MAPPING, program, write_export  # noqa: E402

ROWS = 6_000
TRIALS = 6


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        (submissions,) = conn.execute("SELECT count(*) FROM submissions").fetchone()
        (values,) = conn.execute("SELECT count(*) FROM observation_values").fetchone()
    finally:
        conn.close()
    return submissions, values


def _command(store: Path, export: Path, mapping: Path) -> list[str]:
    return [sys.executable, "-m", "klaster", "-q", "import", str(store), str(export),
            "--mapping", str(mapping)]  # fmt: skip


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("killed")
    base = folder / "base.klaster"
    Store.create(base, program(ROWS)).close()
    export = folder / "monitoring.csv"
    write_export(export, ROWS)
    mapping = folder / "monitoring.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return base, export, mapping


class TestKilledImportCommand:
    def test_complete_import_then_kills_leave_all_or_none(
        self, setting: tuple[Path, Path, Path], tmp_path: Path
    ) -> None:
        base, export, mapping = setting
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

        # One complete run: what "all" means, and how long the command takes.
        full = tmp_path / "full.klaster"
        shutil.copy(base, full)
        started = time.perf_counter()
        done = subprocess.run(
            _command(full, export, mapping), env=env, capture_output=True, text=True, check=False
        )
        duration = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        everything = _counts(full)
        assert everything[0] == ROWS
        assert everything[1] > ROWS * 5

        rng = random.Random(6)
        outcomes = set()
        for trial in range(TRIALS):
            path = tmp_path / f"trial-{trial}.klaster"
            shutil.copy(base, path)
            with subprocess.Popen(
                _command(path, export, mapping),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ) as proc:
                time.sleep(rng.uniform(0.1, duration * 1.1))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                proc.wait()
            with Store.open(path) as store:
                store.integrity_check()
            counts = _counts(path)
            assert counts in ((0, 0), everything), f"trial {trial}: half an import {counts}"
            outcomes.add(counts == everything)
            # Running the command again completes the import, or changes nothing.
            again = subprocess.run(
                _command(path, export, mapping), env=env, capture_output=True, text=True,
                check=False,
            )  # fmt: skip
            assert again.returncode == 0, again.stderr
            assert _counts(path) == everything
        assert False in outcomes, "no kill landed before the commit: the test proved nothing"
