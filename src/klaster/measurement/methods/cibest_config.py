"""CIBEST settings: the material line MV, the spiritual line SV and the boundary rules.

:class:`MaterialLine` says where MV comes from (:class:`MaterialMethod`: a basic-needs survey, a
per-capita poverty line × household size, or the zakat nisab in rice); :class:`CibestConfig`
holds both lines and, for each, how a household exactly *on* it is counted (:class:`OnLine`).
Every CIBEST result records the configuration it was placed with (see
:mod:`klaster.measurement.methods.cibest` for why the boundary is a setting).
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_decimal,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
    to_decimal,
    to_optional_decimal,
)
from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.methods.exactmath import EXACT, check_household_size
from klaster.measurement.methods.poverty_records import LineMatch, PovertyLine
from klaster.measurement.na import NotAvailable, bilingual

__all__ = [
    "NISAB_RICE_KG",
    "SPIRITUAL_LINE",
    "CibestConfig",
    "MaterialLine",
    "MaterialMethod",
    "OnLine",
]

SPIRITUAL_LINE = Decimal(3)
"""The default spiritual line SV on the 1–5 scale."""

NISAB_RICE_KG = Decimal(524)
"""The zakat nisab in kilograms of rice (the nisab of 653 kg of unhusked grain, as rice)."""


class OnLine(enum.StrEnum):
    """How a household exactly on a line (income = MV, score = SV) is counted."""

    POOR = "poor"
    """On the line is poor: poor when value ≤ line (the default)."""
    NOT_POOR = "not_poor"
    """On the line is not poor: poor only when value < line."""


class MaterialMethod(enum.StrEnum):
    """Where the material line MV comes from."""

    NEEDS_SURVEY = "needs_survey"
    """The value of basic needs measured by a survey of the area."""
    POVERTY_LINE = "poverty_line"
    """A per-capita poverty line (e.g. BPS's for the kabupaten) × household size."""
    NISAB = "nisab"
    """The zakat nisab: 524 kg of rice × the local rice price."""

    @property
    def label(self) -> Label:
        """The method's name in Indonesian and English."""
        return {
            MaterialMethod.NEEDS_SURVEY: Label("Survei kebutuhan dasar", "Basic-needs survey"),
            MaterialMethod.POVERTY_LINE: Label(
                "Garis kemiskinan × ukuran rumah tangga", "Poverty line × household size"
            ),
            MaterialMethod.NISAB: Label("Nisab zakat (524 kg beras)", "Zakat nisab (524 kg rice)"),
        }[self]


def to_method(value: MaterialMethod | str) -> MaterialMethod:
    """Converter: a material-line method from its value (internal to CIBEST records)."""
    return enum_value(MaterialMethod, value)


def to_on_line(value: OnLine | str) -> OnLine:
    """Converter: the on-the-line rule from its value (internal to CIBEST records)."""
    return enum_value(OnLine, value)


def check_positive(inst: object, attribute: Any, value: Any) -> None:
    """Validator: the amount is a positive decimal (internal to CIBEST records)."""
    check_decimal(inst, attribute, value)
    if value <= 0:
        raise ValidationError(f"must be more than zero, got {value}", path=attribute.name)


def check_optional_positive(inst: object, attribute: Any, value: Any) -> None:
    """Validator: like :func:`check_positive`, ``None`` allowed (internal)."""
    if value is not None:
        check_positive(inst, attribute, value)


def check_nisab(inst: MaterialLine, attribute: Any, value: Any) -> None:
    """Validator: the nisab settings a material line needs (internal to CIBEST records)."""
    check_optional_positive(inst, attribute, value)
    if inst.method is MaterialMethod.NISAB:
        if inst.rice_kg is None or value is None:
            raise ValidationError(
                "a nisab line needs rice_kg and rice_price (use MaterialLine.nisab)",
                path="rice_price",
            )
        if EXACT.multiply(inst.rice_kg, value) != inst.rupiah:
            raise ValidationError(
                f"rupiah ({inst.rupiah}) must be rice_kg × rice_price ({inst.rice_kg} × {value})",
                path="rupiah",
            )
    elif inst.rice_kg is not None or value is not None:
        raise ValidationError(
            f"rice_kg and rice_price belong to a nisab line, not a {inst.method} line",
            path="rice_price",
        )


@frozen
class MaterialLine:
    """The material line MV of CIBEST: how much a household needs per month.

    Build it with :meth:`needs_survey`, :meth:`poverty_line` or :meth:`nisab`. Compare it with
    household income of the same period (per month).

    Args:
        method: :class:`MaterialMethod`.
        rupiah: Rupiah per household per month, or per person when ``per_capita``.
        source: Where the value comes from (survey, BPS release, rice price survey).
        per_capita: Whether ``rupiah`` is per person (multiplied by household size).
        rice_kg: For a nisab line, the kilograms of rice.
        rice_price: For a nisab line, Rupiah per kilogram of rice.
        note: Free text (period, area, assumptions).
    """

    method: MaterialMethod = field(converter=to_method, validator=check_enum(MaterialMethod))
    rupiah: Decimal = field(converter=to_decimal, validator=check_positive)
    source: str = field(validator=check_text)
    per_capita: bool = False
    rice_kg: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_optional_positive
    )
    rice_price: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_nisab
    )
    note: str | None = field(default=None, validator=check_optional_text)

    @classmethod
    def needs_survey(
        cls,
        rupiah: Decimal | int,
        source: str,
        *,
        per_capita: bool = False,
        note: str | None = None,
    ) -> MaterialLine:
        """MV from a survey of the value of basic needs (per household, or per person).

        Example:
            >>> MaterialLine.needs_survey(2_100_000, "needs survey Bantaeng 2023").for_household(4)
            Decimal('2100000')
        """
        return cls(MaterialMethod.NEEDS_SURVEY, rupiah, source, per_capita=per_capita, note=note)

    @classmethod
    def poverty_line(
        cls,
        line: Decimal | int | PovertyLine | LineMatch,
        source: str | None = None,
        *,
        note: str | None = None,
    ) -> MaterialLine:
        """MV = a per-capita poverty line × household size.

        Args:
            line: Rupiah per capita per month, a :class:`PovertyLine`, or a lookup's
                :class:`LineMatch` (whose record and fallback are named in ``source``).
            source: Required when ``line`` is a plain number.
            note: Free text.

        Example:
            >>> MaterialLine.poverty_line(550_458, "BPS, Maret 2023").for_household(4)
            Decimal('2201832')
        """
        if isinstance(line, LineMatch | PovertyLine):
            record = line.line if isinstance(line, LineMatch) else line
            described = line.explanation.en if isinstance(line, LineMatch) else None
            source = source or f"{record.describe().en}; {record.source}"
            note = note or described
            amount: Decimal | int = record.rupiah
        else:
            if source is None:
                raise ValidationError(
                    "name where the poverty line comes from (e.g. 'BPS, Maret 2023')",
                    path="source",
                )
            amount = line
        return cls(MaterialMethod.POVERTY_LINE, amount, source, per_capita=True, note=note)

    @classmethod
    def nisab(
        cls,
        rice_price: Decimal | int,
        source: str,
        *,
        rice_kg: Decimal | int = NISAB_RICE_KG,
        note: str | None = None,
    ) -> MaterialLine:
        """MV = the zakat nisab in rice (524 kg by default) × the rice price per kg.

        Args:
            rice_price: Rupiah per kilogram of rice (the local price in the survey period).
            source: Where the price comes from.
            rice_kg: The nisab in kilograms.
            note: Free text; say which period the nisab is applied to.

        Example:
            >>> MaterialLine.nisab(12_000, "rice price, pasar Bantaeng").rupiah
            Decimal('6288000')
        """
        kg = to_decimal(rice_kg)
        price = to_decimal(rice_price)
        if not isinstance(kg, Decimal) or not isinstance(price, Decimal):
            raise ValidationError("rice_kg and rice_price must be numbers", path="rice_price")
        return cls(
            MaterialMethod.NISAB,
            EXACT.multiply(kg, price),
            source,
            rice_kg=kg,
            rice_price=price,
            note=note,
        )

    def for_household(self, household_size: int | None = None) -> Decimal | NotAvailable:
        """The line for one household: ``rupiah``, × its size when per capita.

        Raises:
            ValidationError: A size that is not a whole number of at least 1.
        """
        if not self.per_capita:
            return self.rupiah
        if household_size is None:
            return bilingual(
                "household size unknown: the material line is per capita",
                "jumlah anggota rumah tangga tidak diketahui: garis material dihitung per kapita",
            )
        check_household_size(household_size, "household_size")
        return EXACT.multiply(self.rupiah, Decimal(household_size))


def check_spiritual_line(inst: object, attribute: Any, value: Any) -> None:
    """Validator: the spiritual line lies within the 1-5 score range (internal)."""
    check_decimal(inst, attribute, value)
    if not 1 <= value <= 5:
        raise ValidationError(
            f"must be on the 1-5 scale of the items, got {value}", path=attribute.name
        )


def check_material(_inst: object, attribute: Any, value: Any) -> None:
    """Validator: the configuration's material line (internal to CIBEST records)."""
    if not isinstance(value, MaterialLine):
        raise ValidationError(
            f"must be a MaterialLine (e.g. MaterialLine.poverty_line(...)), got "
            f"{type(value).__name__}",
            path=attribute.name,
        )


@frozen
class CibestConfig:
    """The two lines of CIBEST and how a household on each line is counted.

    Args:
        material: The material line MV (:class:`MaterialLine`).
        spiritual_line: The spiritual line SV on the 1–5 scale (default 3).
        material_on_line: How income exactly equal to MV counts (default: poor).
        spiritual_on_line: How a score exactly equal to SV counts (default: poor).

    Example:
        >>> import attrs
        >>> config = CibestConfig(MaterialLine.poverty_line(550_458, "BPS, Maret 2023"))
        >>> config.spiritually_poor(Decimal(3)), config.spiritually_poor(Decimal("3.2"))
        (True, False)
        >>> attrs.evolve(config, spiritual_on_line="not_poor").spiritually_poor(Decimal(3))
        False
    """

    material: MaterialLine = field(validator=check_material)
    spiritual_line: Decimal = field(
        default=SPIRITUAL_LINE, converter=to_decimal, validator=check_spiritual_line
    )
    material_on_line: OnLine = field(
        default=OnLine.POOR, converter=to_on_line, validator=check_enum(OnLine)
    )
    spiritual_on_line: OnLine = field(
        default=OnLine.POOR, converter=to_on_line, validator=check_enum(OnLine)
    )

    def materially_poor(
        self, income: Decimal, household_size: int | None = None
    ) -> bool | NotAvailable:
        """Whether a household income is poor against MV (per :attr:`material_on_line`)."""
        line = self.material.for_household(household_size)
        if isinstance(line, NotAvailable):
            return line
        return is_below(income, line, self.material_on_line)

    def spiritually_poor(self, score: Decimal) -> bool:
        """Whether a spiritual score is poor against SV (per :attr:`spiritual_on_line`)."""
        return is_below(score, self.spiritual_line, self.spiritual_on_line)

    def comparable_with(self, other: CibestConfig) -> bool:
        """Whether two rounds placed with these settings can be compared.

        The material line's *amount* may change between rounds (prices rise); its method, the
        spiritual line and the boundary rules may not.
        """
        return (
            self.material.method is other.material.method
            and self.material.per_capita == other.material.per_capita
            and self.spiritual_line == other.spiritual_line
            and self.material_on_line is other.material_on_line
            and self.spiritual_on_line is other.spiritual_on_line
        )


def is_below(value: Decimal, line: Decimal, on_line: OnLine) -> bool:
    """Whether a value is below a line under the configured boundary rule (internal)."""
    return value <= line if on_line is OnLine.POOR else value < line
