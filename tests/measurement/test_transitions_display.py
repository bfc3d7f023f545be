"""A transition table in a notebook: a short repr, and each cell's cross-tabulation in HTML."""

from __future__ import annotations

import pytest
from tests.measurement.test_transitions import MEMBERS, PROGRAM, _observations

from klaster.measurement import Measurement


@pytest.fixture(scope="module")
def table() -> object:
    rounds = [
        (
            {"surveyed": True, "monthly_income": 100_000, "household_size": 4, "items": [2] * 5},
            {
                "surveyed": n % 3 != 0,
                "monthly_income": 9_000_000,
                "household_size": 4,
                "items": [5] * 5,
            },
        )
        for n in range(len(MEMBERS))
    ]
    return Measurement(PROGRAM, _observations(rounds)).cibest_transitions(by=[(), ("sex",)])


class TestTransitionDisplay:
    def test_short_repr(self, table: object) -> None:
        assert (
            repr(table)
            == "TransitionTable(baseline → endline, 3 cells, 40 paired members in total)"
        )

    def test_html_cross_tab_with_n_and_shares(
        self, table: object, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_LANG", "en")
        html = table._repr_html_()  # type: ignore[attr-defined]
        assert html.count("<table>") == 3
        assert "Total: baseline → endline, n=40 (20 / 0 in one round only)" in html
        assert "40 (100.0%)" in html  # all 40 paired moved from absolute poverty to welfare
        assert "sex=female" in html
        monkeypatch.setenv("KLASTER_LANG", "id")
        assert "hanya di satu putaran" in table._repr_html_()  # type: ignore[attr-defined]
