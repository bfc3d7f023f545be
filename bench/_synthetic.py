"""A synthetic, deterministic program of realistic shape for the document benchmark.

At ``scale=1.0``: 1,000 clusters, each with 1,000 members in 100 groups of 10 (100,000 groups and
1,000,000 members in all), one legal cooperative listing its active members, a region tree of
province → kabupaten (with a poverty statistic) → 2 kecamatan → 6 desa (with Kemendagri codes),
one or two sectors with implementing partners, three stakeholders and a lifecycle history of 4-7
events (some clusters suspended and resumed, most exited with a guard check, some overridden).
``scale`` multiplies the number of clusters; the shape of each cluster stays the same, so the
figures scale linearly. About 5% of members left the program (their group spells are closed),
half have a national ID number, a third a phone number.

Everything is built through the public constructors (so it is valid by construction) with a fixed
seed: the same ``scale`` always gives the same document.
"""

from __future__ import annotations

import datetime as dt
import random

from klaster import (
    CheckResult,
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Override,
    PhaseChange,
    Program,
    Region,
    RegionStat,
    Role,
    Sex,
    Stakeholder,
    StatKind,
)

CLUSTERS = 1_000
GROUPS_PER_CLUSTER = 100
MEMBERS_PER_GROUP = 10

_PARTNERS = {"umkm": "mm", "farming": "ktn-tani", "livestock": "ktn"}
_BUSINESS = {
    "umkm": ["trading", "traditional_food", "seaweed_processing", "bricks", "mobile_fish_selling"],
    "farming": ["food_crops", "horticulture", "estate_crops", "mixed_farming"],
    "livestock": ["goat_breeding", "goat_fattening", "cattle_fattening"],
}
_GIVEN_F = ["Sitti", "Hasna", "Nurhayati", "Rahmawati", "Jumriah", "Hasmiah", "Sumarni", "Nurlina"]
_GIVEN_M = ["Baharuddin", "Muhammad", "Syamsul", "Abdul", "Rustan", "Jamaluddin", "Arifin"]
_FAMILY = ["Daeng Ngintang", "Daeng Bau", "Daeng Sannging", "Daeng Tayang", "Daeng Rannu", "Sari"]
_DESA = ["Bonto Manai", "Bonto Jai", "Lamalaka", "Letta", "Baruga", "Rappoa"]


def counts(scale: float) -> tuple[int, int, int]:
    """Clusters, groups and members at ``scale``."""
    clusters = max(1, round(CLUSTERS * scale))
    groups = clusters * GROUPS_PER_CLUSTER
    return clusters, groups, groups * MEMBERS_PER_GROUP


def build(scale: float = 1.0, *, seed: int = 2014) -> Program:
    """Build the synthetic program (see the module docstring)."""
    rng = random.Random(seed)
    n_clusters, _, _ = counts(scale)
    organisations = [
        Organisation("dd", "Dompet Dhuafa", "ngo"),
        Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
        Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        Organisation("ktn-tani", "Lembaga Pertanian Sehat", "implementing_partner"),
        Organisation("bank-syariah", "Bank Syariah", "private"),
    ]
    clusters = []
    for c in range(n_clusters):
        organisations.append(
            Organisation(f"pemkab-{c:04d}", f"Pemerintah Kabupaten {c:04d}", "government")
        )
        clusters.append(_cluster(rng, c))
    return Program(
        id="klaster-mandiri",
        name="Klaster Mandiri (synthetic)",
        organisation_id="dd",
        organisations=organisations,
        clusters=clusters,
    )


def _region(c: int) -> Region:
    province = f"{11 + c % 80:02d}"
    kabupaten = f"{province}.{c // 80 + 1:02d}"
    kecamatan = []
    for k in range(2):
        code = f"{kabupaten}.{k + 1:02d}"
        desa = [
            Region.desa(_DESA[3 * k + d], f"{code}.{2001 + d}")  # 2xxx: desa, 1xxx: kelurahan
            for d in range(3)
        ]
        kecamatan.append(Region.kecamatan(f"Kecamatan {c:04d}-{k + 1}", code, desa))
    population = 150_000 + 37 * c
    poor = population * 3 // 10
    stat = RegionStat(
        year=2010,
        source="BPS (synthetic)",
        kind=StatKind.BPS_HEADCOUNT,
        population=population,
        poor=poor,
        poverty_rate=f"{poor * 100 / population:.2f}",
    )
    kab = Region("kabupaten", f"Kabupaten {c:04d}", kabupaten, children=kecamatan, stats=[stat])
    return Region.province(f"Provinsi {province}", province, [kab])


def _history(rng: random.Random, start: dt.date) -> list[PhaseChange]:
    day = start
    events = []

    def add(phase: str, days: int, reason: str, **extra: object) -> None:
        nonlocal day
        day += dt.timedelta(days=days)
        events.append(PhaseChange(day, phase, reason, "Dompet Dhuafa", **extra))  # type: ignore[arg-type]

    add("planning", 0, "location chosen from the poverty map study")
    add("growth", 180, "socialisation and group forming begin")
    if rng.random() < 0.15:
        add("suspended", 120, "funding paused")
        add("growth", 150, "funding resumed")
    add("strengthening", 270, "revolving fund financing starts")
    roll = rng.random()
    if roll < 0.05:
        add("cancelled", 400, "partner withdrew")
        return events
    if roll < 0.25:
        return events  # still in strengthening
    passed = roll > 0.35
    checks = [CheckResult("legal_cooperative", passed, "legal cooperatives: 1" if passed else "")]
    override = None if passed else Override("asset handover agreed by the Bupati", "DD board")
    add(
        "independence",
        700,
        "closing workshop: assets handed over",
        checks=checks,
        override=override,
    )
    add("monitoring", 90, "post-exit monitoring by the Dinas Koperasi")
    return events


def _cluster(rng: random.Random, c: int) -> Cluster:
    cid = f"c{c:04d}"
    sectors = ["umkm"] if c % 3 else ["umkm", rng.choice(["farming", "livestock"])]
    region = _region(c)
    villages = [d for k in region.children[0].children for d in k.children]
    start = dt.date(2008, 1, 1) + dt.timedelta(days=7 * (c % 300))
    history = _history(rng, start)
    growth = history[1].on
    members: list[Member] = []
    groups: list[Group] = []
    for g in range(GROUPS_PER_CLUSTER):
        sector = sectors[0] if g % 5 else sectors[-1]
        business = _BUSINESS[sector][g % len(_BUSINESS[sector])]
        desa = villages[g % len(villages)]
        formed = growth + dt.timedelta(days=7 * (g % 20))
        spells = []
        for position in range(MEMBERS_PER_GROUP):
            n = g * MEMBERS_PER_GROUP + position
            female = rng.random() < 0.7
            left = formed + dt.timedelta(days=400 + n % 300) if rng.random() < 0.05 else None
            member = Member(
                id=f"{cid}-M{n:04d}",
                name=f"{rng.choice(_GIVEN_F if female else _GIVEN_M)} {rng.choice(_FAMILY)}",
                sex=Sex.FEMALE if female else Sex.MALE,
                household_size=rng.randint(1, 9),
                # Half the registers write the desa name, half its Kemendagri code.
                village=desa.name if n % 2 else desa.code,  # type: ignore[arg-type]
                sector=sector,
                joined=formed,
                business_type=business,
                left=left,
                national_id=f"{rng.randrange(10**15, 10**16)}" if rng.random() < 0.5 else None,
                phone=f"+62 812 {rng.randrange(10**7, 10**8)}" if rng.random() < 0.33 else None,
                birth_year=rng.randint(1955, 1995),
            )
            members.append(member)
            role = Role.CHAIR if position == 0 else Role.TREASURER if position == 1 else Role.MEMBER
            spells.append(Membership(member.id, formed, left=left, role=role))
        groups.append(
            Group(
                id=f"{cid}-G{g:03d}",
                name=f"Kelompok {business.replace('_', ' ').title()} {desa.name} {g + 1}",
                sector=sector,
                formed=formed,
                memberships=spells,
            )
        )
    founded = history[-1].on - dt.timedelta(days=300)
    cooperative = Cooperative(
        id=f"{cid}-koperasi",
        name=f"Koperasi Mandiri {cid}",
        sectors=sectors,
        member_ids=[m.id for m in members if m.left is None],
        founded=founded,
        legal=LegalStatus(f"518/BH/{c:04d}/{founded.year}", founded + dt.timedelta(days=90)),
    )
    return Cluster(
        id=cid,
        name=f"Klaster Mandiri {c:04d}",
        region=region,
        sectors=[ClusterSector(s, _PARTNERS[s]) for s in sectors],
        lifecycle=Lifecycle(history),
        members=members,
        groups=groups,
        cooperatives=[cooperative],
        stakeholders=[
            Stakeholder(f"pemkab-{c:04d}", "Bupati: opened the program workshop"),
            Stakeholder(f"pemkab-{c:04d}", "Dinas Koperasi: cooperative registration"),
            Stakeholder("bank-syariah", "financing partner"),
        ],
    )
