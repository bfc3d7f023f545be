"""Cooperatives."""

from __future__ import annotations

import pytest
from tests.model.builders import (
    D,
    assert_error,
)

from klaster import (
    Cooperative,
    LegalStatus,
    ValidationError,
)


# -- cooperatives --------------------------------------------------------------------------------
class TestCooperative:
    def test_needs_a_sector(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "Koperasi IRMAN", [])
        assert_error(exc, ValidationError, "sectors", "at least one sector")

    def test_sector_listed_twice(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "Koperasi IRMAN", ["umkm", "umkm"])
        assert_error(exc, ValidationError, "sectors", "twice")

    def test_invalid_sector_code(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "Koperasi IRMAN", ["umkm", "Farming"])
        assert_error(exc, ValidationError, "sectors[1]", "invalid code 'Farming'")

    def test_member_listed_twice(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "Koperasi IRMAN", ["umkm"], ["M-1", "M-2", "M-1"])
        assert_error(exc, ValidationError, "member_ids[2]", "'M-1' is listed twice")

    def test_registered_before_founded(self) -> None:
        legal = LegalStatus("518/BH/XXI/2013", D(2013, 1, 1))
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "IRMAN", ["umkm"], founded=D(2013, 2, 1), legal=legal)
        assert_error(exc, ValidationError, "legal.registered_on", "before the cooperative was")

    def test_legal_status(self) -> None:
        legal = LegalStatus("518/BH/XXI/2013", "2013-06-14", form="Koperasi Serba Usaha")
        coop = Cooperative("irman", "IRMAN", ["umkm"], founded=D(2013, 2, 1), legal=legal)
        assert coop.is_legal()
        assert coop.is_legal(D(2014, 3, 25))
        assert not coop.is_legal(D(2013, 6, 13))

    def test_legal_must_be_a_legal_status(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Cooperative("irman", "IRMAN", ["umkm"], legal="518/BH")  # type: ignore[arg-type]
        assert_error(exc, ValidationError, "legal", "must be a LegalStatus or None, got str")
