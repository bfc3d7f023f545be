"""Type-checking and evaluating formulas over columns of ``Decimal`` values, one unit per row.

The formula compiler (:mod:`klaster.measurement.compiler`) checks a formula once and lowers it;
:class:`Evaluator` runs it with the exact pure-Python backend on columns you give, for trying a
formula out. Missing values propagate (``missing + 1`` is missing); logic is three-valued
(``false and missing`` is false); division by zero gives a missing value and is counted.

Arithmetic is exact: ``+``, ``-`` and ``*`` never round, whatever the number of digits. **A
division per unit** (``a / b`` anywhere but at the top of a ``ratio_of_sums`` formula, and
``pct_change(x)``, which is ``(x - baseline(x)) × 100 / baseline(x)``) gives the exact quotient
rounded half-even to :data:`DIVISION_SCALE` (18) decimals (:func:`divide`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

from attrs import define, field

from klaster.catalogue.formula import Expr
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled, unscale
from klaster.measurement._backends.python.formulas import Execution
from klaster.measurement.compiler import Kind, Shift, compile_formula, infer_kind
from klaster.measurement.division import DIVISION_SCALE, divide, quotient
from klaster.measurement.methods.exactmath import EXACT

__all__ = ["DIVISION_SCALE", "Evaluator", "Kind", "divide", "infer_kind", "quotient"]

# Decimal | bool | str | date | None; Any because the values are checked at run time.
Value: TypeAlias = Any
Column = Sequence[Value]


@define
class Evaluator:
    """Evaluates formulas over columns: ``columns[code][i]`` is the value of unit ``i``.

    Args:
        columns: The current round's values per code, all of the same length.
        baseline: The baseline round's values per code, aligned to the same units (needed by
            ``baseline()``, ``change()`` and ``pct_change()``); ``None`` if there is none.
            Loads of a previous or named round (``previous(x)``, ``at_round(x, 'R')``) are
            missing here: evaluate those over a program with :class:`Measurement`.
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
        kinds = {code: _kind_of(values) for code, values in self.columns.items()}
        for code, values in (self.baseline or {}).items():
            if kinds.get(code, Kind.ANY) is Kind.ANY:
                kinds[code] = _kind_of(values)
        op = compile_formula(tree, kinds)
        execution = Execution(_Columns(self.columns, self.baseline, self.length))
        found = execution.run(op)
        self.divisions_by_zero += execution.divisions_by_zero
        if found.kind != NUMBER:
            return list(found.values)
        return [None if v is None else unscale(v, found.scale) for v in found.values]


def _kind_of(values: Column) -> Kind:
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return Kind.BOOLEAN
        if isinstance(value, (Decimal, int)):
            return Kind.NUMBER
        if isinstance(value, _dt.date):
            return Kind.DATE
        return Kind.TEXT
    return Kind.ANY


def _scaled(values: Column, kind: Kind) -> Scaled:
    if kind is not Kind.NUMBER:
        return Scaled(list(values), 0, 1, kind)
    numbers = [None if v is None else Decimal(v) for v in values]
    scale = max([0, *(-int(v.as_tuple().exponent) for v in numbers if v is not None)])
    raw = [None if v is None else int(v.scaleb(scale, EXACT)) for v in numbers]
    return Scaled(raw, scale, max((abs(r) for r in raw if r is not None), default=0), kind)


class _Columns:
    """Columns of Decimal values as the pure-Python backend reads them."""

    def __init__(
        self, columns: Mapping[str, Column], baseline: Mapping[str, Column] | None, length: int
    ) -> None:
        self.columns, self.before, self.length = columns, baseline, length

    def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
        # Only the baseline is given alongside: previous and named rounds are missing here.
        source = self.columns if at is None else self.before if at is Shift.BASELINE else None
        if source is None:
            return Scaled([None] * self.length, 0, 0, kind)
        return _scaled(source[code], kind)
