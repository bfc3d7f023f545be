"""Typed columns: exact storage, explicit missing values, widening, rescaling, buffers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.catalogue.variable import ValueType
from klaster.errors import KlasterError, NotFoundError, ValidationError
from klaster.observations.columns.factory import (
    MAX_SCALE,
    BooleanColumn,
    CategoryColumn,
    Column,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    TextColumn,
    column_for,
    column_of,
)

INT64 = 2**63 - 1

# Values that always fit in 64 bits together: at most 12 integer digits and 6 decimals.
decimals = st.one_of(
    *(
        st.decimals(min_value=-(10**12), max_value=10**12, places=places, allow_nan=False)
        for places in range(7)
    )
)
maybe_decimals = st.lists(st.one_of(st.none(), decimals), max_size=40)
maybe_ints = st.lists(st.one_of(st.none(), st.integers(-INT64, INT64)), max_size=40)
maybe_bools = st.lists(st.one_of(st.none(), st.booleans()), max_size=40)
CATEGORIES = ("goat", "sheep", "cattle")
maybe_categories = st.lists(st.one_of(st.none(), st.sampled_from(CATEGORIES)), max_size=40)
maybe_dates = st.lists(st.one_of(st.none(), st.dates()), max_size=40)
maybe_texts = st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=40)


def assert_same_values(column: Column[Any], values: list[Any]) -> None:
    """The column holds exactly ``values`` (Decimals compared by value, missing kept)."""
    out = column.to_list()
    assert len(out) == len(values)
    assert [v is None for v in out] == [v is None for v in values]
    assert out == values
    assert column.count() == sum(v is not None for v in values)
    assert column.missing() == sum(v is None for v in values)


class TestDecimalColumn:
    def test_exact_values_and_sum(self) -> None:
        col = DecimalColumn([Decimal("1500000"), None, Decimal("2750000.25")])
        assert col.to_list() == [Decimal("1500000"), None, Decimal("2750000.25")]
        assert col.sum() == Decimal("4250000.25")
        assert (col.count(), col.missing(), col.scale) == (2, 1, 2)

    def test_missing_is_never_zero(self) -> None:
        col = DecimalColumn([None, Decimal(0), None])
        assert col.to_list() == [None, Decimal(0), None]
        assert col[0] is None
        assert col[1] == 0
        assert col.count() == 1

    def test_scale_grows_and_rescales(self) -> None:
        col = DecimalColumn([Decimal("12")])
        assert col.scale == 0
        col.append(Decimal("0.125"))
        assert col.scale == 3
        assert col.to_list() == [Decimal("12"), Decimal("0.125")]
        assert str(col[0]) == "12.000"  # every value has the column's decimals

    def test_trailing_zeros_do_not_widen_scale(self) -> None:
        col = DecimalColumn([Decimal("1.5000000000000000000000000")])
        assert col.scale == 1

    def test_int_is_read_as_decimal(self) -> None:
        col = DecimalColumn([3])
        assert col.to_list() == [Decimal(3)]

    @pytest.mark.parametrize(
        "value", [1.5, "1.5", True, Decimal("NaN"), Decimal("Infinity")], ids=repr
    )
    def test_wrong_values_are_refused(self, value: object) -> None:
        col = DecimalColumn([Decimal(1)])
        with pytest.raises(ValidationError):
            col.append(value)  # type: ignore[arg-type]
        assert col.to_list() == [Decimal(1)]

    def test_float_message_gives_a_hint(self) -> None:
        with pytest.raises(ValidationError, match="floats are not exact"):
            DecimalColumn([0.1])  # type: ignore[list-item]

    def test_too_many_digits_are_refused_not_rounded(self) -> None:
        col = DecimalColumn([Decimal("1")])
        with pytest.raises(ValidationError, match="64 bits"):
            col.append(Decimal("12345678901234567890"))
        with pytest.raises(ValidationError, match="decimals"):
            col.append(Decimal("1E-19"))
        assert col.to_list() == [Decimal("1")]
        assert col.scale == 0

    def test_rescale_that_would_overflow_changes_nothing(self) -> None:
        col = DecimalColumn([Decimal(10**17)])
        with pytest.raises(ValidationError, match="64 bits"):
            col.append(Decimal("0.01"))
        assert (col.to_list(), col.scale, len(col)) == ([Decimal(10**17)], 0, 1)

    def test_max_scale_is_accepted(self) -> None:
        tiny = Decimal(1).scaleb(-MAX_SCALE)
        assert DecimalColumn([tiny]).to_list() == [tiny]

    def test_storage_widens_with_the_values(self) -> None:
        col = DecimalColumn([Decimal(5)])
        assert col.buffers().typecode == "b"
        col.append(Decimal(1_500_000))
        assert col.buffers().typecode == "i"
        col.append(Decimal(10**12))
        assert col.buffers().typecode == "q"
        assert col.to_list() == [Decimal(5), Decimal(1_500_000), Decimal(10**12)]

    def test_min_max(self) -> None:
        col = DecimalColumn([None, Decimal("-2.5"), Decimal(4)])
        assert (col.min(), col.max()) == (Decimal("-2.5"), Decimal(4))
        assert DecimalColumn([None]).min() is None

    def test_texts_are_plain_and_exact(self) -> None:
        col = DecimalColumn([Decimal("-0.05"), None, Decimal("1E+3"), Decimal("0.001")])
        assert list(col.texts()) == ["-0.050", None, "1000.000", "0.001"]
        assert list(DecimalColumn([Decimal(7)]).texts()) == ["7"]

    def test_buffers_are_read_only_views(self) -> None:
        col = DecimalColumn([Decimal("1.25"), None])
        buffers = col.buffers()
        assert isinstance(buffers.data, memoryview)
        assert buffers.data.readonly
        assert (list(buffers.data), buffers.scale) == ([125, 0], 2)
        assert buffers.valid is not None
        assert list(buffers.valid) == [1, 0]
        assert col.scaled().tolist() == [125, 0]

    def test_exported_buffers_block_growth_with_a_klaster_error(self) -> None:
        col = DecimalColumn([Decimal(1)])
        buffers = col.buffers()
        with pytest.raises(ValidationError, match="release"):
            col.append(Decimal(2))
        assert isinstance(buffers.data, memoryview)
        buffers.data.release()
        assert buffers.valid is not None
        buffers.valid.release()
        col.append(Decimal(2))
        assert col.to_list() == [Decimal(1), Decimal(2)]

    @given(maybe_decimals)
    def test_round_trip(self, values: list[Decimal | None]) -> None:
        assert_same_values(DecimalColumn(values), values)

    @given(maybe_decimals)
    def test_sum_is_the_exact_sum(self, values: list[Decimal | None]) -> None:
        col = DecimalColumn(values)
        assert col.sum() == sum((v for v in values if v is not None), Decimal(0))

    @given(maybe_decimals)
    def test_value_by_value_equals_all_at_once(self, values: list[Decimal | None]) -> None:
        one_by_one = DecimalColumn()
        for value in values:
            one_by_one.append(value)
        assert one_by_one == DecimalColumn(values)
        assert_same_values(one_by_one, values)

    @given(maybe_decimals, maybe_decimals)
    def test_extend_keeps_earlier_values(
        self, first: list[Decimal | None], then: list[Decimal | None]
    ) -> None:
        col = DecimalColumn(first)
        col.extend(then)
        assert_same_values(col, first + then)


class TestIntegerColumn:
    def test_values_sum_and_narrow_storage(self) -> None:
        col = IntegerColumn([4, None, 5])
        assert (col.to_list(), col.sum(), col.count()) == ([4, None, 5], 9, 2)
        assert col.buffers().typecode == "b"
        assert col.nbytes() == 6  # one byte of value and one of mask each

    def test_widens_when_a_value_does_not_fit(self) -> None:
        col = IntegerColumn([1])
        for value, code in ((300, "h"), (-70_000, "i"), (2**40, "q")):
            col.append(value)
            assert col.buffers().typecode == code
        assert col.to_list() == [1, 300, -70_000, 2**40]

    @pytest.mark.parametrize("value", [True, 1.0, "1", Decimal(1), 2**63], ids=repr)
    def test_wrong_values_are_refused(self, value: object) -> None:
        col = IntegerColumn()
        with pytest.raises(ValidationError):
            col.append(value)  # type: ignore[arg-type]
        assert len(col) == 0

    def test_min_max(self) -> None:
        assert (IntegerColumn([None, 3, -1]).min(), IntegerColumn([None, 3, -1]).max()) == (-1, 3)

    @given(maybe_ints)
    def test_round_trip(self, values: list[int | None]) -> None:
        col = IntegerColumn(values)
        assert_same_values(col, values)
        assert col.sum() == sum(v for v in values if v is not None)


class TestBooleanColumn:
    def test_missing_code_and_sum(self) -> None:
        col = BooleanColumn([True, None, False, True])
        assert (col.sum(), col.count(), col.missing()) == (2, 3, 1)
        buffers = col.buffers()
        assert (list(buffers.data), buffers.missing_code) == ([1, -1, 0, 1], -1)

    @pytest.mark.parametrize("value", [1, 0, "yes"], ids=repr)
    def test_only_bools(self, value: object) -> None:
        with pytest.raises(ValidationError):
            BooleanColumn([value])  # type: ignore[list-item]

    @given(maybe_bools)
    def test_round_trip(self, values: list[bool | None]) -> None:
        assert_same_values(BooleanColumn(values), values)


class TestCategoryColumn:
    def test_codes_and_counts(self) -> None:
        col = CategoryColumn(CATEGORIES, ["goat", None, "goat", "cattle"])
        assert col.counts() == {"goat": 2, "sheep": 0, "cattle": 1}
        assert list(col.buffers().data) == [0, -1, 0, 2]
        assert col.buffers().categories == CATEGORIES

    def test_unknown_category_is_refused(self) -> None:
        col = CategoryColumn(CATEGORIES)
        with pytest.raises(ValidationError, match="goat, sheep, cattle"):
            col.append("horse")
        assert len(col) == 0

    def test_many_categories_use_wider_codes(self) -> None:
        codes = [f"c{i}" for i in range(300)]
        col = CategoryColumn(codes, ["c299"])
        assert col.buffers().typecode == "h"
        assert col.to_list() == ["c299"]

    @pytest.mark.parametrize("categories", [[], ["a", "a"]], ids=repr)
    def test_needs_distinct_categories(self, categories: list[str]) -> None:
        with pytest.raises(ValidationError):
            CategoryColumn(categories)

    def test_equality_includes_the_categories(self) -> None:
        assert CategoryColumn(["a", "b"], ["a"]) != CategoryColumn(["a", "c"], ["a"])

    @given(maybe_categories)
    def test_round_trip(self, values: list[str | None]) -> None:
        assert_same_values(CategoryColumn(CATEGORIES, values), values)


class TestDateColumn:
    def test_ordinals_and_range(self) -> None:
        col = DateColumn([dt.date(2012, 3, 1), None, dt.date(2011, 6, 15)])
        assert (col.min(), col.max()) == (dt.date(2011, 6, 15), dt.date(2012, 3, 1))
        assert list(col.buffers().data)[1] == 0

    def test_datetime_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            DateColumn([dt.datetime(2012, 1, 1)])

    @given(maybe_dates)
    def test_round_trip(self, values: list[dt.date | None]) -> None:
        assert_same_values(DateColumn(values), values)


class TestTextColumn:
    def test_values(self) -> None:
        col = TextColumn(["a", None])
        assert (col.to_list(), col.count()) == (["a", None], 1)
        assert col.buffers().data == ("a", None)

    def test_only_text(self) -> None:
        with pytest.raises(ValidationError):
            TextColumn([1])  # type: ignore[list-item]

    @given(maybe_texts)
    def test_round_trip(self, values: list[str | None]) -> None:
        assert_same_values(TextColumn(values), values)


ALL_KINDS: list[tuple[ValueType, Any]] = [
    (ValueType.DECIMAL, Decimal("2.5")),
    (ValueType.INTEGER, 7),
    (ValueType.BOOLEAN, True),
    (ValueType.CATEGORY, "sheep"),
    (ValueType.DATE, dt.date(2013, 1, 2)),
    (ValueType.TEXT, "ok"),
]


class TestEveryColumn:
    @pytest.mark.parametrize(("kind", "value"), ALL_KINDS, ids=lambda k: str(k))
    def test_set_past_the_end_pads_with_missing(self, kind: ValueType, value: Any) -> None:
        col = column_for(kind, CATEGORIES)
        col.set(3, value)
        assert col.to_list() == [None, None, None, value]
        col.pad(5)
        assert col.to_list() == [None, None, None, value, None]
        col.pad(2)
        assert len(col) == 5

    @pytest.mark.parametrize(("kind", "value"), ALL_KINDS, ids=lambda k: str(k))
    def test_take_and_copy_are_independent(self, kind: ValueType, value: Any) -> None:
        col = column_of(kind, [value, None, value], CATEGORIES)
        picked = col.take([2, 1])
        assert picked.to_list() == [value, None]
        copy = col.copy()
        copy.set(1, value)
        assert col[1] is None
        assert copy == column_of(kind, [value, value, value], CATEGORIES)

    @pytest.mark.parametrize(("kind", "value"), ALL_KINDS, ids=lambda k: str(k))
    def test_out_of_range_is_a_klaster_error(self, kind: ValueType, value: Any) -> None:
        col = column_of(kind, [value], CATEGORIES)
        with pytest.raises(NotFoundError):
            col[1]
        with pytest.raises(NotFoundError):
            col.take([5])
        with pytest.raises(ValidationError):
            col.set(-1, value)

    @pytest.mark.parametrize(("kind", "value"), ALL_KINDS, ids=lambda k: str(k))
    def test_extend_is_all_or_nothing(self, kind: ValueType, value: Any) -> None:
        col = column_of(kind, [value], CATEGORIES)
        with pytest.raises(ValidationError) as caught:
            col.extend([value, None, object()])
        assert caught.value.path == "values[2]"
        assert col.to_list() == [value]

    @pytest.mark.parametrize(("kind", "value"), ALL_KINDS, ids=lambda k: str(k))
    def test_valid_mask_and_present(self, kind: ValueType, value: Any) -> None:
        col = column_of(kind, [None, value], CATEGORIES)
        assert col.valid() == b"\x00\x01"
        assert list(col.present()) == [value]
        assert col.nbytes() > 0

    def test_unknown_type(self) -> None:
        with pytest.raises(ValidationError, match="unknown value type"):
            column_of("float", [])

    def test_columns_are_unhashable_and_compare_by_values(self) -> None:
        assert IntegerColumn([1]) == IntegerColumn([1])
        assert IntegerColumn([1]) != DecimalColumn([1])
        assert IntegerColumn([1]).__eq__(1) is NotImplemented
        with pytest.raises(TypeError):
            hash(IntegerColumn())

    def test_repr_shows_no_values(self) -> None:
        assert repr(DecimalColumn([Decimal(123456), None])) == (
            "<DecimalColumn of 2 values, 1 missing>"
        )

    @settings(max_examples=30)
    @given(maybe_decimals, st.data())
    def test_take_picks_the_values(self, values: list[Decimal | None], data: st.DataObject) -> None:
        col = DecimalColumn(values)
        indices = data.draw(st.lists(st.integers(0, max(0, len(values) - 1)), max_size=10))
        if not values:
            indices = []
        assert col.take(indices).to_list() == [values[i] for i in indices]

    def test_errors_are_klaster_errors(self) -> None:
        with pytest.raises(KlasterError):
            IntegerColumn(["x"])  # type: ignore[list-item]
