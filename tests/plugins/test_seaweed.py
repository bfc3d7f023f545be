"""The example third-party plugin, installed like any package and found by its entry point."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.plugins.packages import on_path, pip_install

from klaster.plugins import PluginHost
from klaster.plugins.info import PluginStatus
from klaster.testing.plugins import check_plugin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "klaster-seaweed"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Install the example into a scratch directory and put that on sys.path (this module only)."""
    target = tmp_path_factory.mktemp("site")
    pip_install(EXAMPLE, target)
    with on_path(target, "klaster_seaweed"):
        yield target


class TestSeaweedPlugin:
    def test_not_importable_from_the_source_tree(self) -> None:
        # Discovery must come from the installed metadata, not from examples/ on sys.path.
        assert not any(Path(p).resolve() == EXAMPLE / "src" for p in sys.path if p)

    def test_entry_point_is_installed(self, installed: Path) -> None:
        (entry_point,) = importlib.metadata.entry_points(group="klaster", name="seaweed")
        assert entry_point.value == "klaster_seaweed"
        assert entry_point.dist is not None
        assert (entry_point.dist.name, entry_point.dist.version) == ("klaster-seaweed", "0.1.0")

    def test_host_discovers_it_through_the_entry_point(self, installed: Path) -> None:
        host = PluginHost(strict=True)
        assert {s.code for s in host.sectors()} == {"farming", "livestock", "umkm", "seaweed"}
        info = host.plugin("seaweed")
        assert (info.status, info.distribution, info.version, info.source) == (
            PluginStatus.LOADED,
            "klaster-seaweed",
            "0.1.0",
            "klaster_seaweed",
        )
        module_file = Path(sys.modules["klaster_seaweed"].__file__ or "")
        assert module_file.is_relative_to(installed)
        assert host.indicator("dry_yield_per_line").references == (
            "dry_harvest_kg",
            "seaweed_lines",
        )

    def test_can_be_disabled(self, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "seaweed")
        host = PluginHost(strict=True)
        assert "seaweed" not in {s.code for s in host.sectors()}
        assert host.plugin("seaweed").status is PluginStatus.DISABLED

    def test_conforms(self, installed: Path) -> None:
        check_plugin(importlib.import_module("klaster_seaweed"))

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
