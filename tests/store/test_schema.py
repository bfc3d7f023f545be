"""Schema versions, migrations on open, and files that are not (or not yet) klaster stores."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import pytest

import klaster
from klaster import Program, SchemaVersionError, StoreError
from klaster.observations import Observations
from klaster.store import STORE_SCHEMA_VERSION, Store, _round_units, _schema

# The schema of version 3. If this test fails, the tables changed: bump STORE_SCHEMA_VERSION,
# add the migration from the previous version to _schema.MIGRATIONS, then update the digest.
# (Issue 18 added each round's surveyed units, round_units, and the triggers keeping them.)
SCHEMA_V3_SHA256 = "aaab026ac20d3af4613b4df6ba1fb152c780c77bc0366e420dbc8454f1636ea2"
# Version 2. (Issue 12 added the budget, spending and policy tables, widened the finance tables for
# spending, and added the results-framework tables; issue 13 the intake, location-choice and
# sector-area tables and a group's village: version 2 was not released yet.)
SCHEMA_V2_SHA256 = "5b3c7dcfad8836c4ba97da704e159c64f85d5347a92eba2013ae311a7819caa2"
# Version 1 (before issue 17's people, fieldwork and board tables).
SCHEMA_V1_SHA256 = "34b9046b5e2968568b6707e8d54cef188b2b1aea9efe7f7c96bc32b61208334c"


def meta(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def set_version(path: Path, version: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))


class TestVersion:
    def test_meta_records_versions(self, store_path: Path, program: Program) -> None:
        Store.create(store_path, program).close()
        found = meta(store_path)
        assert found["schema_version"] == str(STORE_SCHEMA_VERSION) == "3"
        assert found["klaster_version"] == klaster.__version__
        assert found["kind"] == "klaster-program-store"
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            assert conn.execute("PRAGMA application_id").fetchone()[0] == _schema.APPLICATION_ID
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with Store.open(store_path) as store:
            assert store.schema_version == 3

    def test_schema_is_versioned(self) -> None:
        v2 = _schema.SCHEMA.removesuffix(_round_units.ddl())
        assert hashlib.sha256(v2.encode("utf-8")).hexdigest() == SCHEMA_V2_SHA256
        digest = hashlib.sha256(_schema.SCHEMA.encode("utf-8")).hexdigest()
        assert digest == SCHEMA_V3_SHA256, (
            "the store's tables changed: bump STORE_SCHEMA_VERSION, add a migration, and "
            f"record the new digest {digest}"
        )

    def test_newer_store_is_refused(self, store_path: Path, program: Program) -> None:
        Store.create(store_path, program).close()
        set_version(store_path, 7)
        with pytest.raises(SchemaVersionError) as exc:
            Store.open(store_path)
        message = str(exc.value)
        assert "schema version 7" in message
        assert "supports (3)" in message
        assert "upgrade klaster" in message

    def test_no_migration_path(self, store_path: Path, program: Program) -> None:
        Store.create(store_path, program).close()
        set_version(store_path, 0)
        with pytest.raises(SchemaVersionError, match="no migration from store schema version 0"):
            Store.open(store_path)


class TestMigration:
    def future(self, monkeypatch: pytest.MonkeyPatch, step: _schema.Migration) -> None:
        """Pretend this klaster writes version 4, reached from version 3 by ``step``."""
        monkeypatch.setattr(_schema, "STORE_SCHEMA_VERSION", 4)
        monkeypatch.setattr(_schema, "MIGRATIONS", {**_schema.MIGRATIONS, 3: step})

    def test_older_store_is_migrated_on_open(
        self, store_path: Path, program: Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        Store.create(store_path, program).close()

        def add_notes(conn: sqlite3.Connection) -> None:
            conn.execute("CREATE TABLE notes (cluster_id TEXT REFERENCES clusters (id))")
            conn.execute("INSERT INTO notes SELECT id FROM clusters")

        self.future(monkeypatch, add_notes)
        with Store.open(store_path) as store:
            assert store.schema_version == 4
            assert store.load_program() == program
        assert meta(store_path)["schema_version"] == "4"
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            assert conn.execute("SELECT * FROM notes").fetchall() == [("bantaeng",)]
        with Store.open(store_path) as store:  # already migrated: opens as is
            assert store.schema_version == 4

    def test_failed_migration_changes_nothing(
        self, store_path: Path, program: Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        Store.create(store_path, program).close()

        def broken(conn: sqlite3.Connection) -> None:
            conn.execute("CREATE TABLE half_done (x)")
            conn.execute("DELETE FROM stakeholders")
            raise RuntimeError("a step that does not fit the data")

        self.future(monkeypatch, broken)
        with pytest.raises(StoreError, match=r"from schema version 3 to 4.*nothing was changed"):
            Store.open(store_path)
        monkeypatch.undo()
        assert meta(store_path)["schema_version"] == "3"
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables  # the DDL was rolled back with the rest
        with Store.open(store_path) as store:
            assert store.load_program() == program  # the stakeholders are still there

    def test_migration_hitting_a_constraint(
        self, store_path: Path, program: Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        Store.create(store_path, program).close()

        def drop_organisations(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM organisations")

        self.future(monkeypatch, drop_organisations)
        with pytest.raises(StoreError, match=r"FOREIGN KEY constraint failed.*nothing was changed"):
            Store.open(store_path)
        monkeypatch.undo()
        with Store.open(store_path) as store:
            assert store.load_program() == program

    def test_readonly_store_is_not_migrated(
        self, store_path: Path, program: Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        Store.create(store_path, program).close()
        self.future(monkeypatch, lambda conn: None)
        with pytest.raises(StoreError, match="without readonly=True"):
            Store.open(store_path, readonly=True)
        assert meta(store_path)["schema_version"] == "3"


class TestNotAStore:
    def test_missing_file(self, store_path: Path) -> None:
        with pytest.raises(StoreError, match=r"no store there; create one with Store\.create"):
            Store.open(store_path)

    @pytest.mark.parametrize(
        "content", [b"", b"klaster\n", b'{"klaster": "program"}', b"\x00" * 4096]
    )
    def test_other_files(self, store_path: Path, content: bytes) -> None:
        store_path.write_bytes(content)
        with pytest.raises(StoreError, match="not a klaster store"):
            Store.open(store_path)
        assert store_path.read_bytes() == content  # looked at, never changed

    def test_other_sqlite_database(self, store_path: Path) -> None:
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("CREATE TABLE meta (key, value)")
            conn.execute("INSERT INTO meta VALUES ('kind', 'something else')")
        with pytest.raises(StoreError, match="an SQLite database without klaster's meta"):
            Store.open(store_path)


class TestCreate:
    def test_refuses_an_existing_path(self, store_path: Path, program: Program) -> None:
        store_path.write_text("keep me", encoding="utf-8")
        with pytest.raises(StoreError, match="a file is already there"):
            Store.create(store_path, program)
        assert store_path.read_text(encoding="utf-8") == "keep me"

    def test_failure_leaves_no_file(self, store_path: Path, program: Program) -> None:
        other = Program("other", "Other", "dd", [klaster.Organisation("dd", "DD", "ngo")])
        with pytest.raises(StoreError, match="observations are of program 'other'"):
            Store.create(store_path, program, observations=Observations(other))
        assert list(store_path.parent.iterdir()) == []

    def test_missing_folder(self, tmp_path: Path, program: Program) -> None:
        with pytest.raises(StoreError, match="cannot create the store"):
            Store.create(tmp_path / "no" / "such" / "p.klaster", program)

    def test_closed_store(self, store_path: Path, program: Program) -> None:
        store = Store.create(store_path, program)
        store.close()
        store.close()  # closing twice is fine
        with pytest.raises(StoreError, match="the store is closed"):
            store.load_program()
        assert "closed" in repr(store)
