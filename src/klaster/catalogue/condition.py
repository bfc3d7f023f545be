"""One comparison: an :class:`Operator` between the value read and a threshold.

The building block of readiness criteria (:mod:`klaster.catalogue.criterion`): a criterion makes
one comparison, or combines several :class:`Condition` s with ``all_of`` or ``any_of``. The rules
for thresholds live here once: a ``Decimal`` (ints and numeric strings are read), or ``True``/
``False`` or a category code, which only ``==`` and ``!=`` compare.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias

from attrs import field, frozen

from klaster._support.validate import (
    CODE_PATTERN,
    check_code,
    check_decimal,
    check_enum,
    enum_value,
    to_decimal,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Condition", "Operator", "Threshold", "check_threshold", "to_threshold"]

Threshold: TypeAlias = Decimal | bool | str
"""What a criterion or condition compares with: a number, true/false, or a category code."""


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


def check_threshold(inst: Any, attribute: Any, value: Any) -> None:
    """Validator: a threshold that suits ``inst.operator`` (``None``: nothing to check).

    A true/false or category threshold needs ``==`` or ``!=``; any other must be a finite,
    bounded ``Decimal``.
    """
    if value is None:  # a composite criterion: its conditions carry the thresholds
        return
    if isinstance(value, bool) or (isinstance(value, str) and CODE_PATTERN.match(value)):
        if inst.operator not in _EQUALITY:
            shown = inst.operator.value if inst.operator is not None else None
            raise ValidationError(
                f"a true/false or category threshold needs '==' or '!=', not {shown!r}",
                path=attribute.name,
            )
        return
    check_decimal(inst, attribute, value)


def _to_operator(value: Operator | str) -> Operator:
    return enum_value(Operator, value)


def _compare(code: str, reads: str, op: Operator, threshold: Threshold, value: object) -> bool:
    number = isinstance(threshold, Decimal)
    if number != (isinstance(value, Decimal | int) and not isinstance(value, bool)) or (
        isinstance(threshold, bool) != isinstance(value, bool)
    ):
        raise ValidationError(
            f"criterion {code!r} compares {reads!r} with {type(threshold).__name__} "
            f"{threshold}, got a {type(value).__name__}",
            path=reads,
        )
    return op.compare(value, threshold)


@frozen
class Condition:
    """One comparison of a composite criterion: ``reads <operator> threshold``.

    The same rules as a one-comparison :class:`~klaster.catalogue.criterion.ReadinessCriterion`: a
    ``Decimal`` threshold (ints and numeric strings are read), or ``True``/``False`` or a category
    code with ``==``/``!=``.

    Args:
        reads: Code of the indicator or variable compared.
        operator: :class:`Operator` comparing the value read with ``threshold``.
        threshold: What the value is compared with.

    Example:
        >>> Condition("fuel_cost_share", "<", "0.40").is_met(Decimal("0.35"))
        True
    """

    reads: str = field(validator=check_code)
    operator: Operator = field(converter=_to_operator, validator=check_enum(Operator))
    threshold: Threshold = field(converter=to_threshold, validator=check_threshold)

    def is_met(self, value: Decimal | int | bool | str, *, code: str = "?") -> bool:
        """Whether ``value`` (the indicator or variable read) meets the condition.

        Args:
            value: The value read.
            code: The code of the criterion it belongs to, named in the error.

        Raises:
            ValidationError: When the value's kind does not match the threshold's.
        """
        return _compare(code, self.reads, self.operator, self.threshold, value)
