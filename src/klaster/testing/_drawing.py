"""Building blocks shared by the strategy modules: alphabets, ID and name shapes, dates.

Also the helpers that draw optional values and dates after a start, and the argument checks every
collection strategy makes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

MIN_DATE = _dt.date(2000, 1, 1)
MAX_DATE = _dt.date(2030, 12, 31)
ID_CHARS = st.characters(exclude_categories=["Cs", "Cc"])
TEXT_CHARS = st.characters(exclude_categories=["Cs"])
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
WORD = st.text(LOWER, min_size=2, max_size=8).map(str.capitalize)
# "Bonto", "Bonto Manai", "Pa'jukukang": letters only, so a name is never mistaken for a code.
PLACE_NAME = st.builds(
    "{}{}".format, WORD, st.just("") | st.tuples(st.sampled_from(" '-"), WORD).map("".join)
)
READABLE_ID = st.builds(
    "{}-{:04d}".format, st.text("ABCDEFGHKLMNPRSTUW", min_size=1, max_size=3), st.integers(0, 9999)
)
UNICODE_ID = st.text(ID_CHARS, min_size=1, max_size=12).filter(lambda s: s == s.strip())
ANY_ID = st.one_of(READABLE_ID, UNICODE_ID)
CODE = st.builds(str.__add__, st.sampled_from(LOWER), st.text(LOWER + DIGITS + "_", max_size=11))
T = TypeVar("T")


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


TEXT_SIZE = 20
TEXT = text(TEXT_SIZE)


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    """``None`` or a value of ``strategy`` (shrinking towards ``None``)."""
    return draw(strategy) if draw(st.booleans()) else None


def pick(values: Sequence[str] | None, default: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    if values is None:
        return default
    if not values:
        raise ValueError("give at least one value to choose from, or None for any")
    return st.sampled_from(list(values))


def check_size(**sizes: int) -> None:
    for name, size in sizes.items():
        if size < 0:
            raise ValueError(f"{name} must be at least 0, got {size}")


def on_or_after(draw: st.DrawFn, start: _dt.date) -> _dt.date:
    """A date from ``start`` to the end of the default range (or ``start`` itself, if later)."""
    return draw(st.dates(min_value=start, max_value=max(start, MAX_DATE)))


def later(
    draw: st.DrawFn, start: _dt.date, *, max_days: int = 1_500, end: _dt.date = MAX_DATE
) -> _dt.date:
    """A date on or after ``start`` (and no later than ``end`` unless ``start`` is)."""
    last = max(start, min(end, start + _dt.timedelta(days=max_days)))
    return draw(st.dates(min_value=start, max_value=last))
