"""The store's program read: members, groups and spells read as columns, checked column-wise.

Whatever the column checks refuse is loaded again row by row, so a store changed outside klaster
gives the row-by-row load's located message; a valid store gives the same program either way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.model.area_builders import area_programs

import klaster
from klaster import Group, Membership, Program, StoreError
from klaster.store import Store, _cluster_columns
from klaster.testing import strategies as kst
from klaster.testing.samples import sample_program

D = dt.date
_FILLED = _cluster_columns.filled


@contextlib.contextmanager
def column_loads() -> Iterator[list[bool]]:
    """Record, per cluster loaded, whether the column path built it (``False``: refused)."""
    seen: list[bool] = []

    def spy(*args: object) -> object:
        cluster = _FILLED(*args)  # type: ignore[arg-type]
        seen.append(cluster is not None)
        return cluster

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_cluster_columns, "filled", spy)
        yield seen


@contextlib.contextmanager
def row_by_row() -> Iterator[None]:
    """Load as before the column path: every cluster row by row."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_cluster_columns, "filled", lambda *args: None)
        yield


def both_loads(path: Path) -> tuple[Program, Program, list[bool]]:
    with Store.open(path) as store:
        with column_loads() as seen:
            fast = store.load_program()
        with row_by_row():
            slow = store.load_program()
    return fast, slow, seen


def execute(path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)


def both_refusals(path: Path, program: Program, statements: list[str]) -> str:
    """The column load's message after ``statements``, checked equal to the row-by-row one."""
    Store.create(path, program).close()
    execute(path, *statements)
    with Store.open(path) as store:
        with row_by_row(), pytest.raises(StoreError) as before:
            store.load_program()
        with column_loads() as seen, pytest.raises(StoreError) as now:
            store.load_program()
    assert seen == [False]  # the column checks refused it
    assert str(now.value) == str(before.value)
    return str(now.value)


class TestSameProgram:
    def test_the_sample_program(self, store_path: Path) -> None:
        program = sample_program()
        Store.create(store_path, program).close()
        fast, slow, seen = both_loads(store_path)
        assert seen == [True]  # built by the column path, not loaded again row by row
        assert fast == slow == program
        assert klaster.dumps(fast) == klaster.dumps(program)

    def test_a_rejoined_member_listed_before_the_earlier_spell(self, store_path: Path) -> None:
        # The Group constructor checks closed spells as closed: a spell from 2013 listed before
        # one of 2011-2012 is valid (joining it open would overlap, and it is not joined here).
        program = sample_program()
        cluster = program.clusters["bantaeng"]
        group = cluster.groups["BTG-K01"]
        spells = (
            Membership("BTG-2", D(2013, 1, 1), role="treasurer"),
            *group.memberships,
            Membership("BTG-2", D(2012, 10, 1), left=D(2012, 12, 1)),
        )
        rebuilt = Program(
            program.id,
            program.name,
            program.organisation_id,
            program.organisations,
            [
                klaster.Cluster(
                    cluster.id, cluster.name, cluster.region, cluster.sectors,
                    members=cluster.members,
                    groups=[Group(group.id, group.name, group.sector, group.formed, spells,
                                  capacity=3),
                            *(g for g in cluster.groups if g.id != group.id)],
                )
            ],
        )  # fmt: skip
        Store.create(store_path, rebuilt).close()
        fast, slow, seen = both_loads(store_path)
        assert seen == [True]
        assert fast == slow == rebuilt
        assert fast.clusters["bantaeng"].groups["BTG-K01"].memberships == spells

    def test_one_cluster(self, store_path: Path) -> None:
        program = sample_program()
        Store.create(store_path, program).close()
        with Store.open(store_path) as store, column_loads() as seen:
            assert store.load_cluster("bantaeng") == program.clusters["bantaeng"]
        assert seen == [True]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs(max_clusters=3, with_areas=True))
    def test_any_program(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.klaster"
            Store.create(path, program).close()
            fast, slow, seen = both_loads(path)
            assert all(seen)
            assert fast == slow == program
            assert klaster.dumps(fast) == klaster.dumps(program)
            for cluster in program.clusters:
                ordered = fast.clusters[cluster.id]
                assert list(ordered.members.ids()) == list(cluster.members.ids())
                assert [g.memberships for g in ordered.groups] == [
                    g.memberships for g in cluster.groups
                ]
                assert ordered.area_overrides == cluster.area_overrides

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=area_programs())
    def test_any_program_with_area_overrides(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.klaster"
            Store.create(path, program).close()
            fast, slow, seen = both_loads(path)
            assert all(seen)
            assert fast == slow == program
            assert [c.area_overrides for c in fast.clusters] == [
                c.area_overrides for c in program.clusters
            ]


_SPELL = "INSERT INTO memberships VALUES ('BTG-K01', 9, 'bantaeng', {}, {}, {}, 'member')"


class TestRefused:
    @pytest.mark.parametrize(
        "statements",
        [
            pytest.param(["UPDATE members SET name = ' ' WHERE id = 'BTG-2'"], id="blank-name"),
            pytest.param(
                ["UPDATE members SET household_size = 'four' WHERE id = 'BTG-2'"], id="text-size"
            ),
            pytest.param(["UPDATE members SET phone = '12' WHERE id = 'BTG-3'"], id="phone"),
            pytest.param(
                ["UPDATE members SET joined = '2011-02-30' WHERE id = 'BTG-2'"], id="bad-date"
            ),
            pytest.param(
                ["UPDATE members SET birth_year = 2999 WHERE id = 'BTG-2'"], id="birth-year"
            ),
            pytest.param(
                ["UPDATE members SET sector = 'fishing' WHERE id = 'BTG-3'"], id="unknown-sector"
            ),
            pytest.param(
                ["UPDATE members SET village = 'Atlantis' WHERE id = 'BTG-3'"], id="no-desa"
            ),
            pytest.param(
                ["UPDATE groups SET formed = '2011-05-40' WHERE id = 'BTG-K02'"], id="group-date"
            ),
            pytest.param(
                ["UPDATE groups SET sector = 'fishing' WHERE id = 'BTG-K02'"], id="group-sector"
            ),
            pytest.param(
                [_SPELL.format("'BTG-2'", "'2012-01-01'", "NULL")], id="overlapping-spell"
            ),
            pytest.param([_SPELL.format("'BTG-3'", "'2013-01-01'", "NULL")], id="other-sector"),
            pytest.param([_SPELL.format("'BTG-9'", "'2013-01-01'", "NULL")], id="no-member"),
            pytest.param([_SPELL.format("' BTG-2'", "'2013-01-01'", "NULL")], id="bad-id"),
            pytest.param(
                [_SPELL.format("'BTG-2'", "'2013-01-01'", "'2013-13-01'")], id="spell-date"
            ),
            pytest.param(
                ["UPDATE memberships SET joined = '2010-01-01' WHERE member_id = 'BTG-1'"],
                id="before-formed",
            ),
            pytest.param(
                ["UPDATE groups SET capacity = 1 WHERE id = 'BTG-K01'"], id="over-capacity"
            ),
            pytest.param(
                [
                    "INSERT INTO area_overrides VALUES "
                    "('bantaeng', 9, 'member', 'BTG-9', 'moved', NULL, NULL)"
                ],
                id="override-of-no-member",
            ),
        ],
    )
    def test_the_row_by_row_message(self, store_path: Path, statements: list[str]) -> None:
        assert "changed outside klaster" in both_refusals(store_path, sample_program(), statements)
        with Store.open(store_path) as store:
            with row_by_row(), pytest.raises(StoreError) as before:
                store.load_cluster("bantaeng")
            with pytest.raises(StoreError) as now:
                store.load_cluster("bantaeng")
            assert str(now.value) == str(before.value)

    def test_a_message_names_no_personal_data(self, store_path: Path) -> None:
        Store.create(store_path, sample_program()).close()
        execute(store_path, "UPDATE members SET national_id = '1234' WHERE id = 'BTG-1'")
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        assert "(national_id: national ID number (NIK) must be" in str(exc.value)
        assert "1234" not in str(exc.value)


class TestCommandLine:
    def test_report_and_validate_name_the_row_by_row_error(
        self, store_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        from klaster.cli import main

        Store.create(store_path, sample_program()).close()
        execute(store_path, _SPELL.format("'BTG-2'", "'2012-01-01'", "NULL"))
        output = tmp_path / "figures.csv"
        for argv in (
            ["validate", str(store_path)],
            ["report", str(store_path), "--indicator", "members", "--output", str(output)],
        ):
            capsys.readouterr()
            assert main(argv) == 5
            assert (
                "the stored cluster 'bantaeng' is not valid (memberships[2]: member 'BTG-2' is "
                "already in the group from 2011-05-02 (memberships[1]); spells of one member "
                "must not overlap); the store was changed outside klaster"
            ) in capsys.readouterr().err
        assert not output.exists()

    def test_report_from_a_valid_store_takes_the_column_path(
        self, store_path: Path, tmp_path: Path
    ) -> None:
        from klaster.cli import main

        Store.create(store_path, sample_program()).close()
        output = tmp_path / "figures.csv"
        with column_loads() as seen:
            argv = ["report", str(store_path), "--indicator", "members", "--format", "csv"]
            assert main([*argv, "--output", str(output)]) == 0
        assert seen == [True]
        assert output.exists()
