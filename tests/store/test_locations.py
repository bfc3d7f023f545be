"""Choices of locations in the store: read back equal, appended only, never rewritten."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from tests.store.version_1 import without_intake
from tests.targeting.location_builders import candidate_sets, rules, worked_candidates, worked_rule

from klaster import KlasterError, Program, StoreError
from klaster.model import LocationChoice, LocationDecision
from klaster.store import Store
from klaster.targeting import CandidateRegion, RankingRule, rank
from klaster.testing.samples import sample_program


def execute(path: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(sql)


def made(choice_id: str = "btg-2010", **kw: object) -> LocationChoice:
    table = rank(worked_candidates(), worked_rule())
    return table.as_choice(choice_id, dt.date(2010, 9, 1), "program office", **kw)  # type: ignore[arg-type]


def with_choice() -> Program:
    program = sample_program()
    program.choose_locations(made())
    return program


def test_choices_round_trip_and_grow(store_path: Path) -> None:
    program = with_choice()
    with Store.create(store_path, program) as store:
        loaded = store.load_program()
        assert loaded == program
        assert loaded.locations["btg-2010"].evidence == program.locations["btg-2010"].evidence
        loaded.choose_locations(made("btg-2011", chosen=["73.03.02"], note="a second look"))
        store.save_program(loaded)
    with Store.open(store_path) as store:
        again = store.load_program()
        assert again == loaded
        assert len(again.locations) == 2


def test_a_rewritten_or_removed_choice_is_refused_and_nothing_written(store_path: Path) -> None:
    program = with_choice()
    other = sample_program()
    other.choose_locations(made(chosen=["73.03.02"]))
    with Store.create(store_path, program) as store:
        with pytest.raises(StoreError, match=r"locations\[0\] differs from the stored choice"):
            store.save_program(other)
        with pytest.raises(StoreError, match=r"locations\[0\] differs"):
            store.save_program(sample_program())  # the choice removed
        assert store.load_program() == program


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE location_choices SET chosen = '[]'",
        "DELETE FROM location_choices",
        "UPDATE location_evidence SET total = '1'",
        "DELETE FROM location_evidence",
    ],
)
def test_the_tables_are_append_only(store_path: Path, sql: str) -> None:
    Store.create(store_path, with_choice()).close()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        execute(store_path, sql)


def test_a_choice_changed_outside_klaster_is_refused_on_load(store_path: Path) -> None:
    Store.create(store_path, with_choice()).close()
    execute(store_path, "DROP TRIGGER location_choices_no_update")
    execute(store_path, "UPDATE location_choices SET chosen = '[\"73.03\"]'")
    with Store.open(store_path) as store, pytest.raises(KlasterError) as exc:
        store.load_program()
    assert "the stored choices of locations are not valid" in str(exc.value)
    assert "'73.03' is a kabupaten code, not a kecamatan" in str(exc.value)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates=candidate_sets(), rule=rules())
def test_any_choice_round_trips(
    tmp_path_factory: pytest.TempPathFactory, candidates: list[CandidateRegion], rule: RankingRule
) -> None:
    table = rank(candidates, rule)
    assume(any(row.decision is LocationDecision.SELECTED for row in table))
    program = sample_program()
    program.choose_locations(table.as_choice("c", dt.date(2010, 1, 1), "office"))
    path = tmp_path_factory.mktemp("locations") / "p.klaster"
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
    with monkeypatch.context() as patch:  # a store as version 1 wrote it: no location tables
        patch.setattr(_schema, "SCHEMA", program_ddl(1) + finance_ddl(1))
        patch.setattr(_schema, "STORE_SCHEMA_VERSION", 1)
        patch.setattr(_schema, "MIGRATIONS", {})
        patch.setattr("klaster.store._creation._fieldwork_rows.insert_history", lambda *a: None)
        patch.setattr("klaster.store._creation._results.append_versions", lambda *a: None)
        patch.setattr("klaster.store._program._fieldwork_rows.insert_entities", lambda *a: None)
        without_intake(patch)
        Store.create(store_path, program).close()
    with Store.open(store_path) as store:  # migrated to version 2 on open
        assert len(store.load_program().locations) == 0
        program.choose_locations(made())
        store.save_program(program)
        assert store.load_program() == program
