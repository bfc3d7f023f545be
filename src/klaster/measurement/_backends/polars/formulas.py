"""The polars columnar backend: compiled formulas as polars expressions on scaled integers.

Executes the operations of :mod:`klaster.measurement.compiler` as the pure-Python reference
(:mod:`klaster.measurement._backends.python.formulas`) does, operation by operation (``a + b``
at the larger scale, ``a * b`` at the sum of the scales, a division per unit rounded half-even
to 18 decimals with integers), so it computes the same integers. Values stay ``Int64`` while
their bound allows and become ``Int128`` when it does not; what 128 bits cannot hold, texts,
dates and ``round()`` raise
:class:`~klaster.measurement._backends.python.fixedpoint.Unsupported` (the report then takes the
Python backend for that indicator).

To add a function, add its translation to :data:`OPERATIONS` (see the compiler's docstring for
the other tables).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import polars as pl

from klaster.measurement._backends.python.fixedpoint import (
    ANY,
    BOOLEAN,
    NUMBER,
    Unsupported,
    literal,
)
from klaster.measurement.compiler import Const, Divide, Kind, Load, Op, Shift

__all__ = ["INT64", "INT128", "OPERATIONS", "Formulas", "Value", "quotient"]

INT64 = 2**63 - 1
INT128 = 2**127 - 1


class Value:
    """A translated (sub)formula: expression, scale, bound of its scaled values, kind."""

    __slots__ = ("bound", "expr", "kind", "scale")

    def __init__(self, expr: pl.Expr, scale: int, bound: int, kind: str) -> None:
        self.expr, self.scale, self.bound, self.kind = expr, scale, bound, kind


def quotient(top: pl.Expr, bottom: pl.Expr) -> pl.Expr:
    """``top / bottom`` rounded half-even to an integer, as ``Int128`` (null where ``bottom`` is 0).

    The rule of :func:`klaster.measurement.division.quotient`, on columns.
    """
    sign = bottom.sign().cast(pl.Int128)
    a, b = top.cast(pl.Int128) * sign, bottom.cast(pl.Int128) * sign  # b > 0 (or 0)
    # floor((2a + b) / 2b) rounds half up; a tie (remainder 0) that lands odd goes down one.
    twice_a, twice_b = 2 * a + b, 2 * b
    whole = twice_a // twice_b
    tie = (twice_a % twice_b == 0) & (whole % 2 != 0)
    return pl.when(bottom != 0).then(whole - tie.cast(pl.Int128))


def check(bound: int) -> int:
    """``bound`` if 128 bits hold it; else raises :class:`Unsupported`."""
    if bound >= INT128:
        raise Unsupported("a value beyond 128 bits")
    return bound


def wide(value: Value, bound: int) -> pl.Expr:
    """``value`` as ``Int128`` if results up to ``bound`` would wrap around in ``Int64``."""
    return value.expr.cast(pl.Int128) if bound > INT64 else value.expr


def align(parts: Sequence[Value]) -> tuple[int, list[pl.Expr], int]:
    """The numbers of ``parts`` at their largest scale: (scale, expressions, bound)."""
    scale = max((p.scale for p in parts if p.kind == NUMBER), default=0)
    out, bound = [], 0
    for part in parts:
        if part.kind != NUMBER or part.scale == scale:
            out.append(part.expr)
            bound = max(bound, part.bound)
            continue
        factor = 10 ** (scale - part.scale)
        part_bound = check(part.bound * factor)
        bound = max(bound, part_bound)
        out.append(wide(part, part_bound) * factor)
    return scale, out, bound


class Formulas:
    """Translates compiled formulas for one table.

    Args:
        column: ``column(code, at)``: a variable (in round ``at``: see
            :class:`~klaster.measurement.compiler.Load`) as a :class:`Value` (raises
            :class:`Unsupported` for what cannot be a scaled integer column).
        derive: ``derive(expr)``: the name of a column computed once as ``expr`` (for what is
            costly and may be read more than once: divisions).

    Attributes:
        cache: Translations by operation; clear it when the derived columns change table.
    """

    def __init__(
        self,
        column: Callable[[str, Shift | str | None], Value],
        derive: Callable[[pl.Expr], pl.Expr],
    ) -> None:
        self.column = column
        self.derive = derive
        self.cache: dict[Op, Value] = {}

    def __call__(self, op: Op) -> Value:
        """The translation of ``op`` (each distinct operation translated once)."""
        found = self.cache.get(op)
        if found is None:
            found = self.cache[op] = self._translate(op)
        return found

    def _translate(self, op: Op) -> Value:
        if isinstance(op, Load):
            return self.column(op.code, op.at)
        if isinstance(op, Const):
            value = op.value
            if isinstance(value, Decimal):
                raw, scale = literal(value)
                bound = check(abs(raw))
                dtype = pl.Int64 if bound <= INT64 else pl.Int128
                return Value(pl.lit(raw, dtype=dtype), scale, bound, NUMBER)
            if value is None:
                return Value(pl.lit(None, dtype=pl.Int64), 0, 0, ANY)
            if isinstance(value, bool):
                return Value(pl.lit(value), 0, 1, BOOLEAN)
            raise Unsupported("text values")
        if isinstance(op, Divide):
            return self.divide(self(op.top), self(op.bottom), op.scale)
        return OPERATIONS[op.op]([self(a) for a in op.args], op.kind)

    def divide(self, top: Value, bottom: Value, at: int) -> Value:
        """``top / bottom`` rounded half-even to ``at`` decimals, as a derived column."""
        # round(a_raw × 10**(at + scale_b - scale_a) / b_raw) at scale ``at``.
        shift = at + bottom.scale - top.scale
        up, down = 10 ** max(shift, 0), 10 ** max(-shift, 0)
        if top.bound * up >= INT128 or bottom.bound * down >= INT128:
            raise Unsupported("a division beyond 128 bits")
        bound = check(top.bound * up // down + 1)
        expr = quotient(top.expr.cast(pl.Int128) * up, bottom.expr.cast(pl.Int128) * down)
        return Value(self.derive(expr), at, bound, NUMBER)


def _not(args: list[Value], kind: Kind) -> Value:
    return Value(~args[0].expr, 0, 1, BOOLEAN)


def _neg(args: list[Value], kind: Kind) -> Value:
    (x,) = args
    return Value(x.expr * -1, x.scale, x.bound, NUMBER)


def _sum_or_difference(add: bool) -> Callable[[list[Value], Kind], Value]:
    def translate(args: list[Value], kind: Kind) -> Value:
        scale, (a, b), bound = align(args)
        total = check(2 * bound)
        if total > INT64:
            a, b = a.cast(pl.Int128), b.cast(pl.Int128)
        return Value(a + b if add else a - b, scale, total, NUMBER)

    return translate


def _multiply(args: list[Value], kind: Kind) -> Value:
    left, right = args
    bound = check(left.bound * right.bound)
    return Value(wide(left, bound) * wide(right, bound), left.scale + right.scale, bound, NUMBER)


def _compare(test: Callable[[pl.Expr, pl.Expr], pl.Expr]) -> Callable[[list[Value], Kind], Value]:
    def translate(args: list[Value], kind: Kind) -> Value:
        _, (a, b), _ = align(args)
        return Value(test(a, b), 0, 1, BOOLEAN)

    return translate


def _if(args: list[Value], kind: Kind) -> Value:
    condition, then, other = args
    scale, (a, b), bound = align([then, other])
    expr = pl.when(condition.expr.is_null()).then(None).when(condition.expr).then(a).otherwise(b)
    return Value(expr, scale, bound, kind)


def _abs(args: list[Value], kind: Kind) -> Value:
    (x,) = args
    return Value(x.expr.abs(), x.scale, x.bound, NUMBER)


def _columns(args: list[Value]) -> tuple[int, list[pl.Expr], int]:
    scale, exprs, bound = align(args)
    if bound > INT64:
        exprs = [e.cast(pl.Int128) for e in exprs]
    return scale, exprs, bound


def _pick(smallest: bool) -> Callable[[list[Value], Kind], Value]:
    def translate(args: list[Value], kind: Kind) -> Value:
        scale, exprs, bound = _columns(args)
        any_missing = pl.any_horizontal([e.is_null() for e in exprs])
        pick = pl.min_horizontal(exprs) if smallest else pl.max_horizontal(exprs)
        return Value(pl.when(any_missing).then(None).otherwise(pick), scale, bound, kind)

    return translate


def _coalesce(args: list[Value], kind: Kind) -> Value:
    scale, exprs, bound = _columns(args)
    return Value(pl.coalesce(exprs), scale, bound, kind)


def _is_missing(args: list[Value], kind: Kind) -> Value:
    return Value(args[0].expr.is_null(), 0, 1, BOOLEAN)


def _round(args: list[Value], kind: Kind) -> Value:
    raise Unsupported("round() is left to the Python backend")


OPERATIONS: dict[str, Callable[[list[Value], Kind], Value]] = {
    "not": _not,
    "neg": _neg,
    "+": _sum_or_difference(True),
    "-": _sum_or_difference(False),
    "*": _multiply,
    "<": _compare(lambda a, b: a < b),
    "<=": _compare(lambda a, b: a <= b),
    ">": _compare(lambda a, b: a > b),
    ">=": _compare(lambda a, b: a >= b),
    "==": _compare(lambda a, b: a == b),
    "!=": _compare(lambda a, b: a != b),
    "and": lambda args, kind: Value(args[0].expr & args[1].expr, 0, 1, BOOLEAN),
    "or": lambda args, kind: Value(args[0].expr | args[1].expr, 0, 1, BOOLEAN),
    "if": _if,
    "abs": _abs,
    "min": _pick(True),
    "max": _pick(False),
    "round": _round,
    "coalesce": _coalesce,
    "is_missing": _is_missing,
}
"""Each operation of :data:`klaster.measurement.compiler.OPERATIONS` as a polars expression:
``OPERATIONS[op](argument values, result kind)``."""
