"""Where one loan stands on a date: :class:`LoanPosition`."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from attrs import frozen

from klaster.finance._state import LoanState, Schedules, Segment, days_late, due_by
from klaster.finance.entry import Role
from klaster.finance.ledger import Ledger
from klaster.finance.loan import LoanStatus
from klaster.finance.schedule import Instalment

__all__ = ["LoanPosition", "instalments", "loan_position"]


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


def instalments(schedules: Schedules, segment: Segment) -> tuple[Instalment, ...]:
    """The instalments of one schedule in force, as records."""
    s = schedules
    return tuple(
        Instalment(
            k + 1,
            _dt.date.fromordinal(s.due[segment.row + k]),
            Decimal(s.principal[segment.row + k]),
            Decimal(s.margin[segment.row + k]),
        )
        for k in range(segment.n)
    )


def loan_position(
    ledger: Ledger, schedules: Schedules, state: LoanState, on: _dt.date
) -> LoanPosition:
    """Where the loan of ``state`` stands at the end of ``on`` (a day after its disbursement)."""
    loan_id = state.loan.id
    segment = state.segment_on(on.toordinal())
    end = ledger.position(on)
    cols = ledger.columns()
    role_col, amount_col = cols["role"], cols["amount"]
    out = paid = principal = margin = profit = written = recovered = 0
    status = LoanStatus.ACTIVE
    for pos in state.positions:
        if pos >= end:
            break
        role, amount = role_col[pos], amount_col[pos]
        if role == Role.DISBURSEMENT:
            out += amount
        elif role == Role.PRINCIPAL or role == Role.MARGIN:
            if role == Role.PRINCIPAL:
                out -= amount
                principal += amount
            else:
                margin += amount
            if pos >= segment.start:
                paid += amount
        elif role == Role.PROFIT_SHARE:
            profit += amount
        elif role == Role.WRITE_OFF or role == Role.ZAKAT:
            out -= amount
            written += amount
            status = (
                LoanStatus.WRITTEN_OFF if role == Role.WRITE_OFF else LoanStatus.CONVERTED_TO_ZAKAT
            )
        elif role == Role.RECOVERY:
            recovered += amount
    if status is LoanStatus.ACTIVE and paid >= segment.total:
        status = LoanStatus.REPAID
    day = on.toordinal()
    due = due_by(schedules, segment, day)
    late = days_late(schedules, segment, paid, day) if out > 0 else 0
    return LoanPosition(
        loan_id=loan_id,
        on=on,
        status=status,
        outstanding=Decimal(out),
        principal_paid=Decimal(principal),
        margin_paid=Decimal(margin),
        profit_paid=Decimal(profit),
        due=Decimal(due),
        paid=Decimal(paid),
        scheduled=Decimal(segment.total),
        days_late=late if status is LoanStatus.ACTIVE else 0,
        restructured=segment.number > 0,
        written_off=Decimal(written),
        recovered=Decimal(recovered),
    )
