"""``klaster.examples``: the bundled programs and data; ``make demo`` installing only the demo."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import klaster.examples
from klaster.errors import NotFoundError
from klaster.model.program import Program

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"


class TestBundledData:
    def test_checkout_data(self) -> None:
        assert klaster.examples.data_dir() == DATA
        assert klaster.examples.path("bantaeng.json") == DATA / "bantaeng.json"
        assert klaster.examples.path("kobo/monitoring.toml") == DATA / "kobo" / "monitoring.toml"

    def test_names(self) -> None:
        names = klaster.examples.names()
        assert "bantaeng.json" in names
        assert "kobo/monitoring.toml" in names
        assert list(names) == sorted(names)
        assert all(klaster.examples.path(name).is_file() for name in names)

    def test_unknown_file(self) -> None:
        with pytest.raises(NotFoundError, match=r"'bantaen\.json' \(did you mean 'bantaeng\.json'"):
            klaster.examples.path("bantaen.json")
        with pytest.raises(NotFoundError, match="no bundled example file"):
            klaster.examples.path("../pyproject.toml")
        with pytest.raises(NotFoundError, match="no bundled example file"):
            klaster.examples.path("kobo")  # a folder, not a file

    def test_installed_copy_preferred(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        shipped = tmp_path / "klaster" / "_demo_data"
        shipped.mkdir(parents=True)
        (shipped / "bantaeng.json").write_text("{}", encoding="utf-8")
        monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path / package)
        assert klaster.examples.data_dir() == shipped
        assert klaster.examples.names() == ("bantaeng.json",)

    def test_missing_everywhere(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path / package)
        monkeypatch.setattr(klaster.examples, "_CHECKOUT", tmp_path / "nowhere")
        with pytest.raises(NotFoundError, match="the bundled examples are missing"):
            klaster.examples.data_dir()


class TestPrograms:
    def test_bantaeng(self) -> None:
        program, observations = klaster.examples.bantaeng()
        assert program.id == klaster.load(DATA / "bantaeng.json").id
        assert [r.id for r in observations.rounds()] == ["btg-baseline", "btg-endline"]
        again = klaster.examples.bantaeng()
        assert again.program is not program  # a new copy each time
        assert again.observations == observations

    def test_fieldwork_and_intake(self) -> None:
        assert isinstance(klaster.examples.fieldwork(), Program)
        assert klaster.examples.fieldwork().fieldwork.activities
        intake = klaster.examples.intake()
        assert list(intake.clusters.ids()) == ["bantaeng"]
        assert not intake.clusters["bantaeng"].members  # applicants come from the screening export

    def test_scripts(self) -> None:
        lebak = klaster.examples.script("finance_lebak")
        assert callable(lebak.build_cluster)
        assert callable(klaster.examples.script("budget_lebak").build)
        assert klaster.examples.script("bantaeng_targeting").DATA == DATA

    def test_unknown_script(self) -> None:
        with pytest.raises(NotFoundError, match="did you mean 'finance_lebak'"):
            klaster.examples.script("finance_lebk")


class TestDemoInstall:
    def _requirements(self, extra: str, seen: set[str] | None = None) -> set[str]:
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        seen = set() if seen is None else seen
        found: set[str] = set()
        for requirement in project["optional-dependencies"][extra]:
            name = re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower()
            if name == "klaster":
                for inner in re.findall(r"\[(.*)\]", requirement)[0].split(","):
                    if inner not in seen:
                        seen.add(inner)
                        found |= self._requirements(inner.strip(), seen)
            else:
                found.add(name)
        return found

    def test_demo_extra_has_no_developer_tools(self) -> None:
        demo = self._requirements("demo")
        assert {"matplotlib", "fpdf2", "openpyxl"} <= demo
        tools = {"pytest", "ruff", "mypy", "hypothesis", "playwright", "duckdb", "pyarrow"}
        assert not demo & tools
        assert tools <= self._requirements("dev")

    @pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
    def test_make_demo_installs_the_demo_extra(self, tmp_path: Path) -> None:
        venv = tmp_path / "venv"
        ran = subprocess.run(
            ["make", "-n", "-B", "demo", f"VENV={venv}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        installs = [line for line in ran.stdout.splitlines() if "pip install" in line]
        assert any("'.[demo]'" in line for line in installs), ran.stdout
        assert not any("[dev]" in line for line in installs), ran.stdout
        assert f"{venv}/bin/klaster demo" in ran.stdout
