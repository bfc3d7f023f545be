"""``klaster export iati``: a program document (with finance, observations), a store, refusals."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import klaster
from klaster.cli import ExitCode, main
from klaster.finance import Finance, Fund, Party
from klaster.finance import save as save_finance
from klaster.model.results_framework import Result, ResultIndicator, Target

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
PROGRAM = DATA / "bantaeng.json"
SIDECAR = DATA / "bantaeng.observations.jsonl"
IATI = ROOT / "tests" / "data" / "iati-2.03"  # vendored official schemas (CC BY 4.0)
ORG = ("--reporting-org", "XM-DAC-47000", "--org-type", "22")  # synthetic identifier
WHEN = ("--generated", "2024-01-31T12:00:00+00:00")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


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


def _valid(xml: bytes) -> None:
    etree = pytest.importorskip("lxml.etree", reason="the iati extra (lxml) validates the XML")
    xsd = IATI / "iati-activities-schema.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def _book(tmp_path: Path) -> Path:
    program = klaster.load(PROGRAM)
    book = Finance("bantaeng", "klaster-mandiri")
    day = dt.date(2012, 1, 2)
    book.add_fund(
        Fund("BTG-I", "Dana infak", "infaq_sadaqah", Party.program("klaster-mandiri"), day)
    )
    book.receive("BTG-I", day, 100_000_000)
    path = tmp_path / "bantaeng.finance.json"
    save_finance(book, path, program=program)
    return path


class TestExportIati:
    def test_program_document_with_finance(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        target = tmp_path / "activities.xml"
        ran = _run(capsys, "export", "iati", PROGRAM, *ORG, "--out", target, *WHEN,
                   "--finance", _book(tmp_path))  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert "wrote 2 IATI activities (the program and 1 cluster(s))" in ran.stdout
        xml = target.read_bytes()
        _valid(xml)
        root = ET.fromstring(xml)
        assert root.get("generated-datetime") == "2024-01-31T12:00:00+00:00"
        (value,) = root.iterfind(".//transaction/value")
        assert value.text == "100000000"
        names = [n.text for n in root.iterfind("iati-activity/reporting-org/narrative")]
        assert set(names) == {"Dompet Dhuafa"}  # the program's organisation by default

    def test_actuals_from_the_sidecar_beside(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        program = klaster.load(PROGRAM)
        program.revise_framework(
            [Result("op1", "output", "Mitra", [ResultIndicator("members", [
                Target(180, round_key="endline", cluster_id="bantaeng")])])],  # synthetic
            recorded_on=dt.date(2011, 4, 4),
            reason="test",
        )  # fmt: skip
        klaster.save(program, tmp_path / "km.json")
        shutil.copy(SIDECAR, tmp_path / "km.observations.jsonl")
        target = tmp_path / "activities.xml"
        name = ("--org-name", "Dompet Dhuafa", "Dompet Dhuafa (DD)")
        ran = _run(capsys, "--json", "export", "iati", tmp_path / "km.json", *ORG,
                   "--out", target, *WHEN, *name)  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert json.loads(ran.stdout) == {
            "output": str(target), "activities": 2, "books": 0, "actuals": True}  # fmt: skip
        root = ET.fromstring(target.read_bytes())
        actual = root.find(".//result/indicator/period/actual")
        assert actual is not None
        assert int(actual.get("value", "0")) > 0
        assert "Dompet Dhuafa (DD)" in [n.text for n in root.iterfind(".//reporting-org/narrative")]
        # Measured by the columnar fast path; the exact Python backend writes the same file.
        from klaster.measurement import Measurement

        backends: list[str] = []
        original = Measurement.__attrs_post_init__

        def spy(self: Measurement) -> None:
            original(self)
            backends.append(self.backend)

        argv = ("export", "iati", tmp_path / "km.json", *ORG, "--out", target, *WHEN, *name)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Measurement, "__attrs_post_init__", spy)
            assert _run(capsys, *argv).returncode == ExitCode.OK
            fast = target.read_bytes()
            patch.setattr("klaster.measurement.engine._backend", lambda value: "python")
            assert _run(capsys, *argv).returncode == ExitCode.OK
        assert backends == ["polars", "python"]
        assert target.read_bytes() == fast

    def test_store(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        store = tmp_path / "bantaeng.klaster"
        made = _run(capsys, "init", store, "--from", PROGRAM, "--observations", SIDECAR)
        assert made.returncode == ExitCode.OK, made.stderr
        target = tmp_path / "activities.xml"
        ran = _run(capsys, "export", "iati", store, *ORG, "--out", target, *WHEN,
                   "--prefix", "XI-IATI-EX1", "--lang", "en")  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        xml = target.read_bytes()
        _valid(xml)
        root = ET.fromstring(xml)
        assert root.findtext("iati-activity/iati-identifier") == "XI-IATI-EX1-klaster-mandiri"
        assert root.find("iati-activity").get(XML_LANG) == "en"  # type: ignore[union-attr]
        refused = _run(capsys, "export", "iati", store, *ORG, "--out", target,
                       "--finance", _book(tmp_path))  # fmt: skip
        assert refused.returncode == ExitCode.USAGE
        assert "a store holds both" in refused.stderr

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (("--reporting-org", "xm dac 1", "--org-type", "22"), "--reporting-org: 'xm dac 1'"),
            (("--reporting-org", "XM-DAC-1", "--org-type", "99"), "--org-type: '99' is not"),
            (("--reporting-org", "", "--org-type", "22"), "--reporting-org: an IATI organisation"),
        ],
    )
    def test_refusals_write_nothing(
        self,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
        argv: tuple[str, ...],
        message: str,
    ) -> None:
        target = tmp_path / "activities.xml"
        ran = _run(capsys, "export", "iati", PROGRAM, *argv, "--out", target)
        assert ran.returncode == ExitCode.USAGE
        assert message in ran.stderr
        assert not target.exists()

    def test_status_map_and_schema_check(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        if not (IATI / "iati-activities-schema.xsd").is_file():
            pytest.skip(f"the IATI 2.03 schemas are not at {IATI}")
        pytest.importorskip("lxml.etree", reason="the iati extra (lxml) validates the XML")
        target = tmp_path / "activities.xml"
        ran = _run(capsys, "export", "iati", PROGRAM, *ORG, "--out", target, *WHEN,
                   "--status", "independence=4", "--schema", IATI)  # fmt: skip
        assert ran.returncode == ExitCode.OK, ran.stderr
        root = ET.fromstring(target.read_bytes())
        assert {s.get("code") for s in root.iter("activity-status")} == {"4"}
        refused = _run(capsys, "export", "iati", PROGRAM, *ORG, "--out", target,
                       "--status", "strengthening=8")  # fmt: skip
        assert refused.returncode == ExitCode.USAGE
        assert "--status: '8' is not an IATI ActivityStatus code" in refused.stderr
        not_xsd = tmp_path / "not.xsd"
        not_xsd.write_text("<x/>", encoding="utf-8")
        other = tmp_path / "other.xml"
        broken = _run(capsys, "export", "iati", PROGRAM, *ORG, "--out", other, "--schema", not_xsd)
        assert broken.returncode != ExitCode.OK
        assert not other.exists()

    def test_the_reporting_org_is_required(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        ran = _run(capsys, "export", "iati", PROGRAM, "--org-type", "22", "--out", "a.xml")
        assert ran.returncode == ExitCode.USAGE
        assert "required: --reporting-org" in ran.stderr
        assert not (tmp_path / "a.xml").exists()
