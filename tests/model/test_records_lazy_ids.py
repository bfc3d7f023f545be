"""Records a loader filled as columns make their map by ID on the first look-up by ID (issue 18).

``put_columns`` keeps the loader's IDs as they are: ``len`` and ``ids`` answer from them, and
the map (a million keys: a tenth of a second) is made only when something looks an ID up
(``in``, ``index_of``, a record read). Whatever the order of the calls, the records answer as
records filled from the built objects do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import NotFoundError, Organisation, Records
from klaster.model.records import (
    clear_records,
    columns_of,
    drop_record,
    put_columns,
    put_record,
)


class _CountedIds(list[str]):
    """A loader's ID list that counts how often it is walked whole."""

    walks = 0

    def __iter__(self) -> Iterator[str]:
        self.walks += 1
        return super().__iter__()


def _org(oid: str) -> Organisation:
    return Organisation(oid, f"Org {oid}", "ngo")


def _filled(ids: list[str]) -> Records[Any]:
    records: Records[Any] = Records("organisations")
    put_columns(records, ids, {"id": ids}, lambda: [_org(i) for i in ids])
    return records


class TestTheMapWaits:
    def test_length_ids_and_columns_walk_no_map(self) -> None:
        ids = _CountedIds(["a", "b", "c"])
        records = _filled(ids)
        assert len(records) == 3
        assert columns_of(records) == {"id": ids}
        assert ids.walks == 0  # (the map of the old fill walked them at once)
        assert records.ids() == ("a", "b", "c")

    def test_the_first_look_up_makes_it_once(self) -> None:
        ids = _CountedIds(["a", "b", "c"])
        records = _filled(ids)
        assert "b" in records
        walks = ids.walks
        assert "z" not in records
        assert records.index_of("c") == 2
        assert ids.walks == walks  # (made once, then looked up)
        assert columns_of(records) is not None  # (a look-up builds no record)

    def test_a_record_read_before_any_look_up(self) -> None:
        records = _filled(["a", "b"])
        assert records["b"] == _org("b")
        assert [r.id for r in records] == ["a", "b"]
        with pytest.raises(NotFoundError, match="known: 'a', 'b'"):
            records["z"]

    def test_unknown_ids_named_from_the_pending_ids(self) -> None:
        records = _filled(["a", "b"])
        with pytest.raises(NotFoundError, match="known: 'a', 'b'"):
            records.index_of("z")

    def test_cleared_and_refilled(self) -> None:
        records = _filled(["a", "b"])
        clear_records(records)
        assert len(records) == 0
        assert records.ids() == ()
        assert "a" not in records
        put_columns(records, ["c"], {"id": ["c"]}, lambda: [_org("c")])
        assert records.ids() == ("c",)
        assert list(records) == [_org("c")]

    def test_filling_filled_records_is_refused(self) -> None:
        records = _filled(["a"])
        with pytest.raises(ValueError, match="empty records only"):
            put_columns(records, ["b"], {"id": ["b"]}, lambda: [_org("b")])


_STEPS = st.lists(
    st.sampled_from(["len", "ids", "in", "index", "get", "iter", "put", "drop", "clear", "eq"]),
    max_size=8,
)


def _step(records: Records[Any], step: str, key: str) -> Any:
    if step == "len":
        return len(records)
    if step == "ids":
        return records.ids()
    if step == "in":
        return key in records
    if step == "index":
        return records.index_of(key) if key in records.ids() else None
    if step == "get":
        return records.get(key)
    if step == "iter":
        return list(records)
    if step == "put":
        put_record(records, _org(key))
        return None
    if step == "drop":
        if key in records.ids():
            drop_record(records, key)
        return None
    if step == "clear":
        clear_records(records)
        return None
    return records == Records("organisations", list(records))


class TestAsBuilt:
    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(st.sampled_from("abcdef"), unique=True, max_size=5),
        st.lists(st.tuples(_STEPS, st.sampled_from("abcdefg")), max_size=6),
    )
    def test_any_order_of_calls_answers_as_built_records(
        self, ids: list[str], script: list[tuple[list[str], str]]
    ) -> None:
        lazy = _filled(list(ids))
        built: Records[Any] = Records("organisations", [_org(i) for i in ids])
        for steps, key in script:
            for step in steps:
                assert _step(lazy, step, key) == _step(built, step, key)
        assert lazy == built
        assert lazy.ids() == built.ids()
