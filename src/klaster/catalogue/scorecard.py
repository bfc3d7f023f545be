"""Scorecards: points per answer (or per band of a number), summed and compared with a cut-off.

A proxy-means test or a program's poverty scorecard gives each answer points (a dirt floor 3, a
cement one 0; per-capita income below 300,000 Rp 4 points). The total is the evidence; the
cut-off and the side that is eligible (:class:`Side`) decide. An answer that matches no listed
category or band scores 0; an item not answered makes the scorecard not applicable for that
applicant (an essential scorecard then fails).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_code,
    check_decimal,
    check_enum,
    check_optional_decimal,
    check_optional_text,
    enum_value,
    to_decimal,
    to_optional_decimal,
)
from klaster.catalogue.criterion import Operator
from klaster.catalogue.eligibility import check_source
from klaster.errors import ValidationError
from klaster.label import (
    Label,
    LabelledEnum,
    check_label,
    check_optional_label,
    labelled,
    to_label,
    to_optional_label,
)

__all__ = ["Band", "ScoreItem", "Scorecard", "Side"]


class Side(LabelledEnum):
    """Which side of a scorecard's cut-off is eligible."""

    AT_LEAST = labelled("at_least", "Paling sedikit", "At least")
    """Eligible when the total is at least the cut-off (points count poverty)."""
    AT_MOST = labelled("at_most", "Paling banyak", "At most")
    """Eligible when the total is at most the cut-off (points count wealth)."""

    @property
    def operator(self) -> Operator:
        """The comparison of the total with the cut-off."""
        return Operator.GE if self is Side.AT_LEAST else Operator.LE


@frozen
class Band:
    """Points for a number in ``[at_least, below)``; either bound may be left open.

    Args:
        points: The points.
        at_least: Lower bound, inclusive.
        below: Upper bound, exclusive.
    """

    points: Decimal = field(converter=to_decimal, validator=check_decimal)
    at_least: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_optional_decimal
    )
    below: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_optional_decimal
    )

    def __attrs_post_init__(self) -> None:
        if self.at_least is None and self.below is None:
            raise ValidationError("a band needs at_least, below or both", path="at_least")
        if self.at_least is not None and self.below is not None and self.at_least >= self.below:
            raise ValidationError(
                f"at_least {self.at_least} is not below {self.below}", path="below"
            )

    def holds(self, value: Decimal) -> bool:
        """Whether ``value`` is in the band."""
        return (self.at_least is None or value >= self.at_least) and (
            self.below is None or value < self.below
        )


def _to_points(value: Any) -> tuple[tuple[str | bool, Decimal], ...]:
    items = value.items() if isinstance(value, dict) else value
    return tuple((key, to_decimal(points)) for key, points in items)


def _check_points(inst: ScoreItem, attribute: Any, value: Any) -> None:
    seen: set[str | bool] = set()
    for key, points in value:
        where = f"points.{str(key).lower()}"
        if not isinstance(key, bool):
            try:
                check_code(inst, attribute, key)
            except ValidationError:
                raise ValidationError(
                    f"a points key is a category code or true/false, got {key!r}", path=where
                ) from None
        if key in seen:
            raise ValidationError("listed twice", path=where)
        seen.add(key)
        check_decimal(inst, attribute, points)


def _to_bands(value: Any) -> tuple[Band, ...]:
    return tuple(b if isinstance(b, Band) else Band(**b) for b in value)


def _check_item(inst: ScoreItem, _attribute: Any, _value: Any) -> None:
    if bool(inst.points) == bool(inst.bands):
        raise ValidationError(
            "give points per answer or bands of a number, one of the two", path="points"
        )
    if inst.per_capita and inst.points:
        raise ValidationError("only bands of a number can be per capita", path="per_capita")
    ordered = sorted(inst.bands, key=lambda b: (b.at_least is not None, b.at_least or 0))
    for first, then in itertools.pairwise(ordered):
        if first.below is None or (then.at_least is not None and then.at_least < first.below):
            raise ValidationError("bands overlap; each number falls in one band", path="bands")


@frozen
class ScoreItem:
    """One line of a scorecard: the answer read and its points.

    Args:
        code: Lowercase code, unique in the scorecard.
        label: Bilingual statement.
        reads: The screening variable read (an answer's code, or ``household_size``).
        points: Points per answer: category code (or ``True``/``False``) to points; answers not
            listed score 0.
        bands: Points per band of a number (:class:`Band`); a number in no band scores 0.
        per_capita: Bands compare the value divided by the household size.
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    reads: str = field(validator=check_code)
    points: tuple[tuple[str | bool, Decimal], ...] = field(
        default=(), converter=_to_points, validator=_check_points
    )
    bands: tuple[Band, ...] = field(default=(), converter=_to_bands)
    per_capita: bool = field(default=False, validator=[check_bool, _check_item])

    def score(self, value: Any) -> Decimal:
        """The points of ``value`` (an answer, or a number already divided if per capita)."""
        if self.points:
            return next(
                (
                    p
                    for key, p in self.points
                    if key == value and isinstance(key, bool) == isinstance(value, bool)
                ),
                Decimal(0),
            )
        return next((b.points for b in self.bands if b.holds(value)), Decimal(0))


def _check_items(_inst: object, _attribute: Any, value: tuple[ScoreItem, ...]) -> None:
    if not value:
        raise ValidationError("a scorecard needs at least one item", path="items")
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, ScoreItem):
            raise ValidationError(
                f"must be a ScoreItem, got {type(item).__name__}", path=f"items[{index}]"
            )
        if item.code in seen:
            raise ValidationError(f"item {item.code!r} is listed twice", path=f"items[{index}]")
        seen.add(item.code)


def _check_weight(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value < 0:
        raise ValidationError(f"must be 0 or more, got {value}", path=attribute.name)


def _check_scorecard(inst: Scorecard, _attribute: Any, _value: Any) -> None:
    check_source(inst.source, inst.synthetic, "a scorecard's cut-off")
    if inst.sector is not None:
        check_code(inst, _attribute, inst.sector)


def _to_items(value: Iterable[ScoreItem]) -> tuple[ScoreItem, ...]:
    return tuple(value)


def _to_side(value: Side | str) -> Side:
    return enum_value(Side, value)


@frozen
class Scorecard:
    """Items with points, a total and a cut-off; in a rule it acts as one criterion.

    Args:
        code: Lowercase code, unique among the rules' criteria and scorecards.
        label: Bilingual name.
        items: The :class:`ScoreItem` lines.
        cut_off: The total that decides.
        eligible: Which :class:`Side` of the cut-off is eligible (default ``at_least``).
        essential: Whether failing it makes the applicant ineligible whatever else holds.
        weight: Its weight in a weighted rule.
        sector: Applies only to applicants of this sector; ``None``: all.
        source: Where the cut-off comes from (required unless ``synthetic``).
        synthetic: The cut-off has no citable source.
        description: Bilingual explanation.
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    items: tuple[ScoreItem, ...] = field(converter=_to_items, validator=_check_items)
    cut_off: Decimal = field(converter=to_decimal, validator=check_decimal)
    eligible: Side = field(default=Side.AT_LEAST, converter=_to_side, validator=check_enum(Side))
    essential: bool = field(default=False, validator=check_bool)
    weight: Decimal = field(default=Decimal(1), converter=to_decimal, validator=_check_weight)
    sector: str | None = field(default=None)
    source: str | None = field(default=None, validator=check_optional_text)
    synthetic: bool = field(default=False, validator=check_bool)
    description: Label | None = field(
        default=None,
        converter=to_optional_label,
        validator=[check_optional_label, _check_scorecard],
    )

    @property
    def operator(self) -> Operator:
        """How the total is compared with the cut-off."""
        return self.eligible.operator

    def is_met(self, total: Decimal) -> bool:
        """Whether ``total`` is on the eligible side of the cut-off."""
        return self.operator.compare(total, self.cut_off)
