"""Type-checking and evaluating formulas over columns of values, one unit per row.

Formulas are checked once, when an indicator is registered: every name must be a known variable
or indicator and the types must fit (no ``"goat" + 1``), with the position of the problem. They
are then evaluated column by column: each node of the tree turns its input columns into one
output column, so a formula over a million members is a handful of list comprehensions.

Missing values propagate (``missing + 1`` is missing); logic is three-valued (``false and
missing`` is false); division by zero gives a missing value and is counted, so the indicator can
say how many units it left out and why.

Arithmetic is exact: ``+``, ``-`` and ``*`` never round, whatever the number of digits. **A
division per unit** (``a / b`` anywhere but at the top of a ``ratio_of_sums`` formula, and
``pct_change(x)``, which is ``(x - baseline(x)) × 100 / baseline(x)``) gives the exact quotient
rounded half-even to :data:`DIVISION_SCALE` (18) decimals (:func:`divide`): a fixed-point
number, so a formula's unit values, and their sums over any number of units in any order, are
the same integers the fixed-point and polars engines compute.
"""

from __future__ import annotations

import decimal
import difflib
import enum
import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeAlias

from attrs import define, field

from klaster.catalogue.formula import (
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    FormulaError,
    Name,
    Number,
    String,
    Unary,
    to_text,
)

__all__ = ["DIVISION_SCALE", "Evaluator", "Kind", "divide", "infer_kind", "quotient"]

DIVISION_SCALE = 18
"""Decimals kept by a division per unit in a formula (rounded half-even; see :func:`divide`)."""

# Decimal | bool | str | date | None; Any because every operator below checks at run time.
Value: TypeAlias = Any


class Kind(enum.StrEnum):
    """The type of a formula's value."""

    NUMBER = "number"
    """Decimal or integer."""
    BOOLEAN = "boolean"
    """True or false."""
    TEXT = "text"
    """A category code or text."""
    DATE = "date"
    """A day."""
    ANY = "any"
    """Only ``missing()``: fits anywhere."""


def quotient(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even to an integer (``denominator`` not zero).

    Example:
        >>> quotient(5, 2), quotient(7, 2), quotient(-5, 2), quotient(10, -4)
        (2, 4, -2, -2)
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    whole, rest = divmod(numerator, denominator)  # floor, 0 <= rest < denominator
    twice = 2 * rest
    if twice > denominator or (twice == denominator and whole % 2):
        whole += 1
    return whole


def divide(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """The rule of a division per unit: the exact quotient, half-even to 18 decimals.

    The result always has exactly :data:`DIVISION_SCALE` decimals (``Decimal('0.5')`` comes out
    as ``Decimal('0.500000000000000000')``), like a fixed-point type; ``denominator`` must not
    be zero (formulas give a missing value instead).

    Example:
        >>> divide(Decimal(1), Decimal(3))
        Decimal('0.333333333333333333')
        >>> divide(Decimal(2), Decimal(3)) == Decimal('0.666666666666666667')
        True
    """
    top, top_down = numerator.as_integer_ratio()
    bottom, bottom_down = denominator.as_integer_ratio()
    raw = quotient(top * bottom_down * 10**DIVISION_SCALE, top_down * bottom)
    return Decimal(raw).scaleb(-DIVISION_SCALE, _EXACT)


_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

_ARITHMETIC = {"+": _EXACT.add, "-": _EXACT.subtract, "*": _EXACT.multiply}
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_EQUALITY = {"==": operator.eq, "!=": operator.ne}


def _fail(formula: str, node: Expr, message: str) -> FormulaError:
    position = getattr(node, "position", -1)
    return FormulaError(message, formula=formula, position=max(position, 0))


def _unify(formula: str, node: Expr, kinds: Sequence[Kind], what: str) -> Kind:
    found = {k for k in kinds if k is not Kind.ANY}
    if len(found) > 1:
        names = " and ".join(sorted(k.value for k in found))
        raise _fail(formula, node, f"{what} mixes {names} values")
    return found.pop() if found else Kind.ANY


def _need(formula: str, node: Expr, kind: Kind, wanted: set[Kind], what: str) -> None:
    if kind is not Kind.ANY and kind not in wanted:
        allowed = " or ".join(sorted(k.value for k in wanted))
        raise _fail(formula, node, f"{what} needs {allowed} values, got {kind.value}")


def infer_kind(tree: Expr, kinds: Mapping[str, Kind], *, formula: str | None = None) -> Kind:
    """Check a formula against the kinds of the names it may use and return its result kind.

    Args:
        tree: The parsed formula.
        kinds: Kind of every variable or indicator code the formula may name.
        formula: The formula text, for error positions (printed from the tree if omitted).

    Raises:
        FormulaError: An unknown name (listing close known ones) or a type that does not fit.

    Example:
        >>> from klaster.catalogue.formula import parse
        >>> infer_kind(parse("profit / revenue > 0.1"), {"profit": Kind.NUMBER,
        ...                                              "revenue": Kind.NUMBER})
        <Kind.BOOLEAN: 'boolean'>
    """
    text = formula if formula is not None else to_text(tree)
    return _Checker(text, kinds).kind(tree)


class _Checker:
    def __init__(self, formula: str, kinds: Mapping[str, Kind]) -> None:
        self.formula = formula
        self.kinds = kinds

    def kind(self, node: Expr) -> Kind:
        if isinstance(node, Number):
            return Kind.NUMBER
        if isinstance(node, String):
            return Kind.TEXT
        if isinstance(node, Boolean):
            return Kind.BOOLEAN
        if isinstance(node, Name):
            found = self.kinds.get(node.code)
            if found is None:
                raise _fail(self.formula, node, f"unknown variable {node.code!r}{self._near(node)}")
            return found
        if isinstance(node, Unary):
            inner = self.kind(node.operand)
            if node.op == "not":
                _need(self.formula, node, inner, {Kind.BOOLEAN}, "'not'")
                return Kind.BOOLEAN
            _need(self.formula, node, inner, {Kind.NUMBER}, "'-'")
            return Kind.NUMBER
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Conditional):
            _need(self.formula, node, self.kind(node.condition), {Kind.BOOLEAN}, "'if'")
            branches = [self.kind(node.then), self.kind(node.otherwise)]
            return _unify(self.formula, node, branches, "'if ... else'")
        return self.call(node)

    def binary(self, node: Binary) -> Kind:
        left, right = self.kind(node.left), self.kind(node.right)
        op = node.op
        if op in ("and", "or"):
            for side in (left, right):
                _need(self.formula, node, side, {Kind.BOOLEAN}, f"'{op}'")
            return Kind.BOOLEAN
        if op in _EQUALITY:
            _unify(self.formula, node, [left, right], f"'{op}'")
            return Kind.BOOLEAN
        if op in _ORDER:
            _need(self.formula, node, _unify(self.formula, node, [left, right], f"'{op}'"),
                  {Kind.NUMBER, Kind.DATE}, f"'{op}'")  # fmt: skip
            return Kind.BOOLEAN
        for side in (left, right):
            _need(self.formula, node, side, {Kind.NUMBER}, f"'{op}'")
        return Kind.NUMBER

    def call(self, node: Call) -> Kind:
        args = [self.kind(a) for a in node.args]
        name = node.function
        if name == "missing":
            return Kind.ANY
        if name == "is_missing":
            return Kind.BOOLEAN
        if name in ("baseline", "coalesce"):
            return _unify(self.formula, node, args, f"{name}()")
        for arg in args:
            _need(self.formula, node, arg, {Kind.NUMBER}, f"{name}()")
        return Kind.NUMBER

    def _near(self, node: Name) -> str:
        close = difflib.get_close_matches(node.code, list(self.kinds), n=3, cutoff=0.75)
        return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


Column = Sequence[Value]


@define
class Evaluator:
    """Evaluates formulas over columns: ``columns[code][i]`` is the value of unit ``i``.

    Args:
        columns: The current round's values per code, all of the same length.
        baseline: The baseline round's values per code, aligned to the same units (needed by
            ``baseline()``, ``change()`` and ``pct_change()``); ``None`` if there is none.
        length: Number of units (rows).

    Attributes:
        divisions_by_zero: How many row results were missing because of a zero divisor.

    Example:
        >>> from klaster.catalogue.formula import parse
        >>> ev = Evaluator({"profit": [Decimal(5), None, Decimal(1)],
        ...                 "revenue": [Decimal(10), Decimal(4), Decimal(0)]}, length=3)
        >>> ev.run(parse("profit / revenue"))
        [Decimal('0.500000000000000000'), None, None]
        >>> ev.divisions_by_zero
        1
    """

    columns: Mapping[str, Column]
    baseline: Mapping[str, Column] | None = None
    length: int = 0
    divisions_by_zero: int = field(default=0, init=False)

    def run(self, tree: Expr) -> list[Value]:
        """Evaluate ``tree`` and return one value per unit (``None`` where missing)."""
        return list(self._eval(tree, self.columns))

    def _eval(self, node: Expr, source: Mapping[str, Column]) -> Sequence[Value]:
        # ``source`` switches to the baseline columns inside baseline(...).
        if isinstance(node, (Number, String, Boolean)):
            return [node.value] * self.length
        if isinstance(node, Name):
            return source[node.code]
        if isinstance(node, Unary):
            inner = self._eval(node.operand, source)
            if node.op == "not":
                return [None if v is None else not v for v in inner]
            return [None if v is None else _EXACT.minus(v) for v in inner]
        if isinstance(node, Binary):
            return self._binary(node, source)
        if isinstance(node, Conditional):
            cond = self._eval(node.condition, source)
            then = self._eval(node.then, source)
            other = self._eval(node.otherwise, source)
            return [
                None if c is None else (t if c else o)
                for c, t, o in zip(cond, then, other, strict=True)
            ]
        return self._call(node, source)

    def _binary(self, node: Binary, source: Mapping[str, Column]) -> list[Value]:
        left = self._eval(node.left, source)
        right = self._eval(node.right, source)
        op = node.op
        if op == "and":
            return [_and(a, b) for a, b in zip(left, right, strict=True)]
        if op == "or":
            return [_or(a, b) for a, b in zip(left, right, strict=True)]
        if op == "/":
            out: list[Value] = []
            for a, b in zip(left, right, strict=True):
                if a is None or b is None:
                    out.append(None)
                elif b == 0:
                    self.divisions_by_zero += 1
                    out.append(None)
                else:
                    out.append(divide(a, b))
            return out
        function: Callable[[Any, Any], Any] = {**_ARITHMETIC, **_ORDER, **_EQUALITY}[op]
        return [
            None if a is None or b is None else function(a, b)
            for a, b in zip(left, right, strict=True)
        ]

    def _call(self, node: Call, source: Mapping[str, Column]) -> Sequence[Value]:
        name = node.function
        if name == "missing":
            return [None] * self.length
        if name in ("baseline", "change", "pct_change"):
            if self.baseline is None:
                return [None] * self.length
            before = self._eval(node.args[0], self.baseline)
            if name == "baseline":
                return before
            now = self._eval(node.args[0], source)
            if name == "change":
                return [
                    None if a is None or b is None else _EXACT.subtract(a, b)
                    for a, b in zip(now, before, strict=True)
                ]
            return self._pct(now, before)
        args = [self._eval(a, source) for a in node.args]
        if name == "is_missing":
            return [v is None for v in args[0]]
        if name == "coalesce":
            return [
                next((v for v in row if v is not None), None) for row in zip(*args, strict=True)
            ]
        if name == "abs":
            return [None if v is None else _EXACT.abs(v) for v in args[0]]
        if name == "round":
            places = args[1] if len(args) > 1 else [Decimal(0)] * self.length
            return [_round(v, p) for v, p in zip(args[0], places, strict=True)]
        pick = min if name == "min" else max
        return [None if None in row else pick(row) for row in zip(*args, strict=True)]

    def _pct(self, now: Sequence[Value], before: Sequence[Value]) -> list[Value]:
        out: list[Value] = []
        for a, b in zip(now, before, strict=True):
            if a is None or b is None:
                out.append(None)
            elif b == 0:
                self.divisions_by_zero += 1
                out.append(None)
            else:
                out.append(divide(_EXACT.multiply(_EXACT.subtract(a, b), 100), b))
        return out


def _and(a: Value, b: Value) -> Value:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Value, b: Value) -> Value:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _round(value: Value, places: Value) -> Value:
    if value is None or places is None:
        return None
    exponent = Decimal(1).scaleb(-int(places))
    return value.quantize(exponent, rounding=ROUND_HALF_UP)
