"""The book's savings, budget and spending operations, mixed into ``Finance``.

Kept apart from ``book.py`` (funds and loans) so both stay short. :func:`record` is the one way an
entry gets into a book's ledger: checked against the book's rules
(:mod:`klaster.finance._rules`, :mod:`klaster.finance._spend_rules`) and the ledger's, then
appended, then the derived state changed.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

import attrs

from klaster.finance import _rules, _spend_rules, book_entries
from klaster.finance._loanbook import BookParts
from klaster.finance.budget import BudgetLine, BudgetRevision, Component
from klaster.finance.entry import Account, Entry
from klaster.finance.fund import Fund, FundSource
from klaster.finance.loan import Loan
from klaster.finance.savings import SavingsKind
from klaster.finance.spending import Spending, SpendingPolicy
from klaster.model.records import put_record

__all__ = ["SavingsOperations", "SpendingOperations", "policy_fits", "record"]


class _Book(BookParts, Protocol):
    def fund(self, fund_id: str) -> Fund: ...


def record(book: BookParts, entry: Entry, pending: Loan | Spending | None = None) -> int:
    """Check ``entry`` against the book's rules and the ledger's, then append it; its index."""
    index = len(book.ledger)
    apply = _rules.plan(book, entry, index, book.ledger.postings, pending)
    prepared = book.ledger.prepare(entry)
    book.ledger.commit(prepared)
    apply()
    return index


def policy_fits(book: BookParts, _attribute: object, policy: SpendingPolicy) -> SpendingPolicy:
    """Setting ``Finance.policy``: the recorded spending is replayed under the new policy first.

    A stricter amil share that the spending already recorded breaks is refused (the rule named,
    the book unchanged): a book never holds what its own policy refuses.
    """
    attrs.evolve(book, policy=policy)  # type: ignore[misc]  # a Finance: replays its records
    return policy


class SavingsOperations:
    """Members' savings in a cooperative's fund (methods of :class:`~klaster.finance.Finance`)."""

    __slots__ = ()

    def savings(self: _Book, fund_id: str, member_id: str, kind: SavingsKind | str) -> Decimal:
        """A member's savings of ``kind`` in fund ``fund_id``."""
        self.fund(fund_id)
        account = Account(
            fund_id, _rules.enum_arg(SavingsKind, kind, None, "kind").account_kind, member_id
        )
        return self.ledger.balance(account)

    def deposit_savings(
        self: _Book,
        fund_id: str,
        member_id: str,
        kind: SavingsKind | str,
        on: _dt.date,
        amount: Decimal | int | str,
    ) -> int:
        """Record a member's savings deposit into a cooperative's fund."""
        savings = _rules.enum_arg(SavingsKind, kind, None, "kind")
        entry = book_entries.savings(fund_id, member_id, savings, on, amount, withdrawal=False)
        self.fund(fund_id)
        return record(self, entry)

    def withdraw_savings(
        self: _Book,
        fund_id: str,
        member_id: str,
        kind: SavingsKind | str,
        on: _dt.date,
        amount: Decimal | int | str,
        *,
        leaving: bool = False,
    ) -> int:
        """Pay out a member's savings: sukarela any time, pokok and wajib only when leaving."""
        savings = _rules.enum_arg(SavingsKind, kind, None, "kind")
        book_entries.require_withdrawable(savings, leaving)
        self.fund(fund_id)
        entry = book_entries.savings(fund_id, member_id, savings, on, amount, withdrawal=True)
        return record(self, entry)


class SpendingOperations:
    """Budgets and spending of a book (the methods :class:`~klaster.finance.Finance` offers)."""

    __slots__ = ()

    def revise_budget(
        self: BookParts, recorded_on: _dt.date, reason: str, lines: Iterable[BudgetLine]
    ) -> BudgetRevision:
        """Append a budget revision holding ``lines`` (the budget's history is kept); return it.

        Raises:
            ValidationError: Lines overlapping for one component and source, a revision dated
                before the previous one, a bad line (located under ``budget.revisions[n]``).
        """
        self.budget = _spend_rules.revised(self.budget, recorded_on, reason, lines)
        return self.budget.revisions[-1]

    def spend(self: BookParts, spending: Spending) -> int:
        """Record a grant, in-kind transfer or expense after checking it; return the entry index.

        The rules (``docs/finance.md``, "Budgets and spending") are checked first, then the
        ledger's; a refused spending changes nothing. Spending over its budget line (or with none)
        is warned about (:class:`~klaster.finance.OverBudgetWarning`), refused or allowed as the
        book's ``policy`` says.

        Raises:
            FinanceRuleError: A rule is broken (``rule``: ``recipient``, ``zakat-asnaf``,
                ``zakat-recipient``, ``amil-share``, ``asset``, ``over-budget``).
            InsufficientFundsError: ``[cash]``: the fund holds less than the amount.
            DateOrderError: Dated before the fund opened or the last ledger entry.
            ValidationError: Not a Spending, a duplicate ID, an unknown fund.
        """
        where = f"spendings[{len(self.spendings)}]"
        entry = _spend_rules.entry_of(self, spending, where)
        index = len(self.ledger)
        apply = _rules.plan(self, entry, index, self.ledger.postings, spending)
        prepared = self.ledger.prepare(entry)
        warning = _spend_rules.over_budget(self, spending, where)
        if warning is not None:
            # Before anything is written: where warnings are errors, the spending is refused
            # whole rather than recorded and then raised.
            warnings.warn(warning, stacklevel=2)
        self.ledger.commit(prepared)
        apply()
        put_record(self.spendings, spending)
        return index

    def actual(
        self: BookParts,
        component: Component | str,
        source: FundSource | str,
        start: _dt.date,
        end: _dt.date,
    ) -> Decimal:
        """Rupiah spent on ``component`` from funds of ``source`` from ``start`` to ``end``.

        Grants, in-kind transfers and expenses count under their component; money received into
        a fund counts as ``capital`` (a revolving fund's capital is capital assistance), unless it
        was received ``for_spending`` (it counts when spent).
        """
        return Decimal(
            self.spent.actual(
                _rules.enum_arg(Component, component, None, "component"),
                _rules.enum_arg(FundSource, source, None, "source"),
                start,
                end,
            )
        )
