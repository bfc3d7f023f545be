"""Programs: program-wide IDs and organisation references."""

from __future__ import annotations

from typing import Any

import pytest
from tests.model.builders import (
    assert_error,
    cluster,
    group,
    member,
    program,
)

import klaster
from klaster import (
    ClusterSector,
    Cooperative,
    DuplicateIdError,
    InvalidReferenceError,
    Organisation,
    Program,
    Stakeholder,
)


# -- programs -------------------------------------------------------------------------------------
class TestProgram:
    def test_duplicate_member_across_clusters(self) -> None:
        tuban_ = cluster("tuban", members=[member("M-1")])
        blora = cluster("blora", members=[member("M-2"), member("M-1")])
        with pytest.raises(DuplicateIdError) as exc:
            program(tuban_, blora)
        assert_error(
            exc,
            DuplicateIdError,
            "clusters[1].members[1].id",
            "'M-1'",
            "clusters[0] ('tuban')",
            "unique in the program",
        )

    @pytest.mark.parametrize("kind", ["groups", "cooperatives"])
    def test_duplicate_group_or_cooperative_across_clusters(self, kind: str) -> None:
        def records() -> dict[str, Any]:
            if kind == "groups":
                return {"groups": [group("X-1")]}
            return {"cooperatives": [Cooperative("X-1", "Koperasi", ["umkm"])]}

        p = program(cluster("tuban", **records()))
        with pytest.raises(DuplicateIdError) as exc:
            p.add_cluster(cluster("blora", **records()))
        assert_error(exc, DuplicateIdError, f"clusters[1].{kind}[0].id", "'X-1'")
        assert p.clusters.ids() == ("tuban",)  # a refused cluster is not kept

    def test_duplicate_cluster_id(self) -> None:
        p = program(cluster("tuban"))
        with pytest.raises(DuplicateIdError) as exc:
            p.add_cluster(cluster("tuban"))
        assert_error(exc, DuplicateIdError, "clusters[1].id", "'tuban'")
        with pytest.raises(DuplicateIdError) as exc:
            program(cluster("tuban"), cluster("tuban"))
        assert_error(exc, DuplicateIdError, "clusters[1].id", "'tuban'")

    def test_same_id_in_different_kinds_is_fine(self) -> None:
        c = cluster(members=[member("X")], groups=[group("X", "X")])
        c.add_cooperative(Cooperative("X", "Koperasi X", ["umkm"], ["X"]))
        built = program(c)
        assert built.clusters[c.id].cooperatives["X"].member_ids == ("X",)
        assert built.clusters[c.id].groups["X"].member_ids() == ("X",)

    def test_duplicate_added_later_is_caught_before_writing(self) -> None:
        # A cluster does not know its program: dumps() validates the whole program first.
        tuban_, blora = cluster("tuban", members=[member("M-1")]), cluster("blora")
        p = program(tuban_, blora)
        blora.add_member(member("M-1"))
        with pytest.raises(DuplicateIdError) as exc:
            klaster.dumps(p)
        assert_error(exc, DuplicateIdError, "clusters[1].members[0].id", "'M-1'")

    def test_running_organisation_must_be_listed(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            Program(id="km", name="Klaster Mandiri", organisation_id="dd")
        assert_error(exc, InvalidReferenceError, "organisation_id", "'dd'", "organisations")

    def test_unknown_partner_and_stakeholder(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            program(cluster(sectors=[ClusterSector("umkm", "pertanian-sehat")]))
        assert_error(
            exc,
            InvalidReferenceError,
            "clusters[0].sectors[0].partner_id",
            "'pertanian-sehat'",
            "known: dd, mm, ktn, bupati",
        )
        with pytest.raises(InvalidReferenceError) as exc:
            program(cluster(stakeholders=[Stakeholder("bappeda", "opening workshop")]))
        assert_error(
            exc, InvalidReferenceError, "clusters[0].stakeholders[0].organisation_id", "'bappeda'"
        )

    def test_duplicate_organisation(self) -> None:
        with pytest.raises(DuplicateIdError) as exc:
            Program("km", "KM", "dd", [Organisation("dd", "DD", "ngo")] * 2)
        assert_error(exc, DuplicateIdError, "organisations[1].id", "'dd'")
        p = program()
        with pytest.raises(DuplicateIdError) as exc:
            p.add_organisation(Organisation("mm", "Another", "funder"))
        assert_error(exc, DuplicateIdError, "organisations[4].id", "'mm'")

    def test_queries(self) -> None:
        p = program(cluster("tuban", members=[member("M-1")]), cluster("blora"))
        assert [m.id for m in p.members()] == ["M-1"]
        found = p.cluster_of_member("M-1")
        assert found is not None
        assert found.id == "tuban"
        assert p.cluster_of_member("M-2") is None
