r"""Exact fixed-point evaluation of formulas and partial aggregates, for reports.

A report adds up millions of unit values. Reading each stored value as a ``Decimal`` and adding
``Decimal``\\ s is most of the cost, and it is not needed: the column store keeps decimals as
scaled integers (``value × 10**scale``), and ``+``, ``-``, ``*`` and comparisons on scaled
integers are exact when the scales are tracked (``a + b`` at the larger scale, ``a * b`` at the
sum of the scales: the exponents ``Decimal`` arithmetic would give). So formulas are evaluated on
Python ``int``\\ s, sums are taken as ``int``\\ s, and a ``Decimal`` is made once per figure.

Anything that fixed point cannot do *exactly as the* ``Decimal`` *evaluator does* raises
:class:`Unsupported` and the caller evaluates that indicator with
:class:`~klaster.measurement.evaluate.Evaluator`: a division per unit (rounded to the context's
precision), ``pct_change``, ``round``, text, category and date values, and any value or sum with
more digits than the decimal context's precision (where ``Decimal`` would round and ``int``
would not).

The partial aggregates (:class:`FixedSum`, :class:`FixedRatio`, :class:`Poverty`) are what a part
of a disaggregation contributes; parts merge into cells, and a cell gives the same
:class:`~klaster.measurement.aggregate.Figure` as aggregating its units in one go. The polars
fast path fills the same partials from its group-by, so both paths share the last step.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import compress
from math import gcd
from typing import Any, Protocol

from klaster.formula import Binary, Boolean, Call, Conditional, Expr, Name, Number, String, Unary
from klaster.indicator import Aggregation
from klaster.measurement._exactmath import EXACT, to_result
from klaster.measurement.aggregate import Figure, ratio_figure, total_figure
from klaster.measurement.na import NotAvailable

NUMBER, BOOLEAN, ANY = "number", "boolean", "any"


class Unsupported(Exception):
    """The formula (or its data) needs the ``Decimal`` evaluator to give the same result."""


class Scaled:
    """One value per unit: ``int`` (scaled by ``10**scale``), ``bool`` or ``None`` (missing).

    ``bound`` is at least the largest absolute scaled value, for the precision guard.
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


def digits_limit() -> int:
    """Scaled values must stay below this for ``Decimal`` arithmetic not to round."""
    return int(10 ** decimal.getcontext().prec)


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
        limit: Exclusive bound of every scaled value (:func:`digits_limit`).
    """

    def __init__(self, trees: Mapping[str, Expr], limit: int) -> None:
        self.trees = trees
        self.limit = limit

    def run(self, tree: Expr, source: Source) -> Scaled:
        """Evaluate ``tree``; raises :class:`Unsupported` when fixed point cannot."""
        return self._eval(tree, source)

    def _guard(self, bound: int) -> int:
        if bound >= self.limit:
            raise Unsupported("a value has more digits than the decimal context keeps")
        return bound

    def _eval(self, node: Expr, src: Source) -> Scaled:
        n = src.length
        if isinstance(node, Number):
            raw, scale = literal(node.value)
            return Scaled([raw] * n, scale, self._guard(abs(raw)), NUMBER)
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
            bound = max(bound, self._guard(part.bound * factor))
            out.append([None if v is None else v * factor for v in part.values])
        return scale, out, bound

    def _binary(self, node: Binary, src: Source) -> Scaled:
        op = node.op
        if op == "/":
            raise Unsupported("a division per unit is rounded by the decimal context")
        left, right = self._eval(node.left, src), self._eval(node.right, src)
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
            bound = self._guard(left.bound * right.bound)
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
            return Scaled(values, scale, self._guard(2 * bound), NUMBER)
        if op == "-":
            values = [None if a is None or b is None else a - b for a, b in pairs]
            return Scaled(values, scale, self._guard(2 * bound), NUMBER)
        compare: Callable[[Any, Any], bool] = _COMPARE[op]
        return Scaled(
            [None if a is None or b is None else compare(a, b) for a, b in pairs], 0, 1, BOOLEAN
        )

    def _call(self, node: Call, src: Source) -> Scaled:
        name = node.function
        n = src.length
        if name == "missing":
            return Scaled([None] * n, 0, 0, ANY)
        if name in ("baseline", "change"):
            before_src = src.baseline()
            if before_src is None:
                return Scaled([None] * n, 0, 0, ANY)
            before = self._eval(node.args[0], before_src)
            if name == "baseline":
                return before
            now = self._eval(node.args[0], src)
            scale, (a_values, b_values), bound = self._align([now, before])
            return Scaled(
                [
                    None if a is None or b is None else a - b
                    for a, b in zip(a_values, b_values, strict=True)
                ],
                scale,
                self._guard(2 * bound),
                NUMBER,
            )
        if name not in ("is_missing", "coalesce", "abs", "min", "max"):
            raise Unsupported(f"{name}() is rounded or needs a division")
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


# -- partial aggregates -------------------------------------------------------------------------


def pick(values: list[Any], index: Sequence[int] | None) -> list[Any]:
    """``values`` at ``index`` (all of them for ``None``)."""
    if index is None:
        return values
    return list(map(values.__getitem__, index))


class Partial(Protocol):
    """What some units contribute to one figure; parts merge into a cell."""

    def merge(self, other: Any) -> None:
        """Add another part's units."""

    def copy(self) -> Partial:
        """An independent copy (a cell starts as a copy of its first part)."""

    def figure(self, how: Aggregation, minimum_n: int, limit: int) -> Figure:
        """The cell's figure."""


class FixedSum:
    """Sum, mean, count or share: present units, missing units and the scaled total."""

    __slots__ = ("missing", "n", "scale", "total")

    def __init__(self, n: int = 0, missing: int = 0, total: int = 0, scale: int = 0) -> None:
        self.n, self.missing, self.total, self.scale = n, missing, total, scale

    @classmethod
    def of(cls, data: Scaled, index: Sequence[int] | None) -> FixedSum:
        """The part of the units at ``index``."""
        values = pick(data.values, index)
        missing = values.count(None)
        n = len(values) - missing
        if data.kind == BOOLEAN:
            return cls(n, missing, values.count(True))  # only bools and None here
        # filter(None, ...) drops the gaps (and zeros, which add nothing): a C-level sum.
        # Like sum(present, Decimal(0)): no value present keeps the exponent of Decimal(0).
        return cls(n, missing, sum(filter(None, values)), data.scale if n else 0)

    def merge(self, other: FixedSum) -> None:
        """Add another part's units (totals at the larger scale of the parts with values)."""
        if other.n:
            if self.n:
                self.total, self.scale = _add(self.total, self.scale, other.total, other.scale)
            else:
                self.total, self.scale = other.total, other.scale
        self.n += other.n
        self.missing += other.missing

    def copy(self) -> FixedSum:
        """An independent copy."""
        return FixedSum(self.n, self.missing, self.total, self.scale)

    def figure(self, how: Aggregation, minimum_n: int, limit: int) -> Figure:
        """The figure of :func:`~klaster.measurement.aggregate.aggregate` for these units."""
        if how in (Aggregation.COUNT, Aggregation.SHARE_MEETING):
            return total_figure(how, self.total, self.n, self.missing, minimum_n=minimum_n)
        if abs(self.total) >= limit:
            raise Unsupported("a total has more digits than the decimal context keeps")
        return total_figure(
            how, unscale(self.total, self.scale), self.n, self.missing, minimum_n=minimum_n
        )


class FixedRatio:
    """Ratio of sums: units with both parts, the others, and both scaled totals."""

    __slots__ = ("bottom", "bottom_scale", "missing", "n", "top", "top_scale")

    def __init__(
        self,
        n: int = 0,
        missing: int = 0,
        top: int = 0,
        top_scale: int = 0,
        bottom: int = 0,
        bottom_scale: int = 0,
    ) -> None:
        self.n, self.missing = n, missing
        self.top, self.top_scale, self.bottom, self.bottom_scale = (
            top,
            top_scale,
            bottom,
            bottom_scale,
        )

    @classmethod
    def of(cls, data: tuple[Scaled, Scaled], index: Sequence[int] | None) -> FixedRatio:
        """The part of the units at ``index``."""
        top, bottom = data
        tops, bottoms = pick(top.values, index), pick(bottom.values, index)
        if None in tops or None in bottoms:
            both = [a is not None and b is not None for a, b in zip(tops, bottoms, strict=True)]
            n = both.count(True)
            top_sum, bottom_sum = sum(compress(tops, both)), sum(compress(bottoms, both))
        else:
            n, top_sum, bottom_sum = len(tops), sum(tops), sum(bottoms)
        if not n:
            return cls(0, len(tops))
        return cls(n, len(tops) - n, top_sum, top.scale, bottom_sum, bottom.scale)

    def merge(self, other: FixedRatio) -> None:
        """Add another part's units."""
        if other.n:
            if self.n:
                self.top, self.top_scale = _add(
                    self.top, self.top_scale, other.top, other.top_scale
                )
                self.bottom, self.bottom_scale = _add(
                    self.bottom, self.bottom_scale, other.bottom, other.bottom_scale
                )
            else:
                self.top, self.top_scale = other.top, other.top_scale
                self.bottom, self.bottom_scale = other.bottom, other.bottom_scale
        self.n += other.n
        self.missing += other.missing

    def copy(self) -> FixedRatio:
        """An independent copy."""
        return FixedRatio(
            self.n, self.missing, self.top, self.top_scale, self.bottom, self.bottom_scale
        )

    def figure(self, how: Aggregation, minimum_n: int, limit: int) -> Figure:
        """The figure of :func:`~klaster.measurement.aggregate.aggregate_ratio`."""
        if max(abs(self.top), abs(self.bottom)) >= limit:
            raise Unsupported("a total has more digits than the decimal context keeps")
        return ratio_figure(
            unscale(self.top, self.top_scale),
            unscale(self.bottom, self.bottom_scale),
            self.n,
            self.missing,
            minimum_n=minimum_n,
        )


def _add(a: int, a_scale: int, b: int, b_scale: int) -> tuple[int, int]:
    if a_scale == b_scale:
        return a + b, a_scale
    if a_scale > b_scale:
        return a + b * 10 ** (a_scale - b_scale), a_scale
    return a * 10 ** (b_scale - a_scale) + b, b_scale


def _sum_of_fractions(terms: list[tuple[int, int]], divisor: int) -> Fraction:
    """``sum(top / bottom) / divisor`` exactly, over one common denominator (no gcd per term)."""
    common = 1
    for bottom in {b for _, b in terms}:
        common = common * bottom // gcd(common, bottom)
    top = sum(t * (common // b) for t, b in terms)
    return Fraction(top, common * divisor)


class PovertyInputs:
    """Household income (scaled), household size and the line of one round's units.

    ``line`` is ``(Z, scale)`` with ``Z`` the line scaled like the incomes, or ``None`` when no
    line was found (every unit then lacks a line).
    """

    __slots__ = ("incomes", "line", "sizes")

    def __init__(self, incomes: Scaled, sizes: list[Any], line: int | None) -> None:
        self.incomes, self.sizes, self.line = incomes, sizes, line


class Poverty:
    """FGT sums of some units, exact: P0, P1 and P2 come from the same part.

    A household of ``s`` people with income ``y`` is poor when ``y / s < z``, i.e. ``y < s·z``;
    with ``g = s·z - y`` (incomes below zero count as zero) it adds ``s`` people to the poor
    population, ``g / z`` to the depth sum and ``g² / (s·z²)`` to the severity sum. These are
    the person-weighted FGT terms ``s · ((z - y/s) / z)**alpha`` written without dividing per
    unit, so the three measures are exact rationals rounded once.
    """

    __slots__ = (
        "depth",
        "missing_income",
        "missing_line",
        "n",
        "poor_weight",
        "severity",
        "weight",
    )

    def __init__(self) -> None:
        self.n = self.missing_income = self.missing_line = 0
        self.weight = self.poor_weight = 0
        self.depth: dict[int, int] = {}  # line Z -> sum of g
        self.severity: dict[tuple[int, int], int] = {}  # (Z, s) -> sum of g²

    @classmethod
    def of(cls, data: PovertyInputs, index: Sequence[int] | None) -> Poverty:
        """The part of the units at ``index``."""
        part = cls()
        incomes, sizes = pick(data.incomes.values, index), pick(data.sizes, index)
        line = data.line
        gaps = 0
        squares: dict[int, int] = {}
        for income, size in zip(incomes, sizes, strict=True):
            if income is None or size is None or size == 0:
                part.missing_income += 1
                continue
            if line is None:
                part.missing_line += 1
                continue
            part.n += 1
            part.weight += size
            gap = size * line - (income if income > 0 else 0)
            if gap > 0:
                part.poor_weight += size
                gaps += gap
                squares[size] = squares.get(size, 0) + gap * gap
        if line is not None and squares:
            part.depth[line] = gaps
            part.severity = {(line, s): v for s, v in squares.items()}
        return part

    def merge(self, other: Poverty) -> None:
        """Add another part's units."""
        self.n += other.n
        self.missing_income += other.missing_income
        self.missing_line += other.missing_line
        self.weight += other.weight
        self.poor_weight += other.poor_weight
        for line, value in other.depth.items():
            self.depth[line] = self.depth.get(line, 0) + value
        for key, value in other.severity.items():
            self.severity[key] = self.severity.get(key, 0) + value

    def copy(self) -> Poverty:
        """An independent copy."""
        new = Poverty()
        new.merge(self)
        return new

    def measure(self, which: str) -> Figure:
        """The figure of ``"p0"``, ``"p1"`` or ``"p2"``, as the engine reports FGT measures."""
        if self.n == 0:
            return Figure(
                NotAvailable(
                    f"no unit has an income, a line and a weight ({self.missing_income} missing "
                    f"an income, {self.missing_line} a line, 0 a weight)"
                ),
                0,
            )
        if self.weight == 0:
            return Figure(NotAvailable(f"the weights of all {self.n} units are zero"), 0)
        if which == "p0":
            value = Fraction(self.poor_weight, self.weight)
        elif which == "p1":
            value = _sum_of_fractions([(g, z) for z, g in self.depth.items()], self.weight)
        else:
            value = _sum_of_fractions(
                [(g, s * z * z) for (z, s), g in self.severity.items()], self.weight
            )
        return Figure(to_result(value), self.n, missing=self.missing_income + self.missing_line)

    def figure(self, how: Aggregation, minimum_n: int, limit: int) -> Figure:
        """Not used: poverty cells give :meth:`measure`."""
        raise NotImplementedError
