"""Derived loan state kept by the book: schedules in columns, segments, allocation arithmetic.

Nothing here is stored in a document: it is all rebuilt from the loans, restructurings and ledger
entries. Amounts are whole-rupiah ints; dates are ordinals.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from array import array

from klaster.finance.entry import Account, AccountKind
from klaster.finance.loan import Loan, LoanStatus
from klaster.finance.schedule import Frequency, Method, due_dates, schedule_parts


class Schedules:
    """Every schedule of a book in columns; a segment is a slice ``[row, row + n)``.

    Segments (the schedule in force for a loan from a ledger position on) are columns too, so a
    columnar engine can read them without touching Python objects.
    """

    __slots__ = (
        "cum",
        "due",
        "margin",
        "principal",
        "row_segment",
        "seg_day",
        "seg_loan",
        "seg_number",
        "seg_start",
    )

    def __init__(self) -> None:
        self.due = array("i")
        self.principal = array("q")
        self.margin = array("q")
        self.cum = array("q")  # cumulative total due within the segment, for bisecting
        self.row_segment = array("i")
        self.seg_loan = array("i")
        self.seg_start = array("q")
        self.seg_number = array("i")
        self.seg_day = array("i")

    def add(
        self,
        principal: int,
        margin: int,
        count: int,
        frequency: Frequency,
        method: Method,
        first_due: _dt.date,
        *,
        loan: int,
        start: int,
        number: int,
        day: int,
    ) -> int:
        """Add a segment's rows; return its first row."""
        segment = len(self.seg_loan)
        self.seg_loan.append(loan)
        self.seg_start.append(start)
        self.seg_number.append(number)
        self.seg_day.append(day)
        row = len(self.due)
        principals, margins = schedule_parts(principal, margin, count, method)
        total = 0
        for when, p, m in zip(
            due_dates(first_due, count, frequency), principals, margins, strict=True
        ):
            total += p + m
            self.due.append(when.toordinal())
            self.principal.append(p)
            self.margin.append(m)
            self.cum.append(total)
            self.row_segment.append(segment)
        return row


class Segment:
    """One schedule in force for a loan from ledger posting ``start`` on."""

    __slots__ = ("after_entry", "day", "n", "number", "row", "start", "total")

    def __init__(
        self, number: int, row: int, n: int, start: int, after_entry: int, total: int, day: int
    ) -> None:
        self.number = number  # 0 for the original schedule, 1.. for restructurings
        self.day = day  # ordinal of the disbursement or restructuring
        self.row = row
        self.n = n
        self.start = start
        self.after_entry = after_entry
        self.total = total


class LoanState:
    """A loan's running state (the latest; as-of states are replayed from ``positions``)."""

    __slots__ = (
        "accounts",
        "last_on",
        "loan",
        "margin_paid",
        "number",
        "outstanding",
        "paid",
        "positions",
        "principal_paid",
        "profit_paid",
        "recovered",
        "segments",
        "status",
        "written_off",
    )

    def __init__(self, loan: Loan, number: int) -> None:
        self.loan = loan
        self.number = number
        self.accounts: tuple[Account, Account, Account] = (
            Account(loan.fund_id, AccountKind.CASH),
            Account(loan.fund_id, AccountKind.LOANS, loan.id),
            Account(loan.fund_id, AccountKind.MARGIN_INCOME),
        )
        self.segments: list[Segment] = []
        self.positions = array("q")  # the loan's postings, in ledger order
        self.outstanding = 0
        self.paid = 0  # principal + margin paid under the current segment
        self.principal_paid = 0
        self.margin_paid = 0
        self.profit_paid = 0
        self.written_off = 0
        self.recovered = 0
        self.status = LoanStatus.ACTIVE
        self.last_on = loan.disbursed_on.toordinal()

    @property
    def segment(self) -> Segment:
        """The latest schedule in force."""
        return self.segments[-1]

    def segment_on(self, day: int) -> Segment:
        """The schedule in force at the end of ordinal ``day``.

        A restructuring made on ``day`` is in force that day; payments recorded before it (earlier
        ledger positions) counted under the schedule it replaced.
        """
        found = self.segments[0]
        for seg in self.segments:
            if seg.day <= day:
                found = seg
        return found


def split_payment(s: Schedules, seg: Segment, paid: int, amount: int) -> tuple[int, int]:
    """(margin, principal) of ``amount`` paid after ``paid``: oldest instalment, margin first."""
    row, n, cum, margins = seg.row, seg.n, s.cum, s.margin
    k = bisect.bisect_right(cum, paid, row, row + n) - row
    pos, end, to_margin = paid, paid + amount, 0
    while pos < end and k < n:
        start = cum[row + k - 1] if k else 0
        margin_end = start + margins[row + k]
        if pos < margin_end:
            to_margin += min(end, margin_end) - pos
        pos = min(end, cum[row + k])
        k += 1
    return to_margin, amount - to_margin


def first_unpaid(s: Schedules, seg: Segment, paid: int) -> int:
    """Index (in the segment) of the oldest instalment not fully covered by ``paid``; n if none."""
    return bisect.bisect_right(s.cum, paid, seg.row, seg.row + seg.n) - seg.row


def days_late(s: Schedules, seg: Segment, paid: int, day: int) -> int:
    """Days the oldest unpaid instalment is overdue on ordinal ``day`` (0 if none is)."""
    k = first_unpaid(s, seg, paid)
    if k >= seg.n:
        return 0
    return max(0, day - s.due[seg.row + k])


def due_by(s: Schedules, seg: Segment, day: int) -> int:
    """Total fallen due under ``seg`` on or before ordinal ``day``."""
    k = bisect.bisect_right(s.due, day, seg.row, seg.row + seg.n) - seg.row
    return s.cum[seg.row + k - 1] if k else 0


KEY_DIMENSIONS = ("fund", "group", "sector", "product")


class LoanKeys:
    """Per loan number, a code for each dimension a portfolio can be broken down by."""

    __slots__ = ("codes", "index", "values")

    def __init__(self) -> None:
        self.codes = {d: array("i") for d in KEY_DIMENSIONS}
        self.values: dict[str, list[str | None]] = {d: [] for d in KEY_DIMENSIONS}
        self.index: dict[str, dict[str | None, int]] = {d: {} for d in KEY_DIMENSIONS}

    def add(self, loan: Loan) -> None:
        keys = (loan.fund_id, loan.liable_group, loan.sector, loan.product.value)
        for dim, key in zip(KEY_DIMENSIONS, keys, strict=True):
            code = self.index[dim].get(key)
            if code is None:
                code = self.index[dim][key] = len(self.values[dim])
                self.values[dim].append(key)
            self.codes[dim].append(code)
