"""A Parquet sidecar's values read lean (issue 18: the 1M report's peak along the user's path).

``prepare`` reads a few value columns of the file at a time (each converted, then let go) and
keeps the converted values in the narrowest integer type that holds them until the program is
read; the reader widens each column back when it builds it. The store is the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM
from tests.observations.test_sidecar import full_store
from tests.observations.test_sidecar_parquet_ahead import fingerprint

import klaster.observations
from klaster.observations import _sidecar_parquet_ahead
from klaster.observations._sidecar_parquet_ahead import narrowest, prepare

save, load = klaster.observations.save, klaster.observations.load

_LIMITS = [(np.int8, 2**7), (np.int16, 2**15), (np.int32, 2**31), (np.int64, 2**63)]


def _smallest(values: list[int]) -> Any:
    """The narrowest signed type that holds ``values`` (int8 for none)."""
    return next(t for t, edge in _LIMITS if all(-edge <= v < edge for v in values))


class TestNarrowest:
    @given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=30))
    def test_the_values_in_the_smallest_type_that_holds_them(self, values: list[int]) -> None:
        found = narrowest(np, np.array(values, dtype=np.int64))
        assert found.tolist() == values
        if values:
            assert found.dtype == _smallest(values)

    @given(st.lists(st.integers(-(2**15), 2**15 - 1), min_size=1, max_size=30))
    def test_values_at_the_edges_of_each_width(self, values: list[int]) -> None:
        for edge in (127, -128, 32767, -32768, 2**31 - 1, -(2**31)):
            picked = [*values, edge]
            found = narrowest(np, np.array(picked, dtype=np.int64))
            assert found.tolist() == picked
            assert found.dtype == _smallest(picked)

    def test_other_arrays_as_they_are(self) -> None:
        flags = np.array([True, False])
        texts = pl.Series(["a", "b"])
        assert narrowest(np, flags) is flags
        assert narrowest(np, texts) is texts
        assert narrowest(np, np.zeros(0, np.int64)).dtype == np.int64


class TestPrepare:
    def test_a_few_columns_read_at_a_time_and_held_narrow(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save(full_store(), tmp_path / "o.parquet")
        data = (tmp_path / "o.parquet").read_bytes()
        asked: list[list[str]] = []
        read = pl.read_parquet

        def counted(source: Any, *args: Any, columns: Any = None, **kwargs: Any) -> Any:
            asked.append(list(columns or []))
            return read(source, *args, columns=columns, **kwargs)

        monkeypatch.setattr(pl, "read_parquet", counted)
        prepared = prepare(pl, np, data, dict(CATALOGUE), None)
        values = [c for some in asked for c in some if c not in ("unit", "unit_number")]
        assert len(values) == len(set(values)) > _sidecar_parquet_ahead._COLUMNS_AT_ONCE
        assert max(len(some) for some in asked[1:]) <= _sidecar_parquet_ahead._COLUMNS_AT_ONCE
        held = {
            code: typed.dtype
            for group in prepared.groups
            for code, (_, typed, _) in group.converted.items()
            if isinstance(typed, np.ndarray)
        }
        assert held["cibest_prayer"] == np.int8
        assert held["group_meetings"] == np.int16

    @given(at_once=st.integers(1, 40), narrow=st.booleans())
    def test_the_same_store_however_many_columns_at_once_and_held_wide_or_narrow(
        self, tmp_path_factory: pytest.TempPathFactory, at_once: int, narrow: bool
    ) -> None:
        folder = tmp_path_factory.mktemp("lean")
        save(full_store(), folder / "o.parquet")
        wide = lean = None
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_sidecar_parquet_ahead, "_COLUMNS_AT_ONCE", 10**6)
            patch.setattr(_sidecar_parquet_ahead, "narrowest", lambda np, values: values)
            wide = load(folder / "o.parquet", PROGRAM, CATALOGUE)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_sidecar_parquet_ahead, "_COLUMNS_AT_ONCE", at_once)
            if not narrow:
                patch.setattr(_sidecar_parquet_ahead, "narrowest", lambda np, values: values)
            lean = load(folder / "o.parquet", PROGRAM, CATALOGUE)
        assert lean == full_store()
        assert fingerprint(lean) == fingerprint(wide)
