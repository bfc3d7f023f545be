"""How a frame's units split for a report: the finest parts and the cells they go to.

A report asks for several disaggregations at once (the total, by cluster, by cluster and
sector...). Each frame's units are split once into the finest parts those need; each cell of a
disaggregation is then a list of parts, so a part's partial aggregate is computed once and
merged into every cell it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import compress

from klaster.catalogue.variable import Level
from klaster.measurement._backends.partials import pick
from klaster.measurement.unit_frame import UnitFrame
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["DIMENSIONS", "MULTI_VALUED", "Layout", "layout"]

DIMENSIONS = (
    "cluster",
    "sector",
    "sex",
    "kabupaten",
    "kecamatan",
    "desa",
    "business_type",
    "group",
    "cooperative",
)
"""Dimensions a report can be disaggregated by.

``cluster`` and ``kabupaten`` apply to units of every level (a group's or cooperative's kabupaten
is its cluster's), ``sector`` to members and groups, the others to member-level indicators only;
``group`` and ``cooperative`` are :data:`MULTI_VALUED`. See
:meth:`~klaster.measurement.unit_frame.UnitFrame.dimension` for the categories.
"""

MULTI_VALUED = ("group", "cooperative")
"""Dimensions in which a unit may have several categories (a member in two groups counts in
both groups' rows): their cells are made unit by unit, never from the finest parts."""


class Layout:
    """How a frame's units split for a report: the finest parts and the cells they go to.

    Attributes:
        keep: Positions of the units in scope (a sector's indicator keeps that sector's
            units), or ``None`` for all.
        fine: Per part, the positions within the kept units (``None``: all of them).
        assign: For specs of single-valued dimensions, each cell and the parts it adds up.
        direct: For specs with a :data:`MULTI_VALUED` dimension (a member may be in two
            groups or cooperatives), each cell and its unit positions.
    """

    def __init__(self) -> None:
        self.keep: list[int] | None = None
        self.fine: list[list[int] | None] = [None]
        self.assign: list[tuple[tuple[tuple[str, str], ...], list[int]]] = []
        self.direct: list[tuple[tuple[tuple[str, str], ...], list[int]]] = []


def layout(
    frame: UnitFrame,
    level: Level,
    units: tuple[str, ...],
    sector: str,
    specs: list[tuple[str, ...]],
) -> Layout:
    """The layout of ``units`` (a frame's units at ``level``) for ``specs``, once per frame.

    A sector's indicator (``sector`` other than the core one) keeps that sector's units only.
    """
    # Keyed by the units tuple's identity (hashing a thousand IDs per call adds up); the
    # tuple is kept with the layout, so its id cannot be reused by another while cached.
    cache_key = ("layout", level, id(units), sector, tuple(specs))
    found = frame.cache.get(cache_key)
    if found is not None and found[0] is units:
        return found[1]  # type: ignore[no-any-return]
    found_layout = Layout()
    frame.cache[cache_key] = (units, found_layout)
    count = len(units)
    if sector != CORE_SECTOR:
        sectors = frame.dimension(level, "sector", units)
        if sectors is not None:
            wanted = (sector,)
            found_layout.keep = list(compress(range(len(sectors)), map(wanted.__eq__, sectors)))
            count = len(found_layout.keep)

    if not count:
        return found_layout  # no unit in scope: no cell

    def column(dim: str) -> Sequence[tuple[str, ...]]:
        values = frame.dimension(level, dim, units)
        if values is None:
            return [()] * count
        return values if found_layout.keep is None else pick(list(values), found_layout.keep)

    used = [d for d in DIMENSIONS if d not in MULTI_VALUED and any(d in spec for spec in specs)]
    # Dimensions with one category for every unit (the cluster; the sector of a sector's
    # indicator) do not split the frame: only the others go into the part keys.
    constant: dict[str, tuple[str, ...]] = {}
    if "cluster" in used:
        constant["cluster"] = (frame.cluster.id,)
    if found_layout.keep is not None and "sector" in used:
        constant["sector"] = (sector,)
    columns = {d: column(d) for d in used if d not in constant}
    constant.update({d: c[0] for d, c in columns.items() if len(set(c)) == 1})
    varying = [d for d in used if d not in constant]
    if varying:
        parts: dict[tuple[tuple[str, ...], ...], list[int]] = {}
        for position, key in enumerate(zip(*(columns[d] for d in varying), strict=True)):
            found_part = parts.get(key)
            if found_part is None:
                parts[key] = [position]
            else:
                found_part.append(position)
        keys = list(parts)
        found_layout.fine = list(parts.values())
    else:
        keys = [()]
    for spec in specs:
        if any(d in MULTI_VALUED for d in spec):
            dims = {d: column(d) for d in spec}
            grouped: dict[tuple[tuple[str, str], ...], list[int]] = {}
            for position in range(count):
                for found_combo in _combos(spec, dims, position):
                    grouped.setdefault(found_combo, []).append(position)
            found_layout.direct += grouped.items()
            continue
        cells: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for number, key in enumerate(keys):
            values = dict(zip(varying, key, strict=True))
            combo: list[tuple[str, str]] = []
            for dim in spec:
                categories = constant[dim] if dim in constant else values.get(dim, ())
                if not categories:
                    break
                combo.append((dim, categories[0]))
            else:
                cells.setdefault(tuple(combo), []).append(number)
        found_layout.assign += cells.items()
    return found_layout


def _combos(
    spec: tuple[str, ...], dims: Mapping[str, Sequence[tuple[str, ...]]], index: int
) -> list[tuple[tuple[str, str], ...]]:
    # A member in two groups (or cooperatives) counts in both rows (never twice in one row).
    combos: list[tuple[tuple[str, str], ...]] = [()]
    for dim in spec:
        values = dims[dim][index] if dim in dims else ()
        combos = [(*c, (dim, v)) for c in combos for v in values]
    return combos
