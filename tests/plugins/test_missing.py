"""A program whose sector plugin is missing: read with its values set aside, one warning.

The Bantaeng example is a UMKM program; ``KLASTER_DISABLE_PLUGINS=umkm`` plays an installation
without the plugin. A third-party sector (a ``StaticPlugin`` on the shared host, then gone)
plays a plugin that was never installed.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import klaster
import klaster.plugins.default
from klaster import Label
from klaster.catalogue import Level, Sector, ValueType, Variable
from klaster.errors import DocumentError, PluginError, StoreError
from klaster.measurement import Measurement
from klaster.observations import Observations, Round, variable_catalogue
from klaster.observations import load as load_sidecar
from klaster.observations import save as save_sidecar
from klaster.plugins import PluginWarning, SectorData, StaticPlugin, get_host
from klaster.store import Store

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")
UMKM_VARIABLES = ("business_running", "monthly_costs", "monthly_revenue", "workers")


def _fresh_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(klaster.plugins.default, "_default", None)


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("KLASTER_PLUGINS", "KLASTER_DISABLE_PLUGINS", "KLASTER_STRICT_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    _fresh_host(monkeypatch)
    yield
    monkeypatch.undo()
    klaster.plugins.default._default = None  # the next test's host loads every plugin again


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store of the Bantaeng program and its observations, written with every plugin."""
    program = klaster.load(PROGRAM)
    path = tmp_path / "bantaeng.klaster"
    Store.create(path, program, observations=load_sidecar(SIDECAR, program, variable_catalogue()))
    return path


def _without_umkm(monkeypatch: pytest.MonkeyPatch, *, strict: bool = False) -> None:
    monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "umkm")
    if strict:
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
    _fresh_host(monkeypatch)


def _core_figures(
    program: klaster.Program, observations: Observations
) -> dict[tuple[object, object], object]:
    rows = Measurement(program, observations).report().to_records()
    return {
        (row["indicator"], row["round"]): row["value"]
        for row in rows
        if row["cluster"] is None and row["indicator"] in {"members", "poverty_headcount"}
    }


class TestDocumentAndSidecar:
    def test_the_program_loads_with_one_warning_naming_the_sector(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _without_umkm(monkeypatch)
        with pytest.warns(PluginWarning) as caught:
            program = klaster.load(PROGRAM)
        (warning,) = caught
        message = str(warning.message)
        assert "sector 'umkm' has no loaded plugin" in message
        assert "KLASTER_DISABLE_PLUGINS" in message  # installed but disabled: say so
        assert len(program.clusters["bantaeng"].members) == 190  # the sector's members kept

    def test_the_sidecar_sets_the_plugins_values_aside_and_core_figures_compute(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with_plugin = klaster.load(PROGRAM)
        expected = _core_figures(
            with_plugin, load_sidecar(SIDECAR, with_plugin, variable_catalogue())
        )
        _without_umkm(monkeypatch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)
            program = klaster.load(PROGRAM)
        with pytest.warns(PluginWarning) as caught:
            observations = load_sidecar(SIDECAR, program, variable_catalogue())
        (warning,) = caught
        message = str(warning.message)
        assert all(repr(code) in message for code in UMKM_VARIABLES)
        assert "set aside" in message
        assert "sector 'umkm'" in message
        assert not set(UMKM_VARIABLES) & set(observations.variables)
        assert _core_figures(program, observations) == expected
        assert expected  # the comparison is about figures, not two empty dicts

    def test_saving_over_the_sidecar_is_refused_and_a_new_file_is_written(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        copy = tmp_path / "bantaeng.observations.jsonl"
        copy.write_bytes(SIDECAR.read_bytes())
        _without_umkm(monkeypatch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)
            program = klaster.load(PROGRAM)
            observations = load_sidecar(copy, program, variable_catalogue())
        with pytest.raises(DocumentError, match="would lose them") as error:
            save_sidecar(observations, copy)
        assert "'monthly_revenue'" in str(error.value)
        assert copy.read_bytes() == SIDECAR.read_bytes()  # untouched
        save_sidecar(observations, tmp_path / "core-only.jsonl")  # a new file loses nothing

    def test_strict_mode_refuses_document_and_sidecar(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _without_umkm(monkeypatch, strict=True)
        with pytest.raises(PluginError, match="sector 'umkm' has no loaded plugin"):
            klaster.load(PROGRAM)
        monkeypatch.delenv("KLASTER_STRICT_PLUGINS")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)
            program = klaster.load(PROGRAM)
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
        with pytest.raises(PluginError, match="'monthly_revenue'"):
            load_sidecar(SIDECAR, program, variable_catalogue())

    def test_a_variable_an_installed_plugin_declares_is_still_an_error(self) -> None:
        # Left out of the catalogue given (core only) though the umkm plugin declares it: the
        # caller chose a narrower catalogue, nothing is missing.
        program = klaster.load(PROGRAM)
        with pytest.raises(DocumentError, match="variable_catalogue"):
            load_sidecar(SIDECAR, program)


class TestStore:
    def test_loading_sets_aside_and_the_store_keeps_the_values(
        self, monkeypatch: pytest.MonkeyPatch, store: Path
    ) -> None:
        with Store.open(store) as opened:
            expected = _core_figures(opened.load_program(), opened.load_observations())
            count = opened.status().clusters[0].observation_values
        _without_umkm(monkeypatch)
        with Store.open(store) as opened:
            with pytest.warns(PluginWarning, match="sector 'umkm'"):
                program = opened.load_program()
            with pytest.warns(PluginWarning, match="'monthly_revenue'.*set aside"):
                observations = opened.load_observations(program=program)
            assert _core_figures(program, observations) == expected
            with pytest.raises(StoreError, match="would lose them"):
                opened.save_observations(observations)
            assert opened.status().clusters[0].observation_values == count
        monkeypatch.delenv("KLASTER_DISABLE_PLUGINS")
        _fresh_host(monkeypatch)
        with Store.open(store) as opened:  # the plugin back: every value is there
            full = opened.load_observations()
            assert "monthly_revenue" in full.variables

    def test_strict_mode_refuses(self, monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
        _without_umkm(monkeypatch, strict=True)
        with Store.open(store) as opened, pytest.raises(PluginError, match="umkm"):
            opened.load_program()


class TestOneWarning:
    """``one_warning``: a load and a validation that meet the same missing plugin say it once."""

    def test_store_load_and_validation_give_one_merged_warning(
        self, monkeypatch: pytest.MonkeyPatch, store: Path
    ) -> None:
        from klaster.plugins.missing import one_warning

        _without_umkm(monkeypatch)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with one_warning(), Store.open(store) as opened:
                with one_warning():  # one load: its warning is given as it ends
                    program = opened.load_program()
                    opened.load_observations(program=program)
                assert len(caught) == 1  # said now, not only when the outer context ends
                get_host().validate_program(program)  # said already: nothing new
        (warning,) = (w.message for w in caught if isinstance(w.message, PluginWarning))
        assert str(warning).count("sector 'umkm' has no loaded plugin") == 1
        assert "its members and groups are kept" in str(warning)
        assert "'monthly_revenue'" in str(warning)
        assert "set aside" in str(warning)
        assert warning.plugin == "umkm"

    def test_without_it_each_step_warns(self, monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
        _without_umkm(monkeypatch)
        with warnings.catch_warnings(record=True) as caught, Store.open(store) as opened:
            warnings.simplefilter("always")
            program = opened.load_program()
            opened.load_observations(program=program)
        assert len(caught) == 2

    def test_strict_mode_still_refuses_at_once(
        self, monkeypatch: pytest.MonkeyPatch, store: Path
    ) -> None:
        from klaster.plugins.missing import one_warning

        _without_umkm(monkeypatch, strict=True)
        with one_warning(), Store.open(store) as opened, pytest.raises(PluginError, match="umkm"):
            opened.load_program()


class TestThirdPartyVariables:
    def test_a_plugin_that_extended_a_loaded_sector_is_asked_for(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        # A plugin (never installed here) adding a variable to the umkm sector: no sector is
        # missing, only its variable, which is set aside with the install hint.
        extra = StaticPlugin(
            SectorData(
                variables=[
                    Variable(
                        "umkm_online_sales",
                        "umkm",
                        Level.MEMBER,
                        ValueType.DECIMAL,
                        Label("Penjualan daring", "Online sales"),
                    )
                ],
            )
        )
        get_host().register(extra, "umkm_online")
        program = klaster.load(PROGRAM)
        observations = Observations(program, variable_catalogue())
        observations.add_round(Round("r1", "bantaeng", "baseline", datetime.date(2011, 6, 15)))
        observations.record(
            "r1", "BTG-0001", {"monthly_income": Decimal(1), "umkm_online_sales": Decimal(5)}
        )
        save_sidecar(observations, tmp_path / "s.jsonl")
        _fresh_host(monkeypatch)  # the plugin is gone
        with pytest.warns(PluginWarning) as caught:
            back = load_sidecar(tmp_path / "s.jsonl", program, variable_catalogue())
        (warning,) = caught
        assert "'umkm_online_sales'" in str(warning.message)
        assert "install the plugin that declares them" in str(warning.message)
        assert set(back.columns("r1")) == {"monthly_income"}
        assert back.value("r1", "BTG-0001", "monthly_income") == Decimal(1)


def test_a_sector_no_plugin_knows_asks_for_its_package() -> None:
    from klaster.plugins import PluginHost
    from klaster.plugins.missing import install_hint

    hint = install_hint(PluginHost(entry_points=False), "seaweed")
    assert "install the plugin package that provides sector 'seaweed'" in hint
    assert "pip install klaster-seaweed" in hint


def test_a_sector_never_installed_round_trips_through_a_document(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Saved where a seaweed plugin was installed; read where it never was: the members are
    # kept, the warning asks for the package, and saving the document again loses nothing.
    seaweed = StaticPlugin(
        SectorData(sectors=[Sector("seaweed", Label("Rumput laut", "Seaweed"), Label("A", "A"))])
    )
    get_host().register(seaweed, "seaweed")
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
    klaster.save(program, tmp_path / "p.json")
    _fresh_host(monkeypatch)  # the plugin was never installed here
    with pytest.warns(PluginWarning) as caught:
        back = klaster.load(tmp_path / "p.json")
    (warning,) = caught
    assert "pip install klaster-seaweed" in str(warning.message)
    assert "Sitti" not in str(warning.message)
    assert [m.id for m in back.clusters["c"].members] == ["M-1"]
    with pytest.warns(PluginWarning):
        assert klaster.loads(klaster.dumps(back)) == program


class TestActivityKinds:
    """Activities of a missing plugin's kinds are kept, not the whole program refused."""

    @staticmethod
    def _with_harvest(kind: str = "harvest_day") -> klaster.Program:
        from klaster.model.activity import Activity

        program = klaster.load(PROGRAM.with_name("fieldwork.json"))  # farming in Lebak
        program.fieldwork.add_activity(
            Activity(
                "ACT-HARVEST",
                kind,
                "Hari panen",
                "planned",
                cluster_id="lebak",
                planned_on=datetime.date(2014, 3, 1),
                sector="farming",
            )
        )
        return program

    def test_document_and_store_keep_them_with_the_warning(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        program = self._with_harvest()
        text = klaster.dumps(program)
        path = tmp_path / "harvest.klaster"
        Store.create(path, program)
        monkeypatch.setenv("KLASTER_DISABLE_PLUGINS", "farming")
        _fresh_host(monkeypatch)

        def from_store() -> klaster.Program:
            with Store.open(path, readonly=True) as store:
                return store.load_program()

        def from_document() -> klaster.Program:
            return klaster.loads(text, source="harvest.json")

        for read in (from_document, from_store):
            with pytest.warns(PluginWarning) as caught:
                loaded = read()
            message = " ".join(str(w.message) for w in caught)
            assert "sector 'farming' has no loaded plugin" in message
            assert "activities of kinds 'harvest_day' are kept" in message
            assert loaded.fieldwork.activities["ACT-HARVEST"].kind == "harvest_day"

    def test_strict_mode_refuses(self, monkeypatch: pytest.MonkeyPatch) -> None:
        text = klaster.dumps(self._with_harvest())
        _without_farming = {"KLASTER_DISABLE_PLUGINS": "farming", "KLASTER_STRICT_PLUGINS": "1"}
        for name, value in _without_farming.items():
            monkeypatch.setenv(name, value)
        _fresh_host(monkeypatch)
        with pytest.raises(PluginError, match="activities of kinds 'harvest_day' are kept"):
            klaster.loads(text, source="harvest.json")

    def test_an_unknown_kind_without_a_missing_plugin_is_still_an_error(self) -> None:
        document = klaster.dumps(self._with_harvest()).replace('"harvest_day"', '"harvst_day"')
        with pytest.raises(DocumentError) as caught:
            klaster.loads(document, source="harvest.json")
        assert "unknown activity kind 'harvst_day'" in str(caught.value)
        assert "fieldwork.activities[" in str(caught.value)
