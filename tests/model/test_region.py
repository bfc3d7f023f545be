"""Regions and their statistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.model.builders import (
    assert_error,
    tuban,
)

from klaster import (
    Region,
    RegionStat,
    StatKind,
    ValidationError,
)


# -- regions and their statistics -----------------------------------------------------------------
class TestRegion:
    def test_tuban_tree(self) -> None:
        region = tuban()
        assert [r.name for r in region.villages()] == ["Gaji", "Hargoretno"]
        kerek = region.find("35.23.08")
        assert kerek is not None
        assert kerek.name == "Kerek"
        assert region.find("gaji") is region.find("35.23.08.2001")

    @pytest.mark.parametrize(
        ("level", "code", "shape"),
        [
            ("province", "035", "PP, e.g. '73'"),
            ("kabupaten", "35.2", "PP.KK"),
            ("kabupaten", "35-23", "PP.KK"),
            ("kecamatan", "35.23.8", "PP.KK.CC"),
            ("desa", "35.23.08.3001", "PP.KK.CC.XNNN"),
            ("desa", "35.23.08.201", "PP.KK.CC.XNNN"),
            ("province", "35\n", "PP"),
            ("province", "٣٥", "PP"),
        ],
    )
    def test_invalid_kemendagri_codes(self, level: str, code: str, shape: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Region(level, "Somewhere", code)
        assert_error(exc, ValidationError, "code", "invalid Kemendagri code", f"a {level}", shape)

    def test_bps_code_given_as_kemendagri_code(self) -> None:
        # Kerek is 35.23.08 for Kemendagri and 3523160 for BPS: never mix them silently.
        with pytest.raises(ValidationError) as exc:
            Region.kecamatan("Kerek", "3523160")
        assert_error(exc, ValidationError, "code", "looks like a BPS code", "bps_code")
        kerek = Region("kecamatan", "Kerek", "35.23.08", bps_code="3523160")
        assert kerek.bps_code == "3523160"

    @pytest.mark.parametrize("bps", ["35.23.08", "352316", "35231600", "３５２３１６０"])
    def test_invalid_bps_codes(self, bps: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Region("kecamatan", "Kerek", bps_code=bps)
        assert_error(
            exc, ValidationError, "bps_code", "use 7 digits", "Kemendagri codes go in code"
        )

    def test_child_code_outside_parent(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Region.kabupaten("Tuban", "35.23", [Region.kecamatan("Jiken", "33.16.07")])
        assert_error(exc, ValidationError, "children[0].code", "not inside", "'35.23.'")

    def test_child_of_the_wrong_level(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Region.province("Jawa Timur", "35", [Region.desa("Gaji")])
        assert_error(exc, ValidationError, "children[0].level", "contains kabupaten, not a desa")

    def test_two_siblings_of_one_name(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Region.kecamatan("Kerek", None, [Region.desa("Gaji"), Region.desa("GAJI")])
        assert_error(exc, ValidationError, "children[1].name", "also children[0]")

    def test_unknown_level(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Region("kota", "Tuban")
        assert_error(exc, ValidationError, "level", "'province', 'kabupaten', 'kecamatan', 'desa'")


class TestRegionStat:
    def stat(self, **changes: Any) -> RegionStat:
        fields: dict[str, Any] = {
            "year": 2010,
            "source": "seed report",
            "kind": StatKind.TARGETING_PEOPLE,
            "population": 176_708,
            "poor": 67_503,
        }
        fields.update(changes)
        return RegionStat(**fields)

    @pytest.mark.parametrize("rate", ["38.20", "38.2", "38", Decimal("38.200"), "38.2003"])
    def test_bantaeng_figures_agree(self, rate: object) -> None:
        # 67,503 / 176,708 = 38.2003...%: printed as 38.20 (or rounder) it is consistent.
        assert self.stat(poverty_rate=rate).rate == Decimal(str(rate))

    @pytest.mark.parametrize("rate", ["40", "38.21", "38.19", "39"])
    def test_inconsistent_rate(self, rate: str) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(poverty_rate=rate)
        assert_error(
            exc,
            ValidationError,
            "poverty_rate",
            f"{rate}% does not match",
            "= 38.20%",
            "consistent",
        )

    def test_derived_figures(self) -> None:
        assert self.stat().rate == Decimal(67_503) * 100 / Decimal(176_708)
        # From the rounded rate the count comes back rounded: 38.20% of 176,708 is 67,502.5.
        only_rate = self.stat(poor=None, poverty_rate="38.20")
        assert only_rate.poor_count == 67_502

    @pytest.mark.parametrize("rate", [38.2, 0.5])
    def test_float_rate_refused(self, rate: float) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(poor=None, poverty_rate=rate)
        assert_error(
            exc, ValidationError, "poverty_rate", "float", "Decimal or a string", "'38.20'"
        )

    @pytest.mark.parametrize("rate", ["abc", "NaN", "Infinity", True])
    def test_non_numbers_refused(self, rate: object) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(poor=None, poverty_rate=rate)
        assert_error(exc, ValidationError, "poverty_rate")

    def test_rate_out_of_range(self) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(population=None, poverty_rate="101")
        assert_error(exc, ValidationError, "poverty_rate", "between 0 and 100")

    def test_more_poor_than_people(self) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(poor=200_000)
        assert_error(exc, ValidationError, "poor", "exceeds population")

    def test_kind_is_required_and_checked(self) -> None:
        with pytest.raises(ValidationError) as exc:
            self.stat(kind="poverty")
        assert_error(exc, ValidationError, "kind", "'bps_headcount'", "'targeting_households'")


@pytest.mark.parametrize("rate", ["1E-999999999", "0E-999999999", "1E+999999999", "1E-31"])
def test_a_rate_of_unbounded_exponent_is_a_validation_error(rate: str) -> None:
    # 1E-999999999 used to raise decimal.InvalidOperation from the rate's tolerance.
    with pytest.raises(ValidationError, match="poverty_rate: must have at most 30 decimal"):
        RegionStat(2023, "BPS", "bps_headcount", population=100, poor=1, poverty_rate=rate)
