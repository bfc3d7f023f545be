"""``klaster export tidy``: from a program document and from a store; the secret's paths."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from klaster.cli import ExitCode, main
from klaster.exports import SECRET_ENV, Pseudonymiser

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
SECRET = "the program office keeps this secret"


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> subprocess.CompletedProcess[str]:
    capsys.readouterr()
    args = [str(a) for a in argv]
    code = main(args)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(
            csv.DictReader(handle, delimiter=";" if b";" in path.read_bytes()[:80] else ",")
        )


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv(SECRET_ENV, raising=False)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "pseudonym.key"
    path.write_text(SECRET + "\n")
    return path


class TestExportTidy:
    def test_document_path(self, capsys: pytest.CaptureFixture[str], key: Path) -> None:
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "out", "--secret-file", key)
        assert ran.returncode == ExitCode.OK, ran.stderr
        names = sorted(p.name for p in Path("out").iterdir())
        assert names == ["figures.csv", "groups.csv", "members.csv", "memberships.csv",
                         "observations.csv"]  # fmt: skip
        members = _rows(Path("out/members.csv"))
        assert len(members) == 190
        assert members[0]["member_id"] == Pseudonymiser(SECRET)("BTG-0001")
        assert "name" not in members[0]
        observed = {r["unit_id"] for r in _rows(Path("out/observations.csv"))}
        assert observed <= {m["member_id"] for m in members}

    def test_store_path_with_ledger_and_parquet(
        self, capsys: pytest.CaptureFixture[str], key: Path, tmp_path: Path
    ) -> None:
        import polars as pl
        from tests.exports.test_tidy import _book, _observations, _program

        from klaster.store import Store

        program = _program()
        Store.create(tmp_path / "p.klaster", program, observations=_observations(program),
                     finance=[_book()]).close()  # fmt: skip
        ran = _run(capsys, "--json", "export", "tidy", "p.klaster", "--out", "pq", "--format",
                   "parquet", "--secret-file", key)  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        document = json.loads(ran.stdout)
        assert document["pseudonymised"] is True
        assert {f["table"] for f in document["files"]} >= {"members", "ledger_entries"}
        ledger = pl.read_parquet("pq/ledger_entries.parquet")
        members = set(pl.read_parquet("pq/members.parquet")["member_id"])
        assert set(ledger.filter(ledger["party_kind"] == "member")["party_id"]) <= members
        assert not list(tmp_path.glob("p.klaster-*"))  # read-only: no -wal/-shm left

    def test_figures_made_after_the_big_tables(
        self, capsys: pytest.CaptureFixture[str], key: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The report runs after the observations and members tables are made, not before the
        # export: its memory is not held beside theirs (about 1 GB more at 1M members).
        from klaster.exports import frames
        from klaster.measurement import Measurement

        order: list[str] = []

        def spy(name: str, real: Any) -> Any:
            def called(*args: Any, **kwargs: Any) -> Any:
                order.append(name)
                return real(*args, **kwargs)

            return called

        for name in ("observations_long_query", "members"):
            monkeypatch.setattr(frames, name, spy(name, getattr(frames, name)))
        monkeypatch.setattr(Measurement, "report", spy("report", Measurement.report))
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "out", "--secret-file", key)
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert order == ["observations_long_query", "members", "report"]

    def test_figures_by_the_fast_path_same_as_the_reference(
        self, capsys: pytest.CaptureFixture[str], key: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # At 1M members the Python reference took 20 s of the export; the fast path gives the
        # same figures (the exact reference is what the file is compared with).
        from klaster.measurement import Measurement, engine

        backends: list[str] = []
        report = Measurement.report

        def spy(self: Measurement, *args: Any, **kwargs: Any) -> Any:
            backends.append(self.backend)
            return report(self, *args, **kwargs)

        monkeypatch.setattr(Measurement, "report", spy)
        argv = ("export", "tidy", PROGRAM, "--secret-file", key, "--tables", "figures")
        ran = _run(capsys, *argv, "--out", "fast")
        assert ran.returncode == ExitCode.OK, ran.stderr
        monkeypatch.setattr(engine, "_backend", lambda value: "python")
        ran = _run(capsys, *argv, "--out", "exact")
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert backends == ["polars", "python"]
        fast, exact = Path("fast/figures.csv").read_bytes(), Path("exact/figures.csv").read_bytes()
        assert fast == exact
        assert len(_rows(Path("fast/figures.csv"))) > 100

    def test_without_a_secret_refuses_with_a_hint(self, capsys: pytest.CaptureFixture[str]) -> None:
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "out")
        assert ran.returncode == ExitCode.USAGE
        assert "--new-secret" in ran.stderr
        assert SECRET_ENV in ran.stderr
        assert not Path("out").exists()

    def test_new_secret_and_environment(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "a", "--new-secret", "k.key",
                   "--tables", "members")  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert "made a new pseudonym secret in k.key" in ran.stdout
        monkeypatch.setenv(SECRET_ENV, Path("k.key").read_text().strip())
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "b", "--tables", "members")
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert Path("a/members.csv").read_bytes() == Path("b/members.csv").read_bytes()
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "c", "--new-secret", "k.key")
        assert ran.returncode != ExitCode.OK
        assert "never overwritten" in ran.stderr

    def test_include_personal_and_excel_id(self, capsys: pytest.CaptureFixture[str]) -> None:
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "out", "--include-personal",
                   "--excel-id", "--tables", "members")  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert "personal data" in ran.stderr
        raw = Path("out/members.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfmember_id;")
        assert _rows(Path("out/members.csv"))[0]["member_id"] == "BTG-0001"
        assert "name" in _rows(Path("out/members.csv"))[0]

    def test_usage_errors(self, capsys: pytest.CaptureFixture[str], key: Path) -> None:
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "o", "--secret-file", key,
                   "--format", "parquet", "--excel-id")  # fmt: skip
        assert ran.returncode == ExitCode.USAGE
        assert "--excel-id" in ran.stderr
        ran = _run(capsys, "export", "tidy", PROGRAM, "--out", "o", "--secret-file", key,
                   "--include-personal")  # fmt: skip
        assert ran.returncode == ExitCode.USAGE


def test_the_command_offers_every_table() -> None:
    from klaster.cli import _export_tidy
    from klaster.exports import TABLES

    assert _export_tidy.TABLES == TABLES
