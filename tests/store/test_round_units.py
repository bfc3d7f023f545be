"""Each round's surveyed units (``round_units``): migrated, kept by every write, checked."""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM, new_store

from klaster import ImportDataError, StoreError
from klaster.catalogue.variable import Level
from klaster.importing.batch import ImportBatch, ObservationBlock
from klaster.observations.values import Observations
from klaster.store import Store, _round_units

from .test_schema import meta

DISTINCT = "SELECT DISTINCT round_key, unit_key FROM observation_values ORDER BY 1, 2"
KEPT = "SELECT round_key, unit_key FROM round_units ORDER BY 1, 2"
IMPORTED = ("monthly_income", "household_size", "monthly_expenditure")  # core: any member


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """The store as the sqlite3 shell sees it: one connection, committed on the way out."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        yield conn


def pairs(path: Path) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    with raw(path) as conn:
        return conn.execute(KEPT).fetchall(), conn.execute(DISTINCT).fetchall()


def triggers(path: Path) -> list[str]:
    with raw(path) as conn:
        return _round_units.missing_triggers(conn)


def sample() -> Observations:
    obs = new_store()
    obs.record_many(
        "btg-bl",
        [("M-1", {"monthly_income": 5}), ("M-2", {"shop_note": "x"}), ("L-1", {"herd_start": 3})],
    )
    obs.record("btg-bl", "G-1", {"group_meetings": 3})
    obs.record("btg-el", "M-3", {"monthly_income": None})
    obs.record("blr-bl", "B-1", {"household_size": 4})
    return obs


def imported(round_id: str, units: list[str], prefix: str, **extra: Any) -> ImportBatch:
    values: dict[str, list[object]] = {
        "monthly_income": [Decimal("1.5")] * len(units),
        "household_size": [3] * len(units),
    }
    block = ObservationBlock(
        round_id, [f"{prefix}-{u}" for u in units], units, range(2, 2 + len(units)), values,
        "survey.csv", **extra,
    )  # fmt: skip
    return ImportBatch("survey.csv", blocks=[block])


def version_2(path: Path) -> None:
    """Make the store at ``path`` what klaster wrote at schema version 2 (no round_units)."""
    with raw(path) as conn:
        for name in _round_units.TRIGGERS:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE round_units")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


class TestMigration:
    def test_a_version_2_store_gets_the_exact_table(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        with raw(path) as conn:
            new = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))
        version_2(path)
        with Store.open(path) as store:
            assert store.schema_version == 3
            store.integrity_check()
        assert meta(path)["schema_version"] == "3"
        kept, distinct = pairs(path)
        assert kept == distinct
        assert len(kept) == 6
        with raw(path) as conn:  # exactly what a new store holds
            assert sorted(conn.execute("SELECT type, name, sql FROM sqlite_master")) == new


class TestTriggers:
    """Writes from outside klaster keep the table through the triggers."""

    def test_insert_delete_and_update_of_keys(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        with raw(path) as conn:
            (round_key,) = conn.execute("SELECT key FROM rounds WHERE id = 'btg-el'").fetchone()
            unit = dict(conn.execute("SELECT id, key FROM units"))
            (income,) = conn.execute("SELECT key FROM variables WHERE code = 'monthly_income'")
            (size,) = conn.execute("SELECT key FROM variables WHERE code = 'household_size'")
            insert = "INSERT INTO observation_values VALUES (?, ?, ?, NULL)"
            conn.execute(insert, (round_key, income[0], unit["M-1"]))
            conn.execute(insert, (round_key, size[0], unit["M-1"]))
            conn.execute(  # a row of M-1 left: M-1 stays surveyed
                "DELETE FROM observation_values WHERE variable_key = ? AND unit_key = ?",
                (income[0], unit["M-1"]),
            )
            conn.execute(  # M-3 moves to M-2: M-3 is no longer surveyed
                "UPDATE observation_values SET unit_key = ? WHERE round_key = ? AND unit_key = ?",
                (unit["M-2"], round_key, unit["M-3"]),
            )
        kept, distinct = pairs(path)
        assert kept == distinct
        with Store.open(path) as store:
            only = store.load_observations(variables=CATALOGUE, only={"herd_start"})
            store.integrity_check()
        assert only.units("btg-el", Level.MEMBER) == ("M-1", "M-2")

    def test_deleting_a_round_seeks_each_variable(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM).close()
        with raw(path) as conn:
            plan = conn.execute(
                "EXPLAIN QUERY PLAN SELECT 1 FROM observation_values WHERE round_key = 1 AND "
                "variable_key IN (SELECT key FROM variables) AND unit_key = 1"
            ).fetchall()
        steps = " ".join(row[3] for row in plan)
        assert "(round_key=? AND variable_key=? AND unit_key=?)" in steps
        assert "SCAN observation_values" not in steps

    def test_integrity_check_finds_a_stale_table(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        with raw(path) as conn:
            conn.execute("DROP TRIGGER round_units_delete")
            conn.execute("DELETE FROM observation_values WHERE value IS NULL")
        with Store.open(path) as store:
            with pytest.raises(StoreError, match=r"1 \(round, unit\) pair\(s\) without a value.*"
                               r"round_units_delete\).*save_observations"):  # fmt: skip
                store.integrity_check()
            store.save_observations(store.load_observations(variables=CATALOGUE))
            store.integrity_check()  # rebuilt, the trigger too

    def test_integrity_check_names_a_dropped_table(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        with raw(path) as conn:
            for name in _round_units.TRIGGERS:
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute("DROP TABLE round_units")
        with (
            Store.open(path, readonly=True) as store,
            pytest.raises(StoreError, match=r"version 3 but no round_units table .*backup"),
        ):
            store.integrity_check()

    def test_integrity_check_counts_the_pairs_missing(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        with raw(path) as conn:
            conn.execute("DELETE FROM round_units")  # as if written with the triggers dropped
        stale = r"0 \(round, unit\) pair\(s\) without a value, 6 missing\)"
        with Store.open(path) as store, pytest.raises(StoreError, match=stale):
            store.integrity_check()


class TestKlasterWrites:
    """klaster's own writes keep the table themselves and leave the triggers in place."""

    def test_a_reader_sees_the_triggers_while_an_import_writes(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        during: list[list[str]] = []

        def progress(done: int, total: int) -> None:
            during.append(triggers(path))  # another connection, mid-transaction

        with Store.open(path) as store:
            store.apply_import(imported("btg-el", ["M-1", "M-2"], "a"), progress=progress)
        assert during
        assert all(found == [] for found in during)
        assert triggers(path) == []
        kept, distinct = pairs(path)
        assert kept == distinct

    def test_a_failed_write_leaves_the_triggers(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        before = pairs(path)

        def progress(done: int, total: int) -> None:
            raise RuntimeError("stopped midway")  # after the first values are written

        with Store.open(path) as store, pytest.raises(RuntimeError, match="midway"):
            store.apply_import(imported("btg-el", ["M-1", "M-4"], "a"), progress=progress)
        assert triggers(path) == []
        assert pairs(path) == before
        with Store.open(path) as store, pytest.raises(ImportDataError, match="overwrite"):
            store.apply_import(imported("btg-el", ["M-3"], "b"))  # refused: M-3 answered
        assert triggers(path) == []
        assert pairs(path) == before

    def test_an_edit_drops_the_pairs_it_empties(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=new_store()).close()  # the rounds, no values
        with Store.open(path) as store:
            store.apply_import(imported("btg-bl", ["M-1", "M-2"], "a"))
            edit = imported("btg-el", ["M-2"], "e", replaces=["a-M-2"])  # M-2 moved rounds
            store.apply_import(edit)
            surveyed = store.load_observations(variables=CATALOGUE, only={"shop_note"})
        kept, distinct = pairs(path)
        assert kept == distinct
        assert len(kept) == 2
        assert surveyed.units("btg-bl", Level.MEMBER) == ("M-1",)
        assert triggers(path) == []


# -- random sequences of klaster and outside writes ----------------------------------------------


@st.composite
def writes(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Imports (each ``on_conflict``, edits, more decimals), saves, and outside writes."""
    members = ["M-1", "M-2", "M-3", "M-4", "L-1", "L-2"]
    steps: list[tuple[Any, ...]] = []
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["import", "save", "insert", "delete", "update"]))
        if kind == "import":
            units = draw(st.lists(st.sampled_from(members), min_size=1, max_size=3, unique=True))
            codes = draw(st.lists(st.sampled_from(IMPORTED), min_size=1, unique=True))
            places = draw(st.integers(0, 3))
            steps.append((
                kind, draw(st.sampled_from(["btg-bl", "btg-el"])), units, codes, places,
                draw(st.sampled_from(["refuse", "replace"])), f"s{index}", draw(st.integers(1, 3)),
                draw(st.none() | st.sampled_from([f"s{i}" for i in range(index)] or ["x"])),
            ))  # fmt: skip
        elif kind == "save":
            steps.append((kind, draw(st.sampled_from(members)), draw(st.integers(0, 9))))
        else:
            steps.append((kind, draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))))
    return steps


def apply(store: Store, path: Path, step: tuple[Any, ...]) -> None:
    """One write; a refused one rolls back (the triggers must survive it)."""
    kind = step[0]
    if kind == "import":
        _, round_id, units, codes, places, on_conflict, prefix, day, edits = step
        income = Decimal(7).scaleb(-places)
        values = {c: [income if c == "monthly_income" else 2] * len(units) for c in codes}
        times = [f"2015-01-0{day}T00:00:00Z"] * len(units)
        replaces = [f"{edits}-{u}" if edits else None for u in units]
        block = ObservationBlock(
            round_id, [f"{prefix}-{u}" for u in units], units, range(2, 2 + len(units)),
            values, "survey.csv", submitted=times, replaces=replaces,
        )  # fmt: skip
        with contextlib.suppress(ImportDataError):
            store.apply_import(ImportBatch("survey.csv", blocks=[block]), on_conflict=on_conflict)
    elif kind == "save":
        _, unit, herd = step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obs = store.load_observations(variables=CATALOGUE)
        if unit.startswith("L-"):
            obs.record("btg-el", unit, {"herd_start": herd})
        store.save_observations(obs)
    else:
        _outside(path, step)


def _outside(path: Path, step: tuple[Any, ...]) -> None:
    """An edit in the sqlite3 shell: a row inserted for another unit, deleted, or moved.

    Rows of core variables only: the loaders would refuse a sector's value moved to a unit of
    another sector.
    """
    kind, first, second = step
    with raw(path) as conn:
        rows = conn.execute(
            "SELECT v.round_key, v.variable_key, v.unit_key, u.cluster_id, u.level "
            "FROM observation_values AS v JOIN units AS u ON u.key = v.unit_key "
            "JOIN variables AS x ON x.key = v.variable_key WHERE x.sector = 'core' "
            "ORDER BY 1, 2, 3"
        ).fetchall()
        if not rows:
            return
        round_key, variable_key, unit_key, cluster_id, level = rows[first % len(rows)]
        others = [k for (k,) in conn.execute(
            "SELECT key FROM units WHERE cluster_id = ? AND level = ? ORDER BY key",
            (cluster_id, level),
        )]  # fmt: skip
        other = others[second % len(others)]
        if kind == "insert":
            conn.execute(
                "INSERT OR IGNORE INTO observation_values VALUES (?, ?, ?, NULL)",
                (round_key, variable_key, other),
            )
        elif kind == "delete":
            where = ("unit_key", unit_key) if second % 2 else ("variable_key", variable_key)
            conn.execute(
                f"DELETE FROM observation_values WHERE round_key = ? AND {where[0]} = ?",
                (round_key, where[1]),
            )
        else:
            conn.execute(
                "UPDATE OR IGNORE observation_values SET unit_key = ? "
                "WHERE round_key = ? AND variable_key = ? AND unit_key = ?",
                (other, round_key, variable_key, unit_key),
            )


def check_after(path: Path) -> None:
    kept, distinct = pairs(path)
    assert kept == distinct
    assert triggers(path) == []


class TestRandomWrites:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=writes())
    def test_table_equals_the_values(self, steps: list[tuple[Any, ...]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.klaster"
            Store.create(path, PROGRAM, observations=sample()).close()
            with Store.open(path) as store:
                for step in steps:
                    apply(store, path, step)
                    check_after(path)
