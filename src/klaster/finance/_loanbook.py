"""The derived loan state of a book, and the parts of a book its helpers read (internal).

:class:`LoanBook` is everything a :class:`~klaster.finance.Finance` book derives from its stored
records: every loan's running state, by ID and by ledger loan number, the schedules in columns,
and the breakdown keys. The book owns one; the rules (``_rules``), snapshots (``_snapshot``),
portfolio figures and statements read it through these plainly named attributes and methods.

:class:`BookParts` is the part of a book those helpers need, as a protocol, so that they do not
import the book (the book imports them).
"""

from __future__ import annotations

import bisect
import datetime as _dt
from typing import Protocol

from klaster.finance._state import LoanKeys, LoanState, Schedules
from klaster.finance.assets import AssetRegister
from klaster.finance.budget import Budget, Component
from klaster.finance.errors import UnknownRecordError
from klaster.finance.fund import Fund, FundSource
from klaster.finance.handover import Handover
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, Restructuring
from klaster.finance.party import Party
from klaster.finance.spending import Spending, SpendingPolicy
from klaster.model.records import Records

__all__ = ["BookParts", "LoanBook", "SpentBook"]


class LoanBook:
    """Every loan's derived state in one book (internal interface; users read positions).

    Attributes:
        schedules: Every schedule and segment, in columns.
        keys: Per loan number, the codes of its fund, group, sector and product.
        states: Loan ID → running state.
        by_number: Running states by ledger loan number (disbursement order).
    """

    __slots__ = ("by_number", "keys", "schedules", "states")

    def __init__(self) -> None:
        self.schedules = Schedules()
        self.keys = LoanKeys()
        self.states: dict[str, LoanState] = {}
        self.by_number: list[LoanState] = []

    def __contains__(self, loan_id: object) -> bool:
        return loan_id in self.states

    def require(self, loan_id: str, book_id: str) -> LoanState:
        """The running state of ``loan_id`` (:class:`UnknownRecordError` naming a few loans)."""
        found = self.states.get(loan_id)
        if found is None:
            shown = ", ".join(list(self.states)[:5]) or "none yet"
            more = len(self.states) - 5
            raise UnknownRecordError(
                f"no loan {loan_id!r} in book {book_id!r}; loans: {shown}"
                + (f" and {more} more" if more > 0 else ""),
                path="loan_id",
            )
        return found

    def first_difference(self, other: LoanBook) -> str | None:
        """The first loan whose running state differs in ``other`` (a replay), if any."""
        for loan_id, state in self.states.items():
            again = other.states[loan_id]
            if (state.outstanding, state.paid, state.status) != (
                again.outstanding,
                again.paid,
                again.status,
            ):
                return loan_id
        return None

    def add(self, state: LoanState) -> None:
        """Add a newly disbursed loan's state (its number is the next one)."""
        self.keys.add(state.loan)
        self.states[state.loan.id] = state
        self.by_number.append(state)


class SpentBook:
    """Money spent in one book, derived from its ledger and spendings (internal interface).

    Actual spending by component and fund source counts every grant, in-kind transfer and expense
    under its component, and every receipt into a fund (``Finance.receive``) as ``capital``: a
    revolving fund's capital is the program's capital assistance (money received
    ``for_spending`` counts when it is spent, under the spending's component).

    Attributes:
        entries: Spending ID → the index of its ledger entry.
        received: Fund ID → rupiah received into it so far (capital and money for spending).
        amil: Fund ID → rupiah spent from it with asnaf ``amil``.
        days: (component, source) → the day ordinals of its amounts, in ledger order.
        totals: (component, source) → running totals matching ``days``.
    """

    __slots__ = ("amil", "days", "entries", "received", "totals")

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}
        self.received: dict[str, int] = {}
        self.amil: dict[str, int] = {}
        self.days: dict[tuple[Component, FundSource], list[int]] = {}
        self.totals: dict[tuple[Component, FundSource], list[int]] = {}

    def add(self, component: Component, source: FundSource, day: int, amount: int) -> None:
        """Count ``amount`` spent on ``day`` (an ordinal, not before the last one)."""
        key = (component, source)
        days, totals = self.days.setdefault(key, []), self.totals.setdefault(key, [])
        days.append(day)
        totals.append((totals[-1] if totals else 0) + amount)

    def actual(
        self, component: Component, source: FundSource, start: _dt.date, end: _dt.date
    ) -> int:
        """Rupiah spent on ``component`` from ``source`` from ``start`` to ``end`` (included)."""
        days = self.days.get((component, source))
        if not days:
            return 0
        totals = self.totals[(component, source)]
        lo = bisect.bisect_left(days, start.toordinal())
        hi = bisect.bisect_right(days, end.toordinal())
        return (totals[hi - 1] if hi else 0) - (totals[lo - 1] if lo else 0)


class BookParts(Protocol):
    """What the book's helpers read of a :class:`~klaster.finance.Finance` book."""

    cluster_id: str
    funds: Records[Fund]
    loans: Records[Loan]
    ledger: Ledger
    restructurings: tuple[Restructuring, ...]
    handover: Handover | None
    assets: AssetRegister
    budget: Budget
    spendings: Records[Spending]
    policy: SpendingPolicy

    @property
    def derived(self) -> LoanBook:
        """The book's derived loan state."""
        ...

    @property
    def spent(self) -> SpentBook:
        """The book's derived spending."""
        ...

    def holder_of(self, fund_id: str, on: _dt.date | None = None) -> Party:
        """Who holds fund ``fund_id`` on ``on``."""
        ...
