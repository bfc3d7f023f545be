"""Recording values from columns (``Observations.record_columns``): the column-wise bulk path.

Its invariant: for any columns, valid or not, given as lists, numpy arrays or polars Series,
``record_columns`` leaves the observations as recording the same rows with ``record_many`` does,
or raises the same error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.observations.builders import BTG_MEMBERS, PROGRAM, D, new_store, rounds, snapshot

from klaster import KlasterError, ValidationError
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.values import Observations

# Per variable: values it takes, then values it refuses (or, for the last codes, a variable of
# another level or a plugin's variable this catalogue lacks).
_GOOD: dict[str, list[Any]] = {
    "monthly_income": [Decimal("1250000"), Decimal("1250000.50"), Decimal("0.125"), 750000, None],
    "household_size": [1, 4, 12, 50, None],
    "cibest_prayer": [1, 3, 5, None],
    "species": ["goat", "sheep", None],
    "herd_start": [0, 5, 12, 1000],
    "shop_note": ["warung", None],
    "last_vaccination": [D(2012, 5, 1), None, "2012-05-01"],
    "group_active": [True, False, None],
    "business_running": [True],
}
_BAD: dict[str, list[Any]] = {
    "monthly_income": [Decimal("-1"), Decimal("1E+30"), 1.5, "x", 10**9 + 1],
    "household_size": [0, 51, 3000, True, "4", 2**63],
    "cibest_prayer": [0, 9],
    "species": ["cow", 3],
    "herd_start": [None, -1, 1001],
    "shop_note": [""],
    "last_vaccination": ["2012-13-01"],
    "group_active": [1],
    "business_running": [None],
}
_UNITS = (*BTG_MEMBERS, "M-1", "M-2", "L-1")
_OTHER_UNITS = ("B-1", "G-1", "X-9")


def _form(values: list[Any], how: int) -> Any:
    """The column as a list, a typed polars Series or a numpy array, where it can be one."""
    if how == 0:
        return values
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if any(isinstance(v, int) and abs(v) >= 2**63 for v in present):
        return values
    if how == 2 and kinds <= {int} and len(present) == len(values):
        return np.array(values, dtype=np.int64)
    dtype: Any = None
    if kinds <= {int}:
        dtype = pl.Int64
    elif kinds <= {Decimal} and all(abs(v) < 10**20 for v in present):
        dtype = (
            pl.Decimal(38, 4) if all(v == v.quantize(Decimal("0.0001")) for v in present) else None
        )
    elif kinds <= {bool}:
        dtype = pl.Boolean
    elif kinds <= {str}:
        dtype = pl.String
    return values if dtype is None else pl.Series(values, dtype=dtype)


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[str], dict[str, Any], dict[str, list[Any]], bool]:
    units = draw(st.lists(st.sampled_from(_UNITS), min_size=1, max_size=5))
    if draw(st.integers(0, 9)) == 0:
        units[draw(st.integers(0, len(units) - 1))] = draw(st.sampled_from(_OTHER_UNITS))
    weights = st.sampled_from(
        ["monthly_income", "household_size", "cibest_prayer"] * 4 + sorted(_GOOD)
    )
    codes = draw(st.lists(weights, unique=True, min_size=1, max_size=4))
    plain = {}
    for code in codes:
        pool = st.sampled_from(_GOOD[code])
        cell = st.one_of(pool, pool, pool, pool, pool, pool, pool, st.sampled_from(_BAD[code]))
        plain[code] = [draw(cell) for _ in units]
    forms = {code: _form(values, draw(st.integers(0, 2))) for code, values in plain.items()}
    return units, forms, plain, draw(st.booleans())


def _rows(units: list[str], plain: dict[str, list[Any]], skip: bool) -> list[Any]:
    rows = []
    for index, unit in enumerate(units):
        values = {code: column[index] for code, column in plain.items()}
        rows.append((unit, {k: v for k, v in values.items() if v is not None or not skip}))
    return rows


def _outcome(call: Any) -> tuple[str, str] | None:
    try:
        call()
    except KlasterError as exc:
        return type(exc).__name__, str(exc)
    return None


def _stores() -> tuple[Observations, Observations]:
    mine, theirs = new_store(), new_store()
    earlier: list[tuple[str, dict[str, object]]] = [
        ("M-1", {"monthly_income": Decimal("5.5")}),
        ("L-1", {"herd_start": 3}),
    ]
    for obs in (mine, theirs):  # a stored column to merge into
        obs.record_many("btg-bl", earlier)
    return mine, theirs


class TestSameAsRows:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(batches())
    def test_record_columns_is_record_many(self, batch: Any) -> None:
        units, forms, plain, skip = batch
        mine, theirs = _stores()
        got = _outcome(lambda: mine.record_columns("btg-bl", units, forms, skip_nulls=skip))
        expected = _outcome(lambda: theirs.record_many("btg-bl", _rows(units, plain, skip)))
        assert got == expected
        assert snapshot(mine) == snapshot(theirs)
        assert mine == theirs

    def test_a_frame_of_several_sectors(self) -> None:
        frame = pl.DataFrame(
            {
                "monthly_income": pl.Series(
                    [Decimal("1.5"), None, Decimal(7)], dtype=pl.Decimal(20, 2)
                ),
                "herd_start": pl.Series([None, 4, None], dtype=pl.Int64),
            }
        )
        mine, theirs = _stores()
        mine.record_columns("btg-el", pl.Series(["M-2", "L-2", "M-3"]), frame, skip_nulls=True)
        theirs.record_many(
            "btg-el",
            [
                ("M-2", {"monthly_income": "1.5"}),
                ("L-2", {"herd_start": 4}),
                ("M-3", {"monthly_income": 7}),
            ],
        )
        assert mine == theirs
        column = mine.storage.stored_column(
            "btg-el", mine.variable("monthly_income").level, "monthly_income"
        )
        assert column is not None
        assert column.buffers().scale == 1  # trailing zeros do not count


_REFUSED = [
    ("household_size", np.array([3, 51])),
    ("household_size", pl.Series([0, 3])),
    ("monthly_income", pl.Series([Decimal("-0.01"), None], dtype=pl.Decimal(12, 2))),
    (
        "monthly_income",
        pl.Series([Decimal(10**9) + Decimal("0.01"), None], dtype=pl.Decimal(14, 2)),
    ),
    ("herd_start", pl.Series([3, None])),
    ("species", pl.Series(["goat", "cow"])),
    ("cibest_prayer", np.array([1.0, 2.0])),
    ("group_active", pl.Series([True, False])),
]


class TestColumnWise:
    @pytest.mark.parametrize(("code", "column"), _REFUSED)
    def test_each_rule_refuses_as_the_rows_do(self, code: str, column: Any) -> None:
        mine, theirs = _stores()
        units = ["L-1", "L-2"]
        got = _outcome(lambda: mine.record_columns("btg-bl", units, {code: column}))
        values = column.tolist() if isinstance(column, np.ndarray) else column.to_list()
        rows = [(u, {code: v}) for u, v in zip(units, values, strict=True)]
        assert got is not None
        assert got == _outcome(lambda: theirs.record_many("btg-bl", rows))
        assert mine == theirs

    def test_numeric_columns_take_the_column_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = new_store()

        def refuse(*_args: Any, **_kwargs: Any) -> int:
            raise AssertionError("the row path ran")

        monkeypatch.setattr(Observations, "record_many", refuse)
        count = obs.record_columns(
            "btg-bl",
            ["L-1", "L-2", "M-3"],
            {
                "monthly_income": pl.Series(
                    [Decimal("1.25"), None, Decimal(3)], dtype=pl.Decimal(12, 2)
                ),
                "household_size": np.array([3, 4, 5]),
                "species": pl.Series(["sheep", "goat", None]),
                "herd_start": pl.Series([4, 0, None]),
            },
            skip_nulls=True,
        )
        assert count == 3
        assert obs.row("btg-bl", "L-1") == {
            "monthly_income": Decimal("1.25"),
            "household_size": 3,
            "species": "sheep",
            "herd_start": 4,
        }
        assert obs.row("btg-bl", "M-3") == {"monthly_income": 3, "household_size": 5}
        obs.record_columns("btg-bl", ["G-1"], {"group_active": pl.Series([True])})
        assert obs.row("btg-bl", "G-1", "group") == {"group_active": True}

    def test_a_refused_value_names_its_row_and_changes_nothing(self) -> None:
        obs = new_store()
        before = snapshot(obs)
        with pytest.raises(
            ValidationError, match=r"rounds\[btg-bl\]\.members\[M-2\]\.household_size.*row 1"
        ):
            obs.record_columns("btg-bl", ["M-1", "M-2"], {"household_size": np.array([3, 0])})
        assert snapshot(obs) == before

    def test_floats_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="float"):
            new_store().record_columns("btg-bl", ["M-1"], {"monthly_income": np.array([1.5])})

    def test_a_plugin_rule_still_runs(self) -> None:
        # The livestock plugin's rule across values: sales value without sales.
        obs = Observations(PROGRAM, variable_catalogue())
        for rnd in rounds():
            obs.add_round(rnd)
        with pytest.raises(ValidationError, match="herd_sales_value"):
            obs.record_columns(
                "btg-bl",
                ["L-1"],
                {"herd_sales": np.array([0]), "herd_sales_value": np.array([150000])},
            )

    def test_a_frame_of_another_kind_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="mapping of variable code"):
            new_store().record_columns("btg-bl", ["M-1"], [("household_size", [3])])
