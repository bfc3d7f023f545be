"""CIBEST placement and questionnaire indices on scaled integers match the pure functions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.label import Label
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled, Unsupported, unscale
from klaster.measurement._backends.python.welfare import QUADRANTS, place, scale_index
from klaster.measurement.methods.cibest import CibestConfig, MaterialLine, classify, spiritual_score
from klaster.measurement.methods.welfare import MissingItems, QuestionnaireScale, ScaleItem
from klaster.measurement.na import NotAvailable

D = Decimal


def _scaled(values: list[Any], scale: int = 0) -> Scaled:
    raw = [None if v is None else int(D(v).scaleb(scale)) for v in values]
    return Scaled(raw, scale, max((abs(r) for r in raw if r is not None), default=0), NUMBER)


household = st.tuples(
    st.one_of(st.none(), st.decimals(0, 5_000_000, places=2)),
    st.one_of(st.none(), st.integers(1, 9)),
    st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5),
)
configs = st.builds(
    CibestConfig,
    st.one_of(
        st.builds(
            MaterialLine.poverty_line, st.decimals(100_000, 900_000, places=1), st.just("BPS")
        ),
        st.builds(MaterialLine.needs_survey, st.integers(500_000, 4_000_000), st.just("survey")),
    ),
    st.sampled_from([D(3), D("2.6"), D("3.4"), D(1), D(5)]),
    st.sampled_from(["poor", "not_poor"]),
    st.sampled_from(["poor", "not_poor"]),
)


@given(configs, st.lists(household, max_size=25))
def test_placement_is_classify(config: CibestConfig, rows: list[Any]) -> None:
    incomes, sizes, items = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    columns = [_scaled([i[k] for i in items]) for k in range(5)]
    found = place(_scaled(incomes, 2), sizes, columns, config, None)
    for income, size, answers, quadrant in zip(incomes, sizes, items, found, strict=True):
        expected = classify(income, spiritual_score(answers), config, size)
        assert quadrant == (
            None if isinstance(expected, NotAvailable) else QUADRANTS.index(expected)
        )


def test_an_item_out_of_range_is_left_to_the_pure_functions() -> None:
    config = CibestConfig(MaterialLine.needs_survey(1_000_000, "survey"))
    with pytest.raises(Unsupported):
        place(_scaled([D(5)]), [1], [_scaled([7])] * 5, config, None)


def _item(code: str, low: int = 1, high: int = 5, weight: int = 1, reverse: bool = False) -> Any:
    return ScaleItem(code, Label(code, code), low, high, reverse=reverse, weight=weight)


scales = st.lists(
    st.tuples(
        st.sampled_from([(1, 5), (0, 4), (1, 3), (0, 10)]),
        st.sampled_from([1, 2, 4]),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@given(scales, st.data())
def test_index_is_the_scales_score(items: list[Any], data: st.DataObject) -> None:
    scale = QuestionnaireScale(
        "s",
        Label("s", "s"),
        [_item(f"i{n}", lo, hi, w, r) for n, ((lo, hi), w, r) in enumerate(items)],
    )
    answers = data.draw(
        st.lists(
            st.tuples(*(st.one_of(st.none(), st.integers(lo, hi)) for (lo, hi), _, _ in items)),
            max_size=10,
        )
    )
    columns = [_scaled([a[k] for a in answers]) for k in range(len(items))]
    try:
        found = scale_index(scale, columns)
    except Unsupported:
        return  # an index that is no finite decimal: the engine scores with the scale itself
    for row, value in zip(answers, found.values, strict=True):
        expected = scale.score({f"i{n}": a for n, a in enumerate(row)})
        if isinstance(expected, NotAvailable):
            assert value is None
        else:
            assert unscale(value, found.scale) == expected.value


def test_default_scale_and_unsupported_scales() -> None:
    plain = QuestionnaireScale("s", Label("s", "s"), [_item(f"i{n}") for n in range(4)])
    found = scale_index(plain, [_scaled([2, 5]) for _ in range(4)])
    assert [unscale(v, found.scale) for v in found.values] == [D(25), D(100)]
    thirds = QuestionnaireScale("t", Label("t", "t"), [_item("a", 0, 3)])
    with pytest.raises(Unsupported):
        scale_index(thirds, [_scaled([1])])
    prorated = QuestionnaireScale(
        "p", Label("p", "p"), [_item("a"), _item("b")], missing=MissingItems.PRORATE
    )
    with pytest.raises(Unsupported):
        scale_index(prorated, [_scaled([1]), _scaled([None])])
