"""The formula language's arithmetic: exact, with one rounding rule for a division per unit."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.catalogue.formula import parse
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled, unscale
from klaster.measurement._backends.python.formulas import Execution
from klaster.measurement.compiler import Kind, Shift, compile_formula
from klaster.measurement.evaluate import DIVISION_SCALE, Evaluator, divide, quotient

D = Decimal
amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)
nonzero = amounts.filter(lambda d: d != 0)


class TestRule:
    @given(st.integers(-(10**30), 10**30), st.integers(-(10**12), 10**12).filter(bool))
    def test_quotient_rounds_half_even(self, top: int, bottom: int) -> None:
        assert quotient(top, bottom) == round(Fraction(top, bottom))

    @pytest.mark.parametrize(
        ("top", "bottom", "expected"),
        [(5, 2, 2), (7, 2, 4), (-5, 2, -2), (-7, 2, -4), (1, 3, 0), (2, 3, 1), (10, -4, -2)],
    )
    def test_ties_go_to_even(self, top: int, bottom: int, expected: int) -> None:
        assert quotient(top, bottom) == expected

    @given(amounts, nonzero)
    def test_divide_is_the_exact_quotient_at_18_decimals(self, a: D, b: D) -> None:
        found = divide(a, b)
        exact = Fraction(a) / Fraction(b)
        assert found.as_tuple().exponent == -DIVISION_SCALE
        assert Fraction(found) == Fraction(round(exact * 10**DIVISION_SCALE), 10**DIVISION_SCALE)

    def test_examples(self) -> None:
        assert divide(D(1), D(3)) == D("0.333333333333333333")
        assert divide(D(2), D(3)) == D("0.666666666666666667")
        assert str(divide(D(1), D(2))) == "0.500000000000000000"


class TestEvaluator:
    def test_arithmetic_never_rounds(self) -> None:
        big = D("123456789012345678901234567890.123")
        ev = Evaluator({"a": [big], "b": [big]}, length=1)
        (found,) = ev.run(parse("a * b + a - b"))
        assert Fraction(found) == Fraction(big) ** 2  # exactly, not to 28 digits
        assert found != big * big  # which the default context rounds

    def test_division_and_pct_change_follow_the_rule(self) -> None:
        ev = Evaluator({"x": [D(150), D(1)]}, baseline={"x": [D(90), D(3)]}, length=2)
        assert ev.run(parse("x / 7")) == [divide(D(150), D(7)), divide(D(1), D(7))]
        assert ev.run(parse("pct_change(x)")) == [divide(D(6000), D(90)), divide(D(-200), D(3))]
        assert ev.run(parse("pct_change(x)"))[1] == D("-66.666666666666666667")


class _Source:
    """Scaled columns for the pure-Python backend, as a frame gives them."""

    def __init__(self, columns: dict[str, Scaled], baseline: _Source | None, length: int) -> None:
        self.columns, self.before, self.length = columns, baseline, length

    def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
        if at is None:
            return self.columns[code]
        if self.before is None:
            return Scaled([None] * self.length, 0, 0, kind)
        return self.before.columns[code]


def _scaled(values: list[D | None]) -> Scaled:
    scale = max((-v.as_tuple().exponent for v in values if v is not None), default=0)  # type: ignore[operator]
    raw = [None if v is None else int(v.scaleb(scale)) for v in values]
    return Scaled(raw, scale, max((abs(r) for r in raw if r is not None), default=0), NUMBER)


FORMULAS = [
    "a / b",
    "(a - b) / (a + 1)",
    "a * b / 3 - a",
    "change(a) / baseline(b)",
    "pct_change(a)",
    "abs(a / b) * 2 if a > b else min(a, b) / 7",
    "coalesce(a / b, 0.5)",
]
maybe = st.one_of(st.none(), amounts)


@settings(max_examples=150)
@given(
    st.sampled_from(FORMULAS),
    st.lists(st.tuples(maybe, maybe, maybe, maybe), min_size=1, max_size=12),
)
def test_fixed_point_gives_the_decimal_evaluators_values(
    formula: str, rows: list[tuple[Any, ...]]
) -> None:
    a, b, a0, b0 = (list(col) for col in zip(*rows, strict=True))
    n = len(rows)
    tree = parse(formula)
    expected = Evaluator({"a": a, "b": b}, baseline={"a": a0, "b": b0}, length=n).run(tree)
    before = _Source({"a": _scaled(a0), "b": _scaled(b0)}, None, n)
    source = _Source({"a": _scaled(a), "b": _scaled(b)}, before, n)
    op = compile_formula(tree, {"a": Kind.NUMBER, "b": Kind.NUMBER})
    found = Execution(source).run(op)
    values = [None if v is None else unscale(v, found.scale) for v in found.values]
    assert values == expected


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-(10**25), 10**25), st.integers(-(10**6), 10**6)),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_the_polars_quotient_is_the_same_integer(pairs: list[tuple[int, int]], ties: bool) -> None:
    pl = pytest.importorskip("polars")
    from klaster.measurement._backends.polars.formulas import quotient as column_quotient

    if ties:  # exactly half-way: a = b·k + b/2 with b even
        pairs = [(b * (a % 1000) + b // 2, b) if b and b % 2 == 0 else (a, b) for a, b in pairs]
    frame = pl.DataFrame(
        {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]},
        schema={"a": pl.Int128, "b": pl.Int64},
    )
    found = frame.select(column_quotient(pl.col("a"), pl.col("b")).alias("q"))["q"].to_list()
    assert found == [None if b == 0 else quotient(a, b) for a, b in pairs]
