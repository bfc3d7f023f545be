"""Partial aggregates: what one part of a disaggregation contributes to a figure, exactly.

A report splits each cluster's units into the finest parts its disaggregations need; each part
gives a partial (:class:`FixedSum`, :class:`FixedRatio`, :class:`Poverty`) of scaled integers,
parts merge into cells, and a cell's totals become its figure once
(:mod:`klaster.measurement._backends.figures`). Every total is an exact ``int``; nothing is rounded
before
the figure divides.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from math import gcd
from typing import Any

from klaster.measurement._backends.python.fixedpoint import BOOLEAN, Scaled
from klaster.measurement.aggregate import Figure
from klaster.measurement.methods.exactmath import divide
from klaster.measurement.na import NotAvailable

__all__ = ["FixedRatio", "FixedSum", "Poverty", "PovertyInputs", "add_scaled", "pick"]


def pick(values: list[Any], index: Sequence[int] | None) -> list[Any]:
    """``values`` at ``index`` (all of them for ``None``)."""
    if index is None:
        return values
    return list(map(values.__getitem__, index))


def add_scaled(a: int, a_scale: int, b: int, b_scale: int) -> tuple[int, int]:
    """``a + b`` of two scaled integers, at the larger scale (as ``Decimal`` addition gives)."""
    if a_scale == b_scale:
        return a + b, a_scale
    if a_scale > b_scale:
        return a + b * 10 ** (a_scale - b_scale), a_scale
    return a * 10 ** (b_scale - a_scale) + b, b_scale


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
        # Like an exact sum of Decimals: no value present keeps the exponent of Decimal(0).
        return cls(n, missing, sum(filter(None, values)), data.scale if n else 0)

    def merge(self, other: FixedSum) -> None:
        """Add another part's units (totals at the larger scale of the parts with values)."""
        if other.n:
            if self.n:
                self.total, self.scale = add_scaled(
                    self.total, self.scale, other.total, other.scale
                )
            else:
                self.total, self.scale = other.total, other.scale
        self.n += other.n
        self.missing += other.missing

    def copy(self) -> FixedSum:
        """An independent copy."""
        return FixedSum(self.n, self.missing, self.total, self.scale)


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
        self.top, self.top_scale = top, top_scale
        self.bottom, self.bottom_scale = bottom, bottom_scale

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
                self.top, self.top_scale = add_scaled(
                    self.top, self.top_scale, other.top, other.top_scale
                )
                self.bottom, self.bottom_scale = add_scaled(
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


def _sum_of_fractions(terms: list[tuple[int, int]], divisor: int) -> tuple[int, int]:
    """``sum(top / bottom) / divisor`` as an exact fraction over one common denominator."""
    common = 1
    for bottom in {b for _, b in terms}:
        common = common * bottom // gcd(common, bottom)
    top = sum(t * (common // b) for t, b in terms)
    return top, common * divisor


class PovertyInputs:
    """Household income (scaled), household size and the line of one round's units.

    ``line`` is ``Z``, the line scaled like the incomes, or ``None`` when no line was found
    (every unit then lacks a line).
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
            top, bottom = self.poor_weight, self.weight
        elif which == "p1":
            top, bottom = _sum_of_fractions([(g, z) for z, g in self.depth.items()], self.weight)
        else:
            top, bottom = _sum_of_fractions(
                [(g, s * z * z) for (z, s), g in self.severity.items()], self.weight
            )
        # One correctly rounded division (what rounding the reduced fraction would give).
        value = divide(top, bottom)
        return Figure(value, self.n, missing=self.missing_income + self.missing_line)
