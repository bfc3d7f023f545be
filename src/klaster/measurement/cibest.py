"""CIBEST quadrants and indices (Beik & Arsyianti 2015), used by Indonesian zakat institutions.

A household is placed by two tests:

* **Material**: its income against a material line *MV*, chosen by :class:`MaterialLine`: the
  value of basic needs from a needs survey, a per-capita poverty line (e.g. BPS) × household size,
  or the zakat *nisab* of 524 kg of rice × the rice price.
* **Spiritual**: its spiritual score, the mean of five items scored 1–5 (prayer, fasting,
  zakat/infak, family environment, government policy; :class:`SpiritualItem`), against the
  spiritual line *SV* (3 by default).

===================== ================================ ==================================
                      spiritual score above SV         spiritual score not above SV
===================== ================================ ==================================
income above MV       I welfare (*sejahtera*)          III spiritual poverty
income not above MV   II material poverty              IV absolute poverty
===================== ================================ ==================================

**The boundary is a setting, and every result records it.** By default a household exactly *on*
a line is counted as poor on that dimension (:attr:`OnLine.POOR`: income ≤ MV is materially
poor, score ≤ SV spiritually poor): the cautious reading, under which a household must be
*above* both lines to count as welfare (quadrant I). Studies applying CIBEST differ on this and
klaster does not settle it. Means of five whole scores land exactly on 3.0 often, so the choice
moves households: set :attr:`CibestConfig.spiritual_on_line` and
:attr:`CibestConfig.material_on_line` to the rule of your study protocol and report it. Note
that FGT (:mod:`klaster.measurement.fgt`) counts a person on the BPS line as *not* poor.

The indices are shares of the placed households: W (quadrant I), Pm (II), Ps (III), Pa (IV);
they sum to 1. :func:`cibest_transitions` cross-tabulates two rounds over the households placed
in both, and counts those placed in only one.

Spiritual scores are sensitive personal data: errors name the item and the household's ID, never
the score.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from klaster._validate import (
    check_decimal,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
    require_id,
    to_decimal,
    to_optional_decimal,
)
from klaster.errors import DuplicateIdError, ValidationError
from klaster.label import Label
from klaster.measurement._exactmath import (
    EXACT,
    Value,
    check_household_size,
    check_length,
    is_missing,
    plain_number,
    read_number,
    to_result,
)
from klaster.measurement.na import NotAvailable
from klaster.measurement.poverty_lines import LineMatch, PovertyLine

__all__ = [
    "NISAB_RICE_KG",
    "SPIRITUAL_ITEMS",
    "SPIRITUAL_LINE",
    "CibestConfig",
    "CibestIndices",
    "CibestRound",
    "CibestTransitions",
    "MaterialLine",
    "MaterialMethod",
    "OnLine",
    "Quadrant",
    "SpiritualItem",
    "cibest_transitions",
    "classify",
    "place_households",
    "spiritual_score",
]

SPIRITUAL_LINE = Decimal(3)
"""The default spiritual line SV on the 1–5 scale."""

NISAB_RICE_KG = Decimal(524)
"""The zakat nisab in kilograms of rice (the nisab of 653 kg of unhusked grain, as rice)."""


class Quadrant(enum.StrEnum):
    """The four CIBEST quadrants."""

    WELFARE = "welfare"
    """I: above both lines (*sejahtera*)."""
    MATERIAL_POVERTY = "material_poverty"
    """II: poor materially, not spiritually."""
    SPIRITUAL_POVERTY = "spiritual_poverty"
    """III: poor spiritually, not materially."""
    ABSOLUTE_POVERTY = "absolute_poverty"
    """IV: poor on both."""

    @property
    def numeral(self) -> str:
        """The quadrant's Roman numeral, I to IV."""
        return ("I", "II", "III", "IV")[_QUADRANTS.index(self)]

    @property
    def label(self) -> Label:
        """The quadrant's name in Indonesian and English."""
        return {
            Quadrant.WELFARE: Label("Kuadran I: sejahtera", "Quadrant I: welfare"),
            Quadrant.MATERIAL_POVERTY: Label(
                "Kuadran II: kemiskinan material", "Quadrant II: material poverty"
            ),
            Quadrant.SPIRITUAL_POVERTY: Label(
                "Kuadran III: kemiskinan spiritual", "Quadrant III: spiritual poverty"
            ),
            Quadrant.ABSOLUTE_POVERTY: Label(
                "Kuadran IV: kemiskinan absolut", "Quadrant IV: absolute poverty"
            ),
        }[self]

    @property
    def index_name(self) -> str:
        """The symbol of the index that is this quadrant's share: W, Pm, Ps or Pa."""
        return ("W", "Pm", "Ps", "Pa")[_QUADRANTS.index(self)]

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


_QUADRANTS = tuple(Quadrant)


class SpiritualItem(enum.StrEnum):
    """The five items of the CIBEST spiritual score, each scored 1 (worst) to 5 (best)."""

    PRAYER = "prayer"
    """Prayer (*shalat*)."""
    FASTING = "fasting"
    """Fasting (*puasa*)."""
    ZAKAT_INFAK = "zakat_infak"
    """Zakat and infak."""
    FAMILY_ENVIRONMENT = "family_environment"
    """Family environment (*lingkungan keluarga*)."""
    GOVERNMENT_POLICY = "government_policy"
    """Government policy (*kebijakan pemerintah*)."""

    @property
    def label(self) -> Label:
        """The item's name in Indonesian and English."""
        return {
            SpiritualItem.PRAYER: Label("Shalat", "Prayer"),
            SpiritualItem.FASTING: Label("Puasa", "Fasting"),
            SpiritualItem.ZAKAT_INFAK: Label("Zakat dan infak", "Zakat and infak"),
            SpiritualItem.FAMILY_ENVIRONMENT: Label("Lingkungan keluarga", "Family environment"),
            SpiritualItem.GOVERNMENT_POLICY: Label("Kebijakan pemerintah", "Government policy"),
        }[self]


SPIRITUAL_ITEMS: tuple[SpiritualItem, ...] = tuple(SpiritualItem)
"""The five items in questionnaire order (the order a sequence of scores is read in)."""


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


def _to_method(value: MaterialMethod | str) -> MaterialMethod:
    return enum_value(MaterialMethod, value)


def _to_on_line(value: OnLine | str) -> OnLine:
    return enum_value(OnLine, value)


def _check_positive(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value <= 0:
        raise ValidationError(f"must be more than zero, got {value}", path=attribute.name)


def _check_optional_positive(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        _check_positive(inst, attribute, value)


def _check_nisab(inst: MaterialLine, attribute: Any, value: Any) -> None:
    _check_optional_positive(inst, attribute, value)
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

    method: MaterialMethod = field(converter=_to_method, validator=check_enum(MaterialMethod))
    rupiah: Decimal = field(converter=to_decimal, validator=_check_positive)
    source: str = field(validator=check_text)
    per_capita: bool = False
    rice_kg: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_optional_positive
    )
    rice_price: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_nisab
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
            return NotAvailable("household size unknown: the material line is per capita")
        check_household_size(household_size, "household_size")
        return EXACT.multiply(self.rupiah, Decimal(household_size))


def _check_spiritual_line(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if not 1 <= value <= 5:
        raise ValidationError(
            f"must be on the 1-5 scale of the items, got {value}", path=attribute.name
        )


def _check_material(_inst: object, attribute: Any, value: Any) -> None:
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

    material: MaterialLine = field(validator=_check_material)
    spiritual_line: Decimal = field(
        default=SPIRITUAL_LINE, converter=to_decimal, validator=_check_spiritual_line
    )
    material_on_line: OnLine = field(
        default=OnLine.POOR, converter=_to_on_line, validator=check_enum(OnLine)
    )
    spiritual_on_line: OnLine = field(
        default=OnLine.POOR, converter=_to_on_line, validator=check_enum(OnLine)
    )

    def materially_poor(
        self, income: Decimal, household_size: int | None = None
    ) -> bool | NotAvailable:
        """Whether a household income is poor against MV (per :attr:`material_on_line`)."""
        line = self.material.for_household(household_size)
        if isinstance(line, NotAvailable):
            return line
        return _below(income, line, self.material_on_line)

    def spiritually_poor(self, score: Decimal) -> bool:
        """Whether a spiritual score is poor against SV (per :attr:`spiritual_on_line`)."""
        return _below(score, self.spiritual_line, self.spiritual_on_line)

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


def _below(value: Decimal, line: Decimal, on_line: OnLine) -> bool:
    return value <= line if on_line is OnLine.POOR else value < line


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
        return NotAvailable(f"spiritual score needs all five items; missing: {', '.join(missing)}")
    total = Decimal(0)
    for item, value in zip(SPIRITUAL_ITEMS, values, strict=True):
        score = read_number(value, f"items[{item.value!r}]")
        if not 1 <= score <= 5:
            raise ValidationError("a score must be between 1 and 5", path=f"items[{item.value!r}]")
        total = EXACT.add(total, score)
    return to_result(Fraction(total) / len(SPIRITUAL_ITEMS))


def _check_score(score: Decimal | int, path: str) -> None:
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
        >>> config = CibestConfig(MaterialLine.poverty_line(550_458, "BPS, Maret 2023"))
        >>> classify(1_500_000, Decimal("3.6"), config, household_size=4).label.en
        'Quadrant II: material poverty'
    """
    if is_missing(income):
        return NotAvailable("household income missing")
    if is_missing(spiritual):
        return NotAvailable("spiritual score missing")
    amount = read_number(income, "income")
    score = read_number(spiritual, "spiritual")
    _check_score(score, "spiritual")
    material = config.materially_poor(amount, household_size)
    if isinstance(material, NotAvailable):
        return material
    return _quadrant(material, config.spiritually_poor(score))


def _quadrant(material_poor: bool, spiritual_poor: bool) -> Quadrant:
    if material_poor:
        return Quadrant.ABSOLUTE_POVERTY if spiritual_poor else Quadrant.MATERIAL_POVERTY
    return Quadrant.SPIRITUAL_POVERTY if spiritual_poor else Quadrant.WELFARE


@frozen
class CibestIndices:
    """The CIBEST indices of one round: the share of placed households in each quadrant.

    Args:
        n: Households placed.
        counts: Households per quadrant, in quadrant order I–IV.
        w: Welfare index (share in I).
        pm: Material poverty index (share in II).
        ps: Spiritual poverty index (share in III).
        pa: Absolute poverty index (share in IV).

    The counts sum to ``n`` exactly; the indices, kept to 28 significant digits, sum to 1 up to
    that rounding.
    """

    n: int
    counts: tuple[int, int, int, int]
    w: Decimal
    pm: Decimal
    ps: Decimal
    pa: Decimal

    def count(self, quadrant: Quadrant | str) -> int:
        """Households in ``quadrant``."""
        return self.counts[_QUADRANTS.index(Quadrant(quadrant))]

    def index(self, quadrant: Quadrant | str) -> Decimal:
        """The index of ``quadrant`` (its share)."""
        return (self.w, self.pm, self.ps, self.pa)[_QUADRANTS.index(Quadrant(quadrant))]


def _to_placements(value: Mapping[str, Quadrant]) -> Mapping[str, Quadrant]:
    return MappingProxyType(dict(value))


@frozen
class CibestRound:
    """The households of one survey round placed in quadrants.

    Args:
        config: The settings they were placed with.
        placements: Quadrant per household ID.
        unplaced: IDs of households present in the round but not placeable (a value missing).
        missing_income: Of those, households without an income.
        missing_size: ... without a household size (only when the material line is per capita).
        missing_spiritual: ... without a complete spiritual score.

    A household can miss more than one value, so the three counts can add up to more than
    ``len(unplaced)``.
    """

    config: CibestConfig
    placements: Mapping[str, Quadrant] = field(converter=_to_placements)
    unplaced: tuple[str, ...] = ()
    missing_income: int = 0
    missing_size: int = 0
    missing_spiritual: int = 0

    @property
    def n(self) -> int:
        """Households placed."""
        return len(self.placements)

    def counts(self) -> dict[Quadrant, int]:
        """Households per quadrant (every quadrant present, possibly with 0)."""
        counts = dict.fromkeys(_QUADRANTS, 0)
        for quadrant in self.placements.values():
            counts[quadrant] += 1
        return counts

    def indices(self) -> CibestIndices | NotAvailable:
        """W, Pm, Ps and Pa; :class:`NotAvailable` when no household is placed."""
        if not self.placements:
            return NotAvailable(
                f"no household could be placed ({len(self.unplaced)} with a missing value)"
            )
        counts = self.counts()
        n = len(self.placements)
        shares = [to_result(Fraction(counts[q], n)) for q in _QUADRANTS]
        return CibestIndices(
            n=n,
            counts=(
                counts[Quadrant.WELFARE],
                counts[Quadrant.MATERIAL_POVERTY],
                counts[Quadrant.SPIRITUAL_POVERTY],
                counts[Quadrant.ABSOLUTE_POVERTY],
            ),
            w=shares[0],
            pm=shares[1],
            ps=shares[2],
            pa=shares[3],
        )


def place_households(
    unit_ids: Sequence[str],
    incomes: Sequence[Value],
    spiritual_scores: Sequence[Value],
    config: CibestConfig,
    *,
    household_sizes: Sequence[int | None] | None = None,
) -> CibestRound:
    """Place the households of one round in CIBEST quadrants.

    Args:
        unit_ids: Household (or member) IDs, unique.
        incomes: Household income per month per unit; ``None`` when missing.
        spiritual_scores: Spiritual score per unit (:func:`spiritual_score`); ``None`` or a
            :class:`NotAvailable` when incomplete.
        config: Lines and boundary rules.
        household_sizes: Size per unit; required when the material line is per capita.

    Returns:
        The :class:`CibestRound`; see :meth:`CibestRound.indices`.

    Raises:
        ValidationError: Sequences of different lengths, a bad ID, size or value, located as
            ``incomes[3]``; :class:`~klaster.errors.DuplicateIdError` for a repeated ID.

    Example:
        >>> config = CibestConfig(MaterialLine.poverty_line(550_458, "BPS, Maret 2023"))
        >>> r = place_households(["H1", "H2", "H3"], [3_000_000, 1_000_000, None],
        ...                      [Decimal(4), Decimal(3), Decimal(5)], config,
        ...                      household_sizes=[4, 3, 5])
        >>> {unit: q.numeral for unit, q in r.placements.items()}, r.unplaced
        ({'H1': 'I', 'H2': 'IV'}, ('H3',))
    """
    count = len(unit_ids)
    check_length(incomes, count, "incomes", "unit_ids")
    check_length(spiritual_scores, count, "spiritual_scores", "unit_ids")
    if household_sizes is not None:
        check_length(household_sizes, count, "household_sizes", "unit_ids")
    elif config.material.per_capita:
        raise ValidationError(
            "needed: the material line is per capita (× household size)", path="household_sizes"
        )
    placements: dict[str, Quadrant] = {}
    seen: dict[str, int] = {}
    unplaced: list[str] = []
    missing_income = missing_size = missing_spiritual = 0
    per_capita = config.material.per_capita
    mv = config.material.rupiah
    sv = config.spiritual_line
    material_line_poor = config.material_on_line is OnLine.POOR
    spiritual_line_poor = config.spiritual_on_line is OnLine.POOR
    with localcontext(EXACT):  # MV × size is exact
        for index, unit in enumerate(unit_ids):
            try:
                require_id(unit, "unit_ids")
            except ValidationError as exc:  # the index only when needed: no string per unit
                raise ValidationError(exc.message, path=f"unit_ids[{index}]") from None
            if unit in seen:
                raise DuplicateIdError(
                    f"{unit!r} is already unit_ids[{seen[unit]}]", path=f"unit_ids[{index}]"
                )
            seen[unit] = index
            raw_income, raw_score = incomes[index], spiritual_scores[index]
            size = household_sizes[index] if household_sizes is not None else None
            income, score = plain_number(raw_income), plain_number(raw_score)
            if income is None or score is None or (per_capita and size is None):
                lacks = False
                if is_missing(raw_income):
                    missing_income += 1
                    lacks = True
                if per_capita and size is None:
                    missing_size += 1
                    lacks = True
                if is_missing(raw_score):
                    missing_spiritual += 1
                    lacks = True
                if lacks:
                    unplaced.append(unit)
                    continue
                income = read_number(raw_income, f"incomes[{index}]")
                score = read_number(raw_score, f"spiritual_scores[{index}]")
            if not 1 <= score <= 5:
                _check_score(score, f"spiritual_scores[{index}]")
            line = mv
            if size is not None:
                if type(size) is not int or size < 1:
                    check_household_size(size, f"household_sizes[{index}]")
                if per_capita:
                    line = mv * size
            material = income <= line if material_line_poor else income < line
            spiritual = score <= sv if spiritual_line_poor else score < sv
            placements[unit] = _quadrant(material, spiritual)
    return CibestRound(
        config,
        placements,
        tuple(unplaced),
        missing_income=missing_income,
        missing_size=missing_size,
        missing_spiritual=missing_spiritual,
    )


@frozen
class CibestTransitions:
    """Movements between the quadrants of two rounds, over households placed in both.

    Args:
        matrix: Counts; ``matrix[i][j]`` households went from quadrant ``i`` in round a to
            quadrant ``j`` in round b (quadrant order I–IV).
        paired: Households placed in both rounds (the matrix total).
        only_a: Households placed in round a but not in b: absent from b, or unplaceable
            there (see ``CibestRound.unplaced``). The attrition from round a.
        only_b: Households placed in round b but not in a.
        only_a_by_quadrant: ``only_a`` by their round-a quadrant, to see whether attrition is
            selective (e.g. the poorest dropping out).
    """

    matrix: tuple[tuple[int, int, int, int], ...]
    paired: int
    only_a: int
    only_b: int
    only_a_by_quadrant: tuple[int, int, int, int]

    def count(self, before: Quadrant | str, after: Quadrant | str) -> int:
        """Households that went from ``before`` (round a) to ``after`` (round b)."""
        return self.matrix[_QUADRANTS.index(Quadrant(before))][_QUADRANTS.index(Quadrant(after))]

    def row(self, before: Quadrant | str) -> tuple[int, int, int, int]:
        """Where the paired households of ``before`` in round a went, by quadrant in round b."""
        row = self.matrix[_QUADRANTS.index(Quadrant(before))]
        return (row[0], row[1], row[2], row[3])

    def stayed(self) -> int:
        """Paired households in the same quadrant in both rounds."""
        return sum(self.matrix[i][i] for i in range(len(_QUADRANTS)))

    def rows(self) -> Iterable[tuple[Quadrant, Quadrant, int]]:
        """Every cell as ``(quadrant in a, quadrant in b, count)``, for a tidy table."""
        for i, before in enumerate(_QUADRANTS):
            for j, after in enumerate(_QUADRANTS):
                yield before, after, self.matrix[i][j]


def cibest_transitions(a: CibestRound, b: CibestRound) -> CibestTransitions:
    """Cross-tabulate the quadrants of two rounds (e.g. baseline and endline).

    Only households placed in both rounds enter the matrix; the others are counted in
    ``only_a``/``only_b``, so a shrinking sample is never read as households moving.

    Raises:
        ValidationError: When the rounds were placed with incomparable settings (another
            material method, spiritual line or boundary rule; the material line's amount may
            differ).

    Example:
        >>> config = CibestConfig(MaterialLine.needs_survey(2_000_000, "needs survey 2023"))
        >>> a = place_households(["H1", "H2"], [1_000_000, 1_500_000], [Decimal(4)] * 2, config)
        >>> b = place_households(["H1", "H3"], [2_500_000, 900_000], [Decimal(4)] * 2, config)
        >>> t = cibest_transitions(a, b)
        >>> t.count("material_poverty", "welfare"), t.paired, t.only_a, t.only_b
        (1, 1, 1, 1)
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, CibestRound):
            raise ValidationError(
                f"must be a CibestRound (from place_households), got {type(value).__name__}",
                path=name,
            )
    if not a.config.comparable_with(b.config):
        raise ValidationError(
            "the rounds were placed with different material methods, spiritual lines or "
            "boundary rules; place both with the same settings (only the material line's amount "
            "may change)",
            path="b.config",
        )
    size = len(_QUADRANTS)
    matrix = [[0] * size for _ in range(size)]
    lost = [0] * size
    after = b.placements
    for unit, before in a.placements.items():
        i = _QUADRANTS.index(before)
        now = after.get(unit)
        if now is None:
            lost[i] += 1
        else:
            matrix[i][_QUADRANTS.index(now)] += 1
    paired = sum(map(sum, matrix))
    return CibestTransitions(
        matrix=tuple((r[0], r[1], r[2], r[3]) for r in matrix),
        paired=paired,
        only_a=sum(lost),
        only_b=len(after) - paired,
        only_a_by_quadrant=(lost[0], lost[1], lost[2], lost[3]),
    )
