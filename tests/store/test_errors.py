"""SQLite's errors become StoreErrors that name the file and what to do, never personal data."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from klaster import KlasterError, Program, StoreBusyError, StoreError, ValidationError
from klaster.observations import Observations, Round
from klaster.store import Store
from klaster.store._connection import store_error


class TestTranslation:
    @pytest.mark.parametrize(
        ("raised", "expected"),
        [
            (sqlite3.OperationalError("database is locked"), "locked by another process"),
            (sqlite3.IntegrityError("UNIQUE constraint failed: members.id"),
             "constraint failed: members.id (UNIQUE)"),
            (sqlite3.IntegrityError("FOREIGN KEY constraint failed"),
             "constraint failed: a foreign key (FOREIGN KEY)"),
            (sqlite3.IntegrityError("ledger_entries is append-only: the ledger is only ever "
                                    "extended"), "ledger_entries is append-only"),
            (sqlite3.DatabaseError("file is not a database"), "not a klaster store"),
            (sqlite3.DatabaseError("database disk image is malformed"), "restore it from a backup"),
            (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
            (sqlite3.OperationalError("database or disk is full"), "free disk space"),
        ],
    )  # fmt: skip
    def test_messages(self, raised: sqlite3.Error, expected: str) -> None:
        error = store_error(raised, Path("km.klaster"), "apply the import")
        assert isinstance(error, StoreError)
        assert str(error).startswith("km.klaster: cannot apply the import: ")
        assert expected in str(error)
        assert isinstance(error, StoreBusyError) == ("locked" in expected)


class TestFaults:
    def test_busy_writer(self, store_path: Path, program: Program) -> None:
        Store.create(store_path, program).close()
        other = sqlite3.connect(store_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process's write in progress
            with Store.open(store_path, timeout=0.1) as store:
                assert store.cluster_ids() == ("bantaeng",)  # reading still works
                with pytest.raises(StoreBusyError, match=f"{store_path}: cannot add the round"):
                    store.add_round(Round("bl", "bantaeng", "baseline", "2011-06-15"))
            other.execute("ROLLBACK")
        finally:
            other.close()
        with Store.open(store_path) as store:
            assert store.rounds() == ()

    def test_readonly_store(self, store_path: Path, program: Program) -> None:
        Store.create(store_path, program).close()
        with Store.open(store_path, readonly=True) as store:
            assert store.load_program() == program
            with pytest.raises(StoreError, match="open it with readonly=False"):
                store.save_program(program)

    def test_bad_timeout(self, store_path: Path) -> None:
        with pytest.raises(ValidationError, match="timeout"):
            Store.open(store_path, timeout=-1)

    def test_tampered_store_is_named_not_shown(
        self, store_path: Path, program: Program, secrets: tuple[str, ...]
    ) -> None:
        Store.create(store_path, program).close()
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute(
                "UPDATE members SET national_id = ? || 'x' WHERE id = 'BTG-1'", (secrets[1],)
            )
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        text = str(exc.value)
        assert "cluster 'bantaeng' is not valid" in text
        assert "changed outside klaster" in text
        assert all(secret not in text for secret in secrets)

    def test_cooperative_of_members_of_another_sector(
        self, store_path: Path, program: Program, secrets: tuple[str, ...]
    ) -> None:
        # Stored programs load through the cluster's checks: a cooperative that no longer
        # serves its livestock member's sector is refused, located, without personal data.
        Store.create(store_path, program).close()
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("DELETE FROM cooperative_sectors WHERE sector = 'livestock'")
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        text = str(exc.value)
        assert "cooperatives[0].member_ids[1]: member 'BTG-3' works in sector 'livestock'" in text
        assert "the cooperative serves 'umkm'" in text
        assert all(secret not in text for secret in secrets)

    def test_integrity_check_names_what_failed(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        Store.create(store_path, program, observations=observations).close()
        with Store.open(store_path) as store:
            store.integrity_check()
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("DELETE FROM units WHERE id = 'BTG-2'")
            conn.execute("DELETE FROM cooperative_members")
            conn.execute("DELETE FROM memberships")
            conn.execute("DELETE FROM members WHERE id = 'BTG-3'")
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.integrity_check()
        text = str(exc.value)
        assert "units → members/groups/cooperatives (1 member)" in text
        assert "observation_values → rounds/variables/units" in text

    def test_wrong_arguments(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            for call in (
                lambda: store.save_program("program"),  # type: ignore[arg-type]
                lambda: store.save_observations([]),  # type: ignore[arg-type]
                lambda: store.save_finance("books"),  # type: ignore[arg-type]
                lambda: store.add_round("bl"),  # type: ignore[arg-type]
                lambda: store.apply_import({}),  # type: ignore[arg-type]
            ):
                with pytest.raises(KlasterError):
                    call()


class TestMismatches:
    def test_observations_of_units_not_stored(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        smaller = Program(program.id, program.name, program.organisation_id, program.organisations)
        with Store.create(store_path, smaller) as store:
            with pytest.raises(StoreError, match="cluster 'bantaeng' is not in the store"):
                store.save_observations(observations)
            assert store.rounds() == ()
        # The cluster, but not its members.
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("INSERT INTO clusters VALUES ('bantaeng', 0, 'Bantaeng', NULL)")
        with Store.open(store_path) as store:
            with pytest.raises(StoreError, match="units the stored program does not have"):
                store.save_observations(observations)
            assert store.rounds() == ()

    def test_load_with_another_program(self, store_path: Path, program: Program) -> None:
        other = Program("other", "Other", "dd", program.organisations)
        with (
            Store.create(store_path, program) as store,
            pytest.raises(StoreError, match="holds program 'klaster-mandiri', not 'other'"),
        ):
            store.load_observations(program=other)

    def test_catalogue_without_a_stored_variable(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        with (
            Store.create(store_path, program, observations=observations) as store,
            pytest.raises(StoreError, match="variable 'group_active', which is not in the"),
        ):
            store.load_observations(variables=[v for v in observations.variables.values()
                                               if v.code != "group_active"])  # fmt: skip
