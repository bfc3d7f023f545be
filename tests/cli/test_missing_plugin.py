"""``klaster status`` and ``klaster report`` when a program's sector plugin is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.conftest import PROGRAM, SIDECAR, Cli

import klaster.plugins.default
from klaster.cli._exit import ExitCode


@pytest.fixture
def store(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "bantaeng.klaster"
    assert cli("init", path, "--from", PROGRAM, "--observations", SIDECAR).returncode == 0
    return path


@pytest.fixture
def without_umkm(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The umkm plugin is not loaded (after the store was written with it)."""
    monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "umkm")
    monkeypatch.setattr(klaster.plugins.default, "_default", None)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


@pytest.mark.usefixtures("without_umkm")
class TestWithoutThePlugin:
    def test_status_warns_and_counts(self, cli: Cli, store: Path) -> None:
        ran = cli("status", store)
        assert ran.returncode == 0
        (warning,) = _warnings(ran.stderr)
        assert "sector 'umkm' has no loaded plugin" in warning
        assert "190" in ran.stdout  # the members, counted

    @pytest.mark.parametrize("source", ["store", "document"])
    def test_report_warns_and_shows_the_core_figures(
        self, cli: Cli, store: Path, source: str
    ) -> None:
        ran = cli("report", store if source == "store" else PROGRAM)
        assert ran.returncode == 0, ran.stderr
        warnings = _warnings(ran.stderr)
        assert any("'monthly_revenue'" in w and "set aside" in w for w in warnings)
        assert all("umkm" in w for w in warnings)
        assert "poverty_headcount" in ran.stdout
        assert "members" in ran.stdout
        assert "business_profit" not in ran.stdout  # the plugin's indicators are not there
        assert "right file" not in ran.stderr

    def test_validate_skips_the_sectors_checks_with_a_warning(self, cli: Cli, store: Path) -> None:
        ran = cli("validate", store)
        assert ran.returncode == 0, ran.stderr
        assert "every check passed" in ran.stdout
        assert any("sector 'umkm' has no loaded plugin" in w for w in _warnings(ran.stderr))

    @pytest.mark.parametrize("command", ["status", "report", "validate"])
    def test_strict_mode_exits_refused(
        self, cli: Cli, store: Path, command: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
        ran = cli(command, store)
        assert ran.returncode == ExitCode.REFUSED
        assert "a sector plugin is missing (strict mode)" in ran.stderr
        assert "sector 'umkm' has no loaded plugin" in ran.stderr


class TestPluginTraces:
    def test_each_hook_call_shows_on_stderr(
        self, cli: Cli, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_TRACE_PLUGINS", "1")
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        ran = cli("status", store)
        assert ran.returncode == 0
        traces = [line for line in ran.stderr.splitlines() if line.startswith("trace: ")]
        assert "trace: hook klaster_sectors plugin 'umkm': " in "\n".join(traces)
        assert all(line.endswith("items") for line in traces)
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        as_json = cli("--json", "status", store)
        lines = [json.loads(line) for line in as_json.stderr.splitlines()]
        assert lines
        assert all(set(line) == {"trace"} for line in lines)

    def test_off_without_the_switch(self, cli: Cli, store: Path) -> None:
        assert "trace:" not in cli("status", store).stderr
