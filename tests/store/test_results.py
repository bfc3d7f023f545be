"""The results framework in the store: every version kept, appended only, read back equal."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.model.results_builders import frameworks, lebak_like
from tests.store.version_1 import without_intake

from klaster import KlasterError, Result, ResultIndicator, StoreError, Target
from klaster.store import Store
from klaster.testing.samples import sample_program


def execute(path: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(sql)


def test_versions_round_trip_and_grow(store_path: Path) -> None:
    program = sample_program()
    program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="awal")
    with Store.create(store_path, program) as store:
        loaded = store.load_program()
        assert loaded == program
        assert loaded.results.versions == program.results.versions
        loaded.revise_framework(lebak_like()[:1], recorded_on="2012-06-01", reason="tinjauan")
        store.save_program(loaded)
        assert store.load_program().results == loaded.results
        assert len(store.load_program().results) == 2


def test_a_rewritten_version_is_refused_and_nothing_written(store_path: Path) -> None:
    program = sample_program()
    program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="awal")
    other = sample_program()
    other.revise_framework(lebak_like()[:1], recorded_on="2011-01-10", reason="lain")
    with Store.create(store_path, program) as store:
        with pytest.raises(StoreError, match=r"results\.versions\[0\] differs"):
            store.save_program(other)
        with pytest.raises(StoreError, match=r"results\.versions\[0\] differs"):
            store.save_program(sample_program())  # the framework removed
        assert store.load_program() == program


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE result_targets SET value = '1'",
        "DELETE FROM result_targets",
        "UPDATE results SET statement = 'x'",
        "DELETE FROM results_frameworks",
    ],
)
def test_the_tables_are_append_only(store_path: Path, sql: str) -> None:
    program = sample_program()
    program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="awal")
    Store.create(store_path, program).close()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        execute(store_path, sql)


def test_a_period_outside_the_program_written_outside_klaster_is_refused(
    store_path: Path,
) -> None:
    program = sample_program()
    members = ResultIndicator("members", [Target(1, round_key="endline")])
    program.revise_framework(
        [Result("oc1", "outcome", "x", [members])], recorded_on="2011-01-10", reason="awal"
    )
    Store.create(store_path, program).close()
    execute(store_path, "DROP TRIGGER result_targets_no_update")
    execute(store_path, "UPDATE result_targets SET start = '2009-01-01', end = '2009-02-01', "
                        "round_key = NULL")  # fmt: skip
    with Store.open(store_path) as store, pytest.raises(KlasterError) as exc:
        store.load_program()
    assert "a period outside the program" in str(exc.value)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_framework_round_trips(tmp_path_factory: pytest.TempPathFactory,
                                   data: st.DataObject) -> None:  # fmt: skip
    program = sample_program()
    program.revise_framework(data.draw(frameworks(program)), recorded_on=dt.date(2011, 1, 1),
                             reason="r")  # fmt: skip
    path = tmp_path_factory.mktemp("results") / "p.klaster"
    with Store.create(path, program) as store:
        loaded = store.load_program()
        assert loaded == program
        store.save_program(loaded)  # saving what was loaded appends nothing
        assert store.load_program() == program


def test_a_version_1_store_gets_the_tables(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klaster.store import _schema
    from klaster.store._ddl import program_ddl
    from klaster.store._ddl_finance import finance_ddl

    program = sample_program()
    with monkeypatch.context() as patch:  # a store as version 1 wrote it: no results tables
        patch.setattr(_schema, "SCHEMA", program_ddl(1) + finance_ddl(1))
        patch.setattr(_schema, "STORE_SCHEMA_VERSION", 1)
        patch.setattr(_schema, "MIGRATIONS", {})
        patch.setattr("klaster.store._creation._fieldwork_rows.insert_history", lambda *a: None)
        patch.setattr("klaster.store._creation._results.append_versions", lambda *a: None)
        patch.setattr("klaster.store._program._fieldwork_rows.insert_entities", lambda *a: None)
        without_intake(patch)
        Store.create(store_path, program).close()
    with Store.open(store_path) as store:  # migrated to version 2 on open
        assert store.load_program().results.versions == ()
        program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="awal")
        store.save_program(program)
        assert store.load_program() == program
