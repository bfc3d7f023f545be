"""The rules of spending: grants, in-kind transfers and expenses, live and on replay (internal).

A spending is one ledger entry (cash → ``grants_paid``/``in_kind_given``/``expenses`` of its
component) naming its :class:`~klaster.finance.Spending`. :func:`plan_spending` checks it
against the book and the rules below, without changing anything, and returns the change to make
once the ledger accepted it; live spending and the replay of a stored book both go through it.
Each refusal names its rule (``[amil-share]``) and the spending's path (``spendings[3].asnaf``):

* ``cash``: the fund holds the amount (:class:`~klaster.finance.InsufficientFundsError`);
* ``recipient``: a grant or in-kind transfer reaches a member, group, cooperative or service
  provider; an expense names a service provider or nobody;
* ``zakat-asnaf``: spending from a zakat fund records the recipient's asnaf;
* ``zakat-recipient``: zakat spending other than ``amil`` is a grant or in-kind transfer to a
  member, group or cooperative (zakat is not an operating cost, nor a provider's income);
* ``amil-share``: ``amil`` spending from a zakat fund stays within ``policy.amil_share`` of the
  money received into that fund so far (capital and money for spending, cumulative; rounded down
  to the rupiah);
* ``asset``: only an in-kind transfer names an asset, and it is one of the book's register
  (register the asset first; the spending says what it cost);
* ``over-budget`` (live only, :func:`over_budget`): the current budget revision's line for the
  component, source and day, less what was spent in its period, covers the amount; otherwise the
  policy warns, refuses or allows. A stored book is not judged again against a budget revised
  later.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal

from klaster.errors import ValidationError
from klaster.finance._loanbook import BookParts
from klaster.finance.budget import Budget, BudgetLine, Component
from klaster.finance.entry import SPENT_KINDS, Account, AccountKind, Entry, EntryKind, Posting
from klaster.finance.errors import (
    FinanceRuleError,
    InsufficientFundsError,
    LedgerError,
    OverBudgetWarning,
    UnknownRecordError,
)
from klaster.finance.fund import Fund, FundSource
from klaster.finance.party import PartyKind
from klaster.finance.spending import Asnaf, OverBudget, Spending, SpendingKind

__all__ = [
    "apply_spending",
    "count_receipt",
    "entry_of",
    "over_budget",
    "plan_spending",
    "revised",
    "rounded_share",
]

_ENTRY_KIND = {
    SpendingKind.GRANT: EntryKind.GRANT,
    SpendingKind.IN_KIND: EntryKind.IN_KIND,
    SpendingKind.EXPENSE: EntryKind.EXPENSE,
}
_ACCOUNT_KIND = dict(zip(SpendingKind, SPENT_KINDS, strict=True))
_REACHED = (PartyKind.MEMBER, PartyKind.GROUP, PartyKind.COOPERATIVE)


def revised(
    budget: Budget, recorded_on: _dt.date, reason: str, lines: Iterable[BudgetLine]
) -> Budget:
    """``budget`` with one more revision, every problem located under ``budget.revisions[n]``."""
    try:
        return budget.revised(recorded_on, reason, tuple(lines))
    except ValidationError as exc:
        inside = not (exc.path or "").startswith("revisions")
        raise exc.at(f"budget.revisions[{len(budget.revisions)}]" if inside else "budget") from None
    except TypeError:
        raise ValidationError(
            "lines must be an iterable of BudgetLine", path="budget.lines"
        ) from None


def entry_of(book: BookParts, spending: Spending, where: str) -> Entry:
    """The ledger entry of a new ``spending`` (a Spending with a new ID in a known fund)."""
    if not isinstance(spending, Spending):
        raise ValidationError(f"must be a Spending, got {type(spending).__name__}", path=where)
    if spending.id in book.spendings:
        raise ValidationError(
            f"duplicate ID {spending.id!r}: a spending with that ID was recorded",
            path=f"{where}.id",
        )
    fund = book.funds.get(spending.fund_id)
    if fund is None:
        raise UnknownRecordError(
            f"no fund {spending.fund_id!r}; funds: {', '.join(book.funds.ids()) or 'none yet'}",
            path=f"{where}.fund_id",
        )
    fund_id = spending.fund_id
    posting = Posting(
        Account(fund_id, _ACCOUNT_KIND[spending.kind], spending.component.value),
        Account(fund_id, AccountKind.CASH),
        spending.amount,
    )
    return Entry(
        spending.on,
        _ENTRY_KIND[spending.kind],
        None,
        [posting],
        spending.memo,
        spending_id=spending.id,
    )


def plan_spending(
    book: BookParts, entry: Entry, where: str, fund: Fund, pending: Spending | None
) -> Spending:
    """Check a spending entry against its record and the rules; return the record's path and it.

    ``pending`` is the spending being recorded live; on replay the record is found by the
    entry's ``spending_id`` among the book's spendings.
    """
    spending_id = entry.spending_id
    assert spending_id is not None
    live = pending is not None and pending.id == spending_id
    if pending is not None and live:
        spending, at = pending, f"spendings[{len(book.spendings)}]"
    else:
        found = book.spendings.get(spending_id)
        if found is None:
            raise UnknownRecordError(f"no spending {spending_id!r} among the spendings", path=where)
        spending = found
        at = f"spendings[{book.spendings.index_of(spending_id)}]"
    if spending_id in book.spent.entries:
        raise LedgerError(f"spending {spending_id!r} was already recorded", path=where)
    posting = entry.postings[0]
    if (
        _ENTRY_KIND[spending.kind] is not entry.kind
        or spending.fund_id != fund.id
        or spending.on != entry.on
        or spending.amount != posting.amount
        or posting.debit.ref != spending.component.value
    ):
        raise LedgerError(
            f"pays {posting.amount:,} from {fund.id!r} on {entry.on} as {entry.kind.value} "
            f"({posting.debit.ref}); spending {spending_id!r} says {spending.amount:,} from "
            f"{spending.fund_id!r} on {spending.on} as {spending.kind.value} "
            f"({spending.component.value})",
            path=where,
        )
    _check_rules(book, spending, fund, at, live=live)
    return spending


def apply_spending(book: BookParts, spending: Spending, source: FundSource, index: int) -> None:
    """Count ``spending`` (entry ``index``) in the book's derived spending."""
    spent = book.spent
    spent.entries[spending.id] = index
    spent.add(spending.component, source, spending.on.toordinal(), int(spending.amount))
    if spending.asnaf is Asnaf.AMIL:
        spent.amil[spending.fund_id] = spent.amil.get(spending.fund_id, 0) + int(spending.amount)


def _check_rules(book: BookParts, spending: Spending, fund: Fund, at: str, *, live: bool) -> None:
    recipient, kind = spending.recipient, spending.kind
    if recipient is not None:
        expense = kind is SpendingKind.EXPENSE
        allowed = (PartyKind.PROVIDER,) if expense else (*_REACHED, PartyKind.PROVIDER)
        if recipient.kind not in allowed:
            raise FinanceRuleError(
                f"a {kind.value} may not go to a {recipient.kind.value}; it reaches "
                + ", ".join(k.value for k in allowed)
                + (" (or nobody)" if expense else ""),
                rule="recipient",
                path=f"{at}.recipient",
            )
    if fund.source is FundSource.ZAKAT:
        _check_zakat(book, spending, fund, at)
    if spending.asset_id is not None:
        if kind is not SpendingKind.IN_KIND:
            raise FinanceRuleError(
                f"a {kind.value} names no asset; an asset is bought by an in-kind transfer",
                rule="asset",
                path=f"{at}.asset_id",
            )
        if spending.asset_id not in book.assets.assets:
            raise FinanceRuleError(
                f"no asset {spending.asset_id!r} in the book's register; register the asset "
                "first (Finance.assets.add), then record what it cost",
                rule="asset",
                path=f"{at}.asset_id",
            )
    # On replay the ledger, built entry by entry, has already refused cash below zero.
    cash = book.ledger.balance(Account(fund.id, AccountKind.CASH)) if live else spending.amount
    if cash < spending.amount:
        raise InsufficientFundsError(
            f"[cash] fund {fund.id!r} holds {cash:,} rupiah; spending {spending.id!r} needs "
            f"{spending.amount:,}",
            path=f"{at}.amount",
        )


def _check_zakat(book: BookParts, spending: Spending, fund: Fund, at: str) -> None:
    asnaf, recipient = spending.asnaf, spending.recipient
    if asnaf is None:
        raise FinanceRuleError(
            f"fund {fund.id!r} is zakat: record the recipient's asnaf, one of "
            + ", ".join(a.value for a in Asnaf),
            rule="zakat-asnaf",
            path=f"{at}.asnaf",
        )
    if asnaf is Asnaf.AMIL:
        received = Decimal(book.spent.received.get(fund.id, 0))
        share = book.policy.amil_share
        limit = rounded_share(received, share)
        used = book.spent.amil.get(fund.id, 0)
        if used + spending.amount > limit:
            raise FinanceRuleError(
                f"amil spending from zakat fund {fund.id!r} would reach "
                f"{used + spending.amount:,} rupiah; the policy allows {share} of the "
                f"{received:,} received, {limit:,} ({used:,} spent so far)",
                rule="amil-share",
                path=f"{at}.amount",
            )
        return
    if spending.kind is SpendingKind.EXPENSE or recipient is None or recipient.kind not in _REACHED:
        reached = "an expense" if recipient is None else f"{recipient.kind.value} {recipient.id!r}"
        raise FinanceRuleError(
            f"zakat ({asnaf.value}) from fund {fund.id!r} reaches a member, group or cooperative "
            f"as a grant or in-kind transfer, not {reached}; pay operating costs as amil or from "
            "another fund",
            rule="zakat-recipient",
            path=f"{at}.recipient",
        )


def over_budget(book: BookParts, spending: Spending, where: str) -> OverBudgetWarning | None:
    """Judge ``spending`` against the current budget: ``None`` within it, else per the policy.

    Raises:
        FinanceRuleError: ``[over-budget]``, when the policy refuses.

    Returns:
        The warning to issue once recorded (policy ``warn``), or ``None``.
    """
    policy = book.policy.over_budget
    if policy is OverBudget.ALLOW:
        return None
    source = book.funds[spending.fund_id].source
    current = book.budget.current
    line = None if current is None else current.line_for(spending.component, source, spending.on)
    what = f"{spending.component.value}/{source.value} on {spending.on}"
    if line is None:
        problem = f"no line of the current budget covers {what}"
    else:
        spent = book.spent.actual(spending.component, source, line.start, line.end)
        if spent + spending.amount <= line.amount:
            return None
        problem = (
            f"{what}: {spent:,} spent + {spending.amount:,} is over the line of "
            f"{line.amount:,} for {line.start} to {line.end}"
        )
    if policy is OverBudget.REFUSE:
        raise FinanceRuleError(
            f"{problem}; revise the budget first", rule="over-budget", path=f"{where}.amount"
        )
    return OverBudgetWarning(f"{where}.amount: [over-budget] {problem}")


def count_receipt(book: BookParts, entry: Entry, source: FundSource) -> None:
    """Count a receipt into a fund, and as ``capital`` of its source unless ``for_spending``."""
    spent, amount = book.spent, int(entry.amount)
    spent.received[entry.fund_id] = spent.received.get(entry.fund_id, 0) + amount
    if entry.postings[0].credit.kind is AccountKind.CAPITAL:
        spent.add(Component.CAPITAL, source, entry.on.toordinal(), amount)


def rounded_share(amount: Decimal, share: Decimal) -> int:
    """``amount × share`` rounded down to the rupiah (the amil limit)."""
    return int((amount * share).to_integral_value(ROUND_FLOOR))
