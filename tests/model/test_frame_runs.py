"""Whole-column shortcuts of the acceptance test and of the program's ID check (issue 18).

IDs and cooperatives' entries come sorted from a file klaster wrote: judged on neighbours, and
a column's runs of equal rows counted once, they must give what hashing every value gives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.model import _bulk_frame as frames
from klaster.model import _frame_columns as lazy

pl = pytest.importorskip("polars")


def _listed(owners: list[int], rows: list[int]) -> Any:
    return pl.DataFrame(
        {"__o": owners, "__row": rows}, schema={"__o": pl.UInt32, "__row": pl.UInt32}
    )


class TestAllDistinct:
    @pytest.mark.parametrize(
        ("values", "distinct"),
        [
            (["a", "b", "c"], True),
            (["a", "b", "b", "c"], False),  # (sorted: neighbours)
            (["c", "a", "c"], False),  # (not sorted: hashed)
            (["c", "a", "b"], True),
            (["a", None, None], False),
            ([None, None, "a"], False),  # (sorted, nulls first: not judged on neighbours)
            ([], True),
        ],
    )
    def test_repeats_found(self, values: list[Any], distinct: bool) -> None:
        assert lazy.all_distinct(pl.Series(values, dtype=pl.String)) is distinct

    def test_sorted_judged_without_hashing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_: Any) -> int:
            raise AssertionError("hashed")

        monkeypatch.setattr(pl.Series, "n_unique", refuse)
        assert lazy.all_distinct(pl.Series([f"m{i:05}" for i in range(1000)]))
        assert not lazy.all_distinct(pl.Series(["m1", "m2", "m2"]))

    @given(st.lists(st.text(alphabet="abc", max_size=2), max_size=12), st.booleans())
    def test_as_hashing_gives(self, values: list[str], ordered: bool) -> None:
        series = pl.Series(sorted(values) if ordered else values, dtype=pl.String)
        assert lazy.all_distinct(series) is (len(set(values)) == len(values))


class TestListedOnce:
    def test_sorted_rows_judged_on_neighbours(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_: Any) -> Any:
            raise AssertionError("hashed")

        monkeypatch.setattr(pl.Expr, "is_duplicated", refuse)
        assert frames._listed_once(pl, _listed([0, 0, 1], [0, 1, 2]))
        assert frames._listed_once(pl, _listed([0, 1, 2], [0, 4, 9]))

    def test_rows_repeated_paired_with_their_cooperative(self) -> None:
        assert not frames._listed_once(pl, _listed([0, 0, 1], [0, 0, 2]))  # (twice in 0)
        assert frames._listed_once(pl, _listed([0, 1, 0], [0, 0, 2]))  # (in 0 and in 1)
        assert not frames._listed_once(pl, _listed([0, 1, 0], [0, 0, 0]))
        assert frames._listed_once(pl, _listed([0, 1, 1], [5, 2, 5]))  # (one in each: fine)
        assert not frames._listed_once(pl, _listed([0, 1, 1], [5, 2, 2]))

    @given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=12))
    def test_as_pairs_hashed(self, pairs: list[tuple[int, int]]) -> None:
        listed = _listed([o for o, _ in pairs], [r for _, r in pairs])
        assert frames._listed_once(pl, listed) is (len(set(pairs)) == len(pairs))


class TestDistinctPairs:
    @given(
        st.lists(
            st.tuples(st.integers(0, 2), st.sampled_from(["umkm", "farming", None])), max_size=20
        )
    )
    def test_as_unique_gives(self, pairs: list[tuple[int, Any]]) -> None:
        frame = pl.DataFrame(
            {"__o": [o for o, _ in pairs], "sector": [s for _, s in pairs]},
            schema={"__o": pl.UInt32, "sector": pl.String},
        )
        found = set(frames._distinct_pairs(pl, frame).iter_rows())
        assert found == set(pairs)

    def test_runs_hashed_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        frame = pl.DataFrame(
            {
                "__o": [0] * 6 + [1] * 4,
                "sector": ["a", "a", "a", "b", "b", "a", "a", "a", "a", "a"],
            },
            schema={"__o": pl.UInt32, "sector": pl.String},
        )
        heights: list[int] = []
        unique = pl.DataFrame.unique

        def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
            heights.append(self.height)
            return unique(self, *args, **kwargs)

        monkeypatch.setattr(pl.DataFrame, "unique", spy)
        assert sorted(frames._distinct_pairs(pl, frame).iter_rows()) == [
            (0, "a"),
            (0, "b"),
            (1, "a"),
        ]
        assert heights == [4]  # (the runs' first rows, not the ten rows)


class TestOverlap:
    def _spells(self, owners: list[int], rows: list[int], joined: list[int]) -> Any:
        days = [dt.date(2020, 1, d) for d in joined]
        return _listed(owners, rows).with_columns(
            pl.Series("joined", days, dtype=pl.Date), pl.lit(None, dtype=pl.Date).alias("left")
        )

    def test_one_spell_a_member_not_hashed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_: Any) -> Any:
            raise AssertionError("hashed")

        monkeypatch.setattr(pl.Expr, "is_duplicated", refuse)
        assert not frames._overlap(pl, self._spells([0, 0, 1], [0, 1, 2], [1, 1, 1]))

    def test_spells_again_judged(self) -> None:
        # (open spells of member 0 twice in group 0: overlapping; in two groups: fine)
        assert frames._overlap(pl, self._spells([0, 0, 1], [0, 0, 2], [1, 2, 1]))
        assert not frames._overlap(pl, self._spells([0, 1, 1], [0, 0, 2], [1, 2, 1]))
