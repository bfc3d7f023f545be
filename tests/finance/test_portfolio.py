"""Portfolio quality and statements, against figures computed by hand.

The scenario, on 31 July 2012 (all qard hasan, 12 monthly instalments, disbursed 9 January 2012):

====  =====  =========  =============================================  ===========  =========
loan  group  principal  what happened                                  outstanding  days late
====  =====  =========  =============================================  ===========  =========
A     G-1    1,200,000  paid every month Feb-Jul                         600,000        0
B     G-1    1,200,000  paid February only                             1,100,000      144
C     G-2    2,400,000  paid Feb-Jun (200,000 each), not July          1,400,000       22
D     G-2    1,200,000  paid Feb; restructured 10 May into 6 months     733,334        0
                        (183,333 ×5 + 183,335), paid June and July
E     G-2    1,000,000  written off 1 July                                     0        -
====  =====  =========  =============================================  ===========  =========

Gross portfolio 3,833,334. PAR30 = (B + D) / gross = 1,833,334 / 3,833,334 with restructured loans
at risk; 1,100,000 / 3,833,334 by arrears only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from klaster.errors import ValidationError
from klaster.finance import Finance, LoanStatus
from klaster.finance.portfolio import (
    Ratio,
    cumulative_repayment_rate,
    on_time_repayment_rate,
    par,
    par_by,
    turnover,
    write_off_ratio,
)
from klaster.finance.statements import (
    aging,
    fund_statement,
    render_aging,
    render_statement,
    schedule_vs_actual,
)
from klaster.finance.testing import make_book, qard

ON = dt.date(2012, 7, 31)
GROSS = Decimal(3_833_334)


def scenario() -> Finance:
    book = make_book(20_000_000)
    book.disburse(qard("A", group_id="G-1", sector="umkm"))
    book.disburse(qard("B", group_id="G-1", sector="umkm"))
    book.disburse(qard("C", 2_400_000, group_id="G-2", sector="farming"))
    book.disburse(qard("D", group_id="G-2", sector="farming"))
    book.disburse(qard("E", 1_000_000, group_id="G-2", sector="farming"))
    events: list[tuple[str, dt.date, str, int]] = [
        ("repay", dt.date(2012, 2, 9), "A", 100_000),
        ("repay", dt.date(2012, 2, 9), "B", 100_000),
        ("repay", dt.date(2012, 2, 9), "C", 200_000),
        ("repay", dt.date(2012, 2, 9), "D", 100_000),
        ("repay", dt.date(2012, 3, 9), "A", 100_000),
        ("repay", dt.date(2012, 3, 9), "C", 200_000),
        ("repay", dt.date(2012, 4, 9), "A", 100_000),
        ("repay", dt.date(2012, 4, 9), "C", 200_000),
        ("repay", dt.date(2012, 5, 9), "A", 100_000),
        ("repay", dt.date(2012, 5, 9), "C", 200_000),
        ("restructure", dt.date(2012, 5, 10), "D", 6),
        ("repay", dt.date(2012, 6, 9), "A", 100_000),
        ("repay", dt.date(2012, 6, 9), "C", 200_000),
        ("repay", dt.date(2012, 6, 10), "D", 183_333),
        ("write_off", dt.date(2012, 7, 1), "E", 0),
        ("repay", dt.date(2012, 7, 9), "A", 100_000),
        ("repay", dt.date(2012, 7, 10), "D", 183_333),
    ]
    for action, when, loan_id, value in events:
        if action == "repay":
            book.repay(loan_id, when, value)
        elif action == "restructure":
            book.restructure(loan_id, when, instalments=value, reason="banjir")
        else:
            book.write_off(loan_id, when, "hilang")
    return book


@pytest.fixture(scope="module")
def book() -> Finance:
    return scenario()


ENGINES = [
    "python",
    pytest.param(
        "polars",
        marks=pytest.mark.skipif(
            __import__("importlib").util.find_spec("polars") is None, reason="polars not installed"
        ),
    ),
]


class TestPar:
    @pytest.mark.parametrize("engine", ENGINES)
    def test_par30_hand_computed(self, book: Finance, engine: str) -> None:
        ratio = par(book, 30, ON, engine=engine)
        assert ratio == Ratio(Decimal(1_833_334), GROSS, 2, 4)
        assert ratio.percent == Decimal("47.83")
        by_arrears = par(book, 30, ON, restructured="by_arrears", engine=engine)
        assert by_arrears == Ratio(Decimal(1_100_000), GROSS, 1, 4)

    @pytest.mark.parametrize("engine", ENGINES)
    def test_par1_counts_c(self, book: Finance, engine: str) -> None:
        ratio = par(book, 1, ON, restructured="by_arrears", engine=engine)
        assert ratio.numerator == 2_500_000
        # 22 days late is not "more than 22 days late".
        assert par(book, 22, ON, restructured="by_arrears", engine=engine).numerator == 1_100_000
        assert par(book, 21, ON, restructured="by_arrears", engine=engine).numerator == 2_500_000

    @pytest.mark.parametrize("engine", ENGINES)
    def test_by_group_and_sector_add_up(self, book: Finance, engine: str) -> None:
        groups = par_by(book, 30, ON, "group", engine=engine)
        assert groups == {
            "G-1": Ratio(Decimal(1_100_000), Decimal(1_700_000), 1, 2),
            "G-2": Ratio(Decimal(733_334), Decimal(2_133_334), 1, 2),
        }
        sectors = par_by(book, 30, ON, "sector", engine=engine)
        assert sectors.keys() == {"umkm", "farming"}
        assert sum(groups.values(), Ratio(Decimal(0), Decimal(0), 0, 0)) == par(book, 30, ON)
        assert par_by(book, 30, ON, "cluster", engine=engine) == {"lebak": par(book, 30, ON)}

    def test_as_of_an_earlier_date(self, book: Finance) -> None:
        # On 31 March: D not yet restructured, E not written off; B 22 days late.
        ratio = par(book, 0, dt.date(2012, 3, 31))
        assert ratio.numerator == 1_100_000 + 1_100_000 + 1_000_000  # B, D, E late
        assert par(book, 30, dt.date(2011, 12, 31)) == Ratio(Decimal(0), Decimal(0), 0, 0)
        assert par(book, 30, dt.date(2011, 12, 31)).value == 0

    def test_several_books_and_bad_arguments(self, book: Finance) -> None:
        assert par([book, book], 30, ON).numerator == 2 * 1_833_334
        with pytest.raises(ValidationError, match="whole number of days"):
            par(book, -1, ON)
        with pytest.raises(ValidationError, match="unknown engine"):
            par(book, 30, ON, engine="spark")
        with pytest.raises(ValidationError, match="Finance book"):
            par(["x"], 30, ON)  # type: ignore[list-item]


class TestRates:
    def test_cumulative_repayment_rate(self, book: Finance) -> None:
        ratio = cumulative_repayment_rate(book, ON)
        assert isinstance(ratio, Ratio)
        # Due: A 600,000 B 600,000 C 1,200,000 D 100,000 (old) + 366,666 E 416,665 (to 1 July)
        assert (int(ratio.numerator), int(ratio.denominator)) == (2_166_666, 3_283_331)

    def test_on_time_rate_for_july(self, book: Finance) -> None:
        ratio = on_time_repayment_rate(book, dt.date(2012, 6, 30), ON)
        assert isinstance(ratio, Ratio)
        assert (int(ratio.numerator), int(ratio.denominator)) == (283_333, 583_333)
        by_group = on_time_repayment_rate(book, dt.date(2012, 6, 30), ON, by="group")
        assert isinstance(by_group, dict)
        assert by_group["G-1"].numerator == 100_000

    def test_write_off_ratio_and_turnover(self, book: Finance) -> None:
        ratio = write_off_ratio(book, dt.date(2012, 1, 1), ON)
        assert isinstance(ratio, Ratio)
        assert ratio.numerator == 1_000_000
        assert ratio.denominator == GROSS / 2
        assert turnover(book, ON) == Ratio(Decimal(7_000_000), Decimal(20_000_000), 5, 5)
        assert turnover(book, ON, fund_id="F-1").value == Decimal("0.35")


class TestStatements:
    def test_fund_statement(self, book: Finance) -> None:
        st = fund_statement(book, "F-1", dt.date(2012, 1, 1), ON)
        lines = {x.label_en: x.amount for x in (*st.receipts, *st.payments, *st.non_cash)}
        assert st.opening_cash == 0
        assert lines["Funds received"] == 20_000_000
        assert lines["Principal repaid"] == 2_166_666
        assert lines["Loans disbursed"] == 7_000_000
        assert lines["Written off"] == 1_000_000
        assert st.closing_cash == 15_166_666
        assert st.loans_closing == GROSS
        text = render_statement(st)
        assert "Angsuran pokok / Principal repaid" in text
        assert "Rp 2.166.666" in text
        later = fund_statement(book, "F-1", dt.date(2012, 7, 1), ON)
        assert later.opening_cash == book.cash("F-1", dt.date(2012, 6, 30))

    def test_aging_buckets(self, book: Finance) -> None:
        buckets = aging(book, ON)[None]
        assert [(b.loans, int(b.outstanding)) for b in buckets] == [
            (2, 1_333_334),
            (1, 1_400_000),
            (0, 0),
            (0, 0),
            (1, 1_100_000),
        ]
        assert buckets[0].restructured == 1
        assert sum(b.share for b in buckets) == 1
        assert "Menunggak lebih dari 90 hari / More than 90 days late" in render_aging(buckets)
        assert set(aging(book, ON, by="group")) == {"G-1", "G-2"}

    def test_schedule_vs_actual(self, book: Finance) -> None:
        rows = schedule_vs_actual(book, "B", ON)
        assert rows[0].paid_on == dt.date(2012, 2, 9)
        assert rows[0].days_late == 0
        assert rows[1].paid == 0
        assert rows[1].days_late == 144
        assert rows[5].days_late == 22
        assert rows[6].days_late == 0
        d = schedule_vs_actual(book, "D", ON)
        assert len(d) == 6
        assert d[1].paid_on == dt.date(2012, 7, 10)

    def test_position_status(self, book: Finance) -> None:
        assert book.position("E", ON).status is LoanStatus.WRITTEN_OFF
        assert book.position("E", dt.date(2012, 6, 30)).status is LoanStatus.ACTIVE
