"""The one formatting rule: numbers, shares, Rupiah and dates in Indonesian and English."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.errors import ValidationError
from klaster.formatting import (
    check_lang,
    default_lang,
    format_count,
    format_date,
    format_money,
    format_not_available,
    format_number,
    format_percent,
)

decimals = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=6
)


def _digits_of(text: str, decimal_mark: str) -> str:
    """The number written plainly: separators gone, the decimal mark a dot."""
    kept = "".join(c for c in text if c.isdigit() or c in "-" + decimal_mark)
    return kept.replace(decimal_mark, ".")


class TestLanguagesAgree:
    @given(decimals, st.integers(0, 4))
    def test_id_and_en_show_the_same_digits(self, value: Decimal, digits: int) -> None:
        indonesian = format_number(value, "id", digits=digits)
        english = format_number(value, "en", digits=digits)
        assert _digits_of(indonesian, ",") == _digits_of(english, ".")

    @given(decimals, st.integers(0, 4))
    def test_the_digits_are_the_value_rounded_half_even(self, value: Decimal, digits: int) -> None:
        shown = Decimal(_digits_of(format_number(value, "en", digits=digits), "."))
        expected = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
        assert shown == expected

    @given(st.decimals(min_value=-(10**14), max_value=10**14, allow_nan=False, places=2))
    def test_rupiah_agree_and_round_half_up(self, amount: Decimal) -> None:
        indonesian = format_money(amount, "id")
        english = format_money(amount, "en")
        assert indonesian.replace("Rp ", "").replace(".", "") == english.replace(
            "IDR ", ""
        ).replace(",", "")
        assert Decimal(english.replace("IDR ", "").replace(",", "")) == amount.quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )

    @given(st.integers(-(10**12), 10**12))
    def test_counts_agree(self, count: int) -> None:
        assert format_count(count, "id").replace(".", "") == str(count)
        assert format_count(count, "en").replace(",", "") == str(count)


class TestRounding:
    def test_figures_round_half_even(self) -> None:
        assert format_number(Decimal("0.5"), "en") == "0"
        assert format_number(Decimal("1.5"), "en") == "2"
        assert format_number(Decimal("1.25"), "id", digits=1) == "1,2"
        assert format_number(Decimal("1.35"), "id", digits=1) == "1,4"

    def test_rupiah_round_half_up(self) -> None:
        assert format_money(Decimal("0.5"), "id") == "Rp 1"
        assert format_money(Decimal("2.5"), "id") == "Rp 3"
        assert format_money(Decimal("-2.5"), "en") == "-IDR 3"

    def test_a_rounded_zero_has_no_sign(self) -> None:
        assert format_number(Decimal("-0.4"), "en") == "0"
        assert format_percent(Decimal("-0.00001"), "id") == "0,0%"

    def test_trailing_zeros_are_kept(self) -> None:
        assert format_number(Decimal(2), "en", digits=2) == "2.00"


class TestSeparators:
    def test_thousands_and_decimals(self) -> None:
        assert format_number(Decimal("282809"), "id") == "282.809"
        assert format_number(Decimal("282809"), "en") == "282,809"
        assert format_number(Decimal("-1234.5678"), "id", digits=2) == "-1.234,57"

    def test_percent(self) -> None:
        assert format_percent(Decimal("0.310"), "id") == "31,0%"
        assert format_percent(Decimal("0.310"), "en") == "31.0%"
        assert format_percent(1, "en", digits=0) == "100%"

    def test_dates(self) -> None:
        assert format_date(dt.date(2014, 2, 18), "id") == "18 Februari 2014"
        assert format_date(dt.date(2014, 2, 18), "en") == "February 18, 2014"


class TestCompactMoney:
    def test_billions_in_words(self) -> None:
        assert format_money(Decimal(1_700_000_000), "id", compact=True) == "Rp 1,7 miliar"
        assert format_money(Decimal(1_700_000_000), "en", compact=True) == "IDR 1.7 billion"

    def test_millions_and_negative(self) -> None:
        assert format_money(Decimal(2_500_000), "id", compact=True) == "Rp 2,5 juta"
        assert format_money(-1_700_000_000, "en", compact=True) == "-IDR 1.7 billion"

    def test_small_amounts_stay_whole(self) -> None:
        assert format_money(Decimal(950_000), "id", compact=True) == "Rp 950.000"

    def test_tables_keep_the_full_amount(self) -> None:
        assert format_money(Decimal(1_700_000_000), "id") == "Rp 1.700.000.000"


class TestNotAvailable:
    def test_with_and_without_reason(self) -> None:
        assert format_not_available("no endline round", "en") == (
            "not available (no endline round)"
        )
        assert format_not_available(None, "id") == "tidak tersedia"


class TestDefaultLanguage:
    def test_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("KLASTER_LANG", raising=False)
        assert default_lang() == "en"
        monkeypatch.setenv("KLASTER_LANG", " id ")
        assert default_lang() == "id"
        monkeypatch.setenv("KLASTER_LANG", "indonesian")
        with pytest.raises(ValidationError, match="use 'id' or 'en'") as raised:
            default_lang()
        assert raised.value.path == "KLASTER_LANG"


class TestRefusals:
    @pytest.mark.parametrize("value", [1.5, True, "12", None])
    def test_floats_bools_and_text_are_refused_located(self, value: object) -> None:
        with pytest.raises(ValidationError, match="expected a Decimal or an int") as raised:
            format_number(value, "id")  # type: ignore[arg-type]
        assert raised.value.path == "value"

    def test_money_and_share_are_located(self) -> None:
        with pytest.raises(ValidationError) as raised:
            format_money(0.1, "id")  # type: ignore[arg-type]
        assert raised.value.path == "amount"
        with pytest.raises(ValidationError) as raised:
            format_percent(False, "id")
        assert raised.value.path == "share"

    def test_infinite_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="finite") as raised:
            format_number(Decimal("Infinity"), "en")
        assert raised.value.path == "value"

    @pytest.mark.parametrize("digits", [-1, 19, True, 1.0])
    def test_digits_out_of_range(self, digits: object) -> None:
        with pytest.raises(ValidationError, match="0 to 18") as raised:
            format_number(1, "en", digits=digits)  # type: ignore[arg-type]
        assert raised.value.path == "digits"

    def test_unknown_language(self) -> None:
        with pytest.raises(ValidationError, match="use 'id' or 'en'") as raised:
            format_number(1, "fr")  # type: ignore[arg-type]
        assert raised.value.path == "lang"
        with pytest.raises(ValidationError) as raised:
            check_lang("EN", path="--lang")
        assert raised.value.path == "--lang"

    def test_dates_and_styles(self) -> None:
        with pytest.raises(ValidationError, match="expected a date") as raised:
            format_date("2014-02-18", "id")  # type: ignore[arg-type]
        assert raised.value.path == "day"
        with pytest.raises(ValidationError, match="unknown style") as raised:
            format_date(dt.date(2014, 2, 18), "id", style="full")  # type: ignore[arg-type]
        assert raised.value.path == "style"
