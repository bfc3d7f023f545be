"""CIBEST quadrants and the social-capital index on the store's scaled integers, exactly.

What :func:`~klaster.measurement.methods.cibest.classify` and
:meth:`~klaster.measurement.methods.welfare.QuestionnaireScale.score` give for each unit, without a
``Decimal`` or ``Fraction`` per unit, for reports and transition tables:

* A household is materially poor when ``income ≤ MV`` (``<`` when a household on the line counts
  as not poor), with ``MV = line × size`` for a per-capita line; spiritually poor when the mean of
  its five items is ``≤ SV``, i.e. when their sum is ``≤ 5·SV``. Both compared as integers.
* The social-capital index of a unit is ``Σ cᵢ·aᵢ + c₀`` (each answer normalised to 0–1, weighted,
  times 100): exact at a few decimals when the coefficients are finite decimals (the default
  scale: ``(Σa − 4) × 6.25``).

Anything these cannot reproduce exactly (a value outside an item's range, which the pure
functions refuse with a located error; a scale whose index is no finite decimal) raises
:class:`~klaster.measurement._backends.python.fixedpoint.Unsupported`, and the engine uses the pure
functions.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from klaster.measurement._backends.python.fixedpoint import (
    BOOLEAN,
    NUMBER,
    Scaled,
    Unsupported,
    literal,
)
from klaster.measurement.methods.cibest import CibestConfig, OnLine, Quadrant
from klaster.measurement.methods.scales import MissingItems, QuestionnaireScale

__all__ = ["QUADRANTS", "linear_scale", "place", "scale_index", "shares_in"]

QUADRANTS: tuple[Quadrant, ...] = tuple(Quadrant)
"""The quadrants in order I–IV: a placement's index is ``material_poor + 2 × spiritual_poor``."""

_MAX_DECIMALS = 20


def place(
    incomes: Scaled,
    sizes: list[Any],
    items: list[Scaled],
    config: CibestConfig,
    line: Decimal | None,
) -> list[int | None]:
    """Each unit's quadrant index (0–3, see :data:`QUADRANTS`), or ``None`` when unplaceable.

    Args:
        incomes: Household income per unit, scaled.
        sizes: Household size per unit (``None`` where unknown).
        items: The five spiritual items, scaled, in :data:`~klaster.measurement.methods.cibest.
            SPIRITUAL_ITEMS` order.
        config: Spiritual line and boundary rules (and the material line, unless ``line``).
        line: The material line's amount for this round (per capita when the config's line is);
            ``None`` for the config's own amount.
    """
    per_capita = config.material.per_capita
    amount = config.material.rupiah if line is None else line
    line_raw, line_scale = literal(amount)
    top = max(incomes.scale, line_scale)
    up_income, up_line = 10 ** (top - incomes.scale), 10 ** (top - line_scale)
    mv = line_raw * up_line
    item_scale = max(i.scale for i in items)
    sums = _item_sums(items, item_scale)
    # mean ≤ SV  ⟺  sum ≤ 5·SV, both as integers at the items' scale.
    sv_raw, sv_scale = literal(config.spiritual_line)
    sv_top = max(item_scale, sv_scale)
    sum_up = 10 ** (sv_top - item_scale)
    sv5 = len(items) * sv_raw * 10 ** (sv_top - sv_scale)
    poor_on_material = config.material_on_line is OnLine.POOR
    poor_on_spiritual = config.spiritual_on_line is OnLine.POOR
    out: list[int | None] = []
    for income, size, total in zip(incomes.values, sizes, sums, strict=True):
        if income is None or total is None or (per_capita and size is None):
            out.append(None)
            continue
        if size is not None and size < 1:
            raise Unsupported("a household size below 1")
        y = income * up_income
        line_of = mv * size if per_capita else mv
        material = y <= line_of if poor_on_material else y < line_of
        s = total * sum_up
        spiritual = s <= sv5 if poor_on_spiritual else s < sv5
        out.append(material + 2 * spiritual)
    return out


def _item_sums(items: list[Scaled], scale: int) -> list[int | None]:
    low, high = 10**scale, 5 * 10**scale  # every item is scored 1–5
    columns = []
    for item in items:
        factor = 10 ** (scale - item.scale)
        values = (
            item.values if factor == 1 else [None if v is None else v * factor for v in item.values]
        )
        present = [v for v in values if v is not None]
        if present and (min(present) < low or max(present) > high):
            raise Unsupported("a spiritual item outside 1-5")
        columns.append(values)
    return [None if None in row else sum(row) for row in zip(*columns, strict=True)]


def shares_in(placed: list[int | None], quadrant: int) -> Scaled:
    """Whether each unit is in ``quadrant`` (``None`` where unplaced), for a share."""
    return Scaled([None if q is None else q == quadrant for q in placed], 0, 1, BOOLEAN)


def linear_scale(scale: QuestionnaireScale) -> tuple[list[Fraction], Fraction, int]:
    """The index as ``Σ cᵢ·aᵢ + c₀``: the coefficients, the constant and the decimals it needs.

    Raises:
        Unsupported: The scale prorates missing items, or its index is no finite decimal.
    """
    if scale.missing is not MissingItems.REQUIRE_ALL:
        raise Unsupported("a scale that prorates missing items")
    weight = sum(Fraction(i.weight) for i in scale.items)
    coefficients, constant = [], Fraction(0)
    for item in scale.items:
        span = Fraction(item.maximum) - Fraction(item.minimum)
        c = 100 * Fraction(item.weight) / (weight * span)
        if item.reverse:
            coefficients.append(-c)
            constant += c * Fraction(item.maximum)
        else:
            coefficients.append(c)
            constant -= c * Fraction(item.minimum)
    for decimals in range(_MAX_DECIMALS + 1):
        if all((f * 10**decimals).denominator == 1 for f in (*coefficients, constant)):
            return coefficients, constant, decimals
    raise Unsupported("the index is no finite decimal")


def scale_index(scale: QuestionnaireScale, answers: list[Scaled]) -> Scaled:
    """Each unit's index on ``scale`` (``None`` unless every item is answered), scaled."""
    coefficients, constant, decimals = linear_scale(scale)
    answer_scale = max((a.scale for a in answers), default=0)
    out_scale = decimals + answer_scale
    factors = [int(c * 10**decimals) for c in coefficients]
    base = int(constant * 10**decimals) * 10**answer_scale
    columns = []
    for item, answer in zip(scale.items, answers, strict=True):
        up = 10 ** (answer_scale - answer.scale)
        column = (
            answer.values if up == 1 else [None if v is None else v * up for v in answer.values]
        )
        low, high = literal(item.minimum), literal(item.maximum)
        present = [v for v in column if v is not None]
        if present and (
            min(present) * 10 ** low[1] < low[0] * 10**answer_scale
            or max(present) * 10 ** high[1] > high[0] * 10**answer_scale
        ):
            raise Unsupported("an answer outside its item's range")
        columns.append(column)
    values: list[Any]
    if len(set(factors)) == 1:  # equal weights and ranges, none reversed: the common case
        factor = factors[0]
        values = [
            None if None in row else base + factor * sum(row) for row in zip(*columns, strict=True)
        ]
    else:
        values = [
            None if None in row else base + sum(f * v for f, v in zip(factors, row, strict=True))
            for row in zip(*columns, strict=True)
        ]
    bound = max((abs(v) for v in values if v is not None), default=0)
    return Scaled(values, out_scale, bound, NUMBER)
