"""A member's business type is checked on every entry path (issue 11).

The model runs the check the plugins install (:mod:`klaster.model.sector_rules`): the API
(``add_member``, ``replace_member``, the constructors), program documents, the store's saves and
imports; loading a store does not refuse, ``klaster validate`` reports.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import attrs
import pytest

import klaster
from klaster.errors import DocumentError, StoreError, ValidationError
from klaster.model.sector_rules import business_type_problems, member_checks_paused
from klaster.testing.samples import SAMPLE_NAME, sample_program

VALID = "batik, cassava_crackers, traditional_food"


def newcomer(business_type: str | None = "spaceships") -> klaster.Member:
    return klaster.Member(
        id="BTG-9",
        name=SAMPLE_NAME,
        sex="female",
        household_size=3,
        village="Baruga",
        sector="umkm",
        joined=dt.date(2012, 1, 1),
        business_type=business_type,
    )


def assert_refused(text: str, where: str, member_id: str = "BTG-9") -> None:
    assert where in text
    assert f"member {member_id!r}" in text
    assert f"business types of sector 'umkm': {VALID}" in text
    assert "spaceships" not in text
    assert SAMPLE_NAME not in text


class TestApi:
    def test_add_member_refuses_an_undeclared_business_type(self) -> None:
        cluster = sample_program().clusters["bantaeng"]
        with pytest.raises(ValidationError) as caught:
            cluster.add_member(newcomer())
        assert_refused(str(caught.value), "members[3].business_type")
        assert "BTG-9" not in cluster.members
        assert cluster.add_member(newcomer("batik")).business_type == "batik"
        assert cluster.add_member(attrs.evolve(newcomer(None), id="BTG-10")).id == "BTG-10"

    def test_replace_member_and_check_member_refuse(self) -> None:
        cluster = sample_program().clusters["bantaeng"]
        old = cluster.members["BTG-1"]
        with pytest.raises(ValidationError) as caught:
            cluster.replace_member(attrs.evolve(old, business_type="spaceships"))
        assert_refused(str(caught.value), "members[0].business_type", "BTG-1")
        assert cluster.members["BTG-1"] == old
        with pytest.raises(ValidationError, match="business_type"):
            cluster.check_member(newcomer())

    def test_a_sector_no_plugin_provides_is_not_checked(self) -> None:
        # Unknown sectors are reported by klaster validate, not refused here.
        cluster = klaster.Cluster(
            "c", "C", klaster.Region.province("Banten", "36"), [klaster.ClusterSector("fishing")]
        )
        cluster.add_member(attrs.evolve(newcomer(), sector="fishing", village="Anywhere"))

    def test_program_level_problems(self) -> None:
        program = sample_program()
        cluster = program.clusters["bantaeng"]
        with member_checks_paused():
            cluster.add_member(newcomer())
        (problem,) = business_type_problems(program.clusters)
        assert_refused(problem, "clusters[0].members[3].business_type: ")
        found = klaster.plugins.get_host().validate_program(program)
        assert any(
            p.startswith("clusters[0].members[3]: business_type: member 'BTG-9'") for p in found
        )


class TestDocuments:
    def test_loads_refuses_with_a_located_error(self) -> None:
        document = json.loads(klaster.dumps(sample_program()))
        document["program"]["clusters"][0]["members"][1]["business_type"] = "spaceships"
        with pytest.raises(DocumentError) as caught:
            klaster.loads(json.dumps(document))
        assert_refused(str(caught.value), "program.clusters[0].members[1].business_type", "BTG-2")


class TestStore:
    def test_create_and_save_refuse_and_write_nothing(self, tmp_path: Path) -> None:
        program = sample_program()
        with member_checks_paused():  # as a program loaded from an older store can be
            program.clusters["bantaeng"].add_member(newcomer())
        target = tmp_path / "k.db"
        with pytest.raises(StoreError) as caught:
            klaster.Store.create(target, program)
        assert_refused(str(caught.value), "clusters[0].members[3].business_type")
        assert not target.exists()
        with klaster.Store.create(target, sample_program()) as store:
            with pytest.raises(StoreError, match="nothing was saved"):
                store.save_program(program)
            assert "BTG-9" not in store.load_program().clusters["bantaeng"].members

    def test_an_old_store_still_loads_and_validate_reports(self, tmp_path: Path) -> None:
        # A business type a plugin no longer declares: the store stays readable.
        target = tmp_path / "k.db"
        klaster.Store.create(target, sample_program()).close()
        conn = sqlite3.connect(target)
        try:
            with conn:
                conn.execute("UPDATE members SET business_type = 'spaceships' WHERE id = 'BTG-1'")
        finally:
            conn.close()
        with klaster.Store.open(target) as store:
            program = store.load_program()
            assert program.clusters["bantaeng"].members["BTG-1"].business_type == "spaceships"
            found = klaster.plugins.get_host().validate_program(program)
            assert any("member 'BTG-1'" in p and "business_type" in p for p in found)
            with pytest.raises(StoreError, match="member 'BTG-1'"):
                store.save_program(program)
