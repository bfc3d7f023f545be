"""Ranking rules from TOML: the bundled example, and every bad key located."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.targeting.location_builders import worked_candidates

from klaster import DocumentError
from klaster.catalogue import Direction, Operator
from klaster.model import StatKind
from klaster.targeting import load_rule, parse_rule, rank, read_regions_csv

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"

GOOD = """
ranking_version = 1
name = "worked example"
level = "kecamatan"
select = 2

[[weights]]
indicator = "poverty_rate"
weight = 0.6

[[weights]]
indicator = "distance_market"
weight = 0.4
direction = "lower"

[[thresholds]]
indicator = "poverty_rate"
operator = ">="
value = 15
"""


def problems(text: str, *, candidates: bool = True) -> tuple[str, ...]:
    with pytest.raises(DocumentError) as exc:
        parse_rule(text, candidates=worked_candidates() if candidates else None)
    return exc.value.problems


def test_the_bundled_rule_selects_the_reports_kecamatan() -> None:
    candidates = read_regions_csv(DATA / "bantaeng_regions.csv")
    rule = load_rule(DATA / "bantaeng_ranking.toml", candidates)
    assert rule.stat_kind is StatKind.TARGETING_PEOPLE
    assert [w.weight for w in rule.weights] == [Decimal("0.4"), Decimal("0.4"), Decimal("0.2")]
    # Bantaeng, Bissappu and Pajukukang: the three kecamatan of the 2014 report.
    assert sorted(rank(candidates, rule).selected) == ["73.03.01", "73.03.02", "73.03.05"]


def test_a_good_rule_reads_exactly() -> None:
    rule = parse_rule(GOOD, candidates=worked_candidates())
    assert rule.weights[0].weight == Decimal("0.6")  # a Decimal, never the float 0.6
    assert rule.weights[1].direction is Direction.LOWER
    assert rule.thresholds[0].operator is Operator.GE
    assert rule.thresholds[0].value == 15


def test_weights_that_do_not_add_up_are_located() -> None:
    found = problems(GOOD.replace("weight = 0.4", "weight = 0.35"))
    assert found == (
        "rule.toml weights: the weights add up to 0.95 (0.6 + 0.35), not 1; make them add up "
        "to exactly 1",
    )


def test_an_unknown_indicator_with_did_you_mean() -> None:
    (found,) = problems(GOOD.replace('"distance_market"', '"distance_markt"'))
    assert found == (
        "rule.toml weights[1].indicator: unknown indicator 'distance_markt' (did you mean "
        "'distance_market'?); the candidates have: distance_market, poverty_rate"
    )


def test_without_candidates_only_the_shape_is_checked() -> None:
    rule = parse_rule(GOOD.replace('"distance_market"', '"distance_markt"'))
    assert rule.weights[1].indicator == "distance_markt"


def test_an_exclusion_of_no_candidate() -> None:
    text = GOOD + '[[exclusions]]\ncode = "73.03.09"\nreason = "x"\n'
    (found,) = problems(text)
    assert found.startswith(
        "rule.toml exclusions[0].code: '73.03.09' is not a kecamatan among the candidates"
    )


@pytest.mark.parametrize(
    ("change", "located"),
    [
        (("ranking_version = 1", ""), "rule.toml ranking_version: must be 1, got None; add "),
        (("ranking_version = 1", "ranking_version = 2"), "rule.toml ranking_version: must be 1"),
        (("select = 2", "selekt = 2"), "rule.toml selekt: unknown key (did you mean 'select'?)"),
        (("select = 2", ""), "rule.toml select: is missing"),
        (("select = 2", "select = 2.5"), "rule.toml select: must be a whole number"),
        (("select = 2", "select = 0"), "rule.toml select: must be at least 1"),
        (('level = "kecamatan"', 'level = "village"'), "rule.toml level: invalid value"),
        (("weight = 0.6", 'weight = "0.6"'), "rule.toml weights[0].weight: write the number"),
        (("weight = 0.6", "weight = 0.6\nwieght = 1"), "rule.toml weights[0].wieght: unknown"),
        (('direction = "lower"', 'direction = "down"'), "rule.toml weights[1].direction:"),
        (('operator = ">="', 'operator = "=>"'), "rule.toml thresholds[0].operator:"),
        (("value = 15", ""), "rule.toml thresholds[0].value: is missing"),
        (("[[thresholds]]", "[thresholds]"), "rule.toml thresholds: must be an array of tables"),
    ],
)
def test_bad_keys_are_located(change: tuple[str, str], located: str) -> None:
    found = problems(GOOD.replace(*change), candidates=False)
    assert any(p.startswith(located) for p in found), found


def test_every_problem_at_once() -> None:
    text = GOOD.replace("select = 2", "selekt = 2").replace("weight = 0.4", "weight = 0.5")
    found = problems(text.replace('operator = ">="', 'operator = "=>"'), candidates=False)
    assert len(found) == 3, found


def test_not_toml_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not a valid TOML file"):
        parse_rule("ranking_version = ")
    with pytest.raises(DocumentError, match="cannot read the file"):
        load_rule(tmp_path / "missing.toml")
    (tmp_path / "big.toml").write_bytes(b"#" * (2 << 20))
    with pytest.raises(DocumentError, match="larger than 1 MB"):
        load_rule(tmp_path / "big.toml")
