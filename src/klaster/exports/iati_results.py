"""The results framework as IATI results: outcomes and outputs, indicators, baselines, periods.

Each result of the framework's current version becomes a ``result`` (outcome 2, output 1) on
the activity its targets are for: a cluster's targets on the cluster's activity, program targets
(and indicators without targets) on the program's. An indicator's measure is a percentage (2)
when its unit is ``%``, a unit (1) otherwise; ``ascending`` is its :class:`Direction` (higher is
better → ``1``). Its baseline is written with the baseline's date (else the activity's start)
for the year the schema requires. Targets become periods: a target for a period keeps its days;
a target for a survey round runs from the activity's start to the round's date (else the
activity's end). A disaggregated target carries its categories as ``dimension`` s; the actual
beside it is the assessed figure (:func:`klaster.measurement.assess`, rounded half-even to four
decimals), with its status as the comment, or is left out when there is none yet.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from xml.etree.ElementTree import Element

from attrs import frozen

from klaster.exports.iati_xml import date_text, decimal_text, element, label_narratives, narrative
from klaster.label import Label
from klaster.model.results_framework import Result, ResultIndicator, ResultsFramework, Target

__all__ = ["Actual", "IndicatorInfo", "ResultScope", "write_results"]

_RESULT_TYPE = {"output": "1", "outcome": "2"}
_SHOWN = Decimal("0.0001")  # an actual's figure is exact to 18 places; four are shown


@frozen
class IndicatorInfo:
    """What the export needs to know of an indicator of the catalogue.

    Args:
        name: Bilingual name.
        ascending: Whether higher values are better.
        unit: Its unit (``"%"`` makes the measure a percentage).
    """

    name: Label
    ascending: bool
    unit: str | None


@frozen
class Actual:
    """An assessed actual beside a target.

    Args:
        value: The figure.
        on: The date of the round it was measured in, if any.
        status: The target's status in words.
    """

    value: Decimal | None
    on: _dt.date | None
    status: Label


@frozen
class ResultScope:
    """Which activity the results are written for, and the dates its periods fall back on.

    Args:
        cluster_id: The cluster, or ``None`` for the program.
        start: The activity's start (a round target's period start, the baseline's year).
        end: The activity's end (a round target's period end before the round is surveyed).
        fallback: The day used when the activity has neither (the export's date).
    """

    cluster_id: str | None
    start: _dt.date | None
    end: _dt.date | None
    fallback: _dt.date


ActualKey = tuple[
    str, str, str | None, tuple[tuple[str, str], ...], _dt.date | None, _dt.date | None, str | None
]
"""(result ID, indicator, cluster, disaggregation, start, end, round key) of a target."""


def target_key(result: Result, indicator: ResultIndicator, target: Target) -> ActualKey:
    """The key under which a target's actual is looked up."""
    return (
        result.id,
        indicator.indicator,
        target.cluster_id,
        target.by,
        target.start,
        target.end,
        target.round_key,
    )


def write_results(
    activity: Element,
    framework: ResultsFramework | None,
    scope: ResultScope,
    indicators: Mapping[str, IndicatorInfo],
    actuals: Mapping[ActualKey, Actual],
) -> None:
    """Append a ``result`` per result with an indicator for this activity."""
    if framework is None:
        return
    for result in framework.results:
        chosen = [
            (indicator, [t for t in indicator.targets if t.cluster_id == scope.cluster_id])
            for indicator in result.indicators
        ]
        chosen = [
            (indicator, targets)
            for indicator, targets in chosen
            if targets or (scope.cluster_id is None and not indicator.targets)
        ]
        if not chosen:
            continue
        node = element(activity, "result", type=_RESULT_TYPE[result.level.value])
        title = element(node, "title")
        narrative(title, result.statement, "id")
        if result.statement_en is not None:
            narrative(title, result.statement_en, "en")
        for indicator, targets in chosen:
            _indicator(node, result, indicator, targets, scope, indicators, actuals)


def _indicator(
    node: Element,
    result: Result,
    indicator: ResultIndicator,
    targets: Sequence[Target],
    scope: ResultScope,
    indicators: Mapping[str, IndicatorInfo],
    actuals: Mapping[ActualKey, Actual],
) -> None:
    info = indicators[indicator.indicator]
    unit = indicator.unit or info.unit
    written = element(
        node,
        "indicator",
        measure="2" if unit == "%" else "1",
        ascending="1" if info.ascending else "0",
    )
    label_narratives(element(written, "title"), info.name)
    if indicator.baseline is not None:
        day = indicator.baseline_on or scope.start or scope.fallback
        attributes = {"year": str(day.year), "value": decimal_text(indicator.baseline)}
        if indicator.baseline_on is not None:
            attributes["iso_date"] = date_text(indicator.baseline_on)
        element(written, "baseline", **attributes)
    periods: dict[tuple[_dt.date, _dt.date], list[tuple[Target, Actual | None]]] = {}
    for target in targets:
        actual = actuals.get(target_key(result, indicator, target))
        periods.setdefault(_period(target, actual, scope), []).append((target, actual))
    for (start, end), items in periods.items():
        period = element(written, "period")
        element(period, "period-start", iso_date=date_text(start))
        element(period, "period-end", iso_date=date_text(end))
        for target, _actual in items:
            _dimensions(element(period, "target", value=decimal_text(target.value)), target)
        for target, actual in items:
            if actual is None or actual.value is None:
                continue
            shown = actual.value.quantize(_SHOWN, rounding=ROUND_HALF_EVEN)
            measured = element(period, "actual", value=decimal_text(shown))
            _dimensions(measured, target)
            label_narratives(element(measured, "comment"), actual.status)


def _period(target: Target, actual: Actual | None, scope: ResultScope) -> tuple[_dt.date, _dt.date]:
    if target.start is not None and target.end is not None:
        return target.start, target.end
    end = (actual.on if actual is not None else None) or scope.end or scope.fallback
    start = scope.start or end
    return min(start, end), end


def _dimensions(parent: Element, target: Target) -> None:
    for name, value in target.by:
        element(parent, "dimension", name=name, value=value)
