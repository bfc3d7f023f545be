r"""The exact pure-Python backend: compiled formulas executed on scaled-integer columns.

Executes the operations of :mod:`klaster.measurement.compiler` one column at a time, a list
comprehension per operation, on :class:`~klaster.measurement._backends.python.fixedpoint.Scaled`
columns: numbers are Python ``int``\ s scaled by the column's ``10**scale`` (``a + b`` at the
larger scale, ``a * b`` at the sum of the scales, so nothing ever rounds), booleans, texts and
dates are plain values, ``None`` is missing. A :class:`~klaster.measurement.compiler.Divide` is
``round(a × 10**(18 + scale_b - scale_a) / b)`` half-even at scale 18: the division rule,
exactly. This is the reference: every function of the formula language is here.

To add a function, add its column implementation to :data:`OPERATIONS` (see the compiler's
docstring for the other tables).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from klaster.measurement._backends.python.fixedpoint import BOOLEAN, NUMBER, Scaled, literal
from klaster.measurement.compiler import Const, Divide, Kind, Load, Op, Shift
from klaster.measurement.division import quotient

__all__ = ["OPERATIONS", "Execution", "Source", "align"]


class Source(Protocol):
    """Where a formula's loads are read: one round's units (and other rounds', aligned)."""

    length: int

    def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
        """Variable ``code`` (in round ``at``, if given) as a column of ``kind``.

        Where the unit's cluster has no such round (no baseline...), the load is all missing.
        """
        ...


class Execution:
    """Executes compiled formulas over one :class:`Source`, each distinct operation once.

    Attributes:
        divisions_by_zero: How many unit results were missing because of a zero divisor.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.length = source.length
        self.divisions_by_zero = 0
        self.memo: dict[Op, Scaled] = {}

    def run(self, op: Op) -> Scaled:
        """The column of ``op``'s values."""
        found = self.memo.get(op)
        if found is None:
            found = self.memo[op] = self._run(op)
        return found

    def _run(self, op: Op) -> Scaled:
        n = self.length
        if isinstance(op, Load):
            return self.source.load(op.code, op.kind, op.at)
        if isinstance(op, Const):
            value = op.value
            if isinstance(value, Decimal):
                raw, scale = literal(value)
                return Scaled([raw] * n, scale, abs(raw), NUMBER)
            return Scaled([value] * n, 0, 1, op.kind)
        if isinstance(op, Divide):
            return self.divide(self.run(op.top), self.run(op.bottom), op.scale)
        args = [self.run(a) for a in op.args]
        return OPERATIONS[op.op](args, op.kind)

    def divide(self, top: Scaled, bottom: Scaled, at: int) -> Scaled:
        """``top / bottom`` rounded half-even to ``at`` decimals (missing where ``bottom`` is 0)."""
        # round(a_raw * 10**(at + scale_b - scale_a) / b_raw) at scale ``at``.
        shift = at + bottom.scale - top.scale
        up, down = 10 ** max(shift, 0), 10 ** max(-shift, 0)
        if 0 in bottom.values:
            self.divisions_by_zero += sum(
                1
                for a, b in zip(top.values, bottom.values, strict=True)
                if a is not None and b == 0
            )
        values = [
            None if a is None or not b else quotient(a * up, b * down)
            for a, b in zip(top.values, bottom.values, strict=True)
        ]
        # |b_raw| >= 1, so |quotient| <= |a_raw| * up / down, rounded up by at most one.
        return Scaled(values, at, top.bound * up // down + 1, NUMBER)


def align(parts: Sequence[Scaled]) -> tuple[int, list[list[Any]], int]:
    """The numbers of ``parts`` at their largest scale: (scale, values of each, bound)."""
    scale = max((p.scale for p in parts if p.kind == NUMBER), default=0)
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


def _pairs(args: list[Scaled]) -> tuple[int, Any, int]:
    scale, (a, b), bound = align(args)
    return scale, zip(a, b, strict=True), bound


def _not(args: list[Scaled], kind: Kind) -> Scaled:
    return Scaled([None if v is None else not v for v in args[0].values], 0, 1, BOOLEAN)


def _neg(args: list[Scaled], kind: Kind) -> Scaled:
    (x,) = args
    return Scaled([None if v is None else -v for v in x.values], x.scale, x.bound, NUMBER)


def _add(args: list[Scaled], kind: Kind) -> Scaled:
    scale, pairs, bound = _pairs(args)
    return Scaled(
        [None if a is None or b is None else a + b for a, b in pairs], scale, 2 * bound, kind
    )


def _subtract(args: list[Scaled], kind: Kind) -> Scaled:
    scale, pairs, bound = _pairs(args)
    return Scaled(
        [None if a is None or b is None else a - b for a, b in pairs], scale, 2 * bound, kind
    )


def _multiply(args: list[Scaled], kind: Kind) -> Scaled:
    left, right = args
    values = [
        None if a is None or b is None else a * b
        for a, b in zip(left.values, right.values, strict=True)
    ]
    return Scaled(values, left.scale + right.scale, left.bound * right.bound, NUMBER)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[list[Scaled], Kind], Scaled]:
    def compare(args: list[Scaled], kind: Kind) -> Scaled:
        _, pairs, _ = _pairs(args)
        return Scaled(
            [None if a is None or b is None else test(a, b) for a, b in pairs], 0, 1, BOOLEAN
        )

    return compare


def _and(args: list[Scaled], kind: Kind) -> Scaled:
    left, right = args
    values = [
        False if a is False or b is False else None if a is None or b is None else True
        for a, b in zip(left.values, right.values, strict=True)
    ]
    return Scaled(values, 0, 1, BOOLEAN)


def _or(args: list[Scaled], kind: Kind) -> Scaled:
    left, right = args
    values = [
        True if a is True or b is True else None if a is None or b is None else False
        for a, b in zip(left.values, right.values, strict=True)
    ]
    return Scaled(values, 0, 1, BOOLEAN)


def _if(args: list[Scaled], kind: Kind) -> Scaled:
    condition, *branches = args
    scale, (a, b), bound = align(branches)
    values = [
        None if c is None else (t if c else o)
        for c, t, o in zip(condition.values, a, b, strict=True)
    ]
    return Scaled(values, scale, bound, kind)


def _abs(args: list[Scaled], kind: Kind) -> Scaled:
    (x,) = args
    return Scaled([None if v is None else abs(v) for v in x.values], x.scale, x.bound, NUMBER)


def _pick(choose: Callable[..., Any]) -> Callable[[list[Scaled], Kind], Scaled]:
    def pick(args: list[Scaled], kind: Kind) -> Scaled:
        scale, columns, bound = align(args)
        rows = zip(*columns, strict=True)
        return Scaled([None if None in row else choose(row) for row in rows], scale, bound, kind)

    return pick


def _coalesce(args: list[Scaled], kind: Kind) -> Scaled:
    scale, columns, bound = align(args)
    rows = zip(*columns, strict=True)
    values = [next((v for v in row if v is not None), None) for row in rows]
    return Scaled(values, scale, bound, kind)


def _is_missing(args: list[Scaled], kind: Kind) -> Scaled:
    return Scaled([v is None for v in args[0].values], 0, 1, BOOLEAN)


def _round(args: list[Scaled], kind: Kind) -> Scaled:
    # round(x, places): half away from zero to ``places`` decimals (0 if not given), as
    # Decimal.quantize with ROUND_HALF_UP; the column keeps the most places asked (at least 0).
    x = args[0]
    if len(args) > 1:
        p = args[1]
        unit = 10**p.scale
        places = [None if v is None else (abs(v) // unit) * (1 if v >= 0 else -1) for v in p.values]
    else:
        places = [0] * len(x.values)
    scale = max([0, *(q for q in places if q is not None)])
    values: list[Any] = []
    for v, q in zip(x.values, places, strict=True):
        if v is None or q is None:
            values.append(None)
        elif q >= x.scale:
            values.append(v * 10 ** (scale - x.scale))
        else:
            step = 10 ** (x.scale - q)
            whole, rest = divmod(abs(v), step)
            whole += 2 * rest >= step
            values.append((whole if v >= 0 else -whole) * 10 ** (scale - q))
    bound = max((abs(v) for v in values if v is not None), default=0)
    return Scaled(values, scale, bound, NUMBER)


OPERATIONS: dict[str, Callable[[list[Scaled], Kind], Scaled]] = {
    "not": _not,
    "neg": _neg,
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "<": _compare(lambda a, b: a < b),
    "<=": _compare(lambda a, b: a <= b),
    ">": _compare(lambda a, b: a > b),
    ">=": _compare(lambda a, b: a >= b),
    "==": _compare(lambda a, b: a == b),
    "!=": _compare(lambda a, b: a != b),
    "and": _and,
    "or": _or,
    "if": _if,
    "abs": _abs,
    "min": _pick(min),
    "max": _pick(max),
    "round": _round,
    "coalesce": _coalesce,
    "is_missing": _is_missing,
}
"""Each operation of :data:`klaster.measurement.compiler.OPERATIONS` on columns:
``OPERATIONS[op](argument columns, result kind)``."""
