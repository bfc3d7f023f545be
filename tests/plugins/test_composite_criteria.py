"""Composite readiness criteria through the plugin paths: sector files, Python hooks, the merge's
checks of every part and the conformance kit; a bad threshold names its criterion."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest

from klaster import Label, hookimpl
from klaster.catalogue import (
    Aggregation,
    Condition,
    Direction,
    Indicator,
    Level,
    ReadinessCriterion,
    Sector,
    ValueType,
    Variable,
)
from klaster.errors import DocumentError, PluginError
from klaster.plugins import PluginWarning, SectorData, StaticPlugin, read_sector_toml
from klaster.testing.plugins import check_plugin, isolated_host

L = Label("Perikanan", "Fisheries")

FILE = """
[sector]
code = "fisheries"
name = { id = "Perikanan tangkap", en = "Capture fisheries" }
description = { id = "Nelayan kecil.", en = "Small-scale fishers." }

[[variables]]
code = "owns_boat"
level = "member"
type = "boolean"
label = { id = "Punya perahu", en = "Owns a boat" }

[[variables]]
code = "fuel_cost_share"
level = "member"
type = "decimal"
label = { id = "Bagian biaya BBM", en = "Fuel share of costs" }

[[indicators]]
code = "boat_owned_share"
level = "member"
formula = "owns_boat"
aggregation = "share_meeting"
direction = "higher"
name = { id = "Bagian mitra punya perahu", en = "Share owning a boat" }

[[criteria]]
code = "boat_and_fuel"
level = "cluster"
label = { id = "Perahu dan BBM", en = "Boats and fuel" }
all_of = [
  { reads = "boat_owned_share", operator = ">=", threshold = 0.70 },
  { reads = "fuel_cost_share", operator = "<", threshold = 0.40 },
]
"""


def _fisheries(*criteria: ReadinessCriterion) -> StaticPlugin:
    return StaticPlugin(
        SectorData(
            sectors=[Sector("fisheries", L, L)],
            variables=[
                Variable("owns_boat", "fisheries", "member", ValueType.BOOLEAN, L),
                Variable("fuel_cost_share", "fisheries", "member", ValueType.DECIMAL, L),
            ],
            indicators=[
                Indicator(
                    "boat_owned_share",
                    "fisheries",
                    L,
                    "member",
                    "owns_boat",
                    Aggregation.SHARE_MEETING,
                    Direction.HIGHER,
                )
            ],
            criteria=criteria,
        )
    )


def _composite(*conditions: Condition) -> ReadinessCriterion:
    return ReadinessCriterion("boat_and_fuel", "fisheries", Level.CLUSTER, L, all_of=conditions)


class TestSectorFile:
    def test_all_of_tables(self) -> None:
        (criterion,) = read_sector_toml(FILE).criteria
        assert criterion.combination == "all_of"
        assert criterion.conditions == (
            Condition("boat_owned_share", ">=", Decimal("0.70")),
            Condition("fuel_cost_share", "<", Decimal("0.40")),
        )
        # and the plugin built from the file loads
        host = isolated_host(StaticPlugin(read_sector_toml(FILE)))
        assert host.readiness_criteria(sector="fisheries") == (criterion,)

    def test_any_of(self) -> None:
        (criterion,) = read_sector_toml(FILE.replace("all_of", "any_of")).criteria
        assert criterion.combination == "any_of"

    def test_a_bad_part_is_located_and_names_its_criterion(self) -> None:
        text = FILE.replace('operator = "<", threshold = 0.40', 'operator = "<", threshold = true')
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(text, source="fisheries.toml")
        assert caught.value.problems == (
            "criteria[0].all_of[1].threshold (criterion 'boat_and_fuel'): a true/false or "
            "category threshold needs '==' or '!=', not '<'",
        )

    def test_a_part_with_a_misspelt_key(self) -> None:
        text = FILE.replace('operator = "<", threshold', 'operator = "<", treshold')
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(text)
        (problem,) = caught.value.problems
        assert problem.startswith(
            "criteria[0].all_of[1] (criterion 'boat_and_fuel'): unknown key(s) treshold; "
            "missing threshold"
        )

    def test_a_bad_single_threshold_names_its_criterion(self) -> None:
        text = FILE.replace(
            'all_of = [\n  { reads = "boat_owned_share", operator = ">=", threshold = 0.70 },\n'
            '  { reads = "fuel_cost_share", operator = "<", threshold = 0.40 },\n]',
            'reads = "owns_boat"\noperator = ">="\nthreshold = true',
        )
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(text)
        assert caught.value.problems == (
            "criteria[0].threshold (criterion 'boat_and_fuel'): a true/false or category "
            "threshold needs '==' or '!=', not '>='",
        )


class TestPythonPlugin:
    def test_a_hook_returning_composites(self) -> None:
        both = _composite(
            Condition("boat_owned_share", ">=", "0.70"), Condition("fuel_cost_share", "<", "0.40")
        )
        host = isolated_host(_fisheries(both))
        assert host.readiness_criteria(sector="fisheries", level="cluster") == (both,)
        check_plugin(_fisheries(both), name="fisheries")

    def test_a_bad_threshold_in_a_hook_names_its_criterion(self) -> None:
        class Broken:
            @hookimpl
            def klaster_sectors(self) -> list[Sector]:
                return [Sector("fisheries", L, L)]

            @hookimpl
            def klaster_readiness_criteria(self) -> list[ReadinessCriterion]:
                return [
                    ReadinessCriterion(
                        "boat_owned", "fisheries", "member", L, "owns_boat", ">=", True
                    )
                ]

        host = isolated_host(strict=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            host.register(Broken(), "broken")
        (warning,) = [w.message for w in caught if isinstance(w.message, PluginWarning)]
        assert (
            "klaster_readiness_criteria raised ValidationError: threshold (criterion "
            "'boat_owned'): a true/false or category threshold needs '==' or '!='"
        ) in str(warning)


class TestMergeChecks:
    def problems(self, *criteria: ReadinessCriterion) -> list[str]:
        with pytest.raises(PluginError) as caught:
            check_plugin(_fisheries(*criteria), name="fisheries")
        return list(caught.value.problems)

    def test_every_part_is_resolved_with_did_you_mean(self) -> None:
        both = _composite(
            Condition("boat_owned_share", ">=", "0.70"), Condition("fuel_cost_shar", "<", "0.40")
        )
        (problem,) = self.problems(both)
        assert (
            "criteria[0].all_of[1].reads (criterion 'boat_and_fuel'): reads 'fuel_cost_shar', "
            "which no loaded plugin declares as a variable or indicator (did you mean "
            "'fuel_cost_share'?)"
        ) in problem

    def test_a_part_compares_with_the_wrong_kind(self) -> None:
        both = _composite(Condition("owns_boat", "==", 1), Condition("fuel_cost_share", "<", 1))
        (problem,) = self.problems(both)
        assert (
            "criteria[0].all_of[0].threshold (criterion 'boat_and_fuel'): needs threshold "
            "true or false"
        ) in problem

    def test_a_single_criterion_is_located_too(self) -> None:
        single = ReadinessCriterion("boat", "fisheries", "member", L, "owns_boat", "==", 1)
        (problem,) = self.problems(single)
        assert "criteria[0].threshold (criterion 'boat'): needs threshold true or false" in problem
