"""``klaster import``: Kobo/ODK exports into a store, all or nothing, twice is once."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from klaster.cli import ExitCode

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
KOBO = DATA / "kobo"


def document(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def error_of(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (line,) = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith('{"error"')]
    error: dict[str, Any] = line["error"]
    return error


def _copy_kobo(tmp_path: Path) -> Path:
    folder = tmp_path / "kobo"
    shutil.copytree(KOBO, folder)
    return folder


class TestImport:
    def test_registration_then_survey(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        kobo = _copy_kobo(tmp_path)
        added = document(
            cli(
                "--json",
                "import",
                store,
                kobo / "registrasi_2015.csv",
                "--mapping",
                kobo / "registrasi.toml",
            )
        )
        assert added["members_added"] == 5
        assert added["rejected"] == []
        survey = document(
            cli(
                "--json",
                "import",
                store,
                kobo / "monitoring_2015.csv",
                "--mapping",
                kobo / "monitoring.toml",
            )
        )
        assert survey["rows_added"] == 40
        assert survey["rounds_added"] == ["btg-monitoring-2015"]
        status = document(cli("--json", "status", store))
        assert status["clusters"][0]["members"] == 195
        assert status["clusters"][0]["rounds"] == 3

    def test_the_same_file_twice_changes_nothing(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        kobo = _copy_kobo(tmp_path)
        for name, mapping in (
            ("registrasi_2015.csv", "registrasi.toml"),
            ("monitoring_2015.csv", "monitoring.toml"),
        ):
            assert cli("import", store, kobo / name, "--mapping", kobo / mapping).returncode == 0
        before = document(cli("--json", "status", store))
        for name, mapping in (
            ("registrasi_2015.csv", "registrasi.toml"),
            ("monitoring_2015.xlsx", "monitoring.toml"),
        ):
            again = document(
                cli("--json", "import", store, kobo / name, "--mapping", kobo / mapping)
            )
            assert again["members_added"] == again["rows_added"] == 0
            assert again["submissions_skipped"] > 0
        assert document(cli("--json", "status", store)) == before

    def test_dry_run_writes_nothing(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        kobo = _copy_kobo(tmp_path)
        before = store.read_bytes()
        ran = cli(
            "--json",
            "import",
            store,
            kobo / "registrasi_2015.csv",
            "--mapping",
            kobo / "registrasi.toml",
            "--dry-run",
        )
        assert document(ran)["dry_run"] is True
        assert document(ran)["members_added"] == 5
        assert store.read_bytes() == before
        shown = cli(
            "import",
            store,
            kobo / "registrasi_2015.csv",
            "--mapping",
            kobo / "registrasi.toml",
            "--dry-run",
        )
        assert "members to add" in shown.stdout
        assert "nothing was written" in shown.stdout

    def _bad_survey(self, tmp_path: Path, rows: int) -> tuple[Path, Path]:
        mapping = tmp_path / "visit.toml"
        mapping.write_text(
            'mapping_version = 1\nform = "survey"\nunit = "member"\n'
            'cluster = { id = "bantaeng" }\n'
            'round = { id = "btg-visit", kind = "monitoring", on = "2015-03-02" }\n'
            '[variables]\nmonthly_income = { column = "pendapatan", scale = "ribu" }\n',
            encoding="utf-8",
        )
        data = tmp_path / "visit.csv"
        lines = ["_uuid;member;pendapatan"]
        lines += [f"u-{n};BTG-{n:04d};{-5 if n % 2 else 1500}" for n in range(1, rows + 1)]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return data, mapping

    def test_bad_rows_refuse_everything(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        data, mapping = self._bad_survey(tmp_path, 120)
        before = store.read_bytes()
        ran = cli("import", store, data, "--mapping", mapping)
        assert ran.returncode == ExitCode.REFUSED
        assert "visit.csv row 2 column 'pendapatan'" in ran.stderr
        assert "... and 10 more" in ran.stderr  # 60 problems: 50 shown
        assert "--keep-valid" in ran.stderr
        assert store.read_bytes() == before
        as_json = cli("--json", "import", store, data, "--mapping", mapping)
        assert as_json.stdout == ""
        assert len(error_of(as_json)["problems"]) == 60

    def test_keep_valid_writes_the_rejects(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        data, mapping = self._bad_survey(tmp_path, 6)
        rejects = tmp_path / "rejects.csv"
        ran = cli(
            "--json",
            "import",
            store,
            data,
            "--mapping",
            mapping,
            "--keep-valid",
            "--rejects",
            rejects,
        )
        result = document(ran)
        assert result["rows_added"] == 3
        assert [r["row"] for r in result["rejected"]] == [2, 4, 6]
        assert result["rejects_file"] == str(rejects)
        with rejects.open(encoding="utf-8", newline="") as handle:
            assert len(list(csv.DictReader(handle))) == 3
        assert "warning" in ran.stderr

    def test_keep_valid_needs_rejects(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        data, mapping = self._bad_survey(tmp_path, 2)
        ran = cli("import", store, data, "--mapping", mapping, "--keep-valid")
        assert ran.returncode == ExitCode.USAGE
        ran = cli("import", store, data, "--mapping", mapping, "--rejects", "r.csv")
        assert ran.returncode == ExitCode.USAGE

    def test_missing_files(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        data, mapping = self._bad_survey(tmp_path, 2)
        assert cli("import", store, "nothing.csv", "--mapping", mapping).returncode == 5
        assert cli("import", store, data, "--mapping", "nothing.toml").returncode == 5
        assert cli("import", "nothing.klaster", data, "--mapping", mapping).returncode == 5

    def test_validate_an_import(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        kobo = _copy_kobo(tmp_path)
        before = store.read_bytes()
        ran = cli(
            "--json",
            "validate",
            kobo / "monitoring_2015.xlsx",
            "--mapping",
            kobo / "monitoring.toml",
            "--store",
            store,
        )
        assert document(ran)["rows_added"] == 40
        assert store.read_bytes() == before
        data, mapping = self._bad_survey(tmp_path, 3)
        assert cli("validate", data, "--mapping", mapping, "--store", store).returncode == 1


class TestAnswersGivenTwice:
    def test_refused_then_replaced_by_the_later_submission(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        kobo = _copy_kobo(tmp_path)
        for name, mapping in (
            ("registrasi_2015.csv", "registrasi.toml"),
            ("monitoring_2015.csv", "monitoring.toml"),
        ):
            assert cli("import", store, kobo / name, "--mapping", kobo / mapping).returncode == 0
        # A second export of the same round: new submissions, sent three days later.
        again = tmp_path / "again"
        shutil.copytree(kobo, again)
        path = again / "monitoring_2015.csv"
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        uuid, when = rows[0].index("_uuid"), rows[0].index("_submission_time")
        for line in rows[1:]:
            line[uuid] = "again-" + line[uuid]
            line[when] = line[when].replace("2015-03-0", "2015-03-1")
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(rows)
        args = ("--json", "import", store, path, "--mapping", kobo / "monitoring.toml")
        refused = cli(*args)
        assert refused.returncode == ExitCode.REFUSED
        assert "would overwrite" in refused.stdout + refused.stderr
        assert "again-" in refused.stdout + refused.stderr
        replaced = document(cli(*args, "--on-conflict", "replace"))
        assert replaced["replaced"] == replaced["rows_added"] == 40


class TestSectorRules:
    """A row the umkm plugin refuses (no business running, yet revenue) under --keep-valid."""

    def _files(self, tmp_path: Path) -> tuple[Path, Path]:
        mapping = tmp_path / "usaha.toml"
        mapping.write_text(
            'mapping_version = 1\nform = "survey"\nunit = "member"\n'
            'cluster = { id = "bantaeng" }\n'
            'round = { id = "btg-visit", kind = "monitoring", on = "2015-03-02" }\n'
            "[variables]\n"
            'business_running = { column = "jalan", values = { ya = true, tidak = false } }\n'
            'monthly_revenue = { column = "omzet" }\n',
            encoding="utf-8",
        )
        data = tmp_path / "usaha.csv"
        lines = ["_uuid;member;jalan;omzet"]
        lines += [f"u-{n};BTG-{n:04d};{'tidak' if n == 2 else 'ya'};750000" for n in range(1, 5)]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return data, mapping

    def _stored(self, store: Path) -> dict[str, Any]:
        from klaster.store import Store

        with Store.open(store) as opened:
            observations = opened.load_observations()
            return {
                member: observations.row("btg-visit", member)
                for member in ("BTG-0001", "BTG-0002", "BTG-0003", "BTG-0004")
            }

    def test_without_keep_valid_nothing_is_imported(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        data, mapping = self._files(tmp_path)
        before = store.read_bytes()
        ran = cli("import", store, data, "--mapping", mapping)
        assert ran.returncode == ExitCode.REFUSED
        assert "usaha.csv row 3: round 'btg-visit' member 'BTG-0002'" in ran.stderr
        assert store.read_bytes() == before

    def test_keep_valid_imports_the_others_and_writes_the_row_to_the_rejects(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        data, mapping = self._files(tmp_path)
        rejects = tmp_path / "rejects.csv"
        args = ("--json", "import", store, data, "--mapping", mapping, "--keep-valid")
        result = document(cli(*args, "--rejects", rejects))
        assert result["rows_added"] == 3
        assert result["rounds_added"] == ["btg-visit"]
        (rejected,) = result["rejected"]
        assert (rejected["source"], rejected["row"]) == ("usaha.csv", 3)
        assert rejected["reasons"] == [
            "round 'btg-visit' member 'BTG-0002': monthly_revenue is recorded although "
            "business_running is false (plugin 'umkm')"
        ]
        with rejects.open(encoding="utf-8", newline="") as handle:
            (row,) = list(csv.DictReader(handle))
        assert (row["_source"], row["_row"], row["_uuid"], row["jalan"]) == (
            "usaha.csv",
            "3",
            "u-2",
            "tidak",
        )
        assert "plugin 'umkm'" in row["_reasons"]
        stored = self._stored(store)
        assert stored["BTG-0002"] is None
        assert all(stored[m] is not None for m in ("BTG-0001", "BTG-0003", "BTG-0004"))

        status = document(cli("--json", "status", store))
        again = document(cli(*args, "--rejects", tmp_path / "again.csv"))
        assert again["rows_added"] == 0
        assert again["submissions_skipped"] == 3
        assert [r["row"] for r in again["rejected"]] == [3]
        assert document(cli("--json", "status", store)) == status
        assert self._stored(store) == stored
        assert (tmp_path / "again.csv").read_bytes() == rejects.read_bytes()
