"""A synthetic, deterministic program with three survey rounds, for the measurement benchmark.

Shape at ``members=1_000_000``: 1,000 clusters of 1,000 members; each cluster works in umkm plus
farming, livestock or both (so about half the members run a micro business, a quarter farm and a
quarter keep livestock), in groups of 20 of one sector, with one cooperative that is legal from a
date between the baseline and the endline (a fifth are never legal). Each cluster has a baseline,
a midline 18 months later and an endline 36 months after the baseline, between 2011 and 2015
(so the bundled BPS national lines apply). 8% of members join after the baseline, 4% leave before
the endline; 3% of those active are not found at a round.

Every member surveyed gets the twelve core member variables (income and expenditure in whole
Rupiah, household size, the five CIBEST items, the four social-capital items) and its sector's
variables (revenue, costs, workers...; crop, planted area in ha with 2 decimals, harvest in kg
with 1 decimal...; species and a herd whose flows add up); groups and cooperatives get their core
variables. About 3% of incomes and 2-4% of sector values are missing (``None``), 10% of household
sizes are not recorded (the member record's size is used), a few plots have no planted area.

Everything goes through the public bulk API (``klaster.model.add_member_columns`` and its kin,
``Observations.record_columns``: every rule of the per-record path, checked column by column)
with a fixed seed: the same size always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import polars as pl

from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    LegalStatus,
    Organisation,
    Program,
    Region,
    Sex,
)
from klaster.model import add_group_columns, add_member_columns, join_group_columns
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    SOCIAL_CAPITAL_ITEMS,
    variable_catalogue,
)
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

CLUSTER_SIZE = 1_000
GROUP_SIZE = 20
KINDS = ("baseline", "midline", "endline")

_PARTNERS = {"umkm": "mm", "farming": "psi", "livestock": "ktn"}
_BUSINESS = {
    "umkm": ["traditional_food", "batik", "trading", "seaweed_processing", "bricks"],
    "farming": ["food_crops", "horticulture", "estate_crops", "mixed_farming"],
    "livestock": ["goat_breeding", "goat_fattening", "sheep_fattening", "cattle_fattening"],
}
_CROPS = ["rice", "maize", "cassava", "chili", "shallot", "vegetables"]
_SPECIES = ["goat", "goat", "sheep", "cattle"]
_DESA = ["Bonto Manai", "Bonto Jai", "Lamalaka", "Letta", "Baruga", "Rappoa"]
_MEMBER_FIELDS = (
    "id",
    "name",
    "sex",
    "household_size",
    "village",
    "sector",
    "joined",
    "business_type",
    "left",
)
_GROUP_FIELDS = ("id", "name", "sector", "formed", "dissolved")


def shape(members: int) -> tuple[int, int]:
    """Clusters and members per cluster for a program of about ``members`` members."""
    if members <= CLUSTER_SIZE:
        return 1, max(GROUP_SIZE, members)
    return members // CLUSTER_SIZE, CLUSTER_SIZE


def round_dates(c: int) -> list[dt.date]:
    """Baseline, midline and endline dates of cluster ``c``."""
    start = dt.date(2011, 3, 1) + dt.timedelta(days=(c * 7) % 450)
    return [start + dt.timedelta(days=days) for days in (0, 548, 1096)]


def build(members: int, *, seed: int = 2011) -> tuple[Program, Observations]:
    """Build the program and record its three rounds (see the module docstring)."""
    rng = random.Random(seed)
    n_clusters, size = shape(members)
    clusters = [_cluster(rng, c, size) for c in range(n_clusters)]
    organisations = [
        Organisation("dd", "Dompet Dhuafa", "ngo"),
        Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
        Organisation("psi", "Pertanian Sehat Indonesia", "implementing_partner"),
        Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
    ]
    program = Program(
        id="klaster-nasional",
        name="Klaster Mandiri (synthetic, national)",
        organisation_id="dd",
        organisations=organisations,
        clusters=clusters,
    )
    catalogue = variable_catalogue()
    obs = Observations(program, catalogue)
    for c, cluster in enumerate(clusters):
        for kind, on in zip(KINDS, round_dates(c), strict=True):
            obs.add_round(Round(f"{cluster.id}-{kind[:2]}", cluster.id, kind, on))
        _record(rng, obs, cluster, c)
    return program, obs


def _region(c: int) -> Region:
    province = f"{11 + c % 80:02d}"
    kabupaten = f"{province}.{c // 80 + 1:02d}"
    kecamatan = []
    for k in range(2):
        code = f"{kabupaten}.{k + 1:02d}"
        desa = [Region.desa(_DESA[3 * k + d], f"{code}.{2001 + d}") for d in range(3)]
        kecamatan.append(Region.kecamatan(f"Kecamatan {c:04d}-{k + 1}", code, desa))
    kab = Region("kabupaten", f"Kabupaten {c:04d}", kabupaten, children=kecamatan)
    return Region.province(f"Provinsi {province}", province, [kab])


def _cluster(rng: random.Random, c: int, size: int) -> Cluster:
    cid = f"c{c:04d}"
    extra = [["farming"], ["livestock"], ["farming", "livestock"]][c % 3]
    sectors = ["umkm", *extra]
    # umkm takes half of the groups, the other sectors share the rest.
    plan = ["umkm", extra[0], "umkm", extra[-1]]
    region = _region(c)
    villages = [d for k in region.children[0].children for d in k.children]
    baseline, _, endline = round_dates(c)
    members: dict[str, list[Any]] = {name: [] for name in _MEMBER_FIELDS}
    groups: dict[str, list[Any]] = {name: [] for name in _GROUP_FIELDS}
    spells: dict[str, list[Any]] = {"group_id": [], "member_id": [], "joined": [], "left": []}
    for g in range(max(1, size // GROUP_SIZE)):
        sector = plan[g % len(plan)]
        business = _BUSINESS[sector][g % len(_BUSINESS[sector])]
        desa = villages[g % len(villages)]
        formed = baseline - dt.timedelta(days=60 + 3 * (g % 30))
        group_id = f"{cid}-g{g:03d}"
        for position in range(GROUP_SIZE):
            n = g * GROUP_SIZE + position
            roll = rng.random()
            joined = formed if roll >= 0.08 else baseline + dt.timedelta(days=30 + n % 400)
            left = None
            if rng.random() < 0.04:
                left = max(joined, baseline) + dt.timedelta(days=40 + n % 900)
            female = rng.random() < 0.6
            member_id = f"{cid}-m{n:04d}"
            row = (
                member_id,
                f"Mitra {cid} {n}",
                Sex.FEMALE if female else Sex.MALE,
                rng.choice((2, 3, 3, 4, 4, 4, 5, 5, 6, 7)),
                desa.name if n % 2 else desa.code,
                sector,
                joined,
                business,
                left,
            )
            for name, value in zip(_MEMBER_FIELDS, row, strict=True):
                members[name].append(value)
            for name, value in zip(spells, (group_id, member_id, joined, left), strict=True):
                spells[name].append(value)
        dissolved = endline - dt.timedelta(days=30) if g % 47 == 46 else None
        group_row = (group_id, f"Kelompok {business} {g + 1}", sector, formed, dissolved)
        for name, value in zip(_GROUP_FIELDS, group_row, strict=True):
            groups[name].append(value)
    legal = None
    if c % 5:
        on = baseline + dt.timedelta(days=200 + (c * 37) % 800)
        legal = LegalStatus(f"518/BH/{c:04d}", on)
    cluster = Cluster(
        id=cid,
        name=f"Klaster {c:04d}",
        region=region,
        sectors=[ClusterSector(s, _PARTNERS[s]) for s in sectors],
    )
    # The bulk API: every rule of the per-record path, checked column by column.
    add_member_columns(cluster, members)
    add_group_columns(cluster, groups)
    join_group_columns(cluster, spells)
    cluster.add_cooperative(
        Cooperative(
            id=f"{cid}-kop",
            name=f"Koperasi Mandiri {cid}",
            sectors=sectors,
            member_ids=members["id"],
            founded=baseline,
            legal=legal,
        )
    )
    return cluster


def _maybe(rng: random.Random, value: object, missing: float) -> object:
    return None if rng.random() < missing else value


def _record(rng: random.Random, obs: Observations, cluster: Cluster, c: int) -> None:
    dates = round_dates(c)
    # Per member, a base level drawn once so that rounds are correlated as in a real panel.
    base: dict[str, tuple[int, int, int]] = {
        m.id: (rng.randrange(300, 2_500), rng.randrange(2, 12), rng.randrange(10, 200))
        for m in cluster.members
    }
    for r, (kind, on) in enumerate(zip(KINDS, dates, strict=True)):
        growth = (100, 118, 135)[r]  # percent of the baseline level
        rows: list[tuple[str, dict[str, object]]] = []
        for member in cluster.members:
            if not member.is_active(on) or rng.random() < 0.03:
                continue
            income_k, herd, area = base[member.id]
            values: dict[str, object] = {
                "monthly_income": _maybe(
                    rng, income_k * growth * 10 + 1_000 * rng.randrange(50), 0.03
                ),
                "monthly_expenditure": _maybe(
                    rng, income_k * 800 + 1_000 * rng.randrange(50), 0.05
                ),
            }
            if rng.random() < 0.9:
                values["household_size"] = member.household_size
            for item in (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS):
                values[item] = _maybe(rng, rng.randint(2, 5), 0.02)
            values.update(_sector_values(rng, member.sector, growth, herd, area))
            # A required variable cannot be recorded as None: a gap is a value left out.
            rows.append((member.id, {k: v for k, v in values.items() if v is not None}))
        round_id = f"{cluster.id}-{kind[:2]}"
        _record_columns(obs, round_id, rows)
        group_rows: list[tuple[str, dict[str, object]]] = [
            (g.id, {"group_active": g.is_active(on), "group_meetings": rng.randrange(0, 25)})
            for g in cluster.groups
        ]
        _record_columns(obs, round_id, group_rows)
        coops: list[tuple[str, dict[str, object]]] = [
            (k.id, {"coop_legal": k.is_legal(on), "coop_active": True})
            for k in cluster.cooperatives
        ]
        obs.record_many(round_id, coops)


def _record_columns(
    obs: Observations, round_id: str, rows: list[tuple[str, dict[str, object]]]
) -> None:
    # The rows as columns (a value a row leaves out is a null, read as "not recorded"), typed
    # for polars where every value is of one kind: the column-wise bulk path.
    codes = list(dict.fromkeys(code for _, values in rows for code in values))
    columns: dict[str, object] = {}
    for code in codes:
        column = [values.get(code) for _, values in rows]
        kinds = {type(v) for v in column if v is not None}
        dtype = {frozenset({int}): pl.Int64, frozenset({bool}): pl.Boolean}.get(frozenset(kinds))
        if kinds == {str}:
            dtype = pl.String
        columns[code] = column if dtype is None else pl.Series(column, dtype=dtype)
    obs.record_columns(round_id, [unit for unit, _ in rows], columns, skip_nulls=True)


def _sector_values(
    rng: random.Random, sector: str, growth: int, herd: int, area: int
) -> dict[str, Any]:
    if sector == "umkm":
        revenue = rng.randrange(500, 6_000) * growth * 10
        values = {
            "monthly_revenue": _maybe(rng, revenue, 0.03),
            "monthly_costs": _maybe(rng, revenue * rng.randrange(50, 95) // 100, 0.04),
            "workers": _maybe(rng, rng.randint(1, 3) + (growth > 100) * rng.randint(0, 2), 0.02),
            "business_running": _maybe(rng, rng.random() < (0.97 if growth == 100 else 0.9), 0.02),
            "business_registered": rng.random() < 0.3,
        }
        if values["business_running"] is False:  # the umkm plugin: a closed business earns 0
            values["monthly_revenue"] = values["workers"] = 0
        return values
    if sector == "farming":
        hectares = Decimal(area * rng.randrange(90, 111) // 100) / 100 if rng.random() > 0.01 else 0
        kg_per_ha = rng.randrange(2_000, 6_000) * growth // 100
        harvest = Decimal(int(hectares * kg_per_ha * 10)) / 10
        values = {
            "crop": rng.choice(_CROPS),
            "planted_area_ha": _maybe(rng, hectares, 0.02),
            "harvest_kg": _maybe(rng, harvest, 0.03),
            "harvest_price": _maybe(rng, rng.randrange(3_000, 12_000, 50), 0.04),
            "farm_input_costs": _maybe(rng, rng.randrange(200, 4_000) * 1_000, 0.03),
            "land_tenure": rng.choice(["owned", "owned", "rented", "sharecropped"]),
            "organic_practice": rng.random() < 0.4,
        }
        if values["harvest_kg"] and values["harvest_price"] is None:
            values["harvest_kg"] = None  # the farming plugin values a harvest at its price
        return values
    start = herd + rng.randrange(0, 3) * (growth > 100)
    births = rng.randrange(0, 4)
    purchases = rng.randrange(0, 2)
    deaths = min(start + births + purchases, rng.choice((0, 0, 0, 1)))
    sales = min(start + births + purchases - deaths, rng.randrange(0, 3))
    end = start + births + purchases - deaths - sales
    return {
        "species": rng.choice(_SPECIES),
        "herd_start": _maybe(rng, start, 0.02),
        "herd_births": births,
        "herd_deaths": deaths,
        "herd_sales": sales,
        "herd_purchases": purchases,
        "herd_end": _maybe(rng, end, 0.02),
        "herd_sales_value": _maybe(rng, sales * rng.randrange(1_500, 3_500) * 1_000, 0.03),
        "feed_costs": _maybe(rng, rng.randrange(50, 600) * 1_000, 0.03),
    }
