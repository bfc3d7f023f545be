"""Eligibility criteria: who may become a beneficiary, as data a program or a plugin declares.

A criterion reads one screening variable of an applicant (an answer by code, or
``household_size``), optionally divided by the household size (``per_capita``), and compares it
with a threshold: a number, true/false, a category code, a set of category codes (``in`` /
``not in``, e.g. *asnaf* in fakir, miskin, gharim) or a :class:`LineRef` — the BPS poverty line
or the zakat *had kifayah* of the applicant's area and date, resolved when screening. A number
never stands without its ``source`` (a publication, or the program's decision); one that has no
citable source says so with ``synthetic = true``.

Scorecards (points per answer, cut-off) are in :mod:`klaster.catalogue.scorecard`; the rules
that combine both, and screening, are in :mod:`klaster.targeting`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

from attrs import field, frozen

from klaster._support.validate import (
    CODE_PATTERN,
    check_bool,
    check_code,
    check_decimal,
    check_enum,
    check_optional_text,
    enum_value,
    to_decimal,
)
from klaster.catalogue.criterion import Operator
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

__all__ = [
    "Comparison",
    "EligibilityCriterion",
    "EligibilityThreshold",
    "Line",
    "LineRef",
    "Membership",
    "check_source",
    "to_comparison",
]


class Membership(LabelledEnum):
    """A comparison with a set of category codes."""

    IN = labelled("in", "Salah satu dari", "One of")
    """The answer is one of the codes."""
    NOT_IN = labelled("not in", "Bukan salah satu dari", "None of")
    """The answer is none of the codes."""

    def compare(self, value: Any, codes: tuple[str, ...]) -> bool:
        """Return ``value in codes`` (or ``not in``)."""
        return (value in codes) is (self is Membership.IN)


Comparison: TypeAlias = Operator | Membership
"""Any comparison of a criterion: the readiness :class:`Operator` or a :class:`Membership`."""


def to_comparison(value: Comparison | str) -> Comparison:
    """Converter: ``">="``... to an :class:`Operator`, ``"in"``/``"not in"`` to a membership."""
    if isinstance(value, Operator | Membership):
        return value
    for cls in (Operator, Membership):
        try:
            return cls(value)
        except ValueError:
            continue
    names = ", ".join(repr(m.value) for m in (*Operator, *Membership))
    raise ValidationError(f"unknown operator {value!r}: use one of {names}", path="operator")


class Line(LabelledEnum):
    """A line a threshold may refer to, looked up for each applicant's area and date."""

    POVERTY_LINE = labelled("poverty_line", "Garis kemiskinan BPS", "BPS poverty line")
    """BPS *garis kemiskinan*: Rupiah per capita per month (kabupaten, province, nation)."""
    HAD_KIFAYAH = labelled("had_kifayah", "Had kifayah BAZNAS", "BAZNAS had kifayah")
    """BAZNAS's minimum-needs standard for zakat (province or nation, per household or capita)."""


def _to_line(value: Line | str) -> Line:
    return enum_value(Line, value)


@frozen
class LineRef:
    """A threshold that is a line (times ``multiple``), resolved per applicant when screening.

    Args:
        line: The :class:`Line`.
        multiple: The line is multiplied by this (``"1.2"`` for "below 120 % of the line").

    Example:
        >>> str(LineRef("poverty_line", "1.5"))
        '1.5 × poverty_line'
    """

    line: Line = field(converter=_to_line, validator=check_enum(Line))
    multiple: Decimal = field(default=Decimal(1), converter=to_decimal)

    @multiple.validator
    def _check_multiple(self, attribute: Any, value: Any) -> None:
        check_decimal(self, attribute, value)
        if value <= 0:
            raise ValidationError(f"must be more than 0, got {value}", path="multiple")

    def __str__(self) -> str:
        if self.multiple == 1:
            return self.line.value
        return f"{self.multiple} × {self.line.value}"


EligibilityThreshold: TypeAlias = Decimal | bool | str | tuple[str, ...] | LineRef
"""A number, true/false, a category code, a set of category codes, or a line."""


def to_eligibility_threshold(value: Any) -> EligibilityThreshold:
    """Converter: ints and numeric strings become ``Decimal``, lists of codes a tuple."""
    if isinstance(value, bool | LineRef | Decimal):
        return value
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, str) and CODE_PATTERN.match(value):
        return value
    if isinstance(value, int | str):
        try:
            return to_decimal(value)
        except ValidationError:
            pass  # refused by the validator with the threshold's path
    return value  # type: ignore[no-any-return]


def _check_threshold(inst: EligibilityCriterion, attribute: Any, value: Any) -> None:
    op = inst.operator
    if isinstance(value, tuple):
        if not value:
            raise ValidationError("a set of categories needs at least one code", path="threshold")
        for index, code in enumerate(value):
            check_code(inst, _Named(f"threshold[{index}]"), code)
        if len(set(value)) != len(value):
            raise ValidationError("a category is listed twice", path="threshold")
        if not isinstance(op, Membership):
            raise ValidationError(
                f"a set of categories needs 'in' or 'not in', not {op.value!r}", path="operator"
            )
        return
    if isinstance(op, Membership):
        raise ValidationError(
            f"{op.value!r} needs a list of category codes as threshold", path="threshold"
        )
    if isinstance(value, bool) or (isinstance(value, str) and CODE_PATTERN.match(value)):
        if op not in (Operator.EQ, Operator.NE):
            raise ValidationError(
                f"a true/false or category threshold needs '==' or '!=', not {op.value!r}",
                path="operator",
            )
        if inst.per_capita:
            raise ValidationError("only a number can be per capita", path="per_capita")
        return
    if isinstance(value, LineRef):
        if value.line is Line.POVERTY_LINE and not inst.per_capita:
            raise ValidationError(
                "the BPS poverty line is per capita: compare a per-capita value "
                "(per_capita = true)",
                path="per_capita",
            )
        return
    if not isinstance(value, Decimal):
        raise ValidationError(
            "must be a number, true/false, a category code, a list of codes or a line "
            f"({', '.join(m.value for m in Line)}), got {type(value).__name__}",
            path=attribute.name,
        )
    check_decimal(inst, attribute, value)


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name


def check_source(source: str | None, synthetic: bool, what: str) -> None:
    """A number's source is required unless it is marked synthetic (no citable source)."""
    if synthetic:
        return
    if source is None:
        raise ValidationError(
            f"{what} needs its source (a publication, or the program's decision and its date); "
            "write synthetic = true if it has no citable source",
            path="source",
        )


def _check_weight(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value < 0:
        raise ValidationError(f"must be 0 or more, got {value}", path=attribute.name)


def _check_sector(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_code(inst, attribute, value)


def _check_all(inst: EligibilityCriterion, _attribute: Any, _value: Any) -> None:
    if isinstance(inst.threshold, Decimal):
        check_source(inst.source, inst.synthetic, "a numeric threshold")


@frozen
class EligibilityCriterion:
    """One eligibility check of an applicant household.

    Args:
        code: Lowercase code, unique in the rules (and among the plugins' criteria).
        label: Bilingual short statement, e.g. ``Label("Pendapatan per kapita di bawah garis
            kemiskinan", "Income per capita below the poverty line")``.
        reads: The screening variable: an answer's code, or ``household_size``.
        operator: ``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=`` (an :class:`Operator`), or
            ``in`` / ``not in`` (a :class:`Membership`) for a set of category codes.
        threshold: A ``Decimal`` (ints and numeric strings are read), ``True``/``False``, a
            category code, a tuple of category codes, or a :class:`LineRef`.
        per_capita: Compare the value divided by the household size (exact quotient, half-even
            to 18 decimals: :func:`klaster.measurement.division.divide`).
        essential: Whether failing it makes the applicant ineligible whatever else holds.
        weight: Its weight in a weighted rule (0 or more).
        sector: A sector's criterion applies only to applicants of that sector; ``None``: all.
        source: Where a numeric threshold comes from (required for a number unless
            ``synthetic``).
        synthetic: The threshold has no citable source (an example or a placeholder).
        description: Bilingual explanation.

    Example:
        >>> c = EligibilityCriterion("poor", Label("Miskin", "Poor"), "monthly_income", "<=",
        ...                          LineRef("poverty_line"), per_capita=True)
        >>> str(c.threshold), c.operator.value
        ('poverty_line', '<=')
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    reads: str = field(validator=check_code)
    operator: Comparison = field(converter=to_comparison)
    threshold: EligibilityThreshold = field(converter=to_eligibility_threshold)
    per_capita: bool = field(default=False, validator=check_bool)
    essential: bool = field(default=False, validator=check_bool)
    weight: Decimal = field(default=Decimal(1), converter=to_decimal, validator=_check_weight)
    sector: str | None = field(default=None, validator=_check_sector)
    source: str | None = field(default=None, validator=check_optional_text)
    synthetic: bool = field(default=False, validator=check_bool)
    description: Label | None = field(
        default=None,
        converter=to_optional_label,
        validator=[check_optional_label, _check_all],
    )

    def __attrs_post_init__(self) -> None:
        _check_threshold(self, _Named("threshold"), self.threshold)

    @property
    def categories(self) -> tuple[str, ...]:
        """The category codes the threshold names (empty for numbers, true/false and lines)."""
        if isinstance(self.threshold, tuple):
            return self.threshold
        if isinstance(self.threshold, str):
            return (self.threshold,)
        return ()

    def compare(self, value: Any, threshold: Any = None) -> bool:
        """Whether ``value`` meets the criterion (``threshold``: a resolved line, if any)."""
        limit = self.threshold if threshold is None else threshold
        if isinstance(self.operator, Membership):
            assert isinstance(limit, tuple)
            return self.operator.compare(value, limit)
        return self.operator.compare(value, limit)
