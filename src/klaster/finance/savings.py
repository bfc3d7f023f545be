"""Cooperative member savings (*simpanan*): pokok, wajib and sukarela.

Under Indonesian cooperative law (UU 25/1992) a member pays a one-time **simpanan pokok** on
joining and a periodic **simpanan wajib** while a member; both stay in the cooperative until the
member leaves. **Simpanan sukarela** is voluntary and can be withdrawn at any time. Savings are
held in a fund of a cooperative (never of the program): each member has one ledger account per
kind, so a member's savings are always the replay of their deposits and withdrawals.

The book records them with :meth:`klaster.finance.Finance.deposit_savings` and
:meth:`~klaster.finance.Finance.withdraw_savings`; the handover reports each recipient
cooperative's savings beside the fund it takes over.
"""

from __future__ import annotations

from collections.abc import Mapping

from klaster.finance.entry import AccountKind
from klaster.label import LabelledEnum, labelled

__all__ = ["SavingsKind"]


class SavingsKind(LabelledEnum):
    """The three kinds of member savings."""

    POKOK = labelled("pokok", "Simpanan pokok", "Principal savings")
    """Simpanan pokok: paid once on joining; returned only when the member leaves."""
    WAJIB = labelled("wajib", "Simpanan wajib", "Mandatory savings")
    """Simpanan wajib: paid periodically; returned only when the member leaves."""
    SUKARELA = labelled("sukarela", "Simpanan sukarela", "Voluntary savings")
    """Simpanan sukarela: voluntary; withdrawable at any time."""

    @property
    def account_kind(self) -> AccountKind:
        """The ledger account kind that holds this kind of savings."""
        return _ACCOUNTS[self]

    @property
    def withdrawable(self) -> bool:
        """Whether it may be withdrawn while the member stays (only sukarela)."""
        return self is SavingsKind.SUKARELA


_ACCOUNTS: Mapping[SavingsKind, AccountKind] = {
    SavingsKind.POKOK: AccountKind.SAVINGS_POKOK,
    SavingsKind.WAJIB: AccountKind.SAVINGS_WAJIB,
    SavingsKind.SUKARELA: AccountKind.SAVINGS_SUKARELA,
}
