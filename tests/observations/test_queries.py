"""Reading observations back: units, aligned columns, gaps (incomplete) and Paired rounds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.observations.builders import new_store

from klaster import NotFoundError, ValidationError
from klaster.catalogue.variable import Level
from klaster.observations.columns.factory import DecimalColumn


class TestReading:
    def test_missing_is_explicit(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("M-1", {"monthly_income": 0}),
                ("M-2", {"monthly_income": None}),
                ("M-3", {"cibest_zakat": 3}),
            ],
        )
        column = obs.column("btg-bl", "monthly_income")
        assert column.to_list() == [Decimal(0), None, None]
        assert (column.count(), column.missing()) == (1, 2)
        assert isinstance(column, DecimalColumn)
        assert column.sum() == 0

    def test_columns_align_with_units_across_rounds(self) -> None:
        obs = new_store()
        obs.record_many("btg-el", [("M-3", {"monthly_income": 3}), ("M-1", {"monthly_income": 1})])
        obs.record_many("btg-bl", [("M-2", {"monthly_income": 2}), ("M-1", {"monthly_income": 10})])
        # One numbering per cluster, in the order units were first recorded.
        assert obs.units("btg-el") == ("M-3", "M-1")
        assert obs.units("btg-bl") == ("M-1", "M-2")
        assert obs.column("btg-bl", "monthly_income").to_list() == [10, 2]
        assert obs.column("btg-el", "monthly_income").to_list() == [3, 1]
        assert list(obs.columns("btg-bl")) == ["monthly_income"]

    def test_column_is_a_copy(self) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"household_size": 2})
        column = obs.column("btg-bl", "household_size")
        column.set(0, 9)
        assert obs.value("btg-bl", "M-1", "household_size") == 2

    def test_reading_nothing(self) -> None:
        obs = new_store()
        assert obs.units("btg-bl") == ()
        assert obs.column("btg-bl", "monthly_income").to_list() == []
        assert obs.columns("btg-bl", Level.GROUP) == {}
        with pytest.raises(NotFoundError, match="unknown variable"):
            obs.column("btg-bl", "nope")
        with pytest.raises(NotFoundError):
            obs.units("nope")
        with pytest.raises(ValidationError, match="unknown level"):
            obs.units("btg-bl", "household")


class TestRequired:
    def test_incomplete_lists_required_variables_left_out(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("L-1", {"species": "goat"}),
                ("L-2", {"herd_start": 3}),
                ("M-1", {"monthly_income": 1}),  # umkm: herd_start is not its variable
            ],
        )
        assert obs.incomplete("btg-bl") == {"L-1": ("herd_start",)}
        assert obs.incomplete("btg-el") == {}


class TestPaired:
    def test_only_units_with_both_values(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("M-1", {"monthly_income": 100}),
                ("M-2", {"monthly_income": "200.5"}),
                ("M-3", {"monthly_income": None}),
                ("M-4", {"monthly_income": 400}),
            ],
        )
        obs.record_many(
            "btg-el",
            [
                ("M-4", {"monthly_income": 800}),
                ("M-3", {"monthly_income": 300}),
                ("M-1", {"monthly_income": 150}),
                ("L-1", {"monthly_income": 50}),
            ],
        )
        pairs = obs.paired("monthly_income", "btg-bl", "btg-el")
        assert pairs.unit_ids == ("M-1", "M-4")
        assert pairs.first.to_list() == [100, 400]
        assert pairs.second.to_list() == [150, 800]
        assert (pairs.first_only, pairs.second_only, len(pairs)) == (1, 2, 2)

    def test_nothing_recorded(self) -> None:
        pairs = new_store().paired("monthly_income", "btg-bl", "btg-el")
        assert (pairs.unit_ids, pairs.first_only, pairs.second_only) == ((), 0, 0)

    def test_rounds_of_different_clusters(self) -> None:
        with pytest.raises(ValidationError, match="different clusters"):
            new_store().paired("monthly_income", "btg-bl", "blr-bl")
        with pytest.raises(ValidationError, match="two different rounds"):
            new_store().paired("monthly_income", "btg-bl", "btg-bl")
