"""The core indicators every program has, whatever its sectors, and the per-round unit frame.

Counts come from the program itself (members active on the round's date, groups, cooperatives
with legal status); income and poverty come from the core variables of the observations.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from attrs import define, field, frozen

from klaster.cluster import Cluster
from klaster.errors import NotFoundError
from klaster.indicator import Aggregation, Direction
from klaster.label import Label
from klaster.measurement.evaluate import Kind
from klaster.measurement.na import NotAvailable
from klaster.measurement.observations import Observations
from klaster.measurement.poverty_lines import PovertyLines
from klaster.measurement.rounds import Round
from klaster.region import RegionLevel
from klaster.variable import Level

__all__ = ["CORE_INDICATORS", "CoreIndicator", "UnitFrame"]

Items = tuple[tuple[str, ...], list[tuple[Any, ...]]]


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

    def __attrs_post_init__(self) -> None:
        for kecamatan in self.cluster.region.at_level(RegionLevel.KECAMATAN):
            for desa in kecamatan.children:
                for key in (desa.name.casefold(), desa.code):
                    if key:
                        self._villages[key] = (kecamatan.name, desa.name)

    def for_baseline(self) -> UnitFrame:
        """The same units, read in the baseline round (the caller aligns them)."""
        return _BaselineFrame(self)

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        """Units surveyed in the round at ``level``."""
        return self.observations.units(self.round.id, level)

    def column(self, code: str, level: Level, units: Sequence[str] | None = None) -> list[Any]:
        """Values of variable ``code`` for ``units`` (default: surveyed units), ``None`` if missing.

        Integers come back as ``Decimal`` so that formulas divide exactly; a member's household
        size falls back to the member record when the round did not record it.
        """
        wanted = self.unit_ids(level) if units is None else tuple(units)
        variable = self.observations.variable(code)
        if variable.level is not level:
            raise NotFoundError(f"{code!r} is a {variable.level.value} variable, not {level.value}")
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
        cluster = (self.cluster.id,)
        dims: dict[str, list[tuple[str, ...]]] = {"cluster": [cluster] * len(units)}
        if level is Level.MEMBER:
            members = [self.cluster.members.get(u) for u in units]
            places = [self._villages.get(m.village.casefold()) if m else None for m in members]
            dims["sector"] = [(m.sector,) if m else () for m in members]
            dims["sex"] = [(m.sex.value,) if m else () for m in members]
            dims["business_type"] = [
                (m.business_type,) if m and m.business_type else () for m in members
            ]
            dims["kecamatan"] = [(p[0],) if p else () for p in places]
            dims["desa"] = [(p[1],) if p else () for p in places]
            of_member = self._groups_by_member()
            dims["group"] = [of_member.get(u, ()) for u in units]
        elif level is Level.GROUP:
            groups = [self.cluster.groups.get(u) for u in units]
            dims["sector"] = [(g.sector,) if g else () for g in groups]
        return dims

    def _groups_by_member(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for group in self.cluster.groups:
            for member_id in group.member_ids(self.round.on):
                found.setdefault(member_id, []).append(group.id)
        return {k: tuple(v) for k, v in found.items()}


class _BaselineFrame(UnitFrame):
    """Reads the baseline round but keeps the current round's units (for ``baseline(x)``)."""

    def __init__(self, current: UnitFrame) -> None:
        assert current.baseline is not None
        super().__init__(
            current.cluster, current.baseline, current.observations, None, current.lines
        )
        self.current = current

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        return self.current.unit_ids(level)


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
    description: Label | None = None


def _active_members(frame: UnitFrame) -> tuple[str, ...]:
    return tuple(m.id for m in frame.cluster.members if m.is_active(frame.round.on))


def _members(frame: UnitFrame) -> Items:
    units = _active_members(frame)
    return units, [(True,)] * len(units)


def _household_members(frame: UnitFrame) -> Items:
    units = _active_members(frame)
    sizes = frame.column("household_size", Level.MEMBER, units)
    return units, [(v,) for v in sizes]


def _existing_groups(on: _dt.date, frame: UnitFrame) -> tuple[str, ...]:
    return tuple(
        g.id
        for g in frame.cluster.groups
        if g.formed <= on and (g.dissolved is None or on < g.dissolved)
    )


def _groups(frame: UnitFrame) -> Items:
    units = _existing_groups(frame.round.on, frame)
    return units, [(True,)] * len(units)


def _active_groups(frame: UnitFrame) -> Items:
    units = _existing_groups(frame.round.on, frame)
    groups = frame.cluster.groups
    return units, [(groups[g].is_active(frame.round.on),) for g in units]


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
    kabupaten = frame.cluster.region.at_level(RegionLevel.KABUPATEN)
    area = kabupaten[0].code if kabupaten and kabupaten[0].code else "national"
    match = frame.lines.lookup(area, frame.round.on)
    line: Any = match if isinstance(match, NotAvailable) else match.rupiah
    per_capita = [
        None if i is None or s is None or s == 0 else i / s
        for i, s in zip(income, sizes, strict=True)
    ]
    return units, [(pc, line, s) for pc, s in zip(per_capita, sizes, strict=True)]


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
    ),
    _poverty("poverty_headcount", "p0", "Persentase penduduk miskin (P0)", "Headcount (P0)"),
    _poverty("poverty_gap", "p1", "Indeks kedalaman kemiskinan (P1)", "Poverty gap index (P1)"),
    _poverty("poverty_severity", "p2", "Indeks keparahan kemiskinan (P2)", "Poverty severity (P2)"),
)  # fmt: skip
"""The core indicators (codes: members, household_members, groups, active_groups,
active_group_share, legal_cooperatives, income_per_capita, income_change_pct, poverty_headcount,
poverty_gap, poverty_severity)."""
