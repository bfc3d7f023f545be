"""Strategies for regions: Kemendagri-coded trees down to desa, their statistics, village keys.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from klaster.model.region import Region, RegionLevel, RegionStat, StatKind
from klaster.testing._drawing import DIGITS, PLACE_NAME, check_size, maybe
from klaster.testing.basic_strategies import texts

__all__ = ["region_stats", "regions", "village_keys"]

_BPS_CODE = {
    level: st.text(DIGITS, min_size=size, max_size=size)
    for level, size in {
        RegionLevel.PROVINCE: 2,
        RegionLevel.KABUPATEN: 4,
        RegionLevel.KECAMATAN: 7,
        RegionLevel.DESA: 10,
    }.items()
}
_STAT_KINDS = tuple(StatKind)


@st.composite
def _region_stats(draw: st.DrawFn) -> RegionStat:
    population = draw(st.none() | st.integers(0, 5_000_000))
    poor = draw(st.none() | st.integers(0, population if population is not None else 5_000_000))
    rate: Decimal | None
    if poor is not None and population:
        # The rate printed with 0-3 decimals, rounded from poor/population as a report would.
        exact = Decimal(poor) * 100 / Decimal(population)
        places = draw(st.integers(0, 3))
        rate = draw(st.none() | st.just(exact.quantize(Decimal(1).scaleb(-places))))
    else:
        rate = draw(st.none() | st.decimals(0, 100, places=draw(st.integers(0, 2))))
    return RegionStat(
        year=draw(st.integers(1990, 2030)),
        source=draw(texts()),
        kind=draw(st.sampled_from(_STAT_KINDS)),
        population=population,
        poor=poor,
        poverty_rate=rate,
        note=draw(st.none() | texts()),
    )


def region_stats() -> st.SearchStrategy[RegionStat]:
    """Dated context statistics whose population, poor and rate agree (up to printed rounding).

    Returns:
        A strategy of valid :class:`~klaster.RegionStat` records; any of the three figures may be
        missing.
    """
    return _region_stats()


_REGION_STATS = _region_stats()


def _region(
    draw: st.DrawFn,
    level: RegionLevel,
    code: str,
    used_names: set[str],
    codes: bool | None,
    min_children: int,
    max_children: int,
    max_stats: int,
) -> Region:
    """One region with its subtree; ``code`` is its Kemendagri code, shown or not."""
    name = base = draw(PLACE_NAME)
    suffix = 1
    while name.casefold() in used_names:  # keep names unique in the tree, without filtering
        suffix += 1
        name = f"{base} {suffix}"
    used_names.add(name.casefold())
    shown = codes if codes is not None else draw(st.booleans())
    children: list[Region] = []
    child_level = level.child
    if child_level is not None:
        count = draw(st.integers(min_children, max_children))
        top = 999 if child_level is RegionLevel.DESA else 99
        numbers = draw(st.lists(st.integers(1, top), min_size=count, max_size=count, unique=True))
        for number in numbers:
            if child_level is RegionLevel.DESA:
                child_code = f"{code}.{draw(st.sampled_from('12'))}{number:03d}"
            else:
                child_code = f"{code}.{number:02d}"
            children.append(
                _region(
                    draw,
                    child_level,
                    child_code,
                    used_names,
                    codes,
                    min_children,
                    max_children,
                    max_stats,
                )
            )
    return Region(
        level=level,
        name=name,
        code=code if shown else None,
        bps_code=maybe(draw, _BPS_CODE[level]),
        children=children,
        stats=[draw(_REGION_STATS) for _ in range(draw(st.integers(0, max_stats)))],
    )


@st.composite
def _regions(
    draw: st.DrawFn,
    level: RegionLevel,
    codes: bool | None,
    min_children: int,
    max_children: int,
    max_stats: int,
) -> Region:
    # A root below province level gets a code of the right shape from made-up parents.
    parts = [f"{draw(st.integers(11, 99)):02d}"]
    for _ in list(RegionLevel)[1 : list(RegionLevel).index(level) + 1]:
        parts.append(f"{draw(st.integers(1, 99)):02d}")
    code = ".".join(parts)
    if level is RegionLevel.DESA:
        code = f"{'.'.join(parts[:3])}.{draw(st.sampled_from('12'))}{draw(st.integers(1, 999)):03d}"
    return _region(draw, level, code, set(), codes, min_children, max_children, max_stats)


def regions(
    level: RegionLevel | str = RegionLevel.PROVINCE,
    *,
    codes: bool | None = None,
    min_children: int = 1,
    max_children: int = 2,
    max_stats: int = 1,
) -> st.SearchStrategy[Region]:
    """Region trees from ``level`` down to desa, with consistent Kemendagri codes.

    Every code has the shape of its level and starts with its parent's code (even when the parent
    does not show its own); BPS codes are kept apart in ``bps_code``. Names are unique in the tree
    (case-insensitively), so members can name their village.

    Args:
        level: Level of the root (a cluster needs a province).
        codes: ``True``: every region has a Kemendagri code; ``False``: none has; ``None``: some.
        min_children: Fewest children of each region above desa (with 1 or more, every branch
            reaches desa).
        max_children: Most children of each region above desa.
        max_stats: Most :func:`region_stats` per region.

    Returns:
        A strategy of valid :class:`~klaster.Region` trees.
    """
    check_size(min_children=min_children, max_children=max_children, max_stats=max_stats)
    if min_children > max_children:
        raise ValueError(f"min_children ({min_children}) exceeds max_children ({max_children})")
    return _regions(RegionLevel(level), codes, min_children, max_children, max_stats)


def village_keys(region: Region) -> list[str]:
    """The strings members can use to name a desa of ``region`` unambiguously.

    A desa's Kemendagri code always works (codes are unique in trees from :func:`regions`); its
    name works when no other desa has the same name (case-insensitively) or uses it as a code.
    Desa that have neither are left out.

    Args:
        region: A region tree.

    Returns:
        One key per usable desa, in tree order.
    """
    villages = region.villages()
    names = [d.name.casefold() for d in villages]
    codes_ = {d.code for d in villages if d.code is not None}
    keys = []
    for desa in villages:
        if names.count(desa.name.casefold()) == 1 and desa.name not in codes_:
            keys.append(desa.name)
        elif desa.code is not None:
            keys.append(desa.code)
    return keys
