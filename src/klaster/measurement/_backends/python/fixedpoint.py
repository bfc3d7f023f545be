r"""Exact fixed-point evaluation of formulas and partial aggregates, for reports.

A report adds up millions of unit values. Reading each stored value as a ``Decimal`` and adding
``Decimal``\\ s is most of the cost, and it is not needed: the column store keeps decimals as
scaled integers (``value × 10**scale``), and ``+``, ``-``, ``*`` and comparisons on scaled
integers are exact when the scales are tracked (``a + b`` at the larger scale, ``a * b`` at the
sum of the scales: the exponents ``Decimal`` arithmetic would give). So formulas are evaluated on
Python ``int``\\ s, sums are taken as ``int``\\ s, and a ``Decimal`` is made once per figure.

A division per unit follows the formula language's rule (the exact quotient rounded half-even
to :data:`~klaster.measurement.evaluate.DIVISION_SCALE` decimals), which integers give exactly:
``round(a × 10**(18 + scale_b - scale_a) / b)`` at scale 18.

The ``Decimal`` evaluator is exact too (it never rounds ``+``, ``-``, ``*``), so both give the
same numbers. What fixed point does not do raises :class:`Unsupported` and the caller evaluates
that indicator with :class:`~klaster.measurement.evaluate.Evaluator`: ``round``, and text,
category and date values.

The partial aggregates of a part of a disaggregation are in
:mod:`klaster.measurement._backends.partials`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

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
from klaster.measurement.evaluate import DIVISION_SCALE, quotient
from klaster.measurement.methods.exactmath import EXACT

NUMBER, BOOLEAN, ANY = "number", "boolean", "any"


class Unsupported(Exception):
    """The formula (or its data) needs the ``Decimal`` evaluator to give the same result."""


class Scaled:
    """One value per unit: ``int`` (scaled by ``10**scale``), ``bool`` or ``None`` (missing).

    ``bound`` is at least the largest absolute scaled value (the polars engine chooses 64 or
    128 bits by it).
    """

    __slots__ = ("bound", "kind", "scale", "values")

    def __init__(self, values: list[Any], scale: int, bound: int, kind: str) -> None:
        self.values = values
        self.scale = scale
        self.bound = bound
        self.kind = kind


class Source(Protocol):
    """Where a formula's names are read: one round's units (or the baseline, aligned)."""

    length: int

    def scaled(self, code: str) -> Scaled:
        """The values of variable ``code``; raises :class:`Unsupported` for other types."""
        ...

    def baseline(self) -> Source | None:
        """The same units read in the baseline round, or ``None`` without a baseline."""
        ...


def unscale(raw: int, scale: int) -> Decimal:
    """``raw / 10**scale`` as an exact ``Decimal`` with ``scale`` decimals."""
    # In the exact context scaleb never rounds, whatever the thread's precision.
    return Decimal(raw) if scale == 0 else Decimal(raw).scaleb(-scale, EXACT)


def literal(value: Decimal) -> tuple[int, int]:
    """A formula number as (scaled integer, scale), the scale being its number of decimals."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    raw = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        raw *= 10**exponent
        scale = 0
    else:
        scale = -exponent
    return (-raw if sign else raw), scale


class Evaluation:
    """Evaluates one formula tree over a :class:`Source` with scaled integers.

    Args:
        trees: Formula trees of the indicators a formula may name (inlined, as the ``Decimal``
            evaluator computes a named indicator's unit values).
    """

    def __init__(self, trees: Mapping[str, Expr]) -> None:
        self.trees = trees

    def run(self, tree: Expr, source: Source) -> Scaled:
        """Evaluate ``tree``; raises :class:`Unsupported` when fixed point cannot."""
        return self._eval(tree, source)

    def _eval(self, node: Expr, src: Source) -> Scaled:
        n = src.length
        if isinstance(node, Number):
            raw, scale = literal(node.value)
            return Scaled([raw] * n, scale, abs(raw), NUMBER)
        if isinstance(node, Boolean):
            return Scaled([node.value] * n, 0, 1, BOOLEAN)
        if isinstance(node, String):
            raise Unsupported("text values")
        if isinstance(node, Name):
            tree = self.trees.get(node.code)
            return src.scaled(node.code) if tree is None else self._eval(tree, src)
        if isinstance(node, Unary):
            inner = self._eval(node.operand, src)
            if node.op == "not":
                return Scaled([None if v is None else not v for v in inner.values], 0, 1, BOOLEAN)
            return Scaled(
                [None if v is None else -v for v in inner.values], inner.scale, inner.bound, NUMBER
            )
        if isinstance(node, Binary):
            return self._binary(node, src)
        if isinstance(node, Conditional):
            cond = self._eval(node.condition, src).values
            then, other = self._eval(node.then, src), self._eval(node.otherwise, src)
            scale, (a, b), bound = self._align([then, other])
            return Scaled(
                [
                    None if c is None else (t if c else o)
                    for c, t, o in zip(cond, a, b, strict=True)
                ],
                scale,
                bound,
                _kind(then, other),
            )
        return self._call(node, src)

    def _align(self, parts: Sequence[Scaled]) -> tuple[int, list[list[Any]], int]:
        numbers = [p for p in parts if p.kind == NUMBER]
        scale = max((p.scale for p in numbers), default=0)
        out = []
        bound = 0
        for part in parts:
            if part.kind != NUMBER or part.scale == scale:
                out.append(part.values)
                bound = max(bound, part.bound)
                continue
            factor = 10 ** (scale - part.scale)
            bound = max(bound, part.bound * factor)
            out.append([None if v is None else v * factor for v in part.values])
        return scale, out, bound

    def _binary(self, node: Binary, src: Source) -> Scaled:
        op = node.op
        left, right = self._eval(node.left, src), self._eval(node.right, src)
        if op == "/":
            return self._divide(left, right)
        if op == "and":
            return Scaled(
                [
                    False if a is False or b is False else None if a is None or b is None else True
                    for a, b in zip(left.values, right.values, strict=True)
                ],
                0,
                1,
                BOOLEAN,
            )
        if op == "or":
            return Scaled(
                [
                    True if a is True or b is True else None if a is None or b is None else False
                    for a, b in zip(left.values, right.values, strict=True)
                ],
                0,
                1,
                BOOLEAN,
            )
        if op == "*":
            bound = left.bound * right.bound
            return Scaled(
                [
                    None if a is None or b is None else a * b
                    for a, b in zip(left.values, right.values, strict=True)
                ],
                left.scale + right.scale,
                bound,
                NUMBER,
            )
        scale, (a_values, b_values), bound = self._align([left, right])
        pairs = zip(a_values, b_values, strict=True)
        if op == "+":
            values = [None if a is None or b is None else a + b for a, b in pairs]
            return Scaled(values, scale, 2 * bound, NUMBER)
        if op == "-":
            values = [None if a is None or b is None else a - b for a, b in pairs]
            return Scaled(values, scale, 2 * bound, NUMBER)
        compare: Callable[[Any, Any], bool] = _COMPARE[op]
        return Scaled(
            [None if a is None or b is None else compare(a, b) for a, b in pairs], 0, 1, BOOLEAN
        )

    def _divide(self, top: Scaled, bottom: Scaled) -> Scaled:
        # a / b at DIVISION_SCALE: round(a_raw * 10**(18 + scale_b - scale_a) / b_raw).
        shift = DIVISION_SCALE + bottom.scale - top.scale
        up, down = 10 ** max(shift, 0), 10 ** max(-shift, 0)
        values = [
            None if a is None or not b else quotient(a * up, b * down)
            for a, b in zip(top.values, bottom.values, strict=True)
        ]
        # |b_raw| >= 1, so |quotient| <= |a_raw| * up / down, rounded up by at most one.
        return Scaled(values, DIVISION_SCALE, top.bound * up // down + 1, NUMBER)

    def _call(self, node: Call, src: Source) -> Scaled:
        name = node.function
        n = src.length
        if name == "missing":
            return Scaled([None] * n, 0, 0, ANY)
        if name in ("baseline", "change", "pct_change"):
            before_src = src.baseline()
            if before_src is None:
                return Scaled([None] * n, 0, 0, ANY)
            before = self._eval(node.args[0], before_src)
            if name == "baseline":
                return before
            now = self._eval(node.args[0], src)
            scale, (a_values, b_values), bound = self._align([now, before])
            change = Scaled(
                [
                    None if a is None or b is None else a - b
                    for a, b in zip(a_values, b_values, strict=True)
                ],
                scale,
                2 * bound,
                NUMBER,
            )
            if name == "change":
                return change
            # pct_change(x) = (x - baseline) × 100 / baseline, with the division rule.
            hundred = Scaled(
                [None if v is None else v * 100 for v in change.values],
                scale,
                change.bound * 100,
                NUMBER,
            )
            return self._divide(hundred, Scaled(b_values, scale, bound, NUMBER))
        if name not in ("is_missing", "coalesce", "abs", "min", "max"):
            raise Unsupported(f"{name}() rounds its own way")
        args = [self._eval(a, src) for a in node.args]
        if name == "is_missing":
            return Scaled([v is None for v in args[0].values], 0, 1, BOOLEAN)
        if name == "abs":
            only = args[0]
            return Scaled(
                [None if v is None else abs(v) for v in only.values], only.scale, only.bound, NUMBER
            )
        scale, columns, bound = self._align(args)
        kind = _kind(*args)
        if name == "coalesce":
            values = [
                next((v for v in row if v is not None), None) for row in zip(*columns, strict=True)
            ]
            return Scaled(values, scale, bound, kind)
        pick = min if name == "min" else max
        values = [None if None in row else pick(row) for row in zip(*columns, strict=True)]
        return Scaled(values, scale, bound, kind)


def _kind(*parts: Scaled) -> str:
    kinds = {p.kind for p in parts} - {ANY}
    return kinds.pop() if kinds else ANY


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
