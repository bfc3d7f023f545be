"""Shared data for the store tests (as fixtures): a small program with personal data, the
bundled Bantaeng and Lebak examples."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import klaster
import klaster.observations
from klaster import (
    Program,
)
from klaster.catalogue.variable import Variable
from klaster.observations import Observations, Round, variable_catalogue
from klaster.testing.samples import SAMPLE_SECRETS, sample_program

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SECRETS = SAMPLE_SECRETS


def catalogue() -> dict[str, Variable]:
    """The core variables and the built-in plugins' variables."""
    return variable_catalogue()


def small_program() -> Program:
    """One cluster touching every record kind, with personal data to keep out of errors."""
    return sample_program()


def small_observations(program: Program) -> Observations:
    """Two rounds of member, group and cooperative values, with gaps and a decimal fraction."""
    obs = Observations(program, catalogue())
    obs.add_round(Round("btg-bl", "bantaeng", "baseline", "2011-06-15"))
    obs.add_round(Round("btg-el", "bantaeng", "endline", "2014-03-01", ("Akhir", "End")))
    obs.record_many(
        "btg-bl",
        [
            ("BTG-2", {"monthly_income": 900_000, "household_size": 3}),
            ("BTG-1", {"monthly_income": "1250000.50", "cibest_prayer": 4}),
            ("BTG-3", {"monthly_income": None}),
            ("BTG-K01", {"group_active": True, "group_meetings": 12}),
            ("irman", {"coop_legal": False}),
        ],
    )
    obs.record_many("btg-el", [("BTG-1", {"monthly_income": 2_100_000, "social_trust": 5})])
    return obs


def bantaeng_example() -> tuple[Program, Observations]:
    """The bundled Bantaeng program and its surveys."""
    program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
    obs = klaster.observations.load(
        EXAMPLES / "data" / "bantaeng.observations.jsonl", program, catalogue()
    )
    return program, obs


def lebak_example() -> ModuleType:
    """The finance example module (``simulate()`` runs the Lebak book)."""
    if "finance_lebak" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "finance_lebak", EXAMPLES / "finance_lebak.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["finance_lebak"] = module
        spec.loader.exec_module(module)
    return sys.modules["finance_lebak"]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "program.klaster"


@pytest.fixture
def make_program() -> Callable[[], Program]:
    return small_program


@pytest.fixture
def program() -> Program:
    return small_program()


@pytest.fixture
def observations(program: Program) -> Observations:
    return small_observations(program)


@pytest.fixture
def variables() -> dict[str, Variable]:
    return catalogue()


@pytest.fixture
def bantaeng() -> tuple[Program, Observations]:
    return bantaeng_example()


@pytest.fixture
def lebak() -> ModuleType:
    return lebak_example()


@pytest.fixture(scope="session")
def lebak_run() -> object:
    """The Lebak book run from 2012 to 2014 (a ``Simulation``; built once, only read)."""
    return lebak_example().simulate()


@pytest.fixture
def secrets() -> tuple[str, ...]:
    """Personal data of the small program's first member: never in an error message."""
    return SECRETS
