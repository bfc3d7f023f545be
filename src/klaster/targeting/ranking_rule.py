"""How candidate regions are ranked: weights, cut-offs, exclusions and how many to select.

A :class:`RankingRule` is data (read from TOML by :func:`klaster.targeting.load_rule`) and says
everything :func:`klaster.targeting.rank` does, so a ranking can be explained and repeated:

* **weights** (:class:`Weight`): one per indicator, with the direction that is better
  (``higher``: poverty rate, potential; ``lower``: distance to market); they add up to exactly 1;
* **thresholds** (:class:`Threshold`): cut-offs a region must meet to be ranked at all
  (``poverty_rate >= 15``);
* **exclusions** (:class:`Exclusion`): regions left out by name, each with its reason;
* **select**: how many regions to choose, overall or (``per_parent``) in each parent region;
* **stat_kind**: which kind of poverty statistic to read (figures of different kinds are never
  compared).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_decimal,
    check_enum,
    check_optional_text,
    check_text,
    check_unit_weight,
    enum_value,
    exact_sum,
    int_at_least,
    require_code,
    to_decimal,
)
from klaster.catalogue.criterion import Operator
from klaster.catalogue.indicator import Direction
from klaster.errors import ValidationError
from klaster.model.region import RegionLevel, StatKind

__all__ = ["Exclusion", "RankingRule", "Threshold", "Weight"]


def _check_indicator(_inst: object, attribute: Any, value: Any) -> None:
    require_code(value, attribute.name)


def _to_direction(value: Direction | str) -> Direction:
    return enum_value(Direction, value)


def _to_operator(value: Operator | str) -> Operator:
    return enum_value(Operator, value)


@frozen
class Weight:
    """An indicator's weight in the total score.

    Args:
        indicator: The indicator code (``poverty_rate``).
        weight: Its share of the score, more than 0 and at most 1.
        direction: Which way is better (:class:`~klaster.catalogue.Direction`): ``higher``
            (the default) or ``lower``.
    """

    indicator: str = field(validator=_check_indicator)
    weight: Decimal = field(converter=to_decimal, validator=check_unit_weight)
    direction: Direction = field(
        default=Direction.HIGHER, converter=_to_direction, validator=check_enum(Direction)
    )


@frozen
class Threshold:
    """A cut-off: a region whose figure fails it is not ranked (decision *below threshold*).

    Args:
        indicator: The indicator code.
        operator: ``>=``, ``>``, ``<=``, ``<``, ``==`` or ``!=``
            (:class:`~klaster.catalogue.Operator`).
        value: The cut-off, exact.
        note: Why, or where the cut-off comes from.
    """

    indicator: str = field(validator=_check_indicator)
    operator: Operator = field(converter=_to_operator, validator=check_enum(Operator))
    value: Decimal = field(converter=to_decimal, validator=check_decimal)
    note: str | None = field(default=None, validator=check_optional_text)

    def passes(self, figure: Decimal) -> bool:
        """Whether ``figure`` meets the cut-off."""
        return self.operator.compare(figure, self.value)

    def describe(self) -> str:
        """The cut-off in words (``poverty_rate >= 15``)."""
        return f"{self.indicator} {self.operator.value} {self.value}"


@frozen
class Exclusion:
    """A region left out by name.

    Args:
        code: Its Kemendagri code.
        reason: Why (``"served by another program since 2009"``).
    """

    code: str = field(validator=check_text)
    reason: str = field(validator=check_text)


def _to_level(value: RegionLevel | str) -> RegionLevel:
    return enum_value(RegionLevel, value)


def _to_kind(value: StatKind | str | None) -> StatKind | None:
    return None if value is None else enum_value(StatKind, value)


def _check_kind(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_enum(StatKind)(inst, attribute, value)


def _to_weights(value: Iterable[Weight]) -> tuple[Weight, ...]:
    return tuple(value)


def _to_thresholds(value: Iterable[Threshold]) -> tuple[Threshold, ...]:
    return tuple(value)


def _to_exclusions(value: Iterable[Exclusion]) -> tuple[Exclusion, ...]:
    return tuple(value)


def _check_weights(_inst: object, attribute: Any, value: tuple[Weight, ...]) -> None:
    if not value:
        raise ValidationError("name at least one weighted indicator", path="weights")
    seen: dict[str, int] = {}
    for index, weight in enumerate(value):
        if not isinstance(weight, Weight):
            raise ValidationError(
                f"must be a Weight, got {type(weight).__name__}", path=f"weights[{index}]"
            )
        if weight.indicator in seen:
            raise ValidationError(
                f"{weight.indicator!r} is weighted twice (also weights[{seen[weight.indicator]}])",
                path=f"weights[{index}].indicator",
            )
        seen[weight.indicator] = index
    total = exact_sum(w.weight for w in value)
    if total != 1:
        parts = " + ".join(str(w.weight) for w in value)
        raise ValidationError(
            f"the weights add up to {total} ({parts}), not 1; make them add up to exactly 1",
            path="weights",
        )


def _check_items(kind: type) -> Any:
    def check(_inst: object, attribute: Any, value: tuple[Any, ...]) -> None:
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    f"must be a {kind.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{index}]",
                )

    return check


def _check_exclusions(inst: object, attribute: Any, value: tuple[Exclusion, ...]) -> None:
    _check_items(Exclusion)(inst, attribute, value)
    seen: set[str] = set()
    for index, item in enumerate(value):
        if item.code in seen:
            raise ValidationError(
                f"{item.code!r} is excluded twice", path=f"exclusions[{index}].code"
            )
        seen.add(item.code)


@frozen
class RankingRule:
    """A documented, explainable way to rank candidate regions (see the module documentation).

    Args:
        name: The rule's name and version in words (``"Bantaeng kecamatan, v1"``).
        level: The level ranked (:class:`~klaster.model.region.RegionLevel`); candidates of
            other levels are context, not ranked.
        weights: :class:`Weight` per indicator, adding up to exactly 1.
        select: How many regions to select (overall, or per parent region).
        per_parent: Select ``select`` regions in each parent region (regions without a parent
            code form one group).
        thresholds: :class:`Threshold` cut-offs.
        exclusions: :class:`Exclusion` by code.
        stat_kind: The kind of poverty statistic to read (needed when the candidates' figures
            are of more than one kind).
        note: Free text (where the weights come from).

    Example:
        >>> rule = RankingRule("by poverty", "kecamatan", [Weight("poverty_rate", "1")], 2)
        >>> rule.summary().split(", min-max")[0]
        'by poverty: kecamatan ranked by poverty_rate 1 (higher is better)'
    """

    name: str = field(validator=check_text)
    level: RegionLevel = field(converter=_to_level, validator=check_enum(RegionLevel))
    weights: tuple[Weight, ...] = field(converter=_to_weights, validator=_check_weights)
    select: int = field(validator=int_at_least(1))
    per_parent: bool = field(default=False, validator=check_bool)
    thresholds: tuple[Threshold, ...] = field(
        default=(), converter=_to_thresholds, validator=_check_items(Threshold)
    )
    exclusions: tuple[Exclusion, ...] = field(
        default=(), converter=_to_exclusions, validator=_check_exclusions
    )
    stat_kind: StatKind | None = field(default=None, converter=_to_kind, validator=_check_kind)
    note: str | None = field(default=None, validator=check_optional_text)

    def indicators(self) -> tuple[str, ...]:
        """Every indicator the rule reads: the weighted ones, then those only in cut-offs."""
        codes = [w.indicator for w in self.weights] + [t.indicator for t in self.thresholds]
        return tuple(dict.fromkeys(codes))

    def summary(self) -> str:
        """The rule in one line, as a recorded choice keeps it."""
        weights = ", ".join(
            f"{w.indicator} {w.weight} ({w.direction.label_en.lower()})" for w in self.weights
        )
        text = (
            f"{self.name}: {self.level.value} ranked by {weights}, min-max normalised over the "
            f"ranked candidates; select {self.select}" + (" per parent" if self.per_parent else "")
        )
        if self.thresholds:
            text += "; cut-offs " + ", ".join(t.describe() for t in self.thresholds)
        if self.exclusions:
            text += "; excluded " + ", ".join(e.code for e in self.exclusions)
        if self.stat_kind is not None:
            text += f"; statistics of kind {self.stat_kind.value}"
        return text
