"""``klaster report`` and ``klaster validate`` on program documents and observation sidecars."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

import klaster
import klaster.observations
from klaster.cli import ExitCode
from klaster.measurement import Measurement
from klaster.observations import variable_catalogue

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = ROOT / "examples" / "data" / "bantaeng.observations.jsonl"


def rows_of(ran: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    assert ran.returncode == 0, ran.stderr
    rows: list[dict[str, object]] = json.loads(ran.stdout)["rows"]
    return rows


def one(rows: list[dict[str, object]], **wanted: object) -> dict[str, object]:
    (found,) = [r for r in rows if all(r.get(k) == v for k, v in wanted.items())]
    return found


class TestReportFormats:
    def test_text_table_with_bilingual_names(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM)
        assert ran.returncode == 0, ran.stderr
        assert "Members / Jumlah mitra" in ran.stdout
        assert "baseline" in ran.stdout
        assert "endline" in ran.stdout
        members = next(line for line in ran.stdout.splitlines() if line.startswith("members "))
        assert members.split()[-2:] == ["119", "188"]
        assert "n/a income_change_pct (baseline)" in ran.stdout  # why a figure is missing

    def test_json_rows_are_the_tidy_table(self, cli: Cli) -> None:
        rows = rows_of(cli("--json", "report", PROGRAM))
        total = one(rows, indicator="members", round="endline", cluster=None)
        assert total["value"] == "188"
        assert total["label_id"] == "Jumlah mitra"
        assert total["label_en"] == "Members"
        assert one(rows, indicator="members", round="endline", cluster="bantaeng")["n"] == 188

    def test_json_values_are_exact(self, cli: Cli) -> None:
        program = klaster.load(PROGRAM)
        catalogue = variable_catalogue()
        engine = Measurement(program, klaster.observations.load(SIDECAR, program, catalogue))
        expected = engine.report(["income_per_capita"], by=[()]).value(
            "income_per_capita", "endline"
        )
        rows = rows_of(
            cli("report", PROGRAM, "--format", "json", "--indicator", "income_per_capita")
        )
        value = one(rows, indicator="income_per_capita", round="endline", cluster=None)["value"]
        assert isinstance(value, str)
        assert Decimal(value) == expected

    def test_csv(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM, "--format", "csv")
        assert ran.returncode == 0, ran.stderr
        rows = list(csv.DictReader(io.StringIO(ran.stdout)))
        assert list(rows[0])[:6] == ["indicator", "label_id", "label_en", "unit", "round", "date"]
        total = next(
            r
            for r in rows
            if r["indicator"] == "members" and r["round"] == "endline" and r["cluster"] == ""
        )
        assert total["value"] == "188"
        assert total["date"] == "2014-03-01"
        baseline_change = next(
            r
            for r in rows
            if r["indicator"] == "income_change_pct"
            and r["round"] == "baseline"
            and r["cluster"] == ""
        )
        assert baseline_change["value"] == ""
        assert "this is the baseline" in baseline_change["reason"]

    def test_csv_needs_a_file_under_json(self, cli: Cli) -> None:
        ran = cli("--json", "report", PROGRAM, "--format", "csv")
        assert ran.returncode == ExitCode.USAGE
        assert ran.stdout == ""

    @pytest.mark.parametrize("fmt", ["text", "csv", "json"])
    def test_output_file(self, cli: Cli, tmp_path: Path, fmt: str) -> None:
        target = tmp_path / f"report.{fmt}"
        ran = cli("report", PROGRAM, "--format", fmt, "--output", target)
        assert ran.returncode == 0, ran.stderr
        assert "wrote" in ran.stdout
        text = target.read_text(encoding="utf-8")
        assert "members" in text
        screen = cli("report", PROGRAM, "--format", fmt).stdout
        if fmt != "text":
            assert text == screen
        as_json = cli("--json", "report", PROGRAM, "--format", fmt, "--output", target)
        document = json.loads(as_json.stdout)
        assert document["output"] == str(target)
        assert document["format"] == fmt
        assert document["rows"] > 0

    def test_output_into_a_missing_folder(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("report", PROGRAM, "--output", tmp_path / "no" / "such" / "report.csv")
        assert ran.returncode == ExitCode.UNREADABLE
        assert "cannot write" in ran.stderr
        assert not (tmp_path / "no").exists()


class TestReportSelection:
    def test_round_by_kind_or_id(self, cli: Cli) -> None:
        by_kind = rows_of(cli("--json", "report", PROGRAM, "--round", "endline"))
        by_id = rows_of(cli("--json", "report", PROGRAM, "--round", "btg-endline"))
        assert by_kind == by_id
        assert {r["round"] for r in by_kind} == {"endline"}

    def test_unknown_round(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM, "--round", "midline")
        assert ran.returncode == ExitCode.REFUSED
        assert "btg-baseline" in ran.stderr
        assert "endline" in ran.stderr

    def test_one_cluster(self, cli: Cli) -> None:
        rows = rows_of(cli("--json", "report", PROGRAM, "--cluster", "bantaeng", "--by", "sex"))
        assert {r["cluster"] for r in rows} == {"bantaeng"}
        assert {r["sex"] for r in rows} == {None, "female", "male"}

    def test_unknown_cluster(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM, "--cluster", "tuban")
        assert ran.returncode == ExitCode.REFUSED
        assert "clusters: bantaeng" in ran.stderr

    def test_disaggregations_add_up(self, cli: Cli) -> None:
        rows = rows_of(
            cli(
                "--json",
                "report",
                PROGRAM,
                "--by",
                "sex",
                "--by",
                "cluster,kecamatan",
                "--indicator",
                "members",
                "--round",
                "endline",
            )
        )
        total = one(rows, sex=None, kecamatan=None, cluster=None)["value"]
        by_sex = [r["value"] for r in rows if r["sex"] is not None]
        by_place = [r["value"] for r in rows if r["kecamatan"] is not None]
        assert isinstance(total, str)
        assert sum(Decimal(str(v)) for v in by_sex) == Decimal(total)
        assert sum(Decimal(str(v)) for v in by_place) == Decimal(total)

    def test_indicators(self, cli: Cli) -> None:
        rows = rows_of(cli("--json", "report", PROGRAM, "--indicator", "members", "groups"))
        assert {r["indicator"] for r in rows} == {"members", "groups"}

    def test_unknown_indicator_or_dimension(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM, "--indicator", "membres")
        assert ran.returncode == ExitCode.REFUSED
        assert "no indicator 'membres'" in ran.stderr
        ran = cli("report", PROGRAM, "--by", "religion")
        assert ran.returncode == ExitCode.USAGE
        assert "unknown dimension 'religion'" in ran.stderr

    def test_sidecar_beside_or_given(self, cli: Cli, tmp_path: Path) -> None:
        alone = tmp_path / "program.json"
        shutil.copy(PROGRAM, alone)
        ran = cli("report", alone)
        assert ran.returncode == ExitCode.USAGE
        assert "--observations" in ran.stderr
        given = rows_of(cli("--json", "report", alone, "--observations", SIDECAR))
        assert given == rows_of(cli("--json", "report", PROGRAM))

    def test_missing_files(self, cli: Cli) -> None:
        ran = cli("report", "nothere.json")
        assert ran.returncode == ExitCode.UNREADABLE
        assert "no such file" in ran.stderr
        ran = cli("report", PROGRAM, "--observations", "nothere.jsonl")
        assert ran.returncode == ExitCode.UNREADABLE


class TestValidateDocuments:
    def test_a_valid_program(self, cli: Cli) -> None:
        ran = cli("validate", PROGRAM)
        assert ran.returncode == 0, ran.stderr
        assert "every check passed" in ran.stdout
        document = json.loads(cli("--json", "validate", PROGRAM).stdout)
        assert document["valid"] is True
        assert document["kind"] == "program"
        assert [c["name"] for c in document["checks"]] == ["program", "sectors", "observations"]
        assert "2 round(s)" in document["checks"][2]["detail"]

    def test_sector_problems_refuse(self, cli: Cli, tmp_path: Path) -> None:
        document = json.loads(PROGRAM.read_text(encoding="utf-8"))
        del document["program"]["clusters"][0]["members"][3]["business_type"]  # umkm requires one
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(document), encoding="utf-8")
        ran = cli("validate", bad)
        assert ran.returncode == ExitCode.REFUSED
        assert "FAILED" in ran.stdout
        assert "clusters[0].members[3]: business_type is required for UMKM" in ran.stderr
        as_json = cli("--json", "validate", bad)
        result = json.loads(as_json.stdout)
        assert result["valid"] is False
        (sectors,) = [c for c in result["checks"] if c["name"] == "sectors"]
        assert sectors["passed"] is False
        assert len(sectors["problems"]) == 1
        assert json.loads(as_json.stderr)["error"]["exit_code"] == ExitCode.REFUSED

    def test_undeclared_business_type(self, cli: Cli, tmp_path: Path) -> None:
        # Issue 11: documents accepted any business type; validate, init refuse it, located.
        document = json.loads(PROGRAM.read_text(encoding="utf-8"))
        member = document["program"]["clusters"][0]["members"][3]
        member["business_type"] = "spaceships"
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(document), encoding="utf-8")
        for command in (["validate", bad], ["init", tmp_path / "k.db", "--from", bad]):
            ran = cli(*command)
            assert ran.returncode == ExitCode.UNREADABLE
            assert "program.clusters[0].members[3].business_type" in ran.stderr
            assert f"member {member['id']!r}" in ran.stderr
            assert "business types of sector 'umkm'" in ran.stderr
            assert "spaceships" not in ran.stderr
            assert member["name"] not in ran.stdout + ran.stderr
        assert not (tmp_path / "k.db").exists()

    def test_old_store_loads_and_validate_reports(self, cli: Cli, tmp_path: Path) -> None:
        store = tmp_path / "k.db"
        assert cli("init", store, "--from", PROGRAM).returncode == 0
        conn = sqlite3.connect(store)
        try:
            with conn:
                conn.execute("UPDATE members SET business_type = 'spaceships' WHERE position = 3")
        finally:
            conn.close()
        assert cli("status", store).returncode == 0
        ran = cli("validate", store)
        assert ran.returncode == ExitCode.REFUSED
        assert "business types of sector 'umkm'" in ran.stderr

    def test_personal_data_stays_out(self, cli: Cli, tmp_path: Path) -> None:
        document = json.loads(PROGRAM.read_text(encoding="utf-8"))
        member = document["program"]["clusters"][0]["members"][3]
        member["business_type"] = "spaceships"
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(document), encoding="utf-8")
        ran = cli("validate", bad)
        assert member["name"] not in ran.stdout + ran.stderr

    def test_unreadable_document(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text(
            '{"klaster": "program", "schema_version": 2, "program": {"id": "x", '
            '"name": "X", "organisation_id": "dd", "colour": "red"}}'
        )
        ran = cli("validate", bad)
        assert ran.returncode == ExitCode.UNREADABLE
        assert "unknown field 'colour'" in ran.stderr

    def test_newer_document(self, cli: Cli, tmp_path: Path) -> None:
        newer = tmp_path / "newer.json"
        document = json.loads(PROGRAM.read_text(encoding="utf-8"))
        document["schema_version"] = 999
        newer.write_text(json.dumps(document), encoding="utf-8")
        ran = cli("--json", "validate", newer)
        assert ran.returncode == ExitCode.UNREADABLE
        error = json.loads(ran.stderr)["error"]
        assert error["type"] == "SchemaVersionError"
        assert "upgrade" in error["hint"].lower()

    def test_broken_sidecar(self, cli: Cli, tmp_path: Path) -> None:
        lines = SIDECAR.read_text(encoding="utf-8").splitlines(keepends=True)
        broken = tmp_path / "broken.jsonl"
        broken.write_text("".join(lines[:-1]), encoding="utf-8")  # the end record is missing
        ran = cli("validate", PROGRAM, "--observations", broken)
        assert ran.returncode == ExitCode.UNREADABLE
        assert str(broken) in ran.stderr

    def test_import_check_needs_mapping_and_store(self, cli: Cli) -> None:
        ran = cli("validate", "survey.csv", "--mapping", "map.toml")
        assert ran.returncode == ExitCode.USAGE
        assert "--store" in ran.stderr
