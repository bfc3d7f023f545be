"""Where a program works and why: the recorded choice of locations with its evidence.

A :class:`LocationChoice` is one decision ("these three kecamatan"), kept on the program
(``program.locations``, append-only, through :meth:`Program.choose_locations
<klaster.model.program.Program.choose_locations>`) with everything an auditor asks for: the
rule's summary and weights, one :class:`RankedRegion` per candidate (every score part, the
total, the rank, the decision and the reason in words), the chosen Kemendagri codes and the
sources of the figures. :meth:`klaster.targeting.RankingTable.as_choice` builds one from a
ranking; a choice made by hand (no ranking) has no weights and no evidence rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_date,
    check_enum,
    check_id,
    check_optional_decimal,
    check_optional_text,
    check_text,
    check_texts,
    check_unit_weight,
    enum_value,
    exact_sum,
    optional_int_at_least,
    require_code,
    to_date,
    to_decimal,
    to_optional_decimal,
    to_str_tuple,
)
from klaster.errors import InvalidReferenceError, ValidationError
from klaster.label import LabelledEnum, labelled
from klaster.model.region import RegionLevel, kemendagri_level

__all__ = ["ChoiceWeight", "LocationChoice", "LocationDecision", "RankedRegion", "ScorePart"]


class LocationDecision(LabelledEnum):
    """What a ranking decided about one candidate region."""

    SELECTED = labelled("selected", "Terpilih", "Selected")
    """Ranked high enough to be chosen."""
    NOT_SELECTED = labelled("not_selected", "Tidak terpilih", "Not selected")
    """Ranked, but below the number the rule selects."""
    BELOW_THRESHOLD = labelled("below_threshold", "Di bawah ambang batas", "Below threshold")
    """Failed a cut-off of the rule (e.g. poverty rate under 15%); not ranked."""
    EXCLUDED = labelled("excluded", "Dikecualikan", "Excluded")
    """Left out by name, with the reason the rule gives; not ranked."""
    NOT_RANKED = labelled("not_ranked", "Tidak diperingkat (data kurang)", "Not ranked (no data)")
    """A figure the rule needs is missing for the region; not ranked."""

    @property
    def ranked(self) -> bool:
        """Whether a region with this decision has a total and a rank."""
        return self in (LocationDecision.SELECTED, LocationDecision.NOT_SELECTED)


def _to_decision(value: LocationDecision | str) -> LocationDecision:
    return enum_value(LocationDecision, value)


def _to_level(value: RegionLevel | str) -> RegionLevel:
    return enum_value(RegionLevel, value)


def _check_indicator(_inst: object, attribute: Any, value: Any) -> None:
    require_code(value, attribute.name)


def _check_share(inst: object, attribute: Any, value: Any) -> None:
    check_optional_decimal(inst, attribute, value)
    if value is not None and not (0 <= value <= 1):
        raise ValidationError(f"must be between 0 and 1, got {value}", path=attribute.name)


@frozen
class ScorePart:
    """One indicator's part in a region's score: the figure, its normalised value, the points.

    Args:
        indicator: The indicator code (``poverty_rate``, ``potential_seaweed``).
        value: The region's figure (``None``: missing).
        weight: The rule's weight (``None``: the indicator is only a cut-off).
        normalised: The value scaled to 0–1 over the ranked candidates (``None`` when not
            ranked).
        points: ``weight × normalised``.
        year: The year of the figure.
        source: Where the figure comes from.
        synthetic: Whether the figure is made up (no citable source).
    """

    indicator: str = field(validator=_check_indicator)
    value: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_optional_decimal
    )
    weight: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_share
    )
    normalised: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_share
    )
    points: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_share
    )
    year: int | None = field(default=None, validator=optional_int_at_least(1900))
    source: str | None = field(default=None, validator=check_optional_text)
    synthetic: bool = field(default=False, validator=check_bool)


def _to_parts(value: Iterable[ScorePart]) -> tuple[ScorePart, ...]:
    return tuple(value)


def _check_parts(_inst: object, attribute: Any, value: tuple[ScorePart, ...]) -> None:
    seen: set[str] = set()
    for index, part in enumerate(value):
        if not isinstance(part, ScorePart):
            raise ValidationError(
                f"must be a ScorePart, got {type(part).__name__}", path=f"parts[{index}]"
            )
        if part.indicator in seen:
            raise ValidationError(
                f"indicator {part.indicator!r} has two parts; one per indicator",
                path=f"parts[{index}].indicator",
            )
        seen.add(part.indicator)


def _check_code(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or kemendagri_level(value) is None:
        raise ValidationError(
            f"invalid Kemendagri code {value!r}: use PP, PP.KK, PP.KK.CC or PP.KK.CC.XNNN "
            "(e.g. '73.03.05')",
            path=attribute.name,
        )


def _check_optional_code(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        _check_code(inst, attribute, value)


def _check_rank(inst: RankedRegion, attribute: Any, value: int | None) -> None:
    optional_int_at_least(1)(inst, attribute, value)
    ranked = inst.decision.ranked
    if ranked and (value is None or inst.total is None):
        raise ValidationError(
            f"a {inst.decision.value} region has a total and a rank", path=attribute.name
        )
    if not ranked and (value is not None or inst.total is not None):
        raise ValidationError(
            f"a {inst.decision.value} region is not ranked: leave total and rank out",
            path=attribute.name,
        )


@frozen
class RankedRegion:
    """One candidate region in a ranking: its score parts, total, rank and the decision.

    Args:
        code: Kemendagri code (``"73.03.05"``).
        name: Name (``"Pajukukang"``).
        decision: :class:`LocationDecision`.
        reason: The decision in words (``"rank 2 of 6; the rule selects 3"``).
        parts: One :class:`ScorePart` per indicator the rule names.
        total: The sum of the points, 0–1 (ranked regions only).
        rank: 1 for the best (ranked regions only).
        parent: The Kemendagri code of the region it lies in.
    """

    code: str = field(validator=_check_code)
    name: str = field(validator=check_text)
    decision: LocationDecision = field(
        converter=_to_decision, validator=check_enum(LocationDecision)
    )
    reason: str = field(validator=check_text)
    parts: tuple[ScorePart, ...] = field(default=(), converter=_to_parts, validator=_check_parts)
    total: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_share
    )
    rank: int | None = field(default=None, validator=_check_rank)
    parent: str | None = field(default=None, validator=_check_optional_code)

    def part(self, indicator: str) -> ScorePart | None:
        """The score part of ``indicator``, or ``None``."""
        return next((p for p in self.parts if p.indicator == indicator), None)


@frozen
class ChoiceWeight:
    """An indicator's weight in the rule a choice was made by.

    Args:
        indicator: The indicator code.
        weight: Its weight (the weights of a rule add up to exactly 1).
        higher_is_better: ``False`` when a lower figure scores more (distance to market).
    """

    indicator: str = field(validator=_check_indicator)
    weight: Decimal = field(converter=to_decimal, validator=check_unit_weight)
    higher_is_better: bool = field(default=True, validator=check_bool)


def _to_weights(value: Iterable[ChoiceWeight]) -> tuple[ChoiceWeight, ...]:
    return tuple(value)


def _to_evidence(value: Iterable[RankedRegion]) -> tuple[RankedRegion, ...]:
    return tuple(value)


def _check_weights(_inst: object, attribute: Any, value: tuple[ChoiceWeight, ...]) -> None:
    seen: set[str] = set()
    for index, weight in enumerate(value):
        if not isinstance(weight, ChoiceWeight):
            raise ValidationError(
                f"must be a ChoiceWeight, got {type(weight).__name__}", path=f"weights[{index}]"
            )
        if weight.indicator in seen:
            raise ValidationError(
                f"indicator {weight.indicator!r} is weighted twice",
                path=f"weights[{index}].indicator",
            )
        seen.add(weight.indicator)
    total = exact_sum(w.weight for w in value)
    if value and total != 1:
        raise ValidationError(
            f"the weights add up to {total}, not 1; make them add up to exactly 1",
            path="weights",
        )


def _check_evidence(inst: LocationChoice, attribute: Any, value: tuple[RankedRegion, ...]) -> None:
    seen: dict[str, int] = {}
    for index, row in enumerate(value):
        where = f"evidence[{index}]"
        if not isinstance(row, RankedRegion):
            raise ValidationError(f"must be a RankedRegion, got {type(row).__name__}", path=where)
        if row.code in seen:
            raise ValidationError(
                f"region {row.code!r} is listed twice (also evidence[{seen[row.code]}])",
                path=f"{where}.code",
            )
        seen[row.code] = index
        _require_level(row.code, inst.level, f"{where}.code")


def _require_level(code: str, level: RegionLevel, where: str) -> None:
    found = kemendagri_level(code)
    if found is not level:
        shape = {
            RegionLevel.PROVINCE: "PP",
            RegionLevel.KABUPATEN: "PP.KK",
            RegionLevel.KECAMATAN: "PP.KK.CC",
            RegionLevel.DESA: "PP.KK.CC.XNNN",
        }[level]
        what = f"a {found.value} code" if found is not None else "no Kemendagri code"
        raise InvalidReferenceError(
            f"{code!r} is {what}, not a {level.value} (a {level.value} code is {shape})",
            path=where,
        )


def _to_codes(value: Iterable[str]) -> tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)  # type: ignore[return-value]


def _check_chosen(inst: LocationChoice, attribute: Any, value: tuple[str, ...]) -> None:
    if isinstance(value, str):
        raise ValidationError("must be a list of Kemendagri codes, not one text", path="chosen")
    if not value:
        raise ValidationError("choose at least one region", path="chosen")
    _check_evidence(inst, attribute, inst.evidence)  # first: chosen codes are checked against it
    ranked = {row.code: row for row in inst.evidence}
    for index, code in enumerate(value):
        where = f"chosen[{index}]"
        if not isinstance(code, str):
            raise ValidationError(f"must be a code, got {type(code).__name__}", path=where)
        _require_level(code, inst.level, where)
        if code in value[:index]:
            raise ValidationError(f"{code!r} is chosen twice", path=where)
        if inst.evidence and code not in ranked:
            raise InvalidReferenceError(
                f"{code!r} is not among the candidates of the evidence; choose from "
                f"{', '.join(ranked)}",
                path=where,
            )


@frozen
class LocationChoice:
    """A recorded choice of program locations at one level, with the evidence behind it.

    Args:
        id: Stable ID (``"btg-kecamatan-2010"``).
        level: The level chosen at (:class:`~klaster.model.region.RegionLevel`).
        decided_on: The day it was decided.
        decided_by: Who decided (a role or body, not a person's name).
        rule: The rule in words (its name and version, the normalisation, the cut-offs).
        chosen: The Kemendagri codes chosen, each a code of ``level`` (and, with evidence, one
            of its regions).
        weights: The rule's weights (adding up to exactly 1), if a ranking was used.
        evidence: One :class:`RankedRegion` per candidate, if a ranking was used.
        sources: Where the figures come from.
        note: Free text.

    Example:
        >>> choice = LocationChoice("btg-2010", "kecamatan", "2010-09-01", "program office",
        ...                         "by hand", ["73.03.01", "73.03.02", "73.03.05"])
        >>> choice.chosen
        ('73.03.01', '73.03.02', '73.03.05')
    """

    id: str = field(validator=check_id)
    level: RegionLevel = field(converter=_to_level, validator=check_enum(RegionLevel))
    decided_on: _dt.date = field(converter=to_date, validator=check_date)
    decided_by: str = field(validator=check_text)
    rule: str = field(validator=check_text)
    chosen: tuple[str, ...] = field(converter=_to_codes, validator=_check_chosen)
    weights: tuple[ChoiceWeight, ...] = field(
        default=(), converter=_to_weights, validator=_check_weights
    )
    evidence: tuple[RankedRegion, ...] = field(
        default=(), converter=_to_evidence, validator=_check_evidence
    )
    sources: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=check_texts)
    note: str | None = field(default=None, validator=check_optional_text)
