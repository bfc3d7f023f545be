"""Eligibility criteria and scorecards as records: what they accept and refuse, located."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klaster.catalogue import (
    Band,
    EligibilityCriterion,
    LineRef,
    Membership,
    Operator,
    Scorecard,
    ScoreItem,
    Side,
)
from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.readiness import AllOf, KOfN

L = Label("x", "x")


def refused(**fields: object) -> ValidationError:
    base: dict[str, object] = {
        "code": "c",
        "label": L,
        "reads": "v",
        "operator": "<",
        "threshold": 5,
        "synthetic": True,
    }
    base.update(fields)
    with pytest.raises(ValidationError) as caught:
        EligibilityCriterion(**base)  # type: ignore[arg-type]
    return caught.value


class TestCriterion:
    def test_kinds_of_threshold(self) -> None:
        number = EligibilityCriterion("a", L, "v", "<=", "0.5", source="a publication")
        assert number.threshold == Decimal("0.5")
        assert number.operator is Operator.LE
        codes = EligibilityCriterion("b", L, "asnaf", "not in", ["fakir", "miskin"])
        assert codes.operator is Membership.NOT_IN
        assert codes.compare("amil") is True
        assert codes.compare("fakir") is False
        line = EligibilityCriterion("c", L, "v", "<", LineRef("had_kifayah", 2))
        assert line.compare(Decimal(5), Decimal(6)) is True

    def test_number_needs_a_source_or_synthetic(self) -> None:
        error = refused(synthetic=False)
        assert error.path == "source"
        assert "synthetic = true" in error.message

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"operator": "in"}, "threshold"),
            ({"threshold": ["a", "b"]}, "operator"),
            ({"threshold": []}, "threshold"),
            ({"threshold": ["a", "a"], "operator": "in"}, "threshold"),
            ({"threshold": True}, "operator"),
            ({"threshold": "goat", "operator": "=="}, None),
            ({"threshold": LineRef("poverty_line")}, "per_capita"),
            ({"threshold": "goat", "operator": "==", "per_capita": True}, "per_capita"),
            ({"weight": -1}, "weight"),
            ({"operator": "=<"}, "operator"),
            ({"code": "Bad code"}, "code"),
            ({"sector": "Bad"}, "sector"),
            ({"threshold": 1.5}, "threshold"),
        ],
    )
    def test_refused(self, fields: dict[str, object], path: str | None) -> None:
        if path is None:
            EligibilityCriterion("c", L, "v", **fields)  # type: ignore[arg-type]
            return
        assert refused(**fields).path == path

    def test_line_multiple_must_be_positive(self) -> None:
        with pytest.raises(ValidationError) as caught:
            LineRef("poverty_line", 0)
        assert caught.value.path == "multiple"
        with pytest.raises(ValidationError):
            LineRef("a_line")


class TestScorecard:
    def test_points_and_bands(self) -> None:
        floor = ScoreItem("f", L, "house_floor", points={"earth": 2, "bamboo": 1})
        assert floor.score("earth") == 2
        assert floor.score("tile") == 0
        space = ScoreItem("s", L, "has_animal_space", points={True: 1})
        assert space.score(True) == 1
        assert space.score(False) == 0
        land = ScoreItem("l", L, "land_area", bands=[Band(2, below="0.5"), Band(1, "0.5", 1)])
        assert [land.score(Decimal(x)) for x in ("0.2", "0.5", "1")] == [2, 1, 0]
        card = Scorecard("c", L, [floor, land], 3, eligible="at_most", synthetic=True)
        assert card.operator is Operator.LE
        assert card.is_met(Decimal(3))
        assert Side.AT_LEAST.operator is Operator.GE

    @pytest.mark.parametrize(
        ("build", "path"),
        [
            (lambda: ScoreItem("f", L, "v"), "points"),
            (lambda: ScoreItem("f", L, "v", points={"a": 1}, bands=[Band(1, below=1)]), "points"),
            (lambda: ScoreItem("f", L, "v", points={"a": 1}, per_capita=True), "per_capita"),
            (lambda: ScoreItem("f", L, "v", bands=[Band(1, below=2), Band(1, 1, 3)]), "bands"),
            (lambda: ScoreItem("f", L, "v", points={"A b": 1}), "points.a b"),
            (lambda: Band(1), "at_least"),
            (lambda: Band(1, 2, 1), "below"),
            (lambda: Scorecard("c", L, [], 1, synthetic=True), "items"),
            (lambda: Scorecard("c", L, [ScoreItem("f", L, "v", points={"a": 1})], 1), "source"),
            (
                lambda: Scorecard(
                    "c", L, [ScoreItem("f", L, "v", points={"a": 1})] * 2, 1, synthetic=True
                ),
                "items[1]",
            ),
        ],
    )
    def test_refused(self, build: object, path: str) -> None:
        with pytest.raises(ValidationError) as caught:
            build()  # type: ignore[operator]
        assert caught.value.path == path


class TestReadinessForms:
    def test_the_readiness_rules_take_eligibility_items(self) -> None:
        item = EligibilityCriterion("a", L, "v", "==", True)
        card = Scorecard("c", L, [ScoreItem("f", L, "v", points={"a": 1})], 1, synthetic=True)
        assert AllOf([item, card]).criteria == (item, card)
        assert KOfN(1, [item]).k == 1

    def test_anything_else_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            AllOf(["not a criterion"])  # type: ignore[list-item]
        assert caught.value.path == "criteria[0]"
