"""The program read's shortcuts: each small table read once, spells and cooperatives by key.

A cluster's region, sectors, stakeholders, overrides, cooperatives and history are read once for
the whole program and handed out per cluster; its spells and cooperative members are read along
their primary keys. Each test here fails if a shortcut hands a cluster another's rows, drops or
adds one, or reads per cluster again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.model.builders import member, tuban
from tests.store.test_column_load import (
    both_loads,
    both_refusals,
    column_loads,
    execute,
)

from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Membership,
    Program,
    Region,
    RegionStat,
    Stakeholder,
)
from klaster.model.board import BoardTerm
from klaster.model.sector_areas import AreaOverride
from klaster.store import Store
from klaster.testing.samples import sample_program

D = dt.date


def second_cluster() -> Cluster:
    """Tuban: another province and kabupaten, with its own stats, cooperative and board."""
    region = tuban()
    stat = RegionStat(2015, "BPS Tuban", "bps_headcount", 1_100_000, 196_000)
    region = Region(
        region.level, region.name, region.code, region.bps_code, region.children, [stat]
    )
    sectors = [ClusterSector("umkm", "mm", ["Gaji"]), ClusterSector("livestock", None)]
    members = [
        member("TBN-1"),
        member("TBN-2", village="Hargoretno"),  # outside the umkm area, with an override
        member("TBN-3", sector="livestock", joined=D(2012, 1, 1)),
    ]
    groups = [
        Group("TBN-K1", "Kelompok Gaji", "umkm", D(2011, 7, 1),
              [Membership("TBN-1", D(2011, 7, 1), role="chair"),
               Membership("TBN-2", D(2011, 7, 1), left=D(2012, 1, 1))]),
        Group("TBN-K2", "Kelompok Ternak", "livestock", D(2012, 1, 1),
              [Membership("TBN-3", D(2012, 2, 1))], capacity=5),
    ]  # fmt: skip
    coop = Cooperative(
        "tbn-kop",
        "Koperasi Tuban",
        ["umkm", "livestock"],
        ["TBN-3", "TBN-1"],
        founded=D(2013, 1, 1),
        legal=LegalStatus("12/BH/2014", D(2014, 3, 1)),
        board=[BoardTerm("TBN-1", "chair", D(2013, 1, 1))],
    )
    return Cluster(
        "tuban",
        "Klaster Mandiri Tuban",
        region,
        sectors,
        members=members,
        groups=groups,
        cooperatives=[coop],
        stakeholders=[Stakeholder("dd", "funds the cluster")],
        note="the second cluster",
        area_overrides=[AreaOverride("member", "TBN-2", "moved after joining", "mm")],
    )


def two_clusters() -> Program:
    program = sample_program()
    return Program(
        program.id,
        program.name,
        program.organisation_id,
        program.organisations,
        [*program.clusters, second_cluster()],
        program.note,
        program.people,
        program.fieldwork,
        program.results,
        locations=program.locations,
        intake=program.intake,
    )


@contextlib.contextmanager
def statements(path: Path) -> Iterator[list[str]]:
    """The SQL the store runs inside the block (its connection traced)."""
    seen: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)
        conn.set_trace_callback(seen.append)
        return conn

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite3, "connect", traced)
        yield seen


class TestEachClusterItsOwnRows:
    def test_two_clusters_in_different_regions(self, store_path: Path) -> None:
        program = two_clusters()
        Store.create(store_path, program).close()
        fast, slow, seen = both_loads(store_path)
        assert seen == [True, True]
        assert fast == slow == program
        for cluster in program.clusters:
            loaded = fast.clusters[cluster.id]
            assert loaded.region == cluster.region
            assert loaded.sectors == cluster.sectors
            assert loaded.stakeholders == cluster.stakeholders
            assert list(loaded.cooperatives) == list(cluster.cooperatives)
            assert loaded.lifecycle.history == cluster.lifecycle.history
            assert loaded.area_overrides == cluster.area_overrides
            assert (loaded.name, loaded.note) == (cluster.name, cluster.note)

    def test_one_cluster_at_a_time(self, store_path: Path) -> None:
        program = two_clusters()
        Store.create(store_path, program).close()
        with Store.open(store_path) as store, column_loads() as seen:
            for cluster in program.clusters:
                assert store.load_cluster(cluster.id) == cluster
        assert seen == [True, True]

    def test_the_small_tables_are_read_once(self, store_path: Path) -> None:
        Store.create(store_path, two_clusters()).close()
        with statements(store_path) as seen, Store.open(store_path) as store:
            store.load_program()
        for table in ("regions", "region_stats", "cluster_sectors", "cooperatives"):
            reads = [s for s in seen if f"FROM {table} " in f"{s} " and "SELECT" in s]
            assert len(reads) == 1, (table, reads)


class TestRowsByKey:
    def test_a_spell_under_a_group_of_no_cluster(self, store_path: Path) -> None:
        # Read by group, the cluster's spells miss one whose group is not the cluster's; the
        # load by cluster drops it too (its group is not built): the same program.
        program = two_clusters()
        Store.create(store_path, program).close()
        execute(
            store_path,
            "INSERT INTO memberships VALUES ('NO-GROUP', 0, 'bantaeng', 'BTG-1', '2012-01-01', "
            "NULL, 'member')",
            "INSERT INTO memberships VALUES ('TBN-K1', 9, 'bantaeng', 'BTG-1', '2012-01-01', "
            "NULL, 'member')",
        )
        fast, slow, _ = both_loads(store_path)
        assert fast == slow == program

    def test_a_cooperative_member_row_of_another_cluster(self, store_path: Path) -> None:
        program = two_clusters()
        Store.create(store_path, program).close()
        execute(
            store_path,
            "INSERT INTO cooperative_members VALUES ('tbn-kop', 9, 'bantaeng', 'BTG-1')",
        )
        fast, slow, _ = both_loads(store_path)
        assert fast == slow == program


_COOP = "INSERT INTO cooperative_members VALUES ('irman', 9, 'bantaeng', {})"


class TestCooperativesRefused:
    @pytest.mark.parametrize(
        "statements",
        [
            pytest.param([_COOP.format("'BTG-9'")], id="member-not-of-the-cluster"),
            pytest.param([_COOP.format("'TBN-1'")], id="member-of-another-cluster"),
            pytest.param(
                [
                    "DELETE FROM cooperative_sectors WHERE cooperative_id = 'irman' "
                    "AND sector = 'livestock'"
                ],
                id="member-of-a-sector-not-served",
            ),
            pytest.param(
                [
                    "UPDATE cooperative_sectors SET sector = 'fishing' "
                    "WHERE sector = 'livestock' AND cluster_id = 'bantaeng'",
                    "DELETE FROM cooperative_members WHERE member_id = 'BTG-3'",
                ],
                id="sector-not-of-the-cluster",
            ),
        ],
    )
    def test_the_row_by_row_message(self, store_path: Path, statements: list[str]) -> None:
        message = both_refusals(store_path, two_clusters(), statements)
        assert "cluster 'bantaeng'" in message
        assert "cooperatives[0]" in message


class TestCollector:
    def test_the_loaded_program_is_in_the_oldest_generation(self, store_path: Path) -> None:
        Store.create(store_path, two_clusters()).close()
        with Store.open(store_path) as store:
            program = store.load_program()
        young = {id(found) for generation in (0, 1) for found in gc.get_objects(generation)}
        records = [*program.clusters, *(m for c in program.clusters for m in c.members)]
        assert not any(id(record) in young for record in records)

    def test_a_dropped_program_is_collected(self, store_path: Path) -> None:
        Store.create(store_path, two_clusters()).close()
        with Store.open(store_path) as store:
            program = store.load_program()
        cluster = weakref.ref(program.clusters["tuban"])  # (a cluster holds a reference cycle)
        del program
        gc.collect()
        assert cluster() is None

    def test_a_callers_freeze_is_kept(self, store_path: Path) -> None:
        Store.create(store_path, two_clusters()).close()
        kept = [object()]  # a tracked object of the caller's, frozen
        gc.freeze()
        try:
            with Store.open(store_path) as store:
                store.load_program()
            assert gc.get_freeze_count() > 0
            assert id(kept) not in {id(found) for found in gc.get_objects()}  # still frozen
        finally:
            gc.unfreeze()
