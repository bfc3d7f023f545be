"""``klaster export dhis2``: from a program document and from a store, JSON and CSV, refusals."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from klaster.cli import ExitCode, main

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
SIDECAR = DATA / "bantaeng.observations.jsonl"
MAPPING = DATA / "bantaeng.dhis2.toml"


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> subprocess.CompletedProcess[str]:
    capsys.readouterr()
    args = [str(a) for a in argv]
    code = main(args)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


class TestExportDhis2:
    def test_program_document_to_json(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        target = tmp_path / "values.json"
        ran = _run(capsys, "export", "dhis2", PROGRAM, "--mapping", MAPPING, "--out", target,
                   "--complete-date", "2014-03-31")  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert "wrote 11 data value(s)" in ran.stdout
        assert "1 figure(s) not available, left out" in ran.stdout
        document = json.loads(target.read_text(encoding="utf-8"))
        assert document["dataSet"] == "KlsBtgQrt01"
        assert document["completeDate"] == "2014-03-31"
        assert len(document["dataValues"]) == 11
        periods = {v["period"] for v in document["dataValues"]}
        assert periods == {"2011Q2", "2014Q1"}

    def test_store_to_csv_json_summary(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        store = tmp_path / "bantaeng.klaster"
        made = _run(capsys, "init", store, "--from", PROGRAM, "--observations", SIDECAR)
        assert made.returncode == ExitCode.OK, made.stderr
        target = tmp_path / "values.csv"
        ran = _run(capsys, "--json", "export", "dhis2", store, "--mapping", MAPPING,
                   "--out", target, "--round", "endline")  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        summary = json.loads(ran.stdout)
        assert summary["format"] == "csv"
        assert summary["values"] == 6
        assert summary["not_available"] == 0
        with target.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert {r["period"] for r in rows} == {"2014Q1"}
        members = {r["categoryoptioncombo"]: r["value"] for r in rows
                   if r["dataelement"] == "KlsMembers1"}  # fmt: skip
        assert members == {"KlsSexFem01": "133", "KlsSexMal01": "55"}

    def test_measured_by_the_fast_path_with_the_reference_figures(
        self,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # One report per mapped indicator: a national program takes the columnar fast path
        # ("auto"), and the file is the one the exact Python backend gives.
        from klaster.measurement import Measurement

        backends: list[str] = []
        original = Measurement.__attrs_post_init__

        def spy(self: Measurement) -> None:
            original(self)
            backends.append(self.backend)

        target = tmp_path / "values.json"
        argv = ("export", "dhis2", PROGRAM, "--mapping", MAPPING, "--out", target,
                "--complete-date", "2014-03-31")  # fmt: skip
        with monkeypatch.context() as patch:
            patch.setattr(Measurement, "__attrs_post_init__", spy)
            assert _run(capsys, *argv).returncode == ExitCode.OK
        assert backends == ["polars"]
        fast = target.read_bytes()
        with monkeypatch.context() as patch:
            patch.setattr("klaster.measurement.engine._backend", lambda value: "python")
            assert _run(capsys, *argv).returncode == ExitCode.OK
        assert target.read_bytes() == fast

    def test_bad_mapping_writes_nothing(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        bad = tmp_path / "bad.toml"
        text = MAPPING.read_text(encoding="utf-8").replace(
            "[indicators.members]", "[indicators.membrs]"
        )
        bad.write_text(text.replace('"73.03" =', '"73.3" ='), encoding="utf-8")
        target = tmp_path / "values.json"
        ran = _run(capsys, "export", "dhis2", PROGRAM, "--mapping", bad, "--out", target)
        assert ran.returncode != ExitCode.OK
        assert "bad.toml indicators.membrs: unknown indicator (did you mean 'members'?)" in (
            ran.stderr
        )
        assert "bad.toml org_units.'73.3': no kabupaten of the program" in ran.stderr
        assert not target.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]

    def test_bad_uid_writes_nothing(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        bad = tmp_path / "bad.toml"
        bad.write_text(MAPPING.read_text(encoding="utf-8").replace("KlsMembers1", "KlsMembers"),
                       encoding="utf-8")  # fmt: skip
        target = tmp_path / "values.csv"
        ran = _run(capsys, "export", "dhis2", PROGRAM, "--mapping", bad, "--out", target)
        assert ran.returncode != ExitCode.OK
        assert "indicators.members.data_element: 'KlsMembers' is not a DHIS2 UID" in ran.stderr
        assert not target.exists()

    def test_other_suffix_refused(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        target = tmp_path / "values.xml"
        ran = _run(capsys, "export", "dhis2", PROGRAM, "--mapping", MAPPING, "--out", target)
        assert ran.returncode == ExitCode.USAGE
        assert "a DHIS2 export is .json or .csv" in ran.stderr
        assert not target.exists()

    def test_mapping_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        ran = _run(capsys, "export", "dhis2", PROGRAM, "--out", "values.json")
        assert ran.returncode == ExitCode.USAGE
        assert "required: --mapping" in ran.stderr
