"""``klaster screen``: a program's applicants or a table, decisions shown, recorded, written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.cli.conftest import PROGRAM, Cli

import klaster
from klaster.model.applicant import Applicant

RULES = """
version = 1
form = "all_of"

[[criteria]]
code = "poor"
label = { id = "Miskin", en = "Poor" }
reads = "monthly_income"
per_capita = true
operator = "<="
line = "poverty_line"

[[criteria]]
code = "asnaf_zakat"
label = { id = "Asnaf", en = "Asnaf" }
reads = "asnaf"
operator = "in"
threshold = ["fakir", "miskin", "gharim"]
"""
APPLIED = dt.date(2012, 3, 1)


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """The Bantaeng program with three applicants (per head: 100,000, 1,000,000, 100,000)."""
    loaded = klaster.load(PROGRAM)
    village = loaded.clusters["bantaeng"].region.villages()[0].name
    for number, (income, asnaf) in enumerate(
        [(400_000, "miskin"), (4_000_000, "fakir"), (400_000, "amil")], start=1
    ):
        loaded.intake.add_applicant(
            Applicant(
                f"APL-{number}",
                "bantaeng",
                f"Person {number}",
                "female",
                4,
                village,
                "umkm",
                APPLIED,
                answers={"monthly_income": income, "asnaf": asnaf},
            )
        )
    path = tmp_path / "program.json"
    klaster.save(loaded, path)
    return path


def test_screen_a_program(cli: Cli, program: Path, rules: Path) -> None:
    result = cli("screen", program, "--rules", rules, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["applicants"], document["eligible"]) == (3, 1)
    rows = {row["applicant_id"]: row for row in document["decisions"]}
    assert rows["APL-1"]["eligible"] is True
    assert rows["APL-2"]["failed"] == "poor"
    assert rows["APL-3"]["failed"] == "asnaf_zakat"
    assert "kabupaten 73.03" in rows["APL-1"]["evidence"]  # the cluster's kabupaten was tried
    assert "Person" not in result.stdout
    text = cli("screen", program, "--rules", rules)
    assert "1 of 3 applicants eligible" in text.stdout


def test_record_into_a_document(cli: Cli, program: Path, rules: Path) -> None:
    result = cli(
        "screen",
        program,
        "--rules",
        rules,
        "--record",
        "--on",
        "2012-03-10",
        "--decided-by",
        "tim seleksi",
    )
    assert result.returncode == 0, result.stderr
    intake = klaster.load(program).intake
    assert [intake.status(f"APL-{n}").value for n in (1, 2, 3)] == [
        "eligible",
        "not_eligible",
        "not_eligible",
    ]
    last = intake.history("APL-2")[-1]
    assert (last.failed, last.decided_by, last.on) == (
        ("poor",),
        "tim seleksi",
        dt.date(2012, 3, 10),
    )


def test_record_into_a_store(cli: Cli, program: Path, rules: Path, tmp_path: Path) -> None:
    store = tmp_path / "program.klaster"
    assert cli("init", store, "--from", program).returncode == 0
    result = cli("screen", store, "--rules", rules, "--record", "--on", "2012-03-10")
    assert result.returncode == 0, result.stderr
    from klaster.store import Store

    with Store.open(store, readonly=True) as opened:
        intake = opened.load_program().intake
    assert intake.status("APL-1").value == "eligible"
    assert intake.history("APL-3")[-1].failed == ("asnaf_zakat",)


def test_a_refused_decision_changes_nothing(cli: Cli, program: Path, rules: Path) -> None:
    # Decisions dated before the applications are refused: nothing is saved.
    before = program.read_bytes()
    result = cli("screen", program, "--rules", rules, "--record", "--on", "2012-01-01")
    assert result.returncode != 0
    assert "before the application" in result.stderr
    assert program.read_bytes() == before


def test_bad_rules_are_located(cli: Cli, program: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(RULES.replace('reads = "asnaf"', 'reads = "asnap"'), encoding="utf-8")
    before = program.read_bytes()
    result = cli("screen", program, "--rules", bad, "--record", "--on", "2012-03-10")
    assert result.returncode != 0
    assert (
        "bad.toml: criteria[1].reads: unknown screening variable 'asnap' (did you mean "
        "'asnaf'?)" in result.stderr
    )
    assert program.read_bytes() == before


def test_a_table_to_decisions(cli: Cli, rules: Path, tmp_path: Path) -> None:
    table = tmp_path / "applicants.csv"
    table.write_text(
        "applicant_id,sector,household_size,applied_on,area,monthly_income,asnaf\n"
        "A1,umkm,4,2012-03-01,73.03,400000,miskin\n"
        "A2,umkm,4,2012-03-01,73.03,4000000,miskin\n",
        encoding="utf-8",
    )
    out = tmp_path / "decisions.csv"
    result = cli("screen", "--applicants", table, "--rules", rules, "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").splitlines() == [
        "applicant_id,sector,eligible,failed",
        "A1,umkm,true,",
        "A2,umkm,false,poor",
    ]


def test_a_bad_table_writes_nothing(cli: Cli, rules: Path, tmp_path: Path) -> None:
    table = tmp_path / "applicants.csv"
    table.write_text(
        "applicant_id,sector,household_size,applied_on,monthly_income,asnaf\n"
        "A1,umkm,4,2012-03-01,400000,kaya\n",
        encoding="utf-8",
    )
    out = tmp_path / "decisions.csv"
    result = cli("screen", "--applicants", table, "--rules", rules, "--out", out)
    assert result.returncode != 0
    assert "applicants.csv row 2 column 'asnaf'" in result.stderr
    assert "kaya" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "extra",
    [
        [],  # neither a program nor a table
        ["PROGRAM", "--applicants", "a.csv"],
        ["PROGRAM", "--record"],  # no date
        ["--applicants", "a.csv", "--record", "--on", "2012-03-10"],
    ],
)
def test_usage(cli: Cli, program: Path, rules: Path, extra: list[str]) -> None:
    argv = [str(program) if a == "PROGRAM" else a for a in extra]
    result = cli("screen", "--rules", rules, *argv)
    assert result.returncode != 0


class TestSectorArea:
    """A program's applicant outside its sector's area fails ``sector_area`` (document, store)."""

    @pytest.fixture
    def placed(self, tmp_path: Path) -> Path:
        # bantaeng_intake.json: UMKM works in Kecamatan Bantaeng and Bissappu; Kampala is a desa
        # of Eremerasa. Both applicants pass the rules (100,000 per head, miskin).
        loaded = klaster.load(PROGRAM.with_name("bantaeng_intake.json"))
        for number, village in ((1, "Letta"), (2, "Kampala")):
            answers = {"monthly_income": 400_000, "asnaf": "miskin"}
            person = Applicant(
                f"APL-{number}", "bantaeng", f"Person {number}", "female", 4, village, "umkm",
                APPLIED, answers=answers,
            )  # fmt: skip
            loaded.intake.add_applicant(person)
        path = tmp_path / "placed.json"
        klaster.save(loaded, path)
        return path

    def test_screen_a_document(self, cli: Cli, placed: Path, rules: Path) -> None:
        result = cli("--json", "screen", placed, "--rules", rules)
        assert result.returncode == 0, result.stderr
        rows = {row["applicant_id"]: row for row in json.loads(result.stdout)["decisions"]}
        assert rows["APL-1"]["eligible"] is True
        assert (rows["APL-2"]["eligible"], rows["APL-2"]["failed"]) == (False, "sector_area")
        assert "village = Kampala in Bantaeng, Bissappu: not met" in rows["APL-2"]["evidence"]
        assert "Person" not in result.stdout
        text = cli("screen", placed, "--rules", rules)
        assert "1 of 2 applicants eligible" in text.stdout
        assert "sector_area 1" in text.stdout

    def test_record_into_a_store(self, cli: Cli, placed: Path, rules: Path, tmp_path: Path) -> None:
        store = tmp_path / "placed.klaster"
        assert cli("init", store, "--from", placed).returncode == 0
        result = cli("screen", store, "--rules", rules, "--record", "--on", "2012-03-10")
        assert result.returncode == 0, result.stderr
        from klaster.store import Store

        with Store.open(store, readonly=True) as opened:
            intake = opened.load_program().intake
        assert intake.status("APL-1").value == "eligible"
        assert intake.status("APL-2").value == "not_eligible"
        assert intake.history("APL-2")[-1].failed == ("sector_area",)
