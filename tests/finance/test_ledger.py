"""The ledger: double entry, date order, no negative balance, replay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from klaster.errors import ValidationError
from klaster.finance import (
    Account,
    DateOrderError,
    Entry,
    InsufficientFundsError,
    Ledger,
    LedgerError,
    Posting,
)

CASH = Account("F-1", "cash")
CAPITAL = Account("F-1", "capital")
LOAN = Account("F-1", "loans", "L-1")
DAY = dt.date(2012, 1, 9)


def funding(amount: int, on: dt.date = DAY) -> Entry:
    return Entry(on, "funding", None, [Posting(CASH, CAPITAL, amount)])


def disbursement(amount: int, on: dt.date = DAY) -> Entry:
    return Entry(on, "disbursement", "L-1", [Posting(LOAN, CASH, amount)])


class TestRecords:
    def test_posting_refuses_same_account_and_two_funds(self) -> None:
        with pytest.raises(ValidationError, match="same account"):
            Posting(CASH, CASH, 1)
        with pytest.raises(ValidationError, match="one fund"):
            Posting(CASH, Account("F-2", "capital"), 1)

    @pytest.mark.parametrize("amount", [0, -1, 1.5, "x", Decimal("0.5")])
    def test_posting_refuses_bad_amounts(self, amount: object) -> None:
        with pytest.raises(ValidationError):
            Posting(CASH, CAPITAL, amount)  # type: ignore[arg-type]

    def test_entry_follows_the_chart(self) -> None:
        with pytest.raises(ValidationError, match="cannot debit cash and credit margin_income"):
            Entry(DAY, "funding", None, [Posting(CASH, Account("F-1", "margin_income"), 1)])
        with pytest.raises(ValidationError, match="names its loan"):
            Entry(DAY, "disbursement", None, [Posting(LOAN, CASH, 1)])
        with pytest.raises(ValidationError, match="for loan 'L-2'"):
            Entry(DAY, "disbursement", "L-2", [Posting(LOAN, CASH, 1)])

    def test_account_ref_rules(self) -> None:
        with pytest.raises(ValidationError, match="names its loan or member"):
            Account("F-1", "loans")
        with pytest.raises(ValidationError, match="has no ref"):
            Account("F-1", "cash", "L-1")


class TestLedger:
    def test_balances_derive_from_entries(self) -> None:
        ledger = Ledger([funding(1_000), disbursement(400)])
        assert ledger.balance(CASH) == 600
        assert ledger.balance(LOAN) == 400
        assert ledger.balance(CAPITAL) == 1_000  # credit-normal: shown positive
        assert ledger.balance(Account("F-9", "cash")) == 0
        ledger.check()

    def test_debits_equal_credits(self) -> None:
        ledger = Ledger([funding(1_000), disbursement(400)])
        raw = sum(b if a.kind.debit_normal else -b for a, b in ledger.balances().items())
        assert raw == 0

    def test_overdraft_refused_and_ledger_unchanged(self) -> None:
        ledger = Ledger([funding(1_000)])
        with pytest.raises(InsufficientFundsError, match="below zero") as info:
            ledger.append(disbursement(1_001))
        assert info.value.path == "entries[1]"
        assert len(ledger) == 1
        assert ledger.accounts() == (CASH, CAPITAL)
        assert ledger.balance(CASH) == 1_000

    def test_date_order(self) -> None:
        ledger = Ledger([funding(1_000, dt.date(2012, 2, 1))])
        with pytest.raises(DateOrderError, match="before the last entry"):
            ledger.append(funding(1, dt.date(2012, 1, 31)))
        assert len(ledger) == 1

    def test_replay_by_date_and_prefix(self) -> None:
        ledger = Ledger(
            [funding(1_000, dt.date(2012, 1, 1)), disbursement(400, dt.date(2012, 2, 1))]
        )
        assert ledger.balance(CASH, dt.date(2012, 1, 31)) == 1_000
        assert ledger.replay(dt.date(2012, 1, 31))[CASH] == 1_000
        assert ledger.replay() == ledger.balances()
        assert ledger.position(dt.date(2011, 12, 31)) == 0

    def test_entries_round_trip(self) -> None:
        entries = [funding(1_000), disbursement(400)]
        ledger = Ledger(entries)
        assert ledger.entries == tuple(entries)
        assert ledger[-1] == entries[-1]
        assert Ledger(ledger.entries) == ledger
        with pytest.raises(LedgerError, match="no entry 5"):
            ledger[5]

    def test_check_finds_tampering(self) -> None:
        ledger = Ledger([funding(1_000)])
        ledger.columns()["amount"][0] = 999  # what a bug or an edited file would do
        with pytest.raises(LedgerError, match="differ"):
            ledger.check()

    def test_not_an_entry(self) -> None:
        with pytest.raises(LedgerError, match="must be an Entry"):
            Ledger().append("funding")  # type: ignore[arg-type]
