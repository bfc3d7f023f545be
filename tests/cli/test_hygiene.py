"""Command-line hygiene: the nearest name for a typo, files named as what they are, no -wal."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from klaster.cli import ExitCode

Cli = Callable[..., subprocess.CompletedProcess[str]]
DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
EXPORT = DATA / "kobo" / "monitoring_2015.csv"


def error_of(ran: subprocess.CompletedProcess[str]) -> dict[str, str]:
    (line,) = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith('{"error"')]
    error: dict[str, str] = line["error"]
    return error


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    path = tmp_path / "photo.klaster"
    path.write_bytes(bytes(range(256)) * 8)
    return path


class TestTypos:
    def test_subcommand(self, cli: Cli) -> None:
        ran = cli("stauts", "x.klaster")
        assert ran.returncode == ExitCode.USAGE
        assert "invalid choice: 'stauts'; did you mean 'status'?" in ran.stderr

    def test_choice_of_an_option(self, cli: Cli, store: Path) -> None:
        ran = cli("import", store, EXPORT, "--mapping", "m.toml", "--on-conflict", "replac")
        assert ran.returncode == ExitCode.USAGE
        assert "did you mean 'replace'?" in ran.stderr

    def test_no_suggestion_when_nothing_is_close(self, cli: Cli) -> None:
        ran = cli("zzzzzz")
        assert ran.returncode == ExitCode.USAGE
        assert "did you mean" not in ran.stderr

    @pytest.mark.parametrize(
        ("typed", "meant"), [("indepedence", "independence"), ("pemandrian", "pemandirian")]
    )
    def test_phase(self, cli: Cli, store: Path, typed: str, meant: str) -> None:
        ran = cli(
            "advance", store, "bantaeng", typed, "--on", "2015-01-01", "--reason", "x", "--by", "y"
        )
        assert ran.returncode == ExitCode.USAGE
        assert f"unknown phase {typed!r}; did you mean {meant!r}?" in ran.stderr

    @pytest.mark.parametrize(
        ("typed", "meant"), [("gender", "sex"), ("clustr", "cluster"), ("sex,kelompok", "group")]
    )
    def test_dimension(self, cli: Cli, store: Path, typed: str, meant: str) -> None:
        ran = cli("report", store, "--by", typed, "--json")
        assert ran.returncode == ExitCode.USAGE
        assert f"did you mean {meant!r}?" in error_of(ran)["message"]

    def test_indicator(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--indicator", "income_per_captia")
        assert ran.returncode == ExitCode.REFUSED
        assert "did you mean 'income_per_capita'?" in ran.stderr


class TestNotAStore:
    def test_a_program_document(self, cli: Cli) -> None:
        ran = cli("status", PROGRAM, "--json")
        assert ran.returncode == ExitCode.UNREADABLE
        error = error_of(ran)
        assert error["message"] == (
            f"{PROGRAM} is a program document, not a store; create a store from it: "
            f"klaster init STORE.klaster --from {PROGRAM}"
        )
        assert error["type"] == "StoreError"

    def test_an_export(self, cli: Cli) -> None:
        ran = cli("status", EXPORT)
        assert ran.returncode == ExitCode.UNREADABLE
        assert f"{EXPORT} is a CSV file, not a store" in ran.stderr
        assert "klaster import STORE FILE --mapping MAP" in ran.stderr

    def test_a_binary_file(self, cli: Cli, binary: Path) -> None:
        ran = cli("status", binary)
        assert ran.returncode == ExitCode.UNREADABLE
        assert f"{binary} is not a klaster store (it is not an SQLite file)" in ran.stderr

    @pytest.mark.parametrize("command", ["report", "validate"])
    def test_store_or_document_commands_name_the_file(
        self, cli: Cli, binary: Path, command: str
    ) -> None:
        ran = cli(command, EXPORT)
        assert ran.returncode == ExitCode.UNREADABLE
        assert "is a CSV file, not" in ran.stderr
        assert "malformed JSON" not in ran.stderr
        ran = cli(command, binary)
        assert ran.returncode == ExitCode.UNREADABLE
        assert "neither an SQLite file nor JSON text" in ran.stderr
        assert "UTF-8" not in ran.stderr

    @pytest.mark.parametrize(
        ("content", "kind"),
        [
            (b"", "an empty file"),
            (b"mapping_version = 1\nform = 'survey'\n", "a TOML file"),
            (b'{"klaster": "observations", "schema_version": 1}\n', "an observations sidecar"),
            (b"PK\x03\x04rest", "an XLSX workbook (or another ZIP file)"),
        ],
    )
    def test_what_the_file_is(self, cli: Cli, tmp_path: Path, content: bytes, kind: str) -> None:
        path = tmp_path / "given.klaster"
        path.write_bytes(content)
        ran = cli("status", path)
        assert ran.returncode == ExitCode.UNREADABLE
        assert f"{path} is {kind}, not a store" in ran.stderr

    def test_another_klaster_document(self, cli: Cli) -> None:
        finance = DATA / "lebak_budget.finance.json"
        ran = cli("report", finance)
        assert ran.returncode == ExitCode.UNREADABLE
        assert "is a finance document, not a store or a program document" in ran.stderr


class TestReadOnlyLeavesNothing:
    @pytest.mark.parametrize(
        "argv",
        [
            ("status",),
            ("report",),
            ("validate",),
            ("import", "--dry-run", EXPORT, "--mapping", DATA / "kobo" / "monitoring.toml"),
        ],
        ids=lambda a: a[0] if a[0] != "import" else "import-dry-run",
    )
    def test_no_wal_or_shm_files(self, cli: Cli, store: Path, argv: tuple[object, ...]) -> None:
        assert sorted(p.name for p in store.parent.glob(f"{store.name}*")) == [store.name]
        command, *rest = argv
        ran = cli(command, store, *rest)
        assert ran.returncode == 0, ran.stderr
        assert sorted(p.name for p in store.parent.glob(f"{store.name}*")) == [store.name]

    def test_the_store_api_read_only(self, store: Path) -> None:
        from klaster.store import Store

        with Store.open(store, readonly=True) as opened:
            opened.load_program()
            assert (store.parent / f"{store.name}-wal").exists()  # while it is open
        assert sorted(p.name for p in store.parent.glob(f"{store.name}*")) == [store.name]

    def test_files_another_connection_holds_are_left(self, cli: Cli, store: Path) -> None:
        from klaster.store import Store

        with Store.open(store) as writer:  # another process's open store
            writer.status()
            assert cli("status", store).returncode == 0
            assert (store.parent / f"{store.name}-wal").exists()
        assert sorted(p.name for p in store.parent.glob(f"{store.name}*")) == [store.name]
