"""``klaster report`` shows the results framework's targets against the actuals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.conftest import PROGRAM, SIDECAR, Cli

import klaster
from klaster import Result, ResultIndicator, Target


def _with_targets(tmp_path: Path, code: str = "groups") -> Path:
    program = klaster.load(PROGRAM)
    program.revise_framework(
        [Result("op1", "output", "Kelompok terbentuk", [ResultIndicator(code, [
            Target(30, round_key="endline", cluster_id="bantaeng"),
            Target(40, round_key="endline"),
        ])])],
        recorded_on="2011-01-10", reason="lokakarya awal",
    )  # fmt: skip
    path = tmp_path / "targets.json"
    klaster.save(program, path)
    shutil.copy(SIDECAR, tmp_path / "targets.observations.jsonl")
    return path


def test_json_has_the_targets_with_status_and_rule(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", _with_targets(tmp_path), "--indicator", "groups", "--json")
    assert result.returncode == 0, result.stderr
    targets = json.loads(result.stdout)["targets"]
    # 34 groups at the endline: the cluster's 30 is met, the program's 40 is not.
    assert [(t["cluster"], t["target"], t["actual"], t["status"]) for t in targets] == [
        ("bantaeng", "30", "34", "achieved"),
        (None, "40", "34", "off_track"),
    ]
    assert targets[1]["rule"] == "off track: actual 34 not ≥ target 40 at the endline round"
    assert targets[1]["status_id"] == "Tidak sesuai jalur"


def test_text_shows_a_targets_table(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", _with_targets(tmp_path), "--indicator", "groups", "--cluster",
                 "bantaeng")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("Targets") for line in lines)
    (line,) = [x for x in lines if x.startswith("op1")]  # the cluster's target only
    assert "Achieved / Tercapai" in line
    assert "achieved: actual 34 ≥ target 30" in line


def test_no_framework_no_targets(cli: Cli, tmp_path: Path) -> None:
    shutil.copy(PROGRAM, tmp_path / "plain.json")
    shutil.copy(SIDECAR, tmp_path / "plain.observations.jsonl")
    result = cli("report", tmp_path / "plain.json", "--indicator", "groups", "--json")
    assert result.returncode == 0, result.stderr
    assert "targets" not in json.loads(result.stdout)
    assert "Targets" not in cli("report", tmp_path / "plain.json").stdout


def test_an_unknown_indicator_in_the_framework_is_a_located_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", _with_targets(tmp_path, code="groupz"), "--indicator", "groups")
    assert result.returncode != 0
    assert "results.versions[0].results[0].indicators[0]" in result.stderr
    assert "did you mean 'groups'" in result.stderr


def test_a_store_reports_its_targets(cli: Cli, tmp_path: Path) -> None:
    document = _with_targets(tmp_path)
    store = tmp_path / "p.klaster"
    created = cli("init", store, "--from", document, "--observations", SIDECAR)
    assert created.returncode == 0, created.stderr
    result = cli("report", store, "--indicator", "groups", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["targets"]) == 2
