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
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import compress
from typing import Any, cast

import attrs
from attrs import define, field

from klaster.cluster import Cluster
from klaster.criterion import ReadinessCriterion
from klaster.errors import InvalidReferenceError, KlasterError, NotFoundError, ValidationError
from klaster.formula import Binary, Call, Expr, FormulaError, walk
from klaster.indicator import Aggregation, Indicator
from klaster.lifecycle import Guard
from klaster.measurement._fixedpoint import (
    BOOLEAN,
    Evaluation,
    FixedRatio,
    FixedSum,
    Poverty,
    PovertyInputs,
    Scaled,
    Unsupported,
    digits_limit,
    pick,
    unscale,
)
from klaster.measurement.aggregate import Figure, aggregate, aggregate_ratio
from klaster.measurement.core_indicators import (
    CORE_INDICATORS,
    FIXED_ITEMS,
    CoreIndicator,
    UnitFrame,
)
from klaster.measurement.core_variables import CORE_SECTOR
from klaster.measurement.evaluate import Evaluator, Kind, infer_kind
from klaster.measurement.fgt import fgt
from klaster.measurement.na import NotAvailable

# A report makes millions of short-lived lists and ints and no reference cycles; the cyclic
# collector would walk the whole program's records again and again (as in record_many).
from klaster.measurement.observations import Observations, _gc_paused
from klaster.measurement.poverty_lines import PovertyLines
from klaster.measurement.readiness import Evidence, Lookup, Readiness, Rule, as_guard, evaluate
from klaster.measurement.results import Results, Row
from klaster.measurement.rounds import Round, RoundKind
from klaster.measurement.welfare_indicators import WELFARE_INDICATORS
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
        backend: How :meth:`report` adds up member values: ``"python"`` (the default, no
            dependencies) or ``"polars"``, a columnar fast path that needs the ``columnar`` extra
            (``pip install 'klaster[columnar]'``) and gives the same figures; ``"auto"`` takes
            polars when it can be imported. What the fast path does not cover is computed the
            Python way (see ``docs/performance.md``).

    Example:
        See ``docs/measurement.md`` for a whole program.
    """

    program: Program
    observations: Observations
    indicators: Iterable[Indicator] | None = None
    poverty_lines: PovertyLines = field(factory=PovertyLines.bps_national)
    minimum_n: int = 1
    backend: str = field(default="python", kw_only=True)
    _by_code: dict[str, Indicator | CoreIndicator] = field(init=False, factory=dict)
    _kinds: dict[str, Kind] = field(init=False, factory=dict)
    _trees: dict[str, Expr] = field(init=False, factory=dict)
    _targets: dict[tuple[str, str], Decimal] = field(init=False, factory=dict)
    # Indicators whose formula fixed point cannot evaluate exactly (a division per unit...).
    _decimal_only: set[str] = field(init=False, factory=set)
    _limit: int = field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        self.backend = _backend(self.backend)
        catalogue: Mapping[str, Variable] = self.observations.variables
        self._kinds = {code: _KIND_OF_TYPE[v.type] for code, v in catalogue.items()}
        # Core indicators count units of their own (members active on the date...), so formulas
        # cannot mix them with surveyed units: they are not in _kinds.
        for core in (*CORE_INDICATORS, *WELFARE_INDICATORS):
            self._by_code[core.code] = core
        # Indicators may read other indicators: register each after those it reads.
        pending = list(self._default_indicators() if self.indicators is None else self.indicators)
        while pending:
            ready = [i for i in pending if all(r in self._kinds for r in i.references)]
            for indicator in ready or pending[:1]:  # nothing ready: report the first's problem
                self.add_indicator(indicator)
                pending.remove(indicator)

    def _default_indicators(self) -> list[Indicator]:
        # The installed plugins' indicators whose variables this catalogue has (a catalogue of
        # the core variables only leaves the sectors' indicators out instead of failing); an
        # indicator reading a left-out indicator is left out too.
        kept = list(get_host().indicators())
        while True:
            codes = {i.code for i in kept}
            usable = [i for i in kept if all(r in self._kinds or r in codes for r in i.references)]
            if len(usable) == len(kept):
                return usable
            kept = usable

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
        with _gc_paused():
            return self._report(codes, specs)

    def _report(self, codes: list[str], specs: list[tuple[str, ...]]) -> Results:
        rows: list[Row] = []
        frames = self._frames()
        indicators_ = [self._indicator(code) for code in codes]
        fast: dict[tuple[str, str], dict[Any, Any]] = {}
        slow_specs = specs
        if self.backend == "polars":
            from klaster.measurement import _polars  # the optional extra, imported on use

            fast, slow_specs = _polars.cells(self, indicators_, frames, specs)
        for indicator in indicators_:
            for key, on, per_cluster in frames:
                found = self._found(indicator, key, on, per_cluster, specs, fast, slow_specs)
                rows += self._explain(indicator, per_cluster, found)
        return Results(tuple(rows))

    def _found(
        self,
        indicator: Indicator | CoreIndicator,
        key: str,
        on: _dt.date | None,
        per_cluster: list[UnitFrame],
        specs: list[tuple[str, ...]],
        fast: dict[tuple[str, str], dict[Any, Any]],
        slow_specs: list[tuple[str, ...]],
    ) -> list[Row]:
        cells = fast.get((indicator.code, key))
        if cells is None:
            return self._rows(indicator, key, on, per_cluster, specs)
        try:
            found = self._rows_of(indicator, key, on, cells)
        except Unsupported:
            return self._rows(indicator, key, on, per_cluster, specs)
        if slow_specs:
            found += self._rows(indicator, key, on, per_cluster, slow_specs)
            found.sort(key=lambda r: (len(r.by), r.by))
        return found

    def _explain(
        self, indicator: Indicator | CoreIndicator, frames: list[UnitFrame], rows: list[Row]
    ) -> list[Row]:
        # Say why, rather than "0 observed": a change since the baseline has no baseline value.
        if any(f.baseline is not None for f in frames) or not self._reads_baseline(indicator):
            return rows
        reason = NotAvailable(f"{indicator.code} compares with the baseline; this is the baseline")
        return [attrs.evolve(r, value=reason) if not r.available else r for r in rows]

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
        # All rounds in one pass (ordered by date then kind), not one scan per cluster.
        of_cluster: dict[str, list[Round]] = defaultdict(list)
        for found in self.observations.rounds():
            of_cluster[found.cluster_id].append(found)
        for cluster in self.program.clusters:
            rounds = of_cluster.get(cluster.id, [])
            by_id = {r.id: r for r in rounds}
            baseline = next((r for r in rounds if r.kind is RoundKind.BASELINE), None)
            shared: dict[Any, Any] = {}
            for round_id, key in _round_keys(rounds).items():
                rnd = by_id[round_id]
                frame = self._frame(cluster, rnd, baseline)
                frame._shared = shared
                grouped[key].append(frame)
                dates[key].add(rnd.on)
        order = sorted(grouped, key=lambda k: min(dates[k]))
        return [
            (k, next(iter(dates[k])) if len(dates[k]) == 1 else None, grouped[k]) for k in order
        ]

    def _frame(self, cluster: Cluster, rnd: Round, baseline: Round | None = None) -> UnitFrame:
        if baseline is None:
            baseline = self.observations.baseline(cluster.id)
        return UnitFrame(
            cluster=cluster,
            round=rnd,
            observations=self.observations,
            baseline=baseline if baseline is not None and baseline.id != rnd.id else None,
            lines=self.poverty_lines,
        )

    def _values(
        self, indicator: Indicator, frame: UnitFrame, level: Level, keep: list[int] | None = None
    ) -> list[Any]:
        # An indicator named in other formulas (yield_per_ha in productivity_change) is
        # evaluated once per frame, not once per formula and side that names it. The kept
        # positions are stored with the values, so their id cannot be reused meanwhile.
        key = ("values", indicator.code, level, id(keep))
        found = frame._cache.get(key)
        if found is None or found[0] is not keep:
            values = self._evaluate(self._trees[indicator.code], frame, level, keep)
            found = frame._cache[key] = (keep, values)
        return found[1]

    def _evaluate(
        self, tree: Expr, frame: UnitFrame, level: Level, keep: list[int] | None = None
    ) -> list[Any]:
        columns = _LazyColumns(self, frame, level, baseline=False, keep=keep)
        base = (
            _LazyColumns(self, frame, level, baseline=True, keep=keep) if frame.baseline else None
        )
        length = len(frame.unit_ids(level)) if keep is None else len(keep)
        evaluator = Evaluator(columns, base, length=length)
        return evaluator.run(tree)

    def _rows(
        self,
        indicator: Indicator | CoreIndicator,
        key: str,
        on: _dt.date | None,
        frames: list[UnitFrame],
        specs: list[tuple[str, ...]],
    ) -> list[Row]:
        self._limit = digits_limit()
        try:
            rows = self._rows_of(
                indicator, key, on, self._cells(indicator, frames, specs, fixed=True)
            )
        except Unsupported:
            # Fixed point cannot give what Decimal arithmetic gives here: evaluate as Decimal.
            cells = self._cells(indicator, frames, specs, fixed=False)
            rows = self._rows_of(indicator, key, on, cells)
        return rows

    def _reads_baseline(self, indicator: Indicator | CoreIndicator) -> bool:
        if isinstance(indicator, CoreIndicator):
            return indicator.needs_baseline
        return any(
            isinstance(node, Call) and node.function in ("baseline", "change", "pct_change")
            for node in walk(self._trees[indicator.code])
        )

    def _rows_of(
        self,
        indicator: Indicator | CoreIndicator,
        key: str,
        on: _dt.date | None,
        cells: Mapping[tuple[tuple[str, str], ...], Any],
    ) -> list[Row]:
        self._limit = digits_limit()
        figures = {combo: self._cell_figure(indicator, cell) for combo, cell in cells.items()}
        rows = []
        for combo in sorted(figures, key=lambda c: (len(c), c)):
            figure = figures[combo]
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

    def _cells(
        self,
        indicator: Indicator | CoreIndicator,
        frames: list[UnitFrame],
        specs: list[tuple[str, ...]],
        *,
        fixed: bool,
    ) -> dict[tuple[tuple[str, str], ...], Any]:
        # Each frame's units are split once into the finest parts the specs need; a part's
        # partial aggregate (sums, counts) is computed once and merged into every cell it
        # belongs to. Cells hold partials, not unit values.
        level = indicator.level
        sector = indicator.sector if isinstance(indicator, Indicator) else CORE_SECTOR
        cells: dict[tuple[tuple[str, str], ...], Any] = {}
        for frame in frames:
            if sector != CORE_SECTOR and sector not in frame.cluster.sector_codes:
                continue  # a sector's indicator says nothing about clusters without the sector
            units, make, data = self._unit_data(indicator, frame, specs, fixed=fixed)
            layout = _layout(frame, level, units, sector, specs)
            if layout.keep is not None:
                data = make.restrict(data, layout.keep)
            parts: list[Any] = []
            if make.shared is not None:
                cache_key = ("parts", make.shared, id(layout))
                shared = frame._cache.get(cache_key)
                if shared is None:
                    shared = frame._cache[cache_key] = [make(data, i) for i in layout.fine]
                parts = shared
            elif not make.ordered:
                parts = [make(data, i) for i in layout.fine]
            if make.ordered:
                # Decimal sums round at the context's precision, so their order matters: a
                # cell's values are added in unit order, frame after frame, as in one list.
                parts = [make(data, layout.merged(numbers)) for _, numbers in layout.assign]
                for (combo, _), part in zip(layout.assign, parts, strict=True):
                    cell = cells.get(combo)
                    if cell is None:
                        cells[combo] = part
                    else:
                        cell.merge(part)
            for combo, numbers in layout.assign if not make.ordered else ():
                for number in numbers:
                    part = parts[number]
                    cell = cells.get(combo)
                    if cell is None:
                        cells[combo] = part.copy()
                    else:
                        cell.merge(part)
            for combo, index in layout.direct:
                part = make(data, index)
                cell = cells.get(combo)
                if cell is None:
                    cells[combo] = part
                else:
                    cell.merge(part)
        return cells

    def _cell_figure(self, indicator: Indicator | CoreIndicator, cell: Any) -> Figure:
        if isinstance(cell, Poverty):
            assert isinstance(indicator, CoreIndicator)
            assert indicator.poverty is not None
            return cell.measure(indicator.poverty)
        if isinstance(cell, _ItemList):
            return self._figure(indicator, cell.items)
        return cast(Figure, cell.figure(indicator.aggregation, self.minimum_n, self._limit))

    def _unit_data(
        self,
        indicator: Indicator | CoreIndicator,
        frame: UnitFrame,
        specs: list[tuple[str, ...]],
        *,
        fixed: bool,
    ) -> tuple[tuple[str, ...], _Maker, Any]:
        how = indicator.aggregation
        if isinstance(indicator, CoreIndicator):
            reader = FIXED_ITEMS.get(indicator.code)
            if indicator.poverty is not None and reader is not None:
                units, data = reader(frame)
                return units, _Maker(Poverty.of, _restrict_poverty, shared=reader), data
            if fixed and reader is not None:
                units, data = reader(frame)
                if how is Aggregation.RATIO_OF_SUMS:
                    return units, _Maker(FixedRatio.of, _restrict_pair), data
                return units, _Maker(FixedSum.of, _restrict_scaled), data
            if how in (Aggregation.COUNT, Aggregation.SHARE_MEETING):
                units, items = indicator.items(frame)
                flags = Scaled([i[0] for i in items], 0, 1, BOOLEAN)
                return units, _Maker(FixedSum.of, _restrict_scaled), flags
        elif fixed and how is not Aggregation.MEDIAN and indicator.code not in self._decimal_only:
            try:
                return self._fixed_data(indicator, frame)
            except Unsupported:
                self._decimal_only.add(indicator.code)
        if isinstance(indicator, Indicator) and indicator.sector != CORE_SECTOR:
            # Decimal evaluation is the costly one: evaluate the sector's units only.
            units = frame.unit_ids(indicator.level)
            keep = _layout(frame, indicator.level, units, indicator.sector, specs).keep
            if keep is not None:
                _, items = self._unit_items(indicator, frame, keep)
                return units, _Maker(_ItemList.of, _kept, ordered=True), items
        units, items = self._unit_items(indicator, frame)
        return units, _Maker(_ItemList.of, pick, ordered=True), items

    def _fixed_data(
        self, indicator: Indicator, frame: UnitFrame
    ) -> tuple[tuple[str, ...], _Maker, Any]:
        level = indicator.level
        units = frame.unit_ids(level)
        source = _FixedSource(frame, level, len(units))
        evaluation = Evaluation(self._trees, self._limit)
        tree = self._trees[indicator.code]
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(tree, Binary)
            pair = (evaluation.run(tree.left, source), evaluation.run(tree.right, source))
            return units, _Maker(FixedRatio.of, _restrict_pair), pair
        return units, _Maker(FixedSum.of, _restrict_scaled), evaluation.run(tree, source)

    def _unit_items(
        self,
        indicator: Indicator | CoreIndicator,
        frame: UnitFrame,
        keep: list[int] | None = None,
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        if isinstance(indicator, CoreIndicator):
            return indicator.items(frame)
        level = indicator.level
        units = frame.unit_ids(level)
        if keep is not None:
            units = tuple(pick(list(units), keep))
        tree = self._trees[indicator.code]
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS:
            assert isinstance(tree, Binary)
            top = self._evaluate(tree.left, frame, level, keep)
            bottom = self._evaluate(tree.right, frame, level, keep)
            return units, list(zip(top, bottom, strict=True))
        return units, [(v,) for v in self._evaluate(tree, frame, level, keep)]

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


_BACKENDS = ("python", "polars", "auto")
_SCALED_TYPES = (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN)


def _backend(value: object) -> str:
    if value not in _BACKENDS:
        raise ValidationError(
            f"unknown backend {value!r}; use one of {', '.join(map(repr, _BACKENDS))}",
            path="backend",
        )
    if value == "python":
        return "python"
    try:
        import numpy  # noqa: F401
        import polars  # noqa: F401
    except ImportError:
        if value == "auto":
            return "python"
        raise KlasterError(
            "backend='polars' needs polars and numpy: pip install 'klaster[columnar]'"
        ) from None
    return "polars"


class _Maker:
    """How one indicator's unit data becomes partials: ``make(data, index)``, ``restrict``."""

    def __init__(
        self,
        make: Callable[[Any, Sequence[int] | None], Any],
        restrict: Callable[[Any, Sequence[int]], Any],
        *,
        shared: object = None,
        ordered: bool = False,
    ) -> None:
        self.make = make
        self.restrict = restrict
        self.ordered = ordered
        # Indicators reading the same inputs (P0, P1, P2) share their partials.
        self.shared = shared

    def __call__(self, data: Any, index: Sequence[int] | None) -> Any:
        return self.make(data, index)


class _ItemList:
    """The unit items of a cell, for aggregations that do not add up (the median)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    @classmethod
    def of(cls, items: list[Any], index: Sequence[int] | None) -> _ItemList:
        # A copy even of all the items: cells grow their lists in place.
        return cls(list(items) if index is None else pick(items, index))

    def merge(self, other: _ItemList) -> None:
        self.items += other.items

    def copy(self) -> _ItemList:
        return _ItemList(list(self.items))


def _kept(data: Any, keep: Sequence[int]) -> Any:
    return data  # evaluated on the kept units already


def _restrict_scaled(data: Scaled, keep: Sequence[int]) -> Scaled:
    return Scaled(pick(data.values, keep), data.scale, data.bound, data.kind)


def _restrict_pair(data: tuple[Scaled, Scaled], keep: Sequence[int]) -> tuple[Scaled, Scaled]:
    return _restrict_scaled(data[0], keep), _restrict_scaled(data[1], keep)


def _restrict_poverty(data: PovertyInputs, keep: Sequence[int]) -> PovertyInputs:
    return PovertyInputs(_restrict_scaled(data.incomes, keep), pick(data.sizes, keep), data.line)


class _FixedSource:
    """A frame's columns as scaled integers, for :class:`Evaluation`."""

    def __init__(self, frame: UnitFrame, level: Level, length: int) -> None:
        self.frame = frame
        self.level = level
        self.length = length

    def scaled(self, code: str) -> Scaled:
        try:
            return self.frame.scaled(code, self.level)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None

    def baseline(self) -> _FixedSource | None:
        if self.frame.baseline is None:
            return None
        return _FixedSource(self.frame.for_baseline(), self.level, self.length)


class _Layout:
    """How a frame's units split for a report: the finest parts and the cells they go to.

    Attributes:
        keep: Positions of the units in scope (a sector's indicator keeps that sector's
            units), or ``None`` for all.
        fine: Per part, the positions within the kept units (``None``: all of them).
        assign: For specs of single-valued dimensions, each cell and the parts it adds up.
        direct: For specs with ``group`` (a member may be in two groups), each cell and its
            unit positions.
    """

    def __init__(self) -> None:
        self.keep: list[int] | None = None
        self.fine: list[list[int] | None] = [None]
        self.assign: list[tuple[tuple[tuple[str, str], ...], list[int]]] = []
        self.direct: list[tuple[tuple[tuple[str, str], ...], list[int]]] = []
        self._merged: dict[tuple[int, ...], list[int] | None] = {}

    def merged(self, numbers: list[int]) -> list[int] | None:
        """The unit positions of some parts together, in unit order (``None``: all units)."""
        key = tuple(numbers)
        if key not in self._merged:
            if len(numbers) == len(self.fine):  # the parts split all the units in scope
                self._merged[key] = None
            elif len(numbers) == 1:
                self._merged[key] = self.fine[numbers[0]]
            else:
                self._merged[key] = sorted(p for n in numbers for p in self.fine[n] or ())
        return self._merged[key]


def _layout(
    frame: UnitFrame,
    level: Level,
    units: tuple[str, ...],
    sector: str,
    specs: list[tuple[str, ...]],
) -> _Layout:
    # Keyed by the units tuple's identity (hashing a thousand IDs per call adds up); the
    # tuple is kept with the layout, so its id cannot be reused by another while cached.
    cache_key = ("layout", level, id(units), sector, tuple(specs))
    found = frame._cache.get(cache_key)
    if found is not None and found[0] is units:
        return found[1]  # type: ignore[no-any-return]
    layout = _Layout()
    frame._cache[cache_key] = (units, layout)
    count = len(units)
    if sector != CORE_SECTOR:
        sectors = frame.dimension(level, "sector", units)
        if sectors is not None:
            wanted = (sector,)
            layout.keep = list(compress(range(len(sectors)), map(wanted.__eq__, sectors)))
            count = len(layout.keep)

    if not count:
        return layout  # no unit in scope: no cell

    def column(dim: str) -> Sequence[tuple[str, ...]]:
        values = frame.dimension(level, dim, units)
        if values is None:
            return [()] * count
        return values if layout.keep is None else pick(list(values), layout.keep)

    used = [d for d in DIMENSIONS if d != "group" and any(d in spec for spec in specs)]
    # Dimensions with one category for every unit (the cluster; the sector of a sector's
    # indicator) do not split the frame: only the others go into the part keys.
    constant: dict[str, tuple[str, ...]] = {}
    if "cluster" in used:
        constant["cluster"] = (frame.cluster.id,)
    if layout.keep is not None and "sector" in used:
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
        layout.fine = list(parts.values())
    else:
        keys = [()]
    for spec in specs:
        if "group" in spec:
            dims = {d: column(d) for d in spec}
            grouped: dict[tuple[tuple[str, str], ...], list[int]] = {}
            for position in range(count):
                for found_combo in _combos(spec, dims, position):
                    grouped.setdefault(found_combo, []).append(position)
            layout.direct += grouped.items()
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
        layout.assign += cells.items()
    return layout


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
        self,
        engine: Measurement,
        frame: UnitFrame,
        level: Level,
        *,
        baseline: bool,
        keep: list[int] | None = None,
    ) -> None:
        self.engine = engine
        self.frame = frame.for_baseline() if baseline else frame
        self.level = level
        self.keep = keep  # positions of the units evaluated (None: all surveyed units)
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
            return self.engine._values(indicator, self.frame, self.level, self.keep)
        try:
            if self.keep is None:
                return self.frame.column(code, self.level)
            variable = self.engine.observations.variable(code)
            if variable.level is self.level and variable.type in _SCALED_TYPES:
                # Only the kept units' values become Decimals (as UnitFrame.column makes them).
                data = self.frame.scaled(code, self.level)
                kept = pick(data.values, self.keep)
                if variable.type is ValueType.BOOLEAN:
                    return kept
                return [None if v is None else unscale(v, data.scale) for v in kept]
            return pick(self.frame.column(code, self.level), self.keep)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None

    def __iter__(self) -> Any:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)
