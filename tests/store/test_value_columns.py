"""The store's column reader: the same observations as reading row by row, without its cost."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM, new_store
from tests.store.test_round_units import apply, check_after, pairs, raw, sample, version_2, writes

from klaster.catalogue.variable import Level
from klaster.errors import StoreError
from klaster.observations.storage import ObservationStorage
from klaster.observations.values import Observations
from klaster.store import Store, _value_columns

pytest.importorskip("numpy")

D = dt.date
UNDECLARED = ("district_budget", "last_vaccination", "shop_note")


def full_store() -> Observations:
    """Every level and type, gaps, a unit surveyed with every value missing, three scales."""
    obs = new_store()
    obs.record_many(
        "btg-el",
        [
            ("L-2", {"species": "sheep", "herd_start": 4, "last_vaccination": D(2013, 1, 5)}),
            ("M-2", {"monthly_income": Decimal("1234567.891"), "shop_note": 'kios "baru"\n'}),
        ],
    )
    obs.record_many(
        "btg-bl",
        [
            ("M-1", {"monthly_income": Decimal("-0"), "household_size": None}),
            ("M-2", {"monthly_income": Decimal("0.000001"), "cibest_prayer": 5}),
            ("M-4", {"monthly_income": None}),
            ("L-2", {"species": None, "herd_start": 0}),
            ("G-1", {"group_active": False, "group_meetings": 300}),
            ("K-1", {"coop_legal": True}),
            ("btg", {"district_budget": Decimal("1700000000.00")}),
        ],
    )
    obs.record("blr-bl", "B-1", {"monthly_income": 999_999_999})
    return obs


def deep(obs: Observations) -> dict[str, Any]:
    """Everything stored, buffers included: surveyed units, each column's kind, scale, width."""
    seen: dict[tuple[str, Level], Any] = {}
    for rnd in obs.storage.added_rounds():
        for level in Level:
            table = obs.storage.table(rnd.id, level)
            if table is None:
                continue
            columns = {
                code: (
                    type(column).__name__,
                    column.to_list(),
                    getattr(column, "scale", None),
                    column.buffers().typecode,
                )
                for code, column in table.columns.items()
            }
            seen[(rnd.id, level)] = (bytes(table.present), columns)
    numbering = {(c, lv): tuple(ids) for c, lv, ids in obs.storage.numberings()}
    return {"tables": seen, "numbering": numbering}


@contextmanager
def rows_only() -> Iterator[None]:
    """Read the store row by row (as without numpy)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_value_columns, "available", lambda: False)
        yield


def both(store: Store, catalogue: dict[str, Any]) -> tuple[Observations, Observations]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = store.load_observations(variables=catalogue)
        with rows_only():
            slow = store.load_observations(variables=catalogue)
    return fast, slow


@st.composite
def unit_values(draw: st.DrawFn, unit: str) -> dict[str, Any]:
    places = draw(st.integers(0, 4))
    income = st.none() | st.decimals(min_value=0, max_value=10**9, places=places)
    if unit.startswith("G-"):
        return {"group_active": draw(st.none() | st.booleans()),
                "group_meetings": draw(st.none() | st.integers(0, 366))}  # fmt: skip
    if unit.startswith("K-"):
        return {"coop_legal": draw(st.none() | st.booleans())}
    if unit == "btg":
        return {"district_budget": draw(st.none() | st.decimals(0, 10**12, places=places))}
    values: dict[str, Any] = {"monthly_income": draw(income),
                              "household_size": draw(st.none() | st.integers(1, 50))}  # fmt: skip
    if unit.startswith("L-"):
        values["species"] = draw(st.none() | st.sampled_from(["goat", "sheep"]))
        values["herd_start"] = draw(st.integers(0, 1000))
        values["last_vaccination"] = draw(st.none() | st.dates())
    else:
        text = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1).filter(str.strip)
        values["shop_note"] = draw(st.none() | text)
    keep = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, unique=True))
    return {code: values[code] for code in keep}


@st.composite
def stores(draw: st.DrawFn) -> Observations:
    obs = new_store()
    units = ["M-1", "M-2", "M-3", "M-4", "L-1", "L-2", "G-1", "K-1", "btg"]
    for round_id in ("btg-bl", "btg-el"):
        chosen = draw(st.lists(st.sampled_from(units), unique=True))
        rows = [(unit, draw(unit_values(unit))) for unit in chosen]
        if rows:
            obs.record_many(round_id, rows)
    return obs


class TestSamePaths:
    @settings(max_examples=40, deadline=None)
    @given(obs=stores(), aside=st.sets(st.sampled_from(UNDECLARED)))
    def test_random_stores(self, obs: Observations, aside: set[str]) -> None:
        catalogue = {code: v for code, v in CATALOGUE.items() if code not in aside}
        with (
            tempfile.TemporaryDirectory() as folder,
            Store.create(Path(folder) / "p.klaster", PROGRAM, observations=obs) as store,
        ):
            fast, slow = both(store, catalogue)
            assert deep(fast) == deep(slow)
            if not aside:
                assert fast == obs

    def test_full_store_with_gaps_scales_and_text(self, tmp_path: Path) -> None:
        obs = full_store()
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            fast, slow = both(store, CATALOGUE)
        assert deep(fast) == deep(slow)
        assert fast == obs
        income = fast.storage.stored_column("btg-bl", Level.MEMBER, "monthly_income")
        assert getattr(income, "scale", None) == 6  # 10**-6 kept exactly

    def test_rescaled_variable_keeps_each_rounds_scale(self, tmp_path: Path) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"monthly_income": Decimal("1500000")})
        obs.record("btg-el", "M-1", {"monthly_income": Decimal("1500000.25")})
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            fast, slow = both(store, CATALOGUE)
        for rnd, scale in (("btg-bl", 0), ("btg-el", 2)):
            column = fast.storage.stored_column(rnd, Level.MEMBER, "monthly_income")
            assert getattr(column, "scale", None) == scale
        assert deep(fast) == deep(slow)

    def test_one_round_and_one_cluster(self, tmp_path: Path) -> None:
        obs = full_store()
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            for cluster_id, round_id in ((None, "btg-el"), ("blr", None)):
                asked: dict[str, Any] = {"cluster_id": cluster_id, "round_id": round_id}
                fast = store.load_observations(variables=CATALOGUE, **asked)
                with rows_only():
                    slow = store.load_observations(variables=CATALOGUE, **asked)
                assert deep(fast) == deep(slow)
                assert deep(fast)["tables"]


class TestColumnsNotRows:
    def test_no_row_by_row_load(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = full_store()
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:

            def refuse(*args: object, **kwargs: object) -> None:
                raise AssertionError("read row by row")

            monkeypatch.setattr(ObservationStorage, "load_rows", refuse)
            assert store.load_observations(variables=CATALOGUE) == obs

    def test_changed_outside_klaster_is_judged_row_by_row(self, tmp_path: Path) -> None:
        obs = full_store()
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=obs).close()
        with sqlite3.connect(path) as conn:  # a float where klaster writes integers
            conn.execute(
                "UPDATE observation_values SET value = 2.5 WHERE variable_key = "
                "(SELECT key FROM variables WHERE code = 'household_size')"
            )
            conn.execute(  # and a row whose value is NULL made real: refused too
                "INSERT INTO observation_values SELECT round_key, variable_key, unit_key, 4.5 "
                "FROM observation_values LIMIT 0"
            )
        with Store.open(path, readonly=True) as store:
            with pytest.raises(StoreError, match="changed outside klaster") as fast:
                store.load_observations(variables=CATALOGUE)
            with rows_only(), pytest.raises(StoreError) as slow:
                store.load_observations(variables=CATALOGUE)
        assert str(fast.value) == str(slow.value)

    def test_text_holding_the_separator(self, tmp_path: Path) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"shop_note": "a\x1fb, c"})
        obs.record("btg-bl", "M-2", {"shop_note": "d"})
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            fast, slow = both(store, CATALOGUE)
        assert fast == obs
        assert deep(fast) == deep(slow)


_CODES = sorted(
    {"monthly_income", "household_size", "species", "herd_start", "shop_note", "group_active"}
    | {"group_meetings", "coop_legal", "district_budget", "last_vaccination"}
)


class TestOnlySamePaths:
    """``only=``: the column reader gives what the row-by-row path gives, surveyed units too."""

    @settings(max_examples=40, deadline=None)
    @given(
        obs=stores(),
        only=st.sets(st.sampled_from(_CODES)),
        aside=st.sets(st.sampled_from(UNDECLARED)),
    )
    def test_random_stores_and_variables(
        self, obs: Observations, only: set[str], aside: set[str]
    ) -> None:
        catalogue = {code: v for code, v in CATALOGUE.items() if code not in aside}
        only -= aside
        with (
            tempfile.TemporaryDirectory() as folder,
            Store.create(Path(folder) / "p.klaster", PROGRAM, observations=obs) as store,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")  # the variables set aside
            fast = store.load_observations(variables=catalogue, only=only)
            with rows_only():
                slow = store.load_observations(variables=catalogue, only=only)
        assert deep(fast) == deep(slow)
        if aside:  # a unit surveyed only through variables set aside is not surveyed
            return
        for rnd in obs.storage.added_rounds():
            for level in Level:
                assert fast.units(rnd.id, level) == obs.units(rnd.id, level)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(obs=stores(), steps=writes(), only=st.sets(st.sampled_from(_CODES)))
    def test_after_random_writes(
        self, obs: Observations, steps: list[tuple[Any, ...]], only: set[str]
    ) -> None:
        """Imports, answers replaced, saves, rescaling, and edits made outside klaster."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.klaster"
            Store.create(path, PROGRAM, observations=obs).close()
            with Store.open(path) as store:
                for step in steps:
                    apply(store, path, step)
                check_after(path)
                whole = store.load_observations(variables=CATALOGUE)
                fast = store.load_observations(variables=CATALOGUE, only=only)
                with rows_only():
                    slow = store.load_observations(variables=CATALOGUE, only=only)
        assert deep(fast) == deep(slow)
        for rnd in whole.storage.added_rounds():
            for level in Level:
                assert fast.units(rnd.id, level) == whole.units(rnd.id, level)

    def test_a_unit_surveyed_only_through_a_variable_left_out(self, tmp_path: Path) -> None:
        obs = new_store()
        obs.record_many("btg-bl", [("M-1", {"monthly_income": 5}), ("M-2", {"shop_note": "x"})])
        obs.record("btg-bl", "G-1", {"group_meetings": 3})
        obs.record("btg-el", "M-3", {"monthly_income": None})
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            fast = store.load_observations(variables=CATALOGUE, only={"monthly_income"})
            with rows_only():
                slow = store.load_observations(variables=CATALOGUE, only={"monthly_income"})
        assert deep(fast) == deep(slow)
        assert fast.units("btg-bl", Level.MEMBER) == ("M-1", "M-2")
        assert fast.units("btg-bl", Level.GROUP) == ("G-1",)
        assert fast.units("btg-el", Level.MEMBER) == ("M-3",)

    def test_no_probe_without_variables_set_aside(self, tmp_path: Path) -> None:
        obs = full_store()
        obs.record_many("btg-el", [("M-1", {"shop_note": "x"}), ("M-3", {"cibest_prayer": 2})])
        with Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store:
            with counted(store) as statements:
                only = store.load_observations(variables=CATALOGUE, only={"monthly_income"})
            assert only.units("btg-el", Level.MEMBER) == obs.units("btg-el", Level.MEMBER)
            assert not [s for s in statements if "AND unit_key IN (" in s]  # no probe
            assert [s for s in statements if "FROM round_units" in s]

    def test_probes_in_chunks(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = full_store()  # with variables set aside, the units round_units adds are probed
        obs.record_many("btg-el", [("M-1", {"shop_note": "x"}), ("M-3", {"cibest_prayer": 2})])
        obs.record("btg-el", "L-1", {"last_vaccination": D(2013, 1, 1)})  # set aside below
        catalogue = {c: v for c, v in CATALOGUE.items() if c != "last_vaccination"}
        with (
            Store.create(tmp_path / "p.klaster", PROGRAM, observations=obs) as store,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            whole = store.load_observations(variables=catalogue, only={"monthly_income"})
            monkeypatch.setattr(_value_columns, "_PROBED", 1)  # a query per unit probed
            chunked = store.load_observations(variables=catalogue, only={"monthly_income"})
            with rows_only():
                slow = store.load_observations(variables=catalogue, only={"monthly_income"})
        assert deep(chunked) == deep(whole) == deep(slow)
        surveyed = chunked.units("btg-el", Level.MEMBER)
        assert "L-2" in surveyed
        assert "M-3" in surveyed
        assert "L-1" not in surveyed


@contextmanager
def counted(store: Store) -> Iterator[list[str]]:
    """The statements the store runs inside (traced on its connection)."""
    statements: list[str] = []
    conn = store._live()
    conn.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        conn.set_trace_callback(None)


ONLY = [{"monthly_income"}, {"herd_start", "shop_note"}, {"group_meetings"}, None]


def read_only(path: Path) -> tuple[int, list[dict[str, Any]]]:
    """The schema version read-only, and the observations loaded ``only=`` each of ONLY."""
    with Store.open(path, readonly=True) as store:
        store.integrity_check()
        found = [deep(store.load_observations(variables=CATALOGUE, only=o)) for o in ONLY]
        return store.schema_version, found


class TestVersion2ReadOnly:
    """A store of the last schema version is read as it is when opened read-only."""

    def test_a_version_2_store_is_read_as_it_is_read_only(self, tmp_path: Path) -> None:
        # Archived or shared stores of the last version read without being migrated: the
        # units surveyed through the variables left out are probed in their rows instead.
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM, observations=sample()).close()
        version, current = read_only(path)
        version_2(path)
        before = path.read_bytes()
        old, found = read_only(path)
        assert (version, old) == (3, 2)
        assert found == current  # M-2 and L-1 surveyed only through variables left out
        assert path.read_bytes() == before  # nothing written: still version 2
        with Store.open(path) as store:  # opened to write: migrated
            assert store.schema_version == 3
        assert pairs(path)[0] == pairs(path)[1]

    def test_a_version_1_store_still_needs_migrating(self, tmp_path: Path) -> None:
        path = tmp_path / "p.klaster"
        Store.create(path, PROGRAM).close()
        with raw(path) as conn:
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        with pytest.raises(StoreError, match="version 1 and needs migrating to 3"):
            Store.open(path, readonly=True)


class TestStoredUnits:
    """A cluster's units read joined give what their rows give, or the rows are read."""

    @pytest.mark.parametrize(
        ("ids", "keys", "joined"),
        [
            ([], [], False),
            (["M-1", "M-2", "M-10"], [1, 2, 3], True),
            (["M-1", "M-2", "M-10"], [3, 1, 2], True),  # key order is not the IDs' order
            (["M-1", "a\x1fb", "M-3"], [3, 2, 1], False),  # an ID holding the separator
            (["M-1", 7, "M-3"], [3, 2, 1], False),  # an ID that is not text
            (["M-1", "M-2", "M-3"], [1, "2", 3], False),  # a key that is not an integer
            (["M-1", "M-2", "M-3"], [2, 1, 2], False),  # a key repeated
        ],
    )
    def test_same_as_rows(self, ids: list[Any], keys: list[Any], joined: bool) -> None:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE units (cluster_id, level, id, key)")
        rows = [("btg", "member", unit, key) for unit, key in zip(ids, keys, strict=True)]
        conn.executemany("INSERT INTO units VALUES (?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO units VALUES ('blr', 'member', 'B-1', 1)")
        found_keys, found = _value_columns.stored_units(conn, "btg", Level.MEMBER)
        with rows_only():
            row_keys, row_ids = _value_columns.stored_units(conn, "btg", Level.MEMBER)
        assert (list(found_keys), list(found)) == (list(row_keys), list(row_ids))
        assert isinstance(found_keys, tuple) is not joined  # rows only when needed
        if joined:
            assert list(found) == [u for _, u in sorted(zip(keys, ids, strict=True))]
