"""The working life of the four source clusters: Lebak, Blora, Bantaeng and Tuban, 2010-2015.

Records through the public API what the public reports about Dompet Dhuafa's Klaster Mandiri say
happened (see docs/example-data.md and docs/fieldwork.md): the 2010 poverty-map study, the
socialisation and opening workshop in Bantaeng (6 July 2011, opened by the Bupati, with a panel of
the Bappeda, the agriculture-livestock office, the cooperatives office and Dompet Dhuafa, where
everyone recited the *Ikrar Mitra*), group meetings, trainings, the closing workshops
(*Workshop Pemandirian*: Blora 18 February 2014 at the Balai Desa Nglaroh Gunung with about 140
people, Lebak 6 March 2014, Tuban 30 September 2015 at the Balai Desa Gaji), the Bantaeng
handover announced for 25 March 2014 (a plan: the cluster does not move), the government's
promises, cooperative boards (*pengurus*) and a field facilitator's mentoring log
(*pendampingan*).

What the reports give is marked ``# report``; everything else is SYNTHETIC and says so: the
members and their names, facilitators, group meetings and trainings, visits, board terms, dates
the reports leave out. Officials are recorded by their position, never by name. Counts of mitra
are the reports' (77, 190, 324), but only a few synthetic members per cluster are listed.

Run ``python examples/fieldwork_events.py`` to rewrite ``examples/data/fieldwork.json``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import klaster
from klaster import (
    Activity,
    Assignment,
    BoardTerm,
    Cluster,
    ClusterSector,
    Commitment,
    CommitmentUpdate,
    Cooperative,
    Group,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Participant,
    Person,
    Plan,
    Position,
    Program,
    Region,
    Visit,
)

OUT = Path(__file__).parent / "data" / "fieldwork.json"
D = dt.date
SYNTHETIC = "SYNTHETIC: not in the reports"

ORGANISATIONS = [
    ("dd", "Dompet Dhuafa", "ngo"),  # report
    ("mm", "Masyarakat Mandiri", "implementing_partner"),  # report: UMKM
    ("psi", "Pertanian Sehat Indonesia", "implementing_partner"),  # report: farming
    ("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),  # report: livestock
    ("pemkab-bantaeng", "Pemerintah Kabupaten Bantaeng", "government"),
    ("bappeda-bantaeng", "Bappeda Kabupaten Bantaeng", "government"),
    ("distanak-bantaeng", "Dinas Pertanian-Peternakan Kabupaten Bantaeng", "government"),
    ("diskop-bantaeng", "Dinas Koperasi dan UKM Kabupaten Bantaeng", "government"),
    ("pemkab-blora", "Pemerintah Kabupaten Blora", "government"),
    ("dp4-blora", "Dinas Pertanian Perkebunan Peternakan dan Perikanan Blora", "government"),
    ("dppk-blora", "Dinas Perdagangan Perindustrian Koperasi dan UMKM Blora", "government"),
    ("bappeda-blora", "Bappeda Kabupaten Blora", "government"),
    ("pemkab-lebak", "Pemerintah Kabupaten Lebak", "government"),
    ("pemkab-tuban", "Pemerintah Kabupaten Tuban", "government"),
]
# Officials by position (the Person record needs a name: the position stands in for it).
OFFICIALS = [
    ("bupati-bantaeng", "pemkab-bantaeng", "Bupati Bantaeng"),  # report
    ("kepala-bappeda-bantaeng", "bappeda-bantaeng", "Kepala Bappeda Bantaeng"),  # report
    ("kadis-distanak-bantaeng", "distanak-bantaeng", "Kepala Dinas Pertanian-Peternakan"),
    ("kadis-diskop-bantaeng", "diskop-bantaeng", "Kepala Dinas Koperasi dan UKM"),
    ("bupati-blora", "pemkab-blora", "Bupati Blora"),  # report
    ("kadis-dp4-blora", "dp4-blora", "Kepala Dinas Pertanian Perkebunan Peternakan Perikanan"),
    ("kadis-dppk-blora", "dppk-blora", "Kepala Dinas Perdagangan Perindustrian Koperasi UMKM"),
    ("kabag-kesra-tuban", "pemkab-tuban", "Kepala Bagian Kesra Kabupaten Tuban"),  # report
]
STAFF = [
    ("dd-president", "Presiden Direktur Dompet Dhuafa"),  # report (Bantaeng opening)
    ("dd-program-director", "Direktur Program Dompet Dhuafa"),  # report (Blora handover)
    ("dd-gm-economy", "General Manager Pengembangan Ekonomi Dompet Dhuafa"),  # report
]


def _region(
    province: tuple[str, str],
    kabupaten: tuple[str, str],
    kecamatan: dict[tuple[str, str], list[str]],
) -> Region:
    return Region.province(
        *province,
        [
            Region.kabupaten(
                *kabupaten,
                [
                    Region.kecamatan(name, code, [Region.desa(d) for d in desa])
                    for (name, code), desa in kecamatan.items()
                ],
            )
        ],
    )


def _cluster(
    program: Program,
    cluster_id: str,
    name: str,
    region: Region,
    sectors: Sequence[tuple[str, str, tuple[str, ...]]],
    started: dt.date,
    growth: dt.date,
) -> Cluster:
    cluster = Cluster(
        id=cluster_id,
        name=name,
        region=region,
        sectors=[ClusterSector(s, p, areas) for s, p, areas in sectors],
        lifecycle=Lifecycle.start(
            started,
            reason="location chosen from the 2010 poverty-map study",  # report
            decided_by="Dompet Dhuafa",
        ),
    )
    program.add_cluster(cluster)
    cluster.advance(growth, reason="socialisation and group forming", decided_by="Dompet Dhuafa")
    return cluster


def _members(cluster: Cluster, prefix: str, villages: list[str], sectors: list[str]) -> list[str]:
    """Two SYNTHETIC groups of three SYNTHETIC members each (names made up)."""
    started = cluster.lifecycle.history[-1].on
    ids = []
    for g, sector in enumerate(sectors[:2] * (2 // len(sectors[:2]))):
        spells = []
        for n in range(3):
            member_id = f"{prefix}-{g * 3 + n + 1:04d}"
            cluster.add_member(
                Member(
                    id=member_id,
                    name=f"Mitra {prefix} {g * 3 + n + 1} (synthetic)",
                    sex="female" if n != 1 else "male",
                    household_size=4,
                    village=villages[g % len(villages)],
                    sector=sector,
                    joined=started,
                )
            )
            spells.append(Membership(member_id, started))
            ids.append(member_id)
        cluster.add_group(
            Group(f"{prefix}-K{g + 1:02d}", f"Kelompok {g + 1}", sector, started, spells)
        )
    return ids


def build() -> Program:
    """The program with the four clusters and their recorded working life."""
    program = Program(
        id="klaster-mandiri",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation(*o) for o in ORGANISATIONS],
    )
    for person_id, org, title in OFFICIALS:
        program.add_person(Person(person_id, title, [Position(org, "official", title=title)]))
    for person_id, title in STAFF:
        program.add_person(Person(person_id, title, [Position("dd", "staff", title=title)]))
    # SYNTHETIC field facilitators (pendamping), one per cluster.
    for cluster_id, partner in (("bantaeng", "mm"), ("blora", "ktn"), ("lebak", "mm")):
        program.add_person(
            Person(
                f"pd-{cluster_id}",
                f"Pendamping {cluster_id} (synthetic)",
                [Position(partner, "facilitator", start=D(2011, 4, 1), end=D(2014, 3, 31))],
            )
        )
    program.add_person(
        Person("pd-tuban", "Pendamping tuban (synthetic)", [Position("mm", "facilitator")])
    )
    fw = program.fieldwork
    # report: the 2010 poverty-map study (Peta Kemiskinan Dompet Dhuafa) chose the locations.
    fw.add_activity(
        Activity(
            "poverty-map-2010",
            "study",
            "Kajian Peta Kemiskinan Dompet Dhuafa 2010",
            "held",
            held_on=D(2010, 6, 30),  # SYNTHETIC day: the report gives the year only
            organiser_ids=["dd"],
            note=f"year from the Lebak report; day {SYNTHETIC}",
        )
    )
    _bantaeng(program)
    _blora(program)
    _lebak(program)
    _tuban(program)
    return program


def _bantaeng(program: Program) -> None:
    region = _region(
        ("Sulawesi Selatan", "73"),
        ("Bantaeng", "73.03"),
        {
            ("Bissappu", "73.03.01"): ["Bonto Manai"],
            ("Bantaeng", "73.03.02"): ["Lamalaka"],
            ("Eremerasa", "73.03.03"): ["Kampala"],
            ("Pajukukang", "73.03.05"): ["Rappoa"],
        },
    )
    sectors = [  # report: the sectors, their partners and (workshop report, 2011) their areas
        ("umkm", "mm", ("Bantaeng", "Bissappu")),
        ("farming", "psi", ("Eremerasa",)),
        ("livestock", "ktn", ("Pajukukang",)),
    ]
    cluster = _cluster(
        program, "bantaeng", "Klaster Mandiri Bantaeng", region, sectors, D(2010, 9, 1),
        D(2011, 4, 4),  # report: three months before the July workshop; day SYNTHETIC
    )  # fmt: skip
    members = _members(cluster, "BTG", ["Bonto Manai", "Lamalaka"], ["umkm"])
    fw = program.fieldwork
    fw.add_activity(
        Activity(
            "btg-sosialisasi-mitra",
            "socialisation",
            "Sosialisasi program kepada calon pemetik manfaat",  # report
            "held",
            cluster_id="bantaeng",
            held_on=D(2011, 4, 12),  # SYNTHETIC day (April 2011)
            village="Lamalaka",
            organiser_ids=["dd", "mm"],
            participants=[Participant("member", m, True) for m in members[:3]],
        )
    )
    fw.add_activity(
        Activity(
            "btg-workshop-pembukaan",
            "workshop",
            "Workshop Program Klaster Mandiri Bantaeng",  # report
            "held",
            cluster_id="bantaeng",
            held_on=D(2011, 7, 6),  # report
            venue="Gedung Pertemuan Kabupaten Bantaeng",  # report
            organiser_ids=["dd"],
            topics=["sosialisasi formal kepada pemda dan SKPD", "diskusi panel", "Ikrar Mitra"],
            participants=[
                Participant("person", "bupati-bantaeng", True, "opened the workshop"),
                Participant("person", "dd-president", True, "opened the workshop"),
                Participant("person", "kepala-bappeda-bantaeng", True, "panelist"),
                Participant("person", "kadis-distanak-bantaeng", True, "panelist"),
                Participant("person", "kadis-diskop-bantaeng", True, "panelist"),
                Participant("person", "dd-gm-economy", True, "panelist"),
                *(Participant("member", m, True, "recited the Ikrar Mitra") for m in members),
            ],
            note="all present recited the Ikrar Mitra in the local language, the Bupati too",
        )
    )
    cluster.add_cooperative(
        Cooperative(
            "btg-irman",
            "Koperasi Ikhtiar Rezeki Mandiri (IRMAN)",  # report
            ["umkm"],
            members,
            D(2013, 2, 1),  # SYNTHETIC
            board=[  # SYNTHETIC terms
                BoardTerm(members[0], "chair", D(2013, 2, 1)),
                BoardTerm(members[1], "secretary", D(2013, 2, 1)),
                BoardTerm(members[2], "treasurer", D(2013, 2, 1)),
                BoardTerm(members[3], "supervisor", D(2013, 2, 1)),
            ],
        )
    )
    # The handover "will be held on 25 March 2014": a plan and a planned workshop; the cluster
    # stays where it is until it happens.
    cluster.advance(D(2012, 1, 9), reason="group financing starts", decided_by="Dompet Dhuafa")
    fw.plan(
        Plan(
            "independence",
            D(2014, 3, 25),  # report
            recorded_on=D(2014, 3, 1),  # SYNTHETIC: the report is undated
            cluster_id="bantaeng",
            note="Serah terima aset dalam Workshop Pemandirian Program",
        )
    )
    fw.add_activity(
        Activity(
            "btg-workshop-pemandirian",
            "workshop",
            "Workshop Pemandirian Program Klaster Mandiri Bantaeng",  # report
            "planned",
            cluster_id="bantaeng",
            planned_on=D(2014, 3, 25),  # report
            organiser_ids=["dd"],
            milestone="independence",
            participants=[
                Participant("person", "bupati-bantaeng", role="invited"),  # report
                Participant("board", "btg-irman"),
            ],
        )
    )
    # A facilitator's mentoring log (SYNTHETIC): monthly visits to both groups in 2013.
    fw.assign(Assignment("pd-bantaeng", "bantaeng", D(2011, 4, 4), D(2014, 3, 31)))
    groups = [g.id for g in cluster.groups]
    fw.log_visits(
        Visit(
            f"btg-v-2013-{month:02d}-{n}",
            "bantaeng",
            "pd-bantaeng",
            D(2013, month, 5 + 7 * n),
            group_ids=[group],
            member_ids=[members[3 * n]] if month % 3 == 0 else [],
            topics=["pembukuan kelompok"] if month % 2 else ["angsuran dana bergulir"],
            follow_up=["rapat pengurus koperasi"] if month == 12 else [],
        )
        for month in range(1, 13)
        for n, group in enumerate(groups)
    )
    fw.add_activity(
        Activity(
            "btg-pertemuan-kelompok-2013-06",
            "group_meeting",
            "Pertemuan rutin kelompok dengan pembacaan Ikrar Mitra",
            "held",
            cluster_id="bantaeng",
            held_on=D(2013, 6, 20),  # SYNTHETIC
            village="Bonto Manai",
            facilitator_ids=["pd-bantaeng"],
            participants=[
                Participant("group", groups[0], True),
                *(Participant("member", m, m != members[1]) for m in members[:3]),
            ],
        )
    )


def _blora(program: Program) -> None:
    region = _region(
        ("Jawa Tengah", "33"),
        ("Blora", "33.16"),
        {
            ("Jiken", "33.16.07"): ["Jiken", "Singorejo", "Nglobo", "Nglebur"],  # report
            ("Jepon", "33.16.08"): [  # report
                "Jepon", "Nglaroh Gunung", "Semampir", "Kemiri", "Bacem", "Berumbung",
                "Tempel Lemah Bang", "Blungun",
            ],
        },
    )  # fmt: skip
    # report: farming in Desa Bacem. Livestock and UMKM work in desa of both kecamatan, among
    # them Kelurahan Jepon and Desa Jiken, named like their kecamatan: without their codes they
    # cannot be told apart here, so those two sectors keep the whole region.
    sectors = [("livestock", "ktn", ()), ("farming", "psi", ("Bacem",)), ("umkm", "mm", ())]
    cluster = _cluster(
        program, "blora", "Klaster Mandiri Blora", region, sectors, D(2010, 6, 1),
        D(2010, 10, 1),  # report: 2010 to the end of 2013; days SYNTHETIC
    )  # fmt: skip
    members = _members(cluster, "BLR", ["Nglaroh Gunung", "Bacem"], ["livestock", "farming"])
    cluster.advance(D(2011, 6, 1), reason="group financing", decided_by="Dompet Dhuafa")
    coops = [  # report: the three cooperatives; founding and legal dates SYNTHETIC
        ("blr-murakabi", "Koperasi Peternak Murakabi", "livestock", members[:3]),
        ("blr-pertani", "Koperasi Pertani Mandiri", "farming", members[3:]),
    ]
    for coop_id, name, sector, ids in coops:
        cluster.add_cooperative(
            Cooperative(
                coop_id,
                name,
                [sector],
                ids,
                D(2012, 9, 1),
                legal=LegalStatus("(synthetic) BH/2013", D(2013, 3, 1)),
                board=[BoardTerm(ids[0], "chair", D(2012, 9, 1))],
            )
        )
    fw = program.fieldwork
    fw.add_activity(
        Activity(
            "blr-pelatihan-pengurus-2013",
            "training",
            "Pelatihan manajemen koperasi untuk pengurus",
            "held",
            cluster_id="blora",
            held_on=D(2013, 5, 14),  # SYNTHETIC
            village="Jepon",
            organiser_ids=["ktn", "psi"],
            topics=["pembukuan koperasi", "rapat anggota tahunan"],
            participants=[Participant("board", c[0], True) for c in coops],
        )
    )
    wp = fw.add_activity(
        Activity(
            "blr-workshop-pemandirian",
            "workshop",
            "Workshop akhir program Klaster Mandiri Blora",  # report
            "held",
            cluster_id="blora",
            held_on=D(2014, 2, 18),  # report
            village="Nglaroh Gunung",  # report
            venue="Balai Desa Nglaroh Gunung, Kecamatan Jepon",  # report
            organiser_ids=["dd", "ktn", "psi", "mm"],
            topics=["capaian 3 tahun program", "tanggapan dinas", "serah terima aset"],
            headcount=140,  # report: "sekitar 140an orang"
            milestone="independence",
            participants=[
                Participant("person", "dd-program-director", True, "handed over the assets"),
                Participant("person", "bupati-blora", True, "received the assets"),
                Participant("person", "kadis-dp4-blora", True, "responded"),
                Participant("person", "kadis-dppk-blora", True, "responded"),
                *(Participant("board", c[0], True, "received the assets") for c in coops),
            ],
        )
    )
    cluster.advance(
        wp.held_on or D(2014, 2, 18),
        reason="Workshop akhir program: assets handed over to the cooperatives",
        decided_by="Dompet Dhuafa with the Bupati of Blora",
    )
    for n, (org, promise) in enumerate(
        (  # report: what the heads of the dinas offered the cooperatives
            ("dp4-blora", "Menerima koordinasi dan proposal koperasi bentukan Dompet Dhuafa"),
            ("dppk-blora", "Mengikutkan pengurus koperasi dalam pelatihan peningkatan kapasitas"),
        )
    ):
        fw.add_commitment(
            Commitment(
                f"blr-komitmen-{n + 1}",
                org,
                promise,
                made_on=D(2014, 2, 18),  # report
                cluster_id="blora",
                activity_id=wp.id,
                due=D(2014, 12, 31),  # SYNTHETIC
            )
        )
    fw.update_commitment(  # SYNTHETIC follow-up
        "blr-komitmen-2",
        CommitmentUpdate(D(2014, 9, 10), "fulfilled", evidence="undangan pelatihan (synthetic)"),
    )


def _lebak(program: Program) -> None:
    region = _region(("Banten", "36"), ("Lebak", "36.02"), {})  # report: kecamatan not named
    sectors = [("umkm", "mm", ()), ("farming", "psi", ()), ("livestock", "ktn", ())]  # report
    cluster = _cluster(
        program, "lebak", "Klaster Mandiri Lebak", region, sectors, D(2010, 9, 1),
        D(2011, 3, 1),  # report: "3 tahun terakhir"; days SYNTHETIC
    )  # fmt: skip
    members = _members(cluster, "LBK", ["(desa not named in the reports)"], ["farming", "umkm"])
    cluster.advance(D(2011, 10, 1), reason="group financing", decided_by="Dompet Dhuafa")
    fw = program.fieldwork
    fw.assign(Assignment("pd-lebak", "lebak", D(2011, 3, 1), D(2014, 3, 6)))
    fw.add_activity(
        Activity(
            "lbk-pelatihan-pertanian-sehat",
            "training",
            "Pelatihan pertanian sehat",
            "held",
            cluster_id="lebak",
            sector="farming",
            held_on=D(2012, 2, 8),  # SYNTHETIC
            organiser_ids=["psi"],
            facilitator_ids=["pd-lebak"],
            participants=[Participant("member", m, True) for m in members[:3]],
        )
    )
    wp = fw.add_activity(
        Activity(
            "lbk-workshop-akhir",
            "workshop",
            "Workshop Akhir Program Klaster Mandiri Lebak",  # report
            "held",
            cluster_id="lebak",
            held_on=D(2014, 3, 6),  # report
            organiser_ids=["dd"],
            milestone="independence",
            topics=["324 mitra, 32 kelompok, Rp 1,7 miliar", "kajian dampak sosial ekonomi"],
            participants=[Participant("person", "dd-gm-economy", True, "presented the results")],
        )
    )
    cluster.advance(
        D(2014, 3, 6), reason="Workshop Akhir Program", decided_by="Dompet Dhuafa"
    )  # report
    fw.add_commitment(
        Commitment(
            "lbk-dukungan-pemda",
            "pemkab-lebak",
            "Dukungan lanjutan bagi mitra dan tiga koperasi setelah program",  # report: asked
            made_on=D(2014, 3, 6),
            cluster_id="lebak",
            activity_id=wp.id,
            due=D(2014, 9, 30),  # SYNTHETIC: left open, so it shows as overdue
            note="asked for by Dompet Dhuafa at the workshop; the answer is SYNTHETIC",
        )
    )


def _tuban(program: Program) -> None:
    region = _region(
        ("Jawa Timur", "35"), ("Tuban", "35.23"), {("Kerek", "35.23.08"): ["Wolutengah", "Gaji"]}
    )  # report
    cluster = _cluster(
        program, "tuban", "Klaster Mandiri Tuban", region,
        [("umkm", "mm", ("Wolutengah", "Gaji"))],  # report: the two desa of the batik makers
        D(2011, 1, 10),
        D(2011, 3, 1),  # report: started 2011, stopped, resumed 2012; days SYNTHETIC
    )  # fmt: skip
    cluster.suspend(D(2011, 9, 1), reason="program paused", decided_by="Dompet Dhuafa")
    cluster.resume(D(2012, 2, 1), reason="program resumed", decided_by="Dompet Dhuafa")
    members = _members(cluster, "TBN", ["Wolutengah", "Gaji"], ["umkm"])
    cluster.advance(D(2012, 8, 1), reason="group financing", decided_by="Dompet Dhuafa")
    cluster.add_cooperative(
        Cooperative(
            "tbn-ism-al-hidayah",
            "Koperasi ISM Al-Hidayah",  # report (legal status: berbadan hukum)
            ["umkm"],
            members,
            D(2014, 1, 15),  # SYNTHETIC
            legal=LegalStatus("(synthetic) BH/2014", D(2014, 6, 2)),
        )
    )
    fw = program.fieldwork
    fw.assign(Assignment("pd-tuban", "tuban", D(2012, 2, 1), D(2015, 9, 30)))
    fw.log_visit(
        Visit(
            "tbn-v-2015-08",
            "tuban",
            "pd-tuban",
            D(2015, 8, 12),  # SYNTHETIC
            group_ids=[g.id for g in cluster.groups],
            topics=["persiapan pemandirian"],
        )
    )
    wp = fw.add_activity(
        Activity(
            "tbn-pemandirian",
            "workshop",
            "Pemandirian Klaster Mandiri Tuban",  # report
            "held",
            cluster_id="tuban",
            held_on=D(2015, 9, 30),  # report: "Rabu (30/9)"
            village="Gaji",
            venue="Balai Desa Gaji, Kecamatan Kerek",  # report
            organiser_ids=["dd", "mm"],
            milestone="independence",
            participants=[
                Participant("person", "kabag-kesra-tuban", True, "speech"),
                Participant("board", "tbn-ism-al-hidayah", True),
            ],
        )
    )
    cluster.advance(D(2015, 9, 30), reason="Pemandirian program", decided_by="Dompet Dhuafa")
    fw.add_commitment(
        Commitment(
            "tbn-rekomendasi",
            "pemkab-tuban",
            "Rekomendasi program ditindaklanjuti oleh dinas terkait",  # report
            made_on=D(2015, 9, 30),
            cluster_id="tuban",
            person_id="kabag-kesra-tuban",
            activity_id=wp.id,
        )
    )


def main(argv: list[str]) -> int:
    """Build the program, save it, and print what was recorded (IDs and counts only)."""
    program = build()
    out = Path(argv[1]) if len(argv) > 1 else OUT
    klaster.save(program, out)
    fw = program.fieldwork
    print(f"wrote {out}: {len(fw.activities)} activities, {len(fw.visits)} mentoring visits")
    for status in fw.planned_vs_actual():
        print(f"  plan {status.cluster_id} {status.milestone}: {status.planned} -> {status.actual}")
    for late in fw.overdue(D(2015, 12, 31)):
        print(f"  overdue: {late.id} ({late.organisation_id}, due {late.due})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
