"""Rupiah amounts and schedules, checked against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from klaster.errors import KlasterError
from klaster.finance import AmountError, build_schedule, flat_margin, format_rupiah, rupiah
from klaster.finance.money import round_rupiah, split_evenly
from klaster.finance.schedule import Frequency, Method, add_months, due_dates


class TestRupiah:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("1200000", 1_200_000), (1_200_000, 1_200_000), (Decimal("1200000.00"), 1_200_000)],
    )
    def test_reads_whole_amounts(self, value: object, expected: int) -> None:
        assert rupiah(value) == Decimal(expected)

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (1200000.0, "float"),
            (-5, "more than zero"),
            (0, "more than zero"),
            ("1.000.000", "must be a number"),
            ("abc", "must be a number"),
            (Decimal("100.5"), "fraction of a rupiah"),
            (Decimal("NaN"), "finite"),
            (True, "Rupiah amount"),
            (None, "Rupiah amount"),
            ([1], "Rupiah amount"),
        ],
    )
    def test_refuses_what_is_not_a_whole_positive_amount(
        self, value: object, fragment: str
    ) -> None:
        with pytest.raises(AmountError, match=fragment) as info:
            rupiah(value, path="loans['L-1'].principal")
        assert isinstance(info.value, KlasterError)
        assert info.value.path == "loans['L-1'].principal"

    def test_zero_allowed_when_asked(self) -> None:
        assert rupiah(0, positive=False) == 0

    def test_rounding_is_half_up_not_bankers(self) -> None:
        # 83,332.5 is where the two rules differ: half-up gives ...33, half-even ...32.
        value = Decimal("83332.5")
        assert round_rupiah(value) == Decimal(83_333)
        assert value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN) == Decimal(83_332)
        assert round_rupiah(Decimal("-0.5")) == Decimal(-1)  # away from zero, like a spreadsheet

    @pytest.mark.parametrize(
        ("total", "parts", "expected"),
        [
            (1_200_000, 12, [100_000] * 12),
            (1_000_000, 12, [83_333] * 11 + [83_337]),
            (100, 3, [33, 33, 34]),
            (5, 10, [0] * 9 + [5]),  # rounding up would leave the last part negative
            (7, 1, [7]),
        ],
    )
    def test_split_evenly_last_takes_the_remainder(
        self, total: int, parts: int, expected: list[int]
    ) -> None:
        split = split_evenly(Decimal(total), parts)
        assert [int(x) for x in split] == expected
        assert sum(split) == total

    def test_format(self) -> None:
        assert format_rupiah(Decimal(1_700_000_000)) == "Rp 1.700.000.000"
        assert format_rupiah(0) == "Rp 0"


class TestSchedule:
    def test_qard_hasan_1_2_million_over_12_months(self) -> None:
        # Hand-computed: 1,200,000 / 12 = 100,000 a month, due on the 9th from February 2012.
        schedule = build_schedule(
            Decimal(1_200_000),
            Decimal(0),
            12,
            Frequency.MONTHLY,
            Method.EQUAL_INSTALMENTS,
            dt.date(2012, 2, 9),
        )
        assert [(i.number, i.principal, i.margin) for i in schedule] == [
            (k, Decimal(100_000), Decimal(0)) for k in range(1, 13)
        ]
        assert schedule[0].due == dt.date(2012, 2, 9)
        assert schedule[-1].due == dt.date(2013, 1, 9)
        assert sum(i.total for i in schedule) == 1_200_000

    def test_murabahah_flat_margin(self) -> None:
        # 3,000,000 at a flat 6% a year for 10 months: margin 150,000, instalment 315,000.
        margin = flat_margin(Decimal(3_000_000), Decimal("0.06"), 10, Frequency.MONTHLY)
        assert margin == Decimal(150_000)
        schedule = build_schedule(
            Decimal(3_000_000),
            margin,
            10,
            Frequency.MONTHLY,
            Method.EQUAL_INSTALMENTS,
            dt.date(2012, 2, 9),
        )
        assert {(i.principal, i.margin, i.total) for i in schedule} == {
            (Decimal(300_000), Decimal(15_000), Decimal(315_000))
        }

    def test_murabahah_margin_with_a_remainder(self) -> None:
        # 1,000,000 + 100,000 over 3: principal 333,333 ×2 + 333,334; margin 33,333 ×2 + 33,334.
        schedule = build_schedule(
            Decimal(1_000_000),
            Decimal(100_000),
            3,
            Frequency.MONTHLY,
            Method.EQUAL_INSTALMENTS,
            dt.date(2012, 2, 9),
        )
        assert [int(i.total) for i in schedule] == [366_666, 366_666, 366_668]

    def test_equal_principal_margin_follows_outstanding(self) -> None:
        # Outstanding at each start 4:3:2:1 of 1,000,000 → margin 120,000 split 48k/36k/24k/12k.
        schedule = build_schedule(
            Decimal(1_000_000),
            Decimal(120_000),
            4,
            Frequency.MONTHLY,
            Method.EQUAL_PRINCIPAL,
            dt.date(2012, 1, 31),
        )
        assert [int(i.margin) for i in schedule] == [48_000, 36_000, 24_000, 12_000]
        assert [int(i.total) for i in schedule] == [298_000, 286_000, 274_000, 262_000]

    def test_qard_hasan_same_for_both_methods(self) -> None:
        args = (Decimal(1_000_000), Decimal(0), 12, Frequency.WEEKLY)
        first = dt.date(2012, 1, 16)
        assert build_schedule(*args, Method.EQUAL_INSTALMENTS, first) == build_schedule(
            *args, Method.EQUAL_PRINCIPAL, first
        )

    def test_month_end_is_clamped_without_drift(self) -> None:
        days = due_dates(dt.date(2012, 1, 31), 4, Frequency.MONTHLY)
        assert days == (
            dt.date(2012, 1, 31),
            dt.date(2012, 2, 29),
            dt.date(2012, 3, 31),
            dt.date(2012, 4, 30),
        )
        assert add_months(dt.date(2013, 1, 31), 1) == dt.date(2013, 2, 28)

    def test_weekly(self) -> None:
        assert due_dates(dt.date(2012, 1, 16), 3, Frequency.WEEKLY)[-1] == dt.date(2012, 1, 30)

    def test_flat_margin_refuses_float_rate(self) -> None:
        with pytest.raises(KlasterError, match="Decimal"):
            flat_margin(Decimal(1), 0.12, 12, Frequency.MONTHLY)  # type: ignore[arg-type]
