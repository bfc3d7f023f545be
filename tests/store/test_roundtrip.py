"""The store gives back exactly what it was given: programs, observations, finance books."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster import Member, NotFoundError, Phase, Program
from klaster.catalogue.variable import Variable
from klaster.observations import Observations, Round
from klaster.store import ClusterStatus, Store
from klaster.testing import strategies as kst

D = dt.date
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


class TestProgram:
    def test_small_program(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            again = store.load_program()
        assert again == program
        assert klaster.dumps(again) == klaster.dumps(program)
        member = again.clusters["bantaeng"].members["BTG-1"]
        assert member.national_id == program.clusters["bantaeng"].members["BTG-1"].national_id
        stat = again.clusters["bantaeng"].region.children[0].stats[0]
        assert stat.poverty_rate == Decimal("38.20")
        assert str(stat.poverty_rate) == "38.20"  # the exact decimal, not a float

    def test_bundled_bantaeng(
        self,
        store_path: Path,
        bantaeng: tuple[Program, Observations],
        variables: dict[str, Variable],
    ) -> None:
        program, obs = bantaeng
        with Store.create(store_path, program, observations=obs) as store:
            assert klaster.dumps(store.load_program()) == klaster.dumps(program)
            assert store.load_observations(variables=variables) == obs
            assert store.load_observations(program, variables) == obs

    def test_catalogue_first_is_deprecated(
        self,
        store_path: Path,
        bantaeng: tuple[Program, Observations],
        variables: dict[str, Variable],
    ) -> None:
        program, obs = bantaeng
        with (
            Store.create(store_path, program, observations=obs) as store,
            pytest.warns(DeprecationWarning, match="load_observations\\(variables=...\\)"),
        ):
            assert store.load_observations(variables) == obs  # type: ignore[arg-type]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs(max_clusters=3))
    def test_any_program(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.klaster"
            with Store.create(path, program) as store:
                again = store.load_program()
                assert again == program
                assert klaster.dumps(again) == klaster.dumps(program)
                store.save_program(again)  # saving what was loaded changes nothing
                assert store.load_program() == program
                for cluster in program.clusters:
                    assert store.load_cluster(cluster.id) == cluster
                assert store.cluster_ids() == program.clusters.ids()

    def test_save_program_replaces_records(self, store_path: Path, program: Program) -> None:
        with Store.create(store_path, program) as store:
            cluster = program.clusters["bantaeng"]
            cluster.add_member(
                Member("BTG-4", "Baru", "female", 2, "Baruga", "umkm", D(2012, 1, 5))
            )
            cluster.join_group("BTG-K01", "BTG-4", D(2012, 1, 5))
            cluster.advance(D(2012, 2, 1), reason="revolving fund", decided_by="DD")
            program.name = "Klaster Mandiri (2012)"
            store.save_program(program)
            again = store.load_program()
        assert again == program
        assert again.clusters["bantaeng"].phase is Phase.STRENGTHENING

    def test_load_cluster_unknown(self, store_path: Path, program: Program) -> None:
        with (
            Store.create(store_path, program) as store,
            pytest.raises(NotFoundError, match="known: 'bantaeng'"),
        ):
            store.load_cluster("blora")


class TestObservations:
    def test_small(self, store_path: Path, program: Program, observations: Observations) -> None:
        obs = observations
        with Store.create(store_path, program, observations=obs) as store:
            again = store.load_observations()
            assert again == obs
            assert again.value("btg-bl", "BTG-1", "monthly_income") == Decimal("1250000.50")
            assert again.row("btg-bl", "BTG-3", "member") == {}  # surveyed, value missing
            assert list(again.columns("btg-bl", "member")) == list(obs.columns("btg-bl", "member"))
            assert again.units("btg-bl") == ("BTG-2", "BTG-1", "BTG-3")  # numbering kept

    def test_one_round_and_one_cluster(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        obs = observations
        with Store.create(store_path, program, observations=obs) as store:
            one = store.load_observations(round_id="btg-el")
            assert [r.id for r in one.rounds()] == ["btg-el"]
            assert one.units("btg-el") == ("BTG-1",)
            assert one.column("btg-el", "monthly_income").to_list() == [Decimal(2_100_000)]
            assert store.load_observations(cluster_id="bantaeng") == obs
            with pytest.raises(NotFoundError, match="no round 'btg-ml'"):
                store.load_observations(round_id="btg-ml")

    def test_save_replaces(
        self,
        store_path: Path,
        program: Program,
        observations: Observations,
        variables: dict[str, Variable],
    ) -> None:
        with Store.create(store_path, program) as store:
            assert store.load_observations() == Observations(program, variables)
            obs = observations
            store.save_observations(obs)
            assert store.load_observations() == obs
            assert [r.id for r in store.rounds("bantaeng")] == ["btg-bl", "btg-el"]

    @settings(max_examples=30, deadline=None, suppress_health_check=FIXTURES)
    @given(data=st.data())
    def test_any_values(
        self,
        make_program: Callable[[], Program],
        variables: dict[str, Variable],
        data: st.DataObject,
    ) -> None:
        program = make_program()
        obs = Observations(program, variables)
        obs.add_round(Round("bl", "bantaeng", "baseline", "2011-06-15"))
        units = data.draw(st.permutations(["BTG-1", "BTG-2", "BTG-3"]))
        amounts = st.decimals(min_value=0, max_value=10**9, places=data.draw(st.integers(0, 6)))
        rows = [
            (unit, {"monthly_income": data.draw(st.none() | amounts),
                    "household_size": data.draw(st.none() | st.integers(1, 50))})
            for unit in units[: data.draw(st.integers(1, 3))]
        ]  # fmt: skip
        obs.record_many("bl", rows)
        with (
            tempfile.TemporaryDirectory() as folder,
            Store.create(Path(folder) / "p.klaster", program, observations=obs) as store,
        ):
            assert store.load_observations(variables=variables) == obs


class TestFinance:
    def test_lebak_book(self, store_path: Path, lebak_run: Any) -> None:
        sim = lebak_run
        with Store.create(store_path, sim.program, finance=sim.book) as store:
            books = store.load_finance(sim.program)
            assert books["lebak"] == sim.book
            assert books["lebak"].cash("LBK-ZKT") == sim.book.cash("LBK-ZKT")
            store.save_finance(sim.book)  # nothing new: nothing changes
            assert store.status().clusters[0].ledger_entries == len(sim.book.ledger)
        with contextlib.closing(sqlite3.connect(store_path)) as conn, conn:
            kinds = dict(conn.execute("SELECT kind, sum(amount) FROM savings GROUP BY kind"))
        assert set(kinds) == {"pokok", "wajib"}

    def test_book_grows(self, store_path: Path, lebak: ModuleType) -> None:
        example = lebak
        program, cluster = example.build_cluster()
        sim = example.Simulation(cluster, program=program)
        sim.open_funds()
        with Store.create(store_path, program, finance=sim.book) as store:
            sim.register_assets()
            sim.at(dt.date(2012, 1, 9), lambda: sim.disburse_round(dt.date(2012, 1, 9), 1))
            sim.run(dt.date(2012, 12, 31))
            store.save_finance([sim.book])
            assert store.load_finance()["lebak"] == sim.book


class TestQueries:
    def test_status_counts_in_sql(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        with Store.create(store_path, program, observations=observations) as store:
            status = store.status(on=D(2013, 1, 1))
        assert status.program_id == "klaster-mandiri"
        assert status.schema_version == 3
        assert status.clusters == (
            ClusterStatus(
                id="bantaeng",
                name="Klaster Mandiri Bantaeng",
                phase=Phase.GROWTH,
                members=3,
                active_members=2,  # BTG-2 left in 2012
                groups=2,
                cooperatives=1,
                rounds=2,
                observation_values=9,  # missing values are not counted
                ledger_entries=0,
            ),
        )

    def test_rounds_and_add_round(
        self, store_path: Path, program: Program, observations: Observations
    ) -> None:
        with Store.create(store_path, program, observations=observations) as store:
            added = store.add_round(Round("btg-ml", "bantaeng", "midline", "2012-06-01"))
            assert [r.id for r in store.rounds()] == ["btg-bl", "btg-ml", "btg-el"]
            assert store.rounds("bantaeng")[1] == added
            with pytest.raises(klaster.ValidationError, match="already has a baseline"):
                store.add_round(Round("btg-bl2", "bantaeng", "baseline", "2011-01-01"))
            with pytest.raises(klaster.InvalidReferenceError, match="'blora' is not in the store"):
                store.add_round(Round("bl-1", "blora", "baseline", "2011-01-01"))
            with pytest.raises(NotFoundError):
                store.rounds("blora")
