"""History is append-only (lifecycle, ledger, asset events, imports); moves follow the model."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from klaster import (
    CheckResult,
    Cluster,
    Lifecycle,
    LifecycleError,
    Member,
    Override,
    Phase,
    PhaseChange,
    Program,
    ReadinessError,
    StoreError,
)
from klaster.importing.batch import ImportBatch, ObservationBlock
from klaster.observations import Observations, Round
from klaster.store import Store

D = dt.date
APPEND_ONLY = (
    "phase_changes",
    "ledger_entries",
    "ledger_postings",
    "restructurings",
    "asset_events",
    "imports",
    "submissions",
)


def table_counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory, lebak_run: Any) -> Path:
    """The Lebak book (restructurings, asset events) plus one import."""
    sim = lebak_run
    path = tmp_path_factory.mktemp("full") / "lebak.klaster"
    with Store.create(path, sim.program, finance=sim.book) as store:
        store.add_round(Round("lbk-bl", "lebak", "baseline", "2011-03-15"))
        store.apply_import(
            ImportBatch(
                "survey.csv",
                blocks=[
                    ObservationBlock(
                        "lbk-bl", ["uuid-1"], ["LBK-0001"], [2], {"household_size": [4]}
                    )
                ],
            )
        )
    return path


class TestAppendOnlyTables:
    @pytest.mark.parametrize("table", APPEND_ONLY)
    @pytest.mark.parametrize("verb", ["update", "delete"])
    def test_rows_cannot_change(self, full_store: Path, table: str, verb: str) -> None:
        before = table_counts(full_store)
        assert before[table] > 0
        with contextlib.closing(sqlite3.connect(full_store)) as conn, conn:
            column = conn.execute(f"PRAGMA table_info({table})").fetchone()[1]
        statement = (
            f"UPDATE {table} SET {column} = {column}"
            if verb == "update"
            else f"DELETE FROM {table}"
        )
        with (
            contextlib.closing(sqlite3.connect(full_store)) as conn,
            conn,
            pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only"),
        ):
            conn.execute(statement)
        assert table_counts(full_store) == before


class TestLifecycle:
    def history(self, store: Store) -> tuple[PhaseChange, ...]:
        return store.load_cluster("bantaeng").lifecycle.history

    def test_advance_appends(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            change = store.advance(
                "bantaeng", "strengthening", on=D(2012, 1, 9), reason="fund", decided_by="DD"
            )
            assert change.phase is Phase.STRENGTHENING
            assert self.history(store)[-1] == change
            assert store.status().clusters[0].phase is Phase.STRENGTHENING

    def test_illegal_move_writes_nothing(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            before = self.history(store)
            with pytest.raises(LifecycleError, match="allowed moves: strengthening"):
                store.advance(
                    "bantaeng", "monitoring", on=D(2012, 1, 9), reason="x", decided_by="DD"
                )
            with pytest.raises(LifecycleError, match="before the previous event"):
                store.advance(
                    "bantaeng", "strengthening", on=D(2010, 1, 1), reason="x", decided_by="DD"
                )
            assert self.history(store) == before

    def test_guarded_move(self, store_path: Path, program: Program) -> None:
        def no_cooperative(cluster: object, on: dt.date) -> Iterable[CheckResult]:
            return [CheckResult("legal_cooperative", False, "0 of 1 legal on the day")]

        with Store.create(store_path, program) as store:
            store.advance(
                "bantaeng", "strengthening", on=D(2012, 1, 9), reason="x", decided_by="DD"
            )
            before = self.history(store)
            with pytest.raises(ReadinessError, match="legal_cooperative"):
                store.advance(
                    "bantaeng",
                    Phase.INDEPENDENCE,
                    on=D(2014, 3, 6),
                    reason="closing workshop",
                    decided_by="DD",
                    guard=no_cooperative,
                )
            assert self.history(store) == before
            override = Override("decree is on its way", "DD board")
            change = store.advance(
                "bantaeng",
                Phase.INDEPENDENCE,
                on=D(2014, 3, 6),
                reason="closing workshop",
                decided_by="DD",
                guard=no_cooperative,
                override=override,
            )
            stored = self.history(store)[-1]
        assert stored == change
        assert stored.override == override
        assert stored.checks == (
            CheckResult("legal_cooperative", False, "0 of 1 legal on the day"),
        )

    def test_save_may_extend_history(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            program.clusters["bantaeng"].suspend(D(2012, 1, 1), reason="flood", decided_by="DD")
            store.save_program(program)
            assert self.history(store)[-1].phase is Phase.SUSPENDED

    def test_save_may_not_rewrite_history(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            cluster = program.clusters["bantaeng"]
            changes = list(cluster.lifecycle.history)
            changes[1] = PhaseChange(D(2011, 4, 5), "growth", "moved a day", "DD")
            rewritten = Program(
                program.id,
                program.name,
                program.organisation_id,
                program.organisations,
                [_with_history(cluster, changes)],
            )
            with pytest.raises(StoreError, match=r"lifecycle.history\[1\] differs"):
                store.save_program(rewritten)
            assert store.load_program() == program

    def test_clusters_with_history_stay(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            empty = Program(
                program.id, program.name, program.organisation_id, program.organisations
            )
            with pytest.raises(
                StoreError, match="'bantaeng' is in the store but not in the program"
            ):
                store.save_program(empty)
            assert store.load_program() == program

    def test_another_program_is_refused(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            other = Program("other", "Other", program.organisation_id, program.organisations)
            with pytest.raises(StoreError, match="holds program 'klaster-mandiri', not 'other'"):
                store.save_program(other)


class TestReferences:
    def test_observed_member_cannot_be_dropped(
        self, store_path: Path, observations: Observations
    ) -> None:
        program = observations.program
        with Store.create(store_path, program, observations=observations) as store:
            cluster = program.clusters["bantaeng"]
            members = [m for m in cluster.members if m.id != "BTG-3"]
            smaller = _copy_cluster(cluster, members)
            changed = Program(
                program.id, program.name, program.organisation_id, program.organisations, [smaller]
            )
            with pytest.raises(StoreError, match="drops records that have observations"):
                store.save_program(changed)
            assert store.load_program() == program
            store.integrity_check()

    def test_financed_records_keep_their_book(self, store_path: Path, lebak_run: Any) -> None:
        sim = lebak_run
        with Store.create(store_path, sim.program, finance=sim.book) as store:
            book = sim.book
            again = store.load_finance()["lebak"]
            assert again == book
            entries = list(book.ledger)
            tampered = type(book)(
                book.cluster_id,
                book.program_id,
                book.funds,
                book.loans,
                type(book.ledger)(entries[:-1]),
                book.restructurings,
                book.assets,
                book.handover,
            )
            with pytest.raises(StoreError, match=r"ledger.entries\[\d+\] differs"):
                store.save_finance(tampered)
            assert store.load_finance()["lebak"] == book


def _with_history(cluster: Cluster, changes: list[PhaseChange]) -> Cluster:
    return Cluster(
        cluster.id,
        cluster.name,
        cluster.region,
        cluster.sectors,
        Lifecycle(changes),
        cluster.members,
        cluster.groups,
        cluster.cooperatives,
        cluster.stakeholders,
        cluster.note,
    )


def _copy_cluster(cluster: Cluster, members: list[Member]) -> Cluster:
    kept = {m.id for m in members}
    return Cluster(
        cluster.id,
        cluster.name,
        cluster.region,
        cluster.sectors,
        Lifecycle(cluster.lifecycle.history),
        members,
        [g for g in cluster.groups if all(s.member_id in kept for s in g.memberships)],
        [],
        cluster.stakeholders,
        cluster.note,
    )
