"""The tidy ``figures`` table of a program whose clusters survey each round on their own days."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

import klaster
from klaster.cli import main
from klaster.exports import tidy_tables, write_tidy
from klaster.exports.frames import figures
from klaster.measurement import Measurement
from klaster.observations import variable_catalogue

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
SECRET = "the program office keeps this secret"


def _twins(
    folder: Path, twin_baseline: str = "2011-07-01", twin_endline: str = "2014-03-01"
) -> Path:
    """Bantaeng and a copy of it (member IDs TWN-) in ``folder``; the copy's rounds, no values.

    By default the baseline is on two days (no date for the program's row), the endline on one.
    """
    document = json.loads((DATA / "bantaeng.json").read_text(encoding="utf-8"))
    cluster = document["program"]["clusters"][0]
    twin = json.loads(json.dumps(cluster).replace('"BTG-', '"TWN-'))
    twin.update(id="twin", name="Twin", groups=[], cooperatives=[], stakeholders=[])
    document["program"]["clusters"].append(twin)
    (folder / "program.json").write_text(json.dumps(document), encoding="utf-8")
    head, rest = (DATA / "bantaeng.observations.jsonl").read_text(encoding="utf-8").split("\n", 1)
    found = json.loads(head)
    found["rounds"] += [
        {"id": "twn-baseline", "cluster_id": "twin", "kind": "baseline", "on": twin_baseline},
        {"id": "twn-endline", "cluster_id": "twin", "kind": "endline", "on": twin_endline},
    ]
    sidecar = folder / "program.observations.jsonl"
    sidecar.write_text(json.dumps(found) + "\n" + rest, encoding="utf-8")
    return folder / "program.json"


def _load(path: Path) -> tuple[klaster.Program, klaster.observations.Observations]:
    program = klaster.load(path)
    sidecar = path.with_name("program.observations.jsonl")
    return program, klaster.observations.load(sidecar, program, variable_catalogue())


EXPECTED = {
    ("baseline", None): None,
    ("baseline", "bantaeng"): dt.date(2011, 6, 15),
    ("baseline", "twin"): dt.date(2011, 7, 1),
    ("endline", None): dt.date(2014, 3, 1),
    ("endline", "bantaeng"): dt.date(2014, 3, 1),
    ("endline", "twin"): dt.date(2014, 3, 1),
}


class TestFiguresDates:
    def test_a_clusters_row_has_its_own_day(self, tmp_path: Path) -> None:
        program, obs = _load(_twins(tmp_path))
        results = Measurement(program, obs).report(["members"], by=[(), ("cluster",)])
        frame = tidy_tables(program, obs, results=results, tables=["figures"])["figures"]
        assert frame.schema["date"] == pl.Date
        found = {(r["round"], r["cluster"]): r["date"] for r in frame.iter_rows(named=True)}
        assert found == EXPECTED

    def test_no_round_of_one_day_still_a_date_column(self, tmp_path: Path) -> None:
        program, obs = _load(_twins(tmp_path))
        results = Measurement(program, obs).report(["members"], by=[()])
        only_baseline = results.filter(round_id="baseline")
        assert figures(only_baseline).schema["date"] == pl.Date
        assert figures(only_baseline)["date"].to_list() == [None]

    def test_parquet_keeps_the_date_type(self, tmp_path: Path) -> None:
        program, obs = _load(_twins(tmp_path))
        results = Measurement(program, obs).report(["members"], by=[()]).filter(round_id="baseline")
        write_tidy(program, obs, tmp_path / "out", results=results, secret=SECRET,
                   format="parquet", tables=["figures"])  # fmt: skip
        assert pl.read_parquet(tmp_path / "out" / "figures.parquet").schema["date"] == pl.Date

    def test_cli(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = _twins(tmp_path)
        (tmp_path / "key").write_text(SECRET + "\n")
        monkeypatch.chdir(tmp_path)
        argv = ["export", "tidy", str(path), "--out", "out", "--secret-file", "key",
                "--tables", "figures"]  # fmt: skip
        assert main(argv) == 0
        with (tmp_path / "out" / "figures.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["indicator"] == "members"]
        found = {(r["round"], r["cluster"] or None): r["date"] or None for r in rows}
        assert found == {k: v and v.isoformat() for k, v in EXPECTED.items()}
