"""Commands whose indicators are known read only the variables those indicators need (issue 18).

Each path (figures from a store, from a document and its sidecar, the program report, the DHIS2
export) is run twice: as shipped, reading ``only=`` the needed variables, and with the needed
set forced to ``None`` (a whole load); the files written must be equal.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import PROGRAM, SIDECAR, Cli
from tests.cli.test_budget import _surveys, documents  # noqa: F401 - a fixture
from tests.measurement.test_variables_needed import enriched
from tests.store.test_round_units import version_2

import klaster
import klaster.observations
from klaster import Result, ResultIndicator, Target
from klaster.cli import _budget, _export_dhis2, _inputs
from klaster.cli._exit import ExitCode
from klaster.measurement import variables_needed
from klaster.observations import load, save, variable_catalogue
from klaster.store import Store

MAPPING = PROGRAM.with_name("bantaeng.dhis2.toml")
INDICATORS = ["members", "income_per_capita", "income_change_pct", "poverty_headcount"]


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    """The Bantaeng program with richer observations, as a document + sidecar and as a store."""
    program = klaster.load(PROGRAM)
    observations = enriched(program, load(SIDECAR, program, variable_catalogue()), 18)
    document = tmp_path / "btg.json"
    shutil.copy(PROGRAM, document)
    save(observations, tmp_path / "btg.observations.jsonl")
    store = tmp_path / "btg.klaster"
    Store.create(store, program, observations=observations).close()
    return {"document": document, "store": store}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ``only=`` of every observations load (store or sidecar), in order."""
    seen: list[Any] = []
    from_store, from_sidecar = Store.load_observations, klaster.observations.load

    def store_spy(self: Store, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("only"))
        return from_store(self, *args, **kwargs)

    def sidecar_spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("only"))
        return from_sidecar(*args, **kwargs)

    ahead = klaster.observations.ReadAhead.load

    def ahead_spy(self: klaster.observations.ReadAhead, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("only"))  # a sidecar read ahead while the program was read
        return ahead(self, *args, **kwargs)

    monkeypatch.setattr(Store, "load_observations", store_spy)
    monkeypatch.setattr(klaster.observations, "load", sidecar_spy)
    monkeypatch.setattr(klaster.observations.ReadAhead, "load", ahead_spy)
    return seen


def twice(cli: Cli, out: Path, whole: Callable[[], None], *argv: Any) -> tuple[str, str]:
    """The file written as shipped, then with a whole load."""
    ran = cli(*argv)
    assert ran.returncode == ExitCode.OK, ran.stderr
    partial = out.read_text(encoding="utf-8")
    whole()  # until the end of the test
    ran = cli(*argv)
    assert ran.returncode == ExitCode.OK, ran.stderr
    return partial, out.read_text(encoding="utf-8")


class TestFigures:
    @pytest.mark.parametrize("kind", ["store", "document"])
    def test_only_the_indicators_variables_same_figures(
        self,
        cli: Cli,
        sources: dict[str, Path],
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        kind: str,
    ) -> None:
        out = tmp_path / "figures.csv"

        def whole() -> None:
            monkeypatch.setattr(_inputs, "figure_variables", lambda *args: None)

        partial, full = twice(
            cli, out, whole, "report", sources[kind], "--indicator", *INDICATORS,
            "--by", "cluster,sector", "--format", "csv", "--output", out,
        )  # fmt: skip
        assert loads == [{"monthly_income", "household_size"}, None]
        assert partial == full
        assert "poverty_headcount" in partial

    def test_a_store_of_schema_version_2_read_as_it_is(
        self, cli: Cli, sources: dict[str, Path], tmp_path: Path
    ) -> None:
        # A store written before round_units: reported without migrating it (read-only).
        old = tmp_path / "old.klaster"
        shutil.copy(sources["store"], old)
        version_2(old)
        written = []
        for store in (sources["store"], old):
            out = tmp_path / f"{store.stem}.csv"
            ran = cli("report", store, "--indicator", *INDICATORS, "--by", "cluster,sector",
                      "--format", "csv", "--output", out)  # fmt: skip
            assert ran.returncode == ExitCode.OK, ran.stderr
            written.append(out.read_text(encoding="utf-8"))
        assert written[0] == written[1]
        with Store.open(old, readonly=True) as opened:
            assert opened.schema_version == 2

    @pytest.mark.parametrize("kind", ["store", "document"])
    def test_an_unknown_indicator_is_named_before_anything_is_read(
        self, cli: Cli, sources: dict[str, Path], loads: list[Any], kind: str
    ) -> None:
        ran = cli("report", sources[kind], "--indicator", "members", "poverty_p0",
                  "--format", "csv")  # fmt: skip
        assert ran.returncode == ExitCode.REFUSED, ran.stderr
        assert "indicators[1]: no indicator 'poverty_p0'; did you mean" in ran.stderr
        assert loads == []  # not a whole load of every variable before the typo is named

    def test_every_indicator_when_none_is_named(
        self, cli: Cli, sources: dict[str, Path], loads: list[Any], tmp_path: Path
    ) -> None:
        out = tmp_path / "figures.json"
        ran = cli("report", sources["store"], "--format", "json", "--output", out)
        assert ran.returncode == ExitCode.OK, ran.stderr
        assert loads == [variables_needed()]

    def test_the_targets_indicators_too(
        self,
        cli: Cli,
        sources: dict[str, Path],
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        program = klaster.load(sources["document"])
        program.revise_framework(
            [Result("oc1", "outcome", "Modal sosial", [ResultIndicator("social_capital_index", [
                Target(60, round_key="endline", cluster_id="bantaeng"),
            ])])],
            recorded_on="2011-01-10", reason="lokakarya awal",
        )  # fmt: skip
        klaster.save(program, sources["document"])
        out = tmp_path / "figures.json"

        def whole() -> None:
            monkeypatch.setattr(_inputs, "figure_variables", lambda *args: None)

        partial, full = twice(
            cli, out, whole, "report", sources["document"], "--indicator", "members",
            "--format", "json", "--output", out,
        )  # fmt: skip
        assert loads == [variables_needed("social_capital_index"), None]
        assert partial == full
        assert "social_capital_index" in partial


class TestProgramReport:
    @pytest.mark.parametrize("kind", ["store", "document"])
    def test_the_report_document(
        self,
        cli: Cli,
        sources: dict[str, Path],
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        kind: str,
    ) -> None:
        out = tmp_path / "report.md"

        def whole() -> None:
            monkeypatch.setattr(_inputs, "report_variables", lambda program: None)

        partial, full = twice(
            cli, out, whole, "report", sources[kind], "--format", "md", "--out", out
        )
        assert loads[0] is not None
        assert "monthly_income" in loads[0]
        assert loads[1:] == [None]
        assert partial == full


class TestDhis2:
    def test_the_mapped_indicators_only(
        self,
        cli: Cli,
        sources: dict[str, Path],
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        out = tmp_path / "values.json"

        def whole() -> None:
            monkeypatch.setattr(_export_dhis2, "_needs", lambda mapping: None)

        partial, full = twice(
            cli, out, whole, "export", "dhis2", sources["store"],
            "--mapping", MAPPING, "--out", out,
        )  # fmt: skip
        assert loads[0] is not None
        assert loads[0] < variables_needed()
        assert loads[1:] == [None]
        assert partial == full


class TestBudget:
    def test_graduated_auto_reads_the_poverty_variables(
        self,
        cli: Cli,
        documents: tuple[Path, Path],  # noqa: F811 - the budget tests' fixture
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        program, finance = documents
        _surveys(program)
        argv = ("--json", "budget", program, "--finance", finance, "--graduated", "auto")
        partial = cli(*argv)
        with monkeypatch.context() as patch:
            patch.setattr(_budget, "_GRADUATION_READS", None)
            full = cli(*argv)
        assert partial.returncode == full.returncode == ExitCode.OK, partial.stderr
        assert loads == [_budget._GRADUATION_READS, None]
        assert set(loads[0]) == variables_needed("poverty_headcount")
        assert partial.stdout == full.stdout
        assert '"graduated": 1' in partial.stdout


class TestIati:
    @pytest.mark.parametrize("framework", [True, False])
    def test_the_frameworks_indicators_only(
        self,
        cli: Cli,
        sources: dict[str, Path],
        loads: list[Any],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        framework: bool,
    ) -> None:
        if framework:
            program = klaster.load(sources["document"])
            program.revise_framework(
                [Result("oc1", "outcome", "Modal sosial", [ResultIndicator(
                    "social_capital_index", [Target(60, round_key="endline")],
                )])],
                recorded_on="2011-01-10", reason="lokakarya awal",
            )  # fmt: skip
            klaster.save(program, sources["document"])
        out = tmp_path / "activities.xml"

        def whole() -> None:
            monkeypatch.setattr(_inputs, "framework_variables", lambda program: None)

        partial, full = twice(
            cli, out, whole, "export", "iati", sources["document"], "--reporting-org",
            "XM-DAC-47000", "--org-type", "22", "--generated", "2024-01-31T12:00:00+00:00",
            "--out", out,
        )  # fmt: skip
        expected = variables_needed("social_capital_index") if framework else frozenset()
        assert loads == [expected, None]
        assert partial == full
        assert ("<actual" in partial) is framework
