"""Formula evaluation, aggregation, results tables and readiness rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster
from klaster import Label
from klaster.catalogue import Aggregation, Level, Operator, ReadinessCriterion
from klaster.catalogue.formula import FormulaError, parse
from klaster.measurement.aggregate import aggregate, aggregate_ratio
from klaster.measurement.evaluate import Evaluator, Kind, infer_kind
from klaster.measurement.na import NotAvailable
from klaster.measurement.readiness import (
    AllOf,
    EssentialPlusConditional,
    Evidence,
    KOfN,
    Weighted,
    as_guard,
    backsliding,
    evaluate,
)
from klaster.measurement.results import Results, Row

D = Decimal
money = st.decimals(min_value=0, max_value=10**9, places=0)
maybe_money = st.one_of(st.none(), money)


class TestTypeChecking:
    KINDS: ClassVar[dict[str, Kind]] = {
        "profit": Kind.NUMBER,
        "species": Kind.TEXT,
        "running": Kind.BOOLEAN,
    }

    def test_result_kinds(self) -> None:
        assert infer_kind(parse("profit * 2"), self.KINDS) is Kind.NUMBER
        assert infer_kind(parse("species == 'goat'"), self.KINDS) is Kind.BOOLEAN
        assert infer_kind(parse("profit if running else missing()"), self.KINDS) is Kind.NUMBER

    @pytest.mark.parametrize(
        ("formula", "position", "words"),
        [
            ("profit + herd", 9, "unknown variable 'herd'"),
            ("species + 1", 0, "needs number"),
            ("not profit", 0, "needs boolean"),
            ("profit if species else 0", 0, "'if' needs boolean"),
            ("profit if running else species", 0, "mixes number and text"),
        ],
    )
    def test_errors_are_located(self, formula: str, position: int, words: str) -> None:
        with pytest.raises(FormulaError) as info:
            infer_kind(parse(formula), self.KINDS, formula=formula)
        assert info.value.position == position
        assert words in str(info.value)


class TestEvaluation:
    def test_missing_propagates_and_division_by_zero_is_counted(self) -> None:
        ev = Evaluator({"a": [D(1), None, D(3), D(4)], "b": [D(2), D(2), D(0), None]}, length=4)
        assert ev.run(parse("a / b")) == [D("0.5"), None, None, None]
        assert ev.divisions_by_zero == 1

    def test_three_valued_logic(self) -> None:
        ev = Evaluator({"p": [True, False, None, None], "q": [None, None, False, True]}, length=4)
        assert ev.run(parse("p and q")) == [None, False, False, None]
        assert ev.run(parse("p or q")) == [True, None, None, True]

    def test_baseline_functions(self) -> None:
        ev = Evaluator(
            {"income": [D(150), D(90), None]},
            baseline={"income": [D(100), D(0), D(50)]},
            length=3,
        )
        assert ev.run(parse("change(income)")) == [D(50), D(90), None]
        assert ev.run(parse("pct_change(income)")) == [D(50), None, None]
        assert ev.run(parse("baseline(income)")) == [D(100), D(0), D(50)]

    def test_no_baseline_gives_missing(self) -> None:
        assert Evaluator({"x": [D(1)]}, length=1).run(parse("change(x)")) == [None]

    @given(st.lists(st.tuples(maybe_money, maybe_money), max_size=30))
    def test_arithmetic_matches_decimal(self, rows: list[tuple[D | None, D | None]]) -> None:
        a = [r[0] for r in rows]
        b = [r[1] for r in rows]
        out = Evaluator({"a": a, "b": b}, length=len(rows)).run(parse("a - b * 2"))
        assert out == [None if x is None or y is None else x - y * 2 for x, y in rows]


class TestAggregation:
    def test_ratio_of_sums_is_not_mean_of_ratios(self) -> None:
        figure = aggregate_ratio([D(10), D(1)], [D(100), D(2)])
        assert figure.value == D(11) / D(102)
        assert figure.value != (D("0.1") + D("0.5")) / 2

    def test_zero_denominator_is_not_available(self) -> None:
        figure = aggregate_ratio([D(1)], [D(0)])
        assert isinstance(figure.value, NotAvailable)
        assert "zero" in figure.value.reason

    def test_too_few_is_not_available_never_zero(self) -> None:
        figure = aggregate([None, None], Aggregation.MEAN)
        assert isinstance(figure.value, NotAvailable)
        assert figure.missing == 2
        assert aggregate([D(1)], Aggregation.MEAN, minimum_n=5).value != 0

    def test_share_and_count(self) -> None:
        assert aggregate([True, True, False, None], Aggregation.SHARE_MEETING).value == D(2) / 3
        assert aggregate([True, True, False, None], Aggregation.COUNT).value == 2

    def test_ratio_needs_aggregate_ratio(self) -> None:
        with pytest.raises(klaster.ValidationError):
            aggregate([D(1)], Aggregation.RATIO_OF_SUMS)

    @given(st.lists(st.tuples(st.sampled_from("fm"), maybe_money), max_size=40))
    @settings(max_examples=200)
    def test_sums_over_a_disaggregation_add_back_to_the_total(
        self, rows: list[tuple[str, D | None]]
    ) -> None:
        total = aggregate([v for _, v in rows], Aggregation.SUM)
        parts = [aggregate([v for s, v in rows if s == sex], Aggregation.SUM) for sex in "fm"]
        assert total.n == sum(p.n for p in parts)
        if total.n:
            assert total.value == sum(
                (p.value for p in parts if not isinstance(p.value, NotAvailable)), D(0)
            )

    @given(st.lists(st.tuples(money, money.filter(lambda d: d > 0)), min_size=1, max_size=30))
    def test_ratio_of_sums_weights_by_denominator(self, rows: list[tuple[D, D]]) -> None:
        figure = aggregate_ratio([a for a, _ in rows], [b for _, b in rows])
        assert figure.value == sum(a for a, _ in rows) / sum(b for _, b in rows)


def _row(value: D | NotAvailable, round_id: str, **by: str) -> Row:
    return Row(
        "income", Label("Pendapatan", "Income"), "IDR", round_id, dt.date(2014, 1, 1),
        tuple(by.items()), value, n=3,
    )  # fmt: skip


class TestResults:
    def test_filter_row_and_records(self) -> None:
        results = Results(
            (
                _row(D(100), "baseline"),
                _row(D(150), "endline"),
                _row(D(90), "baseline", sex="female"),
                _row(NotAvailable("no members observed"), "endline", sex="female"),
            )
        )
        assert results.value("income", "endline") == D(150)
        assert len(results.filter("income", sex="female")) == 2
        assert len(results.filter(total_over=["sex"])) == 2
        records = results.to_records()
        assert records[3]["value"] is None
        assert records[3]["reason"] == "no members observed"
        assert records[2]["sex"] == "female"
        assert "label_id" in records[0]
        with pytest.raises(klaster.NotFoundError, match="no figure"):
            results.row("income", "midline")

    def test_compare(self) -> None:
        results = Results((_row(D(100), "baseline"), _row(D(150), "endline")))
        (line,) = results.compare("baseline", "endline")
        assert line.change == D(50)
        assert line.change_percent == D(50)

    def test_html(self) -> None:
        html = Results((_row(D(100), "b<x>"),))._repr_html_()
        assert "<table" in html
        assert "b&lt;x&gt;" in html


def _criterion(
    code: str, operator: str, threshold: D | bool | int, *, essential: bool = False, weight: int = 1
) -> ReadinessCriterion:
    return ReadinessCriterion(
        code,
        "umkm",
        Level.MEMBER,
        Label(code, code),
        code,
        Operator(operator),
        threshold,
        essential=essential,
        weight=weight,
    )


VALUES: dict[str, object] = {"running": True, "profit": D(50), "savings": D(0)}


def _lookup(criterion: ReadinessCriterion, unit: str) -> Evidence | NotAvailable:
    if criterion.reads not in VALUES:
        return NotAvailable("not observed")
    return Evidence(VALUES[criterion.reads], "endline")


class TestReadinessRules:
    running = _criterion("running", "==", True, essential=True)
    profit = _criterion("profit", ">", 0)
    savings = _criterion("savings", ">", 0, weight=2)
    herd = _criterion("herd", ">=", 5)

    def test_all_of(self) -> None:
        result = evaluate(AllOf([self.running, self.profit, self.herd]), "M-1", _lookup)
        assert result.ready
        assert [r.passed for r in result.results] == [True, True, None]
        result = evaluate(AllOf([self.running, self.savings]), "M-1", _lookup)
        assert not result.ready
        assert "savings" in result.reason

    def test_k_of_n(self) -> None:
        rule = KOfN(2, [self.running, self.profit, self.savings])
        assert evaluate(rule, "M-1", _lookup).ready
        assert not evaluate(KOfN(3, rule.criteria), "M-1", _lookup).ready
        with pytest.raises(klaster.ValidationError, match="only 3 criteria"):
            KOfN(4, rule.criteria)

    def test_essential_plus_conditional(self) -> None:
        herd_essential = _criterion("herd", ">=", 5, essential=True)
        rule = EssentialPlusConditional([self.running, self.profit, self.herd])
        assert evaluate(rule, "M-1", _lookup).ready  # herd does not apply
        result = evaluate(EssentialPlusConditional([herd_essential]), "M-1", _lookup)
        assert not result.ready  # an essential one that cannot be checked fails

    def test_weighted(self) -> None:
        rule = Weighted([self.running, self.profit, self.savings], score="0.5")
        result = evaluate(rule, "M-1", _lookup)
        assert result.ready  # 2 of 4 weight
        assert "0.50" in result.reason
        assert not evaluate(Weighted(rule.criteria, score="0.6"), "M-1", _lookup).ready
        strict = Weighted(rule.criteria, score="0.1", required=["savings"])
        assert not evaluate(strict, "M-1", _lookup).ready
        with pytest.raises(klaster.ValidationError, match="required"):
            Weighted(rule.criteria, score="0.1", required=["nope"])

    def test_evaluation_lists_evidence(self) -> None:
        result = evaluate(AllOf([self.profit]), "M-1", _lookup)
        (line,) = result.results
        assert (line.value, line.threshold, line.round_id, line.passed) == (
            D(50), D(0), "endline", True,
        )  # fmt: skip

    def test_backsliding(self) -> None:
        rule = AllOf([self.running, self.profit])
        at_exit = evaluate(rule, "M-1", _lookup)
        later = evaluate(rule, "M-1", lambda c, u: Evidence(D(-5) if c.code == "profit" else True))
        assert [r.code for r in backsliding(at_exit, later)] == ["profit"]


class TestGuard:
    def _cluster(self) -> klaster.Cluster:
        return klaster.Cluster(
            id="c",
            name="C",
            region=klaster.Region.province("Banten", "36"),
            sectors=[klaster.ClusterSector("umkm")],
            lifecycle=klaster.Lifecycle.start(
                dt.date(2011, 1, 1), reason="r", decided_by="d", phase="strengthening"
            ),
        )

    def test_guard_blocks_and_records_the_evaluation(self) -> None:
        cluster = self._cluster()
        guard = as_guard(AllOf([TestReadinessRules.savings]), _lookup)
        with pytest.raises(klaster.ReadinessError):
            cluster.advance(dt.date(2014, 3, 25), reason="exit", decided_by="d", guards=[guard])
        assert cluster.phase is klaster.Phase.STRENGTHENING
        change = cluster.advance(
            dt.date(2014, 3, 25),
            reason="exit",
            decided_by="d",
            guards=[guard],
            override=klaster.Override("board decision", approved_by="director"),
        )
        (check,) = change.checks
        assert not check.passed
        assert "savings = 0 > 0: not met (round endline)" in check.detail

    def test_guard_passes(self) -> None:
        cluster = self._cluster()
        guard = as_guard(AllOf([TestReadinessRules.running]), _lookup)
        change = cluster.advance(dt.date(2014, 3, 25), reason="x", decided_by="d", guards=[guard])
        assert change.checks[0].passed
