"""``klaster plugin new``: the package written, bad names and existing folders refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.conftest import Cli

from klaster.cli import ExitCode


class TestPluginNew:
    def test_writes_the_package_in_dir(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("plugin", "new", "fisheries", "--dir", tmp_path, "--json")
        assert ran.returncode == ExitCode.OK, ran.stderr
        document = json.loads(ran.stdout)
        folder = tmp_path / "klaster-fisheries"
        assert document["created"] == str(folder)
        assert "tests/test_fisheries.py" in document["files"]
        assert (folder / "src" / "klaster_fisheries" / "__init__.py").is_file()

    def test_text_output_names_the_next_steps(self, cli: Cli) -> None:
        ran = cli("plugin", "new", "crafts-2", "--sector", "bamboo")
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert "created klaster-crafts-2" in ran.stdout
        assert "python -m pytest" in ran.stdout
        assert "klaster plugins" in ran.stdout
        source = Path("klaster-crafts-2/src/klaster_crafts_2/__init__.py").read_text("utf-8")
        assert 'SECTOR = "bamboo"' in source

    def test_a_bad_name_is_a_located_usage_error(self, cli: Cli) -> None:
        ran = cli("plugin", "new", "Ikan-Laut")
        assert ran.returncode == ExitCode.USAGE
        assert "argument NAME: 'Ikan-Laut' is not a valid plugin name" in ran.stderr
        assert "lowercase letter" in ran.stderr
        assert os.listdir() == []

    def test_a_sector_of_an_installed_plugin_is_refused(self, cli: Cli) -> None:
        ran = cli("plugin", "new", "farming")
        assert ran.returncode == ExitCode.USAGE
        assert "'farming' is already taken" in ran.stderr
        assert "--sector" in ran.stderr
        assert os.listdir() == []

    def test_an_existing_folder_is_refused(self, cli: Cli) -> None:
        Path("klaster-fisheries").mkdir()
        ran = cli("plugin", "new", "fisheries")
        assert ran.returncode == ExitCode.REFUSED
        assert "already exists" in ran.stderr
        assert os.listdir("klaster-fisheries") == []

    def test_plugins_still_lists(self, cli: Cli) -> None:
        ran = cli("plugins", "--json")
        assert ran.returncode == ExitCode.OK
        assert "umkm" in {p["name"] for p in json.loads(ran.stdout)["plugins"]}
