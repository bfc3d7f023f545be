"""The finance book of a cluster: funds, loans, the ledger, assets, and the handover.

:class:`Finance` is the one stateful object: every operation checks *everything* first (the
amount, the date, the loan's state, the fund's cash, the allocation of a repayment), then appends
one ledger entry and updates the derived loan state. A refused operation raises a
:class:`~klaster.finance.errors.FinanceError` and leaves the book exactly as it was.

The stored parts are plain records; everything else (:class:`~klaster.finance._loanbook.LoanBook`)
is derived by replaying them through the same rules, which is also how a book is loaded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs
from attrs import define, field, setters

from klaster._support.validate import check_id
from klaster.errors import ValidationError
from klaster.finance import _replay, _rules, book_entries
from klaster.finance._book_operations import (
    SavingsOperations,
    SpendingOperations,
    policy_fits,
    record,
)
from klaster.finance._loanbook import LoanBook, SpentBook
from klaster.finance.assets import AssetRegister
from klaster.finance.book_entries import to_day
from klaster.finance.budget import Budget
from klaster.finance.entry import Account, AccountKind, Entry, EntryKind
from klaster.finance.errors import (
    DateOrderError,
    HandoverError,
    InsufficientFundsError,
    LoanStateError,
    UnknownRecordError,
)
from klaster.finance.fund import Fund
from klaster.finance.handover import Handover
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, Repayment, Restructuring
from klaster.finance.money import rupiah
from klaster.finance.party import Party
from klaster.finance.position import LoanPosition, instalments, loan_position
from klaster.finance.schedule import Frequency, Instalment, Method
from klaster.finance.spending import Spending, SpendingPolicy
from klaster.model.records import Records, put_record

__all__ = ["Finance"]


def _to_funds(value: Iterable[Fund]) -> Records[Fund]:
    return value if isinstance(value, Records) else Records("funds", value)


def _to_loans(value: Iterable[Loan]) -> Records[Loan]:
    return value if isinstance(value, Records) else Records("loans", value)


def _to_spendings(value: Iterable[Spending]) -> Records[Spending]:
    return value if isinstance(value, Records) else Records("spendings", value)


def _to_restructurings(value: Iterable[Restructuring]) -> tuple[Restructuring, ...]:
    return tuple(value)


def _instance(_inst: object, attribute: Any, value: object) -> None:
    cls = {"budget": Budget, "policy": SpendingPolicy}[attribute.name]
    if not isinstance(value, cls):
        raise ValidationError(f"must be a {cls.__name__}", path=attribute.name)


@define(eq=False)
class Finance(SavingsOperations, SpendingOperations):
    """The money of one cluster (or one program): funds, loans, ledger, assets, handover.

    Args:
        cluster_id: The cluster the book belongs to.
        program_id: The program holding the funds until the handover (``Party.program`` ID).
        funds: The funds.
        loans: Every loan disbursed (terms as disbursed).
        ledger: The append-only :class:`~klaster.finance.Ledger`.
        restructurings: Every :class:`~klaster.finance.Restructuring`, in order.
        assets: The :class:`~klaster.finance.AssetRegister`.
        handover: The :class:`~klaster.finance.Handover` at independence, once made.
        budget: The :class:`~klaster.finance.Budget` and its revisions (:meth:`revise_budget`).
        spendings: Every grant, in-kind transfer and expense (:meth:`spend`), in ledger order.
        policy: The :class:`~klaster.finance.SpendingPolicy` the book enforces.

    Example:
        >>> import datetime as dt
        >>> from klaster.finance import Fund, Loan, Party
        >>> book = Finance("lebak", "klaster-mandiri")
        >>> _ = book.add_fund(Fund("F-1", "Dana bergulir", "zakat",
        ...                        Party.program("klaster-mandiri"), dt.date(2012, 1, 2)))
        >>> _ = book.receive("F-1", dt.date(2012, 1, 2), 5_000_000)
        >>> _ = book.disburse(Loan("L-1", "F-1", Party.member("M-1"), "qard_hasan", 1_200_000,
        ...                        dt.date(2012, 1, 9), 12))
        >>> book.repay("L-1", dt.date(2012, 2, 9), 100_000).principal
        Decimal('100000')
        >>> book.cash("F-1"), book.position("L-1", dt.date(2012, 2, 9)).outstanding
        (Decimal('3900000'), Decimal('1100000'))
    """

    cluster_id: str = field(validator=check_id)
    program_id: str = field(validator=check_id)
    funds: Records[Fund] = field(factory=tuple, converter=_to_funds)
    loans: Records[Loan] = field(factory=tuple, converter=_to_loans)
    ledger: Ledger = field(factory=Ledger)
    restructurings: tuple[Restructuring, ...] = field(factory=tuple, converter=_to_restructurings)
    assets: AssetRegister = field(factory=AssetRegister)
    handover: Handover | None = field(default=None)
    budget: Budget = field(factory=Budget, validator=_instance)
    spendings: Records[Spending] = field(factory=tuple, converter=_to_spendings)
    policy: SpendingPolicy = field(
        factory=SpendingPolicy,
        validator=_instance,
        on_setattr=setters.pipe(setters.validate, policy_fits),
    )
    derived: LoanBook = field(init=False, factory=LoanBook, repr=False, eq=False)
    """The loan state derived from the stored parts (internal interface for the book's helpers)."""
    spent: SpentBook = field(init=False, factory=SpentBook, repr=False, eq=False)
    """Money spent, derived from the ledger (internal interface; see :meth:`actual`)."""

    def __attrs_post_init__(self) -> None:
        _replay.replay(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finance):
            return NotImplemented
        return all(
            getattr(self, a.name) == getattr(other, a.name) for a in attrs.fields(Finance) if a.init
        )

    __hash__ = None  # type: ignore[assignment]

    # -- queries -----------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The book's ID: its cluster's (so books can be kept in :class:`klaster.Records`)."""
        return self.cluster_id

    @property
    def program(self) -> Party:
        """The program as a :class:`Party`."""
        return Party.program(self.program_id)

    def fund(self, fund_id: str) -> Fund:
        """The fund ``fund_id`` (:class:`UnknownRecordError` listing the funds if unknown)."""
        found = self.funds.get(fund_id)
        if found is None:
            raise UnknownRecordError(
                f"no fund {fund_id!r}; funds: {', '.join(self.funds.ids()) or 'none yet'}",
                path="fund_id",
            )
        return found

    def holder_of(self, fund_id: str, on: _dt.date | None = None) -> Party:
        """Who holds fund ``fund_id`` on ``on`` (now if ``None``): the program or a cooperative."""
        fund = self.fund(fund_id)
        handover = self.handover
        if handover is not None and (on is None or on >= handover.on):
            to = handover.recipient_of(fund_id)
            if to is not None:
                return Party.cooperative(to)
        return fund.held_by

    def cash(self, fund_id: str, on: _dt.date | None = None) -> Decimal:
        """Cash in fund ``fund_id`` at the end of ``on`` (now if ``None``)."""
        self.fund(fund_id)
        return self.ledger.balance(Account(fund_id, AccountKind.CASH), on)

    def schedule(self, loan_id: str, on: _dt.date | None = None) -> tuple[Instalment, ...]:
        """The schedule in force for ``loan_id`` on ``on`` (the latest if ``None``)."""
        state = self.derived.require(loan_id, self.cluster_id)
        segment = state.segment if on is None else state.segment_on(on.toordinal())
        return instalments(self.derived.schedules, segment)

    def position(self, loan_id: str, on: _dt.date) -> LoanPosition:
        """Where loan ``loan_id`` stands at the end of ``on`` (replayed from its entries).

        Raises:
            UnknownRecordError: No such loan.
            DateOrderError: ``on`` is before the loan was disbursed.
        """
        state = self.derived.require(loan_id, self.cluster_id)
        on = to_day(on)
        if on < state.loan.disbursed_on:
            raise DateOrderError(
                f"loan {loan_id!r} was disbursed on {state.loan.disbursed_on}, after {on}",
                path="on",
            )
        return loan_position(self.ledger, self.derived.schedules, state, on)

    def check(self) -> None:
        """Audit the book: replay the ledger from its postings and rebuild every loan's state.

        Raises:
            LedgerError: The ledger's balances do not replay (see :meth:`Ledger.check`).
            FinanceError: A stored record breaks a rule on replay.
        """
        self.ledger.check()
        differs = self.derived.first_difference(attrs.evolve(self).derived)
        if differs is not None:
            raise LoanStateError("running state differs from the replay", path=differs)

    # -- funds -------------------------------------------------------------------------------
    def add_fund(self, fund: Fund) -> Fund:
        """Open a fund (its ID must be new; after the handover it must be a cooperative's)."""
        _rules.check_new_fund(self, fund, f"funds[{len(self.funds)}]")
        put_record(self.funds, fund)
        return fund

    def receive(
        self,
        fund_id: str,
        on: _dt.date,
        amount: Decimal | int | str,
        memo: str | None = None,
        *,
        for_spending: bool = False,
    ) -> int:
        """Record money received into a fund from its source; return the entry index.

        Money received is the fund's capital, and counts as ``capital`` in budget vs actual (a
        revolving fund's capital is capital assistance); with ``for_spending=True`` it is money
        to be spent as grants, in-kind transfers or expenses, counted only when spent.
        """
        fund = self.fund(fund_id)
        entry = book_entries.funding(fund.id, on, amount, memo, for_spending=for_spending)
        return self._record(entry)

    # -- loans -------------------------------------------------------------------------------
    def disburse(self, loan: Loan, memo: str | None = None) -> int:
        """Pay out ``loan`` from its fund; return the entry index.

        Raises:
            InsufficientFundsError: The fund holds less cash than the principal.
            ValidationError: The loan ID is taken, the fund unknown...
        """
        if not isinstance(loan, Loan):
            raise ValidationError(f"must be a Loan, got {type(loan).__name__}", path="loan")
        if loan.id in self.loans:
            raise ValidationError(
                f"duplicate ID {loan.id!r}: a loan with that ID was already disbursed",
                path=f"loans[{len(self.loans)}].id",
            )
        fund = self.fund(loan.fund_id)
        cash = self.ledger.balance(Account(fund.id, AccountKind.CASH))
        if cash < loan.principal:
            raise InsufficientFundsError(
                f"fund {fund.id!r} holds {cash:,} rupiah; loan {loan.id!r} needs "
                f"{loan.principal:,}",
                path=f"loans[{loan.id!r}].principal",
            )
        entry = book_entries.disbursement(loan, memo)
        index = self._record(entry, pending=loan)
        put_record(self.loans, loan)
        return index

    def repay(
        self, loan_id: str, on: _dt.date, amount: Decimal | int | str, memo: str | None = None
    ) -> Repayment:
        """Record a repayment, allocated oldest instalment first, margin before principal.

        Raises:
            UnknownRecordError: No such loan.
            LoanStateError: The loan is repaid, written off or converted (use :meth:`recover`
                after a write-off).
            DateOrderError: ``on`` is before disbursement or the last ledger entry.
            OverpaymentError: ``amount`` is more than is still owed.
            AmountError: ``amount`` is not a positive whole-rupiah amount.
        """
        state = self.derived.require(loan_id, self.cluster_id)
        value = int(rupiah(amount))
        day = to_day(on)
        _rules.require_active(state, "repay")
        _rules.require_after_disbursement(state, day)
        entry, margin, principal = book_entries.repayment(
            self.derived.schedules, state, day, value, memo
        )
        index = self._record(entry)
        return Repayment(loan_id, day, Decimal(value), Decimal(margin), Decimal(principal), index)

    def share_profit(
        self,
        loan_id: str,
        on: _dt.date,
        business_profit: Decimal | int | str,
        memo: str | None = None,
    ) -> int:
        """Collect the fund's share (nisbah) of a profit-sharing loan's realised profit.

        The amount is ``round_rupiah(business_profit × profit_share)``; a loss is not shared here
        (a lost principal is written off).
        """
        state = self.derived.require(loan_id, self.cluster_id)
        return self._record(book_entries.profit_share(state, on, business_profit, memo))

    def restructure(
        self,
        loan_id: str,
        on: _dt.date,
        *,
        instalments: int,
        reason: str,
        first_due: _dt.date | None = None,
        frequency: Frequency | str | None = None,
        method: Method | str | None = None,
        margin: Decimal | int | str | None = None,
    ) -> Restructuring:
        """Reschedule the outstanding principal (and the remaining margin, or less).

        Args:
            loan_id: The loan (active, with principal outstanding).
            on: Date agreed; not before the last ledger entry.
            instalments: Number of new instalments.
            reason: Why (kept in the record).
            first_due: First new due date (default: one period after ``on``).
            frequency: New frequency (default: the loan's).
            method: New method (default: the loan's).
            margin: Margin still to collect (default: what was left; never more).

        Returns:
            The appended :class:`Restructuring`.
        """
        record = _replay.restructure(
            self,
            loan_id,
            on,
            instalments=instalments,
            reason=reason,
            first_due=first_due,
            frequency=frequency,
            method=method,
            margin=margin,
        )
        self.restructurings = (*self.restructurings, record)
        return record

    def write_off(self, loan_id: str, on: _dt.date, reason: str) -> int:
        """Write off the whole outstanding principal as lost (*hapus buku*); return the entry."""
        return self._close(loan_id, on, reason, EntryKind.WRITE_OFF, AccountKind.WRITE_OFFS)

    def convert_to_zakat(self, loan_id: str, on: _dt.date, reason: str) -> int:
        """Forgive the outstanding principal as zakat to a member who cannot pay (*gharim*).

        Only for loans from a zakat fund to a member (a person can be a gharim; a group cannot).
        """
        return self._close(
            loan_id, on, reason, EntryKind.ZAKAT_CONVERSION, AccountKind.ZAKAT_DISTRIBUTED
        )

    def recover(
        self, loan_id: str, on: _dt.date, amount: Decimal | int | str, memo: str | None = None
    ) -> int:
        """Record money collected on a written-off loan (at most what was written off)."""
        state = self.derived.require(loan_id, self.cluster_id)
        return self._record(book_entries.recovery(state, on, amount, memo))

    def _close(
        self, loan_id: str, on: _dt.date, reason: str, kind: EntryKind, debit: AccountKind
    ) -> int:
        state = self.derived.require(loan_id, self.cluster_id)
        _rules.require_active(state, kind.value.replace("_", " "))
        return self._record(book_entries.closing(state, on, reason, kind, debit))

    # -- the one way in ----------------------------------------------------------------------
    def _record(self, entry: Entry, pending: Loan | None = None) -> int:
        """Check ``entry`` against the book's rules and the ledger's, then append it."""
        return record(self, entry, pending)

    def record_handover(self, handover: Handover) -> None:
        """Record the handover (internal: ``hand_over`` calls it last); HandoverError if done."""
        if self.handover is not None:
            raise HandoverError(
                f"book {self.cluster_id!r} was already handed over on {self.handover.on} "
                f"({self.handover.id!r})",
                path="handover",
            )
        self.handover = handover
