"""Results held as blocks of columns behave as the table of rows they stand for."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klaster
import klaster.plugins
from klaster.catalogue.indicator import Aggregation
from klaster.measurement import Measurement, Results
from klaster.measurement._backends.figures import ratio_columns, sum_columns
from klaster.measurement._backends.python.fixedpoint import unscale
from klaster.measurement.aggregate import ratio_figure, total_figure
from klaster.measurement.na import NotAvailable
from klaster.observations import Observations, Round, variable_catalogue

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
D = Decimal


@pytest.fixture(scope="module")
def results() -> Results:
    program = klaster.load(DATA)
    host = klaster.plugins.get_host()
    obs = Observations(program, variable_catalogue(host))
    rng = random.Random(3)
    for round_id, kind, on in (("bl", "baseline", "2011-06-15"), ("el", "endline", "2014-03-01")):
        obs.add_round(Round(round_id, "bantaeng", kind, on))
        obs.record_many(
            round_id,
            [
                (m.id, {"monthly_income": D(rng.randrange(0, 3_000_000)), "social_trust": 4})
                for m in program.clusters["bantaeng"].members
                if rng.random() < 0.9
            ],
        )
    engine = Measurement(program, obs)
    return engine.report(by=[(), ("sex",), ("kecamatan", "sex")])


class TestBlocks:
    def test_the_same_as_its_rows(self, results: Results) -> None:
        rows = Results(results.rows, displays=results.displays)
        assert rows == results
        assert len(rows) == len(results) == len(results.rows) > 100
        assert rows.dimensions == results.dimensions == ("sex", "kecamatan")
        assert rows.to_records() == results.to_records()
        assert rows.compare("baseline", "endline") == results.compare("baseline", "endline")
        assert rows.filter("members", sex="female") == results.filter("members", sex="female")
        assert rows.filter(total_over=["sex"]) == results.filter(total_over=["sex"])
        assert rows._repr_html_() == results._repr_html_()
        female = results.row("household_members", "endline", sex="female")
        assert rows.row("household_members", "endline", sex="female") == female
        assert female in results.rows
        assert "30 indicators (members, " in repr(results)

    def test_columns_are_the_records_column_wise(self, results: Results) -> None:
        # Both the engine's blocks and a table of rows (rows of one indicator with different
        # dates, not-available values with their reasons).
        for table in (results, Results(results.rows), results.filter("income_per_capita")):
            records = table.to_records()
            columns = table.to_columns()
            assert [
                dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)
            ] == (records)
            assert list(columns) == list(records[0])
        assert any(r["reason"] for r in results.to_records())  # (n/a figures were compared)
        assert Results(()).to_columns() == {}

    def test_row_needs_the_exact_disaggregation(self, results: Results) -> None:
        with pytest.raises(klaster.NotFoundError, match="with no disaggregation"):
            results.row("members", "midline")
        some = next(r for r in results if len(r.by) == 2)
        swapped = dict(reversed(some.by))
        assert results.row(some.indicator, some.round_id, **swapped) == some


counts = st.integers(0, 50)
totals = st.integers(-(10**20), 10**20)


@given(
    st.sampled_from(
        [Aggregation.SUM, Aggregation.MEAN, Aggregation.COUNT, Aggregation.SHARE_MEETING]
    ),
    st.integers(1, 3),
    st.lists(st.tuples(counts, counts, totals, st.integers(0, 4)), max_size=20),
)
def test_sum_columns_are_total_figure(
    how: Aggregation, minimum_n: int, cells: list[tuple[int, int, int, int]]
) -> None:
    n, missing, total, scale = ([c[i] for c in cells] for i in range(4))
    found = sum_columns(how, minimum_n, n, missing, total, scale)
    counted = how in (Aggregation.COUNT, Aggregation.SHARE_MEETING)
    for i, (k, gone, t, s) in enumerate(cells):
        expected = total_figure(how, t if counted else unscale(t, s), k, gone, minimum_n=minimum_n)
        assert (found.value[i], found.numerator[i], found.denominator[i]) == (
            expected.value,
            expected.numerator,
            expected.denominator,
        )
        assert (found.n[i], found.missing[i]) == (expected.n, expected.missing)


@given(
    st.integers(1, 3),
    st.lists(st.tuples(counts, counts, totals, st.integers(0, 3), totals, st.integers(0, 3))),
)
def test_ratio_columns_are_ratio_figure(
    minimum_n: int, cells: list[tuple[int, int, int, int, int, int]]
) -> None:
    n, missing, tops, top_scales, bottoms, bottom_scales = ([c[i] for c in cells] for i in range(6))
    found = ratio_columns(minimum_n, n, missing, tops, top_scales, bottoms, bottom_scales)
    for i, (k, gone, t, ts, b, bs) in enumerate(cells):
        expected = ratio_figure(unscale(t, ts), unscale(b, bs), k, gone, minimum_n=minimum_n)
        value = found.value[i]
        if isinstance(expected.value, NotAvailable):
            assert isinstance(value, NotAvailable)
            assert value.reason == expected.value.reason
        else:
            assert value == expected.value
        if k >= minimum_n:
            assert (found.numerator[i], found.denominator[i]) == (unscale(t, ts), unscale(b, bs))


def test_a_table_of_rows_keeps_its_rows() -> None:
    empty = Results(())
    assert len(empty) == 0
    assert empty.to_records() == []
    assert empty._repr_html_() == "<p>no results</p>"
    assert empty.compare("a", "b") == ()
    assert empty == Results()
