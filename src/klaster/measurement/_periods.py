"""Periods of the mentoring table (months, quarters) and its totals' shape (internal)."""

from __future__ import annotations

import datetime as _dt

__all__ = ["PERIODS", "Totals", "period_bounds", "period_key"]

PERIODS = ("month", "quarter")

Totals = tuple[int, int, int, int, int, int, int, int, int]
"""Per cluster and period: visits, facilitators visiting, members, members visited, contacts,
the sum of days since the last visit over members visited by then, and their number;
facilitators assigned at the period's end, and the members in their caseloads (added up)."""


def period_key(day: _dt.date, period: str) -> int:
    """The period's number: months (or quarters) since year 0."""
    month = day.year * 12 + day.month - 1
    return month if period == "month" else month // 3


def period_bounds(key: int, period: str) -> tuple[str, _dt.date, _dt.date]:
    """A period's label, first and last day."""
    months = 1 if period == "month" else 3
    first = key * months
    start = _dt.date(first // 12, first % 12 + 1, 1)
    after = first + months
    end = _dt.date(after // 12, after % 12 + 1, 1) - _dt.timedelta(days=1)
    label = (
        f"{start.year}-{start.month:02d}" if period == "month" else f"{start.year}-Q{key % 4 + 1}"
    )
    return label, start, end
