"""The rows a finance book is stored as: one function per table, record → tuple.

The tuples follow the tables' column order, so saving can compare them with the stored rows
(``SELECT *``) to tell what is new. Amounts are ``int`` whole rupiah (the finance model refuses
fractions), rates the ``Decimal``'s exact text, dates ISO text, parties a kind and an ID.
"""

from __future__ import annotations

from typing import Any

from klaster.finance.assets import Asset, AssetEvent
from klaster.finance.entry import Entry
from klaster.finance.fund import Fund
from klaster.finance.handover import Handover
from klaster.finance.loan import Loan, Restructuring
from klaster.finance.party import Party

Row = tuple[Any, ...]


def _iso(day: Any) -> str | None:
    return None if day is None else str(day.isoformat())


def _money(amount: Any) -> int | None:
    return None if amount is None else int(amount)


def _kind(party: Party | None) -> str | None:
    return None if party is None else party.kind.value


def _id(party: Party | None) -> str | None:
    return None if party is None else party.id


def fund_row(cid: str, pos: int, f: Fund) -> Row:
    """The ``funds`` row of ``f``."""
    return (
        cid,
        f.id,
        pos,
        f.name,
        f.source.value,
        f.held_by.kind.value,
        f.held_by.id,
        _iso(f.opened),
        f.note,
    )


def loan_row(cid: str, pos: int, loan: Loan) -> Row:
    """The ``loans`` row of ``loan`` (terms as disbursed)."""
    share = loan.profit_share
    return (
        cid,
        loan.id,
        pos,
        loan.fund_id,
        loan.borrower.kind.value,
        loan.borrower.id,
        loan.product.value,
        int(loan.principal),
        _iso(loan.disbursed_on),
        loan.instalments,
        loan.frequency.value,
        loan.method.value,
        int(loan.margin),
        None if share is None else str(share),
        loan.group_id,
        loan.sector,
        _iso(loan.first_due),
        loan.purpose,
    )


def entry_row(cid: str, seq: int, e: Entry) -> Row:
    """The ``ledger_entries`` row of entry number ``seq``."""
    return (cid, seq, _iso(e.on), e.kind.value, e.fund_id, e.loan_id, e.memo, e.spending_id)


def posting_rows(cid: str, seq: int, e: Entry) -> list[Row]:
    """The ``ledger_postings`` rows of entry number ``seq``."""
    return [
        (
            cid,
            seq,
            i,
            p.debit.kind.value,
            p.debit.ref,
            p.credit.kind.value,
            p.credit.ref,
            int(p.amount),
        )
        for i, p in enumerate(e.postings)
    ]


def restructuring_row(cid: str, seq: int, r: Restructuring) -> Row:
    """The ``restructurings`` row of restructuring number ``seq``."""
    return (
        cid,
        seq,
        r.loan_id,
        _iso(r.on),
        r.instalments,
        r.frequency.value,
        r.method.value,
        _iso(r.first_due),
        int(r.margin),
        r.reason,
        r.after_entry,
    )


def asset_row(cid: str, pos: int, a: Asset) -> Row:
    """The ``assets`` row of ``a``."""
    return (
        cid,
        a.id,
        pos,
        a.kind.value,
        a.description,
        a.quantity,
        int(a.value),
        _iso(a.acquired_on),
        a.custodian.kind.value,
        a.custodian.id,
        a.owner.kind.value,
        a.owner.id,
        a.unit,
        a.sector,
        a.fund_id,
    )


def event_row(cid: str, seq: int, e: AssetEvent) -> Row:
    """The ``asset_events`` row of event number ``seq``."""
    return (
        cid,
        seq,
        e.asset_id,
        _iso(e.on),
        e.kind.value,
        int(e.value),
        e.quantity_change,
        _kind(e.custodian),
        _id(e.custodian),
        _kind(e.owner),
        _id(e.owner),
        _money(e.proceeds),
        e.note,
    )


def handover_rows(cid: str, h: Handover | None) -> list[Row]:
    """The ``handovers`` row of ``h`` (none before the handover)."""
    if h is None:
        return []
    return [(cid, h.id, _iso(h.on), h.program_id, h.decided_by, h.note)]


def item_rows(cid: str, h: Handover | None) -> list[Row]:
    """The ``handover_items`` rows of ``h``."""
    if h is None:
        return []
    return [
        (cid, i, it.kind.value, it.ref, it.to, int(it.amount), it.count)
        for i, it in enumerate(h.items)
    ]
