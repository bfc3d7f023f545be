"""``klaster import`` of a screening form: into a store or a program document, all or nothing."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import klaster
from klaster.cli import ExitCode

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
KOBO = DATA / "kobo"


def document(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def target(request: pytest.FixtureRequest, cli: Cli, tmp_path: Path) -> Path:
    """A program document, or a store made from it."""
    program = tmp_path / "program.json"
    shutil.copy(DATA / "bantaeng_intake.json", program)
    if request.param == "document":
        return program
    store = tmp_path / "program.klaster"
    assert cli("init", store, "--from", program).returncode == 0
    return store


def applicants(path: Path) -> int:
    if path.suffix == ".json":
        return len(klaster.load(path).intake.applicants)
    from klaster.store import Store

    with Store.open(path, readonly=True) as store:
        return len(store.load_program().intake.applicants)


def broken(tmp_path: Path, row: int, column: str, value: str) -> Path:
    with (KOBO / "screening.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    rows[row][rows[0].index(column)] = value
    out = tmp_path / "screening.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return out


@pytest.mark.parametrize("target", ["document", "store"], indirect=True)
class TestScreeningImport:
    def test_forty_applicants_then_nothing_the_second_time(self, cli: Cli, target: Path) -> None:
        for name in ("screening.csv", "screening.xlsx"):
            ran = document(
                cli("--json", "import", target, KOBO / name, "--mapping", KOBO / "screening.toml")
            )
            assert (ran["applicants_added"], ran["submissions_skipped"]) == (
                (40, 0) if name.endswith("csv") else (0, 40)
            )
        assert applicants(target) == 40

    def test_a_bad_row_writes_nothing(self, cli: Cli, target: Path, tmp_path: Path) -> None:
        before = digest(target)
        bad = broken(tmp_path, 3, "calon/desa", "Bacem")
        ran = cli("--json", "import", target, bad, "--mapping", KOBO / "screening.toml")
        assert ran.returncode == ExitCode.REFUSED
        error = json.loads(ran.stderr.splitlines()[-1])["error"]
        assert any("row 4 column 'calon/desa'" in p for p in error["problems"])
        assert "Daeng" not in ran.stderr  # no name in any message
        assert digest(target) == before

    def test_keep_valid_imports_the_others(self, cli: Cli, target: Path, tmp_path: Path) -> None:
        bad = broken(tmp_path, 3, "ekonomi/pendapatan", "banyak")
        ran = document(
            cli("--json", "import", target, bad, "--mapping", KOBO / "screening.toml",
                "--keep-valid", "--rejects", tmp_path / "rejects.csv")
        )  # fmt: skip
        assert ran["applicants_added"] == 39
        assert [r["row"] for r in ran["rejected"]] == [4]
        assert applicants(target) == 39


def test_other_forms_need_a_store(cli: Cli, tmp_path: Path) -> None:
    program = tmp_path / "program.json"
    shutil.copy(DATA / "bantaeng.json", program)
    ran = cli(
        "import", program, KOBO / "registrasi_2015.csv", "--mapping", KOBO / "registrasi.toml"
    )
    assert ran.returncode == ExitCode.USAGE
    assert "imported into a store" in ran.stderr


REGISTRATION = """\
mapping_version = 1
form = "registration"
[cluster]
id = "bantaeng"
[fields]
id = "id"
name = "nama"
sex = "jk"
household_size = "art"
village = "desa"
sector = "sektor"
joined = "tgl"
group = "kelompok"
application_id = "aplikasi"
"""


def _registration(folder: Path, name: str, *rows: tuple[str, str, str]) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["id", "nama", "jk", "art", "desa", "sektor", "tgl", "kelompok", "aplikasi",
                      "_uuid"])  # fmt: skip
        for member_id, application, group in rows:
            out.writerow([member_id, "Rosmini", "P", "4", "Letta", "umkm", "2011-06-01", group,
                          application, f"reg-{member_id}"])  # fmt: skip
    return path


@pytest.mark.parametrize("target", ["store"], indirect=True)
def test_enrolment_through_a_registration(cli: Cli, target: Path, tmp_path: Path) -> None:
    from klaster.store import Store

    mapping = tmp_path / "registration.toml"
    mapping.write_text(REGISTRATION, encoding="utf-8")
    assert cli("import", target, KOBO / "screening.csv", "--mapping", KOBO / "screening.toml")
    with Store.open(target) as store:
        program = store.load_program()
        program.intake.decide("APL-0001", "eligible", "2011-05-02")
        program.intake.decide("APL-0002", "not_eligible", "2011-05-02", failed=["income"])
        store.save_program(program)
    done = document(cli("--json", "import", target,
                        _registration(tmp_path, "a.csv", ("BTG-0901", "APL-0001", "BTG-K01")),
                        "--mapping", mapping))  # fmt: skip
    assert done["members_added"] == 1
    before = digest(target)
    for name, rows, fragment in (
        ("b.csv", [("BTG-0902", "APL-0001", "")], "already enrolled as member 'BTG-0901'"),
        ("c.csv", [("BTG-0903", "APL-0002", "")], "was found not eligible"),
    ):
        ran = cli("--json", "import", target, _registration(tmp_path, name, *rows),
                  "--mapping", mapping)  # fmt: skip
        assert ran.returncode == ExitCode.REFUSED
        problems = json.loads(ran.stderr.splitlines()[-1])["error"]["problems"]
        assert problems[0].startswith(f"{name} row 2 column 'aplikasi': ")
        assert fragment in problems[0]
        assert digest(target) == before
