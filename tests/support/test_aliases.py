"""Deprecated import paths: old module paths and names moved off a package, kept one release."""

from __future__ import annotations

import importlib
import importlib.machinery
import subprocess
import sys

import pytest

import klaster
from klaster._support.aliases import MOVED_MODULES

# The public (no underscore) entries of the reshape's move list: old path -> new path.
# (``klaster.plugins`` was a module and is now the package exporting the same names.)
EXPECTED = {
    "klaster.document": "klaster.documents.program",
    "klaster.member": "klaster.model.member",
    "klaster.group": "klaster.model.group",
    "klaster.cooperative": "klaster.model.cooperative",
    "klaster.organisation": "klaster.model.organisation",
    "klaster.region": "klaster.model.region",
    "klaster.lifecycle": "klaster.model.lifecycle",
    "klaster.records": "klaster.model.records",
    "klaster.cluster": "klaster.model.cluster",
    "klaster.program": "klaster.model.program",
    "klaster.sector": "klaster.catalogue.sector",
    "klaster.variable": "klaster.catalogue.variable",
    "klaster.indicator": "klaster.catalogue.indicator",
    "klaster.criterion": "klaster.catalogue.criterion",
    "klaster.formula": "klaster.catalogue.formula",
    "klaster.sectorfile": "klaster.plugins.sectorfile",
    "klaster.hookspecs": "klaster.plugins.hookspecs",
    "klaster.plugininfo": "klaster.plugins.info",
    "klaster.measurement.rounds": "klaster.observations.rounds",
    "klaster.measurement.columns": "klaster.observations.columns.factory",
    "klaster.measurement.column_base": "klaster.observations.columns.base",
    "klaster.measurement.numeric_columns": "klaster.observations.columns.numeric",
    "klaster.measurement.coded_columns": "klaster.observations.columns.coded",
    "klaster.measurement.text_column": "klaster.observations.columns.text",
    "klaster.measurement.observations": "klaster.observations.values",
    "klaster.measurement.observation_queries": "klaster.observations.queries",
    "klaster.measurement.core_variables": "klaster.observations.core_variables",
    "klaster.measurement.sidecar": "klaster.observations.sidecar",
    "klaster.measurement.fgt": "klaster.measurement.methods.fgt",
    "klaster.measurement.welfare": "klaster.measurement.methods.welfare",
    "klaster.measurement.cibest": "klaster.measurement.methods.cibest",
    "klaster.measurement.cibest_config": "klaster.measurement.methods.cibest_config",
    "klaster.measurement.cibest_quadrants": "klaster.measurement.methods.cibest_quadrants",
    "klaster.measurement.cibest_indices": "klaster.measurement.methods.cibest_indices",
    "klaster.measurement.cibest_transition_matrix": (
        "klaster.measurement.methods.cibest_transition_matrix"
    ),
    "klaster.measurement.poverty_lines": "klaster.measurement.methods.poverty_lines",
    "klaster.measurement.poverty_records": "klaster.measurement.methods.poverty_records",
    "klaster.measurement.result_row": "klaster.measurement.rows",
}


def _forget(name: str) -> None:
    sys.modules.pop(name, None)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules and child in vars(sys.modules[parent]):
        delattr(sys.modules[parent], child)


class TestMovedModules:
    def test_the_list_is_the_public_moves(self) -> None:
        assert dict(MOVED_MODULES) == EXPECTED

    @pytest.mark.parametrize("old", sorted(EXPECTED))
    def test_no_old_path_is_also_a_real_module(self, old: str) -> None:
        parent, _, _child = old.rpartition(".")
        path = importlib.import_module(parent).__path__
        assert importlib.machinery.PathFinder.find_spec(old, path) is None

    @pytest.mark.parametrize("old", sorted(EXPECTED))
    def test_old_path_warns_and_is_the_new_module(self, old: str) -> None:
        new = importlib.import_module(EXPECTED[old])
        _forget(old)
        try:
            with pytest.warns(DeprecationWarning, match=f"use {EXPECTED[old]}") as caught:
                module = importlib.import_module(old)
            assert module is new
            assert module.__spec__ is not None
            assert module.__spec__.name == EXPECTED[old]  # the real module keeps its spec
            assert caught[0].filename == __file__
        finally:
            _forget(old)

    def test_from_import_of_an_old_path_keeps_isinstance(self) -> None:
        _forget("klaster.member")
        try:
            with pytest.warns(DeprecationWarning, match="klaster.model.member"):
                from klaster.member import Member  # type: ignore[import-untyped]
            assert Member is klaster.Member
        finally:
            _forget("klaster.member")

    def test_import_klaster_loads_no_moved_module(self) -> None:
        code = (
            "import sys, klaster\n"
            "heavy = [m for m in ('klaster.store', 'klaster.measurement', 'klaster.observations')"
            " if m in sys.modules]\n"
            "print(heavy)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"


class TestMovedNames:
    @pytest.mark.parametrize(
        ("name", "new"),
        [
            ("Variable", "klaster.catalogue"),
            ("Level", "klaster.catalogue"),
            ("PluginHost", "klaster.plugins"),
            ("get_host", "klaster.plugins"),
            ("SectorData", "klaster.plugins"),
        ],
    )
    def test_root_names_that_moved_warn(self, name: str, new: str) -> None:
        with pytest.warns(DeprecationWarning, match=f"use {new}.{name}"):
            value = getattr(klaster, name)
        assert value is getattr(importlib.import_module(new), name)

    def test_unknown_root_name(self) -> None:
        with pytest.raises(AttributeError, match="no attribute 'nothing'"):
            klaster.nothing  # noqa: B018

    def test_old_listing_functions_warn(self) -> None:
        from klaster.plugins import get_host, list_plugins, plugins_json

        with pytest.warns(DeprecationWarning, match=r"get_host\(\)\.plugins\(\)"):
            assert list_plugins() == get_host().plugins()
        with pytest.warns(DeprecationWarning, match="to_dict"):
            assert plugins_json() == [i.to_dict() for i in get_host().plugins()]

    def test_static_plugin_moved_to_plugins(self) -> None:
        import klaster.testing
        import klaster.testing.plugins
        from klaster.plugins import StaticPlugin

        with pytest.warns(DeprecationWarning, match="klaster.plugins.StaticPlugin"):
            assert klaster.testing.StaticPlugin is StaticPlugin
        with pytest.warns(DeprecationWarning, match="catalogue_strategies.sector_data"):
            assert klaster.testing.plugins.sector_data is not None


class TestMethodsOnePath:
    """The statistical methods have one import path: klaster.measurement.methods."""

    def test_methods_names_are_not_exported_by_measurement(self) -> None:
        import klaster.measurement
        import klaster.measurement.methods

        exported = set(klaster.measurement.__all__)
        assert exported.isdisjoint(klaster.measurement.methods.__all__)
        assert not set(vars(klaster.measurement)) & {"fgt", "PovertyLines", "Quadrant"}

    @pytest.mark.parametrize("name", ["fgt", "PovertyLines", "Quadrant", "cibest_transitions"])
    def test_old_access_warns_and_is_the_same_object(self, name: str) -> None:
        import klaster.measurement
        import klaster.measurement.methods

        new = f"klaster.measurement.methods.{name}"
        with pytest.warns(DeprecationWarning, match=f"use {new}") as caught:
            value = getattr(klaster.measurement, name)
        assert value is getattr(klaster.measurement.methods, name)
        assert caught[0].filename == __file__

    def test_every_methods_name_is_served_from_the_old_path(self) -> None:
        import klaster.measurement
        import klaster.measurement.methods

        for name in klaster.measurement.methods.__all__:
            with pytest.warns(DeprecationWarning, match="klaster.measurement.methods"):
                value = getattr(klaster.measurement, name)
            assert value is getattr(klaster.measurement.methods, name)

    def test_from_import_of_the_old_path_warns(self) -> None:
        from klaster.measurement.methods import fgt as new

        with pytest.warns(DeprecationWarning, match="klaster.measurement.methods.fgt"):
            from klaster.measurement import fgt
        assert fgt is new
