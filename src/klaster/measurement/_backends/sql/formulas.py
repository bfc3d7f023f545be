"""Compiled formulas as SQL expressions on scaled integers (the SQL backend).

Executes the operations of :mod:`klaster.measurement.compiler` as the pure-Python reference
(:mod:`klaster.measurement._backends.python.formulas`) and the polars path
(:mod:`klaster.measurement._backends.polars.formulas`) do, operation by operation: ``a + b`` at
the larger scale, ``a * b`` at the sum of the scales, a division per unit rounded half-even to
18 decimals with integers (:meth:`~klaster.measurement._backends.sql.dialect.Dialect.quotient`),
so every engine computes the same integers. Values stay 64-bit while their bound allows and are
cast to the dialect's 128-bit type when it does not; what that type cannot hold, texts, dates
and ``round()`` raise :class:`~klaster.measurement._backends.python.fixedpoint.Unsupported` (the
report then takes another path for that indicator). SQL's ``NULL`` is the formula's missing
value: it propagates through arithmetic and comparisons, and ``AND``/``OR`` are three-valued as
in the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from klaster.measurement._backends.python.fixedpoint import (
    ANY,
    BOOLEAN,
    NUMBER,
    Unsupported,
    literal,
)
from klaster.measurement._backends.sql.dialect import INT64_MAX, Dialect
from klaster.measurement.compiler import Const, Divide, Kind, Load, Op, Shift

__all__ = ["SqlFormulas", "SqlValue"]


class SqlValue:
    """A translated (sub)formula: SQL expression, scale, bound of its scaled values, kind."""

    __slots__ = ("bound", "expr", "kind", "scale")

    def __init__(self, expr: str, scale: int, bound: int, kind: str) -> None:
        self.expr, self.scale, self.bound, self.kind = expr, scale, bound, kind


class SqlFormulas:
    """Translates compiled formulas to SQL for one table.

    Args:
        dialect: How to write the SQL.
        column: ``column(code, at)``: a variable (in round ``at``) as a :class:`SqlValue` (raises
            :class:`Unsupported` for what cannot be a scaled integer column).
        derive: ``derive(expr)``: a column computed once as ``expr`` before the aggregation,
            returned as the expression reading it (for divisions, costly and often repeated).

    Attributes:
        cache: Translations by operation; clear it when the derived columns change table.
    """

    def __init__(
        self,
        dialect: Dialect,
        column: Callable[[str, Shift | str | None], SqlValue],
        derive: Callable[[str], str],
    ) -> None:
        self.dialect = dialect
        self.column = column
        self.derive = derive
        self.cache: dict[Op, SqlValue] = {}
        self._operations = _operations(dialect)

    def __call__(self, op: Op) -> SqlValue:
        """The translation of ``op`` (each distinct operation translated once)."""
        found = self.cache.get(op)
        if found is None:
            found = self.cache[op] = self._translate(op)
        return found

    def check(self, bound: int) -> int:
        """``bound`` if the dialect's 128-bit type holds it; else raises :class:`Unsupported`."""
        if bound > self.dialect.wide_max:
            raise Unsupported("a value beyond 128 bits")
        return bound

    def _translate(self, op: Op) -> SqlValue:
        sql = self.dialect
        if isinstance(op, Load):
            return self.column(op.code, op.at)
        if isinstance(op, Const):
            value = op.value
            if isinstance(value, Decimal):
                raw, scale = literal(value)
                return SqlValue(sql.literal(raw), scale, self.check(abs(raw)), NUMBER)
            if value is None:
                return SqlValue(sql.cast("NULL", sql.int64), 0, 0, ANY)
            if isinstance(value, bool):
                return SqlValue(sql.literal(value), 0, 1, BOOLEAN)
            raise Unsupported("text values")
        if isinstance(op, Divide):
            return self.divide(self(op.top), self(op.bottom), op.scale)
        return self._operations[op.op](self, [self(a) for a in op.args], op.kind)

    def divide(self, top: SqlValue, bottom: SqlValue, at: int) -> SqlValue:
        """``top / bottom`` rounded half-even to ``at`` decimals, as a derived column."""
        # round(a_raw × 10**(at + scale_b - scale_a) / b_raw) at scale ``at``.
        shift = at + bottom.scale - top.scale
        up, down = 10 ** max(shift, 0), 10 ** max(-shift, 0)
        most = self.dialect.wide_max
        if top.bound * up > most or bottom.bound * down > most:
            raise Unsupported("a division beyond 128 bits")
        bound = self.check(top.bound * up // down + 1)
        a, b = self.scaled(top, up), self.scaled(bottom, down)
        # The quotient repeats its operands: computed once, unless they are columns already.
        a, b = (x if self._is_column(x) else self.derive(x) for x in (a, b))
        return SqlValue(self.derive(self.dialect.quotient(a, b)), at, bound, NUMBER)

    def _is_column(self, expr: str) -> bool:
        """Whether ``expr`` is just a quoted column name."""
        q = self.dialect.quote
        return expr[:1] == q and expr.count(q) == 2 and expr[-1:] == q

    def scaled(self, value: SqlValue, factor: int) -> str:
        """``value × factor`` (128-bit when the product may leave 64 bits)."""
        if factor == 1:
            return value.expr
        expr = self.wide(value, value.bound * factor)
        return f"({expr} * {self.dialect.literal(factor)})"

    def wide(self, value: SqlValue, bound: int) -> str:
        """``value`` as 128-bit if results up to ``bound`` would leave 64 bits."""
        return self.dialect.widen(value.expr) if bound > INT64_MAX else value.expr

    def align(self, parts: Sequence[SqlValue]) -> tuple[int, list[str], int]:
        """The numbers of ``parts`` at their largest scale: (scale, expressions, bound)."""
        scale = max((p.scale for p in parts if p.kind == NUMBER), default=0)
        out, bound = [], 0
        for part in parts:
            if part.kind != NUMBER or part.scale == scale:
                out.append(part.expr)
                bound = max(bound, part.bound)
                continue
            factor = 10 ** (scale - part.scale)
            part_bound = self.check(part.bound * factor)
            bound = max(bound, part_bound)
            out.append(self.scaled(part, factor))
        return scale, out, bound

    def columns(self, args: Sequence[SqlValue]) -> tuple[int, list[str], int]:
        """:meth:`align`, every expression 128-bit if any bound needs it (one type for all)."""
        scale, exprs, bound = self.align(args)
        if bound > INT64_MAX:
            exprs = [self.dialect.widen(e) for e in exprs]
        return scale, exprs, bound


Translate = Callable[[SqlFormulas, list[SqlValue], Kind], SqlValue]


def _not(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    return SqlValue(f"(NOT {args[0].expr})", 0, 1, BOOLEAN)


def _neg(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    (x,) = args
    return SqlValue(f"(-({x.expr}))", x.scale, x.bound, NUMBER)


def _sum_or_difference(sign: str) -> Translate:
    def translate(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
        scale, (a, b), bound = f.align(args)
        total = f.check(2 * bound)
        if total > INT64_MAX:
            a, b = f.dialect.widen(a), f.dialect.widen(b)
        return SqlValue(f"({a} {sign} {b})", scale, total, NUMBER)

    return translate


def _multiply(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    left, right = args
    bound = f.check(left.bound * right.bound)
    expr = f"({f.wide(left, bound)} * {f.wide(right, bound)})"
    return SqlValue(expr, left.scale + right.scale, bound, NUMBER)


def _compare(test: str) -> Translate:
    def translate(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
        _, (a, b), _ = f.columns(args) if args[0].kind == NUMBER else f.align(args)
        return SqlValue(f"({a} {test} {b})", 0, 1, BOOLEAN)

    return translate


def _logic(word: str) -> Translate:
    def translate(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
        return SqlValue(f"({args[0].expr} {word} {args[1].expr})", 0, 1, BOOLEAN)

    return translate


def _if(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    condition, then, other = args
    scale, (a, b), bound = f.columns([then, other]) if kind == NUMBER else f.align([then, other])
    expr = f.dialect.case([(f"({condition.expr}) IS NULL", "NULL"), (condition.expr, a)], b)
    return SqlValue(expr, scale, bound, kind)


def _abs(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    (x,) = args
    return SqlValue(f"abs({x.expr})", x.scale, x.bound, NUMBER)


def _pick(function: str) -> Translate:
    def translate(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
        scale, exprs, bound = f.columns(args)
        missing = " OR ".join(f"({e}) IS NULL" for e in exprs)
        pick = f"{function}({', '.join(exprs)})"
        return SqlValue(f.dialect.case([(missing, "NULL")], pick), scale, bound, kind)

    return translate


def _coalesce(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    scale, exprs, bound = f.columns(args)
    return SqlValue(f"coalesce({', '.join(exprs)})", scale, bound, kind)


def _is_missing(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    return SqlValue(f"(({args[0].expr}) IS NULL)", 0, 1, BOOLEAN)


def _round(f: SqlFormulas, args: list[SqlValue], kind: Kind) -> SqlValue:
    raise Unsupported("round() is left to the Python backend")


def _operations(dialect: Dialect) -> dict[str, Translate]:
    """Each operation of :data:`klaster.measurement.compiler.OPERATIONS` as SQL."""
    return {
        "not": _not,
        "neg": _neg,
        "+": _sum_or_difference("+"),
        "-": _sum_or_difference("-"),
        "*": _multiply,
        "<": _compare("<"),
        "<=": _compare("<="),
        ">": _compare(">"),
        ">=": _compare(">="),
        "==": _compare("="),
        "!=": _compare("<>"),
        "and": _logic("AND"),
        "or": _logic("OR"),
        "if": _if,
        "abs": _abs,
        "min": _pick("least"),
        "max": _pick("greatest"),
        "round": _round,
        "coalesce": _coalesce,
        "is_missing": _is_missing,
    }
