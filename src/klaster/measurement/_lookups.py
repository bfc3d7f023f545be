"""Readiness on the engine's figures: criterion lookups of one round at a level.

A criterion reads an indicator or a variable (a composite criterion, each of its parts: the
evaluation looks them up one by one). At the indicator's own level it reads each unit's
value; at the cluster or group level, the indicator aggregated over the cluster or the group's
members in that round; a sector's cluster criterion, over that sector's units of the cluster.
Every piece of evidence names its round (and its sector, when it is one sector's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.indicator import Aggregation, Indicator
from klaster.catalogue.variable import Level
from klaster.measurement._backends.context import Engine
from klaster.measurement._backends.python import path as python_path
from klaster.measurement._frames import round_keys
from klaster.measurement.core_indicators import CoreIndicator
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.readiness import Evidence, Lookup, Readiness, Rule, evaluate
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round

__all__ = ["lookup", "readiness"]


def readiness(engine: Engine, rule: Rule, round_id: str, level: Level) -> list[Readiness]:
    """``rule`` evaluated for every unit of ``level`` in one cluster's round."""
    rnd = engine.observations.round(round_id)
    cluster = engine.program.clusters[rnd.cluster_id]
    found = lookup(engine, round_id, level)
    if level is Level.CLUSTER:
        units: Sequence[str] = (cluster.id,)
    elif level is Level.GROUP:
        units = cluster.groups.ids()
    elif level is Level.COOPERATIVE:
        units = cluster.cooperatives.ids()
    else:
        units = engine.observations.units(round_id, Level.MEMBER)
    return [evaluate(rule, unit, found) for unit in units]


def lookup(engine: Engine, round_id: str, level: Level) -> Lookup:
    """A criterion lookup reading figures of one round at ``level`` (computed on first use).

    A sector's cluster-level criterion reads the figure of that sector's units (the cluster's
    ``sector`` cell: "farmers' income up more than 50%"), and its evidence names the sector; the
    core's criteria read the whole cluster's figure.
    """
    rnd = engine.observations.round(round_id)
    cache: dict[tuple[str, str | None], dict[str, Any]] = {}

    def figures(code: str, sector: str | None) -> dict[str, Any]:
        if (code, sector) not in cache:
            cache[code, sector] = _figures_at(engine, code, rnd, level, sector)
        return cache[code, sector]

    def find(criterion: ReadinessCriterion, unit_id: str) -> Evidence | NotAvailable:
        reads = criterion.reads
        if reads is None:  # evaluate reads a composite part by part (ReadinessCriterion.parts)
            return bilingual(
                f"criterion {criterion.code!r} combines conditions: read its parts",
                f"kriteria {criterion.code!r} menggabungkan syarat: baca tiap bagiannya",
            )
        if not engine.knows(reads):
            return bilingual(
                f"{reads!r} is not an indicator or variable",
                f"{reads!r} bukan indikator atau variabel",
            )
        sector = _sector_of(engine, criterion, level)
        value = figures(reads, sector).get(unit_id)
        if value is None:
            of = f" for sector {sector!r}" if sector is not None else ""
            of_id = f" untuk sektor {sector!r}" if sector is not None else ""
            return bilingual(
                f"no value of {reads!r}{of} in round {round_id!r}",
                f"tidak ada nilai {reads!r}{of_id} pada putaran {round_id!r}",
            )
        if isinstance(value, NotAvailable):
            return value
        return Evidence(value, round_id, sector)

    return find


def _sector_of(engine: Engine, criterion: ReadinessCriterion, level: Level) -> str | None:
    """The sector whose units a cluster criterion is judged on (``None``: the whole cluster).

    A sector's criterion at cluster level, reading an indicator of members or groups (the units
    that have a sector); the core's criteria, and figures without a sector, read the whole cluster.
    """
    if level is not Level.CLUSTER or criterion.sector == CORE_SECTOR:
        return None
    if criterion.reads not in engine.codes():
        return None
    if engine.indicator(criterion.reads).level not in (Level.MEMBER, Level.GROUP):
        return None
    return criterion.sector


def _figures_at(
    engine: Engine, code: str, rnd: Round, level: Level, sector: str | None = None
) -> dict[str, Any]:
    frame = engine.frame(rnd.id)
    if code not in engine.codes():
        variable = engine.observations.variable(code)
        if variable.level is not level:
            return {}
        units = frame.unit_ids(level)
        return dict(zip(units, frame.column(code, level, units), strict=True))
    indicator = engine.indicator(code)
    if level is indicator.level:
        units, items = python_path.unit_items(engine, indicator, frame)
        hook = indicator.unavailable if isinstance(indicator, CoreIndicator) else None
        why = None if hook is None else hook(frame)
        if why is not None:  # the cluster lacks the data (no mentoring visit logged...)
            return dict.fromkeys(units, why)
        if (
            isinstance(indicator, Indicator)
            and indicator.aggregation is not Aggregation.RATIO_OF_SUMS
        ):
            return {u: item[0] for u, item in zip(units, items, strict=True)}
        return {
            u: python_path.figure(engine, indicator, [item]).value
            for u, item in zip(units, items, strict=True)
        }
    dimension = {Level.CLUSTER: "cluster", Level.GROUP: "group"}.get(level)
    if dimension is None:
        return {}
    key = round_keys(engine.observations.rounds(rnd.cluster_id))[rnd.id]
    if sector is not None:  # the cluster's cell of one sector
        block = python_path.rows(engine, indicator, key, rnd.on, [frame], [("sector",)])
        cells = {dict(c)["sector"]: v for c, v in zip(block.by, block.value, strict=True)}
        return {frame.cluster.id: cells[sector]} if sector in cells else {}
    block = python_path.rows(engine, indicator, key, rnd.on, [frame], [(dimension,)])
    return {dict(c)[dimension]: v for c, v in zip(block.by, block.value, strict=True)}
