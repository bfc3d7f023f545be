"""Program documents with an intake (schema 3): round trips and located, private errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.documents.builders import READERS, as_json, reader
from tests.model.intake_builders import SECRETS, D, applicant, intake_program

import klaster
from klaster import DocumentError, KlasterError, Program
from klaster.testing import strategies as kst

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(params=READERS)
def each_reader(request: pytest.FixtureRequest) -> Iterator[None]:
    with reader(request.param):
        yield


def enrolled() -> Program:
    p = intake_program(capacity=1)
    p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
    return p


def _error(doc: object) -> DocumentError:
    with pytest.raises(KlasterError) as exc:
        klaster.loads(json.dumps(doc))
    assert type(exc.value) is DocumentError, f"{type(exc.value).__name__}: {exc.value}"
    for secret in SECRETS:
        assert secret not in str(exc.value)
    return exc.value


class TestFormat:
    def test_empty_intake_capacity_and_link_are_left_out(self) -> None:
        written = as_json(klaster.testing.samples.sample_program())["program"]
        assert "intake" not in written
        group = written["clusters"][0]["groups"][0]
        assert "capacity" not in group
        assert all("application_id" not in m for m in written["clusters"][0]["members"])

    def test_answers_are_typed(self) -> None:
        p = intake_program()
        p.intake.add_applicant(
            applicant(
                "A-9",
                answers={"income": Decimal("1.50"), "space": False, "asnaf": "gharim",
                         "seen": dt.date(2011, 2, 3)},
            )
        )  # fmt: skip
        written = as_json(p)["program"]["intake"]["applicants"][4]["answers"]
        assert written == {
            "asnaf": {"text": "gharim"},
            "income": {"number": "1.50"},
            "seen": {"date": "2011-02-03"},
            "space": {"bool": False},
        }
        assert klaster.loads(klaster.dumps(p)) == p

    def test_an_enrolment_round_trips(self, each_reader: None) -> None:
        p = enrolled()
        doc = as_json(p)["program"]
        assert doc["clusters"][0]["members"][0]["application_id"] == "A-1"
        assert doc["clusters"][0]["groups"][0]["capacity"] == 1
        assert doc["intake"]["decisions"][-1] == {
            "applicant_id": "A-1", "status": "enrolled", "on": "2011-04-01",
            "member_id": "M-1", "group_id": "G-1",
        }  # fmt: skip
        assert klaster.loads(klaster.dumps(p)) == p

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(kst.programs_with_intake())
    def test_round_trip(self, program: Program) -> None:
        text = klaster.dumps(program)
        assert klaster.loads(text) == program
        assert klaster.dumps(klaster.loads(text)) == text


def _decisions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = doc["program"]["intake"]["decisions"]
    return found


def _enrol_twice(doc: dict[str, Any]) -> None:
    again = copy.deepcopy(_decisions(doc)[-1])
    again["member_id"] = "M-2"
    _decisions(doc).append(again)


def _overfill(doc: dict[str, Any]) -> None:
    cluster = doc["program"]["clusters"][0]
    extra = copy.deepcopy(cluster["members"][0])
    extra["id"] = "M-2"
    del extra["application_id"]
    cluster["members"].append(extra)
    cluster["groups"][0]["memberships"].append({"member_id": "M-2", "joined": "2011-05-01"})


def _enrol_not_eligible(doc: dict[str, Any]) -> None:
    decision = copy.deepcopy(_decisions(doc)[-1])
    decision.update(applicant_id="A-2", member_id="M-2")
    del decision["group_id"]
    _decisions(doc).append(decision)


def _answer(value: object) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["program"]["intake"]["applicants"][0]["answers"]["income"] = value

    return edit


def _field(name: str, value: object, index: int = 0) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["program"]["intake"]["applicants"][index][name] = value

    return edit


def _link(value: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["program"]["clusters"][0]["members"][0]["application_id"] = value

    return edit


def _unenrolled_link(doc: dict[str, Any]) -> None:
    members = doc["program"]["clusters"][0]["members"]
    members.append({**members[0], "id": "M-3", "application_id": "A-3"})


class TestErrors:
    @pytest.mark.parametrize(
        ("edit", "where", "fragment"),
        [
            (_enrol_twice, "intake.decisions[4].status", "already enrolled"),
            (_overfill, "clusters[0].groups[0].memberships[1]", "capacity of 1"),
            (_enrol_not_eligible, "intake.decisions[4].override", "not eligible"),
            (
                _answer({"number": 873456.5}),
                "intake.applicants[0].answers.income.number",
                "cannot be",
            ),
            (_answer({"number": "lots"}), "intake.applicants[0].answers.income", "decimal"),
            (_answer({"amount": "1"}), "intake.applicants[0].answers.income", "unknown kind"),
            (_answer("873456"), "intake.applicants[0].answers.income", "one key"),
            (_field("village", "Bacem"), "intake.applicants[0].village", "not a desa"),
            (_field("sector", "farming"), "intake.applicants[0].sector", "unknown sector"),
            (_field("national_id", "123"), "intake.applicants[0].national_id", "16 digits"),
            (_link("A-3"), "intake.decisions[3].member_id", "does not link back"),
            (_unenrolled_link, "clusters[0].members[1].application_id", "no enrolment"),
        ],
    )
    def test_located_and_private(
        self, edit: Edit, where: str, fragment: str, each_reader: None
    ) -> None:
        doc = as_json(enrolled())
        edit(doc)
        err = _error(doc)
        assert f"{where}: " in str(err), str(err)
        assert fragment in str(err)
