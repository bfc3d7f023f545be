"""Groups and their membership spells."""

from __future__ import annotations

import pytest
from tests.model.builders import (
    D,
    assert_error,
)

from klaster import (
    Group,
    Membership,
    ValidationError,
)


# -- groups and cooperatives ----------------------------------------------------------------------
class TestGroup:
    def test_membership_left_before_joined(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Membership("M-1", D(2012, 1, 1), left=D(2011, 1, 1))
        assert_error(exc, ValidationError, "left", "before joined")

    def test_overlapping_spells_of_one_member(self) -> None:
        spells = [
            Membership("M-1", D(2011, 7, 1), left=D(2012, 1, 1)),
            Membership("M-1", D(2011, 12, 1)),
        ]
        with pytest.raises(ValidationError) as exc:
            Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), spells)
        assert_error(
            exc, ValidationError, "memberships[1]", "'M-1'", "memberships[0]", "must not overlap"
        )

    def test_leaving_and_rejoining(self) -> None:
        spells = [
            Membership("M-1", D(2011, 7, 1), left=D(2012, 1, 1)),
            Membership("M-1", D(2012, 1, 1)),
        ]
        g = Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), spells)
        assert g.member_ids(D(2012, 1, 1)) == ("M-1",)

    def test_joined_before_formed(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), [Membership("M-1", D(2011, 6, 1))])
        assert_error(exc, ValidationError, "memberships[0].joined", "before the group was formed")

    def test_dissolved_before_formed(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), dissolved=D(2011, 1, 1))
        assert_error(exc, ValidationError, "dissolved", "before formed")

    def test_role_lists_valid_values(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Membership("M-1", D(2011, 7, 1), role="boss")
        assert_error(exc, ValidationError, "role", "'member', 'chair', 'secretary', 'treasurer'")

    def test_memberships_must_be_memberships(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), [{"member_id": "M-1"}])  # type: ignore[list-item]
        assert_error(exc, ValidationError, "memberships[0]", "must be a Membership, got dict")
