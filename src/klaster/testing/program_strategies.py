"""Strategies for consistent clusters and whole programs, built from the other strategies.

Members live in desa of the cluster's region and work in its sectors, groups and cooperatives
list members of their own cluster, IDs are unique program-wide and every partner and stakeholder
names a listed organisation.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hypothesis import strategies as st

from klaster.errors import KlasterError
from klaster.model.cluster import Cluster
from klaster.model.lifecycle import Lifecycle
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector
from klaster.model.program import Program
from klaster.model.region import Region, RegionLevel
from klaster.model.sector_areas import AreaOverride, SectorAreas
from klaster.testing._drawing import MIN_DATE, PLACE_NAME, check_size
from klaster.testing._people import cooperative_records, group_records, member_records
from klaster.testing.basic_strategies import DEFAULT_SECTORS, ids, texts
from klaster.testing.lifecycle_strategies import lifecycles
from klaster.testing.organisation_strategies import organisations, stakeholders
from klaster.testing.region_strategies import regions, village_keys

__all__ = ["clusters", "programs"]


@st.composite
def _clusters(
    draw: st.DrawFn,
    avoid_ids: Collection[str],
    organisation_ids: Sequence[str],
    sectors: Sequence[str] | None,
    max_sectors: int,
    max_members: int,
    max_groups: int,
    max_cooperatives: int,
    region: st.SearchStrategy[Region] | None,
    with_areas: bool = False,
) -> Cluster:
    taken = set(avoid_ids)
    fresh = ids().filter(lambda s: s not in taken)

    def new_id() -> str:
        value = draw(fresh)
        taken.add(value)
        return value

    cluster_id = new_id()
    pool = list(sectors) if sectors is not None else list(DEFAULT_SECTORS)
    codes_ = draw(
        st.lists(
            st.sampled_from(pool), min_size=1, max_size=min(max_sectors, len(pool)), unique=True
        )
    )
    partners = (
        st.none() | st.sampled_from(list(organisation_ids)) if organisation_ids else st.none()
    )
    cluster_sectors_ = [ClusterSector(code, draw(partners)) for code in codes_]
    tree = draw(region if region is not None else regions())
    places = _area_keys(tree) if with_areas else []
    if places:  # each sector works in a few kecamatan or desa, or (no areas) everywhere
        areas = st.lists(st.sampled_from(places), max_size=2, unique_by=str.casefold)
        cluster_sectors_ = [
            ClusterSector(s.sector, s.partner_id, draw(areas)) for s in cluster_sectors_
        ]
    keys = village_keys(tree)
    villages = st.sampled_from(keys) if keys else PLACE_NAME

    people: list[Member] = []
    for _ in range(draw(st.integers(0, max_members))):
        people.append(
            draw(member_records(st.just(new_id()), st.sampled_from(codes_), villages, MIN_DATE))
        )
    kelompok = [
        draw(
            group_records(st.just(new_id()), st.sampled_from(codes_), people, max_members, MIN_DATE)
        )
        for _ in range(draw(st.integers(0, max_groups)))
    ]
    koperasi = [
        draw(
            cooperative_records(
                st.just(new_id()),
                codes_,
                [m.id for m in people],
                max_members,
                {m.id: m.sector for m in people},
            )
        )
        for _ in range(draw(st.integers(0, max_cooperatives)))
    ]
    holders = (
        draw(st.lists(stakeholders(organisation_ids=organisation_ids), max_size=2))
        if organisation_ids
        else []
    )
    index = SectorAreas(cluster_id, tree, cluster_sectors_)
    outside = [  # members drawn outside their sector's area stay there by an override
        AreaOverride("member", m.id, "drawn outside its area")
        for m in people
        if not index.inside(m.sector, m.village)
    ]
    return Cluster(
        id=cluster_id,
        name=draw(texts()),
        region=tree,
        sectors=cluster_sectors_,
        area_overrides=outside,
        lifecycle=draw(st.builds(Lifecycle) | lifecycles()),
        members=people,
        groups=kelompok,
        cooperatives=koperasi,
        stakeholders=holders,
        note=draw(st.none() | texts()),
    )


def clusters(
    *,
    avoid_ids: Collection[str] = (),
    organisation_ids: Sequence[str] = (),
    sectors: Sequence[str] | None = None,
    max_sectors: int = 2,
    max_members: int = 6,
    max_groups: int = 3,
    max_cooperatives: int = 2,
    region: st.SearchStrategy[Region] | None = None,
    with_areas: bool = False,
) -> st.SearchStrategy[Cluster]:
    """Consistent clusters: region, sectors, members, groups, cooperatives and a lifecycle.

    Members live in desa of the cluster's region and work in its sectors; groups list members of
    the cluster in their own sector (with leaving and rejoining); cooperatives list members of the
    cluster and serve its sectors. The lifecycle is empty or a history of legal moves.

    Args:
        avoid_ids: IDs the cluster and its records must not use (taken elsewhere in a program).
        organisation_ids: IDs of organisations partners and stakeholders may name; with none,
            no partner or stakeholder is named.
        sectors: Sector codes to choose the cluster's sectors from (default
            :data:`DEFAULT_SECTORS`).
        max_sectors: Most sectors.
        max_members: Most members (also the most members of one group or cooperative).
        max_groups: Most groups.
        max_cooperatives: Most cooperatives.
        region: Strategy for the province tree (default :func:`regions`).
        with_areas: Give the sectors areas (kecamatan or desa of the region, or none); members
            drawn outside their sector's area get an ``AreaOverride``.

    Returns:
        A strategy of valid :class:`~klaster.Cluster` objects.
    """
    check_size(
        max_sectors=max_sectors,
        max_members=max_members,
        max_groups=max_groups,
        max_cooperatives=max_cooperatives,
    )
    if max_sectors < 1:
        raise ValueError("a cluster works in at least one sector: max_sectors must be 1 or more")
    if sectors is not None and not sectors:
        raise ValueError("give at least one sector code, or None for the default ones")
    return _clusters(
        avoid_ids,
        organisation_ids,
        sectors,
        max_sectors,
        max_members,
        max_groups,
        max_cooperatives,
        region,
        with_areas,
    )


@st.composite
def _programs(
    draw: st.DrawFn,
    max_clusters: int,
    max_organisations: int,
    sectors: Sequence[str] | None,
    max_members: int,
    max_groups: int,
    max_cooperatives: int,
    with_areas: bool = False,
) -> Program:
    parties = draw(
        st.lists(organisations(), min_size=1, max_size=max_organisations, unique_by=lambda o: o.id)
    )
    party_ids = [o.id for o in parties]
    taken: set[str] = set()
    found: list[Cluster] = []
    for _ in range(draw(st.integers(0, max_clusters))):
        cluster = draw(
            clusters(
                avoid_ids=frozenset(taken),
                organisation_ids=party_ids,
                sectors=sectors,
                max_members=max_members,
                max_groups=max_groups,
                max_cooperatives=max_cooperatives,
                with_areas=with_areas,
            )
        )
        taken.add(cluster.id)
        for kind in (cluster.members, cluster.groups, cluster.cooperatives):
            taken.update(kind.ids())
        found.append(cluster)
    return Program(
        id=draw(ids()),
        name=draw(texts()),
        organisation_id=draw(st.sampled_from(party_ids)),
        organisations=parties,
        clusters=found,
        note=draw(st.none() | texts()),
    )


def programs(
    *,
    max_clusters: int = 2,
    max_organisations: int = 3,
    sectors: Sequence[str] | None = None,
    max_members: int = 4,
    max_groups: int = 2,
    max_cooperatives: int = 1,
    with_areas: bool = False,
) -> st.SearchStrategy[Program]:
    """Whole programs: organisations and consistent clusters with program-wide unique IDs.

    Every partner, stakeholder and the running organisation refer to a listed organisation.

    Args:
        max_clusters: Most clusters (0 is possible).
        max_organisations: Most organisations (at least one: the running one).
        sectors: Sector codes the clusters choose theirs from (default :data:`DEFAULT_SECTORS`);
            a sector plugin passes its own.
        max_members: Most members per cluster.
        max_groups: Most groups per cluster.
        max_cooperatives: Most cooperatives per cluster.
        with_areas: Give the clusters' sectors areas (see :func:`clusters`).

    Returns:
        A strategy of valid :class:`~klaster.Program` objects, ready for :func:`klaster.dumps`.
    """
    check_size(
        max_clusters=max_clusters,
        max_members=max_members,
        max_groups=max_groups,
        max_cooperatives=max_cooperatives,
    )
    if max_organisations < 1:
        raise ValueError(
            "a program lists at least its running organisation: max_organisations >= 1"
        )
    if sectors is not None and not sectors:
        raise ValueError("give at least one sector code, or None for the default ones")
    return _programs(
        max_clusters,
        max_organisations,
        sectors,
        max_members,
        max_groups,
        max_cooperatives,
        with_areas,
    )


def _area_keys(tree: Region) -> list[str]:
    # Names and codes of the region's kecamatan and desa that name one place each.
    found = []
    for place in (*tree.at_level(RegionLevel.KECAMATAN), *tree.villages()):
        for key in (place.name, place.code):
            try:
                if key is not None:
                    SectorAreas("c", tree, [ClusterSector("s", None, (key,))])
                    found.append(key)
            except KlasterError:
                continue
    return found
