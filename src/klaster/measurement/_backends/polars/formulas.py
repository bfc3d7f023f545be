"""Formulas as polars expressions on scaled integers, with the scales tracked as in fixed point.

The translation follows :class:`~klaster.measurement._backends.python.fixedpoint.Evaluation`
operator by operator
(``a + b`` at the larger scale, ``a * b`` at the sum of the scales, a division per unit rounded
half-even to 18 decimals with integers), so the polars path computes the same integers as the
Python path. Values stay ``Int64`` while their bound allows and become ``Int128`` when it does
not; what 128 bits cannot hold raises
:class:`~klaster.measurement._backends.python.fixedpoint.Unsupported`
(the Python path's integers have no limit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import polars as pl

from klaster.catalogue.formula import (
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    Name,
    Number,
    String,
    Unary,
)
from klaster.measurement._backends.python.fixedpoint import (
    ANY,
    BOOLEAN,
    NUMBER,
    Unsupported,
    literal,
)
from klaster.measurement.evaluate import DIVISION_SCALE

__all__ = ["INT64", "INT128", "Formulas", "Value", "quotient"]

INT64 = 2**63 - 1
INT128 = 2**127 - 1


class Value:
    """A translated (sub)formula: expression, scale, bound of its scaled values, kind."""

    __slots__ = ("bound", "expr", "kind", "scale")

    def __init__(self, expr: pl.Expr, scale: int, bound: int, kind: str) -> None:
        self.expr, self.scale, self.bound, self.kind = expr, scale, bound, kind


def quotient(top: pl.Expr, bottom: pl.Expr) -> pl.Expr:
    """``top / bottom`` rounded half-even to an integer, as ``Int128`` (null where ``bottom`` is 0).

    The rule of :func:`klaster.measurement.evaluate.quotient`, on columns.
    """
    sign = bottom.sign().cast(pl.Int128)
    a, b = top.cast(pl.Int128) * sign, bottom.cast(pl.Int128) * sign  # b > 0 (or 0)
    # floor((2a + b) / 2b) rounds half up; a tie (remainder 0) that lands odd goes down one.
    twice_a, twice_b = 2 * a + b, 2 * b
    whole = twice_a // twice_b
    tie = (twice_a % twice_b == 0) & (whole % 2 != 0)
    return pl.when(bottom != 0).then(whole - tie.cast(pl.Int128))


class Formulas:
    """Translates formula trees for one table.

    Args:
        trees: Formula trees of the indicators a formula may name (inlined).
        column: ``column(code, baseline)``: a variable as a :class:`Value` (raises
            :class:`Unsupported` for what cannot be a scaled integer column).
        derive: ``derive(expr)``: the name of a column computed once as ``expr`` (for what is
            costly and read more than once: divisions).

    Attributes:
        cache: Translations of the indicators formulas name, by code and round; clear it when
            the derived columns change table.
    """

    def __init__(
        self,
        trees: Mapping[str, Expr],
        column: Callable[[str, bool], Value],
        derive: Callable[[pl.Expr], pl.Expr],
    ) -> None:
        self.trees = trees
        self.column = column
        self.derive = derive
        self.cache: dict[tuple[str, bool], Value] = {}

    def __call__(self, node: Expr, baseline: bool = False) -> Value:
        """The translation of ``node`` (read in the baseline round, if ``baseline``)."""
        if isinstance(node, Number):
            raw, scale = literal(node.value)
            bound = self._check(abs(raw))
            dtype = pl.Int64 if bound <= INT64 else pl.Int128
            return Value(pl.lit(raw, dtype=dtype), scale, bound, NUMBER)
        if isinstance(node, Boolean):
            return Value(pl.lit(node.value), 0, 1, BOOLEAN)
        if isinstance(node, String):
            raise Unsupported("text values")
        if isinstance(node, Name):
            tree = self.trees.get(node.code)
            if tree is None:
                return self.column(node.code, baseline)
            found = self.cache.get((node.code, baseline))
            if found is None:
                found = self.cache[(node.code, baseline)] = self(tree, baseline)
            return found
        if isinstance(node, Unary):
            inner = self(node.operand, baseline)
            if node.op == "not":
                return Value(~inner.expr, 0, 1, BOOLEAN)
            return Value(inner.expr * -1, inner.scale, inner.bound, NUMBER)
        if isinstance(node, Binary):
            return self._binary(node, baseline)
        if isinstance(node, Conditional):
            cond = self(node.condition, baseline).expr
            then, other = self(node.then, baseline), self(node.otherwise, baseline)
            scale, (a, b), bound = self._align([then, other])
            expr = pl.when(cond.is_null()).then(None).when(cond).then(a).otherwise(b)
            return Value(expr, scale, bound, _kind(then, other))
        return self._call(node, baseline)

    def _check(self, bound: int) -> int:
        if bound >= INT128:
            raise Unsupported("a value beyond 128 bits")
        return bound

    def _wide(self, value: Value, bound: int) -> pl.Expr:
        # Int64 arithmetic would wrap around: results that may not fit are computed in Int128.
        return value.expr.cast(pl.Int128) if bound > INT64 else value.expr

    def _align(self, parts: Sequence[Value]) -> tuple[int, list[pl.Expr], int]:
        scale = max((p.scale for p in parts if p.kind == NUMBER), default=0)
        out, bound = [], 0
        for part in parts:
            if part.kind != NUMBER or part.scale == scale:
                out.append(part.expr)
                bound = max(bound, part.bound)
                continue
            factor = 10 ** (scale - part.scale)
            part_bound = self._check(part.bound * factor)
            bound = max(bound, part_bound)
            out.append(self._wide(part, part_bound) * factor)
        return scale, out, bound

    def _binary(self, node: Binary, baseline: bool) -> Value:
        op = node.op
        left, right = self(node.left, baseline), self(node.right, baseline)
        if op == "and":
            return Value(left.expr & right.expr, 0, 1, BOOLEAN)
        if op == "or":
            return Value(left.expr | right.expr, 0, 1, BOOLEAN)
        if op == "*":
            bound = self._check(left.bound * right.bound)
            expr = self._wide(left, bound) * self._wide(right, bound)
            return Value(expr, left.scale + right.scale, bound, NUMBER)
        if op == "/":
            return self._divide(left, right)
        scale, (a, b), bound = self._align([left, right])
        if op in ("+", "-"):
            total = self._check(2 * bound)
            if total > INT64:
                a, b = a.cast(pl.Int128), b.cast(pl.Int128)
            return Value(a + b if op == "+" else a - b, scale, total, NUMBER)
        compare = {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "==": a == b,
            "!=": a != b,
        }[op]
        return Value(compare, 0, 1, BOOLEAN)

    def _divide(self, top: Value, bottom: Value) -> Value:
        # round(a_raw × 10**(18 + scale_b - scale_a) / b_raw) at scale 18.
        shift = DIVISION_SCALE + bottom.scale - top.scale
        up, down = 10 ** max(shift, 0), 10 ** max(-shift, 0)
        if top.bound * up >= INT128 or bottom.bound * down >= INT128:
            raise Unsupported("a division beyond 128 bits")
        bound = self._check(top.bound * up // down + 1)
        expr = quotient(top.expr.cast(pl.Int128) * up, bottom.expr.cast(pl.Int128) * down)
        return Value(self.derive(expr), DIVISION_SCALE, bound, NUMBER)

    def _call(self, node: Call, baseline: bool) -> Value:
        name = node.function
        if name == "missing":
            return Value(pl.lit(None, dtype=pl.Int64), 0, 0, ANY)
        if name in ("baseline", "change", "pct_change"):
            # Frames without a baseline (the baseline round itself) hold only gaps there.
            before = self(node.args[0], True)
            if name == "baseline":
                return before
            now = self(node.args[0], baseline)
            scale, (a, b), bound = self._align([now, before])
            total = self._check(2 * bound)
            if total > INT64:
                a, b = a.cast(pl.Int128), b.cast(pl.Int128)
            change = Value(a - b, scale, total, NUMBER)
            if name == "change":
                return change
            # pct_change(x) = (x - baseline) × 100 / baseline, with the division rule.
            hundred = Value(
                change.expr.cast(pl.Int128) * 100, scale, self._check(total * 100), NUMBER
            )
            return self._divide(hundred, Value(b, scale, bound, NUMBER))
        if name not in ("is_missing", "coalesce", "abs", "min", "max"):
            raise Unsupported(f"{name}() rounds its own way")
        args = [self(a, baseline) for a in node.args]
        if name == "is_missing":
            return Value(args[0].expr.is_null(), 0, 1, BOOLEAN)
        if name == "abs":
            return Value(args[0].expr.abs(), args[0].scale, args[0].bound, NUMBER)
        scale, exprs, bound = self._align(args)
        if bound > INT64:
            exprs = [e.cast(pl.Int128) for e in exprs]
        kind = _kind(*args)
        if name == "coalesce":
            return Value(pl.coalesce(exprs), scale, bound, kind)
        any_missing = pl.any_horizontal([e.is_null() for e in exprs])
        pick = pl.min_horizontal(exprs) if name == "min" else pl.max_horizontal(exprs)
        return Value(pl.when(any_missing).then(None).otherwise(pick), scale, bound, kind)


def _kind(*parts: Value) -> str:
    kinds = {p.kind for p in parts} - {ANY}
    return kinds.pop() if kinds else ANY
