"""``klaster targeting``: the ranking table, JSON, recording the choice, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.conftest import PROGRAM, Cli

import klaster
from klaster.cli import ExitCode

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
REGIONS = DATA / "bantaeng_regions.csv"
RULE = DATA / "bantaeng_ranking.toml"


def test_text_table(cli: Cli) -> None:
    ran = cli("targeting", REGIONS, "--rule", RULE)
    assert ran.returncode == ExitCode.OK, ran.stderr
    lines = ran.stdout.splitlines()
    assert any(line.startswith("1") and "Pajukukang" in line for line in lines)
    assert "Terpilih / Selected" in ran.stdout
    assert "Below threshold" in ran.stdout
    assert "* synthetic figure" in ran.stdout
    assert "Terpilih / Selected: 73.03.05, 73.03.01, 73.03.02" in ran.stdout


def test_json_document(cli: Cli) -> None:
    ran = cli("targeting", REGIONS, "--rule", RULE, "--json")
    assert ran.returncode == ExitCode.OK, ran.stderr
    found = json.loads(ran.stdout)
    assert found["selected"] == ["73.03.05", "73.03.01", "73.03.02"]
    first = found["rows"][0]
    assert (first["code"], first["rank"], first["total"]) == ("73.03.05", 1, "0.7275256")
    assert first["poverty_rate_normalised"] == "0.728814"
    rows = {row["code"]: row for row in found["rows"]}
    assert rows["73.03.06"]["decision"] == "below_threshold"
    assert rows["73.03.07"]["decision"] == "not_ranked"
    assert found["recorded"] is None
    assert found["level"] == "kecamatan"


@pytest.mark.parametrize("kind", ["document", "store"])
def test_record_the_choice(cli: Cli, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "program.json"
    target.write_bytes(PROGRAM.read_bytes())
    if kind == "store":
        store = tmp_path / "program.klaster"
        assert cli("init", store, "--from", target).returncode == 0
        target = store
    ran = cli(
        "targeting",
        REGIONS,
        "--rule",
        RULE,
        "--record",
        target,
        "--decided-by",
        "program office",
        "--on",
        "2010-09-01",
        "--json",
    )
    assert ran.returncode == ExitCode.OK, ran.stderr
    assert json.loads(ran.stdout)["recorded"]["choice"] == "kecamatan-2010-09-01"
    if kind == "store":
        from klaster.store import Store

        with Store.open(target) as opened:
            program = opened.load_program()
    else:
        program = klaster.load(target)
    choice = program.locations["kecamatan-2010-09-01"]
    assert choice.chosen == ("73.03.05", "73.03.01", "73.03.02")
    assert len(choice.evidence) == 8
    assert choice.decided_by == "program office"
    # The same ID again is refused, and nothing changes.
    before = target.read_bytes()
    again = cli(
        "targeting",
        REGIONS,
        "--rule",
        RULE,
        "--record",
        target,
        "--decided-by",
        "program office",
        "--on",
        "2010-09-01",
    )
    assert again.returncode == ExitCode.REFUSED
    assert "duplicate ID 'kecamatan-2010-09-01'" in again.stderr
    assert target.read_bytes() == before


def test_bad_rule_is_located_and_nothing_recorded(cli: Cli, tmp_path: Path) -> None:
    rule = tmp_path / "rule.toml"
    rule.write_text(
        RULE.read_text(encoding="utf-8")
        .replace('"distance_market"', '"distance_markt"')
        .replace("weight = 0.2", "weight = 0.25"),
        encoding="utf-8",
    )
    target = tmp_path / "program.json"
    target.write_bytes(PROGRAM.read_bytes())
    ran = cli(
        "targeting",
        REGIONS,
        "--rule",
        rule,
        "--record",
        target,
        "--decided-by",
        "office",
        "--on",
        "2010-09-01",
    )
    assert ran.returncode == ExitCode.REFUSED
    assert "rule.toml weights: the weights add up to 1.05" in ran.stderr
    assert target.read_bytes() == PROGRAM.read_bytes()
    rule.write_text(
        RULE.read_text(encoding="utf-8").replace('"distance_market"', '"distance_markt"'),
        encoding="utf-8",
    )
    ran = cli("targeting", REGIONS, "--rule", rule, "--json")
    error = json.loads(ran.stderr)["error"]
    assert error["problems"] == [
        "rule.toml weights[2].indicator: unknown indicator 'distance_markt' (did you mean "
        "'distance_market'?); the candidates have: distance_market, potential, poverty_rate"
    ]


def test_bad_regions_file_is_located(cli: Cli, tmp_path: Path) -> None:
    regions = tmp_path / "regions.csv"
    regions.write_text(
        REGIONS.read_text(encoding="utf-8").replace(
            ",2010,synthetic example,", ",,synthetic example,", 1
        ),
        encoding="utf-8",
    )
    ran = cli("targeting", regions, "--rule", RULE)
    assert ran.returncode == ExitCode.REFUSED
    assert "regions.csv row 9 column 'year': is empty" in ran.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--on", "2010-09-01"], "--on only go with --record"),
        (["--record", "x.json"], "--record needs --decided-by and --on"),
    ],
)
def test_usage_errors(cli: Cli, extra: list[str], message: str) -> None:
    ran = cli("targeting", REGIONS, "--rule", RULE, *extra)
    assert ran.returncode == ExitCode.USAGE
    assert message in ran.stderr


def test_missing_files(cli: Cli, tmp_path: Path) -> None:
    ran = cli("targeting", tmp_path / "none.csv", "--rule", RULE)
    assert ran.returncode == ExitCode.UNREADABLE
    assert "expected a regions CSV file" in ran.stderr
