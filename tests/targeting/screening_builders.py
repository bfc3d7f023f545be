"""The worked screening example of docs/intake.md, and random applicants for the backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from klaster.model.applicant import Applicant
from klaster.targeting import EligibilityRules, read_rules

DAY = dt.date(2023, 3, 15)
AREAS = {"bantaeng": "73.03"}
LINE = Decimal(550458)  # BPS national line, March 2023 (Bantaeng's is not bundled)

RULES_TOML = """
version = 1
form = "essential_plus_conditional"

[[criteria]]
code = "poor"
label = { id = "Di bawah garis kemiskinan", en = "At or below the poverty line" }
reads = "monthly_income"
per_capita = true
operator = "<="
line = "poverty_line"
essential = true

[[criteria]]
code = "asnaf_zakat"
label = { id = "Asnaf fakir, miskin atau gharimin", en = "Asnaf fakir, miskin or gharimin" }
reads = "asnaf"
operator = "in"
threshold = ["fakir", "miskin", "gharim"]
essential = true

[[criteria]]
code = "small_farm"
label = { id = "Lahan kurang dari 0,5 ha", en = "Less than 0.5 ha of land" }
reads = "land_area"
operator = "<"
threshold = 0.5
source = "BPS, Sensus Pertanian 2013: petani gurem farm less than 0.5 ha"

[[scorecards]]
code = "housing"
label = { id = "Kondisi rumah", en = "Housing" }
cut_off = 2
synthetic = true

[[scorecards.items]]
code = "floor"
label = { id = "Lantai", en = "Floor" }
reads = "house_floor"
points = { earth = 2, bamboo = 1 }

[[scorecards.items]]
code = "wall"
label = { id = "Dinding", en = "Wall" }
reads = "house_wall"
points = { bamboo = 1 }

[[scorecards.items]]
code = "roof"
label = { id = "Atap", en = "Roof" }
reads = "house_roof"
points = { thatch = 1 }
"""


def rules() -> EligibilityRules:
    return read_rules(RULES_TOML)


def _applicant(
    number: int,
    size: int,
    sector: str,
    income: int,
    asnaf: str,
    house: tuple[str, str, str],
    **more: object,
) -> Applicant:
    floor, wall, roof = house
    answers: dict[str, object] = {
        "monthly_income": income,
        "asnaf": asnaf,
        "house_floor": floor,
        "house_wall": wall,
        "house_roof": roof,
        **more,
    }
    return Applicant(
        f"APL-{number:02d}",
        "bantaeng",
        f"Applicant {number}",
        "female",
        size,
        "Pa'jukukang",
        sector,
        DAY,
        answers=answers,
    )


def applicants() -> list[Applicant]:
    return [
        _applicant(
            1, 4, "umkm", 1_800_000, "miskin", ("earth", "bamboo", "zinc"), land_area=Decimal("0.3")
        ),
        _applicant(2, 3, "umkm", 1_800_000, "miskin", ("earth", "bamboo", "thatch")),
        _applicant(3, 5, "umkm", 2_500_000, "gharim", ("cement", "brick", "tile")),
        _applicant(
            4,
            2,
            "livestock",
            900_000,
            "fakir",
            ("bamboo", "bamboo", "thatch"),
            land_area=Decimal("0.25"),
            has_animal_space=False,
        ),
        _applicant(
            5,
            6,
            "livestock",
            3_300_000,
            "miskin",
            ("earth", "wood", "zinc"),
            land_area=Decimal("0.4"),
            has_animal_space=True,
        ),
    ]
