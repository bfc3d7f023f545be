"""Sector areas in the store: tables, round trips, rows written outside klaster, migration."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.documents.test_area_documents import program_with_everything
from tests.model.area_builders import area_cluster, area_program, area_programs, sectors, villager
from tests.store.version_1 import without_intake

from klaster import Program, StoreError
from klaster.store import Store, _schema
from klaster.store._ddl import program_ddl
from klaster.store._ddl_finance import finance_ddl
from klaster.testing import strategies as kst

from .test_schema import meta


def execute(path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(query).fetchall()


class TestTables:
    def test_saved_and_loaded(self, store_path: Path) -> None:
        p = program_with_everything()
        with Store.create(store_path, p) as store:
            assert store.load_program() == p
            assert store.load_cluster("bantaeng") == p.clusters["bantaeng"]
        assert rows(store_path, "SELECT sector, area FROM sector_areas ORDER BY sector, position")[
            :2
        ] == [("farming", "Eremerasa"), ("livestock", "73.03.05")]
        assert rows(store_path, "SELECT kind, record_id FROM area_overrides ORDER BY position") == [
            ("member", "M-2"),
            ("group", "G-1"),
            ("activity", "A-1"),
        ]
        assert rows(store_path, "SELECT village FROM groups") == [("Kampala",)]

    def test_saving_again_rewrites_them(self, store_path: Path) -> None:
        Store.create(store_path, program_with_everything()).close()
        plain = area_program(area_cluster(sectors=sectors({})))
        plain.clusters["bantaeng"].add_member(villager("M-1", "Rappoa"))
        with Store.open(store_path) as store:
            store.save_program(plain)
            assert store.load_program() == plain
        assert rows(store_path, "SELECT count(*) FROM sector_areas") == [(0,)]
        assert rows(store_path, "SELECT count(*) FROM area_overrides") == [(0,)]

    @pytest.mark.parametrize(
        ("statement", "where", "says"),
        [
            (
                "UPDATE members SET village = 'Kampala' WHERE id = 'M-1'",
                "members[0].village",
                "outside the area of sector 'umkm'",
            ),
            (
                "DELETE FROM area_overrides WHERE kind = 'group'",
                "groups[0].village",
                "AreaOverride('group', 'G-1', reason)",
            ),
            (
                "UPDATE area_overrides SET record_id = 'M-9' WHERE kind = 'member'",
                "members[1].village",  # M-2 lost its override (M-9 is checked after)
                "outside the area",
            ),
            (
                "UPDATE sector_areas SET area = 'Bacem' WHERE sector = 'farming'",
                "sectors[1].areas[0]",
                "not a kecamatan or desa",
            ),
        ],
    )
    def test_rows_written_outside_klaster_are_refused_on_load(
        self, store_path: Path, statement: str, where: str, says: str
    ) -> None:
        Store.create(store_path, program_with_everything()).close()
        execute(store_path, statement)
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        assert f"cluster 'bantaeng' is not valid ({where}: " in str(exc.value), str(exc.value)
        assert says in str(exc.value)

    def test_an_override_for_an_unknown_activity(self, store_path: Path) -> None:
        Store.create(store_path, program_with_everything()).close()
        execute(store_path, "UPDATE area_overrides SET record_id = 'A-9' WHERE kind = 'activity'")
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        assert "fieldwork.activities[0].village" in str(exc.value)  # A-1 lost its override


class TestMigration:
    def test_version_1_store_gains_the_area_tables(
        self, store_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = area_program(area_cluster(sectors=sectors({})))
        before.clusters["bantaeng"].add_member(villager("M-1", "Rappoa"))
        with monkeypatch.context() as patch:  # write a store as version 1 wrote it
            patch.setattr(_schema, "SCHEMA", program_ddl(1) + finance_ddl(1))
            patch.setattr(_schema, "STORE_SCHEMA_VERSION", 1)
            patch.setattr(_schema, "MIGRATIONS", {})
            patch.setattr("klaster.store._creation._fieldwork_rows.insert_history", lambda *a: None)
            patch.setattr("klaster.store._creation._results.append_versions", lambda *a: None)
            patch.setattr("klaster.store._program._fieldwork_rows.insert_entities", lambda *a: None)
            without_intake(patch)
            Store.create(store_path, before).close()
        assert meta(store_path)["schema_version"] == "1"
        with Store.open(store_path) as store:
            assert store.load_program() == before
            after = program_with_everything()
            store.save_program(after)  # the widened groups and the new tables take the areas
            assert store.load_program() == after
        assert "village" in [row[1] for row in rows(store_path, "PRAGMA table_info(groups)")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=area_programs())
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, program: Program) -> None:
    path = tmp_path_factory.mktemp("areas") / "p.klaster"
    with Store.create(path, program) as store:
        assert store.load_program() == program
        store.save_program(program)
        assert store.load_program() == program


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=kst.programs(with_areas=True))
def test_round_trip_of_random_regions_and_areas(
    tmp_path_factory: pytest.TempPathFactory, program: Program
) -> None:
    path = tmp_path_factory.mktemp("areas") / "p.klaster"
    with Store.create(path, program) as store:
        assert store.load_program() == program
