"""The ``klaster_eligibility_criteria`` hook: sector rules for applicants, merged by code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from klaster.catalogue import EligibilityCriterion, Level, LineRef, ValueType, Variable
from klaster.catalogue.sector import Sector
from klaster.errors import DocumentError, ValidationError
from klaster.label import Label
from klaster.model.applicant import Applicant
from klaster.plugins import SectorData, StaticPlugin, get_host, read_sector_toml
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.info import PluginStatus, PluginWarning
from klaster.targeting import EligibilityRules, screen
from klaster.testing.plugins import isolated_host

L = Label("Contoh", "Example")
SEAWEED = Sector("seaweed", Label("Rumput laut", "Seaweed"), Label("Budidaya.", "Farming."))
COAST = Variable(
    "lives_on_coast",
    "seaweed",
    Level.MEMBER,
    ValueType.BOOLEAN,
    Label("Tinggal di pesisir", "Lives on the coast"),
)
ON_COAST = EligibilityCriterion(
    "seaweed_on_coast", L, "lives_on_coast", "==", True, essential=True, sector="seaweed"
)


def _plugin(*criteria: EligibilityCriterion) -> StaticPlugin:
    return StaticPlugin(
        SectorData(sectors=[SEAWEED], variables=[COAST], eligibility_criteria=criteria)
    )


class TestHost:
    def test_livestock_declares_has_space_for_animals(self) -> None:
        (found,) = get_host().eligibility_criteria("livestock")
        assert (found.code, found.reads, found.threshold, found.essential) == (
            "livestock_has_animal_space",
            "has_animal_space",
            True,
            True,
        )
        assert found.label.en == "Has space for animals"
        assert get_host().variable("has_animal_space").type is ValueType.BOOLEAN

    def test_a_plugin_criterion_is_merged(self) -> None:
        host = isolated_host(_plugin(ON_COAST))
        assert host.eligibility_criteria() == (ON_COAST,)
        assert host.eligibility_criteria("umkm") == ()

    def test_a_taken_code_is_refused_by_plugin_name(self) -> None:
        host = isolated_host(_plugin(ON_COAST), strict=False)
        other = Sector("crafts", L, Label("Anyaman.", "Weaving."))
        copy = EligibilityCriterion("seaweed_on_coast", L, "x", "==", True, sector="crafts")
        with pytest.warns(PluginWarning, match="'thief'") as caught:
            info = host.register(
                StaticPlugin(SectorData(sectors=[other], eligibility_criteria=[copy])), "thief"
            )
        assert info.status is PluginStatus.FAILED
        assert "eligibility criterion code 'seaweed_on_coast' is already taken" in str(
            caught[0].message
        )
        assert host.eligibility_criteria() == (ON_COAST,)

    def test_a_criterion_without_a_loaded_sector_is_refused(self) -> None:
        host = isolated_host(strict=False)
        orphan = EligibilityCriterion("orphan", L, "x", "==", True)
        with pytest.warns(PluginWarning, match="(?s)'orphan_plugin'.*a plugin's criterion names"):
            info = host.register(
                StaticPlugin(SectorData(eligibility_criteria=[orphan])), "orphan_plugin"
            )
        assert info.status is PluginStatus.FAILED

    def test_a_broken_hook_is_reported_by_name(self) -> None:
        class Broken:
            @hookimpl
            def klaster_eligibility_criteria(self) -> Sequence[object]:
                raise RuntimeError("oops")

        host = isolated_host(strict=False)
        with pytest.warns(PluginWarning, match="(?s)'broken'.*klaster_eligibility_criteria raised"):
            assert host.register(Broken(), "broken").status is PluginStatus.FAILED


class TestSectorFile:
    TOML = """
[sector]
code = "seaweed"
name = { id = "Rumput laut", en = "Seaweed" }
description = { id = "Budidaya.", en = "Farming." }

[[eligibility_criteria]]
code = "seaweed_on_coast"
label = { id = "Contoh", en = "Example" }
reads = "lives_on_coast"
operator = "=="
threshold = true
essential = true

[[eligibility_criteria]]
code = "seaweed_poor"
label = { id = "Contoh", en = "Example" }
reads = "monthly_income"
per_capita = true
operator = "<="
threshold = { line = "poverty_line", multiple = 1.2 }
"""

    def test_criteria_from_toml(self) -> None:
        data = read_sector_toml(self.TOML)
        first, second = data.eligibility_criteria
        assert first == ON_COAST  # the sector defaults to the file's
        assert second.threshold == LineRef("poverty_line", "1.2")

    def test_bad_criterion_is_located(self) -> None:
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(
                self.TOML.replace('operator = "=="', 'operator = ">="'), source="seaweed.toml"
            )
        assert any(p.startswith("eligibility_criteria[0].operator") for p in caught.value.problems)


def _applicant(sector: str, **answers: object) -> Applicant:
    return Applicant(
        f"A-{sector}",
        "c1",
        "N",
        "male",
        2,
        "Gaji",
        sector,
        dt.date(2023, 3, 1),
        answers={"monthly_income": 100_000, **answers},
    )


class TestScreening:
    RULES = EligibilityRules(
        "all_of",
        [
            EligibilityCriterion(
                "poor", L, "monthly_income", "<=", LineRef("poverty_line"), per_capita=True
            )
        ],
    )

    def test_applied_to_applicants_of_the_sector_only(self) -> None:
        host = isolated_host(_plugin(ON_COAST))
        people = [_applicant("seaweed", lives_on_coast=False), _applicant("umkm")]
        screening = screen(self.RULES, people, host=host)
        assert list(screening.eligible) == [False, True]
        assert screening.decision("A-seaweed").failed_codes == ("seaweed_on_coast",)
        assert [r.code for r in screening.decision("A-umkm").results] == ["poor"]
        off = EligibilityRules("all_of", self.RULES.criteria, sector_criteria=False)
        assert list(screen(off, people, host=host).eligible) == [True, True]

    def test_a_criterion_reading_an_unknown_variable_names_the_plugin(self) -> None:
        wrong = EligibilityCriterion("seaweed_wrong", L, "coast", "==", True, sector="seaweed")
        host = isolated_host()
        host.register(
            StaticPlugin(SectorData(sectors=[SEAWEED], eligibility_criteria=[wrong])), "weed"
        )
        with pytest.raises(ValidationError) as caught:
            screen(self.RULES, [_applicant("seaweed")], host=host)
        assert caught.value.path == "sector_criteria"
        assert "criterion 'seaweed_wrong' of plugin weed: reads: unknown screening variable" in str(
            caught.value
        )
