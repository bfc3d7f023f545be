"""``klaster advance`` with its readiness check, and ``klaster demo``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import klaster
from klaster import Phase, Program
from klaster.cli import ExitCode, _demo
from klaster.observations import Observations, Round, variable_catalogue
from klaster.store import Store

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"


def document(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def error_of(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (line,) = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith('{"error"')]
    error: dict[str, Any] = line["error"]
    return error


def phase_of(path: Path, cluster: str = "bantaeng") -> Phase | None:
    with Store.open(path, readonly=True) as opened:
        return opened.load_cluster(cluster).phase


def _failing_observations(program: Program) -> Observations:
    """Baseline and endline where two thirds of the businesses stopped by the endline."""
    catalogue = variable_catalogue()
    observations = Observations(program, catalogue)
    observations.add_round(Round("bl", "bantaeng", "baseline", dt.date(2011, 6, 15)))
    observations.add_round(Round("el", "bantaeng", "endline", dt.date(2014, 3, 1)))
    for index, member in enumerate(program.clusters["bantaeng"].members):
        observations.record(
            "bl", member.id, {"monthly_income": Decimal(900_000), "business_running": True}
        )
        if member.left is None:
            observations.record(
                "el",
                member.id,
                {"monthly_income": Decimal(1_200_000), "business_running": index % 3 == 0},
            )
    return observations


class TestAdvance:
    ARGS = ("--on", "2014-03-25", "--reason", "closing workshop", "--by", "Dompet Dhuafa")

    def test_ready_cluster_moves(self, cli: Cli, before_exit: Path) -> None:
        ran = cli("advance", before_exit, "bantaeng", "independence", *self.ARGS)
        assert ran.returncode == 0, ran.stderr
        assert "umkm_cluster_survival" in ran.stdout
        assert "91.5% (sector umkm)" in ran.stdout  # a share, shown as its indicator's display
        assert ">= 75.0%" in ran.stdout
        assert "Penguatan / Strengthening → Pemandirian / Independence" in ran.stdout
        assert phase_of(before_exit) is Phase.INDEPENDENCE
        with Store.open(before_exit, readonly=True) as opened:
            change = opened.load_cluster("bantaeng").lifecycle.history[-1]
        assert [c.passed for c in change.checks] == [True]
        assert "umkm_cluster_survival" in change.checks[0].detail
        # A sector's criterion is judged on its members, and the evidence says so.
        assert "(sector umkm)" in ran.stdout
        assert "business_survival_rate of sector umkm = " in change.checks[0].detail

    def test_values_speak_the_global_language(self, cli: Cli, before_exit: Path) -> None:
        ran = cli("--lang", "id", "advance", before_exit, "bantaeng", "independence", *self.ARGS)
        assert ran.returncode == 0, ran.stderr
        assert "91,5% (sector umkm)" in ran.stdout
        assert ">= 75,0%" in ran.stdout
        assert "100,0%" in ran.stdout  # core_groups_active, a share
        assert "51,6" in ran.stdout  # core_income_up: a percent change, a number
        assert "0.915" not in ran.stdout
        assert "51.576" not in ran.stdout

    def test_json_document(self, cli: Cli, before_exit: Path) -> None:
        move = document(
            cli(
                "--json",
                "advance",
                before_exit,
                "bantaeng",
                "pemandirian",
                *self.ARGS,
                "--round",
                "btg-endline",
            )
        )
        assert (move["from"], move["to"], move["on"]) == (
            "strengthening",
            "independence",
            "2014-03-25",
        )
        assert move["moved"] is True
        assert move["override"] is False
        readiness = move["readiness"]
        assert readiness["round"] == "btg-endline"
        assert readiness["ready"] is True
        criteria = {c["code"]: c for c in readiness["criteria"]}
        assert list(criteria) == [
            "core_legal_cooperative",
            "core_groups_active",
            "core_income_up",
            "umkm_cluster_survival",
        ]
        survival = criteria["umkm_cluster_survival"]
        assert survival["reads"] == "business_survival_rate"
        assert survival["sector"] == "umkm"
        assert criteria["core_income_up"]["sector"] is None  # the whole cluster's figure
        assert Decimal(survival["value"]) > Decimal(survival["threshold"])
        assert Decimal(criteria["core_income_up"]["value"]) > 50
        assert Decimal(criteria["core_legal_cooperative"]["value"]) == 1

    def _failing_store(self, tmp_path: Path, strengthening: Path) -> Path:
        program = klaster.load(strengthening)
        path = tmp_path / "failing.klaster"
        Store.create(path, program, observations=_failing_observations(program)).close()
        return path

    def test_not_ready_is_refused_with_code_4(
        self, cli: Cli, tmp_path: Path, strengthening: Path
    ) -> None:
        path = self._failing_store(tmp_path, strengthening)
        before = path.read_bytes()
        ran = cli("advance", path, "bantaeng", "independence", *self.ARGS)
        assert ran.returncode == ExitCode.NOT_READY
        assert "NOT met" in ran.stdout
        assert "--override" in ran.stderr
        assert phase_of(path) is Phase.STRENGTHENING
        assert path.read_bytes() == before
        refused = cli("--json", "advance", path, "bantaeng", "independence", *self.ARGS)
        assert refused.returncode == ExitCode.NOT_READY
        move = json.loads(refused.stdout)
        assert move["moved"] is False
        passed = {c["code"]: c["passed"] for c in move["readiness"]["criteria"]}
        # two thirds of the businesses stopped, and income rose 33%, not more than 50%
        assert passed["umkm_cluster_survival"] is False
        assert passed["core_income_up"] is False
        assert error_of(refused)["type"] == "ReadinessError"

    def test_override_moves_and_is_recorded(
        self, cli: Cli, tmp_path: Path, strengthening: Path
    ) -> None:
        path = self._failing_store(tmp_path, strengthening)
        move = document(
            cli(
                "--json",
                "advance",
                path,
                "bantaeng",
                "independence",
                *self.ARGS,
                "--override",
                "the Bupati asked for the handover now",
            )
        )
        assert move["moved"] is True
        assert move["override"] is True
        with Store.open(path, readonly=True) as opened:
            change = opened.load_cluster("bantaeng").lifecycle.history[-1]
        assert change.override is not None
        assert change.override.reason == "the Bupati asked for the handover now"
        assert change.override.approved_by == "Dompet Dhuafa"
        assert change.failed_checks
        detail = document(cli("--json", "status", path, "--cluster", "bantaeng"))
        assert detail["history"][-1]["override"] is True

    def test_no_round_to_judge_on(self, cli: Cli, tmp_path: Path, strengthening: Path) -> None:
        path = tmp_path / "bare.klaster"
        assert cli("init", path, "--from", strengthening).returncode == 0
        ran = cli("advance", path, "bantaeng", "independence", *self.ARGS)
        assert ran.returncode == ExitCode.NOT_READY
        assert "no survey round" in ran.stdout
        ran = cli("advance", path, "bantaeng", "independence", *self.ARGS, "--override", "ok")
        assert ran.returncode == 0
        assert phase_of(path) is Phase.INDEPENDENCE

    def test_other_moves_need_no_readiness(self, cli: Cli, before_exit: Path) -> None:
        move = document(
            cli(
                "--json",
                "advance",
                before_exit,
                "bantaeng",
                "suspended",
                *self.ARGS,
                "--override",
                "not needed",
            )
        )
        assert move["readiness"] is None
        assert move["override"] is False
        ran = cli(
            "advance",
            before_exit,
            "bantaeng",
            "penguatan",
            "--on",
            "2014-04-01",
            "--reason",
            "resumed",
            "--by",
            "DD",
        )
        assert ran.returncode == 0, ran.stderr
        assert phase_of(before_exit) is Phase.STRENGTHENING

    def test_illegal_move(self, cli: Cli, store: Path) -> None:
        ran = cli("advance", store, "bantaeng", "growth", *self.ARGS)
        assert ran.returncode == ExitCode.REFUSED
        assert "allowed moves: monitoring" in ran.stderr
        ran = cli(
            "advance",
            store,
            "bantaeng",
            "monitoring",
            "--on",
            "2014-01-01",
            "--reason",
            "r",
            "--by",
            "b",
        )
        assert ran.returncode == ExitCode.REFUSED
        assert "date order" in ran.stderr

    def test_unknown_cluster_or_round(self, cli: Cli, before_exit: Path) -> None:
        ran = cli("advance", before_exit, "tuban", "independence", *self.ARGS)
        assert ran.returncode == ExitCode.REFUSED
        ran = cli(
            "advance", before_exit, "bantaeng", "independence", *self.ARGS, "--round", "btg-midline"
        )
        assert ran.returncode == ExitCode.REFUSED
        assert "btg-endline" in ran.stderr
        assert phase_of(before_exit) is Phase.STRENGTHENING

    def test_busy_store(self, cli: Cli, before_exit: Path) -> None:
        with _write_lock(before_exit):
            started = time.perf_counter()
            ran = cli("--wait", "0.3", "advance", before_exit, "bantaeng", "independence",
                      *self.ARGS)  # fmt: skip
            waited = time.perf_counter() - started
            assert cli("status", before_exit).returncode == 0  # readers are not blocked
        assert ran.returncode == ExitCode.BUSY
        assert "nothing was changed" in ran.stderr
        assert "--wait SECONDS" in ran.stderr
        assert waited >= 0.3
        assert phase_of(before_exit) is Phase.STRENGTHENING

    def test_wait_must_be_seconds(self, cli: Cli, before_exit: Path) -> None:
        ran = cli("--wait", "soon", "status", before_exit)
        assert ran.returncode == ExitCode.USAGE
        assert "not a number of seconds" in ran.stderr


class _write_lock:
    """Another process's write transaction on a store."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, *exc: object) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


class TestDemo:
    def test_builds_imports_and_reports(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("--json", "demo", "--dir", tmp_path / "demo")
        demo = document(ran)
        assert demo["store"] == str(tmp_path / "demo" / "bantaeng.klaster")
        assert [i["source"].rsplit("/", 1)[-1] for i in demo["imported"]] == [
            "registrasi_2015.csv",
            "mentoring_visits.csv",
            "monitoring_2015.csv",
            "training_attendance.csv",
        ]
        assert demo["status"]["clusters"][0]["members"] == 195
        members = [r for r in demo["report"] if r["indicator"] == "members"]
        assert [r["round"] for r in members] == ["baseline", "endline", "monitoring"]
        assert {r["indicator"] for r in demo["report"]} <= set(_demo.HEADLINE)

    def test_shows_the_working_life(self, cli: Cli, tmp_path: Path) -> None:
        # The bundled activity and visit forms are imported (their facilitator and the official
        # are the bundled program's people), summed up as `klaster activities` lists them.
        demo = document(cli("--json", "demo", "--dir", tmp_path))
        listed = document(cli("--json", "activities", demo["store"]))["activities"]
        summary = {(r["kind"], r["status"]): r for r in demo["activities"]}
        assert set(summary) == {("mentoring_visit", "held"), ("training", "held")}
        for (kind, status), row in summary.items():
            same = [a for a in listed if a["kind"] == kind and a["status"] == status]
            assert row["count"] == len(same)
            assert (row["first"], row["last"]) == (same[0]["date"], same[-1]["date"])
        assert summary["training", "held"]["count"] == 3
        assert summary["training", "held"]["attended"] == sum(
            a["attendance"] for a in listed if a["kind"] == "training"
        )
        assert summary["mentoring_visit", "held"] == {
            "kind": "mentoring_visit", "status": "held", "count": 50, "first": "2012-01-10",
            "last": "2013-12-18", "attended": 84, "facilitators": 1,
        }  # fmt: skip
        endline = {r["indicator"]: r for r in demo["report"] if r["round"] == "endline"}
        assert endline["members_trained_12m"]["value"] not in (None, "0")
        assert endline["months_since_mentoring_ended"]["value"] == "2"  # Dec 2013 → Mar 2014

    def test_shows_where_and_whom(self, cli: Cli, tmp_path: Path) -> None:
        # The same ranking and screening as `klaster targeting` and `klaster screen` give on
        # the bundled files (docs/cli.md runs those).
        demo = document(cli("--json", "demo", "--dir", tmp_path))
        data = _demo.demo_data()
        ranked = document(
            cli("--json", "targeting", data / _demo.REGIONS, "--rule", data / _demo.RANKING)
        )
        assert demo["targeting"] == ranked
        assert demo["targeting"]["selected"] == ["73.03.05", "73.03.01", "73.03.02"]
        screened = demo["screening"]
        assert (screened["applicants"], screened["eligible"]) == (40, 7)
        text = cli("demo", "--dir", tmp_path / "again")
        assert "7 of 40 applicants eligible" in text.stdout
        assert "rules failed / syarat tidak terpenuhi: poor_bps 27" in text.stdout

    def test_text_and_a_second_run(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("demo", "--dir", tmp_path)
        assert ran.returncode == 0, ran.stderr
        assert "headline indicators / indikator utama" in ran.stdout
        assert "Income per capita / Pendapatan per kapita" in ran.stdout
        assert "klaster status" in ran.stdout
        assert "activities and mentoring visits / kegiatan dan pendampingan" in ran.stdout
        assert "Months since mentoring ended" in ran.stdout
        again = cli("demo", "--dir", tmp_path)
        assert again.returncode == ExitCode.REFUSED
        assert "already exists" in again.stderr

    def test_temporary_folder(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
        demo = document(cli("--json", "demo"))
        assert Path(demo["dir"]).parent == tmp_path
        assert Path(demo["store"]).exists()

    def test_data_missing(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_demo, "PROGRAM", "no-such-program.json")
        ran = cli("demo")
        assert ran.returncode == ExitCode.UNREADABLE
        assert "example data is missing" in ran.stderr

    def test_installed_data_is_preferred(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        shipped = tmp_path / "klaster" / "_demo_data"
        shipped.mkdir(parents=True)
        (shipped / _demo.PROGRAM).write_text("{}", encoding="utf-8")
        monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path / package)
        assert _demo.demo_data() == shipped
        assert _demo.demo_data() != DATA
