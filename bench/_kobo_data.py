"""A synthetic program and a Kobo-style survey export of it, for the import benchmark.

Shape: ``rows`` members in clusters of 10,000 (all in the UMKM sector), each surveyed once in a
monitoring round of its cluster. The export is what KoboToolbox writes as ``;``-separated CSV:
every cell quoted, group paths in the header, the meta columns (``_id``, ``_uuid``,
``_submission_time``, ``_index``...), a select-multiple as its summary column plus a 0/1 column
per option. Six variables: income in thousands of Rupiah (``ribu``, scaled x1000), revenue in
thousands with one decimal, household size and workers (integers), whether the business still
runs (``ya``/``tidak``) and whether it holds a business ID (the ``nib`` option of the documents
question). About 3% of incomes are left empty (revenue, workers and the business
flag are required of UMKM members). Fixed seed: the same ``rows``
always give the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import uuid
from pathlib import Path

from klaster import Cluster, ClusterSector, Member, Organisation, Program, Region

CLUSTER_SIZE = 10_000
ROUND_ON = dt.date(2015, 3, 2)
HEADER = [
    "start",
    "end",
    "today",
    "deviceid",
    "identitas/klaster",
    "identitas/id_mitra",
    "ekonomi/pendapatan",
    "ekonomi/jumlah_art",
    "usaha/omzet",
    "usaha/pekerja",
    "usaha/jalan",
    "usaha/dokumen",
    "usaha/dokumen/nib",
    "usaha/dokumen/pirt",
    "usaha/dokumen/halal",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]
MAPPING = """\
mapping_version = 1
form = "survey"
unit = "identitas/id_mitra"

[source]
delimiter = ";"

[cluster]
column = "identitas/klaster"

[round]
id = "{cluster}-monitoring-2015"
kind = "monitoring"
on = 2015-03-02

[variables.monthly_income]
column = "ekonomi/pendapatan"
scale = "ribu"

[variables.household_size]
column = "ekonomi/jumlah_art"

[variables.monthly_revenue]
column = "usaha/omzet"
scale = "ribu"

[variables.workers]
column = "usaha/pekerja"

[variables.business_running]
column = "usaha/jalan"
values = { ya = true, tidak = false }

[variables.business_registered]
column = "usaha/dokumen"
option = "nib"
"""
VARIABLES = (
    "monthly_income",
    "household_size",
    "monthly_revenue",
    "workers",
    "business_running",
    "business_registered",
)


def cluster_ids(rows: int) -> list[str]:
    """The clusters of a program of ``rows`` members."""
    return [f"k{c:03d}" for c in range(-(-rows // CLUSTER_SIZE))]


def program(rows: int) -> Program:
    """``rows`` members in clusters of 10,000, built through the public constructors."""
    result = Program(
        id="bench-import",
        name="Import benchmark",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
        ],
    )
    for c, cluster_id in enumerate(cluster_ids(rows)):
        size = min(CLUSTER_SIZE, rows - c * CLUSTER_SIZE)
        cluster = Cluster(
            id=cluster_id,
            name=f"Klaster {c}",
            region=Region.province(
                "Sulawesi Selatan",
                "73",
                [
                    Region.kabupaten(
                        f"Kabupaten {c}",
                        None,
                        [Region.kecamatan("Kota", None, [Region.desa("Letta")])],
                    )
                ],
            ),
            sectors=[ClusterSector("umkm", "mm")],
        )
        cluster.add_members(
            Member(
                id=f"{cluster_id}-{m:05d}",
                name="Mitra",
                sex="female",
                household_size=4,
                village="Letta",
                sector="umkm",
                joined=dt.date(2012, 1, 2),
            )
            for m in range(size)
        )
        result.add_cluster(cluster)
    return result


def write_export(path: Path, rows: int, *, seed: int = 2015) -> None:
    """Write the Kobo-style ``;`` CSV of ``rows`` submissions (see the module docstring)."""
    rng = random.Random(seed)
    started = dt.datetime(2015, 3, 2, 8, 0, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(HEADER)
        for index in range(rows):
            cluster_id = f"k{index // CLUSTER_SIZE:03d}"
            member = f"{cluster_id}-{index % CLUSTER_SIZE:05d}"
            at = started + dt.timedelta(seconds=index * 7)
            running = rng.random() < 0.9
            documents = [d for d in ("nib", "pirt", "halal") if rng.random() < 0.3]
            income = "" if rng.random() < 0.03 else str(rng.randrange(400, 9000, 5))
            revenue = f"{rng.randrange(0, 25000)}.{rng.randrange(10)}"
            out.writerow(
                [
                    at.isoformat(timespec="milliseconds") + "+08:00",
                    (at + dt.timedelta(minutes=12)).isoformat(timespec="milliseconds") + "+08:00",
                    at.date().isoformat(),
                    f"collect:{rng.getrandbits(48):012x}",
                    cluster_id,
                    member,
                    income,
                    str(rng.randint(1, 9)),
                    revenue if running else "0",
                    str(rng.randint(1, 5)) if running else "0",
                    "ya" if running else "tidak",
                    " ".join(documents),
                    *("1" if d in documents else "0" for d in ("nib", "pirt", "halal")),
                    str(100_000 + index),
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    (at + dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
                    "",
                    "[]",
                    "submitted_via_web",
                    "enumerator",
                    "vQ7mGxB2kD",
                    "[]",
                    str(index + 1),
                ]
            )
