"""Every loan of a book on one day, replayed from the ledger's columns in one pass (pure Python)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from klaster.finance._state import LoanState, Segment, days_late, due_by
from klaster.finance.entry import Role
from klaster.finance.loan import Loan, LoanStatus

if TYPE_CHECKING:
    from klaster.finance.book import Finance

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


def current_segment(state: LoanState, day: int) -> Segment:
    """The schedule in force at the end of ordinal ``day``.

    A restructuring made on ``day`` is in force that day; payments recorded before it (earlier
    ledger positions) counted under the schedule it replaced.
    """
    found = state.segments[0]
    for seg in state.segments:
        if seg.day <= day:
            found = seg
    return found


def take(book: Finance, on: _dt.date) -> Snapshot:
    """Replay the postings dated up to ``on`` (one pass over the columns)."""
    ledger = book.ledger
    schedules = book._schedules
    states: list[LoanState] = book._by_number
    end = ledger.position(on)
    count = 0
    while count < len(states) and states[count].segments[0].start < end:
        count += 1
    snap = Snapshot(on, end)
    day = on.toordinal()
    segments = [current_segment(states[i], day) for i in range(count)]
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


def due_amounts(book: Finance, snap: Snapshot) -> list[int]:
    """Total fallen due under each loan's schedule in force by the snapshot's day."""
    schedules = book._schedules
    states: list[LoanState] = book._by_number
    day = snap.on.toordinal()
    return [due_by(schedules, current_segment(states[i], day), day) for i in range(len(snap.loans))]


KeyFn = Callable[[Loan], str | None]
