"""People, fieldwork and cooperative boards in the store: tables, round trips, history."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from tests.store.version_1 import without_intake

from klaster import KlasterError, Program, StoreError
from klaster.model.activity import Participant
from klaster.model.commitment import CommitmentUpdate
from klaster.model.mentoring import Visit
from klaster.model.plans import Plan
from klaster.store import Store, _schema
from klaster.store._ddl import program_ddl
from klaster.store._ddl_finance import finance_ddl
from klaster.testing.fieldwork_strategies import programs_with_fieldwork
from klaster.testing.samples import SAMPLE_FIELDWORK_SECRETS, sample_program_with_fieldwork

from .test_schema import SCHEMA_V1_SHA256, meta

D = dt.date


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def full() -> Program:
    return sample_program_with_fieldwork()


class TestRoundTrip:
    def test_create_and_load(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            loaded = store.load_program()
        assert loaded == full
        assert loaded.fieldwork == full.fieldwork
        assert list(loaded.people) == list(full.people)
        coop = loaded.clusters["bantaeng"].cooperatives["irman"]
        assert coop.board == full.clusters["bantaeng"].cooperatives["irman"].board
        assert loaded.fieldwork.visits.extras() == full.fieldwork.visits.extras()

    def test_real_tables(self, store_path: Path, full: Program) -> None:
        Store.create(store_path, full).close()
        # One row per participant: the attendance rows.
        assert rows(
            store_path,
            "SELECT participant_id, kind, attended FROM activity_participants "
            "WHERE activity_id = 'btg-opening' ORDER BY position",
        ) == [("bupati-btg", "person", 1), ("BTG-1", "member", 1), ("BTG-2", "member", 0),
              ("BTG-K01", "group", 1)]  # fmt: skip
        assert rows(store_path, "SELECT kind, subject_id FROM visit_subjects") == [
            ("group", "BTG-K01"),
            ("member", "BTG-3"),
        ]
        counts = {
            t: rows(store_path, f"SELECT count(*) FROM {t}")[0][0]
            for t in ("people", "person_positions", "board_terms", "activities", "assignments",
                      "visits", "plans", "commitments", "commitment_updates")
        }  # fmt: skip
        assert counts == {
            "people": 2, "person_positions": 2, "board_terms": 2, "activities": 2,
            "assignments": 1, "visits": 2, "plans": 2, "commitments": 1, "commitment_updates": 1,
        }  # fmt: skip

    def test_save_extends_and_rewrites(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            program = store.load_program()
            work = program.fieldwork
            work.hold(
                "btg-board-training", D(2013, 9, 12),
                attendance=[Participant("board", "irman", True)],
            )  # fmt: skip
            work.log_visit(Visit("v-3", "bantaeng", "pd-1", D(2012, 3, 1), member_ids=["BTG-3"]))
            work.plan(Plan("handover", D(2014, 3, 25), recorded_on=D(2013, 12, 1),
                           cluster_id="bantaeng"))  # fmt: skip
            work.update_commitment("btg-dinkop", CommitmentUpdate(D(2012, 11, 1), "fulfilled"))
            store.save_program(program)
            again = store.load_program()
        assert again == program
        assert again.fieldwork.activities["btg-board-training"].happened

    def test_secrets_stay_out_of_errors(self, store_path: Path, full: Program) -> None:
        Store.create(store_path, full).close()
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("UPDATE people SET id = 'pd-9' WHERE id = 'pd-1'")
            conn.execute("UPDATE person_positions SET person_id = 'pd-9' WHERE person_id = 'pd-1'")
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        text = str(exc.value)
        assert "changed outside klaster" in text
        assert "pd-1" in text  # the visit's facilitator is no longer among the people
        assert not any(secret in text for secret in SAMPLE_FIELDWORK_SECRETS)


class TestHistory:
    @pytest.mark.parametrize(
        ("table", "column"),
        [("visits", "note"), ("visit_subjects", "subject_id"), ("plans", "note"),
         ("commitment_updates", "note")],
    )  # fmt: skip
    def test_append_only(self, store_path: Path, full: Program, table: str, column: str) -> None:
        Store.create(store_path, full).close()
        with contextlib.closing(sqlite3.connect(store_path)) as conn:
            for statement in (f"DELETE FROM {table}", f"UPDATE {table} SET {column} = 'x'"):
                with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                    conn.execute(statement)

    def test_rewritten_plan_is_refused(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            program = store.load_program()
            first = program.fieldwork.plans[0]
            plans = [attrs.evolve(first, on=D(2014, 2, 1)), *program.fieldwork.plans[1:]]
            changed = attrs.evolve(program.fieldwork, plans=plans)
            other = attrs.evolve(program, fieldwork=changed)
            with pytest.raises(StoreError, match=r"fieldwork\.plans\[0\] differs.*Nothing"):
                store.save_program(other)
            assert store.load_program() == full

    def test_dropped_visit_is_refused(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            program = store.load_program()
            fewer = attrs.evolve(program.fieldwork, visits=list(program.fieldwork.visits)[1:])
            with pytest.raises(StoreError, match=r"fieldwork\.visits\[0\] differs"):
                store.save_program(attrs.evolve(program, fieldwork=fewer))
            assert store.load_program() == full

    def test_rewritten_commitment_update_is_refused(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            program = store.load_program()
            old = program.fieldwork.commitments["btg-dinkop"]
            new = attrs.evolve(old, updates=[CommitmentUpdate(D(2012, 3, 1), "broken")])
            work = attrs.evolve(program.fieldwork, commitments=[new])
            with pytest.raises(StoreError, match=r"btg-dinkop\]\.updates\[0\] differs"):
                store.save_program(attrs.evolve(program, fieldwork=work))
            assert store.load_program() == full

    def test_refused_fieldwork_writes_nothing(self, store_path: Path, full: Program) -> None:
        with Store.create(store_path, full) as store:
            program = store.load_program()
            # Behind the checks (an internal method): a visit after the assignment ended.
            program.fieldwork.visits.append(
                Visit("v-late", "bantaeng", "pd-1", D(2015, 1, 5), member_ids=["BTG-3"])
            )
            with pytest.raises(KlasterError, match=r"fieldwork\.visits\[2\]\.on"):
                store.save_program(program)
            assert store.load_program() == full
        assert rows(store_path, "SELECT count(*) FROM visits") == [(2,)]


class TestMigration:
    def test_version_1_store_is_migrated(
        self, store_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        plain = sample_program_with_fieldwork()
        before = Program(
            plain.id, plain.name, plain.organisation_id, plain.organisations,
            [attrs.evolve(c, cooperatives=[attrs.evolve(k, board=()) for k in c.cooperatives])
             for c in plain.clusters],
        )  # fmt: skip
        with monkeypatch.context() as patch:  # write a store as version 1 wrote it
            v1 = program_ddl(1) + finance_ddl(1)
            assert hashlib.sha256(v1.encode("utf-8")).hexdigest() == SCHEMA_V1_SHA256
            patch.setattr(_schema, "SCHEMA", v1)
            patch.setattr(_schema, "STORE_SCHEMA_VERSION", 1)
            patch.setattr(_schema, "MIGRATIONS", {})
            patch.setattr("klaster.store._creation._fieldwork_rows.insert_history",
                          lambda *args: None)  # fmt: skip
            patch.setattr("klaster.store._creation._results.append_versions",
                          lambda *args: None)  # fmt: skip
            patch.setattr("klaster.store._program._fieldwork_rows.insert_entities",
                          lambda *args: None)  # fmt: skip
            without_intake(patch)
            Store.create(store_path, before).close()
        assert meta(store_path)["schema_version"] == "1"
        with Store.open(store_path) as store:
            assert store.schema_version == _schema.STORE_SCHEMA_VERSION
            assert store.load_program() == before
            store.save_program(plain)  # the version-2 tables take the fieldwork
            assert store.load_program() == plain
        assert meta(store_path)["schema_version"] == str(_schema.STORE_SCHEMA_VERSION)


class TestProperty:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=programs_with_fieldwork())
    def test_store_round_trip_is_equal(self, tmp_path_factory: pytest.TempPathFactory,
                                       program: Program) -> None:  # fmt: skip
        path = tmp_path_factory.mktemp("prop") / "p.klaster"
        with Store.create(path, program) as store:
            loaded = store.load_program()
            assert loaded == program
            assert loaded.fieldwork.visits.extras() == program.fieldwork.visits.extras()
            store.save_program(loaded)  # saving what was loaded rewrites nothing of the history
            assert store.load_program() == program
