"""The second example plugin (begun with `klaster plugin new`), installed and found."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from tests.plugins.packages import on_path, pip_install

import klaster.plugins.default
from klaster.measurement import AllOf, Measurement
from klaster.observations import Observations, Round, variable_catalogue
from klaster.plugins import PluginHost
from klaster.plugins.info import PluginStatus
from klaster.testing.plugins import check_plugin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "klaster-fisheries"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Install the example into a scratch directory and put that on sys.path (this module only)."""
    target = tmp_path_factory.mktemp("site")
    # Building members loads the shared host (the business-type check): while the example is
    # on sys.path it would load it too, so this module gets a shared host of its own.
    shared = pytest.MonkeyPatch()
    shared.setattr(klaster.plugins.default, "_default", None)
    pip_install(EXAMPLE, target)
    with on_path(target, "klaster_fisheries", "fisheries_example_tests"):
        yield target
    shared.undo()


def _example_tests() -> ModuleType:
    # The example's own test module, for its tiny program and survey answers.
    spec = importlib.util.spec_from_file_location(
        "fisheries_example_tests", EXAMPLE / "tests" / "test_fisheries.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class TestFisheriesPlugin:
    def test_not_importable_from_the_source_tree(self) -> None:
        assert not any(Path(p).resolve() == EXAMPLE / "src" for p in sys.path if p)

    def test_host_discovers_it_through_the_entry_point(self, installed: Path) -> None:
        host = PluginHost(strict=True)
        assert {s.code for s in host.sectors()} == {"farming", "livestock", "umkm", "fisheries"}
        info = host.plugin("fisheries")
        assert (info.status, info.distribution, info.version, info.source) == (
            PluginStatus.LOADED,
            "klaster-fisheries",
            "0.1.0",
            "klaster_fisheries",
        )
        assert Path(sys.modules["klaster_fisheries"].__file__ or "").is_relative_to(installed)

    def test_listed_by_klaster_plugins(self, installed: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KLASTER_")}
        listed = subprocess.run(
            [sys.executable, "-m", "klaster", "plugins", "--no-color"],
            env={**env, "PYTHONPATH": str(installed)},
            capture_output=True,
            text=True,
            check=True,
        )
        (row,) = [line for line in listed.stdout.splitlines() if line.startswith("fisheries ")]
        assert "klaster-fisheries" in row
        assert row.rstrip().endswith("fisheries")

    def test_conforms(self, installed: Path) -> None:
        check_plugin(importlib.import_module("klaster_fisheries"))

    def test_its_indicators_in_a_two_round_report(self, installed: Path) -> None:
        host = PluginHost(strict=True)  # the installed plugins: the built-ins and fisheries
        example = _example_tests()
        program = example.tiny_program()
        observations = Observations(program, variable_catalogue(host), host=host)
        observations.add_round(Round("c1-bl", "c1", "baseline", dt.date(2025, 2, 1)))
        observations.add_round(Round("c1-el", "c1", "endline", dt.date(2026, 2, 1)))
        for round_id, answers in (("c1-bl", example.BASELINE), ("c1-el", example.ENDLINE)):
            observations.record_many(
                round_id,
                [
                    (unit, dict(zip(example.CODES, row, strict=True)))
                    for unit, row in answers.items()
                ],
            )
        engine = Measurement(program, observations, indicators=host.indicators())
        results = engine.report(by=[(), ("sector",)])
        assert results.value("boat_ownership", "endline", sector="fisheries") == 1
        assert results.value("catch_per_trip", "endline") == Decimal("12.5")
        assert results.value("fuel_share", "baseline") == Decimal(1_300_000) / 2_900_000
        assert results.value("members", "endline") == 3
        assert results.value("catch_change", "endline") == Decimal(370) / 3  # since the baseline
        rule = AllOf(host.readiness_criteria("fisheries", "cluster"))
        (decision,) = engine.readiness(rule, "c1-el")
        assert decision.ready
        assert [p.reads for p in decision.results[0].parts] == ["boat_ownership", "fuel_share"]

    def test_its_own_tests_pass(self, installed: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KLASTER_")}
        env["PYTHONPATH"] = str(installed)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            cwd=EXAMPLE,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert " passed" in result.stdout
