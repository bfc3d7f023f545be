"""Sector areas: where each sector works, checked for members, groups and activities; overrides."""

from __future__ import annotations

import attrs
import pytest
from tests.model.area_builders import (
    AREAS,
    D,
    area_cluster,
    area_program,
    bantaeng,
    meeting,
    sectors,
    training,
    villager,
)
from tests.model.builders import assert_error

from klaster import (
    AreaOverride,
    AreaRecord,
    ClusterSector,
    DuplicateIdError,
    InvalidReferenceError,
    KlasterError,
    Region,
    ValidationError,
)

OUTSIDE = "is outside the area of sector"


# -- the areas themselves -------------------------------------------------------------------------
class TestClusterSectorAreas:
    def test_default_is_the_whole_region(self) -> None:
        assert ClusterSector("umkm").areas == ()
        c = area_cluster(sectors=sectors({}))
        c.add_member(villager("M-1", "Rappoa"))  # anywhere in the region
        assert c.areas.area_of("umkm") is None

    def test_a_bare_name_is_refused(self) -> None:
        with pytest.raises(ValidationError) as exc:
            ClusterSector("farming", None, "Eremerasa")  # a str is an Iterable[str]
        assert_error(exc, ValidationError, "areas", "a list of kecamatan or desa", "['Eremerasa']")

    def test_listed_twice_and_empty(self) -> None:
        with pytest.raises(ValidationError) as exc:
            ClusterSector("farming", None, ("Eremerasa", "eremerasa"))
        assert_error(exc, ValidationError, "areas[1]", "listed twice", "areas[0]")
        with pytest.raises(ValidationError) as exc:
            ClusterSector("farming", None, (" ",))
        assert_error(exc, ValidationError, "areas[0]", "non-empty")

    def test_unknown_area_lists_the_valid_ones(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            area_cluster(sectors=sectors({"farming": ("Eremerasa", "Bacem")}))
        assert_error(
            exc,
            InvalidReferenceError,
            "sectors[1].areas[1]",
            "'Bacem' is not a kecamatan or desa of cluster 'bantaeng'",
            "kecamatan Eremerasa",
            "desa Kampala (Kecamatan Eremerasa)",
        )

    def test_ambiguous_name_asks_for_the_code(self) -> None:
        jepon = Region.kecamatan(
            "Jepon", "33.16.08", [Region.desa("Jepon", "33.16.08.1001"), Region.desa("Bacem")]
        )
        blora = Region.province("Jawa Tengah", "33", [Region.kabupaten("Blora", "33.16", [jepon])])
        with pytest.raises(InvalidReferenceError) as exc:
            area_cluster(region=blora, sectors=[ClusterSector("livestock", None, ("Jepon",))])
        assert_error(
            exc, InvalidReferenceError, "sectors[0].areas[0]", "names 2 places", "Kemendagri code"
        )
        by_code = area_cluster(
            region=blora, sectors=[ClusterSector("livestock", None, ("33.16.08.1001",))]
        )
        by_code.add_member(villager("M-1", "Jepon", "livestock"))
        with pytest.raises(ValidationError, match=OUTSIDE):
            by_code.add_member(villager("M-2", "Bacem", "livestock"))

    def test_desa_listed_or_its_kecamatan(self) -> None:
        c = area_cluster(sectors=sectors({"farming": ("Eremerasa", "Bonto Jai")}))
        for number, village in enumerate(
            ["Kampala", "pa'bentengang", "Bonto Jai", "73.03.03.2001"]
        ):
            c.add_member(villager(f"M-{number}", village, "farming"))
        assert c.areas.inside("farming", "Kampala")
        assert not c.areas.inside("farming", "Bonto Manai")
        assert not c.areas.inside("farming", "Nowhere")
        assert c.areas.area_of("farming") == "Eremerasa, Bonto Jai"


# -- members --------------------------------------------------------------------------------------
class TestMembers:
    def test_outside_is_refused_with_the_area_and_how(self) -> None:
        c = area_cluster()
        c.add_member(villager("M-1", "Lamalaka"))
        with pytest.raises(ValidationError) as exc:
            c.add_member(villager("M-2", "Kampala"))
        assert_error(
            exc,
            ValidationError,
            "members[1].village",
            "village 'Kampala' is outside the area of sector 'umkm' in cluster 'bantaeng' "
            "(Bantaeng, Bissappu)",
            "outside_area=reason",
            "AreaOverride('member', 'M-2', reason)",
        )
        assert c.members.ids() == ("M-1",)
        assert c.area_overrides == ()

    def test_each_member_against_its_own_sector(self) -> None:
        c = area_cluster()
        c.add_member(villager("M-1", "Rappoa", "livestock"))
        with pytest.raises(ValidationError, match=r"sector 'farming'.*\(Eremerasa\)"):
            c.add_member(villager("M-2", "Rappoa", "farming"))

    def test_constructor_refuses_like_the_api(self) -> None:
        with pytest.raises(ValidationError) as exc:
            area_cluster(members=[villager("M-1", "Lamalaka"), villager("M-2", "Baruga")])
        assert_error(exc, ValidationError, "members[1].village", OUTSIDE, "(Bantaeng, Bissappu)")

    def test_override_with_a_reason_keeps_it(self) -> None:
        c = area_cluster()
        c.add_member(villager("M-1", "Baruga"), outside_area="moved after the flood")
        decided = AreaOverride("member", "M-2", "family land", "manager", D(2012, 1, 5))
        c.add_member(villager("M-2", "Kampala"), outside_area=decided)
        assert c.area_override("member", "M-1") == AreaOverride(
            AreaRecord.MEMBER, "M-1", "moved after the flood"
        )
        assert c.area_override(AreaRecord.MEMBER, "M-2") == decided
        assert c.area_override("group", "M-1") is None
        # The same through the constructor (a document, the store).
        assert area_cluster(members=list(c.members), area_overrides=c.area_overrides) == c

    def test_override_needs_a_reason_and_the_right_record(self) -> None:
        c = area_cluster()
        with pytest.raises(ValidationError) as exc:
            c.add_member(villager("M-1", "Baruga"), outside_area="  ")
        assert_error(exc, ValidationError, "members[0].outside_area", "give the reason")
        with pytest.raises(ValidationError) as exc:
            c.add_member(villager("M-1", "Baruga"), outside_area=AreaOverride("member", "M-9", "x"))
        assert_error(exc, ValidationError, "members[0].outside_area", "not member 'M-1'")
        with pytest.raises(ValidationError) as exc:
            AreaOverride("member", "M-1", "")
        assert_error(exc, ValidationError, "reason")
        assert len(c.members) == 0
        assert c.area_overrides == ()

    def test_a_refused_add_keeps_no_override(self) -> None:
        c = area_cluster()
        c.add_member(villager("M-1", "Lamalaka"))
        with pytest.raises(DuplicateIdError):
            c.add_member(villager("M-1", "Baruga"), outside_area="why")
        with pytest.raises(InvalidReferenceError):  # not a desa at all: no override helps
            c.add_member(villager("M-2", "Jiken"), outside_area="why")
        assert c.area_overrides == ()
        c.add_member(villager("M-2", "Baruga"), outside_area="why")
        with pytest.raises(DuplicateIdError) as exc:
            c.replace_member(villager("M-2", "Rappoa"), outside_area="again")
        assert_error(exc, DuplicateIdError, "members[1].outside_area", "already has an override")

    def test_replace_member(self) -> None:
        c = area_cluster(members=[villager("M-1", "Lamalaka")])
        moved = villager("M-1", "Kampala")
        with pytest.raises(ValidationError) as exc:
            c.replace_member(moved)
        assert_error(exc, ValidationError, "members[0].village", OUTSIDE)
        assert c.members["M-1"].village == "Lamalaka"
        c.replace_member(moved, outside_area="kept in her group after moving")
        assert c.members["M-1"].village == "Kampala"
        assert c.area_override("member", "M-1") is not None

    def test_override_for_an_unknown_member_or_twice(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            area_cluster(area_overrides=[AreaOverride("member", "M-9", "why")])
        assert_error(exc, InvalidReferenceError, "area_overrides[0].record_id", "'M-9' is not in")
        twice = [AreaOverride("member", "M-1", "a"), AreaOverride("member", "M-1", "b")]
        with pytest.raises(DuplicateIdError) as twice_exc:
            area_cluster(members=[villager("M-1", "Lamalaka")], area_overrides=twice)
        assert_error(
            twice_exc, DuplicateIdError, "area_overrides[1].record_id", "area_overrides[0]"
        )
        with pytest.raises(ValidationError) as bad:
            area_cluster(area_overrides=["M-1"])
        assert_error(bad, ValidationError, "area_overrides[0]", "must be an AreaOverride")

    def test_the_fields_cannot_be_set(self) -> None:
        c = area_cluster()
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            c.area_overrides = ()


# -- groups ---------------------------------------------------------------------------------------
class TestGroups:
    def test_group_village(self) -> None:
        c = area_cluster(members=[villager("M-1", "Lamalaka")])
        c.add_group(meeting("G-1", "Letta", "M-1"))
        with pytest.raises(InvalidReferenceError) as exc:
            c.add_group(meeting("G-2", "Gaji", "M-1"))
        assert_error(exc, InvalidReferenceError, "groups[1].village", "not a desa", "Lamalaka")
        with pytest.raises(ValidationError) as outside:
            c.add_group(meeting("G-2", "Kampala", "M-1"))
        assert_error(
            outside, ValidationError, "groups[1].village", OUTSIDE, "AreaOverride('group', 'G-2'"
        )
        c.add_group(meeting("G-2", "Kampala", "M-1"), outside_area="meets at the market hall")
        assert c.area_override("group", "G-2") is not None
        c.add_group(meeting("G-3", None, "M-1"))  # no village: nothing to check

    def test_join_group_rechecks_with_the_override(self) -> None:
        c = area_cluster(members=[villager("M-1", "Lamalaka"), villager("M-2", "Letta")])
        c.add_group(meeting("G-1", "Baruga", "M-1"), outside_area="why")
        c.join_group("G-1", "M-2", D(2012, 1, 1))
        assert c.groups["G-1"].member_ids() == ("M-1", "M-2")

    def test_override_for_an_unknown_group(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            area_cluster(area_overrides=[AreaOverride("group", "G-9", "why")])
        assert_error(exc, InvalidReferenceError, "area_overrides[0].record_id", "group 'G-9'")


# -- activities -----------------------------------------------------------------------------------
class TestActivities:
    def test_add_activity(self) -> None:
        p = area_program(area_cluster())
        work = p.fieldwork
        work.add_activity(training("A-1", "Kampala"))
        with pytest.raises(ValidationError) as exc:
            work.add_activity(training("A-2", "Lamalaka"))
        assert_error(
            exc,
            ValidationError,
            "fieldwork.activities[1].village",
            "outside the area of sector 'farming' in cluster 'bantaeng' (Eremerasa)",
            "AreaOverride('activity', 'A-2', reason)",
        )
        with pytest.raises(ValidationError):
            work.check_activity(training("A-2", "Lamalaka"))
        work.add_activity(training("A-2", "Lamalaka"), outside_area="the only hall with power")
        assert p.clusters["bantaeng"].area_override("activity", "A-2") is not None
        work.add_activity(training("A-3", "Lamalaka", sector=None))  # no sector: any desa

    def test_a_refused_activity_keeps_no_override(self) -> None:
        p = area_program(area_cluster())
        with pytest.raises(KlasterError):
            p.fieldwork.add_activity(
                attrs.evolve(training("A-1", "Lamalaka"), kind="no-such-kind"), outside_area="x"
            )
        assert p.clusters["bantaeng"].area_overrides == ()
        outside = attrs.evolve(training("A-1", "Lamalaka"), cluster_id=None, village=None)
        with pytest.raises(ValidationError) as exc:
            p.fieldwork.add_activity(outside, outside_area="x")
        assert_error(
            exc, ValidationError, "fieldwork.activities[0].outside_area", "without a cluster"
        )

    def test_update_and_hold(self) -> None:
        p = area_program(area_cluster())
        work = p.fieldwork
        work.add_activity(training("A-1", "Kampala"))
        moved = attrs.evolve(work.activities["A-1"], village="Rappoa")
        with pytest.raises(ValidationError) as exc:
            work.update_activity(moved)
        assert_error(exc, ValidationError, "fieldwork.activities[0].village", OUTSIDE)
        work.update_activity(moved, outside_area="moved to the livestock hall")
        with pytest.raises(DuplicateIdError) as again:  # hold checks (and records) too
            work.hold("A-1", D(2012, 3, 2), outside_area="again")
        assert_error(again, DuplicateIdError, "fieldwork.activities[0].outside_area", "already")
        held = work.hold("A-1", D(2012, 3, 2))
        assert held.village == "Rappoa"
        work.add_activity(training("A-2", "Kampala"))
        with pytest.raises(ValidationError):
            work.update_activity(attrs.evolve(work.activities["A-2"], village="Rappoa"))
        # hold with an override, for an activity planned inside and held outside
        work.update_activity(
            attrs.evolve(work.activities["A-2"], village="Rappoa"), outside_area="y"
        )
        assert work.activities["A-2"].village == "Rappoa"

    def test_program_document_path(self) -> None:
        cluster = area_cluster()
        with pytest.raises(ValidationError) as exc:
            area_program(cluster, activities=(training("A-1", "Lamalaka"),))
        assert_error(exc, ValidationError, "fieldwork.activities[0].village", OUTSIDE)
        kept = area_cluster(area_overrides=[AreaOverride("activity", "A-1", "why")])
        area_program(kept, activities=(training("A-1", "Lamalaka"),))

    def test_override_for_an_unknown_activity(self) -> None:
        kept = area_cluster(area_overrides=[AreaOverride("activity", "A-9", "why")])
        with pytest.raises(InvalidReferenceError) as exc:
            area_program(kept, activities=(training("A-1", "Kampala"),))
        assert_error(exc, InvalidReferenceError, "clusters[0].area_overrides[0].record_id", "'A-9'")


def test_areas_cover_the_bantaeng_report() -> None:
    c = area_cluster()
    assert {code: c.areas.area_of(code) for code in AREAS} == {
        "umkm": "Bantaeng, Bissappu",
        "farming": "Eremerasa",
        "livestock": "73.03.05",
    }
    assert len(bantaeng().villages()) == 8
