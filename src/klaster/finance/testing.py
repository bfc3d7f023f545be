"""Builders for testing code that uses :mod:`klaster.finance`.

Small, valid objects to start a test from (a book with one funded zakat fund, loans with the
usual terms, a cluster ready for the handover) and :func:`fingerprint`, everything observable
about a book, to assert that a refused operation changed nothing::

    before = fingerprint(book)
    with pytest.raises(OverpaymentError):
        book.repay("L-1", day, 10**12)
    assert fingerprint(book) == before
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from klaster.finance import Finance, Fund, Loan, Party
from klaster.model import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    Region,
)

__all__ = [
    "DISBURSED",
    "PROGRAM",
    "START",
    "fingerprint",
    "make_book",
    "make_cluster",
    "murabahah",
    "qard",
]

PROGRAM = "km"
"""ID of the program in the builders."""
START = dt.date(2012, 1, 2)
"""Day the fund opens and is funded."""
DISBURSED = dt.date(2012, 1, 9)
"""Day the builders' loans are disbursed."""


def make_book(cash: int = 10_000_000, *, source: str = "zakat") -> Finance:
    """A book with one fund ``F-1`` holding ``cash``."""
    book = Finance("lebak", PROGRAM)
    book.add_fund(Fund("F-1", "Dana bergulir", source, Party.program(PROGRAM), START))
    if cash:
        book.receive("F-1", START, cash)
    return book


def qard(loan_id: str, principal: int = 1_200_000, **kwargs: Any) -> Loan:
    """A qard hasan loan of ``principal`` over 12 monthly instalments, disbursed 9 Jan 2012.

    The borrower is member ``M-1`` of :func:`make_cluster` unless ``borrower`` says otherwise.
    """
    fields: dict[str, Any] = {
        "id": loan_id,
        "fund_id": "F-1",
        "borrower": Party.member("M-1"),
        "product": "qard_hasan",
        "principal": principal,
        "disbursed_on": DISBURSED,
        "instalments": 12,
    }
    fields.update(kwargs)
    return Loan(**fields)


def murabahah(
    loan_id: str, principal: int = 3_000_000, margin: int = 150_000, **kwargs: Any
) -> Loan:
    """A murabahah loan: 10 monthly instalments of principal/10 + margin/10."""
    return qard(loan_id, principal, product="murabahah", margin=margin, instalments=10, **kwargs)


def make_cluster(*, legal: bool = True, phase: str = "strengthening") -> Cluster:
    """Cluster ``lebak`` in ``phase`` with two members in one group and cooperative ``coop``."""
    cluster = Cluster(
        id="lebak",
        name="Klaster Mandiri Lebak",
        region=Region.province("Banten", "36", [Region.kabupaten("Lebak", "36.02")]),
        sectors=[ClusterSector("umkm"), ClusterSector("livestock")],
        lifecycle=Lifecycle.start(
            dt.date(2011, 1, 1), reason="study", decided_by="DD", phase=phase
        ),
    )
    for n in (1, 2):
        cluster.add_member(
            Member(
                id=f"M-{n}",
                name=f"Nama {n}",
                sex="female",
                household_size=4,
                village="Lebak",
                sector="umkm",
                joined=dt.date(2011, 1, 1),
            )
        )
    cluster.add_group(
        Group(
            "G-1",
            "Kelompok 1",
            "umkm",
            dt.date(2011, 1, 1),
            [Membership("M-1", dt.date(2011, 1, 1))],
        )
    )
    status = LegalStatus("BH/1/2013", dt.date(2013, 6, 14)) if legal else None
    cluster.add_cooperative(
        Cooperative(
            "coop",
            "Koperasi Lebak",
            ["umkm"],
            ["M-1", "M-2"],
            founded=dt.date(2013, 1, 1),
            legal=status,
        )
    )
    cluster.add_cooperative(
        Cooperative(
            "ternak",
            "Koperasi Ternak",
            ["livestock"],
            founded=dt.date(2013, 1, 1),
            legal=LegalStatus("BH/2/2013", dt.date(2013, 6, 14)),
        )
    )
    return cluster


def fingerprint(book: Finance) -> tuple[object, ...]:
    """Everything observable about a book, to check that a refused operation changed nothing."""
    states = tuple(
        (
            s.loan.id,
            s.outstanding,
            s.paid,
            s.status,
            s.principal_paid,
            s.margin_paid,
            s.written_off,
            s.recovered,
            len(s.segments),
            tuple(s.positions),
        )
        for s in book.derived.by_number
    )
    return (
        len(book.ledger),
        book.ledger.postings,
        tuple(sorted((str(a), b) for a, b in book.ledger.balances().items())),
        book.funds.ids(),
        book.loans.ids(),
        book.restructurings,
        book.handover,
        book.budget,
        book.spendings.ids(),
        tuple(book.spent.entries.items()),
        book.assets.events,
        book.assets.assets.ids(),
        states,
        tuple(book.derived.schedules.cum),
    )
