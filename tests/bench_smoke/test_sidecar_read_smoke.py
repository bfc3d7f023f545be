"""The sidecar-reading benchmark runs end to end on a small program's files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import klaster
import klaster.observations

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sidecar_read.py"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"


def test_tiny_run(tmp_path: Path) -> None:
    program = klaster.load(EXAMPLES / "bantaeng.json")
    obs = klaster.observations.load(
        EXAMPLES / "bantaeng.observations.jsonl", program, klaster.observations.variable_catalogue()
    )
    klaster.save(program, tmp_path / "p.json")
    klaster.observations.save(obs, tmp_path / "p.observations.jsonl")
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--files",
            str(tmp_path / "p.json"),
            str(tmp_path / "p.observations.jsonl"),
            "--repeat",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert len(figures["sidecar_s"]) == 2
    assert figures["rounds"] == len(list(obs.rounds()))


def test_only_some_variables(tmp_path: Path) -> None:
    # --only: what `klaster report` reads for its four figures (load(only=...)).
    program = klaster.load(EXAMPLES / "bantaeng.json")
    obs = klaster.observations.load(
        EXAMPLES / "bantaeng.observations.jsonl", program, klaster.observations.variable_catalogue()
    )
    klaster.save(program, tmp_path / "p.json")
    klaster.observations.save(obs, tmp_path / "p.observations.jsonl")
    files = [str(tmp_path / "p.json"), str(tmp_path / "p.observations.jsonl")]
    only = ["--only", "monthly_income", "household_size"]
    out = subprocess.run(
        [sys.executable, str(BENCH), "--files", *files, "--repeat", "1", "--json", *only],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["only"] == ["monthly_income", "household_size"]
    assert figures["rounds"] == len(list(obs.rounds()))
