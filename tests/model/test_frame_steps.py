"""The acceptance test judged in steps, as a loader takes the rows (issue 18).

The members (``judge_members``) before the spells (``judge_spells``), the business types
(``business_types_fine``) before the clusters are at hand: together they give what
``judge_rows`` and ``accepted`` give at once. A column nobody filled in (all null) is judged
without a pass over it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.model import _bulk_frame as frames
from klaster.model import _frame_columns as lazy
from klaster.model import _frame_members as member_rules
from klaster.model._bulk_records import MEMBER_FIELDS

pl = pytest.importorskip("polars")

D = dt.date
OPTIONAL = ("business_type", "left", "national_id", "phone", "birth_year", "application_id")


def _members(count: int, **columns: list[Any]) -> Any:
    data: dict[str, list[Any]] = {
        "__c": [0] * count,
        "id": [f"M-{i}" for i in range(count)],
        "name": ["Siti"] * count,
        "sex": ["female"] * count,
        "household_size": [3] * count,
        "village": ["Bonto Manai"] * count,
        "sector": ["umkm"] * count,
        "joined": [D(2011, 2, 1)] * count,
    }
    data |= {name: [None] * count for name in OPTIONAL} | columns
    schema = {"__c": pl.UInt32, "household_size": pl.Int64, "birth_year": pl.Int64}
    schema |= {"joined": pl.Date, "left": pl.Date}
    schema |= {n: pl.String for n in MEMBER_FIELDS if n not in schema}
    return pl.DataFrame(data, schema=schema)


def _spells(rows: int, left: Any = None) -> Any:
    return pl.DataFrame(
        {
            "__row": list(range(rows)),
            "__o": [0] * rows,
            "sector": ["umkm"] * rows,
            "joined": [D(2011, 2, 1)] * rows,
            "left": [left] * rows,
            "role": ["member"] * rows,
        },
        schema_overrides={"__row": pl.UInt32, "__o": pl.UInt32, "left": pl.Date},
    )


class TestSteps:
    @pytest.mark.parametrize(
        ("members", "spells", "fine"),
        [
            (_members(3), _spells(3), True),
            (_members(3), _spells(3, left=D(2000, 1, 1)), False),  # (closed before it opened)
            (_members(3, sex=["female", "x", "male"]), _spells(3), False),  # (a member refused)
            (_members(0), _spells(0), True),
        ],
    )
    def test_as_judged_at_once(self, members: Any, spells: Any, fine: bool) -> None:
        whole = frames.judge_rows(pl, members, spells)
        first = frames.judge_members(pl, members)
        assert first.spells is None
        steps = frames.judge_spells(pl, first, spells)
        assert (steps.kinds is not None) is (whole.kinds is not None) is fine
        if whole.kinds is not None:
            assert steps.kinds.sort("__i").equals(whole.kinds.sort("__i"))
            assert steps.spells.equals(whole.spells)

    def test_spells_not_judged_after_a_refused_member(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(*_: Any) -> bool:
            raise AssertionError("judged")

        monkeypatch.setattr(frames, "_spells_fine", refuse)
        refused = frames.judge_members(pl, _members(2, household_size=[0, 3]))
        assert refused.kinds is None
        assert frames.judge_spells(pl, refused, _spells(2)).kinds is None
        assert not frames.business_types_fine(pl, refused)


class TestEmptyColumns:
    def test_judged_without_a_pass(self, monkeypatch: pytest.MonkeyPatch) -> None:
        passed: list[str] = []
        unsure = member_rules._unsure

        def spy(pl_: Any, name: str, sure: str) -> Any:
            passed.append(name)
            return unsure(pl_, name, sure)

        monkeypatch.setattr(member_rules, "_unsure", spy)
        frame = frames._typed(pl, _members(4), MEMBER_FIELDS)
        assert member_rules.members_fine(pl, frame)
        assert passed == ["id", "name"]  # (NIK, phone, application ID: nobody filled them in)

    @settings(max_examples=60, deadline=None)
    @given(
        column=st.sampled_from(["name", "village", "sector", "sex", *OPTIONAL]),
        rows=st.integers(1, 4),
    )
    def test_an_all_null_column_judged_as_a_pass_judges_it(self, column: str, rows: int) -> None:
        frame = frames._typed(pl, _members(rows, **{column: [None] * rows}), MEMBER_FIELDS)
        with pytest.MonkeyPatch.context() as patch:  # (the long way: every column passed over)
            patch.setattr(pl.Series, "null_count", lambda _: -1)
            expected = member_rules.members_fine(pl, frame)
        assert member_rules.members_fine(pl, frame) is expected
        assert expected is (column in OPTIONAL)  # (a required field missing: refused)


class TestKnownColumn:
    def test_given_list_held_not_read_again(self) -> None:
        frame = pl.DataFrame({"id": ["a", "b", "c"]})
        ids = ["a", "b", "c"]
        columns = lazy.member_columns(pl, frame, [0, 2, 3], ids)
        assert columns.column("id") is ids  # (the converter never ran)
        assert list(columns.of_cluster(0)["id"]) == ["a", "b"]
        assert lazy.member_columns(pl, frame, [0, 3]).column("id") is not ids  # (read: a copy)

    def test_a_list_of_another_length_refused(self) -> None:
        columns = lazy.member_columns(pl, pl.DataFrame({"id": ["a", "b"]}), [0, 2])
        with pytest.raises(ValueError, match="1 values for 2 rows"):
            columns.known("id", ["a"])
