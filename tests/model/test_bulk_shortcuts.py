"""The bulk path's shortcuts for the usual case (a store's load, issue 18), each with its fallback.

Each shortcut accepts a whole column (or a cluster's spells) at once when every row passes, and
leaves anything else to the row-wise checks, so the outcome (the records, or the error of the
first refused row) is the same with or without it. The spies show each shortcut is taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.model.area_builders import area_cluster, sectors

from klaster import Cluster, KlasterError, Member, Sex
from klaster.model import _bulk_checks as chk
from klaster.model import _bulk_records, _bulk_stored
from klaster.model.bulk import fill_cluster_columns
from klaster.model.sector_rules import (
    business_types_checked,
    install_member_check,
    member_checks_paused,
)

D = dt.date
_MEMBERS: dict[str, list[Any]] = {
    "id": ["M-1", "M-2", "M-3", "F-1"],
    "name": ["Siti", "Ani", "Rina", "Nur"],
    "sex": ["female"] * 4,
    "household_size": [4, 3, 5, 2],
    "village": ["Lamalaka", "Lamalaka", "Letta", "Kampala"],
    "sector": ["umkm", "umkm", "umkm", "farming"],
    "joined": ["2011-06-01"] * 4,
    "business_type": ["trading", "trading", None, None],
}
_GROUPS: dict[str, list[Any]] = {
    "id": ["G-1", "G-2"],
    "name": ["Mawar", "Melati"],
    "sector": ["umkm", "farming"],
    "formed": [D(2011, 7, 1), D(2011, 7, 1)],
    "capacity": [None, None],
}


def _spells(rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    names = ("group_id", "member_id", "joined", "left", "role")
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


_IN_RUNS = _spells(
    [
        ("G-1", "M-1", D(2011, 7, 1), None, "chair"),
        ("G-1", "M-2", D(2011, 8, 1), D(2012, 1, 1), "member"),
        ("G-1", "M-3", D(2011, 8, 1), None, "member"),
        ("G-2", "F-1", D(2011, 9, 1), None, "member"),
    ]
)


def _filled(spells: dict[str, list[Any]], cluster: Cluster | None = None) -> Cluster:
    target = cluster or area_cluster()
    with member_checks_paused():
        fill_cluster_columns(target, dict(_MEMBERS), dict(_GROUPS), spells)
    return target


def _outcome(spells: dict[str, list[Any]]) -> Any:
    cluster = area_cluster()
    try:
        _filled(spells, cluster)
    except KlasterError as exc:
        return type(exc).__name__, exc.message, exc.path, list(cluster.groups)
    return [group.memberships for group in cluster.groups], list(cluster.members)


def _refused(*args: object) -> Any:
    raise AssertionError("the row-wise check ran")


_LONG_RUNS = _spells(
    [
        (gid, mid, D(year, 1, 1), D(year, 12, 31), "member")
        for gid, mids in (("G-1", ("M-1", "M-2", "M-3")), ("G-2", ("F-1",)))
        for mid in mids
        for year in (2012, 2013, 2014)
    ]
)


class TestSpellsInRuns:
    @pytest.mark.parametrize("spells", [_IN_RUNS, _LONG_RUNS], ids=["short-runs", "long-runs"])
    def test_placed_without_the_row_wise_check(
        self, spells: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_bulk_stored, "_first_misplaced", _refused)
        monkeypatch.setattr(chk, "first_bad_id", lambda values: None)  # (members' IDs too)
        cluster = _filled(spells)
        assert [len(g.memberships) for g in cluster.groups] == [
            spells["group_id"].count("G-1"),
            spells["group_id"].count("G-2"),
        ]

    def test_one_spell_per_member_in_each_run_is_no_overlap(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spells = _spells([(g, m, D(2012, 1, 1), None, "member") for g, m, *_ in zip(
            *_IN_RUNS.values(), strict=True)])  # fmt: skip
        real = _bulk_stored._first_overlap

        def runs_only(data: Any, end: int, runs: Any = None) -> Any:
            assert runs is not None  # (the pairs of the whole column not built)
            return real(data, end, runs)

        monkeypatch.setattr(_bulk_stored, "_first_overlap", runs_only)
        assert len(_filled(spells).groups["G-1"].memberships) == 3

    @pytest.mark.parametrize(
        "row",
        [
            ("G-1", "F-1", D(2011, 8, 1), None, "member"),  # another sector
            ("G-1", "M-9", D(2011, 8, 1), None, "member"),  # no member of the cluster
            ("G-1", " M-1", D(2011, 8, 1), None, "member"),  # no ID
            ("G-1", "M-1", D(2011, 6, 1), D(2011, 6, 30), "member"),  # before it was formed
            ("G-1", "M-1", D(2011, 8, 1), None, "member"),  # overlaps M-1's spell in the run
        ],
    )
    def test_a_refused_row_in_a_run(self, row: tuple[Any, ...]) -> None:
        spells = _spells([*list(zip(*_IN_RUNS.values(), strict=True))[:3], row])
        got = _outcome(spells)
        assert isinstance(got[0], str)  # refused
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_bulk_stored, "_all_placed", lambda *args: False)
            assert _outcome(spells) == got

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        rows=st.lists(
            st.tuples(
                st.sampled_from(["G-1", "G-1", "G-2", "G-9"]),
                st.sampled_from(["M-1", "M-2", "M-3", "F-1", "M-9", " M"]),
                st.sampled_from([D(2011, 7, 1), D(2012, 1, 1), "2013-01-01", D(2011, 1, 1)]),
                st.sampled_from([None, None, D(2011, 12, 31), D(2013, 1, 1), "soon"]),
                st.sampled_from(["member", "member", "chair", "boss"]),
            ),
            max_size=8,
        ),
        grouped=st.booleans(),
    )
    def test_the_same_outcome_without_the_shortcuts(
        self, rows: list[tuple[Any, ...]], grouped: bool
    ) -> None:
        if grouped:  # each group's rows together, as a store gives them
            rows = sorted(rows, key=lambda row: row[0])
        got = _outcome(_spells(rows))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_bulk_stored, "_all_placed", lambda *args: False)
            patch.setattr(_bulk_records, "_all_inside", lambda *args: False)
            assert _outcome(_spells(rows)) == got


class TestPlacesAsAProduct:
    def test_villages_inside_every_area_are_judged_once(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_bulk_records, "judged_places", _refused)
        cluster = area_cluster(sectors=sectors({}))  # (no sector has an area: all inside)
        _filled(_spells([]), cluster)
        assert len(cluster.members) == 4

    def test_a_village_outside_another_sectors_area_is_judged_pair_by_pair(self) -> None:
        # Lamalaka is outside farming's area: the product refuses, the pairs accept.
        cluster = _filled(_spells([]))
        assert [m.village for m in cluster.members] == _MEMBERS["village"]

    @pytest.mark.parametrize("shortcuts", [True, False], ids=["shortcuts", "row-wise"])
    def test_a_member_outside_its_area_is_refused_as_before(
        self, shortcuts: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if not shortcuts:
            monkeypatch.setattr(_bulk_records, "_all_inside", lambda *args: False)
        members = {**_MEMBERS, "village": ["Lamalaka", "Kampala", "Letta", "Kampala"]}
        with pytest.raises(KlasterError) as exc, member_checks_paused():
            fill_cluster_columns(area_cluster(), members, _GROUPS, _spells([]))
        assert exc.value.path == "row 1 column 'village'"
        assert "outside" in exc.value.message or "area" in exc.value.message


class TestBusinessTypes:
    def test_not_judged_while_the_checks_are_paused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_bulk_records, "_refuses_member", _refused)
        cluster = _filled(_spells([]))  # (paused, as the store's load is)
        assert cluster.members["M-1"].business_type == "trading"

    def test_checked_only_with_a_check_installed_and_not_paused(self) -> None:
        before = install_member_check(lambda member: None)
        try:
            assert business_types_checked()
            with member_checks_paused():
                assert not business_types_checked()
        finally:
            install_member_check(before)

    def test_a_refused_type_is_still_refused_when_checked(self) -> None:
        def refuse(member: Member) -> str | None:
            return f"member {member.id!r}: not a type of {member.sector!r}"

        before = install_member_check(refuse)
        try:
            with pytest.raises(KlasterError) as exc:
                fill_cluster_columns(area_cluster(), _MEMBERS, _GROUPS, _spells([]))
        finally:
            install_member_check(before)
        assert exc.value.path == "row 0 column 'business_type'"


_VALUES = st.sampled_from(
    [None, D(2011, 1, 1), D(2012, 1, 1), dt.datetime(2011, 6, 1, 8), "2011-01-01", "x", 5, Sex.MALE]
)


class TestColumnChecks:
    @given(rows=st.lists(st.tuples(_VALUES, _VALUES), max_size=8))
    def test_first_before_as_row_by_row(self, rows: list[tuple[Any, Any]]) -> None:
        starts, ends = [r[0] for r in rows], [r[1] for r in rows]
        expected = chk.first(
            lambda pair: (
                pair[1] is not None
                and not chk.bad_date(pair[0])
                and not chk.bad_date(pair[1])
                and pair[1] < pair[0]
            ),
            rows,
        )
        assert chk.first_before(starts, ends) == expected

    @given(
        values=st.lists(
            st.one_of(st.text(max_size=3), st.sampled_from([None, 5, "\ud800", " ", "a "])),
            max_size=6,
        )
    )
    def test_first_bad_text_as_row_by_row(self, values: list[Any]) -> None:
        assert chk.first_bad_text(values) == chk.first(chk.bad_text, values)


class TestColumnsReadAsTheyAre:
    def test_a_list_is_not_copied(self) -> None:
        ids = ["M-1", "M-2"]
        assert chk.as_list(ids) is ids
        assert chk.as_list(("M-1", "M-2")) == ids  # (other sequences become lists)

    def test_the_callers_columns_are_left_as_they_were(self) -> None:
        members = {name: list(values) for name, values in _MEMBERS.items()}
        groups = {name: list(values) for name, values in _GROUPS.items()}
        spells = _spells(
            [("G-1", "M-1", "2011-07-01", None, "chair"), ("G-2", "F-1", D(2011, 9, 1), None, None)]
        )
        spells["role"][1] = "member"
        given = [{name: list(col) for name, col in c.items()} for c in (members, groups, spells)]
        with member_checks_paused():
            fill_cluster_columns(area_cluster(), members, groups, spells)
        assert [members, groups, spells] == given
