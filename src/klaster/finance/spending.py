"""Money that leaves a fund for good: grants, in-kind transfers and operating expenditure.

A :class:`Spending` is tagged with what it was for (:class:`~klaster.finance.budget.Component`),
whom it reached and, when the fund's source is zakat, the recipient's *asnaf*: zakat may reach
only the eight eligible categories. The :class:`SpendingPolicy` sets the rules a book enforces
when it records one (the amil share of zakat, what happens over budget).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_id,
    check_optional_text,
    enum_value,
    to_date,
)
from klaster.errors import ValidationError
from klaster.finance.budget import Component
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.finance.party import Party
from klaster.label import LabelledEnum, labelled

__all__ = ["Asnaf", "OverBudget", "Spending", "SpendingKind", "SpendingPolicy"]


class SpendingKind(LabelledEnum):
    """How money leaves a fund."""

    GRANT = labelled("grant", "Bantuan tunai", "Cash grant")
    """Bantuan tunai: a transfer to a member, a group or a service provider (school fees...)."""
    IN_KIND = labelled("in_kind", "Bantuan barang", "In-kind transfer")
    """Bantuan barang: goods or assets bought for a member or group."""
    EXPENSE = labelled("expense", "Biaya operasional", "Operating expense")
    """Biaya operasional: the program's running costs (trainings, facilitators, transport)."""


class Asnaf(LabelledEnum):
    """The eight categories of zakat recipients (*asnaf*, QS At-Taubah 60)."""

    FAKIR = labelled("fakir", "Fakir", "The destitute (fakir)")
    """Fakir: without means to meet basic needs."""
    MISKIN = labelled("miskin", "Miskin", "The poor (miskin)")
    """Miskin: with means below basic needs."""
    AMIL = labelled("amil", "Amil", "Zakat administrators (amil)")
    """Amil: those who collect and distribute zakat; their share is limited by policy."""
    MUALLAF = labelled("muallaf", "Mualaf", "New Muslims (muallaf)")
    """Muallaf: those whose hearts are to be reconciled."""
    RIQAB = labelled("riqab", "Riqab", "Those in bondage (riqab)")
    """Riqab: to free from bondage."""
    GHARIM = labelled("gharim", "Gharim", "Debtors (gharim)")
    """Gharim: debtors unable to pay."""
    FISABILILLAH = labelled("fisabilillah", "Fi sabilillah", "In the cause of God")
    """Fi sabilillah: in the cause of God."""
    IBNU_SABIL = labelled("ibnu_sabil", "Ibnu sabil", "Stranded travellers (ibnu sabil)")
    """Ibnu sabil: travellers in need."""


class OverBudget(LabelledEnum):
    """What a book does with spending beyond its budget line."""

    WARN = labelled("warn", "Peringatan", "Warn")
    """Record it and issue an ``OverBudgetWarning``."""
    REFUSE = labelled("refuse", "Tolak", "Refuse")
    """Refuse it (a ``FinanceRuleError`` naming the rule)."""
    ALLOW = labelled("allow", "Izinkan", "Allow")
    """Record it silently (no budget set, or budgets kept elsewhere)."""


def _to_kind(value: SpendingKind | str) -> SpendingKind:
    return enum_value(SpendingKind, value)


def _to_component(value: Component | str) -> Component:
    return enum_value(Component, value)


def _to_optional_asnaf(value: Asnaf | str | None) -> Asnaf | None:
    return None if value is None else enum_value(Asnaf, value)


def _check_optional_asnaf(_inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_enum(Asnaf)(_inst, attribute, value)


def _check_recipient(inst: Spending, attribute: Any, value: Party | None) -> None:
    if value is not None and not isinstance(value, Party):
        raise ValidationError(
            f"must be a Party or nothing, got {type(value).__name__}", path=attribute.name
        )
    if value is None and inst.kind is not SpendingKind.EXPENSE:
        raise ValidationError(
            f"a {inst.kind.value} reaches someone: name the recipient (a member, group, "
            "cooperative or service provider Party)",
            path=attribute.name,
        )


@frozen
class Spending:
    """A grant, in-kind transfer or operating expense paid from one fund.

    Args:
        id: Stable ID, unique in the book.
        kind: :class:`SpendingKind`.
        on: The day it was paid.
        fund_id: The fund it is paid from (its source is the spending's source).
        amount: Whole rupiah (``Decimal``, ``int`` or numeric string; never a float).
        component: What it was for (:class:`~klaster.finance.budget.Component`).
        recipient: Whom it reached; required for grants and in-kind transfers.
        asnaf: The recipient's zakat category; required when the fund's source is zakat.
        asset_id: For an in-kind transfer, the asset of the book's register it bought.
        memo: Free text (never personal data).

    Example:
        >>> import datetime as dt
        >>> s = Spending("S-1", "grant", dt.date(2012, 7, 1), "F-Z", 750_000, "education_support",
        ...              Party.member("LBK-0001"), asnaf="miskin")
        >>> s.asnaf
        <Asnaf.MISKIN: 'miskin'>
    """

    id: str = field(validator=check_id)
    kind: SpendingKind = field(converter=_to_kind, validator=check_enum(SpendingKind))
    on: _dt.date = field(converter=to_date, validator=check_date)
    fund_id: str = field(validator=check_id)
    amount: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    component: Component = field(converter=_to_component, validator=check_enum(Component))
    recipient: Party | None = field(default=None, validator=_check_recipient)
    asnaf: Asnaf | None = field(
        default=None, converter=_to_optional_asnaf, validator=_check_optional_asnaf
    )
    asset_id: str | None = field(default=None, validator=check_optional_id)
    memo: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        if self.amount <= 0:
            raise ValidationError(f"must be more than Rp 0, got {self.amount}", path="amount")


def _to_share(value: Decimal | int | str) -> Decimal | object:
    # A float or unreadable text is left for the validator to refuse, with its location.
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _check_share(_inst: object, attribute: Any, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not Decimal(0) <= value <= Decimal(1):
        raise ValidationError(
            f"must be a share from 0 to 1 (e.g. Decimal('0.125') for one eighth), got {value!r}",
            path=attribute.name,
        )


def _to_over_budget(value: OverBudget | str) -> OverBudget:
    return enum_value(OverBudget, value)


@frozen
class SpendingPolicy:
    """The rules a book enforces on spending.

    Args:
        amil_share: The largest share of a zakat fund's received money that may be spent with
            asnaf ``amil`` (one eighth by default, the common reading; set your institution's).
        over_budget: What happens to spending beyond the current budget line for its component,
            source and period (:class:`OverBudget`); spending with no line at all counts as over.
    """

    amil_share: Decimal = field(
        default=Decimal("0.125"), converter=_to_share, validator=_check_share
    )
    over_budget: OverBudget = field(
        default=OverBudget.WARN, converter=_to_over_budget, validator=check_enum(OverBudget)
    )
