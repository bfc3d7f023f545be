"""Choices of locations in program documents: round trips, left out when empty, located errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from tests.documents.builders import READERS, as_json, reader
from tests.targeting.location_builders import candidate_sets, rules, worked_candidates, worked_rule

import klaster
from klaster import DocumentError, Program
from klaster.model import LocationDecision
from klaster.targeting import CandidateRegion, RankingRule, rank
from klaster.testing.samples import sample_program


def with_choice() -> Program:
    program = sample_program()
    table = rank(worked_candidates(), worked_rule())
    program.choose_locations(table.as_choice("btg-2010", dt.date(2010, 9, 1), "program office"))
    return program


def refused(doc: dict[str, Any], name: str) -> list[str]:
    with reader(name), pytest.raises(DocumentError) as exc:
        klaster.loads(json.dumps(doc))
    return list(exc.value.problems)


@pytest.mark.parametrize("name", READERS)
def test_round_trip_and_shape(name: str) -> None:
    program = with_choice()
    with reader(name):
        assert klaster.loads(klaster.dumps(program)) == program
    (choice,) = as_json(program)["program"]["locations"]
    assert choice["chosen"] == ["73.03.03", "73.03.01"]
    assert choice["evidence"][1]["parts"][0] == {
        "indicator": "poverty_rate",
        "value": "29",
        "weight": "0.6",
        "normalised": "0.600000",
        "points": "0.3600000",
        "year": 2010,
        "source": "synthetic example",
        "synthetic": True,
    }
    assert choice["evidence"][1]["total"] == "0.5600000"
    assert "locations" not in as_json(sample_program())["program"]  # left out when empty


@pytest.mark.parametrize("name", READERS)
def test_a_chosen_code_of_another_level_is_located(name: str) -> None:
    doc = as_json(with_choice())
    doc["program"]["locations"][0]["chosen"][1] = "73.03"
    (problem,) = refused(doc, name)
    assert problem.startswith(
        "program.locations[0].chosen[1]: '73.03' is a kabupaten code, not a kecamatan"
    )


@pytest.mark.parametrize("name", READERS)
def test_bad_evidence_is_located(name: str) -> None:
    doc = as_json(with_choice())
    doc["program"]["locations"][0]["evidence"][0]["parts"][0]["points"] = 0.6
    (problem,) = refused(doc, name)
    assert problem.startswith(
        "program.locations[0].evidence[0].parts[0].points: must be a decimal number written as "
        "a string"
    )
    doc = as_json(with_choice())
    doc["program"]["locations"][0]["evidence"][0]["decision"] = "chosen"
    (problem,) = refused(doc, name)
    assert problem.startswith("program.locations[0].evidence[0].decision: invalid value 'chosen'")


@pytest.mark.parametrize("name", READERS)
def test_a_choice_recorded_twice_is_refused(name: str) -> None:
    doc = as_json(with_choice())
    doc["program"]["locations"].append(doc["program"]["locations"][0])
    (problem,) = refused(doc, name)
    assert problem.startswith("program.locations[1].id: duplicate ID 'btg-2010'")


@settings(max_examples=40, deadline=None)
@given(candidates=candidate_sets(), rule=rules())
def test_any_choice_round_trips(candidates: list[CandidateRegion], rule: RankingRule) -> None:
    table = rank(candidates, rule)
    assume(any(row.decision is LocationDecision.SELECTED for row in table))
    program = sample_program()
    program.choose_locations(table.as_choice("c", dt.date(2010, 1, 1), "office", note="n"))
    assert klaster.loads(klaster.dumps(program)) == program
