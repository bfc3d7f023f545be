"""The records of the ledger: accounts, postings and entries, and the chart of which go together.

An :class:`Entry` is one dated event (a funding, a disbursement, a repayment...) made of one or
more :class:`Posting` s; each posting moves an amount from its ``credit`` account to its ``debit``
account within one fund. :data:`RULES` says which account kinds each entry kind may post between,
and so what each posting means (its :class:`Role`).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_text,
    enum_value,
    to_date,
)
from klaster.errors import ValidationError
from klaster.finance.budget import Component
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.label import LabelledEnum, labelled

__all__ = ["RULES", "Account", "AccountKind", "Entry", "EntryKind", "Posting", "Role"]


class AccountKind(LabelledEnum):
    """The kind of an account; every account belongs to one fund."""

    CASH = labelled("cash", "Kas", "Cash")
    """Kas: the fund's cash (asset)."""
    LOANS = labelled("loans", "Piutang pembiayaan", "Loans outstanding")
    """Piutang pembiayaan: principal still owed on one loan (asset; ``ref`` is the loan ID)."""
    CAPITAL = labelled("capital", "Modal dana", "Fund capital")
    """Modal dana: money received into the fund from its source."""
    MARGIN_INCOME = labelled(
        "margin_income", "Pendapatan margin/bagi hasil", "Margin and profit-share income"
    )
    """Pendapatan margin/bagi hasil: margin and profit shares collected."""
    RECOVERIES = labelled(
        "recoveries", "Pemulihan piutang hapus buku", "Recoveries on written-off loans"
    )
    """Pemulihan: collected on loans after they were written off."""
    WRITE_OFFS = labelled("write_offs", "Penghapusbukuan", "Write-offs")
    """Penghapusbukuan: principal written off as lost."""
    ZAKAT_DISTRIBUTED = labelled(
        "zakat_distributed", "Konversi ke zakat (gharim)", "Converted to zakat (gharim)"
    )
    """Penyaluran zakat (gharim): principal forgiven as zakat to a debtor who cannot pay."""
    SAVINGS_POKOK = labelled("savings_pokok", "Simpanan pokok", "Principal savings")
    """Simpanan pokok: a member's one-time principal savings (``ref`` is the member ID)."""
    SAVINGS_WAJIB = labelled("savings_wajib", "Simpanan wajib", "Mandatory savings")
    """Simpanan wajib: a member's mandatory periodic savings."""
    SAVINGS_SUKARELA = labelled("savings_sukarela", "Simpanan sukarela", "Voluntary savings")
    """Simpanan sukarela: a member's voluntary savings, withdrawable."""
    SPENDING_FUNDS = labelled("spending_funds", "Dana untuk disalurkan", "Funds for spending")
    """Dana untuk disalurkan: money received to be spent as grants, in-kind transfers or
    expenses (not revolving capital: it counts in budget vs actual when spent)."""
    GRANTS_PAID = labelled("grants_paid", "Bantuan tunai disalurkan", "Grants paid")
    """Bantuan tunai: cash grants paid (``ref`` is the spending's component)."""
    IN_KIND_GIVEN = labelled("in_kind_given", "Bantuan barang disalurkan", "In-kind transfers")
    """Bantuan barang: goods and assets given (``ref`` is the spending's component)."""
    EXPENSES = labelled("expenses", "Biaya operasional", "Operating expenses")
    """Biaya operasional: running costs paid (``ref`` is the spending's component)."""

    @property
    def debit_normal(self) -> bool:
        """Whether the balance grows with debits (cash, loans, write-offs, zakat distributed)."""
        return self in _DEBIT_NORMAL


_DEBIT_NORMAL = frozenset(
    {
        AccountKind.CASH,
        AccountKind.LOANS,
        AccountKind.WRITE_OFFS,
        AccountKind.ZAKAT_DISTRIBUTED,
        AccountKind.GRANTS_PAID,
        AccountKind.IN_KIND_GIVEN,
        AccountKind.EXPENSES,
    }
)
SPENT_KINDS = (AccountKind.GRANTS_PAID, AccountKind.IN_KIND_GIVEN, AccountKind.EXPENSES)
"""The account kinds money spent goes to, one account per fund and component (internal)."""
_WITH_REF = frozenset(
    {
        AccountKind.LOANS,
        AccountKind.SAVINGS_POKOK,
        AccountKind.SAVINGS_WAJIB,
        AccountKind.SAVINGS_SUKARELA,
        *SPENT_KINDS,
    }
)
_COMPONENTS = frozenset(c.value for c in Component)


def _to_account_kind(value: AccountKind | str) -> AccountKind:
    return enum_value(AccountKind, value)


def _check_ref(inst: Account, attribute: Any, value: str | None) -> None:
    if inst.kind in _WITH_REF:
        if value is None:
            raise ValidationError(
                f"a {inst.kind.value} account names its "
                + ("component" if inst.kind in SPENT_KINDS else "loan or member")
                + " in ref",
                path=attribute.name,
            )
        check_id(inst, attribute, value)
        if inst.kind in SPENT_KINDS and value not in _COMPONENTS:
            raise ValidationError(
                f"a {inst.kind.value} account's ref is a component, one of "
                + ", ".join(repr(c) for c in sorted(_COMPONENTS))
                + f"; got {value!r}",
                path=attribute.name,
            )
    elif value is not None:
        raise ValidationError(f"a {inst.kind.value} account has no ref", path=attribute.name)


@frozen(cache_hash=True)
class Account:
    """One account of a fund: ``Account("F-1", "cash")``, ``Account("F-1", "loans", "L-7")``.

    Args:
        fund_id: The fund it belongs to.
        kind: :class:`AccountKind`.
        ref: The loan ID of a ``loans`` account, the member ID of a savings account, the
            component (``"training"``) of a ``grants_paid``, ``in_kind_given`` or ``expenses``
            account; else ``None``.
    """

    fund_id: str = field(validator=check_id)
    kind: AccountKind = field(converter=_to_account_kind, validator=check_enum(AccountKind))
    ref: str | None = field(default=None, validator=_check_ref)

    def __str__(self) -> str:
        ref = f":{self.ref}" if self.ref is not None else ""
        return f"{self.fund_id}:{self.kind.value}{ref}"


class EntryKind(LabelledEnum):
    """What an entry records; each kind allows only certain accounts (see :data:`RULES`)."""

    FUNDING = labelled("funding", "Penerimaan dana", "Funds received")
    """Penerimaan dana: money received from the fund's source."""
    DISBURSEMENT = labelled("disbursement", "Pencairan pembiayaan", "Loans disbursed")
    """Pencairan: a loan paid out."""
    REPAYMENT = labelled("repayment", "Angsuran", "Repayments")
    """Angsuran: a repayment, split into margin and principal by the allocation order."""
    PROFIT_SHARE = labelled("profit_share", "Bagi hasil", "Profit shares")
    """Bagi hasil: the fund's share of a profit-sharing loan's business profit."""
    WRITE_OFF = labelled("write_off", "Hapus buku", "Written off")
    """Hapus buku: outstanding principal written off."""
    ZAKAT_CONVERSION = labelled("zakat_conversion", "Konversi ke zakat", "Converted to zakat")
    """Konversi ke zakat: outstanding principal forgiven as zakat to a gharim."""
    RECOVERY = labelled("recovery", "Pemulihan", "Recoveries")
    """Pemulihan: collected after a write-off."""
    SAVINGS_DEPOSIT = labelled("savings_deposit", "Setoran simpanan", "Savings deposits")
    """Setoran simpanan: a member's savings paid in."""
    SAVINGS_WITHDRAWAL = labelled("savings_withdrawal", "Penarikan simpanan", "Savings withdrawals")
    """Penarikan simpanan: a member's savings paid out."""
    GRANT = labelled("grant", "Penyaluran bantuan tunai", "Grants paid")
    """Bantuan tunai: a cash grant paid (the entry names its ``Spending``)."""
    IN_KIND = labelled("in_kind", "Penyaluran bantuan barang", "In-kind transfers")
    """Bantuan barang: goods or an asset bought for a recipient (names its ``Spending``)."""
    EXPENSE = labelled("expense", "Biaya operasional", "Operating expenses")
    """Biaya operasional: a running cost paid (names its ``Spending``)."""


class Role(enum.IntEnum):
    """What one posting does (internal column code; stable: stored in the columns)."""

    FUNDING = 0
    DISBURSEMENT = 1
    PRINCIPAL = 2
    MARGIN = 3
    PROFIT_SHARE = 4
    WRITE_OFF = 5
    ZAKAT = 6
    RECOVERY = 7
    SAVINGS_IN = 8
    SAVINGS_OUT = 9
    GRANT = 10
    IN_KIND = 11
    EXPENSE = 12
    FUNDING_FOR_SPENDING = 13


_A = AccountKind
SAVINGS_KINDS = (_A.SAVINGS_POKOK, _A.SAVINGS_WAJIB, _A.SAVINGS_SUKARELA)
"""The account kinds of a member's savings (internal, for the ledger)."""
RULES: Mapping[tuple[EntryKind, AccountKind, AccountKind], Role] = {
    (EntryKind.FUNDING, _A.CASH, _A.CAPITAL): Role.FUNDING,
    (EntryKind.FUNDING, _A.CASH, _A.SPENDING_FUNDS): Role.FUNDING_FOR_SPENDING,
    (EntryKind.DISBURSEMENT, _A.LOANS, _A.CASH): Role.DISBURSEMENT,
    (EntryKind.REPAYMENT, _A.CASH, _A.LOANS): Role.PRINCIPAL,
    (EntryKind.REPAYMENT, _A.CASH, _A.MARGIN_INCOME): Role.MARGIN,
    (EntryKind.PROFIT_SHARE, _A.CASH, _A.MARGIN_INCOME): Role.PROFIT_SHARE,
    (EntryKind.WRITE_OFF, _A.WRITE_OFFS, _A.LOANS): Role.WRITE_OFF,
    (EntryKind.ZAKAT_CONVERSION, _A.ZAKAT_DISTRIBUTED, _A.LOANS): Role.ZAKAT,
    (EntryKind.RECOVERY, _A.CASH, _A.RECOVERIES): Role.RECOVERY,
    **{(EntryKind.SAVINGS_DEPOSIT, _A.CASH, s): Role.SAVINGS_IN for s in SAVINGS_KINDS},
    **{(EntryKind.SAVINGS_WITHDRAWAL, s, _A.CASH): Role.SAVINGS_OUT for s in SAVINGS_KINDS},
    (EntryKind.GRANT, _A.GRANTS_PAID, _A.CASH): Role.GRANT,
    (EntryKind.IN_KIND, _A.IN_KIND_GIVEN, _A.CASH): Role.IN_KIND,
    (EntryKind.EXPENSE, _A.EXPENSES, _A.CASH): Role.EXPENSE,
}
"""The chart of entries: which (entry kind, debit kind, credit kind) a posting may have."""
_LOAN_KINDS = frozenset(
    {
        EntryKind.DISBURSEMENT,
        EntryKind.REPAYMENT,
        EntryKind.PROFIT_SHARE,
        EntryKind.WRITE_OFF,
        EntryKind.ZAKAT_CONVERSION,
        EntryKind.RECOVERY,
    }
)
SPENDING_KINDS = frozenset({EntryKind.GRANT, EntryKind.IN_KIND, EntryKind.EXPENSE})
"""The entry kinds of money spent; each names its ``Spending`` (internal)."""
KIND_CODE = {kind: code for code, kind in enumerate(EntryKind)}
KIND_OF_CODE = tuple(EntryKind)
"""Entry kind ↔ its code in the ledger's columns (internal, for the ledger)."""


def _to_entry_kind(value: EntryKind | str) -> EntryKind:
    return enum_value(EntryKind, value)


def _check_posting(inst: Posting, attribute: Any, value: Account) -> None:
    if not isinstance(value, Account):
        raise ValidationError(
            f"must be an Account, got {type(value).__name__}", path=attribute.name
        )
    if attribute.name == "credit":
        if value == inst.debit:
            raise ValidationError("debit and credit are the same account", path=attribute.name)
        if value.fund_id != inst.debit.fund_id:
            raise ValidationError(
                f"credit is in fund {value.fund_id!r} but debit in {inst.debit.fund_id!r}; a "
                "posting stays within one fund",
                path=attribute.name,
            )


def _check_amount(inst: object, attribute: Any, value: Any) -> None:
    check_rupiah(inst, attribute, value)
    if value == 0:
        raise ValidationError("must be more than zero", path=attribute.name)


@frozen
class Posting:
    """``amount`` moved from the ``credit`` account to the ``debit`` account of one fund.

    Args:
        debit: The account debited (cash received, a loan paid out...).
        credit: The account credited.
        amount: Whole rupiah, more than zero.
    """

    debit: Account = field(validator=_check_posting)
    credit: Account = field(validator=_check_posting)
    amount: Decimal = field(converter=to_rupiah, validator=_check_amount)


def _to_postings(value: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(value)


def _check_postings(inst: Entry, attribute: Any, value: tuple[Posting, ...]) -> None:
    if not value:
        raise ValidationError("an entry has at least one posting", path=attribute.name)
    funds = set()
    for index, posting in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(posting, Posting):
            raise ValidationError(f"must be a Posting, got {type(posting).__name__}", path=where)
        if (inst.kind, posting.debit.kind, posting.credit.kind) not in RULES:
            raise ValidationError(
                f"a {inst.kind.value} entry cannot debit {posting.debit.kind.value} and credit "
                f"{posting.credit.kind.value}",
                path=where,
            )
        if posting.debit.kind is AccountKind.LOANS or posting.credit.kind is AccountKind.LOANS:
            loan_ref = (
                posting.debit.ref if posting.debit.kind is AccountKind.LOANS else posting.credit.ref
            )
            if loan_ref != inst.loan_id:
                raise ValidationError(
                    f"posts to loan {loan_ref!r} but the entry is for loan {inst.loan_id!r}",
                    path=where,
                )
        funds.add(posting.debit.fund_id)
    if len(funds) > 1:
        raise ValidationError(
            f"postings in several funds ({', '.join(sorted(funds))}); an entry is in one fund",
            path=attribute.name,
        )


def _check_loan_id(inst: Entry, attribute: Any, value: str | None) -> None:
    if inst.kind in _LOAN_KINDS:
        if value is None:
            raise ValidationError(f"a {inst.kind.value} entry names its loan", path=attribute.name)
        check_id(inst, attribute, value)
    elif value is not None:
        raise ValidationError(f"a {inst.kind.value} entry has no loan", path=attribute.name)


def _check_spending_id(inst: Entry, attribute: Any, value: str | None) -> None:
    if inst.kind in SPENDING_KINDS:
        if value is None:
            raise ValidationError(
                f"a {inst.kind.value} entry names its spending", path=attribute.name
            )
        check_id(inst, attribute, value)
        if len(inst.postings) != 1:
            raise ValidationError(f"a {inst.kind.value} entry has one posting", path="postings")
    elif value is not None:
        raise ValidationError(f"a {inst.kind.value} entry has no spending", path=attribute.name)


@frozen
class Entry:
    """One dated event of the ledger, made of balanced postings in one fund.

    Args:
        on: Date (entries are in date order).
        kind: :class:`EntryKind`.
        loan_id: The loan it concerns (required for loan entries, ``None`` otherwise).
        postings: The :class:`Posting` s, all in one fund.
        memo: Free text (a reason, a receipt number; never personal data).
        spending_id: The :class:`~klaster.finance.Spending` a grant, in-kind or expense entry
            pays (required for those kinds, ``None`` otherwise).
    """

    on: _dt.date = field(converter=to_date, validator=check_date)
    kind: EntryKind = field(converter=_to_entry_kind, validator=check_enum(EntryKind))
    loan_id: str | None = field(validator=_check_loan_id)
    postings: tuple[Posting, ...] = field(converter=_to_postings, validator=_check_postings)
    memo: str | None = field(default=None, validator=check_optional_text)
    spending_id: str | None = field(default=None, validator=_check_spending_id)

    @property
    def fund_id(self) -> str:
        """The fund the entry is in."""
        return self.postings[0].debit.fund_id

    @property
    def amount(self) -> Decimal:
        """Total of the postings (a repayment's margin plus principal)."""
        return sum((p.amount for p in self.postings), Decimal(0))
