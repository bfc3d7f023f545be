"""``klaster import`` of activity and mentoring-visit forms, end to end into a store."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import klaster
from klaster import Activity, Participant
from klaster.store import Store

Cli = Callable[..., subprocess.CompletedProcess[str]]
DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
KOBO = DATA / "kobo"
FORMS = (("training_attendance", "activities_added", 3), ("mentoring_visits", "visits_added", 50))


def _store(cli: Cli, tmp_path: Path, *planned: Activity) -> Path:
    # The bundled program has the forms' facilitator pd-btg-1 (assigned 2011-04-04 to
    # 2014-03-31) and the official diskop-btg-1.
    program = klaster.load(DATA / "bantaeng.json")
    for activity in planned:
        program.fieldwork.add_activity(activity)
    klaster.save(program, tmp_path / "program.json")
    path = tmp_path / "bantaeng.klaster"
    assert cli("init", path, "--from", tmp_path / "program.json").returncode == 0
    return path


def test_activities_and_visits_into_a_store_twice_is_once(cli: Cli, tmp_path: Path) -> None:
    store = _store(cli, tmp_path)
    for form, key, count in FORMS:
        dry = cli(
            "--json",
            "import",
            store,
            KOBO / f"{form}.csv",
            "--mapping",
            KOBO / f"{form}.toml",
            "--dry-run",
        )
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)[key] == count
        ran = cli(
            "--json", "import", store, KOBO / f"{form}.csv", "--mapping", KOBO / f"{form}.toml"
        )
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)[key] == count
        # The XLSX export holds the same submissions: nothing more is written.
        again = cli(
            "--json", "import", store, KOBO / f"{form}.xlsx", "--mapping", KOBO / f"{form}.toml"
        )
        assert again.returncode == 0, again.stderr
        done = json.loads(again.stdout)
        assert (done[key], done["submissions_skipped"]) == (0, count)
    with Store.open(store) as opened:
        fieldwork = opened.load_program().fieldwork
    expected = klaster.load(tmp_path / "program.json")
    for form, _, _ in FORMS:
        batch = klaster.importing.read_submissions(
            KOBO / f"{form}.csv",
            klaster.importing.load_mapping(KOBO / f"{form}.toml"),
            program=expected,
        )
        for new in batch.activities:
            assert fieldwork.activities[new.activity.id] == new.activity
        assert [v.visit for v in batch.visits] == [
            v for v in fieldwork.visits if v.id in {b.visit.id for b in batch.visits}
        ]


def test_a_bad_visit_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    store = _store(cli, tmp_path)
    text = (KOBO / "mentoring_visits.csv").read_text(encoding="utf-8")
    (tmp_path / "v.csv").write_text(
        text.replace('"2012-01-10"', '"2015-01-10"', 1), encoding="utf-8"
    )
    ran = cli("import", store, tmp_path / "v.csv", "--mapping", KOBO / "mentoring_visits.toml")
    assert ran.returncode != 0
    assert (
        "v.csv row 2 column 'kunjungan/tanggal': facilitator 'pd-btg-1' is not assigned"
        in ran.stderr
    )
    with Store.open(store) as opened:
        assert len(opened.load_program().fieldwork.visits) == 0


def test_attendance_of_a_training_entered_as_planned(cli: Cli, tmp_path: Path) -> None:
    """The common case: planned in advance, its attendance from the Kobo form."""
    invited = [Participant("member", "BTG-0030"), Participant("member", "BTG-0001")]
    planned = Activity(
        "btg-lat-pembukuan", "training", "Pelatihan pembukuan", "planned",
        cluster_id="bantaeng", planned_on="2012-06-10", note="undangan", participants=invited,
    )  # fmt: skip
    store = _store(cli, tmp_path, planned)
    args = ("import", store, KOBO / "training_attendance.csv")
    ran = cli("--json", *args, "--mapping", KOBO / "training_attendance.toml")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["activities_added"] == 3
    with Store.open(store) as opened:
        held = opened.load_program().fieldwork.activities["btg-lat-pembukuan"]
    assert (held.status.value, str(held.held_on), held.note) == ("held", "2012-06-12", "undangan")
    assert held.participants[0] == invited[0]  # invited, not in the form: kept
    assert held.participants[1] == Participant("member", "BTG-0001", True)  # the form's
    rows = (KOBO / "training_attendance-peserta.csv").read_text(encoding="utf-8").splitlines()
    assert len(held.participants) == 1 + sum(';"pelatihan";"1";' in row for row in rows)
