"""Results frameworks in program documents: round trips, left out when empty, located errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.documents.builders import READERS, as_json, reader
from tests.model.results_builders import frameworks, lebak_like

import klaster
from klaster import DocumentError, Program
from klaster.testing.samples import sample_program


def with_framework() -> Program:
    program = sample_program()
    program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="lokakarya awal")
    program.revise_framework(lebak_like()[:1], recorded_on="2012-06-01", reason="tinjauan")
    return program


def refused(doc: dict[str, Any], name: str) -> list[str]:
    with reader(name), pytest.raises(DocumentError) as exc:
        klaster.loads(json.dumps(doc))
    return list(exc.value.problems)


def first_targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = doc["program"]["results"]["versions"][0]["results"][0][
        "indicators"
    ][0]["targets"]
    return found


@pytest.mark.parametrize("name", READERS)
def test_round_trip_and_shape(name: str) -> None:
    program = with_framework()
    doc = as_json(program)
    with reader(name):
        assert klaster.loads(klaster.dumps(program)) == program
    assert [v["version"] for v in doc["program"]["results"]["versions"]] == [1, 2]
    assert first_targets(doc)[:2] == [
        {"value": "50", "round_key": "endline"},
        {"value": "40", "round_key": "endline", "by": {"sex": "female"}, "cluster_id": "bantaeng"},
    ]
    assert "results" not in as_json(sample_program())["program"]  # left out when empty


@pytest.mark.parametrize("name", READERS)
def test_a_float_value_is_refused(name: str) -> None:
    doc = as_json(with_framework())
    first_targets(doc)[2]["value"] = 20.5
    (problem,) = refused(doc, name)
    assert problem.startswith(
        "program.results.versions[0].results[0].indicators[0].targets[2].value: must be a "
        "decimal number written as a string"
    )


@pytest.mark.parametrize("name", READERS)
def test_a_period_outside_the_program_is_refused(name: str) -> None:
    doc = as_json(with_framework())
    doc["program"]["results"]["versions"][1]["results"][0]["indicators"][0]["targets"][2][
        "start"
    ] = "2009-01-01"
    (problem,) = refused(doc, name)
    assert problem.startswith(
        "program.results.versions[1].results[0].indicators[0].targets[2].start: a period "
        "outside the program"
    )


@pytest.mark.parametrize("name", READERS)
def test_unknown_parent_and_bad_disaggregation_are_refused(name: str) -> None:
    doc = as_json(with_framework())
    doc["program"]["results"]["versions"][0]["results"][1]["parent_id"] = "oc9"
    (problem,) = refused(doc, name)
    assert problem.startswith("program.results.versions[0].results[1].parent_id: unknown parent")
    doc = as_json(with_framework())
    first_targets(doc)[1]["by"] = {"sex": 1}
    (problem,) = refused(doc, name)
    assert problem.startswith(
        "program.results.versions[0].results[0].indicators[0].targets[1].by.sex: must be a string"
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_framework_round_trips(data: st.DataObject) -> None:
    program = sample_program()
    for day in (dt.date(2011, 1, 1), dt.date(2012, 1, 1)):
        program.revise_framework(data.draw(frameworks(program)), recorded_on=day, reason="r")
    assert klaster.loads(klaster.dumps(program)) == program
