"""The core variables every cluster records, whatever its sectors."""

from __future__ import annotations

from decimal import Decimal

from klaster._support.validate import CODE_PATTERN
from klaster.catalogue.variable import Level, ValueType
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    CORE_SECTOR,
    CORE_VARIABLES,
    SOCIAL_CAPITAL_ITEMS,
    core_variables,
)


class TestCoreVariables:
    def test_core_is_a_valid_sector_code(self) -> None:
        assert CODE_PATTERN.match(CORE_SECTOR)

    def test_codes_are_unique_and_all_core(self) -> None:
        codes = [v.code for v in CORE_VARIABLES]
        assert len(set(codes)) == len(codes)
        assert all(v.sector == CORE_SECTOR for v in CORE_VARIABLES)
        assert set(core_variables()) == set(codes)

    def test_every_variable_is_documented_in_both_languages(self) -> None:
        for variable in CORE_VARIABLES:
            assert variable.label.id
            assert variable.label.en
            assert variable.description is not None

    def test_cibest_and_social_capital_items_are_1_to_5_scores(self) -> None:
        assert len(CIBEST_ITEMS) == 5
        for code in (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS):
            variable = core_variables()[code]
            assert (variable.type, variable.level) == (ValueType.INTEGER, Level.MEMBER)
            assert (variable.minimum, variable.maximum) == (Decimal(1), Decimal(5))

    def test_levels(self) -> None:
        levels = {v.code: v.level for v in CORE_VARIABLES}
        assert levels["monthly_income"] is Level.MEMBER
        assert levels["group_active"] is Level.GROUP
        assert levels["coop_legal"] is Level.COOPERATIVE
        income = core_variables()["monthly_income"]
        assert (income.type, income.unit) == (ValueType.DECIMAL, "IDR/month")
        assert income.minimum == Decimal(0)

    def test_no_clash_with_builtin_sector_variables(self) -> None:
        from klaster.plugins import get_host

        plugin_codes = {v.code for v in get_host().variables()}
        assert not plugin_codes & set(core_variables())
