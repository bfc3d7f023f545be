"""The core indicators every program has, whatever its sectors, and the per-round unit frame.

Counts come from the program itself (members active on the round's date, groups, cooperatives
with legal status); income and poverty come from the core variables of the observations.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import compress
from operator import not_
from typing import Any, cast

from attrs import define, field, frozen

from klaster.cluster import Cluster
from klaster.errors import NotFoundError
from klaster.indicator import Aggregation, Direction
from klaster.label import Label
from klaster.measurement._fixedpoint import (
    BOOLEAN,
    NUMBER,
    PovertyInputs,
    Scaled,
    Unsupported,
    literal,
    unscale,
)
from klaster.measurement.evaluate import Kind
from klaster.measurement.na import NotAvailable
from klaster.measurement.observations import Observations
from klaster.measurement.poverty_lines import PovertyLines
from klaster.measurement.rounds import Round
from klaster.region import RegionLevel
from klaster.variable import Level, ValueType

__all__ = ["CORE_INDICATORS", "CoreIndicator", "UnitFrame"]

Items = tuple[tuple[str, ...], list[tuple[Any, ...]]]

_BOOLEAN_CODES = {1: True, 0: False, -1: None}


@define
class UnitFrame:
    """One cluster in one round: its units, their columns and their dimensions.

    Args:
        cluster: The cluster.
        round: The round.
        observations: Where the values are.
        baseline: The cluster's baseline round (``None`` in the baseline itself).
        lines: Poverty lines for the poverty indicators.
    """

    cluster: Cluster
    round: Round
    observations: Observations
    baseline: Round | None
    lines: PovertyLines
    _villages: dict[str, tuple[str, str]] = field(init=False, factory=dict)
    # What a report reads many times (units, columns, dimensions): read once per frame. A frame
    # lives for one report or one lookup, so it never sees the store change under it.
    _cache: dict[Any, Any] = field(init=False, factory=dict, repr=False, eq=False)
    # What depends on the cluster only (member records by ID, their categories), shared by
    # the frames of one cluster's rounds in a report.
    _shared: dict[Any, Any] = field(init=False, factory=dict, repr=False, eq=False)

    def _village_index(self) -> dict[str, tuple[str, str]]:
        # Desa name or code -> (kecamatan, desa): built on first use, once per cluster.
        if not self._villages:
            found = self._shared.get("villages")
            if found is None:
                found = self._shared["villages"] = {}
                for kecamatan in self.cluster.region.at_level(RegionLevel.KECAMATAN):
                    for desa in kecamatan.children:
                        for key in (desa.name.casefold(), desa.code):
                            if key:
                                found[key] = (kecamatan.name, desa.name)
            self._villages = found
        return self._villages

    def for_baseline(self) -> UnitFrame:
        """The same units, read in the baseline round (the caller aligns them)."""
        found = self._cache.get("baseline")
        if found is None:
            found = self._cache["baseline"] = _BaselineFrame(self)
        return found

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        """Units surveyed in the round at ``level``."""
        key = ("units", level)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.observations.units(self.round.id, level)
        return found

    def active_members(self) -> tuple[str, ...]:
        """Members in the program on the round's date (surveyed or not)."""
        found = self._cache.get("active")
        if found is None:
            spells = self._shared.get("spells")
            if spells is None:
                members = self.cluster.members
                spells = self._shared["spells"] = (
                    [m.id for m in members],
                    [m.joined for m in members],
                    [m.left for m in members],
                )
            on = self.round.on
            # Member.is_active, without a method call per member and round.
            found = self._cache["active"] = tuple(
                unit
                for unit, joined, left in zip(*spells, strict=True)
                if joined <= on and (left is None or on < left)
            )
        return found

    def scaled(self, code: str, level: Level) -> Scaled:
        """Variable ``code`` of the surveyed units as scaled integers (or booleans), exact.

        Decimals come as ``value × 10**scale`` integers with the stored column's scale,
        integers with scale 0, booleans as ``bool``; ``None`` where missing. A member's household
        size falls back to the member record, as in :meth:`column`.

        Raises:
            NotFoundError: Unknown variable, or one of another level.
            Unsupported: A text, category or date variable.
        """
        key = ("scaled", code, level)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._read_scaled(code, level)
        return found

    def _read_scaled(self, code: str, level: Level) -> Scaled:
        variable = self.observations.variable(code)
        if variable.level is not level:
            raise NotFoundError(f"{code!r} is a {variable.level.value} variable, not {level.value}")
        if variable.type not in (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN):
            raise Unsupported(f"{variable.type.value} values")
        kind = BOOLEAN if variable.type is ValueType.BOOLEAN else NUMBER
        # The store numbers a cluster's units once for all rounds: the current round's
        # "surveyed" mask picks the same units out of this round's or the baseline's column.
        current = self.observations._stored(self._units_round().id, level)
        if current is None:
            return Scaled([], 0, 0, kind)
        present = current.present
        size = present.count(1)
        table = self.observations._stored(self.round.id, level)
        column = None if table is None else table.columns.get(code)
        if column is None:
            values: list[Any] = [None] * size
            scale = bound = 0
        else:
            buffers = column.buffers()
            with buffers.data as data:  # type: ignore[union-attr]
                raw = data.tolist()
            scale = buffers.scale
            if buffers.valid is not None:
                with buffers.valid as valid_view:
                    valid = valid_view.tolist()
            else:
                valid = [1] * len(raw)  # booleans: the code -1 says missing
            if len(raw) < len(present):
                raw += [0] * (len(present) - len(raw))
                valid += [0] * (len(present) - len(valid))
            elif len(raw) > len(present):
                del raw[len(present) :], valid[len(present) :]
            if kind == BOOLEAN and len(raw) > len(valid) - valid.count(0):
                raw = [r if ok else -1 for r, ok in zip(raw, valid, strict=True)]
            if size != len(present):
                raw = list(compress(raw, present))
                valid = list(compress(valid, present))
            if kind == BOOLEAN:
                values = list(map(_BOOLEAN_CODES.__getitem__, raw))
                bound = 1
            else:
                bound = max(max(raw, default=0), -min(raw, default=0))
                values = cast(list[Any], raw)
                # Missing slots hold 0: only those few are visited in Python.
                gaps = list(compress(range(len(valid)), map(not_, valid)))
                for index in gaps:
                    values[index] = None
        if code == "household_size" and level is Level.MEMBER and None in values:
            members = self.cluster.members
            units = self.unit_ids(level)
            for index in [i for i, v in enumerate(values) if v is None]:
                member = members.get(units[index])
                if member is not None:
                    values[index] = member.household_size
                    bound = max(bound, member.household_size)
        return Scaled(values, scale, bound, kind)

    def _units_round(self) -> Round:
        return self.round

    def column(self, code: str, level: Level, units: Sequence[str] | None = None) -> list[Any]:
        """Values of variable ``code`` for ``units`` (default: surveyed units), ``None`` if missing.

        Integers come back as ``Decimal`` so that formulas divide exactly; a member's household
        size falls back to the member record when the round did not record it.
        """
        variable = self.observations.variable(code)
        if variable.level is not level:
            raise NotFoundError(f"{code!r} is a {variable.level.value} variable, not {level.value}")
        if units is None and variable.type in (ValueType.DECIMAL, ValueType.INTEGER):
            # The surveyed units' values, read once per frame from the scaled integers (the
            # same Decimals as the column's: value × 10**-scale, ints as Decimal(int)).
            key = ("column", code, level)
            found = self._cache.get(key)
            if found is None:
                data = self.scaled(code, level)
                scale = data.scale
                found = self._cache[key] = [
                    None if v is None else unscale(v, scale) for v in data.values
                ]
            return list(found)
        wanted = self.unit_ids(level) if units is None else tuple(units)
        recorded = self.observations.units(self.round.id, level)
        values = self.observations.column(self.round.id, code).to_list()
        if tuple(wanted) == recorded:
            aligned = values
        else:
            position = {unit: i for i, unit in enumerate(recorded)}
            aligned = [values[position[u]] if u in position else None for u in wanted]
        out = [Decimal(v) if type(v) is int else v for v in aligned]
        if code == "household_size" and level is Level.MEMBER:
            members = self.cluster.members
            out = [
                v if v is not None or u not in members else Decimal(members[u].household_size)
                for u, v in zip(wanted, out, strict=True)
            ]
        return out

    def dimensions(self, level: Level, units: Sequence[str]) -> dict[str, list[tuple[str, ...]]]:
        """For each dimension, the categories of each unit (a member can be in two groups)."""
        names = ["cluster"]
        if level is Level.MEMBER:
            names += ["sector", "sex", "business_type", "kecamatan", "desa", "group"]
        elif level is Level.GROUP:
            names.append("sector")
        return {name: list(self.dimension(level, name, units) or ()) for name in names}

    def dimension(
        self, level: Level, name: str, units: Sequence[str]
    ) -> Sequence[tuple[str, ...]] | None:
        """The categories of each unit in dimension ``name`` (``None``: not a dimension here)."""
        key = ("dim", level, name, tuple(units))
        if key in self._cache:
            return self._cache[key]  # type: ignore[no-any-return]
        found = self._cache[key] = self._dimension(level, name, key[3])
        return found

    def _dimension(
        self, level: Level, name: str, units: tuple[str, ...]
    ) -> Sequence[tuple[str, ...]] | None:
        if name == "cluster":
            return [(self.cluster.id,)] * len(units)
        if level is Level.GROUP and name == "sector":
            groups = self.cluster.groups
            return [(g.sector,) if g else () for g in map(groups.get, units)]
        if level is not Level.MEMBER:
            return None
        if name == "group":
            of_member = self._groups_by_member()
            return [of_member.get(u, ()) for u in units]
        if name in ("sector", "sex", "business_type", "kecamatan", "desa"):
            categories = self._member_categories(name)
            return list(map(categories.__getitem__, units))
        return None

    def _member_categories(self, name: str) -> dict[str, tuple[str, ...]]:
        # Per dimension, each member's category: computed once per cluster and report.
        key = ("categories", name)
        found = self._shared.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        members = list(self.cluster.members)
        values: list[tuple[str, ...]]
        if name == "sector":
            values = [(m.sector,) for m in members]
        elif name == "sex":
            values = [(m.sex.value,) for m in members]
        elif name == "business_type":
            values = [(m.business_type,) if m.business_type else () for m in members]
        else:
            villages = self._village_index()
            places = [villages.get(m.village.casefold()) for m in members]
            at = 0 if name == "kecamatan" else 1
            values = [(p[at],) if p else () for p in places]
        found = self._shared[key] = _Categories(zip([m.id for m in members], values, strict=True))
        return found

    def _groups_by_member(self) -> dict[str, tuple[str, ...]]:
        cached = self._cache.get("groups_by_member")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        found: dict[str, list[str]] = {}
        for group in self.cluster.groups:
            for member_id in group.member_ids(self.round.on):
                found.setdefault(member_id, []).append(group.id)
        result = self._cache["groups_by_member"] = {k: tuple(v) for k, v in found.items()}
        return result


class _Categories(dict[str, tuple[str, ...]]):
    """Member ID to category; an ID that is not a member has none (``()``)."""

    def __missing__(self, key: str) -> tuple[str, ...]:
        return ()


class _BaselineFrame(UnitFrame):
    """Reads the baseline round but keeps the current round's units (for ``baseline(x)``)."""

    def __init__(self, current: UnitFrame) -> None:
        assert current.baseline is not None
        super().__init__(
            current.cluster, current.baseline, current.observations, None, current.lines
        )
        self.current = current
        self._shared = current._shared

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        return self.current.unit_ids(level)

    def _units_round(self) -> Round:
        return self.current.round


@frozen
class CoreIndicator:
    """An indicator computed from the program and the core variables, not from a formula.

    Args:
        code: Code (``"members"``...).
        name: Bilingual name.
        unit: Unit.
        level: Level of its units.
        aggregation: How units combine.
        direction: Which way is better.
        kind: Kind of its unit values.
        items: ``items(frame)`` → unit IDs and one tuple per unit (a value, or numerator and
            denominator for ratios, or income/line/weight for poverty).
        poverty: ``"p0"``, ``"p1"`` or ``"p2"`` for the FGT indicators.
        needs_baseline: Whether it compares with the baseline round (then it has no value in
            the baseline round itself).
        description: Bilingual explanation.
    """

    code: str
    name: Label
    unit: str | None
    level: Level
    aggregation: Aggregation
    direction: Direction
    kind: Kind
    items: Callable[[UnitFrame], Items]
    poverty: str | None = None
    needs_baseline: bool = False
    description: Label | None = None


def _active_members(frame: UnitFrame) -> tuple[str, ...]:
    return frame.active_members()


def _members(frame: UnitFrame) -> Items:
    units = _active_members(frame)
    return units, [(True,)] * len(units)


def _household_members(frame: UnitFrame) -> Items:
    units = _active_members(frame)
    sizes = frame.column("household_size", Level.MEMBER, units)
    return units, [(v,) for v in sizes]


def _group_spells(frame: UnitFrame) -> list[tuple[str, Any, Any, Any, list[Any]]]:
    # Once per cluster and report: each group's dates, the first day one of its open-ended
    # spells covers, and its closed spells (Group.is_active without a call per spell).
    found = frame._shared.get("group_spells")
    if found is None:
        found = frame._shared["group_spells"] = [
            (
                g.id,
                g.formed,
                g.dissolved,
                min((s.joined for s in g.memberships if s.left is None), default=None),
                [(s.joined, s.left) for s in g.memberships if s.left is not None],
            )
            for g in frame.cluster.groups
        ]
    return found


def _existing_groups(on: _dt.date, frame: UnitFrame) -> tuple[str, ...]:
    return tuple(
        g
        for g, formed, dissolved, _, _ in _group_spells(frame)
        if formed <= on and (dissolved is None or on < dissolved)
    )


def _groups(frame: UnitFrame) -> Items:
    units = _existing_groups(frame.round.on, frame)
    return units, [(True,)] * len(units)


def _active_groups(frame: UnitFrame) -> Items:
    on = frame.round.on
    units = []
    active = []
    for group, formed, dissolved, open_from, closed in _group_spells(frame):
        if formed <= on and (dissolved is None or on < dissolved):
            units.append(group)
            covered = open_from is not None and open_from <= on
            active.append((covered or any(joined <= on < left for joined, left in closed),))
    return tuple(units), active


def _legal_cooperatives(frame: UnitFrame) -> Items:
    units = tuple(c.id for c in frame.cluster.cooperatives)
    coops = frame.cluster.cooperatives
    return units, [(coops[c].is_legal(frame.round.on),) for c in units]


def _income_per_capita(frame: UnitFrame) -> Items:
    units = frame.unit_ids(Level.MEMBER)
    income = frame.column("monthly_income", Level.MEMBER, units)
    sizes = frame.column("household_size", Level.MEMBER, units)
    return units, list(zip(income, sizes, strict=True))


def _income_change(frame: UnitFrame) -> Items:
    units = frame.unit_ids(Level.MEMBER)
    now = frame.column("monthly_income", Level.MEMBER, units)
    if frame.baseline is None:
        return units, [(None, None)] * len(units)
    before = frame.for_baseline().column("monthly_income", Level.MEMBER, units)
    return units, [
        (None, None) if a is None or b is None else ((a - b) * 100, b)
        for a, b in zip(now, before, strict=True)
    ]


def _poverty_inputs(frame: UnitFrame) -> Items:
    units = frame.unit_ids(Level.MEMBER)
    income = frame.column("monthly_income", Level.MEMBER, units)
    sizes = frame.column("household_size", Level.MEMBER, units)
    line = _poverty_line(frame)
    per_capita = [
        None if i is None or s is None or s == 0 else i / s
        for i, s in zip(income, sizes, strict=True)
    ]
    return units, [(pc, line, s) for pc, s in zip(per_capita, sizes, strict=True)]


def _poverty_line(frame: UnitFrame) -> Any:
    kabupaten = frame.cluster.region.at_level(RegionLevel.KABUPATEN)
    area = kabupaten[0].code if kabupaten and kabupaten[0].code else "national"
    match = frame.lines.lookup(area, frame.round.on)
    return match if isinstance(match, NotAvailable) else match.rupiah


# -- the same inputs as scaled integers, for reports (see klaster.measurement._fixedpoint) -----


def _fixed_household_members(frame: UnitFrame) -> tuple[tuple[str, ...], Scaled]:
    units = frame.active_members()
    surveyed = frame.scaled("household_size", Level.MEMBER)
    by_unit = dict(zip(frame.unit_ids(Level.MEMBER), surveyed.values, strict=True))
    members = frame.cluster.members
    values = [
        size if (size := by_unit.get(u)) is not None else members[u].household_size for u in units
    ]
    return units, Scaled(values, 0, max(values, default=0), NUMBER)


def _fixed_income_per_capita(frame: UnitFrame) -> tuple[tuple[str, ...], Any]:
    units = frame.unit_ids(Level.MEMBER)
    income = frame.scaled("monthly_income", Level.MEMBER)
    return units, (income, frame.scaled("household_size", Level.MEMBER))


def _fixed_income_change(frame: UnitFrame) -> tuple[tuple[str, ...], Any]:
    units = frame.unit_ids(Level.MEMBER)
    if frame.baseline is None:
        nothing = Scaled([None] * len(units), 0, 0, NUMBER)
        return units, (nothing, nothing)
    now = frame.scaled("monthly_income", Level.MEMBER)
    before = frame.for_baseline().scaled("monthly_income", Level.MEMBER)
    # (now - before) * 100 at the larger scale, as Decimal subtraction gives it.
    scale = max(now.scale, before.scale)
    up_now, up_before = 10 ** (scale - now.scale), 10 ** (scale - before.scale)
    top = [
        None if a is None or b is None else (a * up_now - b * up_before) * 100
        for a, b in zip(now.values, before.values, strict=True)
    ]
    bottom = [
        None if a is None or b is None else b
        for a, b in zip(now.values, before.values, strict=True)
    ]
    bound = 200 * max(now.bound * up_now, before.bound * up_before)
    return units, (
        Scaled(top, scale, bound, NUMBER),
        Scaled(bottom, before.scale, before.bound, NUMBER),
    )


def _fixed_poverty(frame: UnitFrame) -> tuple[tuple[str, ...], PovertyInputs]:
    units = frame.unit_ids(Level.MEMBER)
    income = frame.scaled("monthly_income", Level.MEMBER)
    sizes = frame.scaled("household_size", Level.MEMBER).values
    line = _poverty_line(frame)
    if isinstance(line, NotAvailable):
        return units, PovertyInputs(income, sizes, None)
    raw, line_scale = literal(line)
    if line_scale > income.scale:
        factor = 10 ** (line_scale - income.scale)
        income = Scaled(
            [None if v is None else v * factor for v in income.values],
            line_scale,
            income.bound * factor,
            NUMBER,
        )
    else:
        raw *= 10 ** (income.scale - line_scale)
    return units, PovertyInputs(income, sizes, raw)


FIXED_ITEMS: dict[str, Callable[[UnitFrame], tuple[tuple[str, ...], Any]]] = {
    "household_members": _fixed_household_members,
    "income_per_capita": _fixed_income_per_capita,
    "income_change_pct": _fixed_income_change,
    "poverty_headcount": _fixed_poverty,
    "poverty_gap": _fixed_poverty,
    "poverty_severity": _fixed_poverty,
}
"""Core indicators whose report inputs are read as scaled integers (``_fixedpoint``)."""


def _poverty(code: str, measure: str, id_name: str, en_name: str) -> CoreIndicator:
    return CoreIndicator(
        code,
        Label(id_name, en_name),
        "ratio",
        Level.MEMBER,
        Aggregation.MEAN,
        Direction.LOWER,
        Kind.NUMBER,
        _poverty_inputs,
        poverty=measure,
        description=Label(
            f"FGT {measure.upper()} pendapatan per kapita terhadap garis kemiskinan kabupaten "
            "(atau provinsi/nasional), tertimbang jumlah anggota rumah tangga.",
            f"FGT {measure.upper()} of per-capita income against the kabupaten (else province "
            "or national) line, weighted by household size.",
        ),
    )


CORE_INDICATORS: tuple[CoreIndicator, ...] = (
    CoreIndicator(
        "members", Label("Jumlah mitra", "Members"), "member", Level.MEMBER,
        Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN, _members,
        description=Label("Mitra aktif pada tanggal putaran.", "Members active on the round date."),
    ),
    CoreIndicator(
        "household_members", Label("Jiwa dalam rumah tangga mitra", "People in member households"),
        "person", Level.MEMBER, Aggregation.SUM, Direction.HIGHER, Kind.NUMBER, _household_members,
    ),
    CoreIndicator(
        "groups", Label("Jumlah kelompok", "Groups"), "group", Level.GROUP,
        Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN, _groups,
    ),
    CoreIndicator(
        "active_groups", Label("Kelompok aktif", "Active groups"), "group", Level.GROUP,
        Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN, _active_groups,
    ),
    CoreIndicator(
        "active_group_share", Label("Bagian kelompok aktif", "Share of groups active"), "ratio",
        Level.GROUP, Aggregation.SHARE_MEETING, Direction.HIGHER, Kind.BOOLEAN, _active_groups,
    ),
    CoreIndicator(
        "legal_cooperatives", Label("Koperasi berbadan hukum", "Cooperatives with legal status"),
        "cooperative", Level.COOPERATIVE, Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN,
        _legal_cooperatives,
    ),
    CoreIndicator(
        "income_per_capita", Label("Pendapatan per kapita", "Income per capita"), "IDR/month",
        Level.MEMBER, Aggregation.RATIO_OF_SUMS, Direction.HIGHER, Kind.NUMBER,
        _income_per_capita,
        description=Label(
            "Jumlah pendapatan rumah tangga dibagi jumlah anggota rumah tangga (rasio jumlah).",
            "Total household income over total household members (a ratio of sums).",
        ),
    ),
    CoreIndicator(
        "income_change_pct", Label("Perubahan pendapatan (%)", "Income change (%)"), "percent",
        Level.MEMBER, Aggregation.RATIO_OF_SUMS, Direction.HIGHER, Kind.NUMBER, _income_change,
        description=Label(
            "Perubahan rata-rata pendapatan mitra yang disurvei pada data awal dan putaran ini "
            "saja (berpasangan), dalam persen dari data awal.",
            "Change of mean income of the members surveyed both at baseline and in this round "
            "(paired only), in percent of the baseline.",
        ),
        needs_baseline=True,
    ),
    _poverty("poverty_headcount", "p0", "Persentase penduduk miskin (P0)", "Headcount (P0)"),
    _poverty("poverty_gap", "p1", "Indeks kedalaman kemiskinan (P1)", "Poverty gap index (P1)"),
    _poverty("poverty_severity", "p2", "Indeks keparahan kemiskinan (P2)", "Poverty severity (P2)"),
)  # fmt: skip
"""The core indicators (codes: members, household_members, groups, active_groups,
active_group_share, legal_cooperatives, income_per_capita, income_change_pct, poverty_headcount,
poverty_gap, poverty_severity)."""
