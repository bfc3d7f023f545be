"""Readiness criteria: the checks that say a member, group or cluster can stand on its own.

Comparable graduation programs (BRAC, CGAP) state criteria as data: "all of", "any 6 of 10",
essential items plus weighted ones. A criterion here is one such item: it reads one indicator or
variable and compares it with a threshold. The readiness layer combines them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias

from attrs import field, frozen

from klaster._support.validate import (
    CODE_PATTERN,
    check_bool,
    check_code,
    check_decimal,
    check_enum,
    enum_value,
    to_decimal,
)
from klaster.catalogue.variable import Level
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

__all__ = ["Operator", "ReadinessCriterion", "Threshold"]

Threshold: TypeAlias = Decimal | bool | str
"""What a criterion compares with: a number, true/false, or a category code."""


class Operator(LabelledEnum):
    """A comparison, written as in formulas (``">="``); its label says it in words."""

    GE = labelled(">=", "Paling sedikit", "At least")
    """At least the threshold."""
    GT = labelled(">", "Lebih dari", "More than")
    """More than the threshold."""
    LE = labelled("<=", "Paling banyak", "At most")
    """At most the threshold."""
    LT = labelled("<", "Kurang dari", "Less than")
    """Less than the threshold."""
    EQ = labelled("==", "Sama dengan", "Equal to")
    """Equal to the threshold (the only operators for true/false and categories: ==, !=)."""
    NE = labelled("!=", "Tidak sama dengan", "Not equal to")
    """Different from the threshold."""

    def compare(self, value: Any, threshold: Any) -> bool:
        """Return ``value <op> threshold``."""
        return bool(_FUNCTIONS[self](value, threshold))


_FUNCTIONS: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.GE: operator.ge,
    Operator.GT: operator.gt,
    Operator.LE: operator.le,
    Operator.LT: operator.lt,
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
}
_EQUALITY = (Operator.EQ, Operator.NE)


def _to_level(value: Level | str) -> Level:
    return enum_value(Level, value)


def _to_operator(value: Operator | str) -> Operator:
    return enum_value(Operator, value)


def to_threshold(value: Threshold | int) -> Threshold:
    """Converter: ``int`` and numeric strings become ``Decimal``; codes and booleans stay.

    A string that is a valid code (``"goat"``) is a category; any other string is read as a
    number (``"0.80"``), so TOML and JSON can carry exact thresholds.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and CODE_PATTERN.match(value):
        return value
    return to_decimal(value)


def _check_threshold(inst: ReadinessCriterion, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or (isinstance(value, str) and CODE_PATTERN.match(value)):
        if inst.operator not in _EQUALITY:
            raise ValidationError(
                f"a true/false or category threshold needs '==' or '!=', not "
                f"{inst.operator.value!r}",
                path=attribute.name,
            )
        return
    check_decimal(inst, attribute, value)


def _check_weight(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    assert isinstance(value, Decimal)
    if value < 0:
        raise ValidationError(f"must be 0 or more, got {value}", path=attribute.name)


@frozen
class ReadinessCriterion:
    """One check of readiness for independence (*kesiapan pemandirian*).

    Args:
        code: Lowercase code, unique among all criteria of all plugins.
        sector: Code of the sector it belongs to.
        level: :class:`Level` it is checked at: each member, each group, the cluster...
        label: Bilingual short statement, e.g. ``Label("Usaha masih berjalan",
            "Business still running")``.
        reads: Code of the indicator or variable compared.
        operator: :class:`Operator` comparing the value read with ``threshold``.
        threshold: A ``Decimal`` (ints and numeric strings are read), ``True``/``False``, or a
            category code. True/false and categories need ``==`` or ``!=``.
        essential: Whether failing it blocks independence whatever the other scores.
        weight: Weight of a non-essential criterion in a weighted score (``Decimal``, 0 or more).
        description: Bilingual explanation: why it matters, where the threshold comes from.

    Example:
        >>> c = ReadinessCriterion("herd_kept", "livestock", Level.GROUP,
        ...                        Label("Ternak bertahan", "Herd kept"), "herd_growth",
        ...                        Operator.GE, "0", essential=True)
        >>> c.is_met(Decimal("0.12"))
        True
    """

    code: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    level: Level = field(converter=_to_level, validator=check_enum(Level))
    label: Label = field(converter=to_label, validator=check_label)
    reads: str = field(validator=check_code)
    operator: Operator = field(converter=_to_operator, validator=check_enum(Operator))
    threshold: Threshold = field(converter=to_threshold, validator=_check_threshold)
    essential: bool = field(default=False, validator=check_bool)
    weight: Decimal = field(default=Decimal(1), converter=to_decimal, validator=_check_weight)
    description: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )

    def is_met(self, value: Decimal | int | bool | str) -> bool:
        """Whether ``value`` (the indicator or variable read) meets the criterion.

        Raises:
            ValidationError: When the value's kind does not match the threshold's (a number
                compared with true/false...).
        """
        number = isinstance(self.threshold, Decimal)
        if number != (isinstance(value, Decimal | int) and not isinstance(value, bool)) or (
            isinstance(self.threshold, bool) != isinstance(value, bool)
        ):
            raise ValidationError(
                f"criterion {self.code!r} compares {self.reads!r} with "
                f"{type(self.threshold).__name__} {self.threshold}, got a "
                f"{type(value).__name__}",
                path=self.reads,
            )
        return self.operator.compare(value, self.threshold)
