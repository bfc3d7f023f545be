"""A small, hand-written program touching every record kind, for tests of code using klaster.

Where :mod:`klaster.testing.strategies` generates many programs, :func:`sample_program` is one
fixed program a reader can follow: one cluster in Bantaeng with three members (one carrying a
name, national ID number and phone, so tests can check that they never leak into errors or
logs), two groups, a legal cooperative, a region with statistics and a lifecycle with a
suspension. A new program is built on every call, so tests may change it.
"""

from __future__ import annotations

import datetime as dt

import attrs

from klaster.model.activity import Activity, Participant
from klaster.model.board import BoardTerm
from klaster.model.cluster import Cluster
from klaster.model.commitment import Commitment, CommitmentUpdate
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Lifecycle
from klaster.model.member import Member
from klaster.model.mentoring import Visit
from klaster.model.organisation import ClusterSector, Organisation, Stakeholder
from klaster.model.people import Assignment, Person, Position
from klaster.model.plans import Plan
from klaster.model.program import Program
from klaster.model.region import Region, RegionStat

__all__ = [
    "SAMPLE_FACILITATOR_NAME",
    "SAMPLE_FACILITATOR_PHONE",
    "SAMPLE_FIELDWORK_SECRETS",
    "SAMPLE_NAME",
    "SAMPLE_NATIONAL_ID",
    "SAMPLE_PHONE",
    "SAMPLE_SECRETS",
    "sample_program",
    "sample_program_with_fieldwork",
]

SAMPLE_NAME = "Hasnah Daeng Tayang"
"""The name of member ``BTG-1`` of :func:`sample_program`."""
SAMPLE_NATIONAL_ID = "7303015506790002"
"""The national ID number (NIK) of member ``BTG-1``."""
SAMPLE_PHONE = "0813 5544 2211"
"""The phone number of member ``BTG-1``."""
SAMPLE_FACILITATOR_NAME = "Ahmad Syarifuddin"
"""The name of facilitator ``pd-1`` of :func:`sample_program_with_fieldwork`."""
SAMPLE_FACILITATOR_PHONE = "0852 9911 3344"
"""The phone number of facilitator ``pd-1``."""
SAMPLE_SECRETS = (SAMPLE_NAME, SAMPLE_NATIONAL_ID, SAMPLE_PHONE)
"""The personal data no error, log or export of :func:`sample_program` may show."""
SAMPLE_FIELDWORK_SECRETS = (*SAMPLE_SECRETS, SAMPLE_FACILITATOR_NAME, SAMPLE_FACILITATOR_PHONE)
"""The personal data no error, log or export of :func:`sample_program_with_fieldwork` may show."""

_D = dt.date


def sample_program() -> Program:
    """A new small program touching every record kind and most optional fields.

    Example:
        >>> program = sample_program()
        >>> [len(program.clusters["bantaeng"].members), program.clusters["bantaeng"].phase.value]
        [3, 'growth']
    """
    stats = RegionStat(
        year=2010,
        source="seed report",
        kind="targeting_people",
        population=176_708,
        poor=67_503,
        poverty_rate="38.20",
    )
    kabupaten = Region(
        "kabupaten",
        "Bantaeng",
        "73.03",
        bps_code="7303",
        stats=[stats],
        children=[
            Region.kecamatan("Pajukukang", "73.03.05", [Region.desa("Baruga", "73.03.05.2001")]),
            Region.kecamatan("Bissappu", "73.03.01", [Region.desa("Bonto Jai")]),
        ],
    )
    life = Lifecycle.start(_D(2010, 9, 1), reason="poverty map", decided_by="DD")
    life.advance(_D(2011, 4, 4), reason="socialisation", decided_by="DD")
    life.suspend(_D(2011, 6, 1), reason="Ramadan break", decided_by="DD")
    life.resume(_D(2011, 9, 1), reason="restart", decided_by="DD")
    cluster = Cluster(
        id="bantaeng",
        name="Klaster Mandiri Bantaeng",
        region=Region.province("Sulawesi Selatan", "73", [kabupaten]),
        sectors=[ClusterSector("umkm", "mm"), ClusterSector("livestock")],
        stakeholders=[Stakeholder("bupati", "opened the workshop")],
        lifecycle=life,
        members=[
            Member("BTG-1", SAMPLE_NAME, "female", 5, "Baruga", "umkm", _D(2011, 5, 2),
                   "seaweed_processing", national_id=SAMPLE_NATIONAL_ID, phone=SAMPLE_PHONE,
                   birth_year=1979),
            Member("BTG-2", "Rustan Daeng Bau", "male", 3, "Bonto Jai", "umkm", _D(2011, 5, 2),
                   left=_D(2012, 10, 1)),
            Member("BTG-3", "Sumarni", "female", 4, "73.03.05.2001", "livestock", _D(2011, 5, 9)),
        ],
        groups=[
            Group("BTG-K01", "Kelompok Rumput Laut", "umkm", _D(2011, 5, 2), [
                Membership("BTG-1", _D(2011, 5, 2), role="chair"),
                Membership("BTG-2", _D(2011, 5, 2), left=_D(2012, 10, 1)),
            ]),
            Group("BTG-K02", "Kelompok Kambing", "livestock", _D(2011, 5, 9)),
        ],
        cooperatives=[
            Cooperative("irman", "Koperasi IRMAN", ["umkm", "livestock"], ["BTG-1", "BTG-3"],
                        founded=_D(2013, 2, 1),
                        legal=LegalStatus("518/BH/XXI/2013", _D(2013, 6, 14), "KSU")),
        ],
    )  # fmt: skip
    return Program(
        id="klaster-mandiri",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("bupati", "Bupati Bantaeng", "government", note="host"),
        ],
        clusters=[cluster],
    )


def sample_program_with_fieldwork() -> Program:
    """:func:`sample_program` with people, a cooperative board and fieldwork of every kind.

    A facilitator (``pd-1``, with a name and phone from :data:`SAMPLE_FIELDWORK_SECRETS`)
    assigned to the cluster with his mentoring visits, an official, a held workshop with
    attendance, a planned training, plans (one revised) and a commitment with an update.

    Example:
        >>> program = sample_program_with_fieldwork()
        >>> [len(program.fieldwork.activities), len(program.fieldwork.visits)]
        [2, 2]
    """
    program = sample_program()
    coop = program.clusters["bantaeng"].cooperatives["irman"]
    board = [
        BoardTerm("BTG-1", "chair", _D(2013, 2, 1), _D(2015, 1, 31)),
        BoardTerm("BTG-3", "treasurer", _D(2013, 2, 1)),
    ]
    cluster = program.clusters["bantaeng"]
    cluster.replace_cooperative(attrs.evolve(coop, board=board))
    program.add_person(Person(
        "pd-1", SAMPLE_FACILITATOR_NAME, [Position("dd", "facilitator", start=_D(2011, 4, 1))],
        phone=SAMPLE_FACILITATOR_PHONE,
    ))  # fmt: skip
    program.add_person(Person("bupati-btg", "Nurdin Abdullah", [
        Position("bupati", "official", title="Bupati Bantaeng", start=_D(2008, 8, 6)),
    ]))  # fmt: skip
    work = program.fieldwork
    work.add_activity(Activity(
        "btg-opening", "workshop", "Workshop pembukaan", "held", cluster_id="bantaeng",
        planned_on=_D(2011, 7, 6), held_on=_D(2011, 7, 6), village="Baruga",
        venue="Pendopo Kabupaten", organiser_ids=["dd", "mm"], facilitator_ids=["pd-1"],
        topics=["program", "Ikrar Mitra"], headcount=60,
        participants=[
            Participant("person", "bupati-btg", True, "opened the workshop"),
            Participant("member", "BTG-1", True),
            Participant("member", "BTG-2", False),
            Participant("group", "BTG-K01", True),
        ],
    ))  # fmt: skip
    work.add_activity(Activity(
        "btg-board-training", "training", "Pelatihan pengurus koperasi", "planned",
        cluster_id="bantaeng", planned_on=_D(2013, 9, 10), sector="umkm",
        participants=[Participant("board", "irman")],
    ))  # fmt: skip
    work.assign(Assignment("pd-1", "bantaeng", _D(2011, 4, 1), _D(2014, 3, 31),
                           group_ids=["BTG-K01"], member_ids=["BTG-3"]))  # fmt: skip
    work.log_visits([
        Visit("v-1", "bantaeng", "pd-1", _D(2012, 1, 5), group_ids=["BTG-K01"],
              topics=["pembukuan"], follow_up=["catat kas harian"]),
        Visit("v-2", "bantaeng", "pd-1", _D(2012, 2, 9), member_ids=["BTG-3"]),
    ])  # fmt: skip
    work.plan(Plan("independence", _D(2014, 1, 31), recorded_on=_D(2013, 1, 10),
                   cluster_id="bantaeng"))  # fmt: skip
    work.plan(Plan("independence", _D(2014, 3, 25), recorded_on=_D(2013, 11, 4),
                   cluster_id="bantaeng", note="serah terima 25 Maret 2014"))  # fmt: skip
    work.add_commitment(Commitment(
        "btg-dinkop", "bupati", "Dinas Koperasi menerima proposal koperasi", _D(2011, 7, 6),
        cluster_id="bantaeng", due=_D(2012, 12, 31), person_id="bupati-btg",
        activity_id="btg-opening",
        updates=[CommitmentUpdate(_D(2012, 3, 1), "in_progress", evidence="surat 12/2012")],
    ))  # fmt: skip
    return program
