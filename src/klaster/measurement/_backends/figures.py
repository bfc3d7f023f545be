"""Cells' totals to figures, a column at a time: what both engines do last.

A report has one cell per indicator, round and disaggregation (155,000 for a national program).
Each cell's exact totals become its figure here, with the rules of
:func:`~klaster.measurement.aggregate.total_figure` and
:func:`~klaster.measurement.aggregate.ratio_figure` (which give the figures of cells with too few
units, so their reasons stay in one place), without a ``Figure`` object per cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import repeat

from klaster.catalogue.indicator import Aggregation
from klaster.measurement._backends.python.fixedpoint import unscale
from klaster.measurement.aggregate import ZERO_DENOMINATOR, Figure, ratio_figure, total_figure
from klaster.measurement.na import NotAvailable

__all__ = ["FigureColumns", "of_figures", "ratio_columns", "sum_columns"]

_ZERO = Decimal(0)


class FigureColumns:
    """The figures of some cells as parallel lists (see :class:`~klaster.measurement.results.Row`).

    Attributes:
        value: ``Decimal`` or :class:`NotAvailable` per cell.
        numerator: Top of the fraction, or the sum (``None`` where there is none).
        denominator: Bottom of the fraction, or ``n`` for means (``None`` where there is none).
        n: Units that contributed.
        missing: Units left out for missing values.
    """

    __slots__ = ("denominator", "missing", "n", "numerator", "value")

    def __init__(self, n: list[int], missing: list[int]) -> None:
        self.value: list[Decimal | NotAvailable] = []
        self.numerator: list[Decimal | None] = []
        self.denominator: list[Decimal | None] = []
        self.n = n
        self.missing = missing

    def add(self, figure: Figure) -> None:
        self.value.append(figure.value)
        self.numerator.append(figure.numerator)
        self.denominator.append(figure.denominator)


def _scales(scale: int | Sequence[int]) -> Iterable[int]:
    return repeat(scale) if isinstance(scale, int) else scale


def sum_columns(
    how: Aggregation,
    minimum_n: int,
    n: list[int],
    missing: list[int],
    totals: Sequence[int],
    scales: int | Sequence[int],
) -> FigureColumns:
    """Sums, means, counts or shares from each cell's scaled total (``total / 10**scale``).

    For ``count`` and ``share_meeting`` the total is the number of units meeting the condition.
    """
    out = FigureColumns(n, missing)
    value, top, bottom = out.value, out.numerator, out.denominator
    counted = how in (Aggregation.COUNT, Aggregation.SHARE_MEETING)
    for k, gone, total, scale in zip(n, missing, totals, _scales(scales), strict=False):
        if k < minimum_n:
            out.add(total_figure(how, 0, k, gone, minimum_n=minimum_n))
            continue
        amount = Decimal(total) if counted else unscale(total, scale)
        top.append(amount)
        if how is Aggregation.MEAN or how is Aggregation.SHARE_MEETING:
            value.append(amount / k)
            bottom.append(Decimal(k))
        else:  # sum, count
            value.append(amount)
            bottom.append(None)
    return out


def ratio_columns(
    minimum_n: int,
    n: list[int],
    missing: list[int],
    tops: Sequence[int],
    top_scales: int | Sequence[int],
    bottoms: Sequence[int],
    bottom_scales: int | Sequence[int],
) -> FigureColumns:
    """Ratios of sums from each cell's scaled sums of numerators and denominators."""
    out = FigureColumns(n, missing)
    value, top, bottom = out.value, out.numerator, out.denominator
    rows = zip(n, missing, tops, _scales(top_scales), bottoms, _scales(bottom_scales), strict=False)
    for k, gone, above, above_scale, below, below_scale in rows:
        if k < minimum_n:
            out.add(ratio_figure(_ZERO, _ZERO, k, gone, minimum_n=minimum_n))
            continue
        a, b = unscale(above, above_scale), unscale(below, below_scale)
        top.append(a)
        bottom.append(b)
        value.append(ZERO_DENOMINATOR if not below else a / b)
    return out


def of_figures(figures: Iterable[Figure]) -> FigureColumns:
    """Columns of figures computed one by one (medians, poverty measures)."""
    listed = list(figures)
    out = FigureColumns([f.n for f in listed], [f.missing for f in listed])
    for figure in listed:
        out.add(figure)
    return out
