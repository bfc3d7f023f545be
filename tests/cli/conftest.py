"""Fixtures of the command-line tests: a clean environment and ``cli(...)`` to run a command.

``cli("status", "x.klaster", "--json")`` runs ``klaster.cli.main`` in-process and returns a
``subprocess.CompletedProcess`` (``returncode``, ``stdout``, ``stderr``), the same shape the
subprocess tests get.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from klaster.cli import main

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Each test runs in its own folder, with no colour or plugin settings from outside.
    for name in (
        "NO_COLOR",
        "FORCE_COLOR",
        "COLUMNS",
        "KLASTER_PLUGINS",
        "KLASTER_DISABLE_PLUGINS",
        "KLASTER_STRICT_PLUGINS",
        "KLASTER_LANG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run one ``klaster`` command line in-process."""
    capsys.readouterr()

    def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
        args = [str(a) for a in argv]
        code = main(args)
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


@pytest.fixture
def strengthening(tmp_path: Path) -> Path:
    """The Bantaeng program document without its move to independence (still strengthening)."""
    document = json.loads(PROGRAM.read_text(encoding="utf-8"))
    history = document["program"]["clusters"][0]["lifecycle"]["history"]
    assert history[-1]["phase"] == "independence"
    del history[-1]
    path = tmp_path / "strengthening.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def store(cli: Cli, tmp_path: Path) -> Path:
    """The Bantaeng program (in independence) with its baseline and endline."""
    path = tmp_path / "bantaeng.klaster"
    assert cli("init", path, "--from", PROGRAM, "--observations", SIDECAR).returncode == 0
    return path


@pytest.fixture
def before_exit(cli: Cli, tmp_path: Path, strengthening: Path) -> Path:
    """The Bantaeng program before its move to independence, with its two rounds."""
    path = tmp_path / "before.klaster"
    assert cli("init", path, "--from", strengthening, "--observations", SIDECAR).returncode == 0
    return path
