"""Members: every bad input gets a located error that leaks no personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from tests.model.builders import (
    NAME,
    NIK,
    PHONE,
    D,
    assert_error,
    member,
)

from klaster import (
    Member,
    ValidationError,
)
from klaster.testing import strategies as kst


# -- members --------------------------------------------------------------------------------------
class TestMember:
    def test_valid_member(self) -> None:
        m = member(left=D(2012, 1, 1), birth_year=1975, business_type="batik")
        assert m.is_active(D(2011, 12, 31))
        assert not m.is_active(D(2012, 1, 1))
        assert not m.is_active(D(2011, 5, 31))

    @pytest.mark.parametrize("size", [0, -1, -40])
    def test_household_size_at_least_one(self, size: int) -> None:
        with pytest.raises(ValidationError) as exc:
            member(household_size=size)
        assert_error(exc, ValidationError, "household_size", f"must be at least 1, got {size}")

    @pytest.mark.parametrize("size", ["3", 3.0, True, None])
    def test_household_size_must_be_an_int(self, size: object) -> None:
        with pytest.raises(ValidationError) as exc:
            member(household_size=size)
        assert_error(exc, ValidationError, "household_size", "must be a whole number")

    def test_left_before_joined(self) -> None:
        with pytest.raises(ValidationError) as exc:
            member(joined=D(2011, 6, 1), left=D(2011, 5, 31))
        assert_error(
            exc, ValidationError, "left", "2011-05-31", "before joined (2011-06-01)", "on or after"
        )

    def test_left_on_the_day_joined_is_allowed(self) -> None:
        assert member(left=D(2011, 6, 1)).left == D(2011, 6, 1)

    @pytest.mark.parametrize("code", ["UMKM", "1umkm", "umkm-2", "", "umkm\n", "a" * 41, 3])
    def test_sector_must_be_a_code(self, code: object) -> None:
        with pytest.raises(ValidationError) as exc:
            member(sector=code)
        assert_error(exc, ValidationError, "sector", "invalid code", "e.g. 'umkm'")

    def test_sex_lists_valid_values(self) -> None:
        with pytest.raises(ValidationError) as exc:
            member(sex="f")
        assert_error(exc, ValidationError, "sex", "'female', 'male'")

    def test_dates_as_iso_strings(self) -> None:
        assert member(joined="2011-06-01").joined == D(2011, 6, 1)
        with pytest.raises(ValidationError) as exc:
            member(joined="01/06/2011")
        assert_error(exc, ValidationError, "joined", "'YYYY-MM-DD'")

    def test_datetime_refused(self) -> None:
        with pytest.raises(ValidationError) as exc:
            member(joined=dt.datetime(2011, 6, 1, 9, 0))
        assert_error(exc, ValidationError, "joined", "must be a date", "got datetime")

    @pytest.mark.parametrize("bad", ["", "   ", None, 7])
    def test_name_required(self, bad: object) -> None:
        with pytest.raises(ValidationError) as exc:
            member(name=bad)
        assert_error(exc, ValidationError, "name", "non-empty text")

    @pytest.mark.parametrize(
        "nik",
        [
            "12345",
            "73030141078000011",
            "7303014107800001\n",
            "730301410780000X",
            "٧٣٠٣٠١٤١٠٧٨٠٠٠٠١",
        ],
    )
    def test_national_id_never_echoed(self, nik: str) -> None:
        with pytest.raises(ValidationError) as exc:
            member(national_id=nik)
        assert_error(exc, ValidationError, "national_id", "16 digits")
        assert nik.strip() not in str(exc.value)

    @pytest.mark.parametrize("phone", ["99", "phone 0812", "0812 3456 7890\n", "٠٨١٢٣٤٥٦٧٨٩"])
    def test_phone_never_echoed(self, phone: str) -> None:
        with pytest.raises(ValidationError) as exc:
            member(phone=phone)
        assert_error(exc, ValidationError, "phone", "8-20 digits")
        assert phone.strip() not in str(exc.value)

    def test_birth_year_in_the_future(self) -> None:
        next_year = dt.date.today().year + 1
        with pytest.raises(ValidationError) as exc:
            member(birth_year=next_year)
        assert_error(exc, ValidationError, "birth_year", "in the future")

    @pytest.mark.parametrize("bad", ["", " M-1", "M-1 ", "M\n1", "M\x001", "x" * 65, 12, None])
    def test_invalid_ids(self, bad: object) -> None:
        with pytest.raises(ValidationError) as exc:
            member(member_id=bad)  # type: ignore[arg-type]
        assert_error(exc, ValidationError, "id")
        assert "ID" in str(exc.value)

    def test_personal_data_hidden_from_repr(self) -> None:
        text = repr(member())
        assert "M-1" in text
        for secret in (NAME, NIK, PHONE):
            assert secret not in text

    @settings(max_examples=30, deadline=None)
    @given(kst.members())
    def test_personal_data_never_in_repr(self, m: Member) -> None:
        # Hypothesis names may be one letter long, so check the fields are not shown at all.
        text = repr(m)
        assert "name=" not in text
        assert "national_id=" not in text
        assert "phone=" not in text
