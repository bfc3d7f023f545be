"""Ledger entries of finance books as a polars frame: one row per posting, member IDs as shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from klaster.finance.book import Finance
from klaster.finance.entry import AccountKind, Entry
from klaster.finance.party import Party, PartyKind

Ids = Callable[[Any, str], Any]

# Accounts whose ref is a member ID (a member's savings); a loans account's ref is a loan ID.
_MEMBER_REFS = frozenset(
    {AccountKind.SAVINGS_POKOK, AccountKind.SAVINGS_WAJIB, AccountKind.SAVINGS_SUKARELA}
)


def _party(book: Finance, entry: Entry) -> Party | None:
    if entry.loan_id is not None and entry.loan_id in book.loans:
        return book.loans[entry.loan_id].borrower
    if entry.spending_id is not None and entry.spending_id in book.spendings:
        return book.spendings[entry.spending_id].recipient
    for posting in entry.postings:
        for account in (posting.debit, posting.credit):
            if account.kind in _MEMBER_REFS and account.ref is not None:
                return Party.member(account.ref)
    return None


def ledger(pl: Any, books: Iterable[Finance], ids: Ids, personal: bool) -> Any:
    """Every posting of every book: date, kind, fund, loan, party, accounts and amount."""
    rows: list[tuple[Any, ...]] = []
    for book in books:
        for number, entry in enumerate(book.ledger):
            party = _party(book, entry)
            for posting in entry.postings:
                rows.append(
                    (
                        book.cluster_id,
                        number,
                        entry.on,
                        entry.kind.value,
                        posting.debit.fund_id,
                        entry.loan_id,
                        entry.spending_id,
                        None if party is None else party.kind.value,
                        None if party is None else party.id,
                        posting.debit.kind.value,
                        posting.debit.ref,
                        posting.credit.kind.value,
                        posting.credit.ref,
                        posting.amount,
                        entry.memo,
                    )
                )
    member = PartyKind.MEMBER.value
    party_ids = [r[8] for r in rows if r[7] == member]
    shown_party = iter(ids(party_ids, "ledger_entries.party_id"))
    debit_refs = _refs(rows, 9, 10, ids, "ledger_entries.debit_ref")
    credit_refs = _refs(rows, 11, 12, ids, "ledger_entries.credit_ref")
    columns: dict[str, Any] = {
        "cluster_id": pl.Series([r[0] for r in rows], dtype=pl.String),
        "entry": pl.Series([r[1] for r in rows], dtype=pl.Int64),
        "on": pl.Series([r[2] for r in rows], dtype=pl.Date),
        "kind": pl.Series([r[3] for r in rows], dtype=pl.String),
        "fund_id": pl.Series([r[4] for r in rows], dtype=pl.String),
        "loan_id": pl.Series([r[5] for r in rows], dtype=pl.String),
        "spending_id": pl.Series([r[6] for r in rows], dtype=pl.String),
        "party_kind": pl.Series([r[7] for r in rows], dtype=pl.String),
        "party_id": pl.Series(
            [next(shown_party) if r[7] == member else r[8] for r in rows], dtype=pl.String
        ),
        "debit": pl.Series([r[9] for r in rows], dtype=pl.String),
        "debit_ref": pl.Series(debit_refs, dtype=pl.String),
        "credit": pl.Series([r[11] for r in rows], dtype=pl.String),
        "credit_ref": pl.Series(credit_refs, dtype=pl.String),
        "amount": pl.Series([r[13] for r in rows], dtype=pl.Decimal(38, 0)),
    }
    if personal:  # a memo is free text: it may name someone
        columns["memo"] = pl.Series([r[14] for r in rows], dtype=pl.String)
    return pl.DataFrame(columns)


def _refs(
    rows: Sequence[tuple[Any, ...]], kind_at: int, ref_at: int, ids: Ids, where: str
) -> list[str | None]:
    savings = {k.value for k in _MEMBER_REFS}
    members = [r[ref_at] for r in rows if r[kind_at] in savings and r[ref_at] is not None]
    shown = iter(ids(members, where))
    return [
        next(shown) if r[kind_at] in savings and r[ref_at] is not None else r[ref_at] for r in rows
    ]
