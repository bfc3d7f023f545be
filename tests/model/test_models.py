"""The core records and their validators: every bad input named in issue 2 gets a located error."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster
from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    DuplicateIdError,
    Group,
    InvalidReferenceError,
    KlasterError,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    NotFoundError,
    Organisation,
    Program,
    Records,
    Region,
    RegionLevel,
    RegionStat,
    Stakeholder,
    StatKind,
    ValidationError,
)
from klaster.testing import strategies as kst

D = dt.date
# Personal data that must never show up in a message or a repr.
NAME = "Sitti Nurhayati Daeng Bau"
NIK = "7303014107800001"
PHONE = "+62 813 9876 5432"


def member(member_id: str = "M-1", **changes: Any) -> Member:
    fields: dict[str, Any] = {
        "id": member_id,
        "name": NAME,
        "sex": "female",
        "household_size": 4,
        "village": "Gaji",
        "sector": "umkm",
        "joined": D(2011, 6, 1),
        "national_id": NIK,
        "phone": PHONE,
    }
    fields.update(changes)
    return Member(**fields)


def tuban() -> Region:
    """Jawa Timur > Tuban > Kerek (35.23.08) with two desa; Gaji has a code."""
    kerek = Region.kecamatan(
        "Kerek", "35.23.08", [Region.desa("Gaji", "35.23.08.2001"), Region.desa("Hargoretno")]
    )
    return Region.province("Jawa Timur", "35", [Region.kabupaten("Tuban", "35.23", [kerek])])


def cluster(cluster_id: str = "tuban", **changes: Any) -> Cluster:
    fields: dict[str, Any] = {
        "id": cluster_id,
        "name": "Klaster Mandiri Tuban",
        "region": tuban(),
        "sectors": [ClusterSector("umkm", "mm"), ClusterSector("livestock", "ktn")],
    }
    fields.update(changes)
    return Cluster(**fields)


def group(group_id: str = "G-1", *member_ids: str, sector: str = "umkm") -> Group:
    return Group(
        id=group_id,
        name="Kelompok Mawar",
        sector=sector,
        formed=D(2011, 7, 1),
        memberships=[Membership(m, D(2011, 7, 1)) for m in member_ids],
    )


def organisations() -> list[Organisation]:
    return [
        Organisation("dd", "Dompet Dhuafa", "ngo"),
        Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
        Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        Organisation("bupati", "Bupati Tuban", "government"),
    ]


def program(*clusters: Cluster) -> Program:
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=organisations(),
        clusters=clusters,
    )


def assert_error(
    exc: pytest.ExceptionInfo[KlasterError],
    cls: type[KlasterError],
    path: str | None,
    *fragments: str,
) -> None:
    """The error is a ``cls`` at ``path``, says every fragment and leaks no personal data."""
    err = exc.value
    assert type(err) is cls
    assert isinstance(err, KlasterError)
    assert err.path == path
    text = str(err)
    if path is not None:
        assert text.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    for secret in (NAME, NIK, PHONE):
        assert secret not in text


# -- the strategies themselves --------------------------------------------------------------------
class TestStrategies:
    @settings(max_examples=25, deadline=None)
    @given(kst.programs(max_clusters=3))
    def test_programs_rebuild_from_their_parts(self, program_: Program) -> None:
        # Building again from the same records runs every check once more: nothing may fail.
        for c in program_.clusters:
            fields = {a.name: getattr(c, a.name) for a in attrs.fields(Cluster) if a.init}
            fields["members"] = list(c.members)
            fields["groups"] = list(c.groups)
            fields["cooperatives"] = list(c.cooperatives)
            fields["lifecycle"] = Lifecycle(c.lifecycle.history)
            assert Cluster(**fields) == c
        again = Program(
            id=program_.id,
            name=program_.name,
            organisation_id=program_.organisation_id,
            organisations=list(program_.organisations),
            clusters=list(program_.clusters),
            note=program_.note,
        )
        assert again == program_

    @settings(max_examples=25, deadline=None)
    @given(kst.programs(max_clusters=3, max_members=5))
    def test_program_ids_unique_and_references_resolve(self, program_: Program) -> None:
        for kind in ("members", "groups", "cooperatives"):
            found = [r.id for c in program_.clusters for r in getattr(c, kind)]
            assert len(found) == len(set(found))
        org_ids = set(program_.organisations.ids())
        assert program_.organisation_id in org_ids
        for c in program_.clusters:
            assert {s.partner_id for s in c.sectors} <= org_ids | {None}
            assert {h.organisation_id for h in c.stakeholders} <= org_ids
            for m in c.members:
                assert m.sector in c.sector_codes
            for g in c.groups:
                assert {c.members[i].sector for i in g.member_ids()} <= {g.sector}

    @settings(max_examples=40, deadline=None)
    @given(kst.regions(codes=True))
    def test_region_codes_nest(self, region: Region) -> None:
        def check(parent: Region) -> None:
            assert parent.code is not None
            for child in parent.children:
                assert child.code is not None
                assert child.code.startswith(parent.code + ".")
                check(child)

        check(region)
        assert region.level is RegionLevel.PROVINCE
        names = [r.name.casefold() for r in region.walk()]
        assert len(names) == len(set(names))
        assert region.villages(), "min_children=1 reaches desa on every branch"

    @settings(max_examples=40, deadline=None)
    @given(kst.regions("kecamatan", codes=None, min_children=0))
    def test_regions_from_any_level(self, region: Region) -> None:
        assert region.level is RegionLevel.KECAMATAN
        assert all(r.level is RegionLevel.DESA for r in region.children)

    @settings(max_examples=60, deadline=None)
    @given(kst.region_stats())
    def test_region_stats_agree(self, stat: RegionStat) -> None:
        if stat.poor is not None and stat.population is not None:
            assert stat.poor <= stat.population
        assert attrs.evolve(stat) == stat

    @settings(max_examples=40, deadline=None)
    @given(st.data())
    def test_record_strategies_build_valid_records(self, data: st.DataObject) -> None:
        for strategy in (
            kst.members(),
            kst.memberships(),
            kst.groups(),
            kst.cooperatives(),
            kst.legal_statuses(),
            kst.organisations(),
            kst.phase_changes(),
            kst.check_results(),
            kst.overrides(),
            kst.cluster_sectors(partner_ids=["dd"]),
            kst.stakeholders(organisation_ids=["dd"]),
        ):
            record: Any = data.draw(strategy)
            assert attrs.evolve(record) == record  # runs every validator again

    @settings(max_examples=40, deadline=None)
    @given(kst.clusters(sectors=["livestock"], max_sectors=1, organisation_ids=["ktn"]))
    def test_clusters_take_their_context(self, c: Cluster) -> None:
        assert c.sector_codes == ("livestock",)
        assert all(s.partner_id in (None, "ktn") for s in c.sectors)

    @settings(max_examples=15, deadline=None)
    @given(kst.programs(sectors=["seaweed"], max_clusters=2))
    def test_programs_in_a_plugin_sector(self, program_: Program) -> None:
        for c in program_.clusters:
            assert c.sector_codes == ("seaweed",)
            assert {m.sector for m in c.members} <= {"seaweed"}

    def test_village_keys_avoid_ambiguous_names(self) -> None:
        region = Region.province(
            "Jawa Timur",
            "35",
            [
                Region.kabupaten(
                    "Tuban",
                    "35.23",
                    [
                        Region.kecamatan(
                            "Kerek", None, [Region.desa("Sumber"), Region.desa("Gaji")]
                        ),
                        Region.kecamatan("Jenu", None, [Region.desa("sumber", "35.23.12.2001")]),
                    ],
                )
            ],
        )
        assert kst.village_keys(region) == ["Gaji", "35.23.12.2001"]

    def test_members_in_given_villages(self) -> None:
        @settings(max_examples=20, deadline=None)
        @given(kst.members(sectors=["farming"], villages=["Gaji", "35.23.08.2001"]))
        def check(m: Member) -> None:
            assert m.sector == "farming"
            assert m.village in ("Gaji", "35.23.08.2001")
            if m.left is not None:
                assert m.left >= m.joined

        check()

    @pytest.mark.parametrize(
        "make",
        [
            lambda: kst.clusters(max_sectors=0),
            lambda: kst.clusters(sectors=[]),
            lambda: kst.programs(max_organisations=0),
            lambda: kst.regions(min_children=3, max_children=2),
            lambda: kst.lifecycles(min_moves=4, max_moves=1),
            lambda: kst.cooperatives(sectors=[]),
            lambda: kst.groups(max_members=-1),
        ],
    )
    def test_bad_parameters_are_refused_early(self, make: Any) -> None:
        with pytest.raises(ValueError, match=r"at least|exceeds|one sector"):
            make()


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


# -- clusters -------------------------------------------------------------------------------------
class TestCluster:
    def test_members_groups_cooperatives(self) -> None:
        c = cluster()
        c.add_members([member("M-1"), member("M-2", village="35.23.08.2001", sector="livestock")])
        c.add_group(group("G-1", "M-1"))
        c.add_cooperative(Cooperative("irman", "IRMAN", ["umkm"], ["M-1", "M-2"]))
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


# -- programs -------------------------------------------------------------------------------------
class TestProgram:
    def test_duplicate_member_across_clusters(self) -> None:
        tuban_ = cluster("tuban", members=[member("M-1")])
        blora = cluster("blora", members=[member("M-2"), member("M-1")])
        with pytest.raises(DuplicateIdError) as exc:
            program(tuban_, blora)
        assert_error(
            exc,
            DuplicateIdError,
            "clusters[1].members[1].id",
            "'M-1'",
            "clusters[0] ('tuban')",
            "unique in the program",
        )

    @pytest.mark.parametrize("kind", ["groups", "cooperatives"])
    def test_duplicate_group_or_cooperative_across_clusters(self, kind: str) -> None:
        def records() -> dict[str, Any]:
            if kind == "groups":
                return {"groups": [group("X-1")]}
            return {"cooperatives": [Cooperative("X-1", "Koperasi", ["umkm"])]}

        p = program(cluster("tuban", **records()))
        with pytest.raises(DuplicateIdError) as exc:
            p.add_cluster(cluster("blora", **records()))
        assert_error(exc, DuplicateIdError, f"clusters[1].{kind}[0].id", "'X-1'")
        assert p.clusters.ids() == ("tuban",)  # a refused cluster is not kept

    def test_duplicate_cluster_id(self) -> None:
        p = program(cluster("tuban"))
        with pytest.raises(DuplicateIdError) as exc:
            p.add_cluster(cluster("tuban"))
        assert_error(exc, DuplicateIdError, "clusters[1].id", "'tuban'")
        with pytest.raises(DuplicateIdError) as exc:
            program(cluster("tuban"), cluster("tuban"))
        assert_error(exc, DuplicateIdError, "clusters[1].id", "'tuban'")

    def test_same_id_in_different_kinds_is_fine(self) -> None:
        c = cluster(members=[member("X")], groups=[group("X", "X")])
        c.add_cooperative(Cooperative("X", "Koperasi X", ["umkm"], ["X"]))
        built = program(c)
        assert built.clusters[c.id].cooperatives["X"].member_ids == ("X",)
        assert built.clusters[c.id].groups["X"].member_ids() == ("X",)

    def test_duplicate_added_later_is_caught_before_writing(self) -> None:
        # A cluster does not know its program: dumps() validates the whole program first.
        tuban_, blora = cluster("tuban", members=[member("M-1")]), cluster("blora")
        p = program(tuban_, blora)
        blora.add_member(member("M-1"))
        with pytest.raises(DuplicateIdError) as exc:
            klaster.dumps(p)
        assert_error(exc, DuplicateIdError, "clusters[1].members[0].id", "'M-1'")

    def test_running_organisation_must_be_listed(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            Program(id="km", name="Klaster Mandiri", organisation_id="dd")
        assert_error(exc, InvalidReferenceError, "organisation_id", "'dd'", "organisations")

    def test_unknown_partner_and_stakeholder(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            program(cluster(sectors=[ClusterSector("umkm", "pertanian-sehat")]))
        assert_error(
            exc,
            InvalidReferenceError,
            "clusters[0].sectors[0].partner_id",
            "'pertanian-sehat'",
            "known: dd, mm, ktn, bupati",
        )
        with pytest.raises(InvalidReferenceError) as exc:
            program(cluster(stakeholders=[Stakeholder("bappeda", "opening workshop")]))
        assert_error(
            exc, InvalidReferenceError, "clusters[0].stakeholders[0].organisation_id", "'bappeda'"
        )

    def test_duplicate_organisation(self) -> None:
        with pytest.raises(DuplicateIdError) as exc:
            Program("km", "KM", "dd", [Organisation("dd", "DD", "ngo")] * 2)
        assert_error(exc, DuplicateIdError, "organisations[1].id", "'dd'")
        p = program()
        with pytest.raises(DuplicateIdError) as exc:
            p.add_organisation(Organisation("mm", "Another", "funder"))
        assert_error(exc, DuplicateIdError, "organisations[4].id", "'mm'")

    def test_queries(self) -> None:
        p = program(cluster("tuban", members=[member("M-1")]), cluster("blora"))
        assert [m.id for m in p.members()] == ["M-1"]
        found = p.cluster_of_member("M-1")
        assert found is not None
        assert found.id == "tuban"
        assert p.cluster_of_member("M-2") is None


# -- the error hierarchy --------------------------------------------------------------------------
class TestErrors:
    @pytest.mark.parametrize(
        "cls",
        [
            klaster.ValidationError,
            klaster.DuplicateIdError,
            klaster.InvalidReferenceError,
            klaster.NotFoundError,
            klaster.DocumentError,
            klaster.SchemaVersionError,
            klaster.LifecycleError,
            klaster.ReadinessError,
            klaster.PluginError,
        ],
    )
    def test_every_error_is_a_klaster_error_and_pickles(self, cls: type[KlasterError]) -> None:
        assert issubclass(cls, KlasterError)
        err = cls("something is wrong", path="clusters[0]")
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is cls
        assert (again.message, again.path, str(again)) == (err.message, err.path, str(err))

    def test_at_prefixes_the_path_and_keeps_details(self) -> None:
        err = klaster.ReadinessError("failed", path="history[2]", failures=["x"])
        moved = err.at("clusters[1].lifecycle")
        assert type(moved) is klaster.ReadinessError
        assert moved.path == "clusters[1].lifecycle.history[2]"
        assert moved.failures == ("x",)
        assert str(moved) == "clusters[1].lifecycle.history[2]: failed"
        assert klaster.ValidationError("bad").at("members[0]").path == "members[0]"

    def test_document_error_lists_problems(self) -> None:
        err = klaster.DocumentError("invalid", problems=["a: one", "b: two"])
        assert err.problems == ("a: one", "b: two")
        assert str(err) == "invalid\n  - a: one\n  - b: two"

    def test_standard_library_bases(self) -> None:
        assert issubclass(klaster.ValidationError, ValueError)
        assert issubclass(klaster.NotFoundError, LookupError)
        assert issubclass(klaster.DocumentError, ValueError)
        assert issubclass(klaster.LifecycleError, ValueError)
