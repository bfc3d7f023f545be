"""The klaster.testing strategies draw valid models that rebuild from their parts."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import (
    Cluster,
    Lifecycle,
    Member,
    Program,
    Region,
    RegionLevel,
    RegionStat,
)
from klaster.testing import strategies as kst


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
