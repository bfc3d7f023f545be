"""Results-framework indicators checked where a program is read: documents, the store, the CLI.

An indicator code neither klaster's measurement nor a loaded plugin has is warned about, located,
with "did you mean" (the program still loads: a Measurement may register it; `klaster validate`
counts it as a problem); when a sector's plugin is missing the code may be that plugin's, so it is
kept unchecked and the missing-plugin warning is given.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.documents.builders import READERS, reader

import klaster
import klaster.plugins.default
from klaster import Program, Result, ResultIndicator, Target
from klaster.cli import main
from klaster.errors import KlasterWarning
from klaster.measurement import Measurement
from klaster.observations import Observations, variable_catalogue
from klaster.plugins import PluginWarning, get_host
from klaster.plugins.result_indicators import CORE_INDICATOR_CODES
from klaster.store import Store

PROGRAM = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
LOCATED = (
    "program.results.versions[0].results[0].indicators[1].indicator: unknown indicator "
    "'business_profitt' (did you mean 'business_profit'?)"
)


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("KLASTER_PLUGINS", "KLASTER_DISABLE_PLUGINS", "KLASTER_STRICT_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(klaster.plugins.default, "_default", None)
    yield
    monkeypatch.undo()
    klaster.plugins.default._default = None  # the next test's host loads every plugin again


def without_umkm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "umkm")
    monkeypatch.setattr(klaster.plugins.default, "_default", None)


def with_targets(*codes: str) -> Program:
    """The Bantaeng program with an outcome whose indicators are ``codes``."""
    program = klaster.load(PROGRAM)
    indicators = [ResultIndicator(code, [Target("10", round_key="endline")]) for code in codes]
    program.revise_framework(
        [Result("oc1", "outcome", "Usaha mitra tumbuh", indicators)],
        recorded_on="2011-01-10",
        reason="lokakarya awal",
    )  # the model takes any code: the catalogue is the plugins'
    return program


class TestDocuments:
    @pytest.mark.parametrize("name", READERS)
    def test_an_unknown_indicator_is_warned_located(self, name: str) -> None:
        program = with_targets("members", "business_profitt")
        with reader(name), pytest.warns(KlasterWarning) as caught:
            loaded = klaster.loads(klaster.dumps(program), source="bantaeng.json")
        (warning,) = [w for w in caught if "results framework" in str(w.message)]
        assert str(warning.message).startswith("bantaeng.json: the results framework names")
        assert f"  - {LOCATED}" in str(warning.message)
        assert loaded == program  # loaded all the same: it can be mended

    def test_load_from_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "p.json"
        path.write_text(klaster.dumps(with_targets("zzz_not_an_indicator")), encoding="utf-8")
        with pytest.warns(KlasterWarning) as caught:
            klaster.load(path)
        problem = "\n".join(str(w.message) for w in caught)
        assert "unknown indicator 'zzz_not_an_indicator' (known: " in problem
        assert "members_trained_12m" in problem
        assert "business_profit" in problem

    def test_known_codes_of_klaster_and_plugins_load(self) -> None:
        program = with_targets("members_trained_12m", "business_profit", "herd_growth")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning at all
            assert klaster.loads(klaster.dumps(program)) == program

    def test_a_missing_plugins_indicators_are_kept_with_its_warning(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        text = klaster.dumps(with_targets("members", "business_profit", "business_profitt"))
        without_umkm(monkeypatch)
        with pytest.warns(PluginWarning, match="sector 'umkm' has no loaded plugin"):
            program = klaster.loads(text)
        codes = [i.indicator for i in program.results.versions[0].results[0].indicators]
        assert codes == ["members", "business_profit", "business_profitt"]


class TestStore:
    def test_loading_warns_about_an_unknown_indicator(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        program = with_targets("members", "business_profitt")
        Store.create(path, program).close()  # saved as the API holds it
        with pytest.warns(KlasterWarning) as caught, Store.open(path) as store:
            loaded = store.load_program()
        (warning,) = [w for w in caught if "results framework" in str(w.message)]
        assert str(warning.message).startswith(str(path))
        assert f"  - {LOCATED}" in str(warning.message)
        assert loaded.results == program.results

    def test_a_missing_plugins_indicators_are_kept(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, with_targets("business_profit")).close()
        without_umkm(monkeypatch)
        with pytest.warns(PluginWarning), Store.open(path, readonly=True) as store:
            program = store.load_program()
        assert program.results.versions[0].results[0].indicators[0].indicator == "business_profit"


class TestValidate:
    def test_klaster_validate_refuses_located(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "p.json"
        path.write_text(klaster.dumps(with_targets("members", "business_profitt")), "utf-8")
        capsys.readouterr()
        code = main(["--json", "validate", str(path)])
        out = capsys.readouterr()
        assert code != 0
        assert LOCATED in out.out + out.err

    def test_klaster_validate_of_a_store(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, with_targets("members", "business_profitt")).close()
        capsys.readouterr()
        code = main(["validate", str(path)])
        out = capsys.readouterr()
        assert code != 0
        assert LOCATED in out.out + out.err


class TestCatalogue:
    def test_core_codes_are_the_measurements(self) -> None:
        program = klaster.load(PROGRAM)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            measurement = Measurement(program, Observations(program, variable_catalogue()))
        plugin = {i.code for i in get_host().indicators()}
        assert set(measurement.codes()) - plugin == CORE_INDICATOR_CODES
