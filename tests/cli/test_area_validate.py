"""``klaster validate`` reports records outside their sector's area in documents and stores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Cli
from tests.documents.test_area_documents import program_with_everything

import klaster
from klaster.cli import ExitCode


def written(tmp_path: Path) -> Path:
    path = tmp_path / "areas.json"
    klaster.save(program_with_everything(), path)
    return path


def test_a_program_with_areas_and_overrides_passes(cli: Cli, tmp_path: Path) -> None:
    ran = cli("validate", written(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert "every check passed" in ran.stdout


def test_a_document_with_a_member_outside(cli: Cli, tmp_path: Path) -> None:
    path = written(tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["program"]["clusters"][0]["members"][0]["village"] = "Kampala"
    path.write_text(json.dumps(document), encoding="utf-8")
    ran = cli("validate", path)
    assert ran.returncode == ExitCode.UNREADABLE
    assert "program.clusters[0].members[0].village: village 'Kampala' is outside the area" in (
        ran.stderr
    )
    assert "(Bantaeng, Bissappu)" in ran.stderr
    as_json = json.loads(cli("--json", "validate", path).stderr)
    assert "outside the area of sector 'umkm'" in json.dumps(as_json)


def test_a_store_changed_outside_klaster(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "k.db"
    assert cli("init", store, "--from", written(tmp_path)).returncode == 0
    conn = sqlite3.connect(store)
    try:
        with conn:
            conn.execute("DELETE FROM area_overrides WHERE kind = 'member'")
    finally:
        conn.close()
    ran = cli("validate", store)
    assert ran.returncode != 0
    assert "members[1].village: village 'Baruga' is outside the area of sector 'umkm'" in (
        ran.stderr
    )
