"""Readiness criteria: the checks that say a member, group or cluster can stand on its own.

Comparable graduation programs (BRAC, CGAP) state criteria as data: "all of", "any 6 of 10",
essential items plus weighted ones. A criterion here is one such item: it reads one indicator or
variable and compares it with a threshold, or it combines such comparisons (:class:`Condition`)
with ``all_of`` or ``any_of`` ("at least 70% own a boat and fuel is under 40% of costs"). The
readiness layer combines criteria.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from attrs import evolve, field, frozen
from attrs.validators import optional

from klaster._support.validate import (
    check_bool,
    check_code,
    check_decimal,
    check_enum,
    enum_value,
    to_decimal,
)
from klaster.catalogue.condition import (
    Condition,
    Operator,
    Threshold,
    check_threshold,
    to_threshold,
)
from klaster.catalogue.variable import Level
from klaster.errors import KlasterError, ValidationError
from klaster.label import (
    Label,
    check_label,
    check_optional_label,
    to_label,
    to_optional_label,
)

__all__ = ["Condition", "Operator", "ReadinessCriterion", "Threshold"]


def _to_level(value: Level | str) -> Level:
    return enum_value(Level, value)


def _to_optional_operator(value: Operator | str | None) -> Operator | None:
    return None if value is None else enum_value(Operator, value)


def _to_optional_threshold(value: Threshold | int | None) -> Threshold | None:
    return None if value is None else to_threshold(value)


def _where(inst: ReadinessCriterion, name: str) -> str:
    # A criterion's own problems name it: "threshold (criterion 'boat_owned')".
    return f"{name} (criterion {inst.code!r})"


def _check_threshold(inst: ReadinessCriterion, attribute: Any, value: Any) -> None:
    try:
        check_threshold(inst, attribute, value)
    except ValidationError as exc:
        raise ValidationError(exc.message, path=_where(inst, attribute.name)) from None


def _check_weight(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    assert isinstance(value, Decimal)
    if value < 0:
        raise ValidationError(f"must be 0 or more, got {value}", path=attribute.name)


# A condition's keys, which are also a one-comparison criterion's own fields.
_CONDITION_KEYS = ("reads", "operator", "threshold")
_COMBINATIONS = ("all_of", "any_of")


def _to_conditions(value: Iterable[Condition | Mapping[str, Any]] | None) -> Any:
    """Converter: a list of conditions or tables; what cannot be read is left for the validator."""
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(_to_condition(item) for item in value)


def _to_condition(item: object) -> object:
    if isinstance(item, Mapping) and set(item) == set(_CONDITION_KEYS):
        try:
            return Condition(**item)
        except KlasterError:
            return item  # the validator raises it located, with the criterion's code
    return item


def _check_conditions(inst: ReadinessCriterion, attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(
            f"must be a list of conditions (each with {', '.join(_CONDITION_KEYS)}), got "
            f"{type(value).__name__}",
            path=_where(inst, attribute.name),
        )
    for index, item in enumerate(value):
        if isinstance(item, Condition):
            continue
        at = f"{attribute.name}[{index}]"
        if not isinstance(item, Mapping):
            raise ValidationError(
                f"must be a Condition or a table of {', '.join(_CONDITION_KEYS)}, got "
                f"{type(item).__name__}",
                path=_where(inst, at),
            )
        unknown = sorted(str(k) for k in set(item) - set(_CONDITION_KEYS))
        missing = [k for k in _CONDITION_KEYS if k not in item]
        if unknown or missing:
            said = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
            said += [f"missing {', '.join(missing)}"] if missing else []
            raise ValidationError(
                f"{'; '.join(said)}: a condition has {', '.join(_CONDITION_KEYS)}",
                path=_where(inst, at),
            )
        try:
            Condition(**item)
        except KlasterError as exc:
            inner = f"{at}.{exc.path}" if exc.path else at
            raise ValidationError(exc.message, path=_where(inst, inner)) from None


@frozen
class ReadinessCriterion:
    """One check of readiness for independence (*kesiapan pemandirian*).

    A criterion makes one comparison (``reads``, ``operator``, ``threshold``) or combines several
    (:class:`Condition`) with ``all_of`` or ``any_of``, never both. A composite is decided from
    its parts' outcomes by :meth:`decide`: a part that cannot be checked (no value) leaves an
    ``all_of`` not applicable unless another part fails, and an ``any_of`` passes when any checked
    part passes (else it is not applicable while a part is unchecked).

    Args:
        code: Lowercase code, unique among all criteria of all plugins.
        sector: Code of the sector it belongs to.
        level: :class:`Level` it is checked at: each member, each group, the cluster...
        label: Bilingual short statement, e.g. ``Label("Usaha masih berjalan",
            "Business still running")``.
        reads: Code of the indicator or variable compared (``None`` for a composite).
        operator: :class:`Operator` comparing the value read with ``threshold``.
        threshold: A ``Decimal`` (ints and numeric strings are read), ``True``/``False``, or a
            category code. True/false and categories need ``==`` or ``!=``.
        essential: Whether failing it blocks independence whatever the other scores.
        weight: Weight of a non-essential criterion in a weighted score (``Decimal``, 0 or more).
        description: Bilingual explanation: why it matters, where the threshold comes from.
        all_of: Conditions that must all hold (``Condition`` records or tables of ``reads``,
            ``operator``, ``threshold``); instead of ``reads``/``operator``/``threshold``.
        any_of: Conditions of which at least one must hold; likewise.

    Example:
        >>> c = ReadinessCriterion("herd_kept", "livestock", Level.GROUP,
        ...                        Label("Ternak bertahan", "Herd kept"), "herd_growth",
        ...                        Operator.GE, "0", essential=True)
        >>> c.is_met(Decimal("0.12"))
        True
        >>> both = ReadinessCriterion("boat_and_fuel", "fisheries", Level.CLUSTER,
        ...     Label("Perahu dan BBM", "Boats and fuel"),
        ...     all_of=[Condition("boat_owned_share", ">=", "0.70"),
        ...             {"reads": "fuel_cost_share", "operator": "<", "threshold": "0.40"}])
        >>> [c.reads for c in both.conditions]
        ['boat_owned_share', 'fuel_cost_share']
        >>> both.decide([True, None]), both.decide([False, None])
        (None, False)
    """

    code: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    level: Level = field(converter=_to_level, validator=check_enum(Level))
    label: Label = field(converter=to_label, validator=check_label)
    reads: str | None = field(default=None, validator=optional(check_code))
    operator: Operator | None = field(
        default=None, converter=_to_optional_operator, validator=optional(check_enum(Operator))
    )
    threshold: Threshold | None = field(
        default=None, converter=_to_optional_threshold, validator=_check_threshold
    )
    essential: bool = field(default=False, validator=check_bool)
    weight: Decimal = field(default=Decimal(1), converter=to_decimal, validator=_check_weight)
    description: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )
    all_of: tuple[Condition, ...] = field(
        default=(), converter=_to_conditions, validator=_check_conditions
    )
    any_of: tuple[Condition, ...] = field(
        default=(), converter=_to_conditions, validator=_check_conditions
    )

    def __attrs_post_init__(self) -> None:
        given = [name for name in _CONDITION_KEYS if getattr(self, name) is not None]
        combined = [name for name in _COMBINATIONS if getattr(self, name)]
        if len(combined) == 2:
            raise ValidationError(
                "give all_of or any_of, not both (nest the choice in two criteria)",
                path=_where(self, "any_of"),
            )
        if combined and given:
            raise ValidationError(
                f"a criterion with {combined[0]} takes reads, operator and threshold from each "
                f"condition; drop {', '.join(given)}",
                path=_where(self, given[0]),
            )
        if not combined and len(given) < len(_CONDITION_KEYS):
            missing = [name for name in _CONDITION_KEYS if name not in given]
            raise ValidationError(
                f"needs reads, operator and threshold (missing {', '.join(missing)}), or "
                "all_of / any_of: a list of conditions",
                path=_where(self, missing[0]),
            )

    @property
    def combination(self) -> str | None:
        """``"all_of"`` or ``"any_of"`` for a composite criterion; ``None`` for one comparison."""
        return "all_of" if self.all_of else "any_of" if self.any_of else None

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The comparisons the criterion makes: its parts, or its one comparison."""
        if self.combination is not None:
            return self.all_of or self.any_of
        assert self.reads is not None  # the shape is checked on construction
        assert self.operator is not None
        assert self.threshold is not None
        return (Condition(self.reads, self.operator, self.threshold),)

    def parts(self) -> tuple[ReadinessCriterion, ...]:
        """Each condition as a one-comparison criterion of the same code, sector and level.

        What a readiness lookup reads, part by part; ``(self,)`` for a one-comparison criterion.
        """
        if self.combination is None:
            return (self,)
        return tuple(
            evolve(self, reads=c.reads, operator=c.operator, threshold=c.threshold, all_of=(),
                   any_of=())
            for c in self.conditions
        )  # fmt: skip

    def decide(self, outcomes: Sequence[bool | None]) -> bool | None:
        """The criterion's outcome from its parts' (``None``: the part could not be checked).

        ``all_of``: a failed part fails it; otherwise a part not checked leaves it not
        applicable (``None``). ``any_of``: a passed part passes it; otherwise a part not checked
        leaves it not applicable. One comparison: its own outcome.
        """
        checked = [o for o in outcomes if o is not None]
        if self.combination == "any_of":
            if any(checked):
                return True
        elif not all(checked):
            return False
        if len(checked) < len(outcomes):
            return None
        return self.combination != "any_of" if outcomes else None

    def is_met(self, value: Decimal | int | bool | str) -> bool:
        """Whether ``value`` (the indicator or variable read) meets the criterion.

        Raises:
            ValidationError: When the value's kind does not match the threshold's (a number
                compared with true/false...), or for a composite criterion (check each of
                :attr:`conditions` and combine the outcomes with :meth:`decide`).
        """
        if self.combination is not None:
            raise ValidationError(
                f"criterion {self.code!r} combines {len(self.conditions)} conditions "
                f"({self.combination}): check each of its conditions and combine the outcomes "
                "with decide()",
                path=self.code,
            )
        (condition,) = self.conditions
        return condition.is_met(value, code=self.code)
