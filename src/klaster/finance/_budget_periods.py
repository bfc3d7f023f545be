"""Periods of a budget statement and a budget line's share of one (internal).

A budget line plans an amount over its days; its share of a calendar month, quarter, year or of a
chosen window is the share of its days that fall there, **straight-line**: the amount up to day
``x`` of a line of ``T`` days is ``round_half_up(amount × x / T)`` and a part is the difference of
two such cumulative amounts, so the parts of a line always add up to the line, to the rupiah.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

__all__ = ["GRAINS", "Span", "bucket_of", "buckets", "clip", "share"]

GRAINS = ("period", "month", "quarter", "year")
"""How a statement may cut time: the budget lines' own periods, or calendar periods."""

Span = tuple[_dt.date, _dt.date]
"""First and last day, both included."""


def bucket_of(grain: str, day: _dt.date) -> Span:
    """The calendar month, quarter or year holding ``day``."""
    if grain == "year":
        return _dt.date(day.year, 1, 1), _dt.date(day.year, 12, 31)
    months = 3 if grain == "quarter" else 1
    first = (day.month - 1) // months * months + 1
    start = _dt.date(day.year, first, 1)
    after = _dt.date(day.year + (first + months > 12), (first + months - 1) % 12 + 1, 1)
    return start, after - _dt.timedelta(days=1)


def buckets(grain: str, span: Span) -> Iterator[Span]:
    """The calendar periods of ``grain`` meeting ``span``, clipped to it, in order."""
    day = span[0]
    while day <= span[1]:
        start, end = bucket_of(grain, day)
        yield max(start, span[0]), min(end, span[1])
        day = end + _dt.timedelta(days=1)


def clip(span: Span, window: Span | None) -> Span | None:
    """``span`` within ``window`` (``None`` if they do not meet)."""
    if window is None:
        return span
    start, end = max(span[0], window[0]), min(span[1], window[1])
    return (start, end) if start <= end else None


def _upto(amount: int, days: int, total: int) -> int:
    # round_half_up(amount * days / total) in integers (amounts are never negative).
    return (2 * amount * days + total) // (2 * total)


def share(amount: int, line: Span, part: Span) -> int:
    """The straight-line share of ``amount`` planned over ``line`` that falls in ``part``."""
    total = (line[1] - line[0]).days + 1
    before = (part[0] - line[0]).days
    through = (part[1] - line[0]).days + 1
    return _upto(amount, through, total) - _upto(amount, before, total)
