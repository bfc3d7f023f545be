"""Errors of the finance package, all :class:`klaster.errors.KlasterError` subclasses.

Every refused operation raises one of these *before* anything is written: the ledger, the loans and
the asset register are exactly as they were. Messages name records by ID and the location (a loan
ID, an entry index, a field), never a person's name or national ID number.
"""

from __future__ import annotations

from klaster.errors import KlasterWarning, NotFoundError, ValidationError

__all__ = [
    "AmountError",
    "DateOrderError",
    "FinanceError",
    "FinanceRuleError",
    "HandoverError",
    "InsufficientFundsError",
    "LedgerError",
    "LoanStateError",
    "OverBudgetWarning",
    "OverpaymentError",
    "UnknownRecordError",
]


class FinanceError(ValidationError):
    """Base of every refused money operation (a :class:`~klaster.errors.ValidationError`)."""


class AmountError(FinanceError):
    """An amount is not a whole, positive Rupiah ``Decimal`` (negative, float, text, sen...)."""


class DateOrderError(FinanceError):
    """A date is out of order: before the loan was disbursed, or before the last ledger entry."""


class InsufficientFundsError(FinanceError):
    """A fund (or a savings account) holds less cash than the operation takes out."""


class OverpaymentError(FinanceError):
    """A repayment or recovery is larger than what is still owed."""


class LoanStateError(FinanceError):
    """The loan cannot take this operation in its state (repaid, written off, converted...)."""


class LedgerError(FinanceError):
    """An entry breaks a ledger rule (unbalanced, unknown account, a balance below zero)."""


class HandoverError(FinanceError):
    """The handover to the cooperative is refused (no legal status, a second handover...)."""


class UnknownRecordError(FinanceError, NotFoundError):
    """A fund, loan or asset ID that the book does not hold (IDs that do exist are listed)."""


class FinanceRuleError(FinanceError):
    """Spending breaks a rule of the book; ``rule`` names it, and the message starts with it.

    The rules (``docs/finance.md``): ``recipient``, ``zakat-asnaf``, ``zakat-recipient``,
    ``amil-share``, ``asset``, ``over-budget`` (when the policy refuses). Not enough cash is an
    :class:`InsufficientFundsError` whose message starts with ``[cash]``.

    Args:
        message: What is wrong and what would be valid.
        rule: The rule's code (``"amil-share"``).
        path: Where (``spendings[3].asnaf``).
    """

    rule: str

    def __init__(self, message: str, *, rule: str, path: str | None = None) -> None:
        self.rule = rule
        super().__init__(f"[{rule}] {message}", path=path)


class OverBudgetWarning(KlasterWarning):
    """Spending recorded beyond its budget line (or with none) under the ``warn`` policy."""
