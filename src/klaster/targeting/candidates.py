"""Candidate regions for a program's locations, with their dated statistics and indicators.

A :class:`CandidateRegion` is a region at any level (its Kemendagri ``code``, name, level and
the code of the region it lies in) with its poverty statistics as
:class:`~klaster.model.region.RegionStat` (kind, year and source required) and its other
figures as :class:`RegionIndicator` (potential scores, distance to market, commodity
suitability...), each with its year and source and a ``synthetic`` flag for made-up figures.
:func:`klaster.targeting.read_regions_csv` reads them from one CSV file.

A ranking reads a region's figures by indicator code (:meth:`CandidateRegion.figure`): the
statistics answer to ``poverty_rate``, ``poor`` and ``population`` (:data:`STAT_INDICATORS`),
the indicators to their own code; the most recent year wins.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_decimal,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    require_code,
    to_decimal,
)
from klaster.errors import ValidationError
from klaster.model.region import RegionLevel, RegionStat, StatKind, kemendagri_level

__all__ = [
    "STAT_INDICATORS",
    "SYNTHETIC_NOTE",
    "CandidateRegion",
    "Figure",
    "RegionIndicator",
    "indicators_of",
]

STAT_INDICATORS = ("poverty_rate", "poor", "population")
"""The indicator codes a region's :class:`~klaster.model.region.RegionStat` answers to."""

SYNTHETIC_NOTE = "synthetic"
"""A statistic whose ``note`` starts with this word is made up (no citable source).

:class:`~klaster.model.region.RegionStat` has no flag of its own: the CSV reader writes the
``synthetic`` column of a statistic's rows into its note this way, and
:meth:`CandidateRegion.figure` reads it back.
"""


@frozen
class RegionIndicator:
    """A dated figure of a region other than its poverty statistics.

    Args:
        indicator: Its code (``potential_seaweed``, ``distance_market``).
        value: The figure, exact.
        year: The year it refers to.
        source: Where it comes from (a study, an office, ``"synthetic example"``).
        synthetic: ``True`` for a made-up figure (no citable source).
        unit: Its unit (``km``, ``score 1-5``).
        note: Free text.

    Example:
        >>> RegionIndicator("distance_market", "12.5", 2010, "synthetic", synthetic=True).value
        Decimal('12.5')
    """

    indicator: str = field()
    value: Decimal = field(converter=to_decimal, validator=check_decimal)
    year: int = field(validator=int_at_least(1900))
    source: str = field(validator=check_text)
    synthetic: bool = field(default=False, validator=check_bool)
    unit: str | None = field(default=None, validator=check_optional_text)
    note: str | None = field(default=None, validator=check_optional_text)

    @indicator.validator
    def _check_indicator(self, attribute: Any, value: Any) -> None:
        require_code(value, attribute.name)
        if value in STAT_INDICATORS:
            raise ValidationError(
                f"{value!r} is a poverty statistic: record it as a RegionStat (with its kind)",
                path=attribute.name,
            )


@frozen
class Figure:
    """One figure of a region as a ranking reads it: the value and where it comes from.

    Args:
        value: The figure.
        year: Its year.
        source: Its source.
        synthetic: Whether it is made up.
        kind: The statistic's kind (statistics only).
    """

    value: Decimal
    year: int
    source: str
    synthetic: bool = False
    kind: StatKind | None = None


def _to_level(value: RegionLevel | str) -> RegionLevel:
    return enum_value(RegionLevel, value)


def _to_stats(value: Iterable[RegionStat]) -> tuple[RegionStat, ...]:
    return tuple(value)


def _to_indicators(value: Iterable[RegionIndicator]) -> tuple[RegionIndicator, ...]:
    return tuple(value)


_ABOVE = {
    RegionLevel.KABUPATEN: RegionLevel.PROVINCE,
    RegionLevel.KECAMATAN: RegionLevel.KABUPATEN,
    RegionLevel.DESA: RegionLevel.KECAMATAN,
}


def stat_value(stat: RegionStat, indicator: str) -> Decimal | None:
    """The figure a statistic gives for ``poverty_rate``, ``poor`` or ``population`` (or ``None``).

    The rate is computed from poor and population when not given (:attr:`RegionStat.rate`).
    """
    if indicator == "poverty_rate":
        return stat.rate
    number = stat.poor_count if indicator == "poor" else stat.population
    return None if number is None else Decimal(number)


@frozen
class CandidateRegion:
    """A region that could become a program location, with its figures.

    Args:
        code: Kemendagri code of the region's level (``"73.03.05"``).
        name: Name (``"Pajukukang"``).
        level: :class:`~klaster.model.region.RegionLevel`.
        parent: Kemendagri code of the region it lies in (``"73.03"``), if known.
        stats: Poverty statistics (kind, year and source each).
        indicators: Other figures (:class:`RegionIndicator`), one per indicator and year.

    Example:
        >>> from klaster.model import RegionStat
        >>> r = CandidateRegion("73.03.05", "Pajukukang", "kecamatan", "73.03",
        ...     stats=[RegionStat(2010, "synthetic", "targeting_people", poverty_rate="41.5",
        ...                       note="synthetic")])
        >>> r.figure("poverty_rate").value, r.figure("poverty_rate").synthetic
        (Decimal('41.5'), True)
    """

    code: str = field()
    name: str = field(validator=check_text)
    level: RegionLevel = field(converter=_to_level, validator=check_enum(RegionLevel))
    parent: str | None = field(default=None)
    stats: tuple[RegionStat, ...] = field(default=(), converter=_to_stats)
    indicators: tuple[RegionIndicator, ...] = field(default=(), converter=_to_indicators)

    @code.validator
    def _check_code(self, attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or kemendagri_level(value) is not self.level:
            found = kemendagri_level(value) if isinstance(value, str) else None
            what = f"a {found.value} code" if found else "not a Kemendagri code"
            raise ValidationError(
                f"{value!r} is {what}; a {self.level.value} needs a code such as "
                f"{_EXAMPLES[self.level]!r}",
                path=attribute.name,
            )

    @parent.validator
    def _check_parent(self, attribute: Any, value: Any) -> None:
        if value is None:
            return
        above = _ABOVE.get(self.level)
        if above is None:
            raise ValidationError("a province lies in no other region", path=attribute.name)
        if not isinstance(value, str) or kemendagri_level(value) is not above:
            raise ValidationError(
                f"{value!r} is not a {above.value} code (e.g. {_EXAMPLES[above]!r})",
                path=attribute.name,
            )
        if not self.code.startswith(value + "."):
            raise ValidationError(
                f"{self.code!r} does not lie in {value!r}: its code must start with '{value}.'",
                path=attribute.name,
            )

    @stats.validator
    def _check_stats(self, attribute: Any, value: tuple[RegionStat, ...]) -> None:
        seen: set[tuple[StatKind, int]] = set()
        for index, stat in enumerate(value):
            if not isinstance(stat, RegionStat):
                raise ValidationError(
                    f"must be a RegionStat, got {type(stat).__name__}", path=f"stats[{index}]"
                )
            if (stat.kind, stat.year) in seen:
                raise ValidationError(
                    f"two {stat.kind.value} statistics for {stat.year}; one per kind and year",
                    path=f"stats[{index}]",
                )
            seen.add((stat.kind, stat.year))

    @indicators.validator
    def _check_indicators(self, attribute: Any, value: tuple[RegionIndicator, ...]) -> None:
        seen: set[tuple[str, int]] = set()
        for index, item in enumerate(value):
            if not isinstance(item, RegionIndicator):
                raise ValidationError(
                    f"must be a RegionIndicator, got {type(item).__name__}",
                    path=f"indicators[{index}]",
                )
            if (item.indicator, item.year) in seen:
                raise ValidationError(
                    f"two figures of {item.indicator!r} for {item.year}; one per year",
                    path=f"indicators[{index}]",
                )
            seen.add((item.indicator, item.year))

    def figure(self, indicator: str, kind: StatKind | str | None = None) -> Figure | None:
        """The region's most recent figure of ``indicator``, or ``None``.

        Args:
            indicator: An indicator code; ``poverty_rate``, ``poor`` and ``population`` read the
                statistics (the rate computed from poor and population when not given).
            kind: For statistics: only those of this kind.
        """
        if indicator in STAT_INDICATORS:
            wanted = None if kind is None else StatKind(kind)
            found = [
                (stat.year, stat, value)
                for stat in self.stats
                if (wanted is None or stat.kind is wanted)
                and (value := stat_value(stat, indicator)) is not None
            ]
            if not found:
                return None
            year, stat, value = max(found, key=lambda item: (item[0], item[1].kind.value))
            synthetic = (stat.note or "").startswith(SYNTHETIC_NOTE)
            return Figure(value, year, stat.source, synthetic, stat.kind)
        items = [item for item in self.indicators if item.indicator == indicator]
        if not items:
            return None
        latest = max(items, key=lambda item: item.year)
        return Figure(latest.value, latest.year, latest.source, latest.synthetic)

    def indicator_codes(self) -> tuple[str, ...]:
        """The indicator codes the region has a figure of (statistics included)."""
        codes = [code for code in STAT_INDICATORS if self.figure(code) is not None]
        codes += [item.indicator for item in self.indicators]
        return tuple(dict.fromkeys(codes))


_EXAMPLES = {
    RegionLevel.PROVINCE: "73",
    RegionLevel.KABUPATEN: "73.03",
    RegionLevel.KECAMATAN: "73.03.05",
    RegionLevel.DESA: "73.03.05.2001",
}


def indicators_of(candidates: Iterable[CandidateRegion]) -> tuple[str, ...]:
    """Every indicator code some candidate has a figure of, sorted."""
    return tuple(sorted({code for c in candidates for code in c.indicator_codes()}))


def unknown_indicator(name: object, known: Iterable[str]) -> str:
    """``unknown indicator 'x' (did you mean ...?); the candidates have: ...`` (internal)."""
    valid = list(known)
    text = f"unknown indicator {name!r}"
    close = difflib.get_close_matches(str(name), valid, n=3)
    if close:
        text += f" (did you mean {', '.join(map(repr, close))}?)"
    return f"{text}; the candidates have: {', '.join(valid) or 'no figures at all'}"
