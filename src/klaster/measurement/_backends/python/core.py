"""The core and welfare indicators' report inputs as exact scaled integers.

For each core indicator that a report can add up on integers, a reader gives the frame's units
and their values as :class:`~klaster.measurement._backends.python.fixedpoint.Scaled` columns (pairs
for ratios,
:class:`~klaster.measurement._backends.partials.PovertyInputs` for FGT): the same values the
indicator's
``items`` give as ``Decimal``, without a ``Decimal`` per unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klaster.catalogue.variable import Level
from klaster.measurement._backends.partials import PovertyInputs
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled, literal
from klaster.measurement._backends.python.welfare import place, scale_index, shares_in
from klaster.measurement.core_indicators import frame_poverty_line
from klaster.measurement.mentoring_indicators import WINDOW_MONTHS, mentoring_values
from klaster.measurement.methods.cibest import CibestConfig, MaterialLine
from klaster.measurement.na import NotAvailable
from klaster.measurement.unit_frame import UnitFrame
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS

__all__ = ["FIXED_ITEMS", "cibest_placement", "default_cibest"]

Reader = Callable[[UnitFrame], tuple[tuple[str, ...], Any]]


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
    line = frame_poverty_line(frame)
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


def default_cibest(line: Any) -> CibestConfig:
    """The CIBEST settings of the engine's quadrant indicators for a round's poverty line."""
    return CibestConfig(MaterialLine.poverty_line(line, "poverty line of the round"))


def cibest_placement(frame: UnitFrame) -> list[int | None]:
    """Each surveyed member's CIBEST quadrant index (see ``_welfare_fixed.QUADRANTS``)."""
    found = frame.cache.get("cibest")
    if found is None:
        units = frame.unit_ids(Level.MEMBER)
        line = frame_poverty_line(frame)
        if isinstance(line, NotAvailable):
            found = [None] * len(units)
        else:
            found = place(
                frame.scaled("monthly_income", Level.MEMBER),
                frame.scaled("household_size", Level.MEMBER).values,
                [frame.scaled(code, Level.MEMBER) for code in CIBEST_ITEMS],
                default_cibest(line),
                None,
            )
        frame.cache["cibest"] = found
    return found


def _share_in(quadrant: int) -> Reader:
    def read(frame: UnitFrame) -> tuple[tuple[str, ...], Scaled]:
        return frame.unit_ids(Level.MEMBER), shares_in(cibest_placement(frame), quadrant)

    return read


def _social_capital(frame: UnitFrame) -> tuple[tuple[str, ...], Scaled]:
    answers = [frame.scaled(code, Level.MEMBER) for code in SOCIAL_CAPITAL_ITEMS]
    return frame.unit_ids(Level.MEMBER), scale_index(SOCIAL_CAPITAL_SCALE, answers)


def _mentoring_visits(frame: UnitFrame) -> tuple[tuple[str, ...], Any]:
    v = mentoring_values(frame)
    n = len(v.members)
    if not v.logged:
        nothing = Scaled([None] * n, 0, 0, NUMBER)
        return v.members, (nothing, nothing)
    visits = Scaled(v.visits, 0, max(v.visits, default=0), NUMBER)
    return v.members, (visits, Scaled([WINDOW_MONTHS] * n, 0, WINDOW_MONTHS, NUMBER))


def _mentoring_days(frame: UnitFrame) -> tuple[tuple[str, ...], Scaled]:
    v = mentoring_values(frame)
    on = frame.round.on.toordinal()
    if not v.logged:
        return v.members, Scaled([None] * len(v.members), 0, 0, NUMBER)
    days = [None if d is None else on - d for d in v.last]
    return v.members, Scaled(days, 0, max(filter(None, days), default=0), NUMBER)


FIXED_ITEMS: dict[str, Reader] = {
    "household_members": _fixed_household_members,
    "income_per_capita": _fixed_income_per_capita,
    "income_change_pct": _fixed_income_change,
    "poverty_headcount": _fixed_poverty,
    "poverty_gap": _fixed_poverty,
    "poverty_severity": _fixed_poverty,
    "cibest_welfare": _share_in(0),
    "cibest_material_poverty": _share_in(1),
    "cibest_spiritual_poverty": _share_in(2),
    "cibest_absolute_poverty": _share_in(3),
    "social_capital_index": _social_capital,
    "visits_per_member_month": _mentoring_visits,
    "days_since_last_visit": _mentoring_days,
}
"""Core indicators whose report inputs are read as scaled integers (``_fixedpoint``)."""
