"""The eligibility rules file: versioned TOML, strict keys, every problem located."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.targeting.screening_builders import RULES_TOML, applicants

from klaster.catalogue import LineRef, Membership
from klaster.errors import DocumentError, ValidationError
from klaster.targeting import EligibilityRules, Form, load_rules, read_rules, screen

HEAD = 'version = 1\nform = "all_of"\n'
POOR = """
[[criteria]]
code = "poor"
label = { id = "Miskin", en = "Poor" }
reads = "monthly_income"
per_capita = true
operator = "<="
line = "poverty_line"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        read_rules(text)
    return list(caught.value.problems)


class TestReading:
    def test_the_worked_example(self) -> None:
        rules = read_rules(RULES_TOML)
        assert rules.form is Form.ESSENTIAL_PLUS_CONDITIONAL
        poor, asnaf, farm = rules.criteria
        assert poor.threshold == LineRef("poverty_line")
        assert poor.per_capita
        assert poor.essential
        assert asnaf.operator is Membership.IN
        assert asnaf.threshold == ("fakir", "miskin", "gharim")
        assert farm.threshold == Decimal("0.5")
        assert farm.source
        assert rules.scorecards[0].items[0].points == (
            ("earth", Decimal(2)),
            ("bamboo", Decimal(1)),
        )

    def test_load_from_file(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.toml"
        path.write_text(RULES_TOML, encoding="utf-8")
        assert load_rules(path) == read_rules(RULES_TOML)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the rules file"):
            load_rules(tmp_path / "none.toml")


class TestBadRules:
    def test_unknown_variable_with_did_you_mean(self) -> None:
        text = (
            HEAD
            + POOR
            + POOR.replace('"poor"', '"poor2"').replace("monthly_income", "monthly_incom")
        )
        assert problems(text) == [
            "rules.toml: criteria[1].reads: unknown screening variable 'monthly_incom' "
            "(did you mean 'monthly_income'?)"
        ]

    def test_every_problem_at_once(self) -> None:
        text = RULES_TOML.replace('reads = "asnaf"', 'reads = "asnap"').replace(
            'source = "BPS', 'sourse = "BPS'
        )
        assert [p.split(":")[1] for p in problems(text)] == [
            " criteria[2].sourse",
            " criteria[1].reads",
        ]

    def test_category_compared_with_a_number(self) -> None:
        text = HEAD + POOR.replace("monthly_income", "asnaf")
        (problem,) = problems(text)
        assert problem.startswith("rules.toml: criteria[0].threshold: 'asnaf' is category data")

    def test_category_not_among_the_variable_s(self) -> None:
        text = HEAD + POOR.replace(
            'per_capita = true\noperator = "<="\nline = "poverty_line"',
            'operator = "in"\nthreshold = ["fakir", "rich"]',
        ).replace("monthly_income", "asnaf")
        (problem,) = problems(text)
        assert "criteria[0].threshold: rich not categories of 'asnaf'" in problem

    def test_number_without_source(self) -> None:
        text = HEAD + POOR.replace('line = "poverty_line"', "threshold = 500000")
        (problem,) = problems(text)
        assert problem.startswith("rules.toml: criteria[0].source: a numeric threshold needs")

    def test_synthetic_number_is_accepted(self) -> None:
        text = HEAD + POOR.replace('line = "poverty_line"', "threshold = 500000\nsynthetic = true")
        assert read_rules(text).criteria[0].synthetic

    def test_unknown_key_and_missing_ones(self) -> None:
        text = HEAD + POOR.replace('reads = "monthly_income"\n', "treshold = 1\n")
        assert problems(text) == [
            "rules.toml: criteria[0].treshold: unknown key (keys: code, description, essential, "
            "label, line, multiple, operator, per_capita, reads, sector, source, synthetic, "
            "threshold, weight)",
            "rules.toml: criteria[0].reads: required",
        ]

    def test_score_out_of_range(self) -> None:
        text = 'version = 1\nform = "weighted"\nscore = 1.5\n' + POOR
        assert problems(text) == ["rules.toml: score: must be between 0 and 1, got 1.5"]

    def test_k_larger_than_the_criteria(self) -> None:
        text = 'version = 1\nform = "k_of_n"\nk = 3\n' + POOR
        assert problems(text) == ["rules.toml: k: k = 3 but only 1 criteria are listed"]

    def test_weights_that_add_to_nothing(self) -> None:
        text = 'version = 1\nform = "weighted"\nscore = 0.5\n' + POOR + "weight = 0\n"
        assert problems(text) == ["rules.toml: criteria: the weights add up to 0; give some weight"]

    def test_negative_weight(self) -> None:
        (problem,) = problems(HEAD + POOR + "weight = -1\n")
        assert problem == "rules.toml: criteria[0].weight: must be 0 or more, got -1"

    def test_wrong_version(self) -> None:
        assert problems('version = 2\nform = "all_of"\n' + POOR) == [
            "rules.toml: version: must be 1 (this klaster reads version 1), got 2"
        ]

    def test_k_for_another_form(self) -> None:
        assert problems(HEAD + "k = 1\n" + POOR) == [
            "rules.toml: k: k is for the k_of_n form, not all_of"
        ]

    def test_bad_operator(self) -> None:
        (problem,) = problems(HEAD + POOR.replace('"<="', '"=<"'))
        assert problem.startswith("rules.toml: criteria[0].operator: unknown operator '=<'")

    def test_line_on_a_household_value(self) -> None:
        (problem,) = problems(HEAD + POOR.replace("per_capita = true\n", ""))
        assert problem.startswith("rules.toml: criteria[0].per_capita: the BPS poverty line is per")

    def test_scorecard_problems_are_located(self) -> None:
        text = RULES_TOML.replace("points = { thatch = 1 }", "points = { straw = 1 }")
        (problem,) = problems(text)
        assert problem.startswith("rules.toml: scorecards[0].items[2].points: 'straw' is not a")

    def test_overlapping_bands(self) -> None:
        text = RULES_TOML.replace(
            "points = { thatch = 1 }",
            "bands = [{ points = 1, below = 2 }, { points = 2, at_least = 1 }]",
        )
        (problem,) = problems(text)
        assert "scorecards[0].items[2]" in problem

    def test_malformed_toml(self) -> None:
        with pytest.raises(DocumentError, match="malformed TOML"):
            read_rules("version = ")

    def test_duplicate_codes(self) -> None:
        (problem,) = problems(HEAD + POOR + POOR)
        assert problem == "rules.toml: criteria[1].code: code 'poor' is already used by criteria[0]"


class TestApiRules:
    def test_rules_built_in_code_are_checked_when_screening(self) -> None:
        from klaster.catalogue import EligibilityCriterion
        from klaster.label import Label

        bad = EligibilityCriterion("x", Label("x", "x"), "incomee", "<", 5, synthetic=True)
        with pytest.raises(ValidationError) as caught:
            screen(EligibilityRules("all_of", [bad]), applicants())
        assert "rules.criteria[0].reads: unknown screening variable 'incomee'" in str(caught.value)
        assert caught.value.path == "rules"
