"""``klaster status`` and ``klaster report`` when a program's sector plugin is not installed."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.cli.conftest import PROGRAM, SIDECAR, Cli

import klaster
import klaster.plugins.default
from klaster import Label
from klaster.catalogue import Sector
from klaster.cli._exit import ExitCode
from klaster.plugins import SectorData, StaticPlugin, get_host

KOBO = PROGRAM.parent / "kobo"


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

    @pytest.mark.parametrize("source", ["store", "document"])
    @pytest.mark.parametrize("command", ["status", "report", "validate"])
    def test_one_warning_says_everything_set_aside(
        self, cli: Cli, store: Path, source: str, command: str
    ) -> None:
        if command == "status" and source == "document":
            pytest.skip("status reads stores only")
        ran = cli(command, store if source == "store" else PROGRAM)
        assert ran.returncode == 0, ran.stderr
        (warning,) = _warnings(ran.stderr)
        assert warning.count("sector 'umkm' has no loaded plugin") == 1
        assert "installed but disabled: remove it from KLASTER_DISABLE_PLUGINS" in warning
        assert "its members and groups are kept" in warning
        if command != "status":  # status reads no values
            assert "'monthly_revenue'" in warning
            assert "set aside" in warning

    @pytest.mark.parametrize("command", ["status", "report", "validate"])
    def test_strict_mode_exits_refused(
        self, cli: Cli, store: Path, command: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
        ran = cli(command, store)
        assert ran.returncode == ExitCode.REFUSED
        assert "a sector plugin is missing (strict mode)" in ran.stderr
        assert "sector 'umkm' has no loaded plugin" in ran.stderr


class TestNeverInstalled:
    """A program of a sector whose plugin was never installed here (the seaweed example)."""

    @pytest.fixture
    def seaweed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        plugin = StaticPlugin(
            SectorData(
                sectors=[Sector("seaweed", Label("Rumput laut", "Seaweed"), Label("A", "A"))]
            )
        )
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        get_host().register(plugin, "seaweed")
        program = klaster.Program(
            id="p",
            name="P",
            organisation_id="dd",
            organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")],
        )
        cluster = klaster.Cluster(
            id="c",
            name="C",
            region=klaster.Region.province("Sulawesi Selatan", "73"),
            sectors=[klaster.ClusterSector("seaweed")],
        )
        cluster.add_member(
            klaster.Member(
                id="M-1",
                name="Ibu Sitti",
                sex="female",
                household_size=4,
                village="Baruga",
                sector="seaweed",
                joined=datetime.date(2012, 1, 1),
            )
        )
        program.add_cluster(cluster)
        path = tmp_path / "p.json"
        klaster.save(program, path)
        monkeypatch.setattr(klaster.plugins.default, "_default", None)  # never installed here
        return path

    def test_validate_warns_once_with_what_to_install(self, cli: Cli, seaweed: Path) -> None:
        ran = cli("validate", seaweed)
        assert ran.returncode == 0, ran.stderr
        (warning,) = _warnings(ran.stderr)
        assert "sector 'seaweed' has no loaded plugin" in warning
        assert "pip install klaster-seaweed" in warning
        assert "its members and groups are kept" in warning
        assert "Sitti" not in ran.stderr


class TestImportWithoutThePlugin:
    """Values of a missing plugin's variables are refused in the missing-plugin wording."""

    def _import(self, cli: Cli, store: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
        kobo = tmp_path / "kobo"
        shutil.copytree(KOBO, kobo)
        registered = cli(
            "import", store, kobo / "registrasi_2015.csv", "--mapping", kobo / "registrasi.toml"
        )
        assert registered.returncode == 0, registered.stderr
        return cli(
            "--json",
            "import",
            store,
            kobo / "monitoring_2015.csv",
            "--mapping",
            kobo / "monitoring.toml",
        )

    def test_a_disabled_plugin_is_named_with_what_to_do(
        self, cli: Cli, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "umkm")
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        ran = self._import(cli, store, tmp_path)
        assert ran.returncode != 0
        (line,) = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith('{"error"')]
        problems = line["error"]["problems"]
        assert (
            "monitoring.toml variables.business_running: unknown variable code "
            "'business_running'; no loaded plugin declares it: plugin 'umkm' (from klaster) is "
            "installed but disabled: remove it from KLASTER_DISABLE_PLUGINS, or add it to "
            "KLASTER_PLUGINS; valid: "
        ) in problems[0]
        assert all("installed but disabled" in problem for problem in problems)
        assert not any("load the plugin" in problem for problem in problems)

    def test_with_every_plugin_loaded_a_wrong_code_is_a_typo(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        kobo = tmp_path / "kobo"
        shutil.copytree(KOBO, kobo)
        mapping = kobo / "monitoring.toml"
        mapping.write_text(
            mapping.read_text(encoding="utf-8").replace(
                "[variables.household_size]", "[variables.household_sise]"
            ),
            encoding="utf-8",
        )
        ran = cli("validate", kobo / "monitoring_2015.csv", "--mapping", mapping, "--store", "x")
        assert "unknown variable code 'household_sise' (did you mean 'household_size'" in ran.stderr
        assert "no loaded plugin" not in ran.stderr


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
