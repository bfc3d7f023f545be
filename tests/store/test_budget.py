"""Budgets, spending and the spending policy in the store: tables, history, migration from 1."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from tests.store.version_1 import without_intake

from klaster import Organisation, Program, StoreError
from klaster.finance import Finance, Party
from klaster.finance.budget import BudgetLine
from klaster.finance.spending import Spending, SpendingPolicy
from klaster.finance.testing import PROGRAM, make_book, make_cluster, qard
from klaster.store import Store, _finance, _finance_rows, _schema
from klaster.store._ddl import program_ddl
from klaster.store._ddl_budget import budget_ddl
from klaster.store._ddl_finance import finance_ddl
from klaster.store._upgrade import statements
from klaster.testing.finance_strategies import books_with_spending

from .test_schema import meta

D = dt.date


def program() -> Program:
    return Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo"),
                       Organisation("sd-1", "SD Negeri 1", "other")],
        clusters=[make_cluster()],
    )  # fmt: skip


def spent_book() -> Finance:
    book = make_book(50_000_000)
    book.policy = SpendingPolicy("0.1", "allow")
    line = BudgetLine("education_support", "zakat", 10_000_000, D(2012, 1, 1), D(2012, 12, 31))
    book.revise_budget(D(2012, 1, 2), "initial budget", [line])
    book.spend(Spending("S-1", "grant", D(2012, 7, 1), "F-1", 750_000, "education_support",
                        Party.member("M-1"), asnaf="miskin", memo="SPP"))  # fmt: skip
    return book


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(query).fetchall()


def counts(path: Path) -> tuple[object, ...]:
    tables = ("budget_revisions", "budget_lines", "spendings", "ledger_entries")
    found = [rows(path, f"SELECT count(*) FROM {t}")[0][0] for t in tables]
    return (*found, rows(path, "SELECT * FROM spending_policies"))


class TestRoundTrip:
    def test_saved_and_loaded(self, store_path: Path) -> None:
        book = spent_book()
        with Store.create(store_path, program(), finance=book) as store:
            again = store.load_finance(program())["lebak"]
        assert again == book
        assert (again.budget, list(again.spendings), again.policy) == (
            book.budget, list(book.spendings), book.policy)  # fmt: skip
        assert rows(store_path, "SELECT * FROM budget_lines") == [
            ("lebak", 1, 0, "education_support", "zakat", "2012-01-01", "2012-12-31",
             10_000_000, None)]  # fmt: skip
        assert rows(store_path, "SELECT * FROM spendings") == [
            ("lebak", "S-1", 0, "grant", "2012-07-01", "F-1", 750_000, "education_support",
             "member", "M-1", "miskin", None, "SPP")]  # fmt: skip
        assert rows(store_path, "SELECT kind, spending_id FROM ledger_entries WHERE seq = 1") == [
            ("grant", "S-1")]  # fmt: skip
        assert rows(store_path, "SELECT * FROM spending_policies") == [("lebak", "0.1", "allow")]

    def test_saving_appends_and_replaces_the_policy(self, store_path: Path) -> None:
        book = spent_book()
        with Store.create(store_path, program(), finance=book) as store:
            line = BudgetLine("operations", "zakat", 5_000_000, D(2012, 1, 1), D(2012, 12, 31))
            book.revise_budget(D(2012, 6, 1), "review", [*book.budget.revisions[-1].lines, line])
            book.spend(Spending("S-2", "expense", D(2012, 8, 1), "F-1", 10_000, "operations",
                                Party.provider("sd-1"), asnaf="amil"))  # fmt: skip
            book.policy = SpendingPolicy(over_budget="refuse")
            store.save_finance(book)
            store.save_finance(book)  # nothing new: nothing written
            assert store.load_finance(program())["lebak"] == book
        assert counts(store_path) == (2, 3, 2, 3, [("lebak", "0.125", "refuse")])

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(book=books_with_spending(max_spendings=5))
    def test_any_book(self, tmp_path_factory: pytest.TempPathFactory, book: Finance) -> None:
        path = tmp_path_factory.mktemp("budget") / "p.klaster"
        with Store.create(path, program(), finance=book) as store:
            assert store.load_finance(program())["lebak"] == book
            store.save_finance(book)


class TestRefused:
    def test_rewritten_budget_writes_nothing(self, store_path: Path) -> None:
        book = spent_book()
        with Store.create(store_path, program(), finance=book) as store:
            before = counts(store_path)
            revision = book.budget.revisions[0]
            changed = attrs.evolve(
                book.budget, revisions=[attrs.evolve(revision, reason="another reason")]
            )
            other = Finance(
                book.cluster_id, book.program_id, book.funds, book.loans, book.ledger,
                book.restructurings, book.assets, book.handover, changed, book.spendings,
                SpendingPolicy(over_budget="refuse"),
            )  # fmt: skip
            with pytest.raises(StoreError, match=r"budget\.revisions\[0\] differs"):
                store.save_finance(other)
            assert counts(store_path) == before  # the policy was not replaced either
            assert store.load_finance(program())["lebak"] == book

    def test_spending_to_no_organisation_writes_nothing(self, store_path: Path) -> None:
        book = spent_book()
        with Store.create(store_path, program(), finance=book) as store:
            before = counts(store_path)
            book.spend(Spending("S-2", "expense", D(2012, 8, 1), "F-1", 10_000, "operations",
                                Party.provider("sd-9"), asnaf="amil"))  # fmt: skip
            with pytest.raises(StoreError, match=r"spendings\[1\]\.recipient: .*'sd-9'"):
                store.save_finance(book)
            assert counts(store_path) == before

    @pytest.mark.parametrize(
        "statement",
        ["UPDATE budget_lines SET amount = 1", "DELETE FROM budget_revisions",
         "UPDATE spendings SET amount = 1", "DELETE FROM spendings"],
    )  # fmt: skip
    def test_history_is_append_only(self, store_path: Path, statement: str) -> None:
        Store.create(store_path, program(), finance=spent_book()).close()
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            rows(store_path, statement)

    def test_changed_outside_klaster(self, store_path: Path) -> None:
        Store.create(store_path, program(), finance=spent_book()).close()
        # A spending without its ledger entry; then a policy share that is no number.
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute(
                "INSERT INTO spendings VALUES ('lebak', 'S-9', 1, 'expense', '2012-09-01', "
                "'F-1', 5, 'operations', NULL, NULL, 'amil', NULL, NULL)"
            )
        with Store.open(store_path) as store, pytest.raises(StoreError, match="outside klaster"):
            store.load_finance()
        path = store_path.with_name("b.klaster")
        Store.create(path, program(), finance=spent_book()).close()
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("UPDATE spending_policies SET amil_share = 'x'")
        with Store.open(path) as store, pytest.raises(StoreError, match=r"policy\.amil_share"):
            store.load_finance()


def schema_of(path: Path) -> set[tuple[object, ...]]:
    return set(rows(path, "SELECT type, name, tbl_name, sql FROM sqlite_master"))


class TestMigration:
    def test_version_1_book_gains_the_tables(
        self, store_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        book = make_book(50_000_000)
        book.disburse(qard("L-1"))
        book.repay("L-1", D(2012, 2, 9), 100_000)
        v1 = program_ddl(1) + finance_ddl(1)
        with monkeypatch.context() as patch:  # write a store as version 1 wrote it
            patch.setattr(_schema, "SCHEMA", v1 + budget_ddl())  # (budget tables dropped below)
            patch.setattr(_schema, "STORE_SCHEMA_VERSION", 1)
            patch.setattr(_schema, "MIGRATIONS", {})
            patch.setattr("klaster.store._creation._fieldwork_rows.insert_history",
                          lambda *args: None)  # fmt: skip
            patch.setattr("klaster.store._program._fieldwork_rows.insert_entities",
                          lambda *args: None)  # fmt: skip
            patch.setattr("klaster.store._creation._results.append_versions", lambda *a: None)
            without_intake(patch)
            patch.setattr(_finance, "entry_row", lambda *a: _finance_entry_row(*a)[:-1])
            patch.setattr(_finance, "save_policy", lambda *args: None)
            Store.create(store_path, program(), finance=book).close()
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            for table in ("spending_policies", "spendings", "budget_lines", "budget_revisions"):
                conn.execute(f"DROP TABLE {table}")
        scratch = store_path.with_name("v1.db")
        with contextlib.closing(sqlite3.connect(scratch)) as conn, conn:
            for statement in statements(v1):
                conn.execute(statement)
        assert schema_of(store_path) == schema_of(scratch)  # exactly a version-1 store
        assert meta(store_path)["schema_version"] == "1"

        with Store.open(store_path) as store:
            assert store.schema_version == _schema.STORE_SCHEMA_VERSION
            assert store.load_finance(program())["lebak"] == book
            book.policy = SpendingPolicy(over_budget="allow")
            book.spend(Spending("S-1", "grant", D(2012, 7, 1), "F-1", 750_000, "education_support",
                                Party.member("M-1"), asnaf="miskin"))  # fmt: skip
            store.save_finance(book)  # a new entry kind, the spending_id column, the tables
            assert store.load_finance(program())["lebak"] == book
            store.integrity_check()
        fresh = store_path.with_name("fresh.klaster")
        Store.create(fresh, program()).close()
        assert schema_of(store_path) == schema_of(fresh)  # the same tables as a new store


_finance_entry_row = _finance_rows.entry_row
