"""Clusters: adding and replacing records checked in context, and their Records."""

from __future__ import annotations

import attrs
import pytest
from tests.model.builders import (
    NAME,
    NIK,
    PHONE,
    D,
    assert_error,
    cluster,
    group,
    member,
    program,
)

from klaster import (
    ClusterSector,
    Cooperative,
    DuplicateIdError,
    InvalidReferenceError,
    NotFoundError,
    Records,
    Region,
    ValidationError,
)


# -- clusters -------------------------------------------------------------------------------------
class TestCluster:
    def test_members_groups_cooperatives(self) -> None:
        c = cluster()
        c.add_members([member("M-1"), member("M-2", village="35.23.08.2001", sector="livestock")])
        c.add_group(group("G-1", "M-1"))
        c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm", "livestock"], ["M-1", "M-2"]))
        assert [g.id for g in c.groups_of("M-1")] == ["G-1"]
        assert len(c.active_members(D(2012, 1, 1))) == 2

    def test_member_sector_not_in_cluster(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            cluster(members=[member("M-1"), member("M-2", sector="farming")])
        assert_error(
            exc,
            InvalidReferenceError,
            "members[1].sector",
            "unknown sector 'farming'",
            "'umkm', 'livestock'",
        )

    def test_member_village_not_in_region(self) -> None:
        c = cluster()
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_member(member(village="Jiken"))
        assert_error(exc, InvalidReferenceError, "members[0].village", "Gaji, Hargoretno")
        assert len(c.members) == 0

    def test_check_member_adds_nothing(self) -> None:
        c = cluster()
        c.check_member(member("M-1"))
        with pytest.raises(InvalidReferenceError, match="Gaji, Hargoretno"):
            c.check_member(member("M-2", village="Jiken"))
        with pytest.raises(InvalidReferenceError, match="unknown sector 'farming'"):
            c.check_member(member("M-3", sector="farming"))
        assert len(c.members) == 0

    def test_records_as_a_read_only_mapping(self) -> None:
        c = cluster(members=[member("M-1")])
        view = c.members.as_mapping()
        assert view.get("M-1") is c.members["M-1"]
        assert view.get("M-2") is None
        c.add_member(member("M-2"))
        assert view["M-2"].id == "M-2"  # a live view
        with pytest.raises(TypeError):
            view["M-3"] = member("M-3")  # type: ignore[index]
        with pytest.raises(ValidationError, match="takes the kind first"):
            Records([member("M-1")])  # type: ignore[arg-type]

    def test_ambiguous_village_name_needs_the_code(self) -> None:
        region = Region.province(
            "Jawa Timur",
            "35",
            [
                Region.kabupaten(
                    "Tuban",
                    "35.23",
                    [
                        Region.kecamatan(
                            "Kerek", "35.23.08", [Region.desa("Sumber", "35.23.08.2001")]
                        ),
                        Region.kecamatan(
                            "Jenu", "35.23.12", [Region.desa("Sumber", "35.23.12.2001")]
                        ),
                    ],
                )
            ],
        )
        c = cluster(region=region)
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_member(member(village="Sumber"))
        assert_error(exc, InvalidReferenceError, "members[0].village", "names 2 desa", "code")
        c.add_member(member(village="35.23.12.2001"))

    def test_duplicate_member_id_in_a_cluster(self) -> None:
        with pytest.raises(DuplicateIdError) as exc:
            cluster(members=[member("M-1"), member("M-2"), member("M-1")])
        assert_error(exc, DuplicateIdError, "members[2].id", "duplicate ID 'M-1'")
        c = cluster(members=[member("M-1")])
        with pytest.raises(DuplicateIdError) as exc:
            c.add_member(member("M-1", household_size=9))
        assert_error(exc, DuplicateIdError, "members[1].id", "'M-1'", "'tuban'")
        assert c.members["M-1"].household_size == 4

    def test_duplicate_group_and_cooperative_ids(self) -> None:
        c = cluster(members=[member("M-1")], groups=[group("G-1", "M-1")])
        with pytest.raises(DuplicateIdError) as exc:
            c.add_group(group("G-1"))
        assert_error(exc, DuplicateIdError, "groups[1].id", "'G-1'")
        c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm"]))
        with pytest.raises(DuplicateIdError) as exc:
            c.add_cooperative(Cooperative("irman", "IRMAN 2", ["umkm"]))
        assert_error(exc, DuplicateIdError, "cooperatives[1].id", "'irman'")

    def test_group_lists_unknown_member(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            cluster(members=[member("M-1")], groups=[group("G-1", "M-1", "M-9")])
        assert_error(
            exc,
            InvalidReferenceError,
            "groups[0].memberships[1].member_id",
            "'M-9' is not a member of cluster 'tuban'",
        )

    def test_member_in_a_group_of_another_cluster(self) -> None:
        tuban_ = cluster("tuban", members=[member("M-1")])
        blora = cluster("blora", members=[member("M-2")])
        with pytest.raises(InvalidReferenceError) as exc:
            blora.add_group(group("G-1", "M-2", "M-1"))
        assert_error(
            exc,
            InvalidReferenceError,
            "groups[0].memberships[1].member_id",
            "'M-1' is not a member of cluster 'blora'",
        )
        assert len(blora.groups) == 0
        program(tuban_, blora)  # still consistent

    def test_group_member_of_another_sector(self) -> None:
        c = cluster(members=[member("M-1"), member("M-2", sector="livestock")])
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_group(group("G-1", "M-1", "M-2"))
        assert_error(
            exc, InvalidReferenceError, "groups[0].memberships[1].member_id", "'livestock'"
        )

    def test_join_group_checks_and_changes_nothing_when_refused(self) -> None:
        c = cluster(members=[member("M-1"), member("M-2", sector="livestock")])
        c.add_group(group("G-1", "M-1"))
        before = c.groups["G-1"]
        with pytest.raises(InvalidReferenceError):
            c.join_group("G-1", "M-2", D(2012, 1, 1))
        with pytest.raises(InvalidReferenceError):
            c.join_group("G-1", "M-9", D(2012, 1, 1))
        with pytest.raises(ValidationError) as exc:
            c.join_group("G-1", "M-1", D(2012, 1, 1))  # already in it
        assert_error(exc, ValidationError, "memberships[1]", "must not overlap")
        assert c.groups["G-1"] is before

    def test_leave_and_rejoin_group(self) -> None:
        c = cluster(members=[member("M-1")], groups=[group("G-1", "M-1")])
        c.leave_group("G-1", "M-1", D(2012, 1, 1))
        assert c.groups["G-1"].member_ids(D(2012, 1, 1)) == ()
        with pytest.raises(InvalidReferenceError) as exc:
            c.leave_group("G-1", "M-1", D(2012, 2, 1))
        assert_error(exc, InvalidReferenceError, "groups[0]", "no open membership")
        c.join_group("G-1", "M-1", D(2012, 3, 1))
        assert c.groups["G-1"].member_ids(D(2012, 3, 1)) == ("M-1",)

    def test_replace_member_refused_changes_nothing(self) -> None:
        # Moving a member to another sector would break its group: refused, and the old record
        # stays (this used to leave the new member in place).
        c = cluster(members=[member("M-1")], groups=[group("G-1", "M-1")])
        old = c.members["M-1"]
        with pytest.raises(InvalidReferenceError) as exc:
            c.replace_member(attrs.evolve(old, sector="livestock"))
        assert_error(
            exc, InvalidReferenceError, "groups[0].memberships[0].member_id", "'livestock'"
        )
        assert c.members["M-1"] is old
        c.replace_member(attrs.evolve(old, left=D(2013, 1, 1)))
        assert c.members["M-1"].left == D(2013, 1, 1)

    def test_replace_unknown_member(self) -> None:
        with pytest.raises(NotFoundError) as exc:
            cluster().replace_member(member("M-1"))
        assert_error(exc, NotFoundError, None, "'M-1'", "no members yet")

    def test_cooperative_references(self) -> None:
        c = cluster(members=[member("M-1")])
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm"], ["M-1", "M-7"]))
        assert_error(exc, InvalidReferenceError, "cooperatives[0].member_ids[1]", "'M-7'")
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm", "farming"]))
        assert_error(exc, InvalidReferenceError, "cooperatives[0].sectors[1]", "'farming'")
        assert len(c.cooperatives) == 0

    def test_cooperative_members_work_in_its_sectors(self) -> None:
        goats = member("M-2", sector="livestock")
        c = cluster(members=[member("M-1"), goats])
        expected = ("member 'M-2' works in sector 'livestock', but the cooperative serves 'umkm'",)
        # Adding, constructing, replacing the cooperative: refused, located, IDs only.
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm"], ["M-1", "M-2"]))
        assert_error(exc, InvalidReferenceError, "cooperatives[0].member_ids[1]", *expected)
        assert NAME not in str(exc.value)
        with pytest.raises(InvalidReferenceError) as exc:
            cluster(
                members=[member("M-1"), goats],
                cooperatives=[Cooperative("irman", "IRMAN", ["umkm"], ["M-2"])],
            )
        assert_error(exc, InvalidReferenceError, "cooperatives[0].member_ids[0]", *expected)
        coop = c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm"], ["M-1"]))
        with pytest.raises(InvalidReferenceError) as exc:
            c.replace_cooperative(attrs.evolve(coop, member_ids=["M-1", "M-2"]))
        assert_error(exc, InvalidReferenceError, "cooperatives[0].member_ids[1]", *expected)
        assert c.cooperatives["irman"] is coop
        # A member of the cooperative moving to a sector it does not serve: refused too.
        old = c.members["M-1"]
        with pytest.raises(InvalidReferenceError) as exc:
            c.replace_member(attrs.evolve(old, sector="livestock"))
        assert_error(exc, InvalidReferenceError, "cooperatives[0].member_ids[0]", "'M-1'")
        assert c.members["M-1"] is old
        served = c.replace_cooperative(attrs.evolve(coop, sectors=["umkm", "livestock"]))
        c.replace_cooperative(attrs.evolve(served, member_ids=["M-1", "M-2"]))

    def test_region_must_be_a_province(self) -> None:
        with pytest.raises(ValidationError) as exc:
            cluster(region=Region.kabupaten("Tuban", "35.23"))
        assert_error(exc, ValidationError, "region", "province Region")

    def test_sectors(self) -> None:
        with pytest.raises(ValidationError) as exc:
            cluster(sectors=[])
        assert_error(exc, ValidationError, "sectors", "at least one sector")
        with pytest.raises(ValidationError) as exc:
            cluster(sectors=[ClusterSector("umkm"), ClusterSector("umkm", "mm")])
        assert_error(exc, ValidationError, "sectors[1].sector", "listed twice")

    def test_lookup_of_unknown_id_names_known_ones(self) -> None:
        c = cluster(members=[member(f"M-{i}") for i in range(7)])
        with pytest.raises(NotFoundError) as exc:
            c.members["M-9"]
        assert_error(exc, NotFoundError, None, "'M-9'", "'M-0'", "and 2 more")
        assert isinstance(exc.value, LookupError)
        assert c.members.get("M-9") is None

    def test_no_personal_data_in_reprs(self) -> None:
        c = cluster(members=[member("M-1")], groups=[group("G-1", "M-1")])
        p = program(c)
        for text in (repr(c), repr(p), repr(list(c.members))):
            for secret in (NAME, NIK, PHONE):
                assert secret not in text
