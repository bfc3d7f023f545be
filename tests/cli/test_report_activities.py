"""``klaster report`` shows the activity participation indicators of a program's activities."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

from tests.cli.conftest import PROGRAM, SIDECAR, Cli

import klaster
from klaster import Activity, Participant
from klaster.measurement import ACTIVITY_CODES


def _with_activities(tmp_path: Path) -> Path:
    """Bantaeng with a training of five groups and ten group meetings before the endline."""
    program = klaster.load(PROGRAM)
    groups = list(program.clusters["bantaeng"].groups.ids())
    work = program.fieldwork
    trained = [Participant("group", g, True) for g in groups[:5]]
    work.add_activity(
        Activity("btg-training", "training", "Pelatihan pembukuan", "held", cluster_id="bantaeng",
                 held_on=dt.date(2013, 10, 15), participants=trained)
    )  # fmt: skip
    for i, group in enumerate(groups[:10]):
        work.add_activity(
            Activity(f"btg-meeting-{i}", "group_meeting", "Pertemuan kelompok", "held",
                     cluster_id="bantaeng", held_on=dt.date(2014, 1, 6 + i),
                     participants=[Participant("group", group, True)])
        )  # fmt: skip
    path = tmp_path / "activities.json"
    klaster.save(program, path)
    shutil.copy(SIDECAR, tmp_path / "activities.observations.jsonl")
    return path


def test_activity_indicators_in_the_report(cli: Cli, tmp_path: Path) -> None:
    path = _with_activities(tmp_path)
    result = cli("report", path, "--round", "endline", "--json")
    assert result.returncode == 0, result.stderr
    rows = {
        r["indicator"]: r
        for r in json.loads(result.stdout)["rows"]
        if r["indicator"] in ACTIVITY_CODES and r.get("cluster") is None
    }
    assert set(rows) == set(ACTIVITY_CODES)
    assert Decimal(rows["activities_held_12m"]["value"]) == 11
    # 34 groups at the endline, 10 of them met once in the year: 10 / (34 × 12).
    assert Decimal(rows["meetings_per_group_month"]["value"]) == Decimal(10) / Decimal(34 * 12)
    trained = Decimal(rows["members_trained_12m"]["value"])
    assert 0 < trained < 1
    assert rows["attendance_rate_12m"]["value"] is None  # no member listed: not a zero
    text = cli("report", path, "--round", "endline", "--indicator", *ACTIVITY_CODES)
    assert text.returncode == 0, text.stderr
    line = next(x for x in text.stdout.splitlines() if "activities_held_12m" in x)
    assert "Activities held, 12 months" in line  # with its name in both languages
    assert line.rstrip().endswith("11")


def test_a_program_without_activities_says_why(cli: Cli) -> None:
    result = cli("report", PROGRAM, "--indicator", "members_trained_12m")
    assert result.returncode == 0, result.stderr
    assert "n/a" in result.stdout
    assert "no activities are recorded for cluster 'bantaeng'" in result.stderr + result.stdout
