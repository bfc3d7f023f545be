"""A small Bantaeng-like program with applicants, enrolments and a later survey (hand-checked).

Kabupaten Bantaeng (73.03): kecamatan Bantaeng (Lamalaka, Letta) and Pajukukang (Pa'jukukang,
Baruga); sectors umkm and livestock. Seven applicants, four enrolled (M-1..M-4), one member
registered directly (M-9). The later survey ("btg-ml", 15 March 2012) is measured against the
bundled national line of March 2012, Rp 248,707 (no kabupaten line: a fallback).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.model.builders import NAME, organisations

from klaster import Applicant, Cluster, ClusterSector, Member, Program, Region
from klaster.observations import Observations, Round
from klaster.targeting import Verification

D = dt.date
LINE_2012 = Decimal("248707")
SURVEY_ON = D(2012, 3, 15)
KECAMATAN = {
    ("Bantaeng", "73.03.02"): ["Lamalaka", "Letta"],
    ("Pajukukang", "73.03.05"): ["Pa'jukukang", "Baruga"],
}


def region() -> Region:
    kabupaten = Region.kabupaten(
        "Bantaeng",
        "73.03",
        [
            Region.kecamatan(name, code, [Region.desa(d) for d in desa])
            for (name, code), desa in KECAMATAN.items()
        ],
    )
    return Region.province("Sulawesi Selatan", "73", [kabupaten])


def base_program() -> Program:
    cluster = Cluster(
        id="btg",
        name="Klaster Mandiri Bantaeng",
        region=region(),
        sectors=[ClusterSector("umkm", "mm"), ClusterSector("livestock", "ktn")],
    )
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=organisations(),
        clusters=[cluster],
    )


def applicant(applicant_id: str, sector: str, village: str, **changes: Any) -> Applicant:
    fields: dict[str, Any] = {
        "id": applicant_id,
        "cluster_id": "btg",
        "name": NAME,
        "sex": "female",
        "household_size": 4,
        "village": village,
        "sector": sector,
        "applied_on": D(2011, 3, 1),
    }
    fields.update(changes)
    return Applicant(**fields)


# applicant: (sector, village, screening income answer or None, what became of it)
APPLICANTS = {
    "A-1": ("umkm", "Lamalaka", "600000", "M-1"),
    "A-2": ("umkm", "Lamalaka", "800000", "M-2"),
    "A-3": ("livestock", "Pa'jukukang", "800000", "M-3"),
    "A-4": ("livestock", "Baruga", "800000", "M-4"),
    "A-5": ("umkm", "Letta", "800000", "waitlisted"),
    "A-6": ("livestock", "Pa'jukukang", "2000000", "not_eligible"),
    "A-7": ("umkm", "Letta", None, "declined"),
}


def program() -> Program:
    """The program with its intake: A-1..A-4 enrolled, A-5 waitlisted, A-6 not eligible, A-7
    declined; M-9 joined without an application."""
    p = base_program()
    intake = p.intake
    screened, enrolled = D(2011, 3, 8), D(2011, 6, 1)
    for applicant_id, (sector, village, income, fate) in APPLICANTS.items():
        answers = {} if income is None else {"monthly_income": Decimal(income)}
        intake.add_applicant(applicant(applicant_id, sector, village, answers=answers))
        if fate == "not_eligible":
            intake.decide(applicant_id, "not_eligible", screened, failed=["income_line"])
            continue
        intake.decide(applicant_id, "eligible", screened)
        if fate == "waitlisted":
            intake.waitlist(applicant_id, screened)
        elif fate == "declined":
            intake.decline(applicant_id, screened, reason="moved away")
        else:
            intake.enrol(applicant_id, member_id=fate, on=enrolled)
    p.clusters["btg"].add_member(Member("M-9", NAME, "male", 5, "Lamalaka", "umkm", D(2011, 6, 1)))
    return p


def observations(p: Program) -> Observations:
    """Baseline (June 2011) and the later survey of 15 March 2012.

    At the later survey: M-1 Rp 600,000 for 4 (150,000 a head: poor); M-2 Rp 1,200,000 for 4
    (300,000: not poor); M-3 Rp 994,828 with no household size recorded (the registered 4:
    248,707 a head, exactly the line: not poor); M-4 not surveyed; M-9 (no application) poor.
    """
    obs = Observations(p)
    obs.add_round(Round("btg-bl", "btg", "baseline", D(2011, 6, 15)))
    obs.add_round(Round("btg-ml", "btg", "midline", SURVEY_ON))
    for member_id in ("M-1", "M-2", "M-3", "M-4", "M-9"):
        obs.record("btg-bl", member_id, {"monthly_income": Decimal(500_000), "household_size": 4})
    obs.record("btg-ml", "M-1", {"monthly_income": Decimal(600_000), "household_size": 4})
    obs.record("btg-ml", "M-2", {"monthly_income": Decimal(1_200_000), "household_size": 4})
    obs.record("btg-ml", "M-3", {"monthly_income": Decimal(994_828)})
    obs.record("btg-ml", "M-9", {"monthly_income": Decimal(100_000), "household_size": 5})
    return obs


def verification() -> Verification:
    """Per-capita incomes verified on 15 March 2012 (A-4 not found)."""
    return Verification(
        SURVEY_ON,
        {
            "A-1": 150_000,  # poor, enrolled
            "A-2": 300_000,  # not poor
            "A-3": 248_707,  # exactly the line: not poor
            "A-5": 200_000,  # poor, waitlisted: excluded
            "A-6": 100_000,  # poor, found not eligible: excluded
            "A-7": 248_706,  # one rupiah under the line: poor, declined: excluded
        },
        "Verification visit, March 2012 (synthetic)",
    )
