"""Financing: the terms of a loan, its products, repayments, restructurings and statuses.

A :class:`Loan` is the contract (*akad*) as disbursed; it never changes. What happens to it
afterwards is in the ledger (repayments, write-off...) and in :class:`Restructuring` records, and
its state (outstanding principal, days late, status) is derived from them by the book.

**Allocation order** of a repayment (the same for every product, and what the ledger records):

1. the oldest instalment that is not fully paid comes first, then the next, in due-date order
   (so a payment larger than what is due prepays the *next* instalments and shortens the loan;
   it never lowers the instalment amount);
2. within an instalment, margin before principal.

Because the order is fixed, how a loan stands depends only on the total paid under its current
schedule: the same total always covers the same instalments, whoever paid it in how many parts.
A payment larger than everything still owed is refused (:class:`~klaster.finance.errors.
OverpaymentError`); an early full settlement pays the remaining margin too, unless a restructuring
lowered it first (a *muqasah* rebate).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_date,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_decimal,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    to_date,
    to_optional_date,
    to_optional_decimal,
)
from klaster.errors import ValidationError
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.finance.party import Party, PartyKind
from klaster.finance.schedule import (
    Frequency,
    Instalment,
    Method,
    build_schedule,
    first_due_after,
)
from klaster.label import LabelledEnum, labelled

__all__ = ["Loan", "LoanStatus", "Product", "Repayment", "Restructuring"]

MAX_INSTALMENTS = 520
"""Ten years of weekly instalments: more is a typing error, not a microfinance product."""


class Product(LabelledEnum):
    """The financing product (*akad*)."""

    QARD_HASAN = labelled("qard_hasan", "Qardhul hasan", "Qard hasan (interest-free)")
    """Qardhul hasan: interest-free; only the principal is repaid."""
    MURABAHAH = labelled("murabahah", "Murabahah", "Murabahah (fixed margin)")
    """Murabahah: a sale at cost plus a margin fixed in the contract (the loan's ``margin``)."""
    PROFIT_SHARING = labelled("profit_sharing", "Bagi hasil", "Profit sharing")
    """Mudharabah/musyarakah: principal by schedule plus a share (nisbah) of realised profit."""


class LoanStatus(LabelledEnum):
    """Where a loan stands."""

    ACTIVE = labelled("active", "Berjalan", "Active")
    """Berjalan: principal still outstanding."""
    REPAID = labelled("repaid", "Lunas", "Repaid")
    """Lunas: fully repaid."""
    WRITTEN_OFF = labelled("written_off", "Dihapusbukukan", "Written off")
    """Dihapusbukukan: the outstanding principal was written off (recoveries may follow)."""
    CONVERTED_TO_ZAKAT = labelled("converted_to_zakat", "Dikonversi ke zakat", "Converted to zakat")
    """Dikonversi ke zakat: forgiven as zakat to a debtor who cannot pay (gharim)."""


def _to_product(value: Product | str) -> Product:
    return enum_value(Product, value)


def _to_frequency(value: Frequency | str) -> Frequency:
    return enum_value(Frequency, value)


def _to_method(value: Method | str) -> Method:
    return enum_value(Method, value)


def _check_borrower(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Party) or value.kind not in (PartyKind.MEMBER, PartyKind.GROUP):
        raise ValidationError(
            "the borrower is a member or a group, e.g. Party.member('LBK-0001')",
            path=attribute.name,
        )


def _check_positive(inst: object, attribute: Any, value: Any) -> None:
    check_rupiah(inst, attribute, value)
    if value == 0:
        raise ValidationError("must be more than zero", path=attribute.name)


def _check_margin(inst: Loan, attribute: Any, value: Any) -> None:
    check_rupiah(inst, attribute, value)
    if inst.product is Product.MURABAHAH and value == 0:
        raise ValidationError(
            "a murabahah loan states its margin (e.g. flat_margin(...)); for no margin use "
            "qard_hasan",
            path=attribute.name,
        )
    if inst.product is not Product.MURABAHAH and value != 0:
        raise ValidationError(
            f"a {inst.product.value} loan has no margin (only murabahah does)", path=attribute.name
        )


def _check_share(inst: Loan, attribute: Any, value: Decimal | None) -> None:
    check_optional_decimal(inst, attribute, value)
    if inst.product is Product.PROFIT_SHARING:
        if value is None or not Decimal(0) < value < Decimal(1):
            raise ValidationError(
                "a profit-sharing loan states the fund's share of profit (nisbah) between 0 "
                "and 1, e.g. '0.30'",
                path=attribute.name,
            )
    elif value is not None:
        raise ValidationError("only a profit-sharing loan has a profit share", path=attribute.name)


def _check_group(inst: Loan, attribute: Any, value: str | None) -> None:
    if value is None:
        return
    check_id(inst, attribute, value)
    if inst.borrower.kind is PartyKind.GROUP and value != inst.borrower.id:
        raise ValidationError(
            f"a group loan's liable group is the borrower ({inst.borrower.id!r}), not {value!r}",
            path=attribute.name,
        )


def _check_first_due(inst: Loan, attribute: Any, value: _dt.date | None) -> None:
    check_optional_date(inst, attribute, value)
    if value is not None and value <= inst.disbursed_on:
        raise ValidationError(
            f"first instalment due {value}, not after disbursement on {inst.disbursed_on}",
            path=attribute.name,
        )


def _check_count(inst: object, attribute: Any, value: Any) -> None:
    int_at_least(1)(inst, attribute, value)
    if value > MAX_INSTALMENTS:
        raise ValidationError(f"at most {MAX_INSTALMENTS} instalments", path=attribute.name)


def _check_optional_code(inst: object, attribute: Any, value: str | None) -> None:
    if value is not None:
        check_code(inst, attribute, value)


@frozen
class Loan:
    """The terms of one financing, as disbursed (the *akad*).

    Args:
        id: Stable ID, unique in the book (``"LBK-P-0001"``).
        fund_id: The fund it is paid from and repaid to.
        borrower: A member, or a group (a group loan: all members jointly liable).
        product: :class:`Product`.
        principal: Amount disbursed (whole rupiah).
        disbursed_on: Date of disbursement.
        instalments: Number of instalments (1 to 520).
        frequency: :class:`Frequency` (monthly by default).
        method: :class:`Method` (equal instalments by default).
        margin: Total murabahah margin (whole rupiah); 0 for the other products.
        profit_share: The fund's share of profit (nisbah), for profit-sharing loans only.
        group_id: The group jointly liable for a member's loan (*tanggung renteng*); for a group
            loan it is the borrower itself (leave it ``None``).
        sector: Sector code of the financed business (``"umkm"``, ``"livestock"``...).
        first_due: First due date (a grace period); one period after disbursement by default.
        purpose: What it finances (free text, no personal data).

    Example:
        >>> import datetime as dt
        >>> loan = Loan("L-1", "F-1", Party.member("LBK-0001"), "qard_hasan", 1_200_000,
        ...             dt.date(2012, 1, 9), 12)
        >>> [i.total for i in loan.schedule()][:2]
        [Decimal('100000'), Decimal('100000')]
    """

    id: str = field(validator=check_id)
    fund_id: str = field(validator=check_id)
    borrower: Party = field(validator=_check_borrower)
    product: Product = field(converter=_to_product, validator=check_enum(Product))
    principal: Decimal = field(converter=to_rupiah, validator=_check_positive)
    disbursed_on: _dt.date = field(converter=to_date, validator=check_date)
    instalments: int = field(validator=_check_count)
    frequency: Frequency = field(
        default=Frequency.MONTHLY, converter=_to_frequency, validator=check_enum(Frequency)
    )
    method: Method = field(
        default=Method.EQUAL_INSTALMENTS, converter=_to_method, validator=check_enum(Method)
    )
    margin: Decimal = field(default=Decimal(0), converter=to_rupiah, validator=_check_margin)
    profit_share: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_share
    )
    group_id: str | None = field(default=None, validator=_check_group)
    sector: str | None = field(default=None, validator=_check_optional_code)
    first_due: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=_check_first_due
    )
    purpose: str | None = field(default=None, validator=check_optional_text)

    @property
    def liable_group(self) -> str | None:
        """The group answerable for the loan: the borrowing group, or the member's group."""
        return self.borrower.id if self.borrower.kind is PartyKind.GROUP else self.group_id

    @property
    def first_due_date(self) -> _dt.date:
        """The first due date: :attr:`first_due`, or one period after disbursement."""
        return self.first_due or first_due_after(self.disbursed_on, self.frequency)

    def schedule(self) -> tuple[Instalment, ...]:
        """The original schedule (a restructuring replaces it: see ``Finance.schedule``)."""
        return build_schedule(
            self.principal,
            self.margin,
            self.instalments,
            self.frequency,
            self.method,
            self.first_due_date,
        )


@frozen
class Repayment:
    """How one repayment was allocated (returned by ``Finance.repay``).

    Args:
        loan_id: The loan.
        on: Date paid.
        amount: Amount paid.
        margin: Part allocated to margin.
        principal: Part allocated to principal.
        entry: Index of the ledger entry.
    """

    loan_id: str
    on: _dt.date
    amount: Decimal
    margin: Decimal
    principal: Decimal
    entry: int


@frozen
class Restructuring:
    """A new schedule for a loan's outstanding principal (*restrukturisasi / penjadwalan ulang*).

    It replaces the schedule in force from ledger entry ``after_entry`` on; arrears are folded
    into the new schedule (which is why PAR counts restructured loans as at risk by default). The
    new margin may be lower than what was left to pay (a rebate), never higher: adding to a debt
    because it was rescheduled is not allowed in sharia financing (DSN-MUI fatwa 48/2005).

    Args:
        loan_id: The loan.
        on: Date agreed.
        instalments: Number of new instalments.
        frequency: :class:`Frequency` of the new schedule.
        method: :class:`Method` of the new schedule.
        first_due: First new due date, after ``on``.
        margin: Margin still to collect under the new schedule (0 for qard hasan).
        reason: Why (no personal data).
        after_entry: Number of ledger entries when it was made (set by the book).
    """

    loan_id: str = field(validator=check_id)
    on: _dt.date = field(converter=to_date, validator=check_date)
    instalments: int = field(validator=_check_count)
    frequency: Frequency = field(converter=_to_frequency, validator=check_enum(Frequency))
    method: Method = field(converter=_to_method, validator=check_enum(Method))
    first_due: _dt.date = field(converter=to_date, validator=check_date)
    margin: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    reason: str = field(validator=check_text)
    after_entry: int = field(validator=int_at_least(0))

    def __attrs_post_init__(self) -> None:
        if self.first_due <= self.on:
            raise ValidationError(
                f"first new due date {self.first_due} is not after the restructuring on {self.on}",
                path="first_due",
            )
