"""``fill_cluster_columns(cooperatives=...)``: a loader's cooperatives checked as ``Cluster`` does.

The cooperatives' members are judged a list at a time; a refused one raises the error
``Cluster.add_cooperative`` raises, and the cluster is left empty (all or nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.model.builders import cluster, member

from klaster import Cooperative, KlasterError
from klaster.model.bulk import fill_cluster_columns

D = dt.date
_MEMBERS: dict[str, Any] = {
    "id": ["M-1", "M-2"],
    "name": ["Siti", "Ani"],
    "sex": ["female", "female"],
    "household_size": [4, 3],
    "village": ["Gaji", "Gaji"],
    "sector": ["umkm", "livestock"],
    "joined": ["2011-06-01", "2011-06-01"],
}
_NONE: dict[str, Any] = {"id": [], "name": [], "sector": [], "formed": []}
_NO_SPELLS: dict[str, Any] = {"group_id": [], "member_id": [], "joined": []}


def coop(*member_ids: str, sectors: tuple[str, ...] = ("umkm",)) -> Cooperative:
    return Cooperative("kop", "Koperasi", sectors, member_ids)


class TestCooperatives:
    def test_taken_as_the_constructor_takes_them(self) -> None:
        filled = cluster()
        fill_cluster_columns(
            filled, _MEMBERS, _NONE, _NO_SPELLS, cooperatives=[coop("M-1", "M-2",
            sectors=("umkm", "livestock"))]
        )  # fmt: skip
        built = cluster(
            members=[member("M-1", name="Siti", national_id=None, phone=None),
                     member("M-2", name="Ani", household_size=3, sector="livestock",
                            national_id=None, phone=None)],
            cooperatives=[coop("M-1", "M-2", sectors=("umkm", "livestock"))],
        )  # fmt: skip
        assert filled.members == built.members
        assert list(filled.cooperatives) == list(built.cooperatives)

    @pytest.mark.parametrize(
        "refused",
        [
            pytest.param(coop("M-1", "M-9"), id="member-not-of-the-cluster"),
            pytest.param(coop("M-1", "M-2"), id="member-of-a-sector-not-served"),
            pytest.param(coop(sectors=("umkm", "fishing")), id="sector-not-of-the-cluster"),
        ],
    )
    def test_refused_as_add_cooperative_refuses(self, refused: Cooperative) -> None:
        expected = cluster(
            members=[member("M-1"), member("M-2", sector="livestock")],
        )
        with pytest.raises(KlasterError) as one_by_one:
            expected.add_cooperative(refused)
        filled = cluster()
        with pytest.raises(KlasterError) as bulk:
            fill_cluster_columns(filled, _MEMBERS, _NONE, _NO_SPELLS, cooperatives=[refused])
        assert type(bulk.value) is type(one_by_one.value)
        assert str(bulk.value) == str(one_by_one.value)
        assert not len(filled.members)
        assert not len(filled.cooperatives)

    def test_a_cooperative_twice(self) -> None:
        filled = cluster()
        with pytest.raises(KlasterError, match="duplicate ID 'kop'"):
            fill_cluster_columns(
                filled, _MEMBERS, _NONE, _NO_SPELLS, cooperatives=[coop("M-1"), coop("M-1")]
            )
        assert not len(filled.cooperatives)
        assert not len(filled.members)
