"""CIBEST indices of a round: households placed in quadrants and the share in each.

:func:`place_households` places the households of one round (counting those that cannot be
placed, by what they miss) into a :class:`CibestRound`, whose :meth:`CibestRound.indices` are
W, Pm, Ps and Pa (:class:`CibestIndices`): the shares of the placed households in quadrants
I-IV, summing to 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from types import MappingProxyType

from attrs import field, frozen

from klaster._support.validate import require_id
from klaster.errors import DuplicateIdError, ValidationError
from klaster.measurement.methods.cibest_config import CibestConfig, OnLine
from klaster.measurement.methods.cibest_quadrants import (
    QUADRANT_ORDER,
    Quadrant,
    check_score,
    quadrant_of,
)
from klaster.measurement.methods.exactmath import (
    EXACT,
    Value,
    check_household_size,
    check_length,
    is_missing,
    plain_number,
    read_number,
    to_result,
)
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["CibestIndices", "CibestRound", "place_households"]


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
        return self.counts[QUADRANT_ORDER.index(Quadrant(quadrant))]

    def index(self, quadrant: Quadrant | str) -> Decimal:
        """The index of ``quadrant`` (its share)."""
        return (self.w, self.pm, self.ps, self.pa)[QUADRANT_ORDER.index(Quadrant(quadrant))]


def to_placements(value: Mapping[str, Quadrant]) -> Mapping[str, Quadrant]:
    """Converter: placements as a tuple (internal to CIBEST records)."""
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
    placements: Mapping[str, Quadrant] = field(converter=to_placements)
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
        counts = dict.fromkeys(QUADRANT_ORDER, 0)
        for quadrant in self.placements.values():
            counts[quadrant] += 1
        return counts

    def indices(self) -> CibestIndices | NotAvailable:
        """W, Pm, Ps and Pa; :class:`NotAvailable` when no household is placed."""
        if not self.placements:
            return bilingual(
                f"no household could be placed ({len(self.unplaced)} with a missing value)",
                f"tidak ada rumah tangga yang dapat ditempatkan ({len(self.unplaced)} dengan "
                "nilai kosong)",
            )
        counts = self.counts()
        n = len(self.placements)
        shares = [to_result(Fraction(counts[q], n)) for q in QUADRANT_ORDER]
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
        >>> from klaster.measurement.methods.cibest import MaterialLine
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
                check_score(score, f"spiritual_scores[{index}]")
            line = mv
            if size is not None:
                if type(size) is not int or size < 1:
                    check_household_size(size, f"household_sizes[{index}]")
                if per_capita:
                    line = mv * size
            material = income <= line if material_line_poor else income < line
            spiritual = score <= sv if spiritual_line_poor else score < sv
            placements[unit] = quadrant_of(material, spiritual)
    return CibestRound(
        config,
        placements,
        tuple(unplaced),
        missing_income=missing_income,
        missing_size=missing_size,
        missing_spiritual=missing_spiritual,
    )
