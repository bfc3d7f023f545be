"""Store.load_observations(only=...): some variables' values, every surveyed unit (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import klaster
from klaster.catalogue.variable import Level
from klaster.errors import KlasterError, NotFoundError, StoreError
from klaster.model.program import Program
from klaster.observations import Observations, load, variable_catalogue
from klaster.store import Store, _value_columns

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")
ONLY = frozenset({"monthly_income", "household_size"})


def bantaeng() -> tuple[Program, Observations]:
    """The example, with a member surveyed only through a variable no report here reads."""
    program = klaster.load(PROGRAM)
    observations = load(SIDECAR, program, variable_catalogue())
    rnd = observations.rounds()[-1].id  # the endline: two members were not surveyed
    members = program.clusters["bantaeng"].members
    absent = [m.id for m in members if m.id not in observations.units(rnd)]
    observations.record(rnd, absent[0], {"monthly_expenditure": Decimal(400_000)})
    surveyed = observations.units(rnd)[0]
    observations.record(rnd, surveyed, {"household_size": 7})
    return program, observations


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Program, Observations, Path]:
    program, observations = bantaeng()
    path = tmp_path / "btg.klaster"
    Store.create(path, program, observations=observations).close()
    return program, observations, path


@pytest.fixture(params=["columns", "rows"])
def path_taken(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The column reader, or the row-by-row fallback (as without numpy)."""
    if request.param == "rows":
        monkeypatch.setattr(_value_columns, "available", lambda: False)
    return str(request.param)


class TestOnly:
    def test_only_those_values_every_unit(
        self, stored: tuple[Program, Observations, Path], path_taken: str
    ) -> None:
        program, whole, path = stored
        with Store.open(path, readonly=True) as store:
            part = store.load_observations(program=program, only=ONLY)
        assert part.selected == ONLY
        for rnd in whole.rounds():
            for level in Level:
                assert part.units(rnd.id, level) == whole.units(rnd.id, level)
                assert set(part.columns(rnd.id, level)) <= ONLY
            for code in ONLY:
                assert part.column(rnd.id, code).to_list() == whole.column(rnd.id, code).to_list()

    def test_a_whole_load_is_not_marked(self, stored: tuple[Program, Observations, Path]) -> None:
        program, whole, path = stored
        with Store.open(path, readonly=True) as store:
            loaded = store.load_observations(program=program)
        assert loaded.selected is None
        assert loaded == whole

    def test_an_unknown_code_is_named_with_the_closest(
        self, stored: tuple[Program, Observations, Path]
    ) -> None:
        program, _, path = stored
        with Store.open(path, readonly=True) as store, pytest.raises(NotFoundError) as caught:
            store.load_observations(program=program, only=["monthly_income", "houshold_size"])
        assert "only[1]" in str(caught.value)
        assert "household_size" in str(caught.value)


class TestPartialNeverSaved:
    def test_save_observations_refuses(
        self, stored: tuple[Program, Observations, Path], path_taken: str
    ) -> None:
        program, whole, path = stored
        with Store.open(path) as store:
            part = store.load_observations(program=program, only=ONLY)
            with pytest.raises(StoreError, match="only some variables"):
                store.save_observations(part)
            assert store.load_observations(program=program) == whole  # nothing changed

    def test_a_new_store_refuses(
        self, stored: tuple[Program, Observations, Path], tmp_path: Path
    ) -> None:
        program, _, path = stored
        with Store.open(path, readonly=True) as store:
            part = store.load_observations(program=program, only=ONLY)
        target = tmp_path / "copy.klaster"
        with pytest.raises(KlasterError, match="only some variables"):
            Store.create(target, program, observations=part)
        assert not target.exists()
