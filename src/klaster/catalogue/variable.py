"""Variables: what a sector's field staff record per member, group or cooperative each round."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_code,
    check_enum,
    check_optional_decimal,
    check_optional_text,
    enum_value,
    to_date,
    to_decimal,
    to_optional_decimal,
)
from klaster.catalogue._recordcheck import check_records, to_tuple
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

__all__ = ["Category", "Level", "ValueType", "Variable"]


class Level(LabelledEnum):
    """What a value or indicator is about: one member, a group, the cooperative, the cluster."""

    MEMBER = labelled("member", "Mitra", "Member")
    """Mitra (usually a household)."""
    GROUP = labelled("group", "Kelompok", "Group")
    """Kelompok usaha."""
    COOPERATIVE = labelled("cooperative", "Koperasi", "Cooperative")
    """Koperasi."""
    CLUSTER = labelled("cluster", "Klaster", "Cluster")
    """Klaster: the whole district program."""


class ValueType(LabelledEnum):
    """The kind of value a variable holds (Python type after :meth:`Variable.check_value`)."""

    DECIMAL = labelled("decimal", "Bilangan desimal", "Decimal number")
    """An exact number (``Decimal``): money, kilograms, hectares."""
    INTEGER = labelled("integer", "Bilangan bulat", "Whole number")
    """A whole number (``int``): heads of cattle, workers."""
    BOOLEAN = labelled("boolean", "Ya/tidak", "Yes/no")
    """Yes or no (``bool``)."""
    CATEGORY = labelled("category", "Kategori", "Category")
    """One of the variable's category codes (``str``)."""
    TEXT = labelled("text", "Teks", "Text")
    """Free text (``str``)."""
    DATE = labelled("date", "Tanggal", "Date")
    """A day (``datetime.date``; ISO strings are read)."""


_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER)


def _to_level(value: Level | str) -> Level:
    return enum_value(Level, value)


def _to_value_type(value: ValueType | str) -> ValueType:
    return enum_value(ValueType, value)


@frozen
class Category:
    """One allowed answer of a category variable, e.g. the goat among livestock species.

    Args:
        code: Lowercase code stored as the value, e.g. ``"goat"``.
        label: Bilingual label, e.g. ``Label("Kambing", "Goat")``.
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)


def _check_bounds(inst: Variable, attribute: Any, value: Decimal | None) -> None:
    check_optional_decimal(inst, attribute, value)
    if value is None:
        return
    if inst.type not in _NUMERIC:
        raise ValidationError(
            f"bounds are only for decimal or integer variables, not {inst.type.value}",
            path=attribute.name,
        )
    if inst.type is ValueType.INTEGER and value != value.to_integral_value():
        raise ValidationError(
            f"an integer variable needs whole-number bounds, got {value}", path=attribute.name
        )
    if attribute.name == "maximum" and inst.minimum is not None and value < inst.minimum:
        raise ValidationError(
            f"maximum {value} is below minimum {inst.minimum}", path=attribute.name
        )


def _check_categories(inst: Variable, attribute: Any, value: tuple[Category, ...]) -> None:
    check_records(Category)(inst, attribute, value)
    if inst.type is ValueType.CATEGORY and not value:
        raise ValidationError(
            "a category variable needs at least one category", path=attribute.name
        )
    if inst.type is not ValueType.CATEGORY and value:
        raise ValidationError(
            f"only category variables have categories, not {inst.type.value}", path=attribute.name
        )


@frozen
class Variable:
    """A value a sector collects per member, group or cooperative in each survey round.

    Args:
        code: Lowercase code, unique among all variables and indicators of all plugins (formulas
            name variables by code), e.g. ``"herd_start"``.
        sector: Code of the sector that collects it.
        level: :class:`Level` of what the value describes.
        type: :class:`ValueType` of the value.
        label: Bilingual label shown on survey forms.
        unit: Unit, e.g. ``"IDR/month"``, ``"kg"``, ``"ha"``, ``"head"``.
        minimum: Smallest plausible value (decimal/integer only), inclusive.
        maximum: Largest plausible value (decimal/integer only), inclusive.
        categories: Allowed answers of a category variable (required for it, refused otherwise).
        required: Whether every survey round must record it.
        description: Bilingual guidance for enumerators (how to ask, what to count).

    Example:
        >>> v = Variable("herd_start", "livestock", Level.MEMBER, ValueType.INTEGER,
        ...              Label("Ternak awal", "Herd at start"), unit="head", minimum=0)
        >>> v.check_value(12)
        12
    """

    code: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    level: Level = field(converter=_to_level, validator=check_enum(Level))
    type: ValueType = field(converter=_to_value_type, validator=check_enum(ValueType))
    label: Label = field(converter=to_label, validator=check_label)
    unit: str | None = field(default=None, validator=check_optional_text)
    minimum: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_bounds
    )
    maximum: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_bounds
    )
    categories: tuple[Category, ...] = field(
        default=(), converter=to_tuple, validator=_check_categories
    )
    required: bool = field(default=False, validator=check_bool)
    description: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )

    def category_codes(self) -> tuple[str, ...]:
        """Codes of the allowed categories (empty unless the type is category)."""
        return tuple(c.code for c in self.categories)

    def check_value(self, value: object, *, path: str | None = None) -> Any:
        """Check one recorded value and return it in its canonical Python type.

        Decimal variables read ``int`` and numeric strings as ``Decimal``; integer variables read
        digit strings; date variables read ISO strings. Messages never repeat the value (survey
        answers such as income are personal data), only what would be valid.

        Args:
            value: The recorded value; ``None`` for "not recorded".
            path: Where the value is, for the error (default: the variable's code), e.g.
                ``"members[BTG-0001].herd_start"``.

        Returns:
            The value as ``Decimal``, ``int``, ``bool``, ``str`` or ``datetime.date``, or ``None``.

        Raises:
            ValidationError: Missing but required, of the wrong type, or out of bounds.
        """
        where = path or self.code
        if value is None:
            if self.required:
                raise ValidationError(f"{self._what()} is required", path=where)
            return None
        checked = _READERS[self.type](self, value, where)
        if self.type in _NUMERIC:
            self._check_range(checked, where)
        return checked

    def _what(self) -> str:
        unit = f", {self.unit}" if self.unit else ""
        return f"{self.label.en} ({self.type.value}{unit})"

    def _check_range(self, value: Decimal | int, where: str) -> None:
        unit = f" {self.unit}" if self.unit else ""
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(
                f"{self.label.en} is below the minimum {self.minimum}{unit}", path=where
            )
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(
                f"{self.label.en} is above the maximum {self.maximum}{unit}", path=where
            )


def _wrong(variable: Variable, value: object, where: str, hint: str) -> ValidationError:
    return ValidationError(
        f"{variable._what()} must be {hint}, got {type(value).__name__}", path=where
    )


def _read_decimal(variable: Variable, value: object, where: str) -> Decimal:
    number = to_decimal(value) if isinstance(value, int | str) else value
    if isinstance(number, bool) or not isinstance(number, Decimal) or not number.is_finite():
        raise _wrong(variable, value, where, "a number (Decimal, int or a string such as '12.5')")
    return number


def _read_integer(variable: Variable, value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(variable, value, where, "a whole number")
    return value


def _read_boolean(variable: Variable, value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong(variable, value, where, "true or false")
    return value


def _read_category(variable: Variable, value: object, where: str) -> str:
    codes = variable.category_codes()
    if not isinstance(value, str) or value not in codes:
        raise ValidationError(f"{variable._what()} must be one of {', '.join(codes)}", path=where)
    return value


def _read_text(variable: Variable, value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _wrong(variable, value, where, "a non-empty text")
    return value


def _read_date(variable: Variable, value: object, where: str) -> _dt.date:
    day = to_date(value) if isinstance(value, str) else value
    if not isinstance(day, _dt.date) or isinstance(day, _dt.datetime):
        raise _wrong(variable, value, where, "a date ('YYYY-MM-DD')")
    return day


_READERS: dict[ValueType, Any] = {
    ValueType.DECIMAL: _read_decimal,
    ValueType.INTEGER: _read_integer,
    ValueType.BOOLEAN: _read_boolean,
    ValueType.CATEGORY: _read_category,
    ValueType.TEXT: _read_text,
    ValueType.DATE: _read_date,
}
