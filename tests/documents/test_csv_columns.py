"""A table held as columns is written as the one CSV writer writes its rows: the same text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.documents import csvfile
from klaster.documents.csvfile import csv_columns_text, csv_text
from klaster.errors import DocumentError

_CELLS = st.one_of(
    st.none(),
    st.text(alphabet="=+-@\t\r'a1 ,\"\n", max_size=6),
    st.integers(-(10**20), 10**20),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1)),
)
# A column of one kind (a report's usual column), or of any kinds.
_COLUMN_KINDS = [
    st.none(),
    st.text(alphabet="=+-@'a1,", max_size=4),
    st.one_of(st.none(), st.integers(-5, 5)),
    st.one_of(st.none(), st.decimals(allow_nan=True, allow_infinity=True, places=2)),
    _CELLS,
]


@st.composite
def tables(draw: st.DrawFn) -> dict[str, list[Any]]:
    rows = draw(st.integers(0, 12))
    names = draw(
        st.lists(
            st.text(alphabet="=ab-", min_size=1, max_size=3), min_size=1, max_size=5, unique=True
        )
    )
    kinds = [draw(st.sampled_from(_COLUMN_KINDS)) for _ in names]
    pairs = zip(names, kinds, strict=True)
    return {name: draw(st.lists(kind, min_size=rows, max_size=rows)) for name, kind in pairs}


class TestColumns:
    @given(columns=tables(), terminator=st.sampled_from(["\n", "\r\n"]))
    def test_the_text_of_the_rows(self, columns: dict[str, list[Any]], terminator: str) -> None:
        rows = zip(*columns.values(), strict=True)
        expected = csv_text(list(columns), rows, lineterminator=terminator)
        assert csv_columns_text(columns, lineterminator=terminator) == expected

    def test_each_column_is_judged_once_over_chunks_of_rows(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        judged: list[int] = []
        plain_column = csvfile._plain_column

        def counted(column: Any) -> Any:
            judged.append(len(column))
            return plain_column(column)

        monkeypatch.setattr(csvfile, "_plain_column", counted)
        rows = 3 * csvfile._CHUNK + 5
        columns: dict[str, Sequence[object]] = {
            "desa": ["=x", "Bonto"] * (rows // 2) + ["b"],
            "n": [Decimal(1)] * rows,
        }
        text = csv_columns_text(columns)
        assert judged == [rows, rows, 1, 1]  # each column whole, then the header's cells
        assert text.splitlines()[:3] == ["desa,n", "'=x,1", "Bonto,1"]

    def test_columns_of_different_lengths_are_named(self) -> None:
        with pytest.raises(DocumentError, match=r"different lengths.*'desa': 2, 'n': 1"):
            csv_columns_text({"desa": ["a", "b"], "n": [1]})
