from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement import NotAvailable
from klaster.reports import Chart, ChartKind, Column, Kind, Series, Table, cell_text


def _chart(values: list[Decimal | None]) -> Chart:
    return Chart(
        "income",
        Label("Pendapatan", "Income"),
        ChartKind.BAR,
        [Label(f"k{i}", f"c{i}") for i in range(len(values))],
        [Series(Label("Awal", "Baseline"), values)],
    )


class TestTable:
    def test_a_row_of_the_wrong_width_is_located(self) -> None:
        with pytest.raises(ValidationError, match=r"table 't' rows\[1\]: has 1 values for 2"):
            Table(
                "t", ("T", "T"), [Column("a", ("a", "a")), Column("b", ("b", "b"))], [(1, 2), (1,)]
            )

    def test_more_totals_than_rows_refused(self) -> None:
        with pytest.raises(ValidationError, match="total_rows 2 is more than its 1 rows"):
            Table("t", ("T", "T"), [Column("a", ("a", "a"))], [(1,)], total_rows=2)

    def test_duplicate_column_keys_refused(self) -> None:
        with pytest.raises(ValidationError, match="column keys must be unique"):
            Table("t", ("T", "T"), [Column("a", ("a", "a")), Column("a", ("b", "b"))], [])


class TestChartData:
    @given(st.lists(st.none() | st.integers(-(10**9), 10**9).map(Decimal), min_size=1, max_size=8))
    def test_the_data_table_holds_every_value_and_gap(self, values: list[Decimal | None]) -> None:
        table = _chart(values).as_table()
        assert [row[1] for row in table.rows if not isinstance(row[1], NotAvailable)] == [
            v for v in values if v is not None
        ]
        assert sum(isinstance(row[1], NotAvailable) for row in table.rows) == values.count(None)

    def test_a_gap_reads_in_the_reports_language(self) -> None:
        table = _chart([None]).as_table()
        gap, column = table.rows[0][1], table.columns[1]
        assert cell_text(gap, column, "id") == "tidak tersedia (tidak ada data)"
        assert cell_text(gap, column, "en") == "not available (no data)"

    def test_a_long_keys_data_table_still_has_a_valid_key(self) -> None:
        chart = Chart("c" * 40, ("C", "C"), ChartKind.BAR, [("a", "a")], [])
        assert chart.as_table().key == "c" * 35 + "_data"

    def test_a_series_of_the_wrong_length_is_located(self) -> None:
        with pytest.raises(ValidationError, match=r"chart 'c' series\[0\]: has 2 values for 1"):
            Chart(
                "c",
                ("C", "C"),
                ChartKind.LINE,
                [("a", "a")],
                [Series(("s", "s"), [Decimal(1), Decimal(2)])],
            )


class TestReasonInLanguage:
    def test_a_bilingual_reason_is_shown_in_each_language(self) -> None:
        na = NotAvailable("no endline", label=Label("belum ada endline", "no endline"))
        share = Column("p0", Label("Kemiskinan", "Poverty"), Kind.PERCENT, 1)
        assert cell_text(na, share, "id") == "tidak tersedia (belum ada endline)"
        assert cell_text(na, share, "en") == "not available (no endline)"

    def test_an_english_only_reason_is_kept(self) -> None:
        na = NotAvailable("no endline")
        assert na.reason_in("id") == na.reason_in("en") == "no endline"


class TestMeasurementReasonsInTheReportsLanguage:
    """The reasons the measurement gives most often read in Indonesian in an Indonesian report."""

    def test_too_few_units_and_a_zero_denominator(self) -> None:
        from klaster.catalogue.indicator import Aggregation
        from klaster.measurement.aggregate import ratio_figure, total_figure

        few = total_figure(Aggregation.MEAN, Decimal(0), 0, 3).value
        zero = ratio_figure(Decimal(1), Decimal(0), 2, 0).value
        assert isinstance(few, NotAvailable)
        assert isinstance(zero, NotAvailable)
        assert few.reason == "0 observed, at least 1 unit needed (3 missing)"
        assert few.reason_in("id") == "0 teramati, perlu paling sedikit 1 unit (3 tanpa nilai)"
        assert zero.reason_in("id") == "jumlah penyebutnya nol"
        assert zero.reason_in("en") == zero.reason == "the denominator sums to zero"

    def test_the_label_does_not_change_equality(self) -> None:
        assert NotAvailable("x", label=Label("y", "x")) == NotAvailable("x")

    def test_a_change_at_the_baseline_reads_in_indonesian(self) -> None:
        from klaster.examples import bantaeng
        from klaster.measurement import Measurement

        program, observations = bantaeng()
        results = Measurement(program, observations).report(["income_change_pct"], by=[()])
        first = results.rows[0].value
        assert isinstance(first, NotAvailable)
        assert "this is the baseline" in first.reason
        assert (
            first.reason_in("id")
            == "income_change_pct dibandingkan dengan baseline; ini baseline-nya"
        )


class TestUnits:
    def test_known_unit_words_read_in_indonesian(self) -> None:
        from klaster.reports.cells import unit_label

        assert unit_label("IDR/month") == Label("Rp/bulan", "IDR/month")
        assert unit_label("visits/month") == Label("kunjungan/bulan", "visits/month")
        assert unit_label("kg/ha") == Label("kg/ha", "kg/ha")  # kept as written
        assert unit_label(None) == ""

    def test_the_indicator_table_shows_units_in_the_reports_language(self) -> None:
        import datetime as dt

        from klaster.examples import bantaeng
        from klaster.reports import build_report

        program, observations = bantaeng()
        report = build_report(program, observations, made_on=dt.date(2015, 4, 1))
        (table,) = [t for t in report.tables() if t.key == "indicators"]
        units = {row[0]: row[2] for row in table.rows}
        assert units["income_per_capita"] == Label("Rp/bulan", "IDR/month")
