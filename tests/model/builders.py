"""Builders shared by the model tests: a member, the Tuban region, a cluster, a program...

Each builds valid records with personal data that :func:`assert_error` checks never leaks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from klaster import (
    Cluster,
    ClusterSector,
    Group,
    KlasterError,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
)

D = dt.date
# Personal data that must never show up in a message or a repr.
NAME = "Sitti Nurhayati Daeng Bau"
NIK = "7303014107800001"
PHONE = "+62 813 9876 5432"


def member(member_id: str = "M-1", **changes: Any) -> Member:
    fields: dict[str, Any] = {
        "id": member_id,
        "name": NAME,
        "sex": "female",
        "household_size": 4,
        "village": "Gaji",
        "sector": "umkm",
        "joined": D(2011, 6, 1),
        "national_id": NIK,
        "phone": PHONE,
    }
    fields.update(changes)
    return Member(**fields)


def tuban() -> Region:
    """Jawa Timur > Tuban > Kerek (35.23.08) with two desa; Gaji has a code."""
    kerek = Region.kecamatan(
        "Kerek", "35.23.08", [Region.desa("Gaji", "35.23.08.2001"), Region.desa("Hargoretno")]
    )
    return Region.province("Jawa Timur", "35", [Region.kabupaten("Tuban", "35.23", [kerek])])


def cluster(cluster_id: str = "tuban", **changes: Any) -> Cluster:
    fields: dict[str, Any] = {
        "id": cluster_id,
        "name": "Klaster Mandiri Tuban",
        "region": tuban(),
        "sectors": [ClusterSector("umkm", "mm"), ClusterSector("livestock", "ktn")],
    }
    fields.update(changes)
    return Cluster(**fields)


def group(group_id: str = "G-1", *member_ids: str, sector: str = "umkm") -> Group:
    return Group(
        id=group_id,
        name="Kelompok Mawar",
        sector=sector,
        formed=D(2011, 7, 1),
        memberships=[Membership(m, D(2011, 7, 1)) for m in member_ids],
    )


def organisations() -> list[Organisation]:
    return [
        Organisation("dd", "Dompet Dhuafa", "ngo"),
        Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
        Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        Organisation("bupati", "Bupati Tuban", "government"),
    ]


def program(*clusters: Cluster) -> Program:
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=organisations(),
        clusters=clusters,
    )


def assert_error(
    exc: pytest.ExceptionInfo[KlasterError],
    cls: type[KlasterError],
    path: str | None,
    *fragments: str,
) -> None:
    """The error is a ``cls`` at ``path``, says every fragment and leaks no personal data."""
    err = exc.value
    assert type(err) is cls
    assert isinstance(err, KlasterError)
    assert err.path == path
    text = str(err)
    if path is not None:
        assert text.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    for secret in (NAME, NIK, PHONE):
        assert secret not in text
