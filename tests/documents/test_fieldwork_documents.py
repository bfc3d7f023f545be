"""Program documents with people, boards and fieldwork: schema 3, its migration, located errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.documents.builders import READERS, as_json, reader

import klaster
import klaster.documents.program as document
from klaster import DocumentError, KlasterError, Program
from klaster.testing import strategies as kst
from klaster.testing.samples import (
    SAMPLE_FIELDWORK_SECRETS,
    sample_program,
    sample_program_with_fieldwork,
)

FIXTURES = Path(__file__).parent / "fixtures"
Edit = Callable[[dict[str, Any]], None]


def _fieldwork(program: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = program["fieldwork"]
    return found


def _error(doc: object) -> DocumentError:
    with pytest.raises(KlasterError) as exc:
        klaster.loads(json.dumps(doc))
    assert type(exc.value) is DocumentError, f"{type(exc.value).__name__}: {exc.value}"
    for secret in SAMPLE_FIELDWORK_SECRETS:
        assert secret not in str(exc.value)
    return exc.value


class TestFormat:
    def test_schema_version_3(self) -> None:
        assert klaster.SCHEMA_VERSION == document.SCHEMA_VERSION == 3
        assert as_json(sample_program())["schema_version"] == 3

    def test_empty_people_and_fieldwork_are_left_out(self) -> None:
        # A program without them is written exactly as before they existed.
        program = as_json(sample_program())["program"]
        assert "people" not in program
        assert "fieldwork" not in program
        assert "board" not in program["clusters"][0]["cooperatives"][0]

    def test_fieldwork_lists_only_the_kinds_it_has(self) -> None:
        program = sample_program()
        program.add_person(klaster.Person("pd-9", "X", [klaster.Position("dd", "facilitator")]))
        written = as_json(program)["program"]
        assert "fieldwork" not in written
        assert [p["id"] for p in written["people"]] == ["pd-9"]
        full = as_json(sample_program_with_fieldwork())["program"]
        assert list(_fieldwork(full)) == [
            "activities",
            "assignments",
            "visits",
            "plans",
            "commitments",
        ]
        assert full["clusters"][0]["cooperatives"][0]["board"][0]["role"] == "chair"

    @pytest.mark.parametrize("name", READERS)
    def test_round_trip_byte_for_byte(self, name: str) -> None:
        program = sample_program_with_fieldwork()
        with reader(name):
            text = klaster.dumps(program)
            again = klaster.loads(text)
            assert again == program
            assert klaster.dumps(again) == text
        assert again.fieldwork.visits["v-1"].follow_up == ("catat kas harian",)
        assert again.fieldwork.commitments["btg-dinkop"].status.value == "in_progress"

    @pytest.mark.parametrize("name", READERS)
    def test_empty_fieldwork_object_reads(self, name: str) -> None:
        doc = as_json(sample_program())
        doc["program"]["people"] = []
        doc["program"]["fieldwork"] = {}
        with reader(name):
            assert klaster.loads(json.dumps(doc)) == sample_program()

    @pytest.mark.parametrize("name", READERS)
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs_with_fieldwork(max_clusters=2))
    def test_any_program_with_fieldwork(self, name: str, program: Program) -> None:
        with reader(name):
            text = klaster.dumps(program)
            again = klaster.loads(text)
            assert again == program
            assert klaster.dumps(again) == text
            assert klaster.dumps(program) == text  # dumping twice gives the same text


class TestMigration:
    def test_version_2_fixture_loads_with_no_fieldwork(self) -> None:
        path = FIXTURES / "program_v2.json"
        assert json.loads(path.read_text("utf-8"))["schema_version"] == 2
        program = klaster.load(path)
        assert program == sample_program()
        assert len(program.people) == 0
        assert program.fieldwork == klaster.Fieldwork()
        assert json.loads(klaster.dumps(program))["schema_version"] == 3

    def test_version_2_with_empty_keys_of_development_builds(self) -> None:
        doc = json.loads((FIXTURES / "program_v2.json").read_text("utf-8"))
        doc["program"]["people"] = []
        doc["program"]["fieldwork"] = {}
        assert klaster.loads(json.dumps(doc)) == sample_program()

    def test_version_1_still_loads(self) -> None:
        doc = json.loads((FIXTURES / "program_v2.json").read_text("utf-8"))
        doc["schema_version"] = 1
        for cluster in doc["program"]["clusters"]:
            cluster["lifecycle"] = cluster["lifecycle"]["history"]
        assert klaster.loads(json.dumps(doc)) == sample_program()


def _set(path: str, value: object) -> Edit:
    def edit(program: dict[str, Any]) -> None:
        target: Any = program
        *parents, last = path.split("/")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return edit


def _append(path: str, value: object) -> Edit:
    def edit(program: dict[str, Any]) -> None:
        target: Any = program
        for part in path.split("/"):
            target = target[int(part)] if part.isdigit() else target[part]
        target.append(copy.deepcopy(value))

    return edit


def _cancel_with_attendance(program: dict[str, Any]) -> None:
    activity = _fieldwork(program)["activities"][1]
    activity["status"] = "cancelled"
    activity["planned_on"] = "2013-09-10"
    activity["participants"][0]["attended"] = True


FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
BAD_INPUT: list[tuple[str, Edit, str, str]] = [
    (
        "participant not in the cluster",
        _set("fieldwork/activities/0/participants/2/id", "BTG-XX"),
        "program.fieldwork.activities[0].participants[2].id",
        "member 'BTG-XX' is not a member of cluster 'bantaeng'",
    ),
    (
        "attendance for a cancelled activity",
        _cancel_with_attendance,
        "program.fieldwork.activities[1].participants[0].attended",
        "attendance recorded for a cancelled activity that did not happen",
    ),
    (
        "visit outside the assignment",
        _set("fieldwork/visits/1/on", "2015-01-05"),
        "program.fieldwork.visits[1].on",
        "is not assigned to cluster 'bantaeng' on 2015-01-05",
    ),
    (
        "held activity with a future date",
        _set("fieldwork/activities/0/held_on", FUTURE),
        "program.fieldwork.activities[0].held_on",
        "after today",
    ),
    (
        "plan for a milestone reached, without after_the_fact",
        _append(
            "fieldwork/plans",
            {
                "milestone": "growth",
                "on": "2011-04-01",
                "recorded_on": "2012-01-01",
                "cluster_id": "bantaeng",
            },
        ),
        "program.fieldwork.plans[2].milestone",
        "set after_the_fact=True",
    ),
    (
        "unknown field in a participant",
        _set("fieldwork/activities/0/participants/1/colour", "red"),
        "program.fieldwork.activities[0].participants[1]",
        "unknown field 'colour'; valid fields are 'kind', 'id', 'attended', 'role'",
    ),
    (
        "unknown field in the fieldwork",
        _set("fieldwork/meetings", []),
        "program.fieldwork",
        "unknown field 'meetings'",
    ),
    (
        "unknown field in a person",
        _set("people/0/nik", "7303"),
        "program.people[0]",
        "unknown field 'nik'",
    ),
    (
        "duplicate visit ID",
        _append(
            "fieldwork/visits",
            {
                "id": "v-1",
                "cluster_id": "bantaeng",
                "facilitator_id": "pd-1",
                "on": "2012-03-01",
                "member_ids": ["BTG-3"],
            },
        ),
        "program.fieldwork.visits[2].id",
        "duplicate ID 'v-1'",
    ),
    (
        "duplicate activity ID",
        _append(
            "fieldwork/activities",
            {"id": "btg-opening", "kind": "other", "title": "X", "status": "cancelled"},
        ),
        "program.fieldwork.activities[2].id",
        "duplicate ID 'btg-opening'",
    ),
    (
        "board seat held by a non-member of the cooperative",
        _set("clusters/0/cooperatives/0/board/1/member_id", "BTG-2"),
        "program.clusters[0].cooperatives[0].board[1].member_id",
        "is not a member of the cooperative",
    ),
    (
        "two chairs at a time",
        _append(
            "clusters/0/cooperatives/0/board",
            {"member_id": "BTG-3", "role": "chair", "start": "2014-06-01"},
        ),
        "program.clusters[0].cooperatives[0].board[2].start",
        "one chair at a time",
    ),
    (
        "commitment updates out of order",
        _append("fieldwork/commitments/0/updates", {"on": "2011-08-01", "status": "fulfilled"}),
        "program.fieldwork.commitments[0].updates[1].on",
        "updates are in date order",
    ),
    (
        "person's organisation unknown",
        _set("people/1/positions/0/organisation_id", "dinas"),
        "program.people[1].positions[0].organisation_id",
        "organisation 'dinas' is not in the program's organisations",
    ),
    (
        "unknown activity kind",
        _set("fieldwork/activities/0/kind", "party"),
        "program.fieldwork.activities[0].kind",
        "unknown activity kind 'party'",
    ),
    (
        "assignment to a group of no cluster",
        _set("fieldwork/assignments/0/group_ids/0", "BTG-K99"),
        "program.fieldwork.assignments[0].group_ids[0]",
        "group 'BTG-K99' is not a group of cluster 'bantaeng'",
    ),
    (
        "visits not a list",
        _set("fieldwork/visits", {}),
        "program.fieldwork.visits",
        "must be a list",
    ),
]


class TestBadInput:
    @pytest.mark.parametrize("name", READERS)
    @pytest.mark.parametrize(
        ("edit", "where", "message"),
        [pytest.param(e, w, m, id=i) for i, e, w, m in BAD_INPUT],
    )
    def test_refused_with_a_located_message(
        self, name: str, edit: Edit, where: str, message: str
    ) -> None:
        doc = as_json(sample_program_with_fieldwork())
        edit(doc["program"])
        with reader(name):
            err = _error(doc)
        assert any(p.startswith(f"{where}: ") and message in p for p in err.problems), err

    def test_a_refused_document_writes_nothing(self, tmp_path: Path) -> None:
        # A plan set straight on the attribute (past the API's checks) for a milestone the
        # cluster had already reached: the program no longer fits, and save leaves the file.
        path = tmp_path / "program.json"
        program = sample_program_with_fieldwork()
        klaster.save(program, path)
        before = path.read_bytes()
        late = klaster.Plan(
            "growth", dt.date(2011, 4, 1), recorded_on=dt.date(2012, 1, 1), cluster_id="bantaeng"
        )
        program.fieldwork.plans = (late, *program.fieldwork.plans)
        with pytest.raises(KlasterError, match=r"fieldwork\.plans\[0\]\.milestone"):
            klaster.save(program, path)
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == ["program.json"]


def _override() -> klaster.Override:
    return klaster.Override(reason="test", approved_by="DD")
