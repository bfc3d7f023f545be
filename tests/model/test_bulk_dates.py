"""The bulk path's dates: ISO texts read once per distinct text, through the shared date cache.

``to_dates`` places a column's dates from the shared cache at C speed; each test fails if a text
is left unread, a non-date is changed, or the column differs from reading each value alone,
whether the cache has room or is full.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster._support import validate
from klaster.model import _bulk_checks

D = dt.date
# A full cache (its limit reached): texts not in it are read but not kept.
_FULL = {f"not-a-date-{i}": D(2000, 1, 1) for i in range(100_000)}


def one_by_one(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else value
    except ValueError:
        return value


def values() -> st.SearchStrategy[list[Any]]:
    texts = st.dates(D(1990, 1, 1), D(2030, 12, 31)).map(dt.date.isoformat)
    bad = st.sampled_from(["2011-02-30", "2011-13-01", "01-06-2011", "", "soon", "2011-6-1"])
    return st.lists(
        st.one_of(texts, bad, st.none(), st.dates(), st.integers(0, 9), st.just(D(2011, 6, 1))),
        max_size=40,
    )


@contextlib.contextmanager
def cache_full() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "DATE_CACHE", _FULL)
        patch.setattr(_bulk_checks, "DATE_CACHE", _FULL)
        yield
    assert len(_FULL) == 100_000  # nothing kept beyond the limit


class TestToDates:
    @given(column=values())
    def test_as_reading_each_value(self, column: list[Any]) -> None:
        read = _bulk_checks.to_dates(list(column))
        assert read == [one_by_one(v) for v in column]
        assert [type(v) for v in read] == [type(one_by_one(v)) for v in column]

    @given(column=values())
    def test_as_reading_each_value_with_the_cache_full(self, column: list[Any]) -> None:
        with cache_full():
            read = _bulk_checks.to_dates(list(column))
        assert read == [one_by_one(v) for v in column]
        assert [type(v) for v in read] == [type(one_by_one(v)) for v in column]

    def test_a_text_repeated_is_one_object(self) -> None:
        # (even with the cache full: read once per column)
        with cache_full():
            texts = ["2031-05-07", "2031-05-07", "2031-05-08"]
            first, second, other = _bulk_checks.to_dates(texts)
        assert first == D(2031, 5, 7)
        assert first is second
        assert other == D(2031, 5, 8)

    def test_a_column_of_dates_is_taken_as_it_is(self) -> None:
        # A columnar file's or a frame's dates need no reading: not even a look-up per row.
        dates = [D(2011, 6, 1), None, D(2012, 1, 2)]
        assert _bulk_checks.to_dates(dates) is dates

    def test_an_unhashable_value_is_left_as_it_is(self) -> None:
        listed: list[Any] = ["2011-06-01", ["2011-06-01"], None]
        assert _bulk_checks.to_dates(listed) == [D(2011, 6, 1), ["2011-06-01"], None]
