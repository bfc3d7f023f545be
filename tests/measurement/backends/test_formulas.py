"""One formula compiler, two backends: each backend implements every operation emitted."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest

from klaster.catalogue.formula import FUNCTIONS, FormulaError, parse
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled
from klaster.measurement._backends.python.formulas import OPERATIONS as PYTHON_OPERATIONS
from klaster.measurement._backends.python.formulas import Execution
from klaster.measurement.compiler import (
    OPERATIONS,
    ROUND_FUNCTIONS,
    SIGNATURES,
    Apply,
    Const,
    Divide,
    Kind,
    Load,
    Shift,
    compile_formula,
)


def test_every_function_the_parser_accepts_has_a_signature() -> None:
    assert set(SIGNATURES) == set(FUNCTIONS)


def test_every_function_is_an_operation_or_lowered_away() -> None:
    assert set(FUNCTIONS) <= OPERATIONS | ROUND_FUNCTIONS


def test_the_python_backend_covers_every_operation() -> None:
    assert set(PYTHON_OPERATIONS) == OPERATIONS


def test_the_polars_backend_covers_every_operation() -> None:
    pytest.importorskip("polars")
    from klaster.measurement._backends.polars.formulas import OPERATIONS as POLARS_OPERATIONS

    assert set(POLARS_OPERATIONS) == OPERATIONS


class TestLowering:
    kinds: ClassVar = {"x": Kind.NUMBER, "y": Kind.NUMBER, "crop": Kind.TEXT}

    def test_a_division_is_explicit(self) -> None:
        op = compile_formula(parse("x / y"), self.kinds)
        assert op == Divide(Load("x", Kind.NUMBER), Load("y", Kind.NUMBER), 18)

    def test_round_functions_are_lowered_to_baseline_loads(self) -> None:
        now, before = Load("x", Kind.NUMBER), Load("x", Kind.NUMBER, Shift.BASELINE)
        assert compile_formula(parse("baseline(x)"), self.kinds) == before
        assert compile_formula(parse("change(x)"), self.kinds) == Apply(
            "-", (now, before), Kind.NUMBER
        )
        assert compile_formula(parse("missing()"), self.kinds) == Const(None, Kind.ANY)

    def test_indicators_are_inlined(self) -> None:
        ratio = compile_formula(parse("x / y"), self.kinds)
        kinds = {**self.kinds, "ratio": Kind.NUMBER}
        op = compile_formula(parse("baseline(ratio)"), kinds, inline={"ratio": ratio})
        assert op == Divide(
            Load("x", Kind.NUMBER, Shift.BASELINE), Load("y", Kind.NUMBER, Shift.BASELINE)
        )

    def test_texts_compare_in_the_python_backend(self) -> None:
        op = compile_formula(parse('x * 2 if crop == "rice" else x'), self.kinds)

        class Source:
            length = 3

            def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
                if code == "crop":
                    return Scaled(["rice", "corn", None], 0, 0, kind)
                return Scaled([15, 20, 30], 1, 30, NUMBER)

        found = Execution(Source()).run(op)
        assert (found.values, found.scale) == ([30, 20, None], 1)  # 1.5 * 2 = 3.0

    def test_round_is_half_up_at_the_places_asked(self) -> None:
        op = compile_formula(parse("round(x, 1)"), self.kinds)

        class Source:
            length = 4

            def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
                return Scaled([125, -125, 124, None], 2, 125, NUMBER)

        found = Execution(Source()).run(op)
        expected = [Decimal("1.25"), Decimal("-1.25"), Decimal("1.24")]
        rounded = [v.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP") for v in expected]
        assert found.scale == 1
        assert found.values == [int(v * 10) for v in rounded] + [None]


@pytest.mark.parametrize(
    ("formula", "position"),
    [("round(x, 30)", 0), ("round(x, -19)", 0), ("round(x, 1.5)", 0), ("round(x, x)", 9)],
)
def test_rounds_places_are_a_bounded_literal(formula: str, position: int) -> None:
    # round(x, 30) used to compile and fail with decimal.InvalidOperation when evaluated, and
    # round(x, 10**9) to build a power of ten of a billion digits.
    with pytest.raises(FormulaError, match="places must be a whole number from -18 to 18") as e:
        compile_formula(parse(formula), {"x": Kind.NUMBER})
    assert e.value.position == position


@pytest.mark.parametrize("formula", ["round(x, 18)", "round(x, -18)", "round(x, 2.0)", "round(x)"])
def test_rounds_places_within_the_bound_compile(formula: str) -> None:
    assert compile_formula(parse(formula), {"x": Kind.NUMBER}).kind is Kind.NUMBER
