"""Income per capita, paired income change vs baseline, questionnaire (social capital) indices."""

from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import DuplicateIdError, Label, ValidationError
from klaster.measurement.methods.welfare import (
    ChangeMeasure,
    MissingItems,
    PairedChange,
    QuestionnaireScale,
    ScaleItem,
    ScaleScore,
    paired_change,
    per_capita,
    per_capita_incomes,
)
from klaster.measurement.na import NotAvailable

D = Decimal


def exact(value: Fraction) -> Decimal:
    return Context(prec=28).divide(Decimal(value.numerator), Decimal(value.denominator))


def change(result: PairedChange | NotAvailable) -> PairedChange:
    assert isinstance(result, PairedChange), result
    return result


def scored(result: ScaleScore | NotAvailable) -> ScaleScore:
    assert isinstance(result, ScaleScore), result
    return result


class TestPerCapita:
    def test_exact_and_not_rounded_to_rupiah(self) -> None:
        assert per_capita(1_200_000, 4) == 300_000
        below = per_capita(1_651_373, 3)
        assert isinstance(below, Decimal)
        assert below < 550_458  # whole-rupiah rounding would put it on the line

    def test_missing(self) -> None:
        assert isinstance(per_capita(None, 4), NotAvailable)
        assert isinstance(per_capita(NotAvailable("refused"), 4), NotAvailable)
        assert isinstance(per_capita(1, None), NotAvailable)

    @pytest.mark.parametrize("size", [0, -1, True, 2.0])
    def test_bad_size(self, size: object) -> None:
        with pytest.raises(ValidationError) as exc:
            per_capita(1, size)  # type: ignore[arg-type]
        assert exc.value.path == "household_size"

    def test_sequences_locate_errors(self) -> None:
        assert per_capita_incomes([900, None], [3, 1]) == (
            D(300),
            NotAvailable("household income missing"),
        )
        with pytest.raises(ValidationError) as exc:
            per_capita_incomes([900, 800], [3, 0])
        assert exc.value.path == "household_sizes[1]"
        with pytest.raises(ValidationError) as exc:
            per_capita_incomes([900, 812_345.5], [3, 1])  # type: ignore[list-item]
        assert exc.value.path == "incomes[1]"
        assert "812345" not in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            per_capita_incomes([900], [3, 1])
        assert exc.value.path == "household_sizes"


class TestPairedChange:
    BEFORE: ClassVar[dict[str, int | None]] = {
        "M1": 1_000_000,
        "M2": 100_000,
        "M3": 800_000,
        "M5": None,
    }
    AFTER: ClassVar[dict[str, int | None]] = {
        "M1": 1_200_000,
        "M2": 300_000,
        "M4": 900_000,
        "M5": 700_000,
    }

    def test_hand_computed(self) -> None:
        c = change(paired_change(self.BEFORE, self.AFTER))
        assert (c.n, c.baseline_only, c.followup_only) == (2, 1, 2)
        assert (c.mean_baseline, c.mean_followup) == (D(550_000), D(750_000))
        assert (c.mean_change, c.median_change) == (D(200_000), D(200_000))
        # Ratio of sums: 1,500,000 / 1,100,000 - 1.
        assert c.pct_change_of_means == exact(Fraction(400_000, 1_100_000) * 100)
        # Mean of ratios: (20% + 200%) / 2. A different question, a different number.
        assert c.mean_of_pct_changes == D(110)
        assert (c.pct_units, c.pct_excluded) == (2, 0)

    def test_median_of_changes_is_not_change_of_medians(self) -> None:
        c = change(paired_change({"A": 0, "B": 10, "C": 20}, {"A": 100, "B": 10, "C": 21}))
        assert c.median_change == 1  # changes 100, 0, 1
        assert c.measure("median_change") == 1
        # The medians moved from 10 to 21: 11, which is not what median_change reports.

    def test_baseline_of_zero_or_less(self) -> None:
        c = change(paired_change({"A": 0, "B": 100}, {"A": 50, "B": 150}))
        assert c.mean_of_pct_changes == 50
        assert (c.pct_units, c.pct_excluded) == (1, 1)
        assert c.pct_change_of_means == 100  # 200 / 100 - 1
        flat = change(paired_change({"A": 0, "B": -5}, {"A": 50, "B": 5}))
        assert isinstance(flat.pct_change_of_means, NotAvailable)
        assert isinstance(flat.mean_of_pct_changes, NotAvailable)

    def test_even_median(self) -> None:
        c = change(paired_change({"A": 0, "B": 0}, {"A": 1, "B": 2}))
        assert c.median_change == D("1.5")

    def test_no_pairs_is_not_available(self) -> None:
        result = paired_change({"A": 1}, {"B": 2, "A": None})
        assert isinstance(result, NotAvailable)
        assert result.reason == "no unit has a value in both rounds (1 at baseline, 1 at follow-up)"

    def test_bad_values_are_located_and_not_echoed(self) -> None:
        with pytest.raises(ValidationError) as exc:
            paired_change({"M1": 1_234_567.5}, {"M1": 1})  # type: ignore[dict-item]
        assert exc.value.path == "baseline['M1']"
        assert "1234567" not in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            paired_change({"M1": 1}, [1])  # type: ignore[arg-type]
        assert exc.value.path == "followup"
        with pytest.raises(ValidationError) as exc:
            paired_change({" M1": 1}, {})
        assert exc.value.path == "baseline key"

    def test_labels(self) -> None:
        assert ChangeMeasure.PCT_CHANGE_OF_MEANS.label.en == "Percent change of the mean"
        assert ChangeMeasure.MEAN_OF_PCT_CHANGES.label.id.startswith("Rata-rata persentase")


amounts = st.one_of(st.none(), st.integers(-1_000_000, 10_000_000))
rounds = st.dictionaries(st.sampled_from([f"M{i}" for i in range(30)]), amounts, max_size=30)


class TestPairedProperties:
    @settings(max_examples=150, deadline=None)
    @given(rounds, rounds, rounds, rounds)
    def test_only_paired_units_count(
        self,
        before: dict[str, int | None],
        after: dict[str, int | None],
        extra_before: dict[str, int | None],
        extra_after: dict[str, int | None],
    ) -> None:
        # Units in one round only (renamed so they never pair) change the attrition, nothing else.
        more_before = {**before, **{f"x{k}": v for k, v in extra_before.items()}}
        more_after = {**after, **{f"y{k}": v for k, v in extra_after.items()}}
        base, padded = paired_change(before, after), paired_change(more_before, more_after)
        if isinstance(base, NotAvailable):
            assert isinstance(padded, NotAvailable)
            return
        padded = change(padded)
        assert padded.n == base.n
        for name in ("mean_change", "median_change", "pct_change_of_means", "mean_of_pct_changes"):
            assert padded.measure(name) == base.measure(name)
        added_before = sum(v is not None for v in extra_before.values())
        added_after = sum(v is not None for v in extra_after.values())
        assert padded.baseline_only == base.baseline_only + added_before
        assert padded.followup_only == base.followup_only + added_after

    @settings(max_examples=150, deadline=None)
    @given(rounds, rounds)
    def test_change_of_means_is_a_ratio_of_sums(
        self, before: dict[str, int | None], after: dict[str, int | None]
    ) -> None:
        result = paired_change(before, after)
        pairs = [
            (before[k], after[k])
            for k in before
            if before[k] is not None and after.get(k) is not None
        ]
        if not pairs:
            assert isinstance(result, NotAvailable)
            return
        c = change(result)
        assert c.n == len(pairs)
        total_before = sum(b for b, _ in pairs if b is not None)
        total_after = sum(a for _, a in pairs if a is not None)
        if total_before > 0:
            assert c.pct_change_of_means == exact(
                Fraction(total_after - total_before, total_before) * 100
            )
        else:
            assert isinstance(c.pct_change_of_means, NotAvailable)
        assert c.mean_change == exact(Fraction(total_after - total_before, len(pairs)))


# -- questionnaire indices ------------------------------------------------------------------------
def social_capital(**changes: object) -> QuestionnaireScale:
    items = [
        ScaleItem("trust", Label("Percaya sesama mitra", "Trusts other members")),
        ScaleItem(
            "meetings", Label("Hadir rapat kelompok", "Attends group meetings"), 0, 4, weight=2
        ),
        ScaleItem(
            "isolated",
            Label("Jarang bertemu mitra lain", "Rarely meets other members"),
            reverse=True,
        ),
        ScaleItem(
            "outside_links", Label("Kenal dinas terkait", "Knows the district offices"), 0, 1
        ),
    ]
    fields: dict[str, object] = {
        "code": "social_capital",
        "label": Label("Modal sosial", "Social capital"),
        "items": items,
    }
    fields.update(changes)
    return QuestionnaireScale(**fields)  # type: ignore[arg-type]


class TestQuestionnaireScale:
    def test_hand_computed_index(self) -> None:
        # trust 4 -> 3/4; meetings 3 of 4 -> 3/4 (weight 2); isolated 2 reversed -> 3/4; links 1
        result = scored(
            social_capital().score({"trust": 4, "meetings": 3, "isolated": 2, "outside_links": 1})
        )
        assert result.value == exact(Fraction(3 * 1 + 3 * 2 + 3 * 1 + 4 * 1, 4 * 5) * 100)
        assert result.value == D(80)
        assert (result.answered, result.missing) == (4, ())

    def test_extremes(self) -> None:
        scale = social_capital()
        best = scored(scale.score({"trust": 5, "meetings": 4, "isolated": 1, "outside_links": 1}))
        worst = scored(scale.score({"trust": 1, "meetings": 0, "isolated": 5, "outside_links": 0}))
        assert (best.value, worst.value) == (D(100), D(0))

    def test_require_all_is_the_default(self) -> None:
        result = social_capital().score({"trust": 4, "meetings": 3, "isolated": None})
        assert isinstance(result, NotAvailable)
        assert (
            result.reason
            == "social_capital: every item is required; unanswered: isolated, outside_links"
        )

    def test_prorate_over_answered_items(self) -> None:
        scale = social_capital(missing=MissingItems.PRORATE)
        result = scored(scale.score({"trust": 4, "meetings": 3}))  # weight 3 of 5 answered
        assert result.value == D(75)
        assert result.missing == ("isolated", "outside_links")
        strict = social_capital(missing="prorate", min_answered="0.8")
        too_few = strict.score({"trust": 4, "meetings": 3})
        assert isinstance(too_few, NotAvailable)
        assert "less than 0.8 of the weight" in too_few.reason

    def test_bad_answers_are_located_and_not_echoed(self) -> None:
        scale = social_capital()
        with pytest.raises(ValidationError) as exc:
            scale.score({"trust": 17, "meetings": 3, "isolated": 2, "outside_links": 1}, unit="M-7")
        assert exc.value.path == "answers['M-7']['trust']"
        assert "17" not in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            scale.score({"trust_": 4})
        assert "unknown item 'trust_'" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            scale.score({"trust": 4.0})  # type: ignore[dict-item]
        assert exc.value.path == "answers['trust']"

    def test_bad_scales(self) -> None:
        with pytest.raises(DuplicateIdError) as duplicate:
            social_capital(items=[ScaleItem("a", ("A", "A")), ScaleItem("a", ("B", "B"))])
        assert duplicate.value.path == "items[1].code"
        with pytest.raises(ValidationError) as exc:
            social_capital(items=[])
        assert exc.value.path == "items"
        with pytest.raises(ValidationError) as exc:
            ScaleItem("a", ("A", "A"), 5, 5)
        assert exc.value.path == "maximum"
        with pytest.raises(ValidationError) as exc:
            ScaleItem("a", ("A", "A"), weight=0)
        assert exc.value.path == "weight"
        with pytest.raises(ValidationError) as exc:
            social_capital(min_answered=0)
        assert exc.value.path == "min_answered"

    def test_score_units(self) -> None:
        summary = social_capital(missing="prorate").score_units(
            {
                "M1": {"trust": 5, "meetings": 4, "isolated": 1, "outside_links": 1},
                "M2": {"trust": 4, "meetings": 3},
                "M3": {"outside_links": 0},
            }
        )
        assert dict(summary.scores) == {"M1": D(100), "M2": D(75)}
        assert (summary.n, summary.unscored, summary.prorated) == (2, ("M3",), 1)
        assert summary.mean == D("87.5")
        empty = social_capital().score_units({"M3": {"outside_links": 0}})
        assert isinstance(empty.mean, NotAvailable)

    @settings(max_examples=150, deadline=None)
    @given(
        st.fixed_dictionaries(
            {
                "trust": st.integers(1, 5),
                "meetings": st.integers(0, 4),
                "isolated": st.integers(1, 5),
                "outside_links": st.integers(0, 1),
            }
        )
    )
    def test_index_is_between_0_and_100(self, answers: dict[str, int]) -> None:
        value = scored(social_capital().score(answers)).value
        assert 0 <= value <= 100
