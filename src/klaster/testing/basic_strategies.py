"""Basic strategies every other one builds on: IDs, codes, free text, dates, default sectors.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection

from hypothesis import strategies as st

from klaster.testing._drawing import ANY_ID, CODE, MAX_DATE, MIN_DATE, TEXT, TEXT_SIZE, text

__all__ = ["DEFAULT_SECTORS", "codes", "dates", "ids", "texts"]

DEFAULT_SECTORS: tuple[str, ...] = ("umkm", "farming", "livestock")
"""The sector codes of the bundled sector plugins, used when no ``sectors`` are given."""


def ids(*, avoid: Collection[str] = ()) -> st.SearchStrategy[str]:
    """IDs as an NGO might choose them: ``"BTG-0012"`` style ones and arbitrary Unicode.

    Args:
        avoid: IDs that must not be generated (those already taken).

    Returns:
        A strategy of valid IDs (1-64 printable characters, no surrounding blanks).
    """
    if not avoid:
        return ANY_ID
    taken = frozenset(avoid)  # a copy: the caller's collection may change later
    return ANY_ID.filter(lambda s: s not in taken)


def codes() -> st.SearchStrategy[str]:
    """Codes such as ``umkm`` or ``herd_size``: a lowercase letter then letters, digits or ``_``.

    Returns:
        A strategy of valid codes (short ones; the limit is 40 characters).
    """
    return CODE


def texts(*, max_size: int = 20) -> st.SearchStrategy[str]:
    """Non-empty free text (names, reasons, notes), including any Unicode a JSON file can hold.

    Args:
        max_size: Longest text, in characters.

    Returns:
        A strategy of strings with at least one non-blank character.
    """
    if max_size == TEXT_SIZE:
        return TEXT
    return text(max_size)


def dates(
    *, min_value: _dt.date = MIN_DATE, max_value: _dt.date = MAX_DATE
) -> st.SearchStrategy[_dt.date]:
    """Dates (``datetime.date``, never ``datetime``) in a program's plausible range.

    Args:
        min_value: Earliest date.
        max_value: Latest date.

    Returns:
        A strategy of dates.
    """
    return st.dates(min_value=min_value, max_value=max_value)
