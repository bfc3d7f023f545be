"""The pure-Python backend of the portfolio figures (the reference; internal).

Measures come from one :mod:`~klaster.finance._snapshot` of the book (and, for the repayment
measures, each loan's payments against its schedules); :func:`evaluate` then runs a
:class:`~klaster.finance._figures.Figure` column by column with :data:`OPERATIONS`.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from klaster.finance import _snapshot
from klaster.finance._figures import (
    And,
    Const,
    Figure,
    Ge,
    Gt,
    Measure,
    Min,
    Or,
    Param,
    Term,
    Where,
    measures_of,
)
from klaster.finance._loanbook import LoanBook
from klaster.finance._state import LoanState, Schedules, due_by
from klaster.finance.entry import Role
from klaster.finance.ledger import Ledger

__all__ = ["OPERATIONS", "evaluate", "figure", "loan_due_paid", "measures"]

Sums = dict[str | None, tuple[int, int, int, int]]

OPERATIONS: Mapping[type, Callable[[Any, Any], Any]] = {
    Gt: operator.gt,
    Ge: operator.ge,
    And: lambda a, b: bool(a and b),
    Or: lambda a, b: bool(a or b),
    Min: min,
    Where: lambda condition, value: value if condition else 0,
}
"""Node type → what it does to one loan's values (applied column by column)."""


def _column(term: Term, cols: Mapping[str, Sequence[Any]], params: Mapping[str, Any]) -> Any:
    if isinstance(term, Measure):
        return cols[term.name]
    if isinstance(term, Const):
        return term.value
    if isinstance(term, Param):
        return params[term.name]
    op = OPERATIONS[type(term)]
    left, right = (_column(getattr(term, a), cols, params) for a in _operands(term))
    if not isinstance(left, list) and not isinstance(right, list):
        return op(left, right)
    size = len(left) if isinstance(left, list) else len(right)
    lefts = left if isinstance(left, list) else repeat(left, size)
    rights = right if isinstance(right, list) else repeat(right, size)
    return list(map(op, lefts, rights))


def _operands(term: Term) -> tuple[str, str]:
    return ("condition", "value") if isinstance(term, Where) else ("left", "right")


def _as_list(value: Any, size: int) -> list[Any]:
    return value if isinstance(value, list) else [value] * size


def evaluate(
    figure: Figure,
    cols: Mapping[str, list[Any]],
    params: Mapping[str, Any],
    codes: Sequence[int] | None,
    values: Sequence[str | None],
) -> Sums:
    """Key → (numerator, denominator, count, total) of ``figure`` over the loans in ``cols``."""
    size = len(next(iter(cols.values()))) if cols else 0
    include = _as_list(_column(figure.include, cols, params), size)
    chosen = [i for i, keep in enumerate(include) if keep]
    sub = {name: [col[i] for i in chosen] for name, col in cols.items()}
    count = len(chosen)
    numerator = _as_list(_column(figure.numerator, sub, params), count)
    denominator = _as_list(_column(figure.denominator, sub, params), count)
    hit = _as_list(_column(figure.hit, sub, params), count)
    keys = repeat(0, count) if codes is None else [codes[i] for i in chosen]
    sums: dict[int, list[int]] = {}
    for code, num, den, h in zip(keys, numerator, denominator, hit, strict=False):
        slot = sums.get(code)
        if slot is None:
            slot = sums[code] = [0, 0, 0, 0]
        slot[0] += num
        slot[1] += den
        slot[2] += h
        slot[3] += 1
    return {values[c]: (a, b, n, t) for c, (a, b, n, t) in sums.items()}


def measures(
    ledger: Ledger, derived: LoanBook, on: _dt.date, names: frozenset[str]
) -> dict[str, list[Any]]:
    """The measures ``names`` of every loan disbursed by ``on``, by loan number."""
    snap = _snapshot.take(ledger, derived, on)
    cols: dict[str, list[Any]] = {
        "out": snap.outstanding,
        "late": snap.late,
        "restructured": snap.restructured,
    }
    if names & {"due", "paid"}:
        pairs = [
            loan_due_paid(ledger, derived.schedules, state, on, None)
            for state in derived.by_number[: len(snap.loans)]
        ]
        cols["due"] = [due for due, _ in pairs]
        cols["paid"] = [paid for _, paid in pairs]
    return {name: cols[name] for name in names}


def figure(
    fig: Figure,
    ledger: Ledger,
    derived: LoanBook,
    on: _dt.date,
    params: Mapping[str, Any],
    codes: Sequence[int] | None,
    values: Sequence[str | None],
) -> Sums:
    """``fig`` for one book on ``on``, by key."""
    return evaluate(fig, measures(ledger, derived, on, measures_of(fig)), params, codes, values)


def loan_due_paid(
    ledger: Ledger, schedules: Schedules, state: LoanState, on: _dt.date, start: _dt.date | None
) -> tuple[int, int]:
    """(due, paid) for one loan: cumulative (``start`` None) or on time within ``(start, on]``."""
    cols = ledger.columns()
    role_col, amount_col, on_col = cols["role"], cols["amount"], cols["on"]
    end = ledger.position(on)
    day = on.toordinal()
    segments = [s for s in state.segments if s.day <= day]
    # A written-off loan stops falling due on its write-off day.
    payments: list[tuple[int, int, int]] = []  # (position, day, amount)
    for pos in state.positions:
        if pos >= end:
            break
        role = role_col[pos]
        if role in (Role.PRINCIPAL, Role.MARGIN):
            payments.append((pos, on_col[pos], amount_col[pos]))
        elif role in (Role.WRITE_OFF, Role.ZAKAT):
            day = min(day, on_col[pos])
    due_total = paid_total = 0
    for index, seg in enumerate(segments):
        last = index == len(segments) - 1
        seg_end = end if last else segments[index + 1].start
        mine = [(d, a) for p, d, a in payments if seg.start <= p < seg_end]
        if start is None:
            collected = sum(a for _, a in mine)
            if last:
                due = due_by(schedules, seg, day)
                due_total += due
                paid_total += min(collected, due)
            else:
                due_total += collected
                paid_total += collected
            continue
        limit = day if last else min(day, segments[index + 1].day)
        previous = 0
        for k in range(seg.n):
            due_day = schedules.due[seg.row + k]
            cum = schedules.cum[seg.row + k]
            amount = cum - previous
            if start.toordinal() < due_day <= limit and amount:
                by_due = sum(a for d, a in mine if d <= due_day)
                due_total += amount
                paid_total += min(amount, max(0, by_due - previous))
            previous = cum
    return due_total, paid_total
