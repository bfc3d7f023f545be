r"""Exact fixed-point values: the scaled integers the pure-Python backend computes with.

A report adds up millions of unit values. Reading each stored value as a ``Decimal`` and adding
``Decimal``\\ s is most of the cost, and it is not needed: the column store keeps decimals as
scaled integers (``value × 10**scale``), and ``+``, ``-``, ``*`` and comparisons on scaled
integers are exact when the scales are tracked (``a + b`` at the larger scale, ``a * b`` at the
sum of the scales: the exponents ``Decimal`` arithmetic would give). So formulas are evaluated on
Python ``int``\\ s, sums are taken as ``int``\\ s, and a ``Decimal`` is made once per figure.

A division per unit follows the formula language's rule (the exact quotient rounded half-even
to :data:`~klaster.measurement.division.DIVISION_SCALE` decimals), which integers give exactly:
``round(a × 10**(18 + scale_b - scale_a) / b)`` at scale 18.

Text, category and date values travel in the same :class:`Scaled` columns unchanged (their
``kind`` says so). Formulas are executed on these columns by
:mod:`klaster.measurement._backends.python.formulas`; :class:`Unsupported` says a backend or a
reader cannot give the exact result, and the caller takes the pure-Python way instead.

The partial aggregates of a part of a disaggregation are in
:mod:`klaster.measurement._backends.partials`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klaster.measurement.compiler import Kind
from klaster.measurement.methods.exactmath import EXACT

__all__ = ["ANY", "BOOLEAN", "NUMBER", "Scaled", "Unsupported", "literal", "unscale"]

NUMBER, BOOLEAN, ANY = Kind.NUMBER, Kind.BOOLEAN, Kind.ANY


class Unsupported(Exception):
    """A backend or reader cannot give the exact result here: the caller takes another way."""


class Scaled:
    """One value per unit: ``int`` (scaled by ``10**scale``), ``bool``, text, date or ``None``.

    ``bound`` is at least the largest absolute scaled value (the polars engine chooses 64 or
    128 bits by it).
    """

    __slots__ = ("bound", "kind", "scale", "values")

    def __init__(self, values: list[Any], scale: int, bound: int, kind: str) -> None:
        # kind: a Kind (a str): numbers are scaled integers, other kinds plain values.
        self.values = values
        self.scale = scale
        self.bound = bound
        self.kind = kind


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
