"""The commands that create and read a store: init, status, validate, report."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import klaster
from klaster import Organisation, Phase, Program
from klaster.cli import ExitCode, _status
from klaster.cli._output import Output
from klaster.finance import Party
from klaster.finance import save as save_finance
from klaster.finance.testing import make_book, make_cluster, qard
from klaster.store import ClusterStatus, Store, StoreStatus

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
SIDECAR = DATA / "bantaeng.observations.jsonl"


def document(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def error_of(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (line,) = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith('{"error"')]
    error: dict[str, Any] = line["error"]
    return error


class TestInit:
    def test_creates_and_shows_the_store(self, cli: Cli, tmp_path: Path) -> None:
        target = tmp_path / "new.klaster"
        ran = cli("--json", "init", target, "--from", PROGRAM, "--observations", SIDECAR)
        status = document(ran)
        assert status["created"] == str(target)
        assert status["program"] == {"id": "klaster-mandiri", "name": "Klaster Mandiri"}
        (cluster,) = status["clusters"]
        assert (cluster["members"], cluster["groups"], cluster["rounds"]) == (190, 34, 2)
        with Store.open(target, readonly=True) as opened:
            assert opened.load_program() == klaster.load(PROGRAM)

    def test_refuses_an_existing_file(self, cli: Cli, store: Path) -> None:
        before = store.read_bytes()
        ran = cli("init", store, "--from", PROGRAM)
        assert ran.returncode == ExitCode.REFUSED
        assert "never overwrites" in ran.stderr
        assert store.read_bytes() == before

    def test_says_when_the_sidecar_beside_was_left_out(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("init", tmp_path / "x.klaster", "--from", PROGRAM)
        assert ran.returncode == 0
        assert "--observations" in ran.stdout
        assert (
            cli("-q", "init", tmp_path / "y.klaster", "--from", PROGRAM).stdout.count(
                "--observations"
            )
            == 0
        )

    def test_a_bad_program_leaves_no_file(self, cli: Cli, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text("{not json", encoding="utf-8")
        target = tmp_path / "x.klaster"
        ran = cli("init", target, "--from", bad)
        assert ran.returncode == ExitCode.UNREADABLE
        assert not target.exists()
        assert list(tmp_path.glob("x.klaster*")) == []

    def test_with_finance_books(self, cli: Cli, tmp_path: Path) -> None:
        program = Program(
            id="km",
            name="Klaster Mandiri",
            organisation_id="dd",
            organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        )
        program.add_cluster(make_cluster())
        klaster.save(program, tmp_path / "km.json")
        save_finance(make_book(), tmp_path / "km.finance.json", program=program)
        status = document(
            cli(
                "--json",
                "init",
                tmp_path / "km.klaster",
                "--from",
                tmp_path / "km.json",
                "--finance",
                tmp_path / "km.finance.json",
            )
        )
        (cluster,) = status["clusters"]
        assert cluster["ledger_entries"] == 1

    def test_refuses_finance_books_that_do_not_fit(self, cli: Cli, tmp_path: Path) -> None:
        program = Program(
            id="km",
            name="Klaster Mandiri",
            organisation_id="dd",
            organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        )
        program.add_cluster(make_cluster())
        klaster.save(program, tmp_path / "km.json")
        book = make_book()
        book.disburse(qard("L-1", borrower=Party.member("M-9"), sector="fishery"))
        save_finance(book, tmp_path / "km.finance.json")  # written without the program's check
        target = tmp_path / "km.klaster"
        finance = tmp_path / "km.finance.json"
        ran = cli("init", target, "--from", tmp_path / "km.json", "--finance", finance)
        assert ran.returncode != 0
        assert "books[0].loans[0].borrower: cluster 'lebak' has no member 'M-9'" in ran.stderr
        assert "books[0].loans[0].sector: unknown sector 'fishery'" in ran.stderr
        assert not target.exists()


class TestStatus:
    def test_table(self, cli: Cli, store: Path) -> None:
        ran = cli("status", store)
        assert ran.returncode == 0
        assert "Pemandirian / Independence" in ran.stdout
        line = next(x for x in ran.stdout.splitlines() if x.startswith("bantaeng"))
        assert line.split()[-7:] == ["190", "188", "34", "1", "2", "1,890", "0"]

    def test_json(self, cli: Cli, store: Path) -> None:
        status = document(cli("status", store, "--json"))
        assert status["store"] == str(store)
        (cluster,) = status["clusters"]
        assert cluster["phase"] == "independence"
        assert cluster["phase_label"] == {"id": "Pemandirian", "en": "Independence"}
        assert set(cluster) == {
            "id",
            "name",
            "phase",
            "phase_label",
            "members",
            "active_members",
            "groups",
            "cooperatives",
            "rounds",
            "observation_values",
            "ledger_entries",
        }

    def test_one_cluster_in_detail(self, cli: Cli, store: Path) -> None:
        ran = cli("status", store, "--cluster", "bantaeng")
        assert "btg-endline" in ran.stdout
        assert "Penguatan / Strengthening" in ran.stdout
        assert "next possible moves: monitoring" in ran.stdout
        detail = document(cli("--json", "status", store, "--cluster", "bantaeng"))
        assert [r["id"] for r in detail["rounds"]] == ["btg-baseline", "btg-endline"]
        assert [h["phase"] for h in detail["history"]] == [
            "planning",
            "growth",
            "strengthening",
            "independence",
        ]
        assert detail["history"][-1]["end"] is None
        assert detail["allowed_moves"] == ["monitoring"]

    def test_no_personal_data(self, cli: Cli, store: Path) -> None:
        program = klaster.load(PROGRAM)
        printed = cli("status", store, "--cluster", "bantaeng").stdout
        printed += cli("--json", "status", store, "--cluster", "bantaeng").stdout
        for member in program.clusters["bantaeng"].members:
            assert member.name not in printed

    def test_unknown_cluster(self, cli: Cli, store: Path) -> None:
        ran = cli("status", store, "--cluster", "tuban")
        assert ran.returncode == ExitCode.REFUSED
        assert "clusters: bantaeng" in ran.stderr

    def test_missing_or_not_a_store(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("status", tmp_path / "nothing.klaster")
        assert ran.returncode == ExitCode.UNREADABLE
        assert "klaster init" in ran.stderr
        text = tmp_path / "notes.klaster"
        text.write_text("shopping list\n", encoding="utf-8")
        ran = cli("--json", "status", text)
        assert ran.returncode == ExitCode.UNREADABLE
        assert error_of(ran)["type"] == "StoreError"

    def test_newer_store(self, cli: Cli, store: Path) -> None:
        with contextlib.closing(sqlite3.connect(store)) as conn, conn:
            conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        ran = cli("--json", "status", store)
        assert ran.returncode == ExitCode.UNREADABLE
        assert error_of(ran)["type"] == "SchemaVersionError"

    def test_rendering_a_status(self) -> None:
        status = StoreStatus(
            "km",
            "Klaster Mandiri",
            1,
            (
                ClusterStatus("lebak", "Lebak", None, 0, 0, 0, 0, 0, 0, 0),
                ClusterStatus("tuban", "Tuban", Phase.SUSPENDED, 12, 10, 2, 1, 3, 400, 25),
            ),
        )
        out, err = io.StringIO(), io.StringIO()
        _status.show(Output(out, err), status, "km.klaster")
        lines = out.getvalue().splitlines()
        assert lines[0] == "Klaster Mandiri [km] — store km.klaster (schema 1)"
        assert next(x for x in lines if x.startswith("lebak")).split()[1] == "-"
        tuban = next(x for x in lines if x.startswith("tuban"))
        assert "Dihentikan sementara / Suspended" in tuban
        assert tuban.split()[-7:] == ["12", "10", "2", "1", "3", "400", "25"]
        json_out = io.StringIO()
        _status.show(Output(json_out, err, json_mode=True), status, "km.klaster")
        clusters = json.loads(json_out.getvalue())["clusters"]
        assert clusters[0]["phase"] is None
        assert clusters[0]["phase_label"] is None
        assert clusters[1]["phase_label"] == {"id": "Dihentikan sementara", "en": "Suspended"}


class TestValidateStore:
    def test_a_sound_store(self, cli: Cli, store: Path) -> None:
        result = document(cli("--json", "validate", store))
        assert result["kind"] == "store"
        assert result["valid"] is True
        assert [c["name"] for c in result["checks"]] == [
            "integrity",
            "program",
            "sectors",
            "observations",
        ]

    def test_a_store_changed_behind_klaster(self, cli: Cli, store: Path) -> None:
        with contextlib.closing(sqlite3.connect(store)) as conn, conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("DELETE FROM members WHERE id = 'BTG-0001'")
        ran = cli("validate", store)
        assert ran.returncode == ExitCode.UNREADABLE
        assert "check failed" in ran.stderr

    def test_observations_option_is_for_documents(self, cli: Cli, store: Path) -> None:
        ran = cli("validate", store, "--observations", SIDECAR)
        assert ran.returncode == ExitCode.USAGE


class TestReportOnAStore:
    def test_the_same_figures_as_from_the_documents(self, cli: Cli, store: Path) -> None:
        from_store = document(cli("--json", "report", store, "--by", "sex"))
        from_documents = document(cli("--json", "report", PROGRAM, "--by", "sex"))
        assert from_store == from_documents

    def test_observations_option_is_for_documents(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--observations", SIDECAR)
        assert ran.returncode == ExitCode.USAGE
        assert "holds its observations" in ran.stderr


class TestDamagedStore:
    """A store file with one damaged byte is unreadable (exit 5), never a crash (exit 70)."""

    @pytest.mark.parametrize("command", ["status", "validate", "report"])
    def test_damaged_byte_is_unreadable_not_internal(
        self, cli: Cli, store: Path, tmp_path: Path, command: str
    ) -> None:
        data = bytearray(store.read_bytes())
        # An index on a table whose name is damaged: SQLite's message quotes the damaged name.
        at = data.find(b" ON cooperative_sectors")
        assert at >= 0
        data[at + 6] = 0xFF  # a byte that can start no UTF-8 character
        damaged = tmp_path / "damaged.klaster"
        damaged.write_bytes(bytes(data))
        result = cli(command, damaged, "--json")
        assert result.returncode == 5, result.stdout + result.stderr
        assert "damaged" in (result.stdout + result.stderr)


class TestOneSnapshot:
    def test_a_write_between_the_reads_does_not_split_them(
        self, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Another process adds a round after the program is read: the observations still come
        # from the state the program was read in (one snapshot), not from the newer one.
        from klaster.cli import _inputs
        from klaster.observations import Round

        original = Store.load_program
        writes: list[Round] = []

        def then_write(self: Store) -> Program:
            program = original(self)
            if not writes:
                with Store.open(store) as writer:
                    cluster = writer.cluster_ids()[0]
                    writes.append(
                        writer.add_round(Round("late", cluster, "monitoring", "2015-01-01"))
                    )
            return program

        monkeypatch.setattr(Store, "load_program", then_write)
        _program, observations = _inputs.program_and_observations(store, None, command="report")
        assert writes  # the write happened, between the two reads
        assert "late" not in [r.id for r in observations.rounds()]
