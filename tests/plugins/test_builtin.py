"""The built-in sectors: they conform, keep their thresholds in data, and check their rounds."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources
from types import ModuleType

import pytest

import klaster_sectors.farming
import klaster_sectors.livestock
import klaster_sectors.umkm
from klaster.catalogue.variable import ValueType
from klaster.plugins import PluginHost
from klaster.testing.plugins import check_plugin, isolated_host

BUILTINS = [klaster_sectors.umkm, klaster_sectors.farming, klaster_sectors.livestock]


@pytest.fixture(scope="module")
def host() -> PluginHost:
    built_in = isolated_host()
    for module in BUILTINS:
        built_in.register(module, module.__name__.rsplit(".", 1)[1])
    return built_in


class TestBuiltinSectors:
    @pytest.mark.parametrize("module", BUILTINS, ids=lambda m: m.__name__)
    def test_conforms(self, module: ModuleType) -> None:
        check_plugin(module)

    def test_sectors_with_their_business_types(self, host: PluginHost) -> None:
        assert [s.code for s in host.sectors()] == ["farming", "livestock", "umkm"]
        umkm = host.sector("umkm").business_type_codes()
        for seen in ("batik", "cassava_crackers", "mobile_fish_selling", "seaweed_processing"):
            assert seen in umkm
        assert {s.dac_code for s in host.sectors()} == {"31161", "31163", "32130"}

    @pytest.mark.parametrize(
        ("sector", "variables", "indicators"),
        [
            (
                "umkm",
                {
                    "monthly_revenue",
                    "monthly_costs",
                    "monthly_profit",
                    "workers",
                    "business_running",
                },
                {"profit_margin", "business_survival_rate", "jobs_created"},
            ),
            (
                "farming",
                {"crop", "planted_area_ha", "harvest_kg", "harvest_price", "farm_input_costs"},
                {"yield_per_ha", "farm_income", "productivity_change"},
            ),
            (
                "livestock",
                {
                    "species",
                    "herd_start",
                    "herd_births",
                    "herd_deaths",
                    "herd_sales",
                    "herd_purchases",
                    "herd_end",
                },
                {"mortality_rate", "birth_rate", "herd_growth", "livestock_sales_income"},
            ),
        ],
    )
    def test_declares_what_field_teams_record(
        self, host: PluginHost, sector: str, variables: set[str], indicators: set[str]
    ) -> None:
        assert variables <= {v.code for v in host.variables(sector)}
        assert indicators <= {i.code for i in host.indicators(sector)}
        assert {c.level.value for c in host.readiness_criteria(sector)} == {
            "member",
            "group",
            "cluster",
        }

    def test_core_variables_are_not_a_sectors(self, host: PluginHost) -> None:
        codes = {v.code for v in host.variables()}
        assert not codes & {"income", "household_size", "monthly_income"}

    def test_money_is_decimal_with_bounds(self, host: PluginHost) -> None:
        for variable in host.variables():
            if variable.unit and variable.unit.startswith("IDR"):
                assert variable.type is ValueType.DECIMAL
                assert variable.maximum is not None, variable.code

    @pytest.mark.parametrize("name", ["umkm", "farming", "livestock"])
    def test_thresholds_come_from_the_data_file(self, host: PluginHost, name: str) -> None:
        text = resources.files("klaster_sectors").joinpath(f"{name}.toml").read_text("utf-8")
        raw = tomllib.loads(text, parse_float=Decimal)
        assert "Where the content comes from" in text
        for row in raw["criteria"]:
            criterion = next(c for c in host.readiness_criteria() if c.code == row["code"])
            assert criterion.threshold == row["threshold"]
        for row in raw["variables"]:
            variable = host.variable(row["code"])
            assert variable.maximum == row.get("maximum")


HERD = {
    "species": "goat",
    "herd_start": 10,
    "herd_births": 4,
    "herd_purchases": 1,
    "herd_deaths": 2,
    "herd_sales": 3,
    "herd_end": 10,
}


class TestBuiltinChecks:
    def test_herd_adds_up(self, host: PluginHost) -> None:
        assert host.validate_values("livestock", "member", HERD) == ()
        (problem,) = host.validate_values("livestock", "member", {**HERD, "herd_end": 12})
        assert problem.startswith("herd does not add up")
        assert problem.endswith("(plugin 'livestock')")
        assert "12" not in problem

    def test_sales_value_needs_sales(self, host: PluginHost) -> None:
        values = {**HERD, "herd_sales": 0, "herd_end": 13, "herd_sales_value": "500000"}
        assert host.validate_values("livestock", "member", values) == (
            "herd_sales_value is recorded but herd_sales is 0 (plugin 'livestock')",
        )

    def test_umkm_profit_matches_revenue_minus_costs(self, host: PluginHost) -> None:
        values = {
            "monthly_revenue": "3000000",
            "monthly_costs": "1800000",
            "workers": 2,
            "business_running": True,
        }
        assert host.validate_values("umkm", "member", {**values, "monthly_profit": 1200000}) == ()
        (problem,) = host.validate_values("umkm", "member", {**values, "monthly_profit": 1})
        assert "monthly_profit differs" in problem

    def test_closed_business_has_no_revenue(self, host: PluginHost) -> None:
        values = {
            "monthly_revenue": "100",
            "monthly_costs": "0",
            "workers": 1,
            "business_running": False,
        }
        assert len(host.validate_values("umkm", "member", values)) == 2

    def test_farming_harvest_needs_land_and_price(self, host: PluginHost) -> None:
        values = {
            "crop": "rice",
            "planted_area_ha": "0",
            "harvest_kg": "1200",
            "farm_input_costs": "900000",
        }
        problems = host.validate_values("farming", "member", values)
        assert len(problems) == 2
        assert "planted_area_ha is 0" in problems[0]
        assert "harvest_price is needed" in problems[1]

    def test_area_bound_catches_square_metres(self, host: PluginHost) -> None:
        values = {
            "crop": "maize",
            "planted_area_ha": "2500",
            "harvest_kg": "0",
            "farm_input_costs": "0",
        }
        (problem,) = host.validate_values("farming", "member", values)
        assert problem == "planted_area_ha: Planted area is above the maximum 10 ha"
