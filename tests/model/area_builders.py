"""Shared by the sector-area tests: Bantaeng with its sectors' areas, as the 2011 report has them.

UMKM in Kecamatan Bantaeng and Bissappu, farming in Eremerasa, livestock in Pajukukang (the
workshop report of July 2011); desa names as commonly listed, a few with codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st
from tests.model.builders import member, organisations

from klaster import (
    Activity,
    Cluster,
    ClusterSector,
    Fieldwork,
    Group,
    Member,
    Membership,
    Program,
    Region,
)

D = dt.date
KECAMATAN = {
    ("Bissappu", "73.03.01"): [("Bonto Manai", "73.03.01.2001"), ("Bonto Jai", None)],
    ("Bantaeng", "73.03.02"): [("Lamalaka", "73.03.02.1001"), ("Letta", None)],
    ("Eremerasa", "73.03.03"): [("Kampala", "73.03.03.2001"), ("Pa'bentengang", None)],
    ("Pajukukang", "73.03.05"): [("Rappoa", "73.03.05.2001"), ("Baruga", None)],
}
AREAS = {"umkm": ("Bantaeng", "Bissappu"), "farming": ("Eremerasa",), "livestock": ("73.03.05",)}


def bantaeng() -> Region:
    """Sulawesi Selatan > Bantaeng > four kecamatan of two desa each."""
    kecamatan = [
        Region.kecamatan(name, code, [Region.desa(d, c) for d, c in desa])
        for (name, code), desa in KECAMATAN.items()
    ]
    return Region.province(
        "Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03", kecamatan)]
    )


def sectors(areas: dict[str, tuple[str, ...]] | None = None) -> list[ClusterSector]:
    chosen = AREAS if areas is None else areas
    partner = {"umkm": "mm", "farming": None, "livestock": "ktn"}
    return [ClusterSector(code, partner[code], chosen.get(code, ())) for code in AREAS]


def area_cluster(**changes: Any) -> Cluster:
    fields: dict[str, Any] = {
        "id": "bantaeng",
        "name": "Klaster Mandiri Bantaeng",
        "region": bantaeng(),
        "sectors": sectors(),
    }
    fields.update(changes)
    return Cluster(**fields)


def area_program(*clusters: Cluster, activities: tuple[Activity, ...] = ()) -> Program:
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=organisations(),
        clusters=clusters,
        fieldwork=Fieldwork(activities=activities),
    )


def villager(member_id: str, village: str, sector: str = "umkm", **changes: Any) -> Member:
    if sector == "umkm":  # the UMKM plugin asks for one
        changes.setdefault("business_type", "trading")
    return member(member_id, village=village, sector=sector, **changes)


def meeting(group_id: str, village: str | None, *member_ids: str, sector: str = "umkm") -> Group:
    return Group(
        id=group_id,
        name="Kelompok Mawar",
        sector=sector,
        formed=D(2011, 7, 1),
        memberships=[Membership(m, D(2011, 7, 1)) for m in member_ids],
        village=village,
    )


def training(activity_id: str, village: str | None, sector: str | None = "farming") -> Activity:
    return Activity(
        activity_id,
        "training",
        "Pelatihan budidaya",
        "planned",
        cluster_id="bantaeng",
        planned_on=D(2012, 3, 1),
        sector=sector,
        village=village,
    )


ALL_DESA = [d for desa in KECAMATAN.values() for d, _ in desa]
PLACES = [name for name, _ in KECAMATAN] + [code for _, code in KECAMATAN] + ALL_DESA


@st.composite
def area_programs(draw: st.DrawFn) -> Program:
    """A Bantaeng program with random sector areas, members, groups and activities in them.

    Records outside their sector's area carry an override with a reason, so every draw is valid.
    """
    areas = {
        code: tuple(draw(st.lists(st.sampled_from(PLACES), max_size=3, unique=True)))
        for code in AREAS
    }
    # A kecamatan named by name and by code is the same area listed twice in spirit only: fine.
    cluster = area_cluster(sectors=sectors(areas))
    reasons = st.text(alphabet="abcdefghij -", min_size=1, max_size=12).filter(str.strip)
    for number in range(draw(st.integers(0, 6))):
        code = draw(st.sampled_from(list(AREAS)))
        village = draw(st.sampled_from(ALL_DESA))
        person = villager(f"M-{number}", village, code)
        inside = cluster.areas.inside(code, village)
        cluster.add_member(person, outside_area=None if inside else draw(reasons))
    for number in range(draw(st.integers(0, 2))):
        meets = draw(st.none() | st.sampled_from(ALL_DESA))
        inside = meets is None or cluster.areas.inside("umkm", meets)
        cluster.add_group(
            meeting(f"G-{number}", meets), outside_area=None if inside else draw(reasons)
        )
    program = area_program(cluster)
    for number in range(draw(st.integers(0, 2))):
        village = draw(st.sampled_from(ALL_DESA))
        inside = cluster.areas.inside("farming", village)
        program.fieldwork.add_activity(
            training(f"A-{number}", village), outside_area=None if inside else draw(reasons)
        )
    return program
