"""The indicator engine: a program's observations in, a tidy table of figures out.

:class:`Measurement` gathers the indicators (the core ones, the sector plugins' and any the user
adds), checks every formula when it is registered, evaluates indicators unit by unit for each
survey round and aggregates them by the disaggregations asked for. Rounds are matched across
clusters by kind (``baseline``, ``endline``; ``midline_2``, ``monitoring_3`` when a cluster has
several), so a program-wide endline row combines each cluster's endline.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from attrs import define, field

from klaster.cluster import Cluster
from klaster.criterion import ReadinessCriterion
from klaster.errors import InvalidReferenceError, NotFoundError, ValidationError
from klaster.formula import Binary, Expr, FormulaError
from klaster.indicator import Aggregation, Indicator
from klaster.lifecycle import Guard
from klaster.measurement.aggregate import Figure, aggregate, aggregate_ratio
from klaster.measurement.core_indicators import CORE_INDICATORS, CoreIndicator, UnitFrame
from klaster.measurement.core_variables import CORE_SECTOR
from klaster.measurement.evaluate import Evaluator, Kind, infer_kind
from klaster.measurement.fgt import fgt
from klaster.measurement.na import NotAvailable
from klaster.measurement.observations import Observations
from klaster.measurement.poverty_lines import PovertyLines
from klaster.measurement.readiness import Evidence, Lookup, Readiness, Rule, as_guard, evaluate
from klaster.measurement.results import Results, Row
from klaster.measurement.rounds import Round
from klaster.plugins import get_host
from klaster.program import Program
from klaster.variable import Level, ValueType, Variable

__all__ = ["DIMENSIONS", "Measurement"]

DIMENSIONS = ("cluster", "sector", "sex", "kecamatan", "desa", "business_type", "group")
"""Dimensions a report can be disaggregated by (``group`` only for member-level indicators)."""

_KIND_OF_TYPE = {
    ValueType.DECIMAL: Kind.NUMBER,
    ValueType.INTEGER: Kind.NUMBER,
    ValueType.BOOLEAN: Kind.BOOLEAN,
    ValueType.CATEGORY: Kind.TEXT,
    ValueType.TEXT: Kind.TEXT,
    ValueType.DATE: Kind.DATE,
}


def _round_keys(rounds: Sequence[Round]) -> dict[str, str]:
    # baseline/endline are unique per cluster; later rounds of a repeated kind get a number.
    keys: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for rnd in sorted(rounds, key=lambda r: r.on):
        seen[rnd.kind.value] += 1
        count = seen[rnd.kind.value]
        keys[rnd.id] = rnd.kind.value if count == 1 else f"{rnd.kind.value}_{count}"
    return keys


@define
class Measurement:
    """Computes indicators of a program from its observations.

    Args:
        program: The program (members, groups, cooperatives, regions).
        observations: Its survey rounds and recorded values.
        indicators: Indicators from sector plugins or your own (core indicators are always
            there); each formula is checked against the observations' variables. Default: the
            indicators of the installed sector plugins (:func:`klaster.get_host`).
        poverty_lines: Lines for the poverty indicators (default: the bundled BPS national lines).
        minimum_n: Fewest units behind a figure; fewer gives ``NotAvailable``.

    Example:
        See ``docs/measurement.md`` for a whole program.
    """

    program: Program
    observations: Observations
    indicators: Iterable[Indicator] | None = None
    poverty_lines: PovertyLines = field(factory=PovertyLines.bps_national)
    minimum_n: int = 1
    _by_code: dict[str, Indicator | CoreIndicator] = field(init=False, factory=dict)
    _kinds: dict[str, Kind] = field(init=False, factory=dict)
    _trees: dict[str, Expr] = field(init=False, factory=dict)
    _targets: dict[tuple[str, str], Decimal] = field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        catalogue: Mapping[str, Variable] = self.observations.variables
        self._kinds = {code: _KIND_OF_TYPE[v.type] for code, v in catalogue.items()}
        # Core indicators count units of their own (members active on the date...), so formulas
        # cannot mix them with surveyed units: they are not in _kinds.
        for core in CORE_INDICATORS:
            self._by_code[core.code] = core
        # Indicators may read other indicators: register each after those it reads.
        pending = list(get_host().indicators() if self.indicators is None else self.indicators)
        while pending:
            ready = [i for i in pending if all(r in self._kinds for r in i.references)]
            for indicator in ready or pending[:1]:  # nothing ready: report the first's problem
                self.add_indicator(indicator)
                pending.remove(indicator)

    # -- registration --------------------------------------------------------------------------
    def add_indicator(self, indicator: Indicator) -> Indicator:
        """Register an indicator after checking its formula against the known names.

        Raises:
            FormulaError: An unknown variable or a type that does not fit, with its position.
            ValidationError: A duplicate code, or ``ratio_of_sums`` without a top-level ``/``.
        """
        if indicator.code in self._by_code:
            raise ValidationError(
                f"indicator {indicator.code!r} is already registered", path="indicators"
            )
        tree = indicator.expression()
        try:
            kind = infer_kind(tree, self._kinds, formula=indicator.formula)
        except FormulaError as exc:
            raise exc.at(f"indicators[{indicator.code}].formula") from None
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS and not (
            isinstance(tree, Binary) and tree.op == "/"
        ):
            raise ValidationError(
                "ratio_of_sums needs a formula of the form 'numerator / denominator'",
                path=f"indicators[{indicator.code}].aggregation",
            )
        wanted = {Aggregation.SHARE_MEETING, Aggregation.COUNT}
        if (indicator.aggregation in wanted) != (kind is Kind.BOOLEAN):
            raise ValidationError(
                f"{indicator.aggregation.value} needs a "
                + ("true/false" if indicator.aggregation in wanted else "numeric")
                + f" formula, got {kind.value}",
                path=f"indicators[{indicator.code}].aggregation",
            )
        self._by_code[indicator.code] = indicator
        self._kinds[indicator.code] = kind
        self._trees[indicator.code] = tree
        return indicator

    def set_target(self, indicator: str, round_key: str, value: Decimal | int | str) -> None:
        """Set the target of an indicator for a round kind (``"endline"``...)."""
        if indicator not in self._by_code:
            raise NotFoundError(f"no indicator {indicator!r}; known: {', '.join(self.codes())}")
        if isinstance(value, float):
            raise ValidationError("a target is a Decimal or a string such as '0.75', not a float")
        self._targets[(indicator, round_key)] = Decimal(value)

    def codes(self) -> tuple[str, ...]:
        """Codes of every registered indicator, core ones first."""
        return tuple(self._by_code)

    # -- computing -----------------------------------------------------------------------------
    def report(
        self,
        indicators: Iterable[str] | None = None,
        *,
        by: Iterable[Sequence[str]] = ((), ("cluster",)),
    ) -> Results:
        """Compute indicators for every round, total and by each disaggregation in ``by``.

        Args:
            indicators: Codes to compute (default: all).
            by: Disaggregations, each a sequence of dimensions from :data:`DIMENSIONS`
                (``()`` is the total), e.g. ``[(), ("cluster",), ("cluster", "sector")]``.

        Returns:
            A tidy :class:`~klaster.measurement.results.Results` table.
        """
        codes = list(indicators) if indicators is not None else list(self._by_code)
        specs = [tuple(spec) for spec in by]
        for spec in specs:
            for dim in spec:
                if dim not in DIMENSIONS:
                    raise ValidationError(
                        f"unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}", path="by"
                    )
        rows: list[Row] = []
        frames = self._frames()
        for code in codes:
            indicator = self._indicator(code)
            for key, on, per_cluster in frames:
                rows += self._rows(indicator, key, on, per_cluster, specs)
        return Results(tuple(rows))

    def unit_values(self, code: str, round_id: str) -> tuple[tuple[str, ...], list[Any]]:
        """The indicator's value for each unit of one round (``None`` where missing)."""
        rnd = self.observations.round(round_id)
        frame = self._frame(self.program.clusters[rnd.cluster_id], rnd)
        units, items = self._unit_items(self._indicator(code), frame)
        return units, [item[0] if len(item) == 1 else item for item in items]

    # -- readiness -----------------------------------------------------------------------------
    def readiness(
        self, rule: Rule, round_id: str, level: Level | str = Level.CLUSTER
    ) -> list[Readiness]:
        """Evaluate a readiness rule for every unit of ``level`` in one cluster's round.

        Member criteria read the member's own value; group criteria read member indicators
        aggregated over the group's members (or the group's own variables); cluster criteria
        read the cluster's figure. Every line names the round its evidence comes from.
        """
        rnd = self.observations.round(round_id)
        cluster = self.program.clusters[rnd.cluster_id]
        wanted = Level(level)
        lookup = self.lookup(round_id, wanted)
        if wanted is Level.CLUSTER:
            units: Sequence[str] = (cluster.id,)
        elif wanted is Level.GROUP:
            units = cluster.groups.ids()
        elif wanted is Level.COOPERATIVE:
            units = cluster.cooperatives.ids()
        else:
            units = self.observations.units(round_id, Level.MEMBER)
        return [evaluate(rule, unit, lookup) for unit in units]

    def lookup(self, round_id: str, level: Level | str = Level.CLUSTER) -> Lookup:
        """A criterion lookup reading indicator figures of one round at ``level``."""
        rnd = self.observations.round(round_id)
        wanted = Level(level)
        cache: dict[str, dict[str, Any]] = {}

        def figures(code: str) -> dict[str, Any]:
            if code not in cache:
                cache[code] = self._figures_at(code, rnd, wanted)
            return cache[code]

        def lookup(criterion: ReadinessCriterion, unit_id: str) -> Evidence | NotAvailable:
            if criterion.reads not in self._by_code and criterion.reads not in self._kinds:
                return NotAvailable(f"{criterion.reads!r} is not an indicator or variable")
            value = figures(criterion.reads).get(unit_id)
            if value is None:
                return NotAvailable(f"no value of {criterion.reads!r} in round {round_id!r}")
            if isinstance(value, NotAvailable):
                return value
            return Evidence(value, round_id)

        return lookup

    def guard(self, rule: Rule, round_id: str, *, name: str = "readiness") -> Guard:
        """A lifecycle guard evaluating ``rule`` for the cluster on the evidence of ``round_id``."""
        return as_guard(rule, self.lookup(round_id, Level.CLUSTER), name=name)

    def _figures_at(self, code: str, rnd: Round, level: Level) -> dict[str, Any]:
        cluster = self.program.clusters[rnd.cluster_id]
        frame = self._frame(cluster, rnd)
        if code in self._by_code:
            indicator = self._indicator(code)
            if level is indicator.level:
                units, items = self._unit_items(indicator, frame)
                if (
                    isinstance(indicator, Indicator)
                    and indicator.aggregation is not Aggregation.RATIO_OF_SUMS
                ):
                    return {u: item[0] for u, item in zip(units, items, strict=True)}
                return {
                    u: self._figure(indicator, [item]).value
                    for u, item in zip(units, items, strict=True)
                }
            dimension = {Level.CLUSTER: "cluster", Level.GROUP: "group"}.get(level)
            if dimension is None:
                return {}
            key = _round_keys(self.observations.rounds(cluster.id))[rnd.id]
            rows = self._rows(indicator, key, rnd.on, [frame], [(dimension,)])
            return {dict(r.by)[dimension]: r.value for r in rows}
        variable = self.observations.variable(code)
        if variable.level is not level:
            return {}
        units = frame.unit_ids(level)
        return dict(zip(units, frame.column(code, level, units), strict=True))

    # -- internals -----------------------------------------------------------------------------
    def _indicator(self, code: str) -> Indicator | CoreIndicator:
        found = self._by_code.get(code)
        if found is None:
            raise NotFoundError(f"no indicator {code!r}; known: {', '.join(self.codes())}")
        return found

    def _frames(self) -> list[tuple[str, _dt.date | None, list[UnitFrame]]]:
        grouped: dict[str, list[UnitFrame]] = defaultdict(list)
        dates: dict[str, set[_dt.date]] = defaultdict(set)
        for cluster in self.program.clusters:
            rounds = self.observations.rounds(cluster.id)
            for round_id, key in _round_keys(rounds).items():
                rnd = self.observations.round(round_id)
                grouped[key].append(self._frame(cluster, rnd))
                dates[key].add(rnd.on)
        order = sorted(grouped, key=lambda k: min(dates[k]))
        return [
            (k, next(iter(dates[k])) if len(dates[k]) == 1 else None, grouped[k]) for k in order
        ]

    def _frame(self, cluster: Cluster, rnd: Round) -> UnitFrame:
        baseline = self.observations.baseline(cluster.id)
        return UnitFrame(
            cluster=cluster,
            round=rnd,
            observations=self.observations,
            baseline=baseline if baseline is not None and baseline.id != rnd.id else None,
            lines=self.poverty_lines,
        )

    def _values(self, indicator: Indicator, frame: UnitFrame, level: Level) -> list[Any]:
        return self._evaluate(self._trees[indicator.code], frame, level)

    def _evaluate(self, tree: Expr, frame: UnitFrame, level: Level) -> list[Any]:
        columns = _LazyColumns(self, frame, level, baseline=False)
        base = _LazyColumns(self, frame, level, baseline=True) if frame.baseline else None
        evaluator = Evaluator(columns, base, length=len(frame.unit_ids(level)))
        return evaluator.run(tree)

    def _rows(
        self,
        indicator: Indicator | CoreIndicator,
        key: str,
        on: _dt.date | None,
        frames: list[UnitFrame],
        specs: list[tuple[str, ...]],
    ) -> list[Row]:
        level = indicator.level
        # One pass over the units: values (or numerator/denominator pairs) and their dimensions.
        cells: dict[tuple[tuple[str, str], ...], list[tuple[Any, ...]]] = defaultdict(list)
        sector = indicator.sector if isinstance(indicator, Indicator) else CORE_SECTOR
        for frame in frames:
            if sector != CORE_SECTOR and sector not in frame.cluster.sector_codes:
                continue  # a sector's indicator says nothing about clusters without the sector
            units, items = self._unit_items(indicator, frame)
            dims = frame.dimensions(level, units)
            if sector != CORE_SECTOR and "sector" in dims:
                keep = [i for i, s in enumerate(dims["sector"]) if s == (sector,)]
                items = [items[i] for i in keep]
                dims = {k: [v[i] for i in keep] for k, v in dims.items()}
            for spec in specs:
                for index, item in enumerate(items):
                    for combo in _combos(spec, dims, index):
                        cells[combo].append(item)
        rows = []
        for combo in sorted(cells, key=lambda c: (len(c), c)):
            figure = self._figure(indicator, cells[combo])
            rows.append(
                Row(
                    indicator=indicator.code,
                    label=indicator.name,
                    unit=indicator.unit,
                    round_id=key,
                    on=on,
                    by=combo,
                    value=figure.value,
                    numerator=figure.numerator,
                    denominator=figure.denominator,
                    n=figure.n,
                    missing=figure.missing,
                    target=self._targets.get((indicator.code, key)),
                )
            )
        return rows

    def _unit_items(
        self, indicator: Indicator | CoreIndicator, frame: UnitFrame
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        if isinstance(indicator, CoreIndicator):
            return indicator.items(frame)
        level = indicator.level
        units = frame.unit_ids(level)
        tree = self._trees[indicator.code]
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(tree, Binary)
            top = self._evaluate(tree.left, frame, level)
            bottom = self._evaluate(tree.right, frame, level)
            return units, list(zip(top, bottom, strict=True))
        return units, [(v,) for v in self._evaluate(tree, frame, level)]

    def _figure(self, indicator: Indicator | CoreIndicator, items: list[tuple[Any, ...]]) -> Figure:
        if isinstance(indicator, CoreIndicator) and indicator.poverty is not None:
            incomes, lines, weights = zip(*items, strict=True) if items else ((), (), ())
            result = fgt(list(incomes), list(lines), weights=list(weights))
            if isinstance(result, NotAvailable):
                return Figure(result, 0)
            value = getattr(result, indicator.poverty)
            return Figure(value, result.n, missing=len(items) - result.n)
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            return aggregate_ratio(
                [i[0] for i in items], [i[1] for i in items], minimum_n=self.minimum_n
            )
        return aggregate([i[0] for i in items], indicator.aggregation, minimum_n=self.minimum_n)


def _combos(
    spec: tuple[str, ...], dims: Mapping[str, Sequence[tuple[str, ...]]], index: int
) -> list[tuple[tuple[str, str], ...]]:
    # A member in two groups counts in both groups' rows (never twice in one row).
    combos: list[tuple[tuple[str, str], ...]] = [()]
    for dim in spec:
        values = dims[dim][index] if dim in dims else ()
        combos = [(*c, (dim, v)) for c in combos for v in values]
    return combos


class _LazyColumns(Mapping[str, Sequence[Any]]):
    """Columns read from the observations (or other indicators) only when a formula asks."""

    def __init__(
        self, engine: Measurement, frame: UnitFrame, level: Level, *, baseline: bool
    ) -> None:
        self.engine = engine
        self.frame = frame.for_baseline() if baseline else frame
        self.level = level
        self.cache: dict[str, Sequence[Any]] = {}

    def __getitem__(self, code: str) -> Sequence[Any]:
        found = self.cache.get(code)
        if found is None:
            found = self._load(code)
            self.cache[code] = found
        return found

    def _load(self, code: str) -> Sequence[Any]:
        indicator = self.engine._by_code.get(code)
        if isinstance(indicator, Indicator):
            return self.engine._values(indicator, self.frame, self.level)
        try:
            return self.frame.column(code, self.level)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None

    def __iter__(self) -> Any:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)
