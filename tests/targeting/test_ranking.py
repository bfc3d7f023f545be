"""Ranking candidate regions: the hand-computed worked example, the rules, the invariants."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.targeting.location_builders import (
    candidate_sets,
    kecamatan,
    rules,
    worked_candidates,
    worked_rule,
)

from klaster import ValidationError
from klaster.model import LocationDecision, RegionStat
from klaster.targeting import (
    CandidateRegion,
    Exclusion,
    RankingRule,
    RegionIndicator,
    Threshold,
    Weight,
    rank,
)

D = Decimal


class TestWorkedExample:
    """docs/targeting.md, "Choosing locations": the same numbers, computed by hand there."""

    def test_hand_computed_parts_totals_ranks_and_decisions(self) -> None:
        table = rank(worked_candidates(), worked_rule())
        found = {
            row.code: (
                [(p.indicator, p.value, p.normalised, p.points) for p in row.parts],
                row.total,
                row.rank,
                row.decision,
            )
            for row in table
        }
        # poverty: min 20, max 35 (range 15); distance, lower is better: min 2, max 18 (range 16)
        assert found["73.03.03"] == (  # Eremerasa: 35 → 1; 18 → 0; 0.6 × 1 + 0.4 × 0
            [("poverty_rate", D(35), D(1), D("0.6")), ("distance_market", D(18), D(0), D(0))],
            D("0.6"),
            1,
            LocationDecision.SELECTED,
        )
        assert found["73.03.01"] == (  # Bissappu: 9/15 = 0.6; 8/16 = 0.5; 0.36 + 0.2
            [
                ("poverty_rate", D(29), D("0.6"), D("0.36")),
                ("distance_market", D(10), D("0.5"), D("0.2")),
            ],
            D("0.56"),
            2,
            LocationDecision.SELECTED,
        )
        assert found["73.03.02"] == (  # Bantaeng: 0; 16/16 = 1; 0 + 0.4
            [("poverty_rate", D(20), D(0), D(0)), ("distance_market", D(2), D(1), D("0.4"))],
            D("0.4"),
            3,
            LocationDecision.NOT_SELECTED,
        )
        assert found["73.03.05"][1:] == (None, None, LocationDecision.BELOW_THRESHOLD)
        assert found["73.03.04"][1:] == (None, None, LocationDecision.NOT_RANKED)
        assert [row.code for row in table] == [
            "73.03.03",
            "73.03.01",
            "73.03.02",
            "73.03.04",
            "73.03.05",
        ]
        assert table.selected == ("73.03.03", "73.03.01")

    def test_reasons_in_words(self) -> None:
        table = rank(worked_candidates(), worked_rule())
        assert table.row("73.03.05").reason == (
            "poverty_rate 12 fails the cut-off >= 15 (synthetic cut-off)"
        )
        assert "no figure of distance_market" in table.row("73.03.04").reason
        assert table.row("73.03.01").reason == (
            "rank 2 of 3, total 0.56; within the 2 the rule selects"
        )
        assert "below the 2 the rule selects" in table.row("73.03.02").reason
        assert table.row("73.03.02").decision.label.id == "Tidak terpilih"

    def test_records_and_text(self) -> None:
        table = rank(worked_candidates(), worked_rule())
        first = table.to_records()[0]
        assert first["code"] == "73.03.03"
        assert first["decision_en"] == "Selected"
        assert first["poverty_rate_normalised"] == D(1)
        assert first["total"] == D("0.6")
        text = table.to_text()
        assert "Eremerasa" in text
        assert "Below threshold" in text
        assert "Di bawah ambang batas" in table.to_text("id")

    def test_frames(self) -> None:
        pytest.importorskip("polars")
        frame = rank(worked_candidates(), worked_rule()).to_polars()
        assert frame["total"].to_list()[:3] == [0.6, 0.56, 0.4]
        pandas = pytest.importorskip("pandas")
        table = rank(worked_candidates(), worked_rule()).to_pandas()
        assert isinstance(table, pandas.DataFrame)
        assert list(table["decision"])[:3] == ["selected", "selected", "not_selected"]


class TestRules:
    def test_normalised_values_are_rounded_half_even_to_six_places(self) -> None:
        regions = [
            kecamatan("73.03.01", "A", "20", "1"),
            kecamatan("73.03.02", "B", "25", "1"),
            kecamatan("73.03.03", "C", "35", "1"),
        ]
        rule = RankingRule("r", "kecamatan", [Weight("poverty_rate", 1)], 3)
        part = rank(regions, rule).row("73.03.02").part("poverty_rate")
        assert part is not None
        assert part.normalised == D("0.333333")

    def test_every_region_with_the_same_value_gets_one(self) -> None:
        regions = [kecamatan("73.03.01", "A", "20", "5"), kecamatan("73.03.02", "B", "30", "5")]
        rule = RankingRule(
            "r",
            "kecamatan",
            [Weight("poverty_rate", "0.5"), Weight("distance_market", "0.5", "lower")],
            1,
        )
        table = rank(regions, rule)
        assert [p.normalised for p in table.row("73.03.01").parts] == [D(0), D(1)]

    def test_ties_go_to_the_lower_code_whatever_the_order(self) -> None:
        regions = [
            kecamatan("73.03.05", "Pajukukang", "30", "5"),
            kecamatan("73.03.01", "Bissappu", "30", "5"),
            kecamatan("73.03.02", "Bantaeng", "10", "5"),
        ]
        rule = RankingRule("r", "kecamatan", [Weight("poverty_rate", 1)], 1)
        for order in (regions, regions[::-1]):
            table = rank(order, rule)
            assert table.selected == ("73.03.01",)
            assert table.row("73.03.05").rank == 2
            assert "tied on total with 73.03.01: ties go to the lower code" in (
                table.row("73.03.05").reason
            )

    def test_select_per_parent(self) -> None:
        regions = [
            kecamatan("73.03.01", "A", "40", "1"),
            kecamatan("73.03.02", "B", "30", "1"),
            kecamatan("73.04.01", "C", "20", "1", parent="73.04"),
            kecamatan("73.04.02", "D", "10", "1", parent="73.04"),
        ]
        rule = RankingRule("r", "kecamatan", [Weight("poverty_rate", 1)], 1, per_parent=True)
        table = rank(regions, rule)
        assert table.selected == ("73.03.01", "73.04.01")
        assert table.row("73.04.01").rank == 3
        assert "in its parent region" in table.row("73.04.01").reason

    def test_excluded_by_name_with_the_reason(self) -> None:
        rule = RankingRule(
            "r",
            "kecamatan",
            worked_rule().weights,
            2,
            exclusions=[Exclusion("73.03.03", "served by another program")],
        )
        table = rank(worked_candidates(), rule)
        row = table.row("73.03.03")
        assert (row.decision, row.rank, row.total) == (LocationDecision.EXCLUDED, None, None)
        assert row.reason == "excluded by the rule: served by another program"
        assert table.selected == ("73.03.02", "73.03.01")

    def test_other_levels_are_context_not_rows(self) -> None:
        kabupaten = CandidateRegion(
            "73.03",
            "Bantaeng",
            "kabupaten",
            "73",
            [RegionStat(2010, "seed report 003", "targeting_people", 176_708, 67_503, "38.20")],
        )
        table = rank([kabupaten, *worked_candidates()], worked_rule())
        assert "73.03" not in [row.code for row in table]

    def test_statistics_of_different_kinds_are_never_compared(self) -> None:
        regions = [
            kecamatan("73.03.01", "A", "20", "1"),
            kecamatan("73.03.02", "B", "30", "1", kind="targeting_people"),
        ]
        rule = RankingRule("r", "kecamatan", [Weight("poverty_rate", 1)], 1)
        with pytest.raises(ValidationError) as exc:
            rank(regions, rule)
        assert exc.value.path == "stat_kind"
        assert "bps_headcount, targeting_people" in str(exc.value)
        chosen = RankingRule(
            "r", "kecamatan", [Weight("poverty_rate", 1)], 1, stat_kind="targeting_people"
        )
        table = rank(regions, chosen)
        assert table.row("73.03.01").decision is LocationDecision.NOT_RANKED
        assert "poverty_rate (targeting_people)" in table.row("73.03.01").reason

    def test_the_latest_year_is_read(self) -> None:
        region = CandidateRegion(
            "73.03.01",
            "A",
            "kecamatan",
            stats=[
                RegionStat(2010, "s", "bps_headcount", poverty_rate="20"),
                RegionStat(2012, "t", "bps_headcount", poverty_rate="18"),
            ],
        )
        figure = region.figure("poverty_rate")
        assert figure is not None
        assert (figure.value, figure.year, figure.source) == (
            D(18),
            2012,
            "t",
        )


class TestBadInput:
    def test_unknown_indicator_with_did_you_mean(self) -> None:
        rule = RankingRule(
            "r", "kecamatan", [Weight("poverty_rate", "0.5"), Weight("distance_markt", "0.5")], 1
        )
        with pytest.raises(ValidationError) as exc:
            rank(worked_candidates(), rule)
        assert exc.value.path == "weights[1].indicator"
        assert "did you mean 'distance_market'?" in str(exc.value)

    def test_unknown_threshold_indicator(self) -> None:
        rule = RankingRule(
            "r",
            "kecamatan",
            [Weight("poverty_rate", 1)],
            1,
            thresholds=[Threshold("povrty_rate", ">=", 1)],
        )
        with pytest.raises(ValidationError, match="did you mean 'poverty_rate'") as exc:
            rank(worked_candidates(), rule)
        assert exc.value.path == "thresholds[0].indicator"

    def test_an_exclusion_of_no_candidate(self) -> None:
        rule = RankingRule(
            "r",
            "kecamatan",
            [Weight("poverty_rate", 1)],
            1,
            exclusions=[Exclusion("73.03.09", "x")],
        )
        with pytest.raises(ValidationError) as exc:
            rank(worked_candidates(), rule)
        assert exc.value.path == "exclusions[0].code"

    def test_no_candidate_of_the_level(self) -> None:
        rule = RankingRule("r", "desa", [Weight("poverty_rate", 1)], 1)
        with pytest.raises(
            ValidationError, match="no candidate is a desa; the candidates are kecamatan"
        ):
            rank(worked_candidates(), rule)

    def test_a_region_listed_twice(self) -> None:
        with pytest.raises(ValidationError) as exc:
            rank([*worked_candidates(), kecamatan("73.03.01", "Bissappu", "1")], worked_rule())
        assert exc.value.path == "candidates[5].code"

    @pytest.mark.parametrize(
        ("weights", "message"),
        [
            ([("poverty_rate", "0.6"), ("distance_market", "0.3")], "add up to 0.9"),
            (
                [("poverty_rate", "0.5"), ("distance_market", "0.500000000000000000000000000001")],
                "add up to 1.000000000000000000000000000001",
            ),
            ([("poverty_rate", "0.5"), ("poverty_rate", "0.5")], "weighted twice"),
            ([], "at least one"),
        ],
    )
    def test_weights_must_add_up_to_exactly_one(
        self, weights: list[tuple[str, str]], message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            RankingRule("r", "kecamatan", [Weight(i, w) for i, w in weights], 1)

    def test_a_statistic_is_no_indicator(self) -> None:
        with pytest.raises(ValidationError, match="record it as a RegionStat"):
            RegionIndicator("poverty_rate", 1, 2010, "s")

    def test_a_candidate_code_of_the_wrong_level(self) -> None:
        with pytest.raises(ValidationError, match=r"'73\.03' is a kabupaten code") as exc:
            CandidateRegion("73.03", "Bantaeng", "kecamatan")
        assert exc.value.path == "code"
        with pytest.raises(ValidationError, match="does not lie in"):
            CandidateRegion("73.03.01", "Bissappu", "kecamatan", "73.04")


class TestInvariants:
    @settings(max_examples=150, deadline=None)
    @given(candidates=candidate_sets(), rule=rules())
    def test_scores_are_between_zero_and_one(
        self, candidates: list[CandidateRegion], rule: RankingRule
    ) -> None:
        for row in rank(candidates, rule):
            assert row.total is None or 0 <= row.total <= 1
            for part in row.parts:
                assert part.normalised is None or 0 <= part.normalised <= 1
            assert (row.rank is not None) == row.decision.ranked

    @settings(max_examples=150, deadline=None)
    @given(candidates=candidate_sets(), rule=rules(), seed=st.integers())
    def test_the_order_of_the_input_changes_nothing(
        self, candidates: list[CandidateRegion], rule: RankingRule, seed: int
    ) -> None:
        shuffled = list(candidates)
        random.Random(seed).shuffle(shuffled)
        assert rank(shuffled, rule).rows == rank(candidates, rule).rows

    @settings(max_examples=150, deadline=None)
    @given(candidates=candidate_sets(), rule=rules(), data=st.data())
    def test_a_region_below_the_threshold_changes_no_other_decision(
        self, candidates: list[CandidateRegion], rule: RankingRule, data: st.DataObject
    ) -> None:
        cutoff = D(50)
        rule = RankingRule(
            rule.name,
            rule.level,
            rule.weights,
            rule.select,
            per_parent=rule.per_parent,
            thresholds=[Threshold("poverty_rate", ">=", cutoff)],
        )
        codes = {c.code for c in candidates}
        number = data.draw(st.integers(31, 99).filter(lambda n: f"73.03.{n:02d}" not in codes))
        below = kecamatan(
            f"73.03.{number:02d}",
            "New",
            str(
                data.draw(
                    st.decimals(min_value=0, max_value=cutoff, places=2).filter(
                        lambda d: d < cutoff
                    )
                )
            ),
            data.draw(st.sampled_from(["1", "99"])),
        )
        before = {row.code: row for row in rank(candidates, rule)}
        after = {row.code: row for row in rank([*candidates, below], rule)}
        assert after.pop(below.code).decision is LocationDecision.BELOW_THRESHOLD
        assert after == before

    @settings(max_examples=100, deadline=None)
    @given(candidates=candidate_sets(), rule=rules())
    def test_selection_respects_select(
        self, candidates: list[CandidateRegion], rule: RankingRule
    ) -> None:
        table = rank(candidates, rule)
        groups: dict[str | None, int] = {}
        for row in table:
            if row.decision is LocationDecision.SELECTED:
                key = row.parent if rule.per_parent else None
                groups[key] = groups.get(key, 0) + 1
        assert all(count <= rule.select for count in groups.values())
        ranked = [row for row in table if row.rank is not None]
        assert [row.rank for row in ranked] == list(range(1, len(ranked) + 1))
        totals = [row.total for row in ranked]
        assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]


def test_two_kinds_in_one_region_need_the_rules_stat_kind() -> None:
    # Which kind is "latest" must never pick the figure silently.
    region = CandidateRegion(
        "73.03.01",
        "A",
        "kecamatan",
        stats=[
            RegionStat(2010, "s", "bps_headcount", poverty_rate="20"),
            RegionStat(2010, "t", "targeting_people", poverty_rate="38"),
        ],
    )
    rule = RankingRule("r", "kecamatan", [Weight("poverty_rate", 1)], 1)
    with pytest.raises(ValidationError, match="of different kinds") as exc:
        rank([region], rule)
    assert exc.value.path == "stat_kind"
    chosen = RankingRule(
        "r", "kecamatan", [Weight("poverty_rate", 1)], 1, stat_kind="targeting_people"
    )
    part = rank([region], chosen).row("73.03.01").part("poverty_rate")
    assert part is not None
    assert (part.value, part.source) == (D(38), "t")
