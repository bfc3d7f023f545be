"""Every loan of a book on one day, replayed from the ledger's columns in one pass (pure Python)."""

from __future__ import annotations

import datetime as _dt

from klaster.finance._loanbook import LoanBook
from klaster.finance._state import LoanState, days_late
from klaster.finance.entry import Role
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, LoanStatus

_DISB, _PRIN, _MARG = int(Role.DISBURSEMENT), int(Role.PRINCIPAL), int(Role.MARGIN)
_WO, _ZAK = int(Role.WRITE_OFF), int(Role.ZAKAT)


class Snapshot:
    """Every loan at the end of ``on``, by ledger loan number.

    Outstanding principal, paid under the schedule in force, days late, restructured, status.
    """

    __slots__ = ("end", "late", "loans", "on", "outstanding", "paid", "restructured", "status")

    def __init__(self, on: _dt.date, end: int) -> None:
        self.on = on
        self.end = end
        self.loans: list[Loan] = []
        self.outstanding: list[int] = []
        self.paid: list[int] = []
        self.late: list[int] = []
        self.restructured: list[bool] = []
        self.status: list[LoanStatus] = []


def take(ledger: Ledger, derived: LoanBook, on: _dt.date) -> Snapshot:
    """Replay the postings dated up to ``on`` (one pass over the columns)."""
    schedules = derived.schedules
    states: list[LoanState] = derived.by_number
    end = ledger.position(on)
    count = 0
    while count < len(states) and states[count].segments[0].start < end:
        count += 1
    snap = Snapshot(on, end)
    day = on.toordinal()
    segments = [states[i].segment_on(day) for i in range(count)]
    starts = [seg.start if seg.number else 0 for seg in segments]
    out = [0] * count
    paid = [0] * count
    closed: dict[int, LoanStatus] = {}
    cols = ledger.columns()
    roles, loans, amounts = cols["role"][:end], cols["loan"][:end], cols["amount"][:end]
    if any(starts):
        for pos, (role, loan, amount) in enumerate(zip(roles, loans, amounts, strict=True)):
            if role == _PRIN:
                out[loan] -= amount
                if pos >= starts[loan]:
                    paid[loan] += amount
            elif role == _MARG:
                if pos >= starts[loan]:
                    paid[loan] += amount
            elif role == _DISB:
                out[loan] += amount
            elif role in (_WO, _ZAK):
                out[loan] -= amount
                closed[loan] = (
                    LoanStatus.WRITTEN_OFF if role == _WO else LoanStatus.CONVERTED_TO_ZAKAT
                )
    else:  # no restructuring in force: every payment counts, skip the position test
        for role, loan, amount in zip(roles, loans, amounts, strict=True):
            if role == _PRIN:
                out[loan] -= amount
                paid[loan] += amount
            elif role == _MARG:
                paid[loan] += amount
            elif role == _DISB:
                out[loan] += amount
            elif role in (_WO, _ZAK):
                out[loan] -= amount
                closed[loan] = (
                    LoanStatus.WRITTEN_OFF if role == _WO else LoanStatus.CONVERTED_TO_ZAKAT
                )
    for i in range(count):
        seg = segments[i]
        status = closed.get(i)
        if status is None:
            status = LoanStatus.REPAID if paid[i] >= seg.total else LoanStatus.ACTIVE
        snap.loans.append(states[i].loan)
        snap.outstanding.append(out[i])
        snap.paid.append(paid[i])
        snap.late.append(days_late(schedules, seg, paid[i], day) if out[i] > 0 else 0)
        snap.restructured.append(seg.number > 0)
        snap.status.append(status)
    return snap
