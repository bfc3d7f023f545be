"""Administrative regions (province → kabupaten → kecamatan → desa) and their context statistics.

Official codes follow the Kemendagri scheme (``PP``, ``PP.KK``, ``PP.KK.CC``, ``PP.KK.CC.XNNN``:
Tuban is ``35.23``, Kerek ``35.23.08``). BPS uses a different numbering (Kerek is ``3523160``);
klaster keeps it apart in ``bps_code`` so the two schemes are never mixed silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_enum,
    check_optional_decimal,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    optional_int_at_least,
    to_optional_decimal,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Region", "RegionLevel", "RegionStat", "StatKind"]


class RegionLevel(LabelledEnum):
    """Level of an administrative region, from the top."""

    PROVINCE = labelled("province", "Provinsi", "Province")
    """Provinsi."""
    KABUPATEN = labelled("kabupaten", "Kabupaten/kota", "District")
    """Kabupaten or kota (district or city)."""
    KECAMATAN = labelled("kecamatan", "Kecamatan", "Sub-district")
    """Sub-district."""
    DESA = labelled("desa", "Desa/kelurahan", "Village")
    """Desa or kelurahan (village)."""

    @property
    def child(self) -> RegionLevel | None:
        """The level just below this one (``None`` for desa)."""
        # (a dict look-up: every child of every region loaded asks it)
        return _CHILD_LEVEL[self]


_ORDER = list(RegionLevel)
_CHILD_LEVEL = dict(zip(_ORDER, [*_ORDER[1:], None], strict=True))


_KEMENDAGRI = {
    RegionLevel.PROVINCE: (re.compile(r"^[0-9]{2}\Z"), "PP, e.g. '73'"),
    RegionLevel.KABUPATEN: (re.compile(r"^[0-9]{2}\.[0-9]{2}\Z"), "PP.KK, e.g. '73.03'"),
    RegionLevel.KECAMATAN: (
        re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\Z"),
        "PP.KK.CC, e.g. '73.03.05'",
    ),
    RegionLevel.DESA: (
        re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[12][0-9]{3}\Z"),
        "PP.KK.CC.XNNN, e.g. '35.23.08.2001'",
    ),
}


def kemendagri_level(code: str) -> RegionLevel | None:
    """The level whose Kemendagri code shape ``code`` has (``"73.03"`` → kabupaten), or ``None``.

    Internal interface: poverty-line areas are matched against region codes with it.
    """
    for level, (pattern, _shape) in _KEMENDAGRI.items():
        if pattern.match(code):
            return level
    return None


_BPS_DIGITS = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.KABUPATEN: 4,
    RegionLevel.KECAMATAN: 7,
    RegionLevel.DESA: 10,
}


class StatKind(LabelledEnum):
    """What a poverty figure counts. Figures of different kinds must never be compared."""

    BPS_HEADCOUNT = labelled(
        "bps_headcount", "Persentase penduduk miskin (BPS)", "BPS poverty headcount"
    )
    """BPS headcount: people below the per-capita poverty line (*persentase penduduk miskin*)."""
    TARGETING_PEOPLE = labelled(
        "targeting_people",
        "Penduduk miskin dalam basis data sasaran",
        "People in a targeting database",
    )
    """People listed as poor in a targeting database (e.g. DTKS, PPLS)."""
    TARGETING_HOUSEHOLDS = labelled(
        "targeting_households",
        "Rumah tangga miskin dalam basis data sasaran",
        "Households in a targeting database",
    )
    """Households listed as poor in a targeting database."""
    PROGRAM_SURVEY = labelled("program_survey", "Survei program", "Program survey")
    """The program's own survey."""
    OTHER = labelled("other", "Lainnya", "Other")
    """Anything else; say what in ``note``."""


def _to_stat_kind(value: StatKind | str) -> StatKind:
    return enum_value(StatKind, value)


def _to_level(value: RegionLevel | str) -> RegionLevel:
    return enum_value(RegionLevel, value)


# A rate is printed with a few decimals; allow the rounding that printing implies (38.20% for
# 67,503 of 176,708 = 38.2003%), and no more.
def _rate_tolerance(rate: Decimal) -> Decimal:
    exponent = rate.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return Decimal(1).scaleb(-decimals) / 2


def _check_stat(inst: RegionStat, attribute: Any, value: object) -> None:
    check_optional_decimal(inst, attribute, value)
    rate = inst.poverty_rate
    if rate is not None and not (0 <= rate <= 100):
        raise ValidationError(
            f"must be a percentage between 0 and 100, got {rate}", path="poverty_rate"
        )
    if inst.poor is not None and inst.population is not None and inst.poor > inst.population:
        raise ValidationError(
            f"poor ({inst.poor}) exceeds population ({inst.population})", path="poor"
        )
    if rate is not None and inst.poor is not None and inst.population:
        computed = Decimal(inst.poor) * 100 / Decimal(inst.population)
        if abs(computed - rate) > _rate_tolerance(rate):
            raise ValidationError(
                f"{rate}% does not match poor/population = {inst.poor}/{inst.population} = "
                f"{computed:.2f}%; give consistent figures or leave one of them out",
                path="poverty_rate",
            )


@frozen
class RegionStat:
    """A dated context statistic of a region, as used to choose program locations.

    Keep kind, year and source with every figure: a BPS headcount rate is not a share of
    households in a targeting database. Any two of ``population``, ``poor`` and ``poverty_rate``
    give the third; when all three are given they must agree (up to the rounding of the printed
    rate).

    Args:
        year: Year the figure refers to.
        source: Where it comes from (e.g. ``"BPS Kabupaten Bantaeng"``, a seed report).
        kind: :class:`StatKind`.
        population: People (or households, for household kinds) counted.
        poor: Of those, the poor.
        poverty_rate: Percentage poor, as a ``Decimal`` (``Decimal("38.20")``).
        note: Free text.

    Example:
        >>> s = RegionStat(year=2010, source="seed report 003", kind=StatKind.TARGETING_PEOPLE,
        ...                population=176_708, poor=67_503, poverty_rate="38.20")
        >>> s.rate
        Decimal('38.20')
    """

    year: int = field(validator=int_at_least(1900))
    source: str = field(validator=check_text)
    kind: StatKind = field(converter=_to_stat_kind, validator=check_enum(StatKind))
    population: int | None = field(default=None, validator=optional_int_at_least(0))
    poor: int | None = field(default=None, validator=optional_int_at_least(0))
    poverty_rate: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_stat
    )
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def rate(self) -> Decimal | None:
        """The poverty rate in percent: as given, else computed from ``poor`` and ``population``."""
        if self.poverty_rate is not None:
            return self.poverty_rate
        if self.poor is not None and self.population:
            return Decimal(self.poor) * 100 / Decimal(self.population)
        return None

    @property
    def poor_count(self) -> int | None:
        """The number of poor: as given, else computed from ``poverty_rate`` and ``population``."""
        if self.poor is not None:
            return self.poor
        if self.poverty_rate is not None and self.population is not None:
            return int((self.poverty_rate * self.population / 100).to_integral_value())
        return None


def _to_regions(value: Iterable[Region]) -> tuple[Region, ...]:
    return tuple(value)


def _to_stats(value: Iterable[RegionStat]) -> tuple[RegionStat, ...]:
    return tuple(value)


def _check_code(inst: Region, attribute: Any, value: str | None) -> None:
    if value is None:
        return
    pattern, shape = _KEMENDAGRI[inst.level]
    if not isinstance(value, str) or not pattern.match(value):
        hint = ""
        if isinstance(value, str) and value.isdigit():
            hint = " (this looks like a BPS code: put it in bps_code)"
        raise ValidationError(
            f"invalid Kemendagri code {value!r} for a {inst.level}: use {shape}{hint}",
            path=attribute.name,
        )


def _check_bps_code(inst: Region, attribute: Any, value: str | None) -> None:
    if value is None:
        return
    digits = _BPS_DIGITS[inst.level]
    if (
        not isinstance(value, str)
        or not (value.isascii() and value.isdigit())
        or len(value) != digits
    ):
        raise ValidationError(
            f"invalid BPS code {value!r} for a {inst.level}: use {digits} digits "
            "(Kemendagri codes go in code)",
            path=attribute.name,
        )


def _check_children(inst: Region, attribute: Any, value: tuple[Region, ...]) -> None:
    names: dict[str, int] = {}
    for index, child in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(child, Region):
            raise ValidationError(f"must be a Region, got {type(child).__name__}", path=where)
        if child.level is not inst.level.child:
            expected = inst.level.child.value if inst.level.child else "nothing (a desa has none)"
            raise ValidationError(
                f"a {inst.level} contains {expected}, not a {child.level}", path=f"{where}.level"
            )
        if inst.code and child.code and not child.code.startswith(inst.code + "."):
            raise ValidationError(
                f"code {child.code!r} is not inside {inst.level} {inst.code!r}; it must start "
                f"with '{inst.code}.'",
                path=f"{where}.code",
            )
        key = child.name.casefold()
        if key in names:
            raise ValidationError(
                f"two {child.level} named {child.name!r} (also {attribute.name}[{names[key]}])",
                path=f"{where}.name",
            )
        names[key] = index


def _check_stats(_inst: Region, attribute: Any, value: tuple[RegionStat, ...]) -> None:
    for index, stat in enumerate(value):
        if not isinstance(stat, RegionStat):
            raise ValidationError(
                f"must be a RegionStat, got {type(stat).__name__}",
                path=f"{attribute.name}[{index}]",
            )


@frozen
class Region:
    """An administrative region and the regions inside it.

    A cluster's region is a tree rooted at its province: province → kabupaten → kecamatan → desa.
    Names are required; Kemendagri ``code`` and BPS ``bps_code`` are optional but checked for shape
    and nesting when given.

    Args:
        level: :class:`RegionLevel`.
        name: Official name (``"Bantaeng"``).
        code: Kemendagri code of the right shape for ``level``.
        bps_code: BPS code (digits only), kept apart from ``code``.
        children: Regions of the next level down inside this one.
        stats: Context statistics (:class:`RegionStat`).

    Example:
        >>> desa = Region.desa("Gaji")
        >>> kerek = Region.kecamatan("Kerek", "35.23.08", [desa])
        >>> tuban = Region.kabupaten("Tuban", "35.23", [kerek])
        >>> jatim = Region.province("Jawa Timur", "35", [tuban])
        >>> [r.name for r in jatim.villages()]
        ['Gaji']
    """

    level: RegionLevel = field(converter=_to_level, validator=check_enum(RegionLevel))
    name: str = field(validator=check_text)
    code: str | None = field(default=None, validator=_check_code)
    bps_code: str | None = field(default=None, validator=_check_bps_code)
    children: tuple[Region, ...] = field(
        default=(), converter=_to_regions, validator=_check_children
    )
    stats: tuple[RegionStat, ...] = field(default=(), converter=_to_stats, validator=_check_stats)

    @classmethod
    def province(
        cls, name: str, code: str | None = None, children: Iterable[Region] = ()
    ) -> Region:
        """Build a province (*provinsi*)."""
        return cls(RegionLevel.PROVINCE, name, code, children=children)

    @classmethod
    def kabupaten(
        cls, name: str, code: str | None = None, children: Iterable[Region] = ()
    ) -> Region:
        """Build a kabupaten or kota."""
        return cls(RegionLevel.KABUPATEN, name, code, children=children)

    @classmethod
    def kecamatan(
        cls, name: str, code: str | None = None, children: Iterable[Region] = ()
    ) -> Region:
        """Build a kecamatan."""
        return cls(RegionLevel.KECAMATAN, name, code, children=children)

    @classmethod
    def desa(cls, name: str, code: str | None = None) -> Region:
        """Build a desa or kelurahan."""
        return cls(RegionLevel.DESA, name, code)

    def walk(self) -> Iterator[Region]:
        """Yield this region and every region inside it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def at_level(self, level: RegionLevel | str) -> tuple[Region, ...]:
        """All regions of ``level`` in this tree (e.g. every kecamatan)."""
        wanted = RegionLevel(level)
        return tuple(r for r in self.walk() if r.level is wanted)

    def villages(self) -> tuple[Region, ...]:
        """All desa in this tree."""
        return self.at_level(RegionLevel.DESA)

    def find(self, key: str) -> Region | None:
        """The region whose code equals ``key``, else whose name equals it (case-insensitive)."""
        folded = key.casefold()
        by_name = None
        for region in self.walk():
            if region.code == key:
                return region
            if by_name is None and region.name.casefold() == folded:
                by_name = region
        return by_name

    def latest_stat(self, kind: StatKind | str | None = None) -> RegionStat | None:
        """The most recent statistic (of ``kind``, if given)."""
        wanted = StatKind(kind) if kind is not None else None
        found = [s for s in self.stats if wanted is None or s.kind is wanted]
        return max(found, key=lambda s: s.year) if found else None
