"""The intake in the store: round trips, append-only decisions, the checks on every path."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from tests.model.intake_builders import SECRETS, D, intake_program

import klaster
from klaster import KlasterError, Program, StoreError, ValidationError
from klaster.model import Intake
from klaster.store import Store
from klaster.testing import strategies as kst


def enrolled(capacity: int | None = 1) -> Program:
    p = intake_program(capacity=capacity)
    p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
    return p


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def execute(path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


def private(exc: pytest.ExceptionInfo[KlasterError]) -> None:
    for secret in SECRETS:
        assert secret not in str(exc.value)


class TestRoundTrip:
    def test_applicants_answers_decisions_links_and_capacity(self, store_path: Path) -> None:
        program = enrolled()
        program.intake.waitlist("A-4", D(2011, 3, 9), reason="no place yet")
        with Store.create(store_path, program) as store:
            assert store.load_program() == program
        assert rows(store_path, "SELECT application_id FROM members") == [("A-1",)]
        assert rows(store_path, "SELECT capacity FROM groups") == [(1,)]
        assert rows(
            store_path, "SELECT code, number, yes_no, text FROM applicant_answers "
            "WHERE applicant_id = 'A-1' ORDER BY code"
        ) == [("asnaf", None, None, "miskin"), ("has_space", None, 1, None),
              ("income", "873456", None, None)]  # fmt: skip

    def test_saving_again_appends_the_new_decisions(self, store_path: Path) -> None:
        program = intake_program()
        with Store.create(store_path, program) as store:
            loaded = store.load_program()
            loaded.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
            loaded.intake.decline("A-3", D(2011, 4, 2), reason="moved away")
            store.save_program(loaded)
            assert store.load_program() == loaded
        assert rows(store_path, "SELECT count(*) FROM applicant_decisions") == [(5,)]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(kst.programs_with_intake())
    def test_any_program_with_an_intake(self, program: Program) -> None:
        with (
            tempfile.TemporaryDirectory() as folder,
            Store.create(Path(folder) / "p.klaster", program) as store,
        ):
            assert store.load_program() == program
            store.save_program(program)  # nothing new: appends nothing
            assert store.load_program() == program


class TestHistory:
    def test_a_rewritten_decision_is_refused(self, store_path: Path) -> None:
        program = enrolled()
        Store.create(store_path, program).close()
        before = digest(store_path)
        decisions = list(program.intake.decisions)
        decisions[0] = attrs.evolve(decisions[0], evidence="another reading")
        fields = {a.name: getattr(program, a.name) for a in attrs.fields(Program) if a.init}
        fields["intake"] = Intake(program.intake.applicants, decisions)
        rewritten = Program(**fields)
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.save_program(rewritten)
        assert "intake.decisions[0] differs" in str(exc.value)
        assert digest(store_path) == before

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE applicant_decisions SET reason = 'x' WHERE seq = 0",
            "DELETE FROM applicant_decisions WHERE seq = 0",
        ],
    )
    def test_the_table_is_append_only(self, store_path: Path, statement: str) -> None:
        Store.create(store_path, enrolled()).close()
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            execute(store_path, statement)


class TestBadInput:
    """The issue's bad input through the store: refused, located, nothing changed."""

    def _refused(self, store_path: Path, act: object) -> pytest.ExceptionInfo[KlasterError]:
        Store.create(store_path, enrolled()).close()
        before = digest(store_path)
        with Store.open(store_path) as store:
            program = store.load_program()
            with pytest.raises(KlasterError) as exc:  # noqa: PT012 - refused before the save
                act(program)  # type: ignore[operator]
                store.save_program(program)
            assert store.load_program() == enrolled()
        assert digest(store_path) == before
        private(exc)
        return exc

    def test_enrolled_twice(self, store_path: Path) -> None:
        exc = self._refused(
            store_path, lambda p: p.intake.enrol("A-1", member_id="M-2", on=D(2011, 5, 1))
        )
        assert exc.value.path == "intake.decisions[4].status"

    def test_into_a_full_group(self, store_path: Path) -> None:
        exc = self._refused(
            store_path,
            lambda p: p.intake.enrol("A-4", member_id="M-4", on=D(2011, 5, 1), group_id="G-1"),
        )
        assert type(exc.value) is not ValidationError or exc.value.path is not None

    def test_not_eligible_without_override(self, store_path: Path) -> None:
        exc = self._refused(
            store_path, lambda p: p.intake.enrol("A-2", member_id="M-2", on=D(2011, 5, 1))
        )
        assert exc.value.path == "intake.decisions[4].override"

    @pytest.mark.parametrize(
        ("statements", "where"),
        [
            (
                [
                    "INSERT INTO applicant_decisions VALUES (4, 'A-1', 'enrolled', '2011-05-01', "
                    "'[]', NULL, NULL, NULL, NULL, 'M-1', NULL)"
                ],
                "intake is not valid (decisions[4].status",
            ),
            (
                [
                    "INSERT INTO members SELECT 'M-2', cluster_id, 1, name, sex, household_size, "
                    "village, sector, joined, business_type, left, national_id, phone, "
                    "birth_year, NULL FROM members",
                    "INSERT INTO memberships VALUES ('G-1', 1, 'tuban', 'M-2', '2011-05-01', "
                    "NULL, 'member')",
                ],
                "cluster 'tuban' is not valid (memberships[1]",
            ),
            (
                [
                    "INSERT INTO members SELECT 'M-2', cluster_id, 1, name, sex, household_size, "
                    "village, sector, joined, business_type, left, national_id, phone, "
                    "birth_year, 'A-2' FROM members",
                    "INSERT INTO applicant_decisions VALUES (4, 'A-2', 'enrolled', '2011-05-01', "
                    "'[]', NULL, NULL, NULL, NULL, 'M-2', NULL)",
                ],
                "intake is not valid (decisions[4].override",
            ),
        ],
        ids=["enrolled-twice", "full-group", "not-eligible-without-override"],
    )
    def test_rows_written_outside_klaster_are_refused_on_load(
        self, store_path: Path, statements: list[str], where: str
    ) -> None:
        Store.create(store_path, enrolled()).close()
        execute(store_path, *statements)
        with Store.open(store_path) as store, pytest.raises(StoreError) as exc:
            store.load_program()
        assert f"{where}: " in str(exc.value), str(exc.value)
        private(exc)


def test_a_store_written_by_a_document_equals_it(tmp_path: Path) -> None:
    program = enrolled()
    klaster.save(program, tmp_path / "p.json")
    with Store.create(tmp_path / "p.klaster", klaster.load(tmp_path / "p.json")) as store:
        assert store.load_program() == program
