"""A small, hand-written program touching every record kind, for tests of code using klaster.

Where :mod:`klaster.testing.strategies` generates many programs, :func:`sample_program` is one
fixed program a reader can follow: one cluster in Bantaeng with three members (one carrying a
name, national ID number and phone, so tests can check that they never leak into errors or
logs), two groups, a legal cooperative, a region with statistics and a lifecycle with a
suspension. A new program is built on every call, so tests may change it.
"""

from __future__ import annotations

import datetime as dt

from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Lifecycle
from klaster.model.member import Member
from klaster.model.organisation import ClusterSector, Organisation, Stakeholder
from klaster.model.program import Program
from klaster.model.region import Region, RegionStat

__all__ = ["SAMPLE_NAME", "SAMPLE_NATIONAL_ID", "SAMPLE_PHONE", "SAMPLE_SECRETS", "sample_program"]

SAMPLE_NAME = "Hasnah Daeng Tayang"
"""The name of member ``BTG-1`` of :func:`sample_program`."""
SAMPLE_NATIONAL_ID = "7303015506790002"
"""The national ID number (NIK) of member ``BTG-1``."""
SAMPLE_PHONE = "0813 5544 2211"
"""The phone number of member ``BTG-1``."""
SAMPLE_SECRETS = (SAMPLE_NAME, SAMPLE_NATIONAL_ID, SAMPLE_PHONE)
"""The personal data no error, log or export of :func:`sample_program` may show."""

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
