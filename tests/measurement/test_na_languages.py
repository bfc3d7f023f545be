"""Figures that are "not available" say why in Indonesian too (an Indonesian report shows it)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from klaster.label import Label
from klaster.measurement.methods import cibest_quadrants, welfare
from klaster.measurement.methods.cibest_config import CibestConfig, MaterialLine
from klaster.measurement.methods.fgt import fgt
from klaster.measurement.na import NotAvailable
from klaster.measurement.rows import Comparison

CONFIG = CibestConfig(MaterialLine.poverty_line(550_458, "BPS, Maret 2023"))

CASES: dict[str, Callable[[], object]] = {
    "income missing": lambda: welfare.per_capita(None, 3),
    "household size missing": lambda: welfare.per_capita(Decimal(900_000), None),
    "no pair": lambda: welfare.paired_change({"M1": Decimal(1)}, {"M2": Decimal(2)}),
    "no fgt unit": lambda: fgt([None], 550_458),
    "zero weights": lambda: fgt([Decimal(1)], 550_458, weights=[0]),
    "spiritual items": lambda: cibest_quadrants.spiritual_score([1, 2, None, 4, 5]),
    "spiritual missing": lambda: cibest_quadrants.classify(Decimal(1), None, CONFIG),
}


class TestReasonsInBothLanguages:
    @pytest.mark.parametrize("name", sorted(CASES))
    def test_the_reason_reads_in_indonesian(self, name: str) -> None:
        found = CASES[name]()
        assert isinstance(found, NotAvailable)
        indonesian = found.reason_in("id")
        assert indonesian != found.reason  # translated, not the English text again
        assert found.reason_in("en") == found.reason

    def test_a_zero_baseline_percent_change(self) -> None:
        label = Label("x", "x")
        pct = Comparison("x", label, (), Decimal(0), Decimal(5), 5, 5).change_percent
        assert isinstance(pct, NotAvailable)
        assert pct.reason_in("id") == "nilai awalnya nol"
