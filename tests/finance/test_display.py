"""Statements in one language or both, through the one formatting rule, and in notebooks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.finance.test_budget_statements import _lebak
from tests.finance.test_portfolio import ON, scenario

from klaster.finance import Finance, format_rupiah
from klaster.finance.budget_statements import budget_vs_actual, render_budget
from klaster.finance.portfolio import par
from klaster.finance.statements import aging, fund_statement, render_aging, render_statement
from klaster.formatting import format_money


@pytest.fixture(scope="module")
def book() -> Finance:
    return scenario()


class TestRupiah:
    def test_indonesian_as_before(self) -> None:
        assert format_rupiah(Decimal(1_700_000)) == "Rp 1.700.000"
        assert format_rupiah(-2500) == "-Rp 2.500"

    def test_english(self) -> None:
        assert format_rupiah(Decimal(1_700_000), "en") == "IDR 1,700,000"

    @given(st.integers(-(10**15), 10**15), st.sampled_from(["id", "en"]))
    def test_the_one_rule(self, amount: int, lang: str) -> None:
        assert format_rupiah(amount, lang) == format_money(amount, lang)  # type: ignore[arg-type]


class TestFundStatement:
    def test_bilingual_by_default(self, book: Finance) -> None:
        text = render_statement(fund_statement(book, "F-1", dt.date(2012, 1, 1), ON))
        assert "Angsuran pokok / Principal repaid" in text
        assert "Rp 2.166.666" in text

    def test_english(self, book: Finance) -> None:
        text = render_statement(fund_statement(book, "F-1", dt.date(2012, 1, 1), ON), "en")
        assert "Principal repaid" in text
        assert "Angsuran" not in text
        assert "IDR 2,166,666" in text
        assert "Rp " not in text
        assert "Period January 1, 2012 – July 31, 2012" in text

    def test_indonesian(self, book: Finance) -> None:
        text = render_statement(fund_statement(book, "F-1", dt.date(2012, 1, 1), ON), "id")
        assert "Angsuran pokok" in text
        assert "Principal" not in text
        assert "Rp 2.166.666" in text
        assert "1 Januari 2012" in text

    def test_unknown_language_is_located(self, book: Finance) -> None:
        from klaster.errors import ValidationError

        with pytest.raises(ValidationError, match="use 'id' or 'en'") as found:
            render_statement(fund_statement(book, "F-1", dt.date(2012, 1, 1), ON), "fr")  # type: ignore[arg-type]
        assert found.value.path == "lang"

    def test_notebook(self, book: Finance, monkeypatch: pytest.MonkeyPatch) -> None:
        statement = fund_statement(book, "F-1", dt.date(2012, 1, 1), ON)
        assert repr(statement) == (
            "FundStatement('F-1', 2012-01-01 – 2012-07-31, closing cash IDR 15,166,666, "
            "net assets IDR 19,000,000)"
        )
        monkeypatch.setenv("KLASTER_LANG", "id")
        html = statement._repr_html_()
        assert html.startswith("<table>")
        assert "Rp 15.166.666" in html
        assert "Saldo kas akhir" in html


class TestAging:
    def test_english_percent(self, book: Finance) -> None:
        text = render_aging(aging(book, ON)[None], "en")
        assert "More than 90 days late" in text
        assert "Menunggak" not in text
        assert "IDR 1,100,000" in text
        assert "28.70%" in text

    def test_bilingual_as_before(self, book: Finance) -> None:
        text = render_aging(aging(book, ON)[None])
        assert "Pinjaman/Loans  Pokok/Principal  %" in text
        assert "28.70" in text

    def test_notebook(self, book: Finance, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_LANG", "en")
        bucket = aging(book, ON)[None][-1]
        assert (
            repr(bucket) == "AgingBucket('More than 90 days late', 1 loans, IDR 1,100,000, 28.70%)"
        )
        assert "IDR 1,100,000" in bucket._repr_html_()


class TestBudget:
    def test_bilingual_as_before(self) -> None:
        text = render_budget(budget_vs_actual(_lebak()))
        assert "Komponen / Component" in text
        assert "Rp 545.750.000" in text

    def test_english(self) -> None:
        text = render_budget(budget_vs_actual(_lebak()), "en")
        assert "Component" in text
        assert "Komponen" not in text
        assert "Total budget: IDR " in text
        assert "actual: IDR 545,750,000" in text
        assert "Zakat 91.8%" in text  # the source share through format_percent

    def test_notebook(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_LANG", "id")
        statement = budget_vs_actual(_lebak())
        assert repr(statement).startswith("BudgetStatement(by component, ")
        html = statement._repr_html_()
        assert "<th>Komponen</th>" in html
        assert "Rp 545.750.000" in html


class TestPortfolio:
    def test_ratio_in_a_notebook(self, book: Finance, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_LANG", "en")
        html = par(book, 30, ON)._repr_html_()
        assert "%" in html
        assert "IDR " in html
        assert "<td" in html
