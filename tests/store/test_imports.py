"""Applying import batches: all or nothing, idempotent, located errors, the model's semantics."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from klaster import ImportDataError, Member, Program
from klaster.catalogue.variable import Variable
from klaster.importing.batch import ImportBatch, NewMember, ObservationBlock
from klaster.observations import Observations, Round, core_variables
from klaster.store import ImportSummary, Store
from klaster.store._values import BadValue, encode

D = dt.date
BASELINE = Round("btg-bl", "bantaeng", "baseline", "2011-06-15")


def block(units: list[str], values: dict[str, list[Any]], *, first_row: int = 2,
          round_id: str = "btg-bl", prefix: str = "s") -> ObservationBlock:  # fmt: skip
    return ObservationBlock(
        round_id,
        [f"{prefix}-{unit}" for unit in units],
        units,
        range(first_row, first_row + len(units)),
        values,
        "survey.csv",
    )


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused batch changed nothing."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f"SELECT * FROM {n}"), key=repr) for n in names}


def new_member(number: int, village: str = "Baruga", sector: str = "umkm") -> Member:
    return Member(f"BTG-{number}", f"Mitra {number}", "female", 4, village, sector, D(2011, 6, 1))


@pytest.fixture
def store(store_path: Path, program: Program) -> Iterator[Store]:
    # Closed after the test: Python 3.13 warns (an error here) about a connection left open.
    with Store.create(store_path, program) as created:
        created.add_round(BASELINE)
        yield created


class TestApply:
    def test_members_and_values(self, store: Store, program: Program) -> None:
        batch = ImportBatch(
            "registrasi.csv",
            members=[
                NewMember("u-4", "bantaeng", new_member(4), "BTG-K01", "registrasi.csv row 2"),
                NewMember("u-5", "bantaeng", new_member(5, sector="livestock"), None, "row 3"),
            ],
            blocks=[
                block(
                    ["BTG-4", "BTG-1", "BTG-5"],
                    {
                        "monthly_income": [Decimal("1500000"), None, Decimal("99.5")],
                        "household_size": [4, 5, None],
                    },
                )
            ],
        )
        summary = store.apply_import(batch)
        assert summary == ImportSummary("registrasi.csv", 2, 3, 4, 0)
        loaded = store.load_program()
        cluster = loaded.clusters["bantaeng"]
        assert cluster.members.ids()[-2:] == ("BTG-4", "BTG-5")
        assert cluster.groups["BTG-K01"].member_ids(D(2013, 1, 1)) == ("BTG-1", "BTG-4")
        expected = Observations(loaded)
        expected.add_round(BASELINE)
        expected.record_columns("btg-bl", ["BTG-4", "BTG-1", "BTG-5"], batch.blocks[0].values)
        assert store.load_observations(loaded, core_variables()) == expected
        assert store.known_submissions(["u-4", "s-BTG-1", "nope"]) == {"u-4", "s-BTG-1"}

    def test_same_file_twice_changes_nothing(self, store: Store) -> None:
        batch = ImportBatch("survey.csv", blocks=[block(["BTG-1"], {"household_size": [5]})])
        assert store.apply_import(batch).rows_added == 1
        before = snapshot(store.path)
        again = store.apply_import(batch)
        assert again == ImportSummary("survey.csv", 0, 0, 0, 1)
        assert snapshot(store.path) == before  # not even a line in the import log

    def test_registration_twice_adds_no_member(self, store: Store) -> None:
        # A registration export imported again: its submissions are known, its members skipped
        # (not refused as duplicates, not added twice).
        batch = ImportBatch(
            "registrasi.csv",
            members=[
                NewMember("u-4", "bantaeng", new_member(4), "BTG-K01", "registrasi.csv row 2"),
                NewMember("u-5", "bantaeng", new_member(5), None, "registrasi.csv row 3"),
            ],
        )
        assert store.apply_import(batch) == ImportSummary("registrasi.csv", 2, 0, 0, 0)
        members = store.load_program().clusters["bantaeng"].members.ids()
        before = snapshot(store.path)
        again = store.apply_import(batch)
        assert again == ImportSummary("registrasi.csv", 0, 0, 0, 2)
        assert snapshot(store.path) == before
        assert store.load_program().clusters["bantaeng"].members.ids() == members

    def test_second_answer_refused_naming_both_submissions(self, store: Store) -> None:
        store.apply_import(ImportBatch("a.csv", blocks=[block(["BTG-1"], {"household_size": [5]})]))
        again = ImportBatch("b.csv", blocks=[block(["BTG-1"], {"household_size": [6]}, prefix="t")])
        with pytest.raises(ImportDataError) as caught:
            store.apply_import(again)
        (problem,) = caught.value.problems
        assert "'s-BTG-1'" in problem
        assert "'t-BTG-1'" in problem
        assert store.load_observations().value("btg-bl", "BTG-1", "household_size") == 5
        # Without submission times, "replace" cannot order them either.
        with pytest.raises(ImportDataError, match="cannot order"):
            store.apply_import(again, on_conflict="replace")
        with pytest.raises(ImportDataError, match="on_conflict must be"):
            store.apply_import(again, on_conflict="overwrite")

    def test_replace_keeps_the_later_submission(self, store: Store) -> None:
        def timed(prefix: str, size: int, at: str) -> ImportBatch:
            found = block(["BTG-1"], {"household_size": [size]}, prefix=prefix)
            return ImportBatch(f"{prefix}.csv", blocks=[attrs.evolve(found, submitted=[at])])

        store.apply_import(timed("a", 5, "2015-03-02T10:00:00.000000Z"))
        summary = store.apply_import(
            timed("b", 6, "2015-03-03T10:00:00.000000Z"), on_conflict="replace"
        )
        assert (summary.replaced, summary.rows_added) == (1, 1)
        older = store.apply_import(
            timed("c", 7, "2015-03-01T10:00:00.000000Z"), on_conflict="replace"
        )
        assert (older.replaced, older.rows_added, older.submissions_skipped) == (0, 0, 1)
        assert store.load_observations().value("btg-bl", "BTG-1", "household_size") == 6

    def test_an_edit_replaces_what_it_edits(self, store: Store) -> None:
        store.apply_import(
            ImportBatch("a.csv", blocks=[block(["BTG-1"], {"household_size": [5]}, prefix="a")])
        )
        # The edit names another member (the first was wrong): the old answer goes.
        edit = block(["BTG-2"], {"household_size": [6]}, prefix="e")
        summary = store.apply_import(
            ImportBatch("e.csv", blocks=[attrs.evolve(edit, replaces=["a-BTG-1"])])
        )
        assert summary.replaced == 1
        loaded = store.load_observations()
        assert loaded.value("btg-bl", "BTG-1", "household_size") is None
        assert loaded.value("btg-bl", "BTG-2", "household_size") == 6
        same = ImportBatch("e.csv", blocks=[attrs.evolve(edit, replaces=["a-BTG-1"])])
        assert store.apply_import(same).submissions_skipped == 1

    def test_rounds_declared_by_the_mapping(self, store: Store) -> None:
        endline = Round("btg-el", "bantaeng", "endline", "2014-03-01")
        batch = ImportBatch(
            "el.csv",
            rounds=[BASELINE, endline],  # the baseline is stored already: left as it is
            blocks=[block(["BTG-1"], {"monthly_income": [Decimal(2)]}, round_id="btg-el")],
        )
        store.apply_import(batch)
        assert store.rounds() == (BASELINE, endline)

    def test_progress(self, store: Store) -> None:
        seen: list[tuple[int, int]] = []
        store.apply_import(
            ImportBatch(
                "survey.csv",
                members=[NewMember("u-4", "bantaeng", new_member(4))],
                blocks=[
                    block(["BTG-1", "BTG-2"], {"household_size": [5, 3], "cibest_prayer": [1, 2]})
                ],
            ),
            progress=lambda done, total: seen.append((done, total)),
        )
        assert seen[-1] == (5, 5)  # 1 member and 2 rows of 2 values
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)


class TestRefused:
    def refused(self, store: Store, batch: ImportBatch, secrets: tuple[str, ...]) -> str:
        before = snapshot(store.path)
        with pytest.raises(ImportDataError) as exc:
            store.apply_import(batch)
        assert snapshot(store.path) == before
        text = str(exc.value)
        assert "nothing was imported" in text
        for secret in secrets:
            assert secret not in text
        return text

    def test_unknown_unit(self, store: Store, secrets: tuple[str, ...]) -> None:
        batch = ImportBatch(
            "survey.csv",
            members=[NewMember("u-4", "bantaeng", new_member(4))],
            blocks=[block(["BTG-1", "BTG-99", "BTG-4"], {"household_size": [5, 3, 2]})],
        )
        text = self.refused(store, batch, secrets)
        assert "survey.csv row 3: not the ID of a member of cluster 'bantaeng'" in text
        assert "BTG-99" not in text  # not a declared ID: it may be a name or a NIK

    def test_bad_values(self, store: Store, secrets: tuple[str, ...]) -> None:
        batch = ImportBatch(
            "survey.csv",
            blocks=[
                block(
                    ["BTG-1", "BTG-2", "BTG-3"],
                    {
                        "household_size": [5, 0, 2],
                        "monthly_income": [Decimal(1), Decimal(2), 3.5],
                        "cibest_prayer": [1, "2", None],
                    },
                )
            ],
        )
        text = self.refused(store, batch, secrets)
        assert "survey.csv row 3: household_size: Household size is below the minimum 1" in text
        assert "survey.csv row 4: monthly_income: Household income per month" in text
        assert "must be a number (Decimal), got float" in text
        assert "survey.csv row 3: cibest_prayer:" in text
        assert "must be a whole number, got str" in text

    def test_other_sector_and_level(
        self, store: Store, secrets: tuple[str, ...], variables: dict[str, Variable]
    ) -> None:
        farming = next(code for code, v in variables.items() if v.sector == "livestock")
        text = self.refused(
            store,
            ImportBatch("survey.csv", blocks=[block(["BTG-1"], {farming: [1]})]),
            secrets,
        )
        assert f"row 2: {farming} is a variable of sector 'livestock'" in text
        text = self.refused(
            store,
            ImportBatch(
                "survey.csv",
                blocks=[block(["BTG-1"], {"household_size": [1], "group_active": [True]})],
            ),
            secrets,
        )
        assert "mixes variables of levels group, member" in text

    def test_bad_new_members(self, store: Store, secrets: tuple[str, ...]) -> None:
        batch = ImportBatch(
            "registrasi.csv",
            members=[
                NewMember("u-1", "bantaeng", new_member(1), None, "registrasi.csv row 2"),
                NewMember("u-4", "bantaeng", new_member(4, village="Gaji"), None, "row 3"),
                NewMember("u-5", "bantaeng", new_member(5), "BTG-K02", "row 4"),
                NewMember("u-6", "blora", new_member(6), None, "row 5"),
            ],
        )
        text = self.refused(store, batch, secrets)
        assert "registrasi.csv row 2: member 'BTG-1' is already in the store" in text
        assert "row 3: village: village 'Gaji' is not a desa of cluster 'bantaeng'" in text
        assert "row 4: group 'BTG-K02': member 'BTG-5' works in sector 'umkm'" in text
        assert "row 5: no cluster with ID 'blora'" in text

    def test_unknown_round_and_variable(self, store: Store, secrets: tuple[str, ...]) -> None:
        text = self.refused(
            store,
            ImportBatch("x.csv", blocks=[block(["BTG-1"], {"household_size": [1]}, round_id="el")]),
            secrets,
        )
        assert "round 'el' is not in the store" in text
        text = self.refused(
            store, ImportBatch("x.csv", blocks=[block(["BTG-1"], {"shoe_size": [1]})]), secrets
        )
        assert "unknown variable 'shoe_size'" in text

    def test_duplicate_rows_and_ragged_columns(
        self, store: Store, secrets: tuple[str, ...]
    ) -> None:
        text = self.refused(
            store,
            ImportBatch("x.csv", blocks=[block(["BTG-1", "BTG-1"], {"household_size": [1, 2]})]),
            secrets,
        )
        assert "survey.csv row 3: the unit of row 2 again, in the same round" in text
        text = self.refused(
            store,
            ImportBatch("x.csv", blocks=[block(["BTG-1", "BTG-2"], {"household_size": [1]})]),
            secrets,
        )
        assert "values['household_size'] has 1 items for 2 units" in text


# -- the store behaves like Observations.record_many, import after import -----------------------
UNITS = ["BTG-1", "BTG-2", "BTG-3"]
AMOUNTS = st.none() | st.decimals(min_value=0, max_value=10**6, places=3)
SIZES = st.none() | st.integers(1, 50)


def test_imports_follow_the_model(make_program: Callable[[], Program]) -> None:
    class ImportMachine(RuleBasedStateMachine):
        """Random imports (new, repeated, corrections) against Observations.record_many."""

        def __init__(self) -> None:
            super().__init__()
            self.folder = tempfile.TemporaryDirectory()
            self.program = make_program()
            self.store = Store.create(Path(self.folder.name) / "p.klaster", self.program)
            self.store.add_round(BASELINE)
            self.model = Observations(self.program, core_variables())
            self.model.add_round(BASELINE)
            self.known: set[str] = set()
            self.sent = 0

        def teardown(self) -> None:
            self.store.close()
            self.folder.cleanup()

        @rule(data=st.data(), units=st.lists(st.sampled_from(UNITS), min_size=1, unique=True))
        def import_rows(self, data: st.DataObject, units: list[str]) -> None:
            submissions = []
            for _ in units:  # a new submission, or one sent before (to be skipped)
                resend = data.draw(st.booleans())
                if self.known and resend:
                    submissions.append(data.draw(st.sampled_from(sorted(self.known))))
                else:
                    self.sent += 1
                    submissions.append(f"sub-{self.sent}")
            incomes = [data.draw(AMOUNTS) for _ in units]
            sizes = [data.draw(SIZES) for _ in units]
            batch = ImportBatch(
                "survey.csv",
                blocks=[
                    ObservationBlock(
                        "btg-bl",
                        submissions,
                        units,
                        range(2, 2 + len(units)),
                        {"monthly_income": incomes, "household_size": sizes},
                        submitted=[f"{sub.split('-')[1]:0>6}" for sub in submissions],
                    )
                ],
            )
            summary = self.store.apply_import(batch, on_conflict="replace")  # corrections
            fresh = [i for i, sub in enumerate(submissions) if sub not in self.known]
            rows = [(units[i], {"monthly_income": incomes[i], "household_size": sizes[i]})
                    for i in fresh]  # fmt: skip
            if rows:
                self.model.record_many("btg-bl", rows)
            self.known.update(submissions)
            assert summary.rows_added == len(rows)
            assert summary.submissions_skipped == len(set(submissions)) - len(
                {submissions[i] for i in fresh}
            )

        @invariant()
        def same_as_the_model(self) -> None:
            loaded = self.store.load_observations(self.program, core_variables())
            assert loaded == self.model
            asked = [f"sub-{i}" for i in range(self.sent + 2)]
            assert self.store.known_submissions(asked) == self.known

        @precondition(lambda self: self.sent > 0)
        @rule()
        def integrity(self) -> None:
            self.store.integrity_check()

    run_state_machine_as_test(
        ImportMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


class TestValues:
    """Each type is stored exactly, and what cannot be stored is refused at its row."""

    @pytest.mark.parametrize(
        ("code", "values", "problem"),
        [
            ("monthly_income", [Decimal(1), Decimal("1E+19")], "row 3: monthly_income: "),
            ("monthly_income", [Decimal("NaN"), Decimal(1)], "row 2: monthly_income: "),
            ("monthly_income", [Decimal("0.1234567890123456789"), None], "more than 18 decimals"),
            ("household_size", [3, 51], "row 3: household_size: Household size is above"),
            ("household_size", [True, 2], "row 2: household_size: "),
        ],
    )
    def test_refused_at_their_row(
        self, store: Store, code: str, values: list[Any], problem: str
    ) -> None:
        batch = ImportBatch("x.csv", blocks=[block(["BTG-1", "BTG-2"], {code: values})])
        with pytest.raises(ImportDataError, match=re.escape(problem)):
            store.apply_import(batch)

    def test_decimals_keep_every_digit(self, store: Store) -> None:
        amounts = [Decimal("1250000.5"), Decimal("0.125")]
        store.apply_import(
            ImportBatch(
                "a.csv", blocks=[block(["BTG-1", "BTG-2"], {"monthly_income": amounts[:2]})]
            )
        )
        # A later value with more decimals rescales the stored ones (exactly).
        store.apply_import(
            ImportBatch(
                "b.csv",
                blocks=[block(["BTG-3"], {"monthly_income": [Decimal("7.0001")]}, prefix="t")],
            )
        )
        column = store.load_observations().column("btg-bl", "monthly_income")
        assert column.to_list() == [Decimal("1250000.5"), Decimal("0.125"), Decimal("7.0001")]

    @pytest.mark.parametrize("kind", ["decimal", "integer"])
    def test_64_bit_limit(self, kind: str) -> None:
        unbounded = Variable("herd_value", "core", "member", kind, ("Nilai", "Value"))
        ok, _ = encode(unbounded, [2**63 - 1, None], 0)
        assert list(ok) == [2**63 - 1, None]
        with pytest.raises(BadValue) as exc:
            encode(unbounded, [1, -(2**63), None], 0)
        assert exc.value.index == 1
        assert "64-bit" in exc.value.message


class TestSectorCheckQuery:
    """The read-back of an import's units probes the value table by its whole primary key."""

    def test_query_plan_probes_by_the_whole_key(self, tmp_path: Path, program: Program) -> None:
        from klaster.store._import_checks import stored_values_query

        path = tmp_path / "plan.klaster"
        Store.create(path, program).close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            plan = [
                row[-1]
                for row in conn.execute(
                    "EXPLAIN QUERY PLAN " + stored_values_query(3), ("member", 1, 4, 5, 6)
                )
            ]
        # A plain join let SQLite scan a round's values once per unit: imports went quadratic.
        assert any("round_key=? AND variable_key=? AND unit_key=?" in step for step in plan), plan
