"""``klaster form`` and ``klaster import --round``: a form, its mapping, and several rounds."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from klaster.cli import ExitCode
from klaster.forms import XLSForm, build_form
from klaster.importing import load_mapping
from klaster.observations.rounds import Round, RoundKind
from klaster.store import Store

from .conftest import DATA, Submission, export

Cli = Callable[..., subprocess.CompletedProcess[str]]
PROGRAM = DATA / "bantaeng.json"
SIDECAR = DATA / "bantaeng.observations.jsonl"


def _json(ran: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert ran.returncode == ExitCode.OK, ran.stderr
    found: dict[str, object] = json.loads(ran.stdout)
    return found


@pytest.fixture
def store(cli: Cli, tmp_path: Path) -> Path:
    """The Bantaeng store with two new monitoring rounds, ``btg-a`` and ``btg-b``."""
    path = tmp_path / "bantaeng.klaster"
    assert cli("init", path, "--from", PROGRAM, "--observations", SIDECAR).returncode == 0
    with Store.open(path) as opened:
        for round_id, on in (("btg-a", dt.date(2015, 6, 1)), ("btg-b", dt.date(2015, 12, 1))):
            opened.add_round(Round(round_id, "bantaeng", RoundKind.MONITORING, on))
    return path


def _submissions(form: XLSForm, prefix: str) -> list[Submission]:
    members = [c.name for c in form.choices if c.list_name == "members"][:3]
    return [
        Submission(
            f"{prefix}-{member}",
            {
                "identitas/member_id": member,
                "umkm/business_running": True,
                "core/monthly_income": Decimal(1_500_000 + n),
            },
            {
                "usaha": [
                    {
                        "usaha/monthly_revenue": Decimal(900_000),
                        "usaha/monthly_costs": Decimal(600_000),
                        "usaha/workers": 2,
                    }
                ]
            },
        )
        for n, member in enumerate(members)
    ]


class TestFormCommand:
    def test_writes_the_form_and_its_mapping(self, cli: Cli, tmp_path: Path) -> None:
        found = _json(
            cli(
                "--json",
                "form",
                PROGRAM,
                "--sector",
                "umkm",
                "--round",
                "btg-endline",
                "--out",
                "endline.xlsx",
            )
        )
        assert found["form_id"] == "klaster_umkm_member_btg_endline"
        assert found["repeats"] == ["usaha"]
        book = load_workbook(tmp_path / "endline.xlsx")
        assert book.sheetnames == ["survey", "choices", "settings"]
        members = [r[1] for r in book["choices"].iter_rows(values_only=True) if r[0] == "members"]
        assert "BTG-0001" in members
        kinds = {
            r[1]
            for r in book["choices"].iter_rows(values_only=True)
            if r[0] == "umkm_business_types"
        }
        assert "trading" in kinds  # the program's business types, not the plugin's batik
        assert "batik" not in kinds
        mapping = load_mapping(tmp_path / "endline.toml")
        assert mapping.round is not None
        assert mapping.round.id == "btg-endline"

    def test_options(self, cli: Cli, tmp_path: Path) -> None:
        found = _json(
            cli(
                "--json",
                "form",
                "--sector",
                "umkm,farming",
                "--variable",
                "monthly_income",
                "--variable",
                "harvest_kg,monthly_revenue",
                "--no-items",
                "--out",
                "f.xlsx",
                "--mapping",
                "m.toml",
                "--round",
                "r-2016",
                "--round-kind",
                "endline",
                "--round-on",
                "2016-03-01",
                "--cluster",
                "bantaeng",
                PROGRAM,
            )
        )
        assert found["repeats"] == []
        mapping = load_mapping(tmp_path / "m.toml")
        assert mapping.variable_codes() == ("monthly_income", "monthly_revenue", "harvest_kg")
        assert mapping.round is not None
        assert mapping.round.kind is RoundKind.ENDLINE
        assert mapping.cluster_id == "bantaeng"

    def test_bad_requests_write_nothing(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("form", "--sector", "umkm,farmin", "--out", "f.xlsx")
        assert ran.returncode == ExitCode.REFUSED
        assert "--sector: unknown sector 'farmin' (did you mean 'farming'?)" in ran.stderr
        ran = cli("form", "--sector", "umkm", "--level", "cluster", "--out", "f.xlsx")
        assert ran.returncode == ExitCode.REFUSED
        assert "--level: a form is filled about one unit" in ran.stderr
        ran = cli("form", "--sector", "umkm", "--variable", "monthly_revenu", "--out", "f.xlsx")
        assert "did you mean 'monthly_revenue'" in ran.stderr
        ran = cli("form", "--sector", "umkm", "--round-kind", "endline", "--out", "f.xlsx")
        assert ran.returncode == ExitCode.USAGE
        ran = cli("form", "--sector", "umkm", "--out", "missing/f.xlsx")
        assert ran.returncode != ExitCode.OK
        assert list(tmp_path.iterdir()) == []


class TestImportRound:
    def test_one_mapping_for_two_rounds(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        _json(cli("--json", "form", store, "--sector", "umkm", "--out", "monitoring.xlsx"))
        with Store.open(store, readonly=True) as opened:
            form = build_form(["umkm"], program=opened.load_program())
        mapping = tmp_path / "monitoring.toml"
        assert load_mapping(mapping).round is None  # left open
        for round_id, xlsx in (("btg-a", False), ("btg-b", True)):
            folder = tmp_path / round_id
            folder.mkdir()
            path = export(form, _submissions(form, round_id), folder, xlsx=xlsx)
            found = _json(
                cli("--json", "import", store, path, "--mapping", mapping, "--round", round_id)
            )
            assert found["rows_added"] == 3
        with Store.open(store, readonly=True) as opened:
            observations = opened.load_observations()
        b = observations.row("btg-b", "BTG-0002", "member")
        a = observations.row("btg-a", "BTG-0001", "member")
        assert b is not None
        assert a is not None
        assert b["monthly_income"] == Decimal(1_500_001)
        assert a["monthly_revenue"] == Decimal(900_000)

    def test_an_open_round_needs_the_option(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        with Store.open(store, readonly=True) as opened:
            form = build_form(["umkm"], program=opened.load_program())
        (tmp_path / "m.toml").write_text(form.mapping, encoding="utf-8")
        path = export(form, _submissions(form, "x"), tmp_path, xlsx=False)
        ran = cli("import", store, path, "--mapping", "m.toml")
        assert ran.returncode == ExitCode.REFUSED
        assert "m.toml round: the mapping leaves the round open" in ran.stderr
        ran = cli("validate", path, "--mapping", "m.toml", "--store", store)
        assert "m.toml round: the mapping leaves the round open" in ran.stderr
        checked = cli(
            "--json", "validate", path, "--mapping", "m.toml", "--store", store, "--round", "btg-a"
        )
        assert _json(checked)["dry_run"] is True
        ran = cli("import", store, path, "--mapping", "m.toml", "--round", "btg-c")
        assert ran.returncode == ExitCode.REFUSED
        assert "round 'btg-c' is neither held" in ran.stderr
