"""Builders shared by the observations tests: a small program, its catalogue, rounds, stores.

Two clusters (``btg`` with six members in two sectors, ``blr`` with one), the core variables
plus a few sector variables, three rounds, and hypothesis strategies for valid rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
)
from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.label import Label
from klaster.observations.core_variables import CORE_SECTOR, core_variables
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.values import Observations

D = dt.date
JOINED = D(2011, 1, 1)


# -- a small program: two clusters, two sectors -----------------------------------------------


def _member(member_id: str, sector: str) -> Member:
    return Member(
        id=member_id,
        name="Nama Rahasia",
        sex="female",
        household_size=4,
        village="Bonto Jai",
        sector=sector,
        joined=JOINED,
    )


def _cluster(cluster_id: str, members: list[Member], group: str, coop: str) -> Cluster:
    region = Region.province("Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03")])
    return Cluster(
        id=cluster_id,
        name=f"Klaster {cluster_id}",
        region=region,
        sectors=[ClusterSector("umkm", "dd"), ClusterSector("livestock", "dd")],
        members=members,
        groups=[
            Group(
                id=group,
                name="Kelompok",
                sector="umkm",
                formed=JOINED,
                memberships=[Membership(members[0].id, JOINED)],
            )
        ],
        cooperatives=[Cooperative(id=coop, name="Koperasi", sectors=["umkm", "livestock"])],
    )


def make_program() -> Program:
    btg = [_member(f"M-{i}", "umkm") for i in range(1, 5)] + [
        _member(f"L-{i}", "livestock") for i in range(1, 3)
    ]
    blr = [_member("B-1", "umkm")]
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[_cluster("btg", btg, "G-1", "K-1"), _cluster("blr", blr, "G-9", "K-9")],
    )


PROGRAM = make_program()
BTG_MEMBERS = ("M-1", "M-2", "M-3", "M-4", "L-1", "L-2")

SECTOR_VARIABLES = (
    Variable(
        "species",
        "livestock",
        Level.MEMBER,
        ValueType.CATEGORY,
        Label("Jenis ternak", "Species"),
        categories=[
            Category("goat", Label("Kambing", "Goat")),
            Category("sheep", Label("Domba", "Sheep")),
        ],
    ),
    Variable(
        "herd_start",
        "livestock",
        Level.MEMBER,
        ValueType.INTEGER,
        Label("Ternak awal", "Herd at start"),
        unit="head",
        minimum=0,
        maximum=1000,
        required=True,
    ),
    Variable(
        "last_vaccination",
        "livestock",
        Level.MEMBER,
        ValueType.DATE,
        Label("Vaksinasi terakhir", "Last vaccination"),
    ),
    Variable(
        "shop_note",
        "umkm",
        Level.MEMBER,
        ValueType.TEXT,
        Label("Catatan usaha", "Business note"),
    ),
    Variable(
        "district_budget",
        CORE_SECTOR,
        Level.CLUSTER,
        ValueType.DECIMAL,
        Label("Anggaran daerah", "District budget"),
        unit="IDR",
        minimum=0,
    ),
)
CATALOGUE: dict[str, Variable] = {**core_variables(), **{v.code: v for v in SECTOR_VARIABLES}}


def rounds() -> list[Round]:
    return [
        Round("btg-bl", "btg", RoundKind.BASELINE, D(2011, 2, 1)),
        Round("btg-el", "btg", RoundKind.ENDLINE, D(2013, 11, 1)),
        Round("blr-bl", "blr", RoundKind.BASELINE, D(2012, 3, 1)),
    ]


def new_store() -> Observations:
    obs = Observations(PROGRAM, CATALOGUE)
    for rnd in rounds():
        obs.add_round(rnd)
    return obs


def snapshot(obs: Observations) -> dict[tuple[str, Level], Any]:
    """Everything a reader can see, as plain data."""
    seen: dict[tuple[str, Level], Any] = {}
    for rnd in obs.rounds():
        for level in Level:
            units = obs.units(rnd.id, level)
            columns = {code: col.to_list() for code, col in obs.columns(rnd.id, level).items()}
            seen[(rnd.id, level)] = (units, columns)
    return seen


GOOD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "monthly_income": st.one_of(
        st.none(),
        st.decimals(min_value=0, max_value=10**9, places=2),
        st.integers(0, 10**9),
    ),
    "household_size": st.one_of(st.none(), st.integers(1, 50)),
    "cibest_prayer": st.one_of(st.none(), st.integers(1, 5)),
}


@st.composite
def good_rows(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    units = draw(st.lists(st.sampled_from(BTG_MEMBERS), unique=True, max_size=4))
    rows = []
    for unit in units:
        codes = draw(st.lists(st.sampled_from(sorted(GOOD_VALUES)), unique=True, min_size=1))
        rows.append((unit, {code: draw(GOOD_VALUES[code]) for code in codes}))
    return rows
