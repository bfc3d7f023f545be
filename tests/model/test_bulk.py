"""The bulk path: members, groups and memberships added from columns (``klaster.model.bulk``).

Its invariant: for any columns, valid or not, the bulk path leaves the cluster as adding the
same rows one by one through the per-record API does, or raises the error that API raises for
the first refused row (same type and message, at ``row <i> column '<name>'``) and changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.model.area_builders import area_cluster

from klaster import Cluster, Group, KlasterError, Member, Sex, ValidationError
from klaster.model import add_group_columns, add_member_columns, join_group_columns
from klaster.model.bulk import GROUP_COLUMNS, MEMBER_COLUMNS

D = dt.date

# Per column: values the per-record path takes, then values it refuses. Villages: Lamalaka is in
# the umkm area, Kampala in farming's, Rappoa in livestock's; Nowhere is no desa.
_MEMBER_GOOD: dict[str, list[Any]] = {
    "id": ["M-1", "M-2", "M-3", "M-4", "M-5"],
    "name": ["Siti", "Ani Daeng"],
    "sex": ["female", "male", Sex.FEMALE],
    "household_size": [1, 4, 9],
    "village": ["Lamalaka", "73.03.02.1001", "Kampala", "Rappoa", "letta"],
    "sector": ["umkm", "farming", "livestock"],
    "joined": [D(2011, 6, 1), "2012-01-15"],
    "business_type": [None, "trading", "food_crops", "goat_breeding"],
    "left": [None, D(2014, 1, 1)],
    "national_id": [None, "7303014107800001"],
    "phone": [None, "+62 813 9876 5432"],
    "birth_year": [None, 1975],
    "application_id": [None, "A-1"],
    "outside_area": [None, None, None, "moved after the flood"],
}
_MEMBER_BAD: dict[str, list[Any]] = {
    "id": ["", " M-6", 7, "x" * 65],
    "name": ["", "  ", None],
    "sex": ["f", None],
    "household_size": [0, True, "4", None],
    "village": ["Nowhere", None, ""],
    "sector": ["fishing", "UMKM", None],
    "joined": ["2011-13-01", None, dt.datetime(2011, 6, 1, 8, 0)],
    "business_type": ["", "batik_printing"],
    "left": [D(2010, 1, 1), "soon"],
    "national_id": ["123"],
    "phone": ["call me"],
    "birth_year": [1800, 3000, "1975"],
    "application_id": [" A-1"],
    "outside_area": ["", "  "],
}
_GROUP_GOOD: dict[str, list[Any]] = {
    "id": ["G-1", "G-2", "G-3"],
    "name": ["Kelompok Mawar"],
    "sector": ["umkm", "farming", "livestock"],
    "formed": [D(2011, 7, 1), "2011-08-01"],
    "dissolved": [None, D(2015, 1, 1)],
    "capacity": [None, 2, 25],
    "village": [None, "Lamalaka", "Kampala", "Rappoa"],
    "outside_area": [None, None, "meets at the market"],
}
_GROUP_BAD: dict[str, list[Any]] = {
    "id": ["", 3],
    "name": [""],
    "sector": ["fishing"],
    "formed": [None, "July"],
    "dissolved": [D(2010, 1, 1)],
    "capacity": [0, True],
    "village": ["Nowhere", ""],
    "outside_area": [""],
}


def _table(draw: st.DrawFn, good: dict[str, list[Any]], bad: dict[str, list[Any]]) -> Any:
    count = draw(st.integers(0, 5))
    rows = []
    for _ in range(count):
        row = {name: draw(st.sampled_from(values)) for name, values in good.items()}
        if draw(st.integers(0, 2)) == 0:  # one refused value in a third of the rows
            name = draw(st.sampled_from(sorted(bad)))
            row[name] = draw(st.sampled_from(bad[name]))
        rows.append(row)
    return rows


@st.composite
def member_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    return _table(draw, _MEMBER_GOOD, _MEMBER_BAD)  # type: ignore[no-any-return]


@st.composite
def group_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    return _table(draw, _GROUP_GOOD, _GROUP_BAD)  # type: ignore[no-any-return]


def _columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


def _error(exc: KlasterError, row: int, column: str | None) -> tuple[str, str, str | None]:
    return type(exc).__name__, exc.message, f"row {row} column {column!r}"


def _per_record(cluster: Cluster, rows: list[dict[str, Any]], build: Any, add: Any) -> Any:
    """Add the rows one by one; the error of the first refused one, located as the bulk path."""
    for index, row in enumerate(rows):
        reason = row.pop("outside_area")
        try:
            record = build(**row)
        except KlasterError as exc:
            return _error(exc, index, exc.path)
        try:
            add(record, outside_area=reason)
        except KlasterError as exc:
            return _error(exc, index, (exc.path or "").rsplit(".", 1)[-1])
    return None


_ROW = dict.fromkeys(MEMBER_COLUMNS) | {
    "name": "Siti",
    "sex": "female",
    "household_size": 1,
    "sector": "umkm",
    "joined": dt.date(2011, 6, 1),
}


def _bulk(cluster: Cluster, call: Any, columns: Any) -> Any:
    try:
        call(cluster, columns)
    except KlasterError as exc:
        return type(exc).__name__, exc.message, exc.path
    return None


def _state(cluster: Cluster) -> Any:
    return list(cluster.members), list(cluster.groups), cluster.area_overrides


class TestSameAsPerRecord:
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(member_rows())
    @example(  # a type refused in row 0 wins over a village of no desa in row 1 (found once)
        [
            {**_ROW, "id": "M-1", "village": "Lamalaka", "business_type": "food_crops"},
            {**_ROW, "id": "M-2", "village": "Nowhere", "business_type": None},
        ]
    )
    def test_members(self, rows: list[dict[str, Any]]) -> None:
        mine, theirs = area_cluster(), area_cluster()
        got = _bulk(mine, add_member_columns, _columns(rows, MEMBER_COLUMNS))
        expected = _per_record(theirs, [dict(r) for r in rows], Member, theirs.add_member)
        assert got == expected
        if expected is None:
            assert _state(mine) == _state(theirs)
        else:
            assert _state(mine) == _state(area_cluster())  # nothing added

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(group_rows())
    def test_groups(self, rows: list[dict[str, Any]]) -> None:
        mine, theirs = area_cluster(), area_cluster()
        got = _bulk(mine, add_group_columns, _columns(rows, GROUP_COLUMNS))
        expected = _per_record(theirs, [dict(r) for r in rows], Group, theirs.add_group)
        assert got == expected
        if expected is None:
            assert _state(mine) == _state(theirs)
        else:
            assert _state(mine) == _state(area_cluster())

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["G-1", "G-1", "G-2", "G-9", 5]),
                st.sampled_from(["M-1", "M-2", "M-3", "F-1", "M-9", " M"]),
                st.sampled_from([D(2011, 7, 1), D(2012, 1, 1), "2013-01-01", D(2011, 1, 1), None]),
                st.sampled_from(["member", "member", "chair", Sex.MALE]),
                # Closed on the day a later spell starts, the day it opened, before it...
                st.sampled_from(
                    [None, None, D(2011, 7, 1), D(2012, 1, 1), D(2013, 1, 1), D(2014, 1, 1)]
                ),
            ),
            max_size=6,
        )
    )
    @example(  # closed before the member's later spell, but joined open: overlaps it
        [
            ("G-2", "F-1", D(2013, 1, 1), "member", None),
            ("G-2", "F-1", D(2012, 1, 1), "member", D(2012, 1, 1)),
        ]
    )
    @example(  # closed, it keeps the capacity of 2; open, a third member on 2013-01-01
        [
            ("G-1", "M-1", "2013-01-01", "member", None),
            ("G-1", "M-2", "2013-01-01", "member", None),
            ("G-1", "M-3", D(2011, 7, 1), "member", D(2012, 1, 1)),
        ]
    )
    def test_memberships(self, rows: list[tuple[Any, Any, Any, Any, Any]]) -> None:
        mine, theirs = _grouped(), _grouped()
        columns = {
            "group_id": [r[0] for r in rows],
            "member_id": [r[1] for r in rows],
            "joined": [r[2] for r in rows],
            "role": [r[3] for r in rows],
            "left": [r[4] for r in rows],
        }
        got = _bulk(mine, join_group_columns, columns)
        expected = None
        for index, (gid, mid, joined, role, left) in enumerate(rows):
            try:
                theirs.join_group(gid, mid, joined, role)
            except KlasterError as exc:
                path = exc.path or "group_id"
                column = (
                    path.rsplit(".", 1)[-1]
                    if path.endswith(("_id", "joined", "role"))
                    else ("joined" if "memberships" in path else "group_id")
                )
                expected = _error(exc, index, column)
                break
            if left is None:
                continue
            try:
                theirs.leave_group(gid, mid, left)
            except KlasterError as exc:
                expected = _error(exc, index, "left")
                break
        assert got == expected
        assert list(mine.groups) == (
            list(theirs.groups) if expected is None else list(_grouped().groups)
        )


def _grouped() -> Cluster:
    cluster = area_cluster()
    add_member_columns(
        cluster,
        {
            "id": ["M-1", "M-2", "M-3", "F-1"],
            "name": ["Siti"] * 4,
            "sex": ["female"] * 4,
            "household_size": [4] * 4,
            "village": ["Lamalaka"] * 3 + ["Kampala"],
            "sector": ["umkm"] * 3 + ["farming"],
            "joined": [D(2011, 6, 1)] * 4,
            "business_type": ["trading"] * 3 + [None],
        },
    )
    add_group_columns(
        cluster,
        {
            "id": ["G-1", "G-2"],
            "name": ["Mawar", "Melati"],
            "sector": ["umkm", "farming"],
            "formed": [D(2011, 7, 1)] * 2,
            "capacity": [2, None],
        },
    )
    return cluster


class TestColumns:
    def test_frames_of_polars_and_pandas(self) -> None:
        data: dict[str, list[Any]] = {
            "id": ["M-1", "M-2"],
            "name": ["Siti", "Ani"],
            "sex": ["female", "male"],
            "household_size": [4, 3],
            "village": ["Lamalaka", "Kampala"],
            "sector": ["umkm", "farming"],
            "joined": [D(2011, 6, 1), D(2012, 1, 1)],
            "business_type": ["trading", None],
            "left": [None, D(2014, 2, 1)],
        }
        by_polars, by_pandas, by_record = area_cluster(), area_cluster(), area_cluster()
        assert add_member_columns(by_polars, pl.DataFrame(data)) == 2
        frame = pd.DataFrame(data)
        frame["joined"] = pd.to_datetime(frame["joined"])
        add_member_columns(by_pandas, frame)
        for index in range(2):
            by_record.add_member(Member(**{k: v[index] for k, v in data.items()}))
        assert _state(by_polars) == _state(by_record) == _state(by_pandas)

    def test_an_unknown_column_suggests_one(self) -> None:
        with pytest.raises(ValidationError, match="did you mean 'household_size'"):
            add_member_columns(area_cluster(), {"household_sise": [4]})

    def test_a_required_column_is_named(self) -> None:
        with pytest.raises(ValidationError, match="'formed' is required"):
            add_group_columns(area_cluster(), {"id": ["G-1"], "name": ["x"], "sector": ["umkm"]})

    def test_columns_of_different_lengths(self) -> None:
        columns = {name: ["x"] for name in GROUP_COLUMNS[:4]}
        columns["name"] = ["x", "y"]
        with pytest.raises(ValidationError, match="different lengths"):
            add_group_columns(area_cluster(), columns)

    def test_an_outside_reason_is_recorded(self) -> None:
        cluster = area_cluster()
        add_member_columns(
            cluster,
            {
                "id": ["M-1"],
                "name": ["Siti"],
                "sex": ["female"],
                "household_size": [4],
                "village": ["Rappoa"],
                "sector": ["umkm"],
                "joined": [D(2011, 6, 1)],
                "business_type": ["trading"],
                "outside_area": ["moved after the flood"],
            },
        )
        override = cluster.area_override("member", "M-1")
        assert override is not None
        assert override.reason == "moved after the flood"

    def test_a_closed_spell(self) -> None:
        cluster = _grouped()
        join_group_columns(
            cluster,
            {
                "group_id": ["G-1", "G-1", "G-1"],
                "member_id": ["M-1", "M-2", "M-3"],
                "joined": [D(2011, 7, 1), D(2011, 7, 1), D(2013, 1, 1)],
                "left": [D(2012, 1, 1), None, None],
            },
        )
        assert cluster.groups["G-1"].member_ids(D(2013, 6, 1)) == ("M-2", "M-3")
        with pytest.raises(ValidationError, match="capacity of 2") as exc:
            join_group_columns(
                cluster,
                {"group_id": ["G-1"], "member_id": ["M-1"], "joined": [D(2014, 1, 1)]},
            )
        assert exc.value.path == "row 0 column 'joined'"
