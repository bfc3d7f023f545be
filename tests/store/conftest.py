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
from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
    RegionStat,
    Stakeholder,
)
from klaster.measurement import Observations, Round, load_observations, variable_catalogue
from klaster.variable import Variable

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NAME = "Hasnah Daeng Tayang"
NIK = "7303015506790002"
PHONE = "0813 5544 2211"
SECRETS = (NAME, NIK, PHONE)


def catalogue() -> dict[str, Variable]:
    """The core variables and the built-in plugins' variables."""
    return variable_catalogue()


def small_program() -> Program:
    """One cluster touching every record kind, with personal data to keep out of errors."""
    stats = RegionStat(2010, "seed report", "targeting_people", 176_708, 67_503, "38.20")
    kabupaten = Region(
        "kabupaten",
        "Bantaeng",
        "73.03",
        bps_code="7303",
        stats=[stats],
        children=[
            Region.kecamatan("Pajukukang", "73.03.05", [Region.desa("Baruga", "73.03.05.2001")]),
            Region.kecamatan("Bissappu", "73.03.01", [Region.desa("Bonto Jai")]),
        ],
    )
    life = Lifecycle.start(D(2010, 9, 1), reason="poverty map", decided_by="DD")
    life.advance(D(2011, 4, 4), reason="socialisation", decided_by="DD")
    members = [
        Member("BTG-1", NAME, "female", 5, "Baruga", "umkm", D(2011, 5, 2), "seaweed",
               national_id=NIK, phone=PHONE, birth_year=1979),
        Member("BTG-2", "Rustan Daeng Bau", "male", 3, "Bonto Jai", "umkm", D(2011, 5, 2),
               left=D(2012, 10, 1)),
        Member("BTG-3", "Sumarni", "female", 4, "73.03.05.2001", "livestock", D(2011, 5, 9)),
    ]  # fmt: skip
    cluster = Cluster(
        id="bantaeng",
        name="Klaster Mandiri Bantaeng",
        region=Region.province("Sulawesi Selatan", "73", [kabupaten]),
        sectors=[ClusterSector("umkm", "mm"), ClusterSector("livestock")],
        stakeholders=[Stakeholder("bupati", "opened the workshop")],
        lifecycle=life,
        members=members,
        groups=[
            Group("BTG-K01", "Kelompok Rumput Laut", "umkm", D(2011, 5, 2), [
                Membership("BTG-1", D(2011, 5, 2), role="chair"),
                Membership("BTG-2", D(2011, 5, 2), left=D(2012, 10, 1)),
            ]),
            Group("BTG-K02", "Kelompok Kambing", "livestock", D(2011, 5, 9)),
        ],
        cooperatives=[
            Cooperative("irman", "Koperasi IRMAN", ["umkm", "livestock"], ["BTG-1", "BTG-3"],
                        founded=D(2013, 2, 1),
                        legal=LegalStatus("518/BH/XXI/2013", D(2013, 6, 14), "KSU")),
        ],
    )  # fmt: skip
    return Program(
        id="klaster-mandiri",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("bupati", "Bupati Bantaeng", "government", note="host"),
        ],
        clusters=[cluster],
    )


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
    obs = load_observations(EXAMPLES / "data" / "bantaeng.observations.jsonl", program, catalogue())
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
