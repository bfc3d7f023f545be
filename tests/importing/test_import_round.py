"""One mapping for several rounds: a mapping may leave its round open, given when importing."""

from __future__ import annotations

import datetime as dt

import pytest

from klaster import Program
from klaster.errors import ImportDataError
from klaster.importing import RoundDeclaration, parse_mapping, read_submissions
from klaster.observations.rounds import RoundKind
from klaster.observations.values import Observations

from .conftest import SURVEY, Kobo

_ROUND = SURVEY[SURVEY.index("[round]") : SURVEY.index("[variables")]
OPEN = SURVEY.replace(_ROUND, "")


def _round(round_id: str, on: dt.date) -> RoundDeclaration:
    return RoundDeclaration(round_id, RoundKind.MONITORING, on, "bantaeng")


class TestRoundGivenOnImport:
    def test_a_mapping_may_leave_its_round_open(self) -> None:
        mapping = parse_mapping(OPEN, name="open.toml")
        assert mapping.round is None

    def test_one_mapping_serves_two_rounds(
        self, kobo: Kobo, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(OPEN, name="open.toml")
        path = kobo.csv(kobo.members(3))
        for round_id, on in (
            ("btg-mon-a", dt.date(2015, 3, 2)),
            ("btg-mon-b", dt.date(2015, 9, 1)),
        ):
            batch = read_submissions(
                path,
                mapping,
                program=program,
                observations=observations,
                round=_round(round_id, on),
            )
            assert [b.round_id for b in batch.blocks] == [round_id]
            assert [r.id for r in batch.rounds] == [round_id]

    def test_a_held_round_by_its_id(
        self, kobo: Kobo, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(OPEN, name="open.toml")
        batch = read_submissions(
            kobo.csv(kobo.members(2)),
            mapping,
            program=program,
            observations=observations,
            round="btg-endline",
        )
        assert batch.blocks[0].round_id == "btg-endline"
        assert batch.rounds == ()

    def test_the_round_given_replaces_the_mappings(
        self, kobo: Kobo, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(SURVEY, name="survey.toml")
        batch = read_submissions(
            kobo.csv(kobo.members(2)),
            mapping,
            program=program,
            observations=observations,
            round=_round("btg-mon-c", dt.date(2015, 6, 1)),
        )
        assert batch.blocks[0].round_id == "btg-mon-c"

    def test_no_round_at_all_is_located(
        self, kobo: Kobo, program: Program, observations: Observations
    ) -> None:
        mapping = parse_mapping(OPEN, name="open.toml")
        path = kobo.csv(kobo.members(1))
        with pytest.raises(ImportDataError, match=r"^open.toml round: the mapping leaves"):
            read_submissions(path, mapping, program=program, observations=observations)
        with pytest.raises(ImportDataError, match="neither held"):
            read_submissions(
                path, mapping, program=program, observations=observations, round="btg-midline"
            )
        with pytest.raises(ImportDataError, match="round ID is empty"):
            read_submissions(path, mapping, program=program, observations=observations, round=" ")
        column = parse_mapping(OPEN + "[cluster]\ncolumn = 'hh/klaster'\n", name="c.toml")
        with pytest.raises(ImportDataError) as caught:
            read_submissions(
                path, column, program=program, observations=observations, round="btg-endline"
            )
        assert "put {cluster} in round.id" in caught.value.problems[0]

    def test_only_for_surveys(self, program: Program, observations: Observations) -> None:
        registration = parse_mapping(
            'mapping_version = 1\nform = "registration"\n[cluster]\nid = "bantaeng"\n'
            "[fields]\nid='a'\nname='b'\nsex='c'\nhousehold_size='d'\nvillage='e'\n"
            "sector='f'\njoined='g'\n"
        )
        with pytest.raises(ImportDataError, match="round is for survey forms"):
            read_submissions(
                "x.csv", registration, program=program, observations=observations, round="r"
            )
