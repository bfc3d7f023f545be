"""klaster.observations.load(only=...): some variables' values, every surveyed unit (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import klaster
from klaster.catalogue.variable import Level
from klaster.errors import DocumentError, NotFoundError
from klaster.model.program import Program
from klaster.observations import Observations, dumps, load, save, sidecar, variable_catalogue
from klaster.observations._sidecar_reader import Reader

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")
ONLY = frozenset({"monthly_income", "household_size"})


@pytest.fixture
def written(tmp_path: Path) -> tuple[Program, Observations, Path]:
    """The example, with a member surveyed only through a variable not asked for."""
    program = klaster.load(PROGRAM)
    observations = load(SIDECAR, program, variable_catalogue())
    rnd = observations.rounds()[-1].id  # the endline: two members were not surveyed
    members = program.clusters["bantaeng"].members
    absent = [m.id for m in members if m.id not in observations.units(rnd)]
    observations.record(rnd, absent[0], {"monthly_expenditure": Decimal(400_000)})
    observations.record(rnd, observations.units(rnd)[0], {"household_size": 7})
    path = tmp_path / "btg.observations.jsonl"
    save(observations, path)
    return program, observations, path


@pytest.fixture(params=["columnar", "exact"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The columnar reader, or the exact reader line by line (as without polars)."""
    if request.param == "exact":
        monkeypatch.setattr(sidecar, "read_fast", lambda *args: None)
    else:  # the columnar reader must take the file: the exact reader's loop must not run

        def refused(*args: object) -> None:
            raise AssertionError("the exact reader read the file")

        monkeypatch.setattr(Reader, "read", refused)
    return str(request.param)


class TestOnly:
    def test_only_those_values_every_unit(
        self, written: tuple[Program, Observations, Path], reader: str
    ) -> None:
        program, whole, path = written
        part = load(path, program, variable_catalogue(), only=ONLY)
        assert part.selected == ONLY
        for rnd in whole.rounds():
            for level in Level:
                assert part.units(rnd.id, level) == whole.units(rnd.id, level)
                assert set(part.columns(rnd.id, level)) <= ONLY
            for code in ONLY:
                assert part.column(rnd.id, code).to_list() == whole.column(rnd.id, code).to_list()

    def test_a_whole_read_is_not_marked(self, written: tuple[Program, Observations, Path]) -> None:
        program, whole, path = written
        loaded = load(path, program, variable_catalogue())
        assert loaded.selected is None
        assert loaded == whole

    def test_an_unknown_code_is_named_with_the_closest(
        self, written: tuple[Program, Observations, Path]
    ) -> None:
        program, _, path = written
        with pytest.raises(NotFoundError, match=r"only\[0\].*monthly_income"):
            load(path, program, variable_catalogue(), only=["monthly_incme"])


class TestPartialNeverSaved:
    def test_save_and_dumps_refuse(
        self, written: tuple[Program, Observations, Path], reader: str
    ) -> None:
        program, _, path = written
        before = path.read_bytes()
        part = load(path, program, variable_catalogue(), only=ONLY)
        with pytest.raises(DocumentError, match="only some variables"):
            save(part, path)
        with pytest.raises(DocumentError, match="only some variables"):
            dumps(part)
        assert path.read_bytes() == before
