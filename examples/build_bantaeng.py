"""Build the bundled example program: Klaster Mandiri Bantaeng (UMKM), 2010-2014.

Modelled on the public reports about Dompet Dhuafa's Klaster Mandiri in Kabupaten Bantaeng,
Sulawesi Selatan (see docs/example-data.md): 190 mitra in 34 business groups in three kecamatan
(Bantaeng, Bissappu, Pa'jukukang); socialisation and group forming from April 2011 (opening
workshop 6 July 2011); exit with the asset handover to Koperasi Ikhtiar Rezeki Mandiri (IRMAN) on
25 March 2014. The people, their households and the group names are SYNTHETIC: made up by this
script with a fixed seed, so the file is the same on every run. So are the program's two people
the bundled Kobo activity and visit exports name (``examples/data/kobo``): the field facilitator
``pd-btg-1`` of Masyarakat Mandiri, assigned to the whole cluster from the start of growth to the
handover, and ``diskop-btg-1``, an official of the cooperatives office recorded by position.

It also writes ``examples/data/bantaeng.observations.jsonl``: a baseline (June 2011) and an
endline (March 2014) survey of every member, with SYNTHETIC answers drawn with a fixed seed so
that income rises by roughly half, as the program's own impact study reported for its farmers.

Run ``python examples/build_bantaeng.py`` to rewrite both files.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import attrs

import klaster
import klaster.observations
import klaster.plugins
from klaster import (
    Assignment,
    CheckResult,
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Member,
    Membership,
    Organisation,
    Person,
    Position,
    Program,
    Region,
    RegionStat,
    Role,
    Stakeholder,
    StatKind,
)
from klaster.observations import Observations, Round, variable_catalogue

OUT = Path(__file__).parent / "data" / "bantaeng.json"
SURVEYS = Path(__file__).parent / "data" / "bantaeng.observations.jsonl"

# Kecamatan with Kemendagri codes; desa names as commonly listed (codes left out).
KECAMATAN = {
    ("Bissappu", "73.03.01"): ["Bonto Manai", "Bonto Jai", "Bonto Lebang", "Bonto Sunggu"],
    ("Bantaeng", "73.03.02"): ["Lamalaka", "Letta", "Pallantikang", "Karatuang"],
    ("Pajukukang", "73.03.05"): ["Pa'jukukang", "Baruga", "Borong Loe", "Rappoa"],
}
# What mitra did, from the reports: traders, traditional food, seaweed farming and processing,
# bricks, mobile fish selling.
BUSINESSES = [
    ("trading", "Pedagang"),
    ("traditional_food", "Makanan Tradisional"),
    ("seaweed_processing", "Rumput Laut"),
    ("bricks", "Batu Bata"),
    ("mobile_fish_selling", "Ikan Keliling"),
]
GIVEN_F = ["Sitti", "Hasna", "Nurhayati", "Rahmawati", "Jumriah", "Hasmiah", "Sumarni", "Nurlina"]
GIVEN_M = ["Baharuddin", "Muhammad", "Syamsul", "Abdul", "Rustan", "Jamaluddin", "Arifin"]
FAMILY = ["Daeng Ngintang", "Daeng Bau", "Daeng Sannging", "Daeng Tayang", "Daeng Rannu"]

GROUPS = 34
MEMBERS = 190


def build() -> Program:
    rng = random.Random(2014)
    program = Program(
        id="klaster-mandiri",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("bupati-bantaeng", "Bupati Bantaeng", "government"),
            Organisation("bappeda-bantaeng", "Bappeda Kabupaten Bantaeng", "government"),
            Organisation(
                "diskop-bantaeng", "Dinas Koperasi dan UKM Kabupaten Bantaeng", "government"
            ),
        ],
    )
    kabupaten = Region.kabupaten(
        "Bantaeng",
        "73.03",
        [
            Region.kecamatan(name, code, [Region.desa(d) for d in desa])
            for (name, code), desa in KECAMATAN.items()
        ],
    )
    kabupaten = Region(
        "kabupaten",
        kabupaten.name,
        kabupaten.code,
        children=kabupaten.children,
        stats=[
            RegionStat(
                year=2010,
                source="Dompet Dhuafa report 'Program Klaster Mandiri berakhir' (2014)",
                kind=StatKind.TARGETING_PEOPLE,
                population=176_708,
                poor=67_503,
                poverty_rate="38.20",
                note="quoted as 'penduduk miskin'; probably a targeting-database share, not BPS",
            )
        ],
    )
    cluster = Cluster(
        id="bantaeng",
        name="Klaster Mandiri Bantaeng",
        region=Region.province("Sulawesi Selatan", "73", [kabupaten]),
        # Where UMKM works: the 2014 closing report places the program's 190 mitra in Kecamatan
        # Bantaeng, Bissappu and Pa'jukukang (the 2011 workshop report planned UMKM for
        # Bantaeng-Bissappu, and livestock for Pajukukang): the file follows the later report.
        sectors=[ClusterSector("umkm", "mm", ("Bantaeng", "Bissappu", "Pajukukang"))],
        stakeholders=[
            Stakeholder("bupati-bantaeng", "opened the program workshop on 6 July 2011"),
            Stakeholder("bappeda-bantaeng", "panel at the opening workshop"),
            Stakeholder("diskop-bantaeng", "panel at the opening workshop; cooperative support"),
        ],
        lifecycle=klaster.Lifecycle.start(
            dt.date(2010, 9, 1),
            reason="location chosen from the 2010 poverty map study",
            decided_by="Dompet Dhuafa",
        ),
    )
    program.add_cluster(cluster)
    cluster.advance(
        dt.date(2011, 4, 4),
        reason="socialisation to future mitra and group forming begin",
        decided_by="Dompet Dhuafa",
    )
    # SYNTHETIC people: the facilitator of the bundled training and visit forms (a person, not a
    # beneficiary), assigned to the whole cluster; the cooperatives office's official by position.
    program.add_person(
        Person(
            "pd-btg-1",
            "Pendamping Bantaeng (synthetic)",
            [Position("mm", "facilitator", start=dt.date(2011, 4, 1))],
        )
    )
    program.add_person(
        Person(
            "diskop-btg-1",
            "Kepala Bidang UMKM",
            [Position("diskop-bantaeng", "official", title="Kepala Bidang UMKM")],
        )
    )
    program.fieldwork.assign(
        Assignment("pd-btg-1", "bantaeng", dt.date(2011, 4, 4), dt.date(2014, 3, 31))
    )

    villages = [d for desa in KECAMATAN.values() for d in desa]
    sizes = [MEMBERS // GROUPS + (1 if i < MEMBERS % GROUPS else 0) for i in range(GROUPS)]
    number = 0
    for g in range(GROUPS):
        desa = villages[g % len(villages)]
        code, label = BUSINESSES[g % len(BUSINESSES)]
        formed = dt.date(2011, 5, 2) + dt.timedelta(days=7 * (g % 12))
        spells = []
        for position in range(sizes[g]):
            number += 1
            sex = "female" if rng.random() < 0.7 else "male"
            given = rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
            member = Member(
                id=f"BTG-{number:04d}",
                name=f"{given} {rng.choice(FAMILY)}",
                sex=sex,
                household_size=rng.randint(2, 7),
                village=desa,
                sector="umkm",
                business_type=code,
                joined=formed,
                birth_year=rng.randint(1960, 1990),
            )
            cluster.add_member(member)
            role = Role.CHAIR if position == 0 else Role.TREASURER if position == 1 else Role.MEMBER
            spells.append(Membership(member.id, formed, role=role))
        cluster.add_group(
            Group(
                id=f"BTG-K{g + 1:02d}",
                name=f"Kelompok {label} {desa} {g // len(BUSINESSES) + 1}",
                sector="umkm",
                formed=formed,
                memberships=spells,
            )
        )
    # A few mitra left along the way: their membership spells are closed, not deleted.
    for member_id in ("BTG-0017", "BTG-0102"):
        member = cluster.members[member_id]
        left = dt.date(2012, 10, 1)
        cluster.replace_member(attrs.evolve(member, left=left))
        for group in cluster.groups_of(member_id):
            cluster.leave_group(group.id, member_id, left)

    cluster.advance(
        dt.date(2012, 1, 9),
        reason="group business financing from the revolving fund starts",
        decided_by="Dompet Dhuafa",
    )
    cluster.add_cooperative(
        Cooperative(
            id="irman",
            name="Koperasi Ikhtiar Rezeki Mandiri (IRMAN)",
            sectors=["umkm"],
            member_ids=[m.id for m in cluster.members if m.left is None],
            founded=dt.date(2013, 2, 1),
            legal=LegalStatus(
                registration_number="(illustrative) 518/BH/XXI/2013",
                registered_on=dt.date(2013, 6, 14),
                form="Koperasi Serba Usaha",
            ),
        )
    )
    cluster.advance(
        dt.date(2014, 3, 25),
        reason="closing workshop: program assets handed over to Koperasi IRMAN",
        decided_by="Dompet Dhuafa with the Bupati of Bantaeng",
        guards=[legal_cooperative],
    )
    return program


def survey(program: Program) -> Observations:
    """Synthetic baseline and endline answers for every member (fixed seed)."""
    rng = random.Random(2011)
    host = klaster.plugins.get_host()
    observations = Observations(program, variable_catalogue(host))
    observations.add_round(Round("btg-baseline", "bantaeng", "baseline", dt.date(2011, 6, 15)))
    observations.add_round(Round("btg-endline", "bantaeng", "endline", dt.date(2014, 3, 1)))
    baseline, endline = [], []
    for member in program.clusters["bantaeng"].members:
        per_capita = Decimal(rng.randrange(150_000, 420_000, 1_000))
        income = per_capita * member.household_size
        revenue = Decimal(rng.randrange(400_000, 2_500_000, 1_000))
        costs = (revenue * Decimal("0.78")).quantize(Decimal(1))
        baseline.append(
            (
                member.id,
                {
                    "monthly_income": income,
                    "monthly_revenue": revenue,
                    "monthly_costs": costs,
                    "workers": 1,
                    "business_running": True,
                },
            )
        )
        if member.left is not None:
            continue  # left the program: not re-surveyed
        growth = Decimal(rng.randrange(105, 190)) / 100
        running = rng.random() < 0.92
        endline.append(
            (
                member.id,
                {
                    "monthly_income": (income * growth).quantize(Decimal(1)),
                    "monthly_revenue": (revenue * growth).quantize(Decimal(1))
                    if running
                    else Decimal(0),
                    "monthly_costs": (costs * Decimal("1.2")).quantize(Decimal(1))
                    if running
                    else Decimal(0),
                    "workers": rng.choice([1, 1, 2, 3]) if running else 0,
                    "business_running": running,
                },
            )
        )
    observations.record_many("btg-baseline", baseline)
    observations.record_many("btg-endline", endline)
    return observations


def legal_cooperative(cluster: Cluster, on: dt.date) -> list[CheckResult]:
    """The one readiness check this example needs: a cooperative with legal status."""
    legal = [c.id for c in cluster.cooperatives if c.is_legal(on)]
    return [CheckResult("legal_cooperative", bool(legal), f"legal cooperatives: {legal}")]


if __name__ == "__main__":
    program = build()
    klaster.save(program, OUT)
    klaster.observations.save(survey(program), SURVEYS)
    print(f"wrote {OUT} and {SURVEYS}")
