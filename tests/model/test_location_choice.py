"""A recorded choice of locations: its checks, and the program's append-only list of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.targeting.location_builders import worked_candidates, worked_rule

from klaster import DuplicateIdError, InvalidReferenceError, ValidationError
from klaster.model import ChoiceWeight, LocationChoice, RankedRegion, ScorePart
from klaster.targeting import rank
from klaster.testing.samples import sample_program


def choice(**changes: object) -> LocationChoice:
    """The worked example's ranking as a recorded choice."""
    made = rank(worked_candidates(), worked_rule()).as_choice(
        "btg-2010", dt.date(2010, 9, 1), "program office"
    )
    values = {
        name: getattr(made, name)
        for name in (
            "id",
            "level",
            "decided_on",
            "decided_by",
            "rule",
            "chosen",
            "weights",
            "evidence",
            "sources",
            "note",
        )
    }
    return LocationChoice(**{**values, **changes})


class TestChoice:
    def test_built_from_a_ranking(self) -> None:
        made = choice()
        assert made.chosen == ("73.03.03", "73.03.01")
        assert made.level.value == "kecamatan"
        assert made.weights == (
            ChoiceWeight("poverty_rate", "0.6"),
            ChoiceWeight("distance_market", "0.4", higher_is_better=False),
        )
        assert [row.code for row in made.evidence][:3] == ["73.03.03", "73.03.01", "73.03.02"]
        assert made.sources == ("synthetic example",)
        assert "min-max normalised over the ranked candidates" in made.rule
        assert "cut-offs poverty_rate >= 15" in made.rule

    def test_a_chosen_code_of_another_level(self) -> None:
        with pytest.raises(InvalidReferenceError) as exc:
            choice(chosen=["73.03.03", "73.03"])
        assert exc.value.path == "chosen[1]"
        assert "'73.03' is a kabupaten code, not a kecamatan" in str(exc.value)

    def test_a_chosen_code_that_was_no_candidate(self) -> None:
        with pytest.raises(InvalidReferenceError, match="not among the candidates") as exc:
            choice(chosen=["73.03.08"])
        assert exc.value.path == "chosen[0]"

    def test_chosen_against_the_ranking_is_allowed_but_recorded(self) -> None:
        # A decision may differ from the ranking (the evidence shows by how much).
        assert choice(chosen=["73.03.02"]).chosen == ("73.03.02",)

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"chosen": []}, "chosen"),
            ({"chosen": "73.03.03"}, "chosen"),
            ({"chosen": ["73.03.03", "73.03.03"]}, "chosen[1]"),
            ({"weights": [ChoiceWeight("poverty_rate", "0.5")]}, "weights"),
            ({"decided_by": " "}, "decided_by"),
            ({"decided_on": "2010-13-01"}, "decided_on"),
            ({"level": "kota"}, "level"),
        ],
    )
    def test_bad_choices_are_located(self, changes: dict[str, object], path: str) -> None:
        with pytest.raises(ValidationError) as exc:
            choice(**changes)
        assert exc.value.path == path

    def test_evidence_rows_are_checked(self) -> None:
        with pytest.raises(ValidationError, match="a selected region has a total and a rank"):
            RankedRegion("73.03.01", "Bissappu", "selected", "rank 1")
        with pytest.raises(ValidationError, match="is not ranked: leave total and rank out"):
            RankedRegion("73.03.01", "Bissappu", "excluded", "x", total="0.5", rank=1)
        with pytest.raises(ValidationError, match="between 0 and 1"):
            ScorePart("poverty_rate", "30", normalised="1.2")
        row = RankedRegion("73.03.01", "Bissappu", "excluded", "x")
        with pytest.raises(ValidationError) as exc:
            choice(evidence=[row, row], chosen=["73.03.01"])
        assert exc.value.path == "evidence[1].code"
        desa = RankedRegion("73.03.01.2001", "Desa", "excluded", "x")
        with pytest.raises(InvalidReferenceError) as exc:
            choice(evidence=[desa], chosen=["73.03.01"])
        assert exc.value.path == "evidence[0].code"

    def test_a_choice_by_hand(self) -> None:
        made = LocationChoice("c", "kabupaten", "2010-09-01", "board", "by hand", ["73.03"])
        assert (made.evidence, made.weights) == ((), ())


class TestProgram:
    def test_choose_locations_appends(self) -> None:
        program = sample_program()
        first = program.choose_locations(choice())
        second = program.choose_locations(choice(id="btg-2011", chosen=["73.03.02"]))
        assert list(program.locations) == [first, second]
        assert program.locations["btg-2010"].evidence[0].total == Decimal("0.6")

    def test_a_second_choice_with_the_same_id_changes_nothing(self) -> None:
        program = sample_program()
        program.choose_locations(choice())
        with pytest.raises(DuplicateIdError) as exc:
            program.choose_locations(choice(chosen=["73.03.02"]))
        assert exc.value.path == "locations[1].id"
        assert [c.chosen for c in program.locations] == [("73.03.03", "73.03.01")]

    def test_only_choices(self) -> None:
        program = sample_program()
        with pytest.raises(ValidationError) as exc:
            program.choose_locations("73.03.01")  # type: ignore[arg-type]
        assert exc.value.path == "locations[0]"
        assert len(program.locations) == 0
