"""The append-only double-entry ledger: every movement of money, balances derived from it.

An :class:`Entry` is one dated event (a funding, a disbursement, a repayment...) made of one or
more :class:`Posting` s; each posting moves an amount from its ``credit`` account to its
``debit`` account, so every posting is balanced by construction and the sum of all raw balances
(debits minus credits) is always zero: money is neither created nor lost, only moved. Funding is
the only way money enters (``cash`` debited, ``capital`` credited), and every account has a
*normal* side on which its balance may never go below zero (a fund's cash, a loan's outstanding
principal, a member's savings...).

Entries are kept in date order (an entry may not be dated before the previous one: a correction is
a new entry), so the ledger up to any date is a prefix of it and replaying that prefix gives the
balances on that date. Internally entries are stored as columns of integers (whole rupiah, date
ordinals, account numbers) so that ten million of them fit in a few hundred megabytes and can be
handed to a columnar engine; :class:`Entry` records are built on demand.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from array import array
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import define, field

from klaster.finance.entry import (
    KIND_CODE,
    KIND_OF_CODE,
    RULES,
    SAVINGS_KINDS,
    Account,
    AccountKind,
    Entry,
    Posting,
)
from klaster.finance.errors import DateOrderError, InsufficientFundsError, LedgerError
from klaster.finance.money import check_bound

__all__ = ["Ledger"]

_MAX_NUMBER = 2**31 - 1
"""The most accounts (or loans) the ledger's 32-bit number columns can tell apart."""

if TYPE_CHECKING:
    IntColumn = array[int]
else:  # array is not subscriptable at run time before Python 3.12 (and attrs resolves hints)
    IntColumn = array


def _to_entries(value: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(value)


class Prepared:
    """A validated entry in column form, ready to commit (internal: the book's two-step append)."""

    __slots__ = ("amounts", "credits", "debits", "entry", "kind", "loan", "new_accounts", "roles")

    def __init__(self) -> None:
        self.entry: Entry | None = None
        self.kind = 0
        self.loan = -1
        self.new_accounts: list[Account] = []
        self.debits: list[int] = []
        self.credits: list[int] = []
        self.amounts: list[int] = []
        self.roles: list[int] = []


@define(eq=False, repr=False)
class Ledger:
    """The append-only ledger of one book; the balances are always the replay of its entries.

    ``Ledger(entries)`` replays and checks stored entries. :meth:`append` adds one entry after
    checking it completely; a refused entry leaves the ledger exactly as it was. Normally a
    :class:`klaster.finance.Finance` book appends, after its own checks (loan rules, funds).

    Example:
        >>> import datetime as dt
        >>> cash, capital = Account("F-1", "cash"), Account("F-1", "capital")
        >>> ledger = Ledger()
        >>> _ = ledger.append(Entry(dt.date(2012, 1, 9), "funding", None,
        ...                         [Posting(cash, capital, 1_700_000_000)]))
        >>> ledger.balance(cash)
        Decimal('1700000000')
    """

    _initial: tuple[Entry, ...] = field(factory=tuple, converter=_to_entries, alias="entries")
    _accounts: list[Account] = field(init=False, factory=list, repr=False)
    _account_index: dict[Account, int] = field(init=False, factory=dict, repr=False)
    _raw: list[int] = field(init=False, factory=list, repr=False)
    _loan_ids: list[str] = field(init=False, factory=list, repr=False)
    _loan_index: dict[str, int] = field(init=False, factory=dict, repr=False)
    _memos: dict[int, str] = field(init=False, factory=dict, repr=False)
    _spending_ids: dict[int, str] = field(init=False, factory=dict, repr=False)
    # Per entry: the first posting and the kind code.
    _e_start: IntColumn = field(init=False, factory=lambda: array("q"), repr=False)
    _e_kind: IntColumn = field(init=False, factory=lambda: array("B"), repr=False)
    # Per posting: date ordinal, role, accounts, whole rupiah, loan number (-1: none).
    _p_on: IntColumn = field(init=False, factory=lambda: array("i"), repr=False)
    _p_role: IntColumn = field(init=False, factory=lambda: array("B"), repr=False)
    _p_debit: IntColumn = field(init=False, factory=lambda: array("i"), repr=False)
    _p_credit: IntColumn = field(init=False, factory=lambda: array("i"), repr=False)
    _p_amount: IntColumn = field(init=False, factory=lambda: array("q"), repr=False)
    _p_loan: IntColumn = field(init=False, factory=lambda: array("i"), repr=False)

    def __attrs_post_init__(self) -> None:
        initial, self._initial = self._initial, ()
        for entry in initial:
            self.append(entry)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable: appending changes equality

    def __repr__(self) -> str:
        return f"<Ledger of {len(self)} entries, {self.postings} postings>"

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._e_start)

    def __iter__(self) -> Iterator[Entry]:
        for index in range(len(self)):
            yield self[index]

    def __getitem__(self, index: int) -> Entry:
        count = len(self)
        if not -count <= index < count:
            raise LedgerError(f"no entry {index}; the ledger has {count}", path="entries")
        index %= count
        start = self._e_start[index]
        end = self._e_start[index + 1] if index + 1 < count else len(self._p_on)
        loan = self._p_loan[start]
        accounts = self._accounts
        return Entry(
            on=_dt.date.fromordinal(self._p_on[start]),
            kind=KIND_OF_CODE[self._e_kind[index]],
            loan_id=self._loan_ids[loan] if loan >= 0 else None,
            postings=tuple(
                Posting(
                    accounts[self._p_debit[i]],
                    accounts[self._p_credit[i]],
                    Decimal(self._p_amount[i]),
                )
                for i in range(start, end)
            ),
            memo=self._memos.get(index),
            spending_id=self._spending_ids.get(index),
        )

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry, oldest first (built on demand: use iteration for large ledgers)."""
        return tuple(self)

    @property
    def postings(self) -> int:
        """How many postings the entries hold."""
        return len(self._p_on)

    @property
    def last_date(self) -> _dt.date | None:
        """Date of the last entry, or ``None`` while empty."""
        return _dt.date.fromordinal(self._p_on[-1]) if self._p_on else None

    def accounts(self) -> tuple[Account, ...]:
        """Every account used so far, in order of first use."""
        return tuple(self._accounts)

    def balance(self, account: Account, on: _dt.date | None = None) -> Decimal:
        """Balance of ``account`` on its normal side (cash held, principal owed...).

        Args:
            account: The account (an unused account has balance zero).
            on: At the end of this day; the latest balance if ``None``.
        """
        index = self._account_index.get(account)
        if index is None:
            return Decimal(0)
        raw = self._raw[index] if on is None else self._replay(self.position(on)).get(index, 0)
        return Decimal(raw if account.kind.debit_normal else -raw)

    def balances(self, on: _dt.date | None = None) -> dict[Account, Decimal]:
        """Every account's normal-side balance (at the end of ``on``, or the latest)."""
        raw = dict(enumerate(self._raw)) if on is None else self._replay(self.position(on))
        return {
            account: Decimal(raw.get(i, 0) if account.kind.debit_normal else -raw.get(i, 0))
            for i, account in enumerate(self._accounts)
        }

    def position(self, on: _dt.date) -> int:
        """The number of postings dated on or before ``on`` (the ledger's prefix at that day)."""
        return bisect.bisect_right(self._p_on, on.toordinal())

    def replay(self, on: _dt.date | None = None) -> dict[Account, Decimal]:
        """Balances recomputed from the stored postings alone (up to ``on``), for auditing.

        Equal to :meth:`balances`, which reads the running totals; :meth:`check` compares them.
        """
        end = len(self._p_on) if on is None else self.position(on)
        raw = self._replay(end)
        return {
            a: Decimal(raw.get(i, 0) if a.kind.debit_normal else -raw.get(i, 0))
            for i, a in enumerate(self._accounts)
        }

    def check(self) -> None:
        """Replay every posting and check the books: conservation and no negative balance.

        Raises:
            LedgerError: Debits and credits differ, the running balances disagree with the
                replay, or an account went below zero on its normal side at some entry.
        """
        raw = [0] * len(self._accounts)
        debit_normal = [a.kind.debit_normal for a in self._accounts]
        for i in range(len(self._p_on)):
            d, c, amount = self._p_debit[i], self._p_credit[i], self._p_amount[i]
            raw[d] += amount
            raw[c] -= amount
            for acct in (d, c):
                if (raw[acct] if debit_normal[acct] else -raw[acct]) < 0:
                    raise LedgerError(
                        f"account {self._accounts[acct]} goes below zero at posting {i}",
                        path=f"entries[{bisect.bisect_right(self._e_start, i) - 1}]",
                    )
        if sum(raw) != 0:
            raise LedgerError(f"debits and credits differ by {sum(raw)}", path="entries")
        if raw != self._raw:
            raise LedgerError("running balances differ from the replay", path="entries")

    def _replay(self, end: int) -> dict[int, int]:
        raw: dict[int, int] = {}
        get = raw.get
        for i in range(end):
            amount = self._p_amount[i]
            d, c = self._p_debit[i], self._p_credit[i]
            raw[d] = get(d, 0) + amount
            raw[c] = get(c, 0) - amount
        return raw

    # -- writing ---------------------------------------------------------------------------
    def append(self, entry: Entry) -> int:
        """Check ``entry`` completely, then append it; return its index.

        Raises:
            DateOrderError: It is dated before the last entry.
            InsufficientFundsError: A cash or savings balance would go below zero.
            LedgerError: Another balance would go below zero, or it is no :class:`Entry`.
        """
        prepared = self.prepare(entry)
        return self.commit(prepared)

    def prepare(self, entry: Entry) -> Prepared:
        """Check ``entry`` against the ledger without changing it (first half of :meth:`append`).

        Everything :meth:`commit` relies on is checked here: the date order, every amount and
        every resulting balance within :data:`~klaster.finance.money.MAX_RUPIAH` (the 64-bit
        columns), no balance below zero, room in the account and loan numbering.
        """
        where = f"entries[{len(self)}]"
        if not isinstance(entry, Entry):
            raise LedgerError(f"must be an Entry, got {type(entry).__name__}", path=where)
        last = self._p_on[-1] if self._p_on else None
        if last is not None and entry.on.toordinal() < last:
            raise DateOrderError(
                f"dated {entry.on}, before the last entry ({_dt.date.fromordinal(last)}); the "
                "ledger is kept in date order: record a correction as a new entry",
                path=f"{where}.on",
            )
        prepared = Prepared()
        prepared.entry = entry
        prepared.kind = KIND_CODE[entry.kind]
        prepared.loan = (
            -1
            if entry.loan_id is None
            else self._loan_index.get(entry.loan_id, len(self._loan_ids))
        )
        pending: dict[Account, int] = {}
        delta: dict[int, int] = {}
        for i, posting in enumerate(entry.postings):
            # Bound before converting: an amount is an int64 column value (Posting checks it
            # too; checked again here so that commit() cannot fail).
            check_bound(posting.amount, f"{where}.postings[{i}].amount")
            d = self._index_for(posting.debit, pending, prepared)
            c = self._index_for(posting.credit, pending, prepared)
            amount = int(posting.amount)
            prepared.debits.append(d)
            prepared.credits.append(c)
            prepared.amounts.append(amount)
            prepared.roles.append(RULES[(entry.kind, posting.debit.kind, posting.credit.kind)])
            delta[d] = delta.get(d, 0) + amount
            delta[c] = delta.get(c, 0) - amount
        known = len(self._accounts)
        if known + len(prepared.new_accounts) > _MAX_NUMBER or len(self._loan_ids) >= _MAX_NUMBER:
            raise LedgerError("the ledger's account or loan numbers are used up", path=where)
        for index, change in delta.items():
            account = (
                self._accounts[index] if index < known else prepared.new_accounts[index - known]
            )
            before = self._raw[index] if index < len(self._raw) else 0
            sign = 1 if account.kind.debit_normal else -1
            if sign * (before + change) < 0:
                error = (
                    InsufficientFundsError
                    if account.kind is AccountKind.CASH or account.kind in SAVINGS_KINDS
                    else LedgerError
                )
                raise error(
                    f"{account} holds {sign * before:,} rupiah and this entry would take it to "
                    f"{sign * (before + change):,}; a balance may not go below zero",
                    path=where,
                )
            check_bound(abs(before + change), where, f"this entry would take {account}")
        return prepared

    def commit(self, prepared: Prepared) -> int:
        """Append a :class:`Prepared` entry (second half of :meth:`append`; cannot fail)."""
        entry = prepared.entry
        assert entry is not None
        for account in prepared.new_accounts:
            self._account_index[account] = len(self._accounts)
            self._accounts.append(account)
            self._raw.append(0)
        if entry.loan_id is not None and prepared.loan == len(self._loan_ids):
            self._loan_index[entry.loan_id] = prepared.loan
            self._loan_ids.append(entry.loan_id)
        index = len(self._e_start)
        self._e_start.append(len(self._p_on))
        self._e_kind.append(prepared.kind)
        if entry.memo is not None:
            self._memos[index] = entry.memo
        if entry.spending_id is not None:
            self._spending_ids[index] = entry.spending_id
        on = entry.on.toordinal()
        raw = self._raw
        for d, c, amount, role in zip(
            prepared.debits, prepared.credits, prepared.amounts, prepared.roles, strict=True
        ):
            self._p_on.append(on)
            self._p_role.append(role)
            self._p_debit.append(d)
            self._p_credit.append(c)
            self._p_amount.append(amount)
            self._p_loan.append(prepared.loan)
            raw[d] += amount
            raw[c] -= amount
        return index

    def _index_for(self, account: Account, pending: dict[Account, int], prepared: Prepared) -> int:
        found = self._account_index.get(account)
        if found is None:
            found = pending.get(account)
            if found is None:
                found = len(self._accounts) + len(prepared.new_accounts)
                pending[account] = found
                prepared.new_accounts.append(account)
        return found

    # -- columns for the fast paths ---------------------------------------------------------
    def columns(self) -> dict[str, IntColumn]:
        """The posting columns (read-only views by convention; internal to klaster.finance)."""
        return {
            "on": self._p_on,
            "role": self._p_role,
            "debit": self._p_debit,
            "credit": self._p_credit,
            "amount": self._p_amount,
            "loan": self._p_loan,
        }

    def loan_number(self, loan_id: str) -> int:
        """The number the columns use for ``loan_id`` (-1 if it has no entry yet)."""
        return self._loan_index.get(loan_id, -1)

    def loan_ids(self) -> tuple[str, ...]:
        """Loan IDs in order of their first entry (the numbers :meth:`columns` uses)."""
        return tuple(self._loan_ids)

    def entry_start(self, index: int) -> int:
        """Position of the first posting of entry ``index`` (the end for ``len(self)``)."""
        return self._e_start[index] if index < len(self._e_start) else len(self._p_on)

    def entry_date(self, index: int) -> _dt.date:
        """Date of entry ``index``."""
        return _dt.date.fromordinal(self._p_on[self._e_start[index]])

    def account_number(self, account: Account) -> int:
        """The number the columns use for ``account`` (-1 if unused)."""
        return self._account_index.get(account, -1)
