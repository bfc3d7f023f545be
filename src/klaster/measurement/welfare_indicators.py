"""Core indicators of welfare beyond income: the CIBEST quadrants and the social-capital index.

They read the core variables (household income, the five CIBEST spiritual items, the four
social-capital items) and use the pure functions of :mod:`klaster.measurement.methods.cibest` and
:mod:`klaster.measurement.methods.welfare`, so the engine reports them by round and disaggregation
like
any other indicator.

Defaults, documented in ``docs/poverty.md``: the CIBEST material line is the poverty line the
poverty indicators use (BPS per-capita line of the round, kabupaten → province → national),
times household size; the spiritual line is 3 and a household exactly on either line counts as
poor. The social-capital index scores the four 1–5 items to 0–100 and needs all four answers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klaster.catalogue.indicator import Aggregation, Direction
from klaster.catalogue.variable import Level
from klaster.label import Label
from klaster.measurement.compiler import Kind
from klaster.measurement.core_indicators import CoreIndicator, Items, UnitFrame, frame_poverty_line
from klaster.measurement.methods.cibest import (
    CibestConfig,
    MaterialLine,
    Quadrant,
    SpiritualItem,
    classify,
    spiritual_score,
)
from klaster.measurement.methods.scales import QuestionnaireScale, ScaleItem
from klaster.measurement.na import NotAvailable
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS, core_variables

__all__ = ["SOCIAL_CAPITAL_SCALE", "WELFARE_INDICATORS"]

_ITEMS = tuple(SpiritualItem)


def member_quadrants(frame: UnitFrame) -> tuple[tuple[str, ...], list[Quadrant | None]]:
    """Each surveyed member's CIBEST quadrant in a frame (internal to the indicators)."""
    units = frame.unit_ids(Level.MEMBER)
    income = frame.column("monthly_income", Level.MEMBER, units)
    sizes = frame.column("household_size", Level.MEMBER, units)
    answers = [frame.column(code, Level.MEMBER, units) for code in CIBEST_ITEMS]
    line = frame_poverty_line(frame)
    if isinstance(line, NotAvailable):
        return units, [None] * len(units)
    config = CibestConfig(MaterialLine.poverty_line(line, "poverty line of the round"))
    placed: list[Quadrant | None] = []
    for index, (money, size) in enumerate(zip(income, sizes, strict=True)):
        score = spiritual_score(dict(zip(_ITEMS, (a[index] for a in answers), strict=True)))
        found = classify(money, score, config, int(size) if size is not None else None)
        placed.append(None if isinstance(found, NotAvailable) else found)
    return units, placed


def _share_in(quadrant: Quadrant) -> Any:
    def items(frame: UnitFrame) -> Items:
        units, placed = member_quadrants(frame)
        return units, [(None if q is None else q is quadrant,) for q in placed]

    return items


def _scale() -> QuestionnaireScale:
    variables = core_variables()
    return QuestionnaireScale(
        "social_capital",
        Label("Indeks modal sosial", "Social capital index"),
        [ScaleItem(code, variables[code].label) for code in SOCIAL_CAPITAL_ITEMS],
    )


SOCIAL_CAPITAL_SCALE = _scale()
"""The default scoring of the social-capital items (equal weights, all answers required)."""


def _social_capital(frame: UnitFrame) -> Items:
    units = frame.unit_ids(Level.MEMBER)
    answers = [frame.column(code, Level.MEMBER, units) for code in SOCIAL_CAPITAL_ITEMS]
    values: list[tuple[Any, ...]] = []
    for index in range(len(units)):
        row = {code: a[index] for code, a in zip(SOCIAL_CAPITAL_ITEMS, answers, strict=True)}
        if any(v is None for v in row.values()):
            values.append((None,))
            continue
        score = SOCIAL_CAPITAL_SCALE.score(row, unit=units[index])
        values.append((None if isinstance(score, NotAvailable) else Decimal(score.value),))
    return units, values


def _cibest(quadrant: Quadrant, code: str, direction: Direction) -> CoreIndicator:
    label = quadrant.label
    return CoreIndicator(
        code,
        Label(f"CIBEST {label.id}", f"CIBEST {label.en}"),
        "ratio",
        Level.MEMBER,
        Aggregation.SHARE_MEETING,
        direction,
        Kind.BOOLEAN,
        _share_in(quadrant),
        reads=frozenset({"monthly_income", "household_size", *CIBEST_ITEMS}),
        description=Label(
            "Bagian rumah tangga pada kuadran ini (garis material: garis kemiskinan per kapita × "
            "jumlah anggota rumah tangga; garis spiritual 3).",
            "Share of households in this quadrant (material line: per-capita poverty line × "
            "household size; spiritual line 3).",
        ),
    )


WELFARE_INDICATORS: tuple[CoreIndicator, ...] = (
    _cibest(Quadrant.WELFARE, "cibest_welfare", Direction.HIGHER),
    _cibest(Quadrant.MATERIAL_POVERTY, "cibest_material_poverty", Direction.LOWER),
    _cibest(Quadrant.SPIRITUAL_POVERTY, "cibest_spiritual_poverty", Direction.LOWER),
    _cibest(Quadrant.ABSOLUTE_POVERTY, "cibest_absolute_poverty", Direction.LOWER),
    CoreIndicator(
        "social_capital_index",
        SOCIAL_CAPITAL_SCALE.label,
        "index 0-100",
        Level.MEMBER,
        Aggregation.MEAN,
        Direction.HIGHER,
        Kind.NUMBER,
        _social_capital,
        reads=frozenset(SOCIAL_CAPITAL_ITEMS),
        description=Label(
            "Rata-rata indeks 0–100 dari empat pertanyaan modal sosial (skala 1–5).",
            "Mean 0–100 index of the four social-capital questions (1–5 scale).",
        ),
    ),
)
"""CIBEST indices W, Pm, Ps, Pa (shares of households per quadrant) and the social-capital index."""
