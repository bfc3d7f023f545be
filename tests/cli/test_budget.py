"""``klaster budget``: budget vs actual from a store or from documents, text and JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.cli.conftest import Cli

import klaster
from klaster import Organisation, Program
from klaster.cli import ExitCode
from klaster.finance import BudgetLine, Fund, Party, Spending, SpendingPolicy
from klaster.finance import save as save_finance
from klaster.finance.testing import PROGRAM, make_book, make_cluster
from klaster.plugins import get_host

D = dt.date


@pytest.fixture
def documents(tmp_path: Path) -> tuple[Path, Path]:
    """Program ``km`` (cluster lebak, two members) and its finance book with a budget."""
    program = Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
    )
    program.add_cluster(make_cluster())
    book = make_book(500_000_000)  # received into the revolving fund: capital
    book.policy = SpendingPolicy(over_budget="allow")
    book.add_fund(Fund("F-I", "Infak", "infaq_sadaqah", Party.program(PROGRAM), D(2012, 1, 1)))
    book.revise_budget(
        D(2012, 1, 1),
        "initial budget",
        [
            BudgetLine("capital", "zakat", 900_000_000, D(2012, 1, 1), D(2012, 12, 31)),
            BudgetLine("training", "infaq_sadaqah", 120_000_000, D(2012, 1, 1), D(2012, 12, 31)),
        ],
    )
    book.receive("F-I", D(2012, 2, 1), 50_000_000, for_spending=True)
    book.spend(Spending("S-1", "expense", D(2012, 3, 1), "F-I", 15_000_000, "training"))
    klaster.save(program, tmp_path / "km.json")
    save_finance(book, tmp_path / "km.finance.json", program=program)
    return tmp_path / "km.json", tmp_path / "km.finance.json"


def test_documents_as_json(cli: Cli, documents: tuple[Path, Path]) -> None:
    program, finance = documents
    ran = cli("budget", program, "--finance", finance, "--by", "component,source", "--json")
    assert ran.returncode == ExitCode.OK, ran.stderr
    found = json.loads(ran.stdout)
    rows = {(r["component"], r["source"]): r for r in found["rows"]}
    capital = rows[("capital", "zakat")]
    assert (capital["budget"], capital["actual"], capital["execution"]) == (
        "900000000",
        "500000000",
        "55.56",
    )
    assert rows[("training", "infaq_sadaqah")]["actual"] == "15000000"
    assert found["members_served"] == 2
    assert found["cost_per_member"] == "257500000"
    assert [s["source"] for s in found["source_shares"]] == ["zakat", "infaq_sadaqah"]


def test_store_text_with_filters(cli: Cli, documents: tuple[Path, Path], tmp_path: Path) -> None:
    program, finance = documents
    store = tmp_path / "km.klaster"
    assert cli("init", store, "--from", program, "--finance", finance).returncode == 0
    ran = cli(
        "budget", store, "--cluster", "lebak", "--period", "2012-03-01..2012-03-31",
        "--by", "component", "--by", "month", "--graduated", "2",
    )  # fmt: skip
    assert ran.returncode == ExitCode.OK, ran.stderr
    assert "Anggaran / Budget" in ran.stdout
    assert "Realisasi / Actual" in ran.stdout
    assert "Rp 15.000.000" in ran.stdout
    assert "2012-03-01 – 2012-03-31" in ran.stdout
    assert "Cost per graduated household: Rp 7.500.000" in ran.stdout


@pytest.mark.parametrize(
    ("extra", "code", "said"),
    [
        (("--by", "fund"), ExitCode.USAGE, "--by fund"),
        (("--by", "month,year"), ExitCode.REFUSED, "one of period, month, quarter, year"),
        (("--period", "2012-13-01..2012-12-31"), ExitCode.USAGE, "is not a period"),
        (("--period", "2013-01-01..2012-01-01"), ExitCode.USAGE, "ends before it starts"),
        (("--cluster", "pandeglang"), ExitCode.REFUSED, "no finance book for cluster"),
        (("--graduated", "-3"), ExitCode.USAGE, "whole number of households"),
    ],
)
def test_bad_options(
    cli: Cli, documents: tuple[Path, Path], extra: tuple[str, ...], code: int, said: str
) -> None:
    program, finance = documents
    ran = cli("budget", program, "--finance", finance, *extra)
    assert ran.returncode == code
    assert said in ran.stderr


def test_a_program_document_needs_its_finance(cli: Cli, documents: tuple[Path, Path]) -> None:
    ran = cli("budget", documents[0])
    assert ran.returncode == ExitCode.USAGE
    assert "--finance" in ran.stderr
    missing = cli("budget", documents[0], "--finance", "nowhere.json")
    assert missing.returncode == ExitCode.UNREADABLE


def _surveys(program_path: Path, *, endline: bool = True) -> Path:
    """Baseline and endline of lebak beside the program: M-1 leaves poverty, M-2 never poor."""
    from klaster import observations as obs

    program = klaster.load(program_path)
    found = obs.Observations(program, obs.variable_catalogue(get_host()))
    rounds = [("bl", "baseline", D(2011, 6, 1), 400_000, 4_000_000)]
    if endline:
        rounds.append(("el", "endline", D(2014, 3, 1), 2_000_000, 4_400_000))
    for round_id, kind, on, first, second in rounds:
        found.add_round(obs.Round(round_id, "lebak", kind, on))
        found.record_many(
            round_id,
            [("M-1", {"monthly_income": first}), ("M-2", {"monthly_income": second})],
        )  # households of 4: 100,000 -> 500,000 a head for M-1, over the BPS line
    path = program_path.with_name(program_path.stem + ".observations.jsonl")
    obs.save(found, path)
    return path


def test_graduated_auto_from_a_store_and_from_documents(
    cli: Cli, documents: tuple[Path, Path], tmp_path: Path
) -> None:
    program, finance = documents
    sidecar = _surveys(program)
    store = tmp_path / "km.klaster"
    made = cli("init", store, "--from", program, "--observations", sidecar, "--finance", finance)
    assert made.returncode == 0, made.stderr
    ran = cli("budget", store, "--graduated", "auto", "--json")
    assert ran.returncode == ExitCode.OK, ran.stderr
    found = json.loads(ran.stdout)
    assert (found["graduated"], found["graduated_by_cluster"]) == (1, {"lebak": 1})
    assert found["cost_per_graduate"] == "515000000"  # capital 500 million + training 15 million
    text = cli("budget", program, "--finance", finance, "--graduated", "auto")
    assert text.returncode == ExitCode.OK, text.stderr  # the sidecar beside the document
    assert "Graduated households: lebak 1" in text.stdout
    assert "Cost per graduated household: Rp 515.000.000" in text.stdout
    by_cluster = cli("budget", store, "--graduated", "auto", "--by", "cluster")
    assert by_cluster.returncode == ExitCode.OK, by_cluster.stderr
    assert "Cost per graduated household: lebak Rp 515.000.000" in by_cluster.stdout
    found = json.loads(
        cli("budget", store, "--graduated", "auto", "--by", "cluster", "--json").stdout
    )
    assert found["cost_per_graduate_by_cluster"] == {"lebak": "515000000"}


def test_graduated_auto_needs_both_rounds(cli: Cli, documents: tuple[Path, Path]) -> None:
    program, finance = documents
    sidecar = _surveys(program, endline=False)
    ran = cli("budget", program, "--finance", finance, "--graduated", "auto")
    assert ran.returncode == ExitCode.REFUSED
    assert "--graduated auto: endline: no round 'endline'; rounds: baseline" in ran.stderr
    sidecar.unlink()
    missing = cli("budget", program, "--finance", finance, "--graduated", "auto")
    assert missing.returncode == ExitCode.USAGE
    assert "no observations were given" in missing.stderr
    alone = cli("budget", program, "--finance", finance, "--observations", sidecar)
    assert alone.returncode == ExitCode.USAGE
    assert "--observations is for --graduated auto" in alone.stderr
