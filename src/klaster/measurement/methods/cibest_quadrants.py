"""CIBEST quadrants and the classification of one household.

:class:`Quadrant` names the four quadrants (I welfare, II material poverty, III spiritual poverty,
IV absolute poverty) and the index that is each one's share; :class:`SpiritualItem` the five
items of the spiritual score; :func:`spiritual_score` averages them and :func:`classify` places
one household against a :class:`~klaster.measurement.methods.cibest_config.CibestConfig`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from klaster._support.validate import enum_value
from klaster.errors import ValidationError
from klaster.label import Label, LabelledEnum, labelled
from klaster.measurement.methods.cibest_config import CibestConfig
from klaster.measurement.methods.exactmath import EXACT, Value, is_missing, read_number, to_result
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["SPIRITUAL_ITEMS", "Quadrant", "SpiritualItem", "classify", "spiritual_score"]


class Quadrant(LabelledEnum):
    """The four CIBEST quadrants."""

    WELFARE = labelled("welfare", "Kuadran I: sejahtera", "Quadrant I: welfare")
    """I: above both lines (*sejahtera*)."""
    MATERIAL_POVERTY = labelled(
        "material_poverty", "Kuadran II: kemiskinan material", "Quadrant II: material poverty"
    )
    """II: poor materially, not spiritually."""
    SPIRITUAL_POVERTY = labelled(
        "spiritual_poverty", "Kuadran III: kemiskinan spiritual", "Quadrant III: spiritual poverty"
    )
    """III: poor spiritually, not materially."""
    ABSOLUTE_POVERTY = labelled(
        "absolute_poverty", "Kuadran IV: kemiskinan absolut", "Quadrant IV: absolute poverty"
    )
    """IV: poor on both."""

    @property
    def numeral(self) -> str:
        """The quadrant's Roman numeral, I to IV."""
        return ("I", "II", "III", "IV")[QUADRANT_ORDER.index(self)]

    @property
    def index_name(self) -> str:
        """The symbol of the index that is this quadrant's share: W, Pm, Ps or Pa."""
        return ("W", "Pm", "Ps", "Pa")[QUADRANT_ORDER.index(self)]

    @property
    def index_label(self) -> Label:
        """The name of that index in Indonesian and English."""
        return {
            Quadrant.WELFARE: Label("Indeks kesejahteraan (W)", "Welfare index (W)"),
            Quadrant.MATERIAL_POVERTY: Label(
                "Indeks kemiskinan material (Pm)", "Material poverty index (Pm)"
            ),
            Quadrant.SPIRITUAL_POVERTY: Label(
                "Indeks kemiskinan spiritual (Ps)", "Spiritual poverty index (Ps)"
            ),
            Quadrant.ABSOLUTE_POVERTY: Label(
                "Indeks kemiskinan absolut (Pa)", "Absolute poverty index (Pa)"
            ),
        }[self]


QUADRANT_ORDER = tuple(Quadrant)


class SpiritualItem(LabelledEnum):
    """The five items of the CIBEST spiritual score, each scored 1 (worst) to 5 (best)."""

    PRAYER = labelled("prayer", "Shalat", "Prayer")
    """Prayer (*shalat*)."""
    FASTING = labelled("fasting", "Puasa", "Fasting")
    """Fasting (*puasa*)."""
    ZAKAT_INFAK = labelled("zakat_infak", "Zakat dan infak", "Zakat and infak")
    """Zakat and infak."""
    FAMILY_ENVIRONMENT = labelled("family_environment", "Lingkungan keluarga", "Family environment")
    """Family environment (*lingkungan keluarga*)."""
    GOVERNMENT_POLICY = labelled("government_policy", "Kebijakan pemerintah", "Government policy")
    """Government policy (*kebijakan pemerintah*)."""


SPIRITUAL_ITEMS: tuple[SpiritualItem, ...] = tuple(SpiritualItem)
"""The five items in questionnaire order (the order a sequence of scores is read in)."""


def spiritual_score(
    items: Mapping[SpiritualItem | str, Value] | Sequence[Value],
) -> Decimal | NotAvailable:
    """The CIBEST spiritual score: the mean of the five item scores (each 1–5).

    Args:
        items: The five scores by item (``{"prayer": 4, ...}``) or as a sequence in
            :data:`SPIRITUAL_ITEMS` order. ``None``/:class:`NotAvailable` marks a missing item.

    Returns:
        The mean (exact: a multiple of 0.2 for whole scores), or :class:`NotAvailable` naming
        the missing items: a score from four items is not the CIBEST score, so none is imputed.

    Raises:
        ValidationError: An unknown item, a wrong count, a score outside 1–5 (the score itself
            is not repeated: it is personal data).

    Example:
        >>> spiritual_score([4, 5, 3, 4, 2])
        Decimal('3.6')
        >>> print(spiritual_score({"prayer": 4, "fasting": None, "zakat_infak": 3,
        ...                        "family_environment": 4, "government_policy": 2}))
        n/a (spiritual score needs all five items; missing: fasting)
    """
    if isinstance(items, Mapping):
        named: dict[SpiritualItem, Value] = {}
        for key, value in items.items():
            item = enum_value(SpiritualItem, key)
            if not isinstance(item, SpiritualItem):
                valid = ", ".join(i.value for i in SPIRITUAL_ITEMS)
                raise ValidationError(f"unknown item {key!r}: use {valid}", path="items")
            named[item] = value
        values = [named.get(item) for item in SPIRITUAL_ITEMS]
    else:
        if isinstance(items, str) or len(items) != len(SPIRITUAL_ITEMS):
            raise ValidationError(
                f"give the {len(SPIRITUAL_ITEMS)} item scores in order: "
                + ", ".join(i.value for i in SPIRITUAL_ITEMS),
                path="items",
            )
        values = list(items)
    missing = [item.value for item, v in zip(SPIRITUAL_ITEMS, values, strict=True) if is_missing(v)]
    if missing:
        absent = ", ".join(missing)
        return bilingual(
            f"spiritual score needs all five items; missing: {absent}",
            f"skor spiritual memerlukan kelima butir; yang kosong: {absent}",
        )
    total = Decimal(0)
    for item, value in zip(SPIRITUAL_ITEMS, values, strict=True):
        score = read_number(value, f"items[{item.value!r}]")
        if not 1 <= score <= 5:
            raise ValidationError("a score must be between 1 and 5", path=f"items[{item.value!r}]")
        total = EXACT.add(total, score)
    return to_result(Fraction(total) / len(SPIRITUAL_ITEMS))


def check_score(score: Decimal | int, path: str) -> None:
    """Validator: a spiritual item score from 1 to 5 (internal to CIBEST records)."""
    if not 1 <= score <= 5:
        raise ValidationError("a spiritual score must be between 1 and 5", path=path)


def classify(
    income: Value,
    spiritual: Value,
    config: CibestConfig,
    household_size: int | None = None,
) -> Quadrant | NotAvailable:
    """Place one household in a CIBEST quadrant.

    Args:
        income: Household income per month (same period as the material line).
        spiritual: Its spiritual score (:func:`spiritual_score`), 1–5.
        config: The lines and boundary rules.
        household_size: Needed when the material line is per capita.

    Returns:
        The :class:`Quadrant`, or :class:`NotAvailable` saying what is missing.

    Example:
        >>> from klaster.measurement.methods.cibest import MaterialLine
        >>> config = CibestConfig(MaterialLine.poverty_line(550_458, "BPS, Maret 2023"))
        >>> classify(1_500_000, Decimal("3.6"), config, household_size=4).label.en
        'Quadrant II: material poverty'
    """
    if is_missing(income):
        return bilingual("household income missing", "pendapatan rumah tangga kosong")
    if is_missing(spiritual):
        return bilingual("spiritual score missing", "skor spiritual kosong")
    amount = read_number(income, "income")
    score = read_number(spiritual, "spiritual")
    check_score(score, "spiritual")
    material = config.materially_poor(amount, household_size)
    if isinstance(material, NotAvailable):
        return material
    return quadrant_of(material, config.spiritually_poor(score))


def quadrant_of(material_poor: bool, spiritual_poor: bool) -> Quadrant:
    """The quadrant of a household below or above each line (internal)."""
    if material_poor:
        return Quadrant.ABSOLUTE_POVERTY if spiritual_poor else Quadrant.MATERIAL_POVERTY
    return Quadrant.SPIRITUAL_POVERTY if spiritual_poor else Quadrant.WELFARE
