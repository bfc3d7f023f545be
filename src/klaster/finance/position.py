"""Where one loan stands on a date: :class:`LoanPosition`."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from attrs import frozen

from klaster.finance.loan import LoanStatus

__all__ = ["LoanPosition"]


@frozen
class LoanPosition:
    """A loan at the end of a day, replayed from its ledger entries (``Finance.position``).

    Args:
        loan_id: The loan.
        on: The day.
        status: :class:`~klaster.finance.LoanStatus` on that day.
        outstanding: Principal still owed (0 once written off or converted).
        principal_paid: Principal repaid so far.
        margin_paid: Margin paid so far.
        profit_paid: Profit shares paid so far.
        due: Total (principal + margin) fallen due under the schedule in force, up to ``on``.
        paid: Total paid under the schedule in force.
        scheduled: Total of the schedule in force (principal + margin).
        days_late: Days the oldest unpaid instalment is overdue (0 if none; see ``arrears``).
        restructured: Whether a restructuring is in force.
        written_off: Principal written off or converted to zakat.
        recovered: Collected after the write-off.
    """

    loan_id: str
    on: _dt.date
    status: LoanStatus
    outstanding: Decimal
    principal_paid: Decimal
    margin_paid: Decimal
    profit_paid: Decimal
    due: Decimal
    paid: Decimal
    scheduled: Decimal
    days_late: int
    restructured: bool
    written_off: Decimal
    recovered: Decimal

    @property
    def arrears(self) -> Decimal:
        """Fallen due but unpaid under the schedule in force (*tunggakan*)."""
        return max(Decimal(0), self.due - self.paid)

    @property
    def owed(self) -> Decimal:
        """Still to pay under the schedule in force (0 once closed), due or not."""
        if self.status.value != "active":
            return Decimal(0)
        return self.scheduled - self.paid

    @property
    def prepaid(self) -> Decimal:
        """Paid ahead of the schedule (*dibayar di muka*)."""
        return max(Decimal(0), self.paid - self.due)
