"""The bundled example program and the `make demo` job."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import klaster
import klaster.observations

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class TestBantaengData:
    def test_bundled_files_are_what_the_builder_makes(self) -> None:
        builder = _load("build_bantaeng")
        program = builder.build()
        assert klaster.load(EXAMPLES / "data" / "bantaeng.json") == program
        written = EXAMPLES / "data" / "bantaeng.observations.jsonl"
        fresh = EXAMPLES / "data" / ".check.observations.jsonl"
        try:
            klaster.observations.save(builder.survey(program), fresh)
            assert fresh.read_bytes() == written.read_bytes()
        finally:
            fresh.unlink(missing_ok=True)

    def test_figures_match_the_reports(self) -> None:
        program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
        cluster = program.clusters["bantaeng"]
        assert len(cluster.members) == 190
        assert len(cluster.groups) == 34
        assert {k.name for k in cluster.region.at_level("kecamatan")} == {
            "Bantaeng",
            "Bissappu",
            "Pajukukang",
        }
        handover = cluster.lifecycle.history[-1]
        assert handover.phase is klaster.Phase.INDEPENDENCE
        assert handover.on == dt.date(2014, 3, 25)
        assert [c.name for c in handover.checks if c.passed] == ["legal_cooperative"]
        assert cluster.lifecycle.phase_on(dt.date(2011, 7, 6)) is klaster.Phase.GROWTH
        (coop,) = cluster.cooperatives
        assert coop.is_legal(handover.on)


class TestDemo:
    def test_demo_prints_summary(self, capsys: pytest.CaptureFixture[str]) -> None:
        demo = _load("bantaeng")
        assert demo.main(["bantaeng.py"]) == 0
        out = capsys.readouterr().out
        assert "mitra active: 188 of 190 registered (2 left)" in out
        assert "kelompok: 34 active of 34" in out
        assert "Pemandirian / Independence" in out
        assert "readiness of bantaeng (siap mandiri): ready" in out
        assert "Income change (%) / Perubahan pendapatan (%)" in out
        assert out.count("Members / Jumlah mitra") == 1
        # Personal data stays out of the summary.
        program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
        assert not any(m.name in out for m in program.members())

    def test_demo_reports_bad_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text('{"klaster": "program", "schema_version": 1, "program": {', "utf-8")
        demo = _load("bantaeng")
        assert demo.main(["bantaeng.py", str(bad)]) == 1
        assert "malformed JSON" in capsys.readouterr().err
