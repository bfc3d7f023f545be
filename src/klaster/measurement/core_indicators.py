"""The core indicators every program has, whatever its sectors.

Counts come from the program itself (members active on the round's date, groups, cooperatives
with legal status); income and poverty come from the core variables of the observations. The
per-round :class:`UnitFrame` they read lives in :mod:`klaster.measurement.unit_frame` (and stays
importable from here).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from attrs import frozen

from klaster.catalogue.display import Display, DisplayKind
from klaster.catalogue.indicator import Aggregation, Direction, shown_as
from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError
from klaster.label import Label
from klaster.measurement.compiler import Kind
from klaster.measurement.na import NotAvailable
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.region import RegionLevel

__all__ = ["CORE_INDICATORS", "CoreIndicator", "UnitFrame", "recorded_group_activity"]

Items = tuple[tuple[str, ...], list[tuple[Any, ...]]]


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
        unavailable: ``unavailable(frame)`` → why the indicator has no figure in a frame's
            cluster (e.g. no mentoring visit logged), or ``None``; the cluster's cells say so.
        display: How a table shows its figures (default: from unit and aggregation).
        reads: The observation variables its values read on any backend (in any round), for
            :func:`klaster.measurement.variables_needed`.
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
    unavailable: Callable[[UnitFrame], NotAvailable | None] | None = None
    display: Display | None = None
    reads: frozenset[str] = frozenset()

    @property
    def shown_as(self) -> Display:
        """How a table shows its figures (as :attr:`klaster.catalogue.Indicator.shown_as`)."""
        if self.display is not None:
            return self.display
        return shown_as(self.unit, self.aggregation, None, None)


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
    found = frame.shared.get("group_spells")
    if found is None:
        found = frame.shared["group_spells"] = [
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


def recorded_group_activity(frame: UnitFrame) -> dict[str, bool]:
    """The ``group_active`` values recorded in the frame's round, by group ID (recorded only).

    Groups surveyed without a value, and every group when the catalogue has no ``group_active``
    variable, are absent: for them the roster rule decides (see ``active_groups``).
    """
    found: dict[str, bool] | None = frame.cache.get("group_active")
    if found is None:
        try:
            values = frame.scaled("group_active", Level.GROUP).values
        except NotFoundError:  # a catalogue without the core group variables
            values = []
        units = frame.unit_ids(Level.GROUP) if values else ()
        found = frame.cache["group_active"] = {
            unit: bool(value)
            for unit, value in zip(units, values, strict=True)
            if value is not None
        }
    return found


def _active_groups(frame: UnitFrame) -> Items:
    # What the field team recorded wins (a group can stop meeting while its roster stays);
    # a group without a recorded value in the round is active when a membership spell covers
    # the round's date (Group.is_active).
    on = frame.round.on
    recorded = recorded_group_activity(frame)
    units = []
    active = []
    for group, formed, dissolved, open_from, closed in _group_spells(frame):
        if formed <= on and (dissolved is None or on < dissolved):
            units.append(group)
            said = recorded.get(group)
            if said is not None:
                active.append((said,))
                continue
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
    line = frame_poverty_line(frame)
    per_capita = [
        None if i is None or s is None or s == 0 else i / s
        for i, s in zip(income, sizes, strict=True)
    ]
    return units, [(pc, line, s) for pc, s in zip(per_capita, sizes, strict=True)]


def frame_poverty_line(frame: UnitFrame) -> Any:
    """The poverty line a frame's round is measured against, or why there is none (internal).

    The per-capita line of the cluster's kabupaten (else province, national) on the date.
    """
    found = frame.cache.get("line")
    if found is None:
        match = frame.lines.lookup(_line_area(frame), frame.round.on)
        found = frame.cache["line"] = match if isinstance(match, NotAvailable) else match.rupiah
    return found


def frame_poverty_lines(frames: Sequence[UnitFrame]) -> list[Any]:
    """:func:`frame_poverty_line` of each frame, looked up once per area and date (internal).

    A round key's thousand frames share a few areas with lines (a kabupaten without one is
    measured against its province's or the nation's: :meth:`PovertyLines.searched_from`) and
    survey months, and a line found depends on that area and the month only (a missing one's
    reason names the date: looked up per frame).
    """
    found: dict[tuple[int, str | None, int, int], Any] = {}
    out = []
    for frame in frames:
        line = frame.cache.get("line")
        if line is None:
            on = frame.round.on
            # The area searched from is the cluster's for every round (one search per cluster).
            searched = frame.shared.get("line_searched")
            if searched is None or searched[0] is not frame.lines:
                searched = (frame.lines, frame.lines.searched_from(_line_area(frame)))
                frame.shared["line_searched"] = searched
            key = (id(frame.lines), searched[1], on.year, on.month)
            line = found.get(key)
            if line is None or isinstance(line, NotAvailable):
                line = found[key] = frame_poverty_line(frame)
            frame.cache["line"] = line
        out.append(line)
    return out


def _line_area(frame: UnitFrame) -> str:
    """The area whose line a frame is measured against: its kabupaten (else the nation)."""
    found = frame.shared.get("line_area")  # (one region walk per cluster, not per round)
    if found is None:
        kabupaten = frame.cluster.region.at_level(RegionLevel.KABUPATEN)
        found = kabupaten[0].code if kabupaten and kabupaten[0].code else "national"
        frame.shared["line_area"] = found
    return found


_INCOME_AND_SIZE = frozenset({"monthly_income", "household_size"})


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
        reads=_INCOME_AND_SIZE,
        # P0 is a share of people (BPS publishes it in percent); P1 and P2 are indices.
        display=Display(DisplayKind.PERCENT, 1)
        if measure == "p0"
        else Display(DisplayKind.NUMBER, 3),
        description=Label(
            f"FGT {measure.upper()} pendapatan per kapita terhadap garis kemiskinan kabupaten "
            "(atau provinsi/nasional), tertimbang jumlah anggota rumah tangga.",
            f"FGT {measure.upper()} of per-capita income against the kabupaten (else province "
            "or national) line, weighted by household size.",
        ),
    )


_ACTIVE = Label(
    "Kelompok yang ada pada tanggal putaran; aktif menurut nilai group_active yang dicatat pada "
    "putaran itu, atau, bila tidak dicatat, bila ada anggota pada tanggal itu.",
    "Groups existing on the round date; active as the group_active value recorded in that round "
    "says, or, where none was recorded, when the group has a member on that date.",
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
        reads=frozenset({"household_size"}),  # recorded in the round, else the member record's
    ),
    CoreIndicator(
        "groups", Label("Jumlah kelompok", "Groups"), "group", Level.GROUP,
        Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN, _groups,
    ),
    CoreIndicator(
        "active_groups", Label("Kelompok aktif", "Active groups"), "group", Level.GROUP,
        Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN, _active_groups,
        description=_ACTIVE, reads=frozenset({"group_active"}),
    ),
    CoreIndicator(
        "active_group_share", Label("Bagian kelompok aktif", "Share of groups active"), "ratio",
        Level.GROUP, Aggregation.SHARE_MEETING, Direction.HIGHER, Kind.BOOLEAN, _active_groups,
        description=_ACTIVE, reads=frozenset({"group_active"}),
    ),
    CoreIndicator(
        "legal_cooperatives", Label("Koperasi berbadan hukum", "Cooperatives with legal status"),
        "cooperative", Level.COOPERATIVE, Aggregation.COUNT, Direction.HIGHER, Kind.BOOLEAN,
        _legal_cooperatives,
    ),
    CoreIndicator(
        "income_per_capita", Label("Pendapatan per kapita", "Income per capita"), "IDR/month",
        Level.MEMBER, Aggregation.RATIO_OF_SUMS, Direction.HIGHER, Kind.NUMBER,
        _income_per_capita, reads=_INCOME_AND_SIZE,
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
        needs_baseline=True, reads=frozenset({"monthly_income"}),  # this round's and baseline's
    ),
    _poverty("poverty_headcount", "p0", "Persentase penduduk miskin (P0)", "Headcount (P0)"),
    _poverty("poverty_gap", "p1", "Indeks kedalaman kemiskinan (P1)", "Poverty gap index (P1)"),
    _poverty("poverty_severity", "p2", "Indeks keparahan kemiskinan (P2)", "Poverty severity (P2)"),
)  # fmt: skip
"""The core indicators (codes: members, household_members, groups, active_groups,
active_group_share, legal_cooperatives, income_per_capita, income_change_pct, poverty_headcount,
poverty_gap, poverty_severity)."""
