"""docs/plugins.md documents every hook, record and switch of the plugin system."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import klaster.plugins
import klaster.plugins.hookspecs
import klaster.testing.catalogue_strategies
import klaster.testing.plugins

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
TEXT = DOC.read_text(encoding="utf-8")
HOOKS = sorted(
    name
    for name, value in vars(klaster.plugins.hookspecs).items()
    if name.startswith("klaster_") and inspect.isfunction(value)
)


class TestPluginDocs:
    def test_hooks_found(self) -> None:
        assert len(HOOKS) >= 7

    @pytest.mark.parametrize("hook", HOOKS)
    def test_every_hook_has_a_reference_section(self, hook: str) -> None:
        assert re.search(rf"^#+ `{hook}`$", TEXT, re.MULTILINE), f"no section for {hook}"

    @pytest.mark.parametrize("hook", HOOKS)
    def test_every_hook_spec_has_a_docstring_with_an_example(self, hook: str) -> None:
        doc = inspect.getdoc(getattr(klaster.plugins.hookspecs, hook)) or ""
        assert "Returns:" in doc
        assert "Example:" in doc

    @pytest.mark.parametrize(
        "name",
        [
            "Label",
            "Sector",
            "BusinessType",
            "Variable",
            "Category",
            "Indicator",
            "ReadinessCriterion",
            "SectorData",
            "Level",
            "ValueType",
            "Aggregation",
            "Direction",
            "Operator",
            "PluginHost",
            "PluginInfo",
            "PluginWarning",
        ],
    )
    def test_every_record_is_in_the_reference(self, name: str) -> None:
        assert f"`{name}`" in TEXT or f"`{name}(" in TEXT or f".{name}(" in TEXT

    @pytest.mark.parametrize(
        "name",
        [
            klaster.plugins.ENV_ONLY,
            klaster.plugins.ENV_DISABLE,
            klaster.plugins.ENV_STRICT,
        ],
    )
    def test_environment_variables(self, name: str) -> None:
        assert f"`{name}=" in TEXT

    @pytest.mark.parametrize(
        "name",
        [*klaster.testing.plugins.__all__, *klaster.testing.catalogue_strategies.__all__],
    )
    def test_test_kit(self, name: str) -> None:
        assert f"`{name}(" in TEXT or f"`{name}`" in TEXT
