"""The seaweed plugin's own tests: conformance with klaster, and its checks."""

from __future__ import annotations

import importlib.metadata

import klaster_seaweed
import pytest

from klaster.plugins import PluginHost
from klaster.testing.plugins import check_plugin, isolated_host


def test_conforms_to_klaster() -> None:
    check_plugin(klaster_seaweed)


def test_declares_the_seaweed_sector() -> None:
    host = isolated_host(klaster_seaweed)
    assert [s.code for s in host.sectors()] == ["seaweed"]
    assert host.indicator("annual_seaweed_income").references == (
        "seaweed_income",
        "cycles_per_year",
    )


def test_dry_harvest_cannot_exceed_wet() -> None:
    host = isolated_host(klaster_seaweed)
    values = {
        "seaweed_lines": 40,
        "wet_harvest_kg": "800",
        "dry_harvest_kg": "900",
        "cycles_per_year": 5,
    }
    (problem,) = host.validate_values("seaweed", "member", values)
    assert "dry_harvest_kg is more than wet_harvest_kg" in problem


def test_cycles_are_bounded_by_the_45_day_cycle() -> None:
    host = isolated_host(klaster_seaweed)
    values = {"seaweed_lines": 40, "wet_harvest_kg": 800, "dry_harvest_kg": 100}
    problems = host.validate_values("seaweed", "member", {**values, "cycles_per_year": 9})
    assert problems == (
        "cycles_per_year: Growing cycles per year is above the maximum 8 cycle/year",
    )


def test_installed_plugin_is_found_through_its_entry_point() -> None:
    names = {ep.name for ep in importlib.metadata.entry_points(group="klaster")}
    if "seaweed" not in names:
        pytest.skip("klaster-seaweed is not installed (pip install .)")
    host = PluginHost(strict=True)
    assert host.plugin("seaweed").distribution == "klaster-seaweed"
    assert host.sector("seaweed").dac_code == "31320"
