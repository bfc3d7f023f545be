"""The spending policy refuses what is not a share, with its location, never a raw decimal error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klaster.errors import ValidationError
from klaster.finance.spending import OverBudget, SpendingPolicy


class TestSpendingPolicy:
    def test_defaults(self) -> None:
        policy = SpendingPolicy()
        assert policy.amil_share == Decimal("0.125")
        assert policy.over_budget is OverBudget.WARN

    @pytest.mark.parametrize("value", [0.125, "abc", "1.5", 2, True, None])
    def test_what_is_not_a_share_is_refused_at_its_field(self, value: object) -> None:
        with pytest.raises(ValidationError) as exc:
            SpendingPolicy(value)  # type: ignore[arg-type]
        assert exc.value.path == "amil_share"

    def test_text_and_integers_are_read_exactly(self) -> None:
        assert SpendingPolicy("0.1").amil_share == Decimal("0.1")
        assert SpendingPolicy(0).amil_share == Decimal(0)

    def test_unknown_over_budget_rule_names_the_valid_ones(self) -> None:
        with pytest.raises(ValidationError, match="warn") as exc:
            SpendingPolicy(over_budget="ignore")
        assert exc.value.path is not None
