"""The template of `klaster plugin new`: a package passing its own tests, listed once installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.plugins.packages import pip_install

from klaster.errors import KlasterError, ValidationError
from klaster.plugins import scaffold
from klaster.plugins.scaffold import check_plugin_name, new_plugin, plugin_names

FILES = [
    "README.md",
    "pyproject.toml",
    "src/klaster_dairy_goats/__init__.py",
    "src/klaster_dairy_goats/py.typed",
    "tests/test_dairy_goats.py",
]


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLASTER_")}
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


class TestGeneratedPackage:
    def test_writes_the_package(self, tmp_path: Path) -> None:
        folder = new_plugin("dairy-goats", tmp_path)
        assert folder == tmp_path / "klaster-dairy-goats"
        assert _files(folder) == FILES
        pyproject = (folder / "pyproject.toml").read_text(encoding="utf-8")
        assert '[project.entry-points.klaster]\ndairy-goats = "klaster_dairy_goats"' in pyproject
        assert 'name = "klaster-dairy-goats"' in pyproject
        assert "{{" not in "".join((folder / name).read_text(encoding="utf-8") for name in FILES)
        assert os.listdir(tmp_path) == ["klaster-dairy-goats"]  # no scratch folder left
        (tmp_path / "plain").mkdir()
        assert folder.stat().st_mode == (tmp_path / "plain").stat().st_mode  # not private

    def test_its_tests_pass_out_of_the_box(self, tmp_path: Path) -> None:
        folder = new_plugin("fisheries", tmp_path, sector="capture_fisheries")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
            cwd=folder,
            env=_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "3 passed" in result.stdout

    def test_installed_it_is_listed_by_klaster_plugins(self, tmp_path: Path) -> None:
        folder = new_plugin("pearl-oysters", tmp_path)
        site = tmp_path / "site"
        pip_install(folder, site)
        listed = subprocess.run(
            [sys.executable, "-m", "klaster", "plugins", "--json"],
            env=_environment(PYTHONPATH=str(site), KLASTER_STRICT_PLUGINS="1"),
            capture_output=True,
            text=True,
            check=True,
        )
        plugins = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}
        mine = plugins["pearl-oysters"]
        assert (mine["status"], mine["distribution"], mine["sectors"]) == (
            "loaded",
            "klaster-pearl-oysters",
            ["pearl_oysters"],
        )


def test_the_template_ships_in_the_wheel(tmp_path: Path) -> None:
    # The template is package data read through importlib.resources: from a wheel too.
    root = Path(__file__).resolve().parents[2]
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import klaster, sys; print(klaster.__file__); klaster.plugins.new_plugin('x', sys.argv[1])"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        env=_environment(PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert Path(ran.stdout.strip()).is_relative_to(site)  # the wheel's klaster, not src/
    assert _files(tmp_path / "klaster-x") == [name.replace("dairy_goats", "x") for name in FILES]


class TestNames:
    def test_derived_names(self) -> None:
        names = plugin_names("dairy-goats", "goats")
        assert (names["distribution"], names["module"], names["sector"]) == (
            "klaster-dairy-goats",
            "klaster_dairy_goats",
            "goats",
        )

    @pytest.mark.parametrize(
        "name", ["", "Fish", "1fish", "fish-", "fish_", "ikan tangkap", "ikan.laut", "a" * 24]
    )
    def test_bad_names_are_refused_saying_what_is_valid(self, name: str) -> None:
        with pytest.raises(ValidationError, match="lowercase letter") as caught:
            check_plugin_name(name)
        assert caught.value.path == "name"

    @pytest.mark.parametrize("sector", ["Fish", "fish-boats", "x" * 24])
    def test_bad_sector_codes_are_refused(self, sector: str, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="not a valid sector code") as caught:
            new_plugin("fish", tmp_path, sector=sector)
        assert caught.value.path == "sector"
        assert os.listdir(tmp_path) == []

    def test_the_longest_name_gives_valid_codes(self, tmp_path: Path) -> None:
        folder = new_plugin("a" * 23, tmp_path)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "conforms"],
            cwd=folder,
            env=_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_a_taken_sector_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="'umkm' is already taken"):
            new_plugin("umkm", tmp_path, taken=["farming", "umkm"])


class TestWriting:
    def test_never_overwrites(self, tmp_path: Path) -> None:
        (tmp_path / "klaster-fish").mkdir()
        (tmp_path / "klaster-fish" / "mine.txt").write_text("keep", encoding="utf-8")
        with pytest.raises(ValidationError, match="already exists") as caught:
            new_plugin("fish", tmp_path)
        assert caught.value.path == "directory"
        assert _files(tmp_path / "klaster-fish") == ["mine.txt"]

    def test_a_missing_directory_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="not an existing folder"):
            new_plugin("fish", tmp_path / "nowhere")

    def test_a_failed_write_leaves_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = scaffold._write

        def half_then_fail(root: Path, names: dict[str, str]) -> None:
            real(root, names)
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(scaffold, "_write", half_then_fail)
        with pytest.raises(KlasterError, match="No space left on device"):
            new_plugin("fish", tmp_path)
        assert os.listdir(tmp_path) == []
