"""Building blocks shared by the strategy modules: alphabets, ID and name shapes, dates.

Also the helpers that draw optional values and dates after a start, and the argument checks every
collection strategy makes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

_MIN_DATE = _dt.date(2000, 1, 1)
_MAX_DATE = _dt.date(2030, 12, 31)
_ID_CHARS = st.characters(exclude_categories=["Cs", "Cc"])
_TEXT_CHARS = st.characters(exclude_categories=["Cs"])
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_WORD = st.text(_LOWER, min_size=2, max_size=8).map(str.capitalize)
# "Bonto", "Bonto Manai", "Pa'jukukang": letters only, so a name is never mistaken for a code.
_PLACE_NAME = st.builds(
    "{}{}".format, _WORD, st.just("") | st.tuples(st.sampled_from(" '-"), _WORD).map("".join)
)
_READABLE_ID = st.builds(
    "{}-{:04d}".format, st.text("ABCDEFGHKLMNPRSTUW", min_size=1, max_size=3), st.integers(0, 9999)
)
_UNICODE_ID = st.text(_ID_CHARS, min_size=1, max_size=12).filter(lambda s: s == s.strip())
_ANY_ID = st.one_of(_READABLE_ID, _UNICODE_ID)
_CODE = st.builds(
    str.__add__, st.sampled_from(_LOWER), st.text(_LOWER + _DIGITS + "_", max_size=11)
)
T = TypeVar("T")


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_TEXT_CHARS, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


_TEXT_SIZE = 20
_TEXT = _text(_TEXT_SIZE)


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    """``None`` or a value of ``strategy`` (shrinking towards ``None``)."""
    return draw(strategy) if draw(st.booleans()) else None


def _pick(values: Sequence[str] | None, default: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    if values is None:
        return default
    if not values:
        raise ValueError("give at least one value to choose from, or None for any")
    return st.sampled_from(list(values))


def _check_size(**sizes: int) -> None:
    for name, size in sizes.items():
        if size < 0:
            raise ValueError(f"{name} must be at least 0, got {size}")


def _on_or_after(draw: st.DrawFn, start: _dt.date) -> _dt.date:
    """A date from ``start`` to the end of the default range (or ``start`` itself, if later)."""
    return draw(st.dates(min_value=start, max_value=max(start, _MAX_DATE)))


def _later(
    draw: st.DrawFn, start: _dt.date, *, max_days: int = 1_500, end: _dt.date = _MAX_DATE
) -> _dt.date:
    """A date on or after ``start`` (and no later than ``end`` unless ``start`` is)."""
    last = max(start, min(end, start + _dt.timedelta(days=max_days)))
    return draw(st.dates(min_value=start, max_value=last))
