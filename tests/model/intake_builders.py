"""Shared by the intake tests (model, documents, store, imports): a program with applicants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.model.builders import NAME, NIK, PHONE, cluster, program

import klaster
from klaster import Applicant, Group, Program

D = dt.date
ANSWER = Decimal("873456")  # a screening answer: never in a message either
SECRETS = (NAME, NIK, PHONE, str(ANSWER))


def applicant(applicant_id: str = "A-1", **changes: Any) -> Applicant:
    fields: dict[str, Any] = {
        "id": applicant_id,
        "cluster_id": "tuban",
        "name": NAME,
        "sex": "female",
        "household_size": 4,
        "village": "Gaji",
        "sector": "umkm",
        "applied_on": D(2011, 3, 1),
        "answers": {"income": ANSWER, "asnaf": "miskin", "has_space": True},
        "national_id": NIK,
        "phone": PHONE,
    }
    fields.update(changes)
    return Applicant(**fields)


def intake_program(capacity: int | None = 2) -> Program:
    """Tuban with a group of ``capacity`` and four applicants: eligible, not eligible, new, one
    eligible livestock applicant in the other desa."""
    c = cluster()
    c.add_group(Group("G-1", "Kelompok Mawar", "umkm", D(2011, 1, 1), capacity=capacity))
    p = program(c)
    intake = p.intake
    intake.add_applicant(applicant("A-1"))
    intake.add_applicant(applicant("A-2"))
    intake.add_applicant(applicant("A-3"))
    intake.add_applicant(applicant("A-4", sector="livestock", village="Hargoretno"))
    intake.decide("A-1", "eligible", D(2011, 3, 8), evidence="score 7 >= 5")
    intake.decide("A-2", "not_eligible", D(2011, 3, 8), failed=["income_line"])
    intake.decide("A-4", "eligible", D(2011, 3, 8))
    return p


def snapshot(p: Program) -> str:
    """The program as a document: equal snapshots, unchanged program."""
    return klaster.dumps(p)
