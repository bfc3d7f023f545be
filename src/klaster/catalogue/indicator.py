"""Indicators: what a sector measures over its variables (profit margin, herd growth...).

An indicator carries its formula as text in klaster's formula language
(:mod:`klaster.catalogue.formula`).
The record checks that the formula parses and lists the codes it reads, so the plugin host can
check that they exist; the measurement layer evaluates it.
"""

from __future__ import annotations

from typing import Any

from attrs import Factory, field, frozen

from klaster._support.validate import (
    check_code,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
)
from klaster.catalogue._recordcheck import check_codes, to_tuple
from klaster.catalogue.display import (
    Display,
    DisplayKind,
    check_digits,
    check_display_kind,
    default_display,
    to_display_kind,
)
from klaster.catalogue.formula import Expr, FormulaError, parse, references
from klaster.catalogue.variable import Level
from klaster.label import (
    Label,
    LabelledEnum,
    check_label,
    check_optional_label,
    labelled,
    to_label,
    to_optional_label,
)

__all__ = ["Aggregation", "Direction", "Indicator", "shown_as"]


class Direction(LabelledEnum):
    """Which way is good news for an indicator (for reports and readiness)."""

    HIGHER = labelled("higher", "Makin tinggi makin baik", "Higher is better")
    """Higher is better (income, survival rate)."""
    LOWER = labelled("lower", "Makin rendah makin baik", "Lower is better")
    """Lower is better (mortality rate, costs)."""


class Aggregation(LabelledEnum):
    """How member- or group-level values are combined into a group, cluster or program figure."""

    SUM = labelled("sum", "Jumlah", "Sum")
    """Total of the formula over the units."""
    MEAN = labelled("mean", "Rata-rata", "Mean")
    """Average of the formula over the units."""
    MEDIAN = labelled("median", "Median", "Median")
    """Median of the formula over the units (robust to a few very large businesses)."""
    RATIO_OF_SUMS = labelled("ratio_of_sums", "Rasio dari jumlah", "Ratio of sums")
    """For ``a / b`` formulas: sum of ``a`` over sum of ``b`` (not the mean of the ratios)."""
    SHARE_MEETING = labelled(
        "share_meeting", "Proporsi yang memenuhi syarat", "Share meeting the condition"
    )
    """Share of units for which the (true/false) formula holds, between 0 and 1."""
    COUNT = labelled("count", "Banyaknya yang memenuhi syarat", "Number meeting the condition")
    """Number of units for which the (true/false) formula holds."""


def _to_level(value: Level | str) -> Level:
    return enum_value(Level, value)


def _to_direction(value: Direction | str) -> Direction:
    return enum_value(Direction, value)


def _to_aggregation(value: Aggregation | str) -> Aggregation:
    return enum_value(Aggregation, value)


def _default_references(inst: Any) -> tuple[str, ...]:
    # A formula that does not parse gets no references here: its own validator reports it.
    try:
        return references(parse(inst.formula))
    except FormulaError:
        return ()


def _check_formula(_inst: object, attribute: Any, value: Any) -> None:
    check_text(_inst, attribute, value)
    try:
        parse(value)
    except FormulaError as exc:
        raise exc.at(attribute.name) from None


def _check_optional_digits(_inst: object, attribute: Any, value: object) -> None:
    if value is not None:
        check_digits(value, attribute.name)


def shown_as(
    unit: str | None, aggregation: Aggregation, kind: DisplayKind | None, digits: int | None
) -> Display:
    """An indicator's display: the declared kind and digits, the rest from its unit."""
    found = default_display(unit, aggregation.value)
    if kind is not None and kind is not found.kind:
        found = Display(kind, 1 if kind is DisplayKind.PERCENT else 0)
    return found if digits is None else Display(found.kind, digits)


@frozen
class Indicator:
    """A sector indicator computed from variables (or other indicators) by a formula.

    Args:
        code: Lowercase code, unique among all variables and indicators of all plugins.
        sector: Code of the sector it belongs to.
        name: Bilingual name, e.g. ``Label("Tingkat kematian ternak", "Mortality rate")``.
        level: :class:`Level` of the units the formula is evaluated for (usually members);
            ``aggregation`` combines them for a group, the cluster or the program.
        formula: The formula in klaster's formula language (:mod:`klaster.catalogue.formula`), e.g.
            ``"herd_deaths / (herd_start + herd_births)"``: names are variable or indicator
            codes, ``name(...)`` are functions such as ``change`` or ``baseline``.
        aggregation: :class:`Aggregation` combining units into a higher level.
        direction: :class:`Direction`: whether higher values are better.
        unit: Unit of the result, e.g. ``"IDR/month"``, ``"ratio"``, ``"kg/ha"``.
        references: Codes the formula reads; by default every name in it. The host checks that
            each exists.
        description: Bilingual explanation for report readers (what it shows, its source).
        display: How its figures are shown (:class:`~klaster.catalogue.display.DisplayKind`:
            ``"percent"``, ``"money"``, ``"count"``, ``"number"``); by default decided from
            ``unit`` and ``aggregation`` (:attr:`shown_as`).
        digits: Decimals shown (0–6; for a percentage, of the percent); by default the kind's.

    Example:
        >>> i = Indicator("herd_growth", "livestock", Label("Pertumbuhan ternak", "Herd growth"),
        ...               Level.MEMBER, "(herd_end - herd_start) / herd_start",
        ...               Aggregation.RATIO_OF_SUMS, Direction.HIGHER, unit="ratio")
        >>> i.references
        ('herd_end', 'herd_start')
        >>> i.shown_as
        Display(kind=<DisplayKind.PERCENT: 'percent'>, digits=1)
    """

    code: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    name: Label = field(converter=to_label, validator=check_label)
    level: Level = field(converter=_to_level, validator=check_enum(Level))
    formula: str = field(validator=_check_formula)
    aggregation: Aggregation = field(converter=_to_aggregation, validator=check_enum(Aggregation))
    direction: Direction = field(converter=_to_direction, validator=check_enum(Direction))
    unit: str | None = field(default=None, validator=check_optional_text)
    references: tuple[str, ...] = field(
        default=Factory(_default_references, takes_self=True),
        converter=to_tuple,
        validator=check_codes,
    )
    description: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )
    display: DisplayKind | None = field(
        default=None, converter=to_display_kind, validator=check_display_kind
    )
    digits: int | None = field(default=None, validator=_check_optional_digits)

    @property
    def shown_as(self) -> Display:
        """How a table shows its figures: ``display`` and ``digits``, else decided from the unit."""
        return shown_as(self.unit, self.aggregation, self.display, self.digits)

    def expression(self) -> Expr:
        """The formula parsed into its tree (see :func:`klaster.catalogue.formula.parse`)."""
        return parse(self.formula)
