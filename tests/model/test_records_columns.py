"""Records a loader checked as columns: built on first need, read as columns until then.

``put_columns`` fills records whose IDs are known and whose builder runs on the first read of a
record; until then ``len``, ``in``, ``ids`` and ``index_of`` answer from the IDs, and
``field_of`` reads the loader's columns. A cluster filled by ``fill_cluster_columns`` (the
store's and the documents' loads) keeps its members and groups so, and a report on the fast
path reads them without building a million records.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.model.builders import cluster

import klaster
from klaster import NotFoundError, Organisation, Records
from klaster.model.bulk import fill_cluster_columns
from klaster.model.records import (
    clear_records,
    columns_of,
    drop_record,
    field_of,
    put_columns,
    put_record,
)

D = dt.date


def _org(oid: str, name: str = "Org") -> Organisation:
    return Organisation(oid, name, "ngo")


class _Builder:
    """Builds organisations from columns, counting its calls."""

    def __init__(self, ids: list[str], names: list[str]) -> None:
        self.columns: dict[str, list[Any]] = {"id": ids, "name": names}
        self.calls = 0

    def __call__(self) -> list[Organisation]:
        self.calls += 1
        return [_org(i, n) for i, n in zip(self.columns["id"], self.columns["name"], strict=True)]


def _lazy(ids: list[str], names: list[str] | None = None) -> tuple[Records[Any], _Builder]:
    builder = _Builder(ids, names or ["Org"] * len(ids))
    records: Records[Any] = Records("organisations")
    put_columns(records, ids, builder.columns, builder)
    return records, builder


class TestPending:
    def test_ids_length_and_membership_need_no_record(self) -> None:
        records, builder = _lazy(["a", "b", "c"])
        assert len(records) == 3
        assert "b" in records
        assert "z" not in records
        assert records.ids() == ("a", "b", "c")
        assert records.index_of("c") == 2
        assert builder.calls == 0

    def test_the_first_read_of_a_record_builds_them_once(self) -> None:
        records, builder = _lazy(["a", "b"], ["A", "B"])
        assert records["b"].name == "B"
        assert [r.id for r in records] == ["a", "b"]
        assert records.get("a") == _org("a", "A")
        assert records.as_mapping()["a"].name == "A"
        assert builder.calls == 1

    def test_an_unknown_id_names_known_ones_without_building(self) -> None:
        records, builder = _lazy(["a", "b"])
        with pytest.raises(NotFoundError, match="known: 'a', 'b'"):
            records.index_of("z")
        assert builder.calls == 0

    def test_equal_to_records_built_at_once(self) -> None:
        records, _ = _lazy(["a", "b"], ["A", "B"])
        assert records == Records("organisations", [_org("a", "A"), _org("b", "B")])

    def test_pickled_and_copied_as_built_records(self) -> None:
        records, _ = _lazy(["a", "b"], ["A", "B"])
        expected = Records("organisations", [_org("a", "A"), _org("b", "B")])
        assert pickle.loads(pickle.dumps(records)) == expected
        records2, _ = _lazy(["a"], ["A"])
        assert copy.deepcopy(records2) == Records("organisations", [_org("a", "A")])

    def test_only_empty_records_are_filled(self) -> None:
        records = Records("organisations", [_org("a")])
        with pytest.raises(ValueError, match="empty records only"):
            put_columns(records, ["b"], {"id": ["b"]}, list)

    def test_clear_drops_pending_records_without_building(self) -> None:
        records, builder = _lazy(["a", "b"])
        clear_records(records)
        assert len(records) == 0
        assert list(records) == []
        assert builder.calls == 0


class TestColumns:
    def test_read_as_columns_until_built(self) -> None:
        records, builder = _lazy(["a", "b"], ["A", "B"])
        assert field_of(records, "name") == ["A", "B"]
        assert columns_of(records) is builder.columns
        list(records)  # built: the records hold the values, the columns' lists are let go
        assert columns_of(records) is None
        assert field_of(records, "name") == ["A", "B"]

    @pytest.mark.parametrize("change", ["put", "drop"])
    def test_a_change_retires_the_columns(self, change: str) -> None:
        records, _ = _lazy(["a", "b"], ["A", "B"])
        if change == "put":
            put_record(records, _org("b", "Other"))
            expected = ["A", "Other"]
        else:
            drop_record(records, "a")
            expected = ["B"]
        assert columns_of(records) is None
        assert field_of(records, "name") == expected

    def test_records_never_given_as_columns_are_read(self) -> None:
        records = Records("organisations", [_org("a", "A")])
        assert columns_of(records) is None
        assert field_of(records, "name") == ["A"]

    @settings(max_examples=60, deadline=None)
    @given(
        names=st.lists(st.sampled_from(["A", "B", "C"]), min_size=0, max_size=8),
        ops=st.lists(
            st.tuples(st.sampled_from(["get", "in", "iter", "put", "drop", "field"]),
                      st.integers(0, 9)),
            max_size=12,
        ),
    )  # fmt: skip
    def test_behaves_as_records_built_at_once(
        self, names: list[str], ops: list[tuple[str, int]]
    ) -> None:
        ids = [f"o{i}" for i in range(len(names))]
        lazy, _ = _lazy(ids, names)
        eager = Records("organisations", [_org(i, n) for i, n in zip(ids, names, strict=True)])
        for op, at in ops:
            key = f"o{at}"
            if op == "get":
                assert lazy.get(key) == eager.get(key)
            elif op == "in":
                assert (key in lazy) == (key in eager)
            elif op == "iter":
                assert list(lazy) == list(eager)
            elif op == "put":
                for records in (lazy, eager):
                    put_record(records, _org(key, "New"))
            elif op == "drop" and key in eager:
                for records in (lazy, eager):
                    drop_record(records, key)
            elif op == "field":
                assert list(field_of(lazy, "name")) == list(field_of(eager, "name"))
            assert lazy.ids() == eager.ids()
            assert len(lazy) == len(eager)
        assert lazy == eager


_MEMBERS: dict[str, Any] = {
    "id": ["M-1", "M-2"],
    "name": ["Siti", "Ani"],
    "sex": ["female", "female"],
    "household_size": [4, 3],
    "village": ["Gaji", "Gaji"],
    "sector": ["umkm", "umkm"],
    "joined": ["2011-06-01", "2011-06-01"],
}
_GROUPS: dict[str, Any] = {
    "id": ["G-1"],
    "name": ["Kelompok"],
    "sector": ["umkm"],
    "formed": ["2011-06-01"],
}
_SPELLS: dict[str, Any] = {
    "group_id": ["G-1", "G-1"],
    "member_id": ["M-1", "M-2"],
    "joined": ["2011-06-01", "2011-07-01"],
}


class TestFilledCluster:
    def test_members_and_groups_are_built_on_first_need(self) -> None:
        filled = cluster()
        fill_cluster_columns(filled, _MEMBERS, _GROUPS, _SPELLS)
        assert columns_of(filled.members) is not None
        assert field_of(filled.members, "household_size") == [4, 3]
        assert filled.members._pending is not None  # not built by the fill
        assert filled.groups._pending is not None
        assert filled.groups["G-1"].member_ids() == ("M-1", "M-2")
        assert filled.members["M-2"].household_size == 3

    def test_a_group_with_a_capacity_is_built_to_check_it(self) -> None:
        filled = cluster()
        groups = {**_GROUPS, "capacity": [1]}
        with pytest.raises(klaster.KlasterError, match="capacity"):
            fill_cluster_columns(filled, _MEMBERS, groups, _SPELLS)
        assert len(filled.members) == 0
        assert len(filled.groups) == 0

    def test_a_change_through_the_cluster_is_seen(self) -> None:
        filled = cluster()
        fill_cluster_columns(filled, _MEMBERS, _GROUPS, _SPELLS)
        filled.replace_member(attrs.evolve(filled.members["M-2"], left=D(2012, 1, 1)))
        assert columns_of(filled.members) is None
        assert field_of(filled.members, "left") == [None, D(2012, 1, 1)]
