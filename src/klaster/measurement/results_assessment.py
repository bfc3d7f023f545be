"""The results framework assessed: each target beside the measured actual, with a stated rule.

:func:`assess` reads the program's framework (``program.results``), computes the indicators it
names with the :class:`~klaster.measurement.Measurement` (total, cluster and the target's
disaggregation) and judges each target:

* **achieved** — the actual meets the target in the indicator's direction (``≥`` when higher is
  better, ``≤`` when lower is);
* **off track** — a round target not met at that round; a period target not met when the period
  has ended; or, during the period, progress from the baseline behind time:
  ``actual − baseline < elapsed share × (target − baseline)`` (for *lower is better* the
  inequality turns round), the elapsed share being the days from the period's start to the
  actual's round over the period's days;
* **on track** — during the period, progress at least that share;
* **not yet due** — a period that starts after the assessment date, a round not recorded yet;
* **not available** — no figure (the reason is given), or no baseline to judge progress by.

The actual of a period target is the figure of the latest round dated in the period, on or
before the assessment date (a cluster's round date; the program's is its clusters' latest).

**Program level, rolled up from clusters.** The program's actual is the measurement's program
total. Its target is the stated program target; without one, the clusters' targets for the same
period and disaggregation are rolled up as the indicator aggregates: **summed** for ``sum`` and
``count`` indicators, their plain **mean** for the others (means, medians, shares, ratios) — an
unweighted mean, stated in ``target_source``. A roll-up needs a target for every cluster.

The baseline of a row is the figure of its cell in the indicator's ``baseline_round`` when that
round has one; otherwise the stated ``baseline``, which is the program total's.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from klaster.catalogue.indicator import Aggregation, Direction
from klaster.errors import NotFoundError, ValidationError
from klaster.measurement._frames import round_keys
from klaster.measurement.engine import DIMENSIONS, Measurement
from klaster.measurement.na import NotAvailable
from klaster.measurement.rows import Row
from klaster.measurement.target_rows import TargetRow, TargetStatus, TargetTable
from klaster.model.results_framework import ResultIndicator, ResultsFramework, Target

__all__ = ["assess", "check_framework"]

_SUMMED = (Aggregation.SUM, Aggregation.COUNT)
_Cell = tuple[str, str, tuple[tuple[str, str], ...]]  # indicator, round key, by (with cluster)


def check_framework(framework: ResultsFramework, codes: Any, where: str) -> None:
    """Refuse indicator codes the catalogue does not have and dimensions the engine does not.

    Args:
        framework: The framework version.
        codes: The known indicator codes (``Measurement.codes()``).
        where: Its path (``results.versions[0]``).

    Raises:
        NotFoundError: An unknown indicator (with the closest codes: "did you mean").
        ValidationError: An unknown disaggregation dimension.
    """
    known = list(codes)
    for r, result in enumerate(framework.results):
        for i, indicator in enumerate(result.indicators):
            path = f"{where}.results[{r}].indicators[{i}]"
            if indicator.indicator not in known:
                raise NotFoundError(unknown_indicator(indicator.indicator, known), path=path)
            for t, target in enumerate(indicator.targets):
                for dim, _ in target.by:
                    if dim not in DIMENSIONS:
                        raise ValidationError(
                            f"unknown dimension {dim!r}; use one of "
                            f"{', '.join(d for d in DIMENSIONS if d != 'cluster')}",
                            path=f"{path}.targets[{t}].by.{dim}",
                        )


def unknown_indicator(code: str, known: list[str]) -> str:
    """The message for an unknown indicator code, with the closest known codes."""
    close = difflib.get_close_matches(code, known, n=3)
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "known: " + ", ".join(known)
    return f"unknown indicator {code!r}; {hint}"


def assess(
    measurement: Measurement, *, on: _dt.date | None = None, version: int | None = None
) -> TargetTable:
    """Judge every target of the program's results framework against the measured actuals.

    Args:
        measurement: The engine, over the program whose framework is judged.
        on: The assessment date (default: the latest round's date in the observations).
        version: The framework version (default: the current one).

    Returns:
        A :class:`~klaster.measurement.target_rows.TargetTable`; empty without a framework.

    Raises:
        NotFoundError: An unknown indicator code (located, with "did you mean") or version.
        ValidationError: An unknown disaggregation dimension (located).
    """
    history = measurement.program.results
    if not history:
        return TargetTable()
    index = len(history) - 1 if version is None else version - 1
    if not 0 <= index < len(history):
        raise NotFoundError(f"no framework version {version}; versions 1 to {len(history)}")
    framework = history.versions[index]
    check_framework(framework, measurement.codes(), f"results.versions[{index}]")
    dates = _round_dates(measurement)
    if on is None:
        on = max((d for by in dates.values() for d in by.values()), default=_dt.date.today())
    cells = _actuals(measurement, framework)
    judge = _Judge(measurement, cells, dates, on)
    return TargetTable(row for row in judge.framework(framework))


def _round_dates(measurement: Measurement) -> dict[str | None, dict[str, _dt.date]]:
    # Round key → date per cluster, and for the program (None) the clusters' latest.
    found: dict[str | None, dict[str, _dt.date]] = {None: {}}
    obs = measurement.observations
    for cluster in measurement.program.clusters:
        rounds = obs.rounds(cluster.id)
        by_id = {r.id: r for r in rounds}
        keys = {key: by_id[rid].on for rid, key in round_keys(rounds).items()}
        found[cluster.id] = keys
        for key, day in keys.items():
            found[None][key] = max(day, found[None].get(key, day))
    return found


def _actuals(measurement: Measurement, framework: ResultsFramework) -> dict[_Cell, Row]:
    codes = list(dict.fromkeys(i.indicator for r in framework.results for i in r.indicators))
    specs: set[tuple[str, ...]] = {(), ("cluster",)}
    for result in framework.results:
        for indicator in result.indicators:
            for target in indicator.targets:
                dims = tuple(d for d, _ in target.by)
                specs.update({dims, ("cluster", *dims)})
    if not codes:
        return {}
    report = measurement.report(codes, by=sorted(specs, key=lambda s: (len(s), s)))
    return {(row.indicator, row.round_id or "", tuple(sorted(row.by))): row for row in report}


class _Judge:
    def __init__(
        self,
        measurement: Measurement,
        cells: dict[_Cell, Row],
        dates: dict[str | None, dict[str, _dt.date]],
        on: _dt.date,
    ) -> None:
        self.measurement, self.cells, self.dates, self.on = measurement, cells, dates, on
        self.clusters = measurement.program.clusters.ids()

    def framework(self, framework: ResultsFramework) -> Iterator[TargetRow]:
        for result in framework.results:
            head = (framework.version, result.id, result.level.value, result.statement)
            for indicator in result.indicators:
                for row in self.indicator(indicator):
                    yield TargetRow(*head, result.statement_en, *row)

    def indicator(self, spec: ResultIndicator) -> Iterator[tuple[Any, ...]]:
        found = self.measurement.indicator(spec.indicator)
        summed = found.aggregation in _SUMMED
        stated = {(t.start, t.end, t.round_key, t.by) for t in spec.targets if t.cluster_id is None}
        rolled: dict[tuple[Any, ...], list[Target]] = {}
        for target in spec.targets:
            yield self.row(spec, target, target.value, "stated", found.direction)
            key = (target.start, target.end, target.round_key, target.by)
            if target.cluster_id is not None and key not in stated:
                rolled.setdefault(key, []).append(target)
        for (start, end, round_key, by), targets in rolled.items():
            ids = {t.cluster_id for t in targets}
            shell = Target(0, start, end, round_key, by)
            missing = [c for c in self.clusters if c not in ids]
            if missing:
                yield self.row(
                    spec, shell, None, f"no target for cluster(s) {', '.join(missing)}",
                    found.direction,
                )  # fmt: skip
                continue
            values = [t.value for t in targets]
            total = sum(values, Decimal(0))
            value = total if summed else total / len(values)
            how = "sum" if summed else "mean"
            source = f"{how} of {len(values)} cluster targets ({found.aggregation.value})"
            yield self.row(spec, shell, value, source, found.direction)

    def row(
        self,
        spec: ResultIndicator,
        target: Target,
        value: Decimal | None,
        source: str,
        direction: Direction,
    ) -> tuple[Any, ...]:
        code, cluster = spec.indicator, target.cluster_id
        cell_by = tuple(sorted((*target.by, *((("cluster", cluster),) if cluster else ()))))
        key, day = self._round(target, cluster)
        actual_row = None if key is None else self.cells.get((code, key, cell_by))
        actual = None if actual_row is None else actual_row.value
        baseline = self._baseline(spec, cell_by)
        status, rule = (
            (TargetStatus.NOT_AVAILABLE, f"not available: the program target: {source}")
            if value is None
            else _status(target, value, baseline, actual, key, day, direction, self.on)
        )
        return (
            code, actual_row.label if actual_row else self.measurement.indicator(code).name,
            cluster, target.by, target.start, target.end, target.round_key, value, source,
            baseline, actual, key, day, status, rule,
        )  # fmt: skip

    def _round(self, target: Target, cluster: str | None) -> tuple[str | None, _dt.date | None]:
        dates = self.dates.get(cluster, {})
        if target.round_key is not None:
            return target.round_key, dates.get(target.round_key)
        assert target.start is not None
        assert target.end is not None
        inside = [
            (day, key)
            for key, day in dates.items()
            if target.start <= day <= min(target.end, self.on)
        ]
        if not inside:
            return None, None
        day, key = max(inside)
        return key, day

    def _baseline(self, spec: ResultIndicator, cell_by: tuple[tuple[str, str], ...]) -> Any:
        # The cell's figure in the baseline round when there is one; else the stated baseline,
        # which is the program total's.
        if spec.baseline_round is not None:
            found = self.cells.get((spec.indicator, spec.baseline_round, cell_by))
            if found is not None and found.available:
                return found.value
        return spec.baseline if not cell_by else None


def _meets(actual: Decimal, target: Decimal, direction: Direction) -> bool:
    return actual >= target if direction is Direction.HIGHER else actual <= target


def _status(
    target: Target,
    value: Decimal,
    baseline: Decimal | None,
    actual: Decimal | NotAvailable | None,
    key: str | None,
    day: _dt.date | None,
    direction: Direction,
    on: _dt.date,
) -> tuple[TargetStatus, str]:
    sign = "≥" if direction is Direction.HIGHER else "≤"
    better = "higher" if direction is Direction.HIGHER else "lower"
    if actual is None:
        if target.round_key is not None and day is not None:
            return (
                TargetStatus.NOT_AVAILABLE,
                f"not available: the {target.round_key} round has no figure for this cell",
            )
        if target.round_key is not None:
            return TargetStatus.NOT_YET_DUE, f"not yet due: no {target.round_key} round yet"
        assert target.start is not None
        if on < target.start:
            return TargetStatus.NOT_YET_DUE, f"not yet due: the period starts on {target.start}"
        return TargetStatus.NOT_AVAILABLE, "not available: no round dated in the period yet"
    if isinstance(actual, NotAvailable):
        return TargetStatus.NOT_AVAILABLE, f"not available: {actual.reason}"
    if _meets(actual, value, direction):
        return (
            TargetStatus.ACHIEVED,
            f"achieved: actual {_shown(actual)} {sign} target {value} ({better} is better)",
        )
    if target.round_key is not None:
        return (
            TargetStatus.OFF_TRACK,
            f"off track: actual {_shown(actual)} not {sign} target {value} at the {key} round",
        )
    assert target.start is not None
    assert target.end is not None
    assert day is not None
    if on >= target.end:
        return (
            TargetStatus.OFF_TRACK,
            f"off track: the period ended with actual {_shown(actual)} not {sign} target {value}",
        )
    if baseline is None:
        return (
            TargetStatus.NOT_AVAILABLE,
            "not available: no baseline to judge progress within the period by",
        )
    days = (target.end - target.start).days
    share = Decimal(1) if days == 0 else Decimal((day - target.start).days) / Decimal(days)
    progress, needed = actual - baseline, share * (value - baseline)
    ok = _meets(progress, needed, direction)
    shown = (
        f"progress from the baseline {_shown(progress)} {sign if ok else 'not ' + sign} "
        f"elapsed share {share:.2f} × (target − baseline) {value - baseline}"
    )
    if ok:
        return TargetStatus.ON_TRACK, f"on track: {shown}"
    return TargetStatus.OFF_TRACK, f"off track: {shown}"


def _shown(value: Decimal) -> str:
    # The rule text shows 4 decimals at most (the verdict used the exact figure).
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        value = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    return f"{value:f}"
