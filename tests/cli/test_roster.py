"""Rosters on the command line: ``klaster init --roster`` and ``klaster import`` of a roster."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from klaster.cli import ExitCode
from klaster.importing import load_mapping, read_roster, read_submissions
from klaster.store import Store

Cli = Callable[..., subprocess.CompletedProcess[str]]
DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
ROSTER = DATA / "bantaeng_roster.csv"
MAPPING = DATA / "bantaeng_roster.toml"


def bad_roster(tmp_path: Path) -> Path:
    """The bundled roster with an unknown business type in row 5."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",seaweed_processing,", ",no_such_business,")
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def members_of(store: Path) -> int:
    with Store.open(store, readonly=True) as opened:
        return len(opened.load_program().clusters["bantaeng"].members)


class TestInitWithRoster:
    def test_creates_the_store_with_the_roster(self, cli: Cli) -> None:
        ran = cli("init", "b.klaster", "--from", PROGRAM, "--roster", ROSTER, "--mapping", MAPPING)
        assert ran.returncode == 0, ran.stderr
        assert "12 members, 2 groups and 12 memberships added" in ran.stdout + ran.stderr
        assert members_of(Path("b.klaster")) == 190 + 12

    def test_json_document_counts_the_roster(self, cli: Cli) -> None:
        ran = cli(
            "--json",
            *("init", "b.klaster", "--from", PROGRAM, "--roster", ROSTER, "--mapping", MAPPING),
        )
        document = json.loads(ran.stdout)
        assert document["roster"] == {
            "source": "bantaeng_roster.csv",
            "rows": 13,
            "members_added": 12,
            "groups_added": 2,
            "memberships_added": 12,
        }
        assert document["clusters"][0]["members"] == 202

    def test_a_bad_row_creates_no_store(self, cli: Cli, tmp_path: Path) -> None:
        roster = bad_roster(tmp_path)
        ran = cli(
            "init",
            "b.klaster",
            "--from",
            PROGRAM,
            "--roster",
            roster,
            "--mapping",
            MAPPING,
            "--json",
        )
        assert ran.returncode == ExitCode.REFUSED
        error = json.loads(ran.stderr.splitlines()[-1])["error"]
        assert error["problems"][0].startswith("roster.csv row 5 column 'jenis_usaha': ")
        assert not Path("b.klaster").exists()
        assert list(Path().glob("b.klaster*")) == []

    def test_roster_needs_its_mapping(self, cli: Cli) -> None:
        ran = cli("init", "b.klaster", "--from", PROGRAM, "--roster", ROSTER)
        assert ran.returncode == ExitCode.USAGE
        assert "--roster and --mapping go together" in ran.stderr


class TestImportRoster:
    def test_adds_once_then_nothing(self, cli: Cli) -> None:
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        first = cli("import", "b.klaster", ROSTER, "--mapping", MAPPING, "--json")
        assert first.returncode == 0, first.stderr
        counts = json.loads(first.stdout)
        assert (counts["members_added"], counts["groups_added"]) == (12, 2)
        assert counts["memberships_added"] == 12
        assert members_of(Path("b.klaster")) == 202
        again = json.loads(
            cli("import", "b.klaster", ROSTER, "--mapping", MAPPING, "--json").stdout
        )
        assert (again["members_added"], again["groups_added"], again["memberships_added"]) == (
            0,
            0,
            0,
        )

    def test_into_a_program_document_points_to_init(self, cli: Cli) -> None:
        ran = cli("import", PROGRAM, ROSTER, "--mapping", MAPPING)
        assert ran.returncode == ExitCode.USAGE
        assert f"klaster init STORE.klaster --from {PROGRAM} --roster {ROSTER}" in ran.stderr

    def test_keep_valid_is_refused(self, cli: Cli) -> None:
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        ran = cli(
            "import",
            "b.klaster",
            ROSTER,
            "--mapping",
            MAPPING,
            "--keep-valid",
            "--rejects",
            "r.csv",
        )
        assert ran.returncode == ExitCode.USAGE
        assert "a roster is added whole or not at all" in ran.stderr

    def test_dry_run_writes_nothing(self, cli: Cli) -> None:
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        before = Path("b.klaster").read_bytes()
        ran = cli("import", "b.klaster", ROSTER, "--mapping", MAPPING, "--dry-run")
        assert ran.returncode == 0, ran.stderr
        assert "members to add" in ran.stdout
        assert Path("b.klaster").read_bytes() == before

    def test_a_bad_row_leaves_the_store_unchanged(self, cli: Cli, tmp_path: Path) -> None:
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        before = Path("b.klaster").read_bytes()
        ran = cli("import", "b.klaster", bad_roster(tmp_path), "--mapping", MAPPING)
        assert ran.returncode == ExitCode.REFUSED
        assert "roster.csv row 5 column 'jenis_usaha'" in ran.stderr
        assert Path("b.klaster").read_bytes() == before
        assert members_of(Path("b.klaster")) == 190

    def test_a_write_while_reading_stops_the_import(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        reading = read_roster
        kobo = DATA / "kobo"

        def read_while_another_import_writes(*args: object, **kwargs: object) -> object:
            result = reading(*args, **kwargs)  # type: ignore[arg-type]
            with Store.open("b.klaster") as other:  # another process's registration import
                program = other.load_program()
                batch = read_submissions(
                    kobo / "registrasi_2015.csv",
                    load_mapping(kobo / "registrasi.toml"),
                    program=program,
                    observations=other.load_observations(program=program),
                )
                other.apply_import(batch)
            return result

        # (patched where import_roster looks it up when it runs: the reader loads on first use)
        patched = read_while_another_import_writes
        monkeypatch.setattr("klaster.importing.roster.read_roster", patched)
        ran = cli("import", "b.klaster", ROSTER, "--mapping", MAPPING)
        assert ran.returncode == ExitCode.BUSY
        assert "changed while the roster bantaeng_roster.csv was read" in ran.stderr
        assert members_of(Path("b.klaster")) == 190 + 5  # the other import's members kept


class TestPathsAgree:
    def test_api_init_and_import_give_the_same_program(self, cli: Cli) -> None:
        import klaster

        expected = read_roster(ROSTER, load_mapping(MAPPING), program=klaster.load(PROGRAM))
        assert (
            cli(
                "init", "a.klaster", "--from", PROGRAM, "--roster", ROSTER, "--mapping", MAPPING
            ).returncode
            == 0
        )
        assert cli("init", "b.klaster", "--from", PROGRAM).returncode == 0
        assert cli("import", "b.klaster", ROSTER, "--mapping", MAPPING).returncode == 0
        for name in ("a.klaster", "b.klaster"):
            with Store.open(name, readonly=True) as store:
                assert klaster.dumps(store.load_program()) == klaster.dumps(expected.program)
