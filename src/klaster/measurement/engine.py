"""The indicator engine: a program's observations in, a tidy table of figures out.

:class:`Measurement` gathers the indicators (the core ones, the sector plugins' and any the user
adds), checks every formula when it is registered, evaluates indicators unit by unit for each
survey round and aggregates them by the disaggregations asked for. Rounds are matched across
clusters by kind (``baseline``, ``endline``; ``midline_2``, ``monitoring_3`` when a cluster has
several), so a program-wide endline row combines each cluster's endline.

How the figures are added up lives elsewhere: the pure-Python path in
:mod:`klaster.measurement._backends.python.path`, the polars fast path in
:mod:`klaster.measurement._backends.polars.path`; both give the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from attrs import define, field

from klaster._support.gc import gc_paused
from klaster.catalogue.formula import Binary, Expr, FormulaError
from klaster.catalogue.indicator import Aggregation, Indicator
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import KlasterError, NotFoundError, ValidationError
from klaster.measurement import _lookups as lookups
from klaster.measurement import _report_args as report_args
from klaster.measurement._backends.context import AnyIndicator
from klaster.measurement._backends.layout import DIMENSIONS
from klaster.measurement._backends.python import path as python_path
from klaster.measurement._backends.python.fixedpoint import Unsupported
from klaster.measurement._frames import frame_of, frames_of
from klaster.measurement._result_blocks import Block
from klaster.measurement.activity_indicators import ACTIVITY_CODES, ACTIVITY_INDICATORS
from klaster.measurement.activity_indicators import prime as prime_activities
from klaster.measurement.compiler import Kind, Op, compile_formula
from klaster.measurement.core_indicators import CORE_INDICATORS, CoreIndicator
from klaster.measurement.mentoring_indicators import MENTORING_CODES, MENTORING_INDICATORS
from klaster.measurement.mentoring_indicators import prime as prime_mentoring
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.readiness import Lookup, Readiness, Rule, as_guard
from klaster.measurement.results import Results
from klaster.measurement.round_refs import check_round_names, explain
from klaster.measurement.transitions import TransitionTable, transition_table
from klaster.measurement.unit_frame import UnitFrame
from klaster.measurement.welfare_indicators import WELFARE_INDICATORS
from klaster.model.lifecycle import Guard
from klaster.model.program import Program
from klaster.observations.values import Observations
from klaster.plugins.default import get_host

__all__ = ["DIMENSIONS", "Measurement"]

_KIND_OF_TYPE = {
    ValueType.DECIMAL: Kind.NUMBER,
    ValueType.INTEGER: Kind.NUMBER,
    ValueType.BOOLEAN: Kind.BOOLEAN,
    ValueType.CATEGORY: Kind.TEXT,
    ValueType.TEXT: Kind.TEXT,
    ValueType.DATE: Kind.DATE,
}


@define
class Measurement:
    """Computes indicators of a program from its observations.

    Args:
        program: The program (members, groups, cooperatives, regions).
        observations: Its survey rounds and recorded values.
        indicators: Indicators from sector plugins or your own (core indicators are always
            there); each formula is checked against the observations' variables. Default: the
            indicators of the installed sector plugins (:func:`klaster.plugins.get_host`).
        poverty_lines: Lines for the poverty indicators (default: the bundled BPS national lines).
        minimum_n: Fewest units behind a figure; fewer gives ``NotAvailable``.
        backend: How :meth:`report` adds up member values: ``"python"`` (the default, no
            dependencies) or ``"polars"``, a columnar fast path that needs the ``columnar`` extra
            (``pip install 'klaster[columnar]'``) and gives the same figures; ``"auto"`` takes
            polars when it can be imported; ``"duckdb"`` compiles the formulas to SQL run by
            DuckDB in-process (the ``sql`` extra) and ``"spark"`` by Spark SQL (see
            ``docs/scale.md``). What a fast path does not cover is computed by the next one
            (SQL, then polars, then Python; see ``docs/performance.md``).

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
    _compiled: dict[str, Op] = field(init=False, factory=dict)
    _targets: dict[tuple[str, str], Decimal] = field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        self.backend = _backend(self.backend)
        catalogue: Mapping[str, Variable] = self.observations.variables
        self._kinds = {code: _KIND_OF_TYPE[v.type] for code, v in catalogue.items()}
        # Core indicators count units of their own (members active on the date...), so formulas
        # cannot mix them with surveyed units: they are not in _kinds.
        cores = (*CORE_INDICATORS, *WELFARE_INDICATORS, *MENTORING_INDICATORS)
        for core in (*cores, *ACTIVITY_INDICATORS):
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
            compiled = compile_formula(
                tree, self._kinds, inline=self._compiled, formula=indicator.formula
            )
        except FormulaError as exc:
            raise exc.at(f"indicators[{indicator.code}].formula") from None
        if indicator.aggregation is Aggregation.RATIO_OF_SUMS and not (
            isinstance(tree, Binary) and tree.op == "/"
        ):
            raise ValidationError(
                "ratio_of_sums needs a formula of the form 'numerator / denominator'",
                path=f"indicators[{indicator.code}].aggregation",
            )
        kind = compiled.kind
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
        self._compiled[indicator.code] = compiled
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
        indicators: str | Iterable[str] | None = None,
        *,
        by: str | Iterable[str | Sequence[str]] = ((), ("cluster",)),
    ) -> Results:
        """Compute indicators for every round, total and by each disaggregation in ``by``.

        Args:
            indicators: Codes to compute (default: all); a single string is one code (or codes
                joined by commas), e.g. ``report("income_per_capita", by="sector")``.
            by: Disaggregations, each a sequence of dimensions from :data:`DIMENSIONS`
                (``()`` is the total) or a string (``"cluster,sector"`` crosses two), e.g.
                ``[(), "cluster", ("kabupaten", "sector")]``; a single string is that
                disaggregation and the total. Regions are named by their names; ``kabupaten``
                applies at every level (a group's or cooperative's is its cluster's), ``sector``
                to members and groups, the others to members only. A member in two groups
                (``group``) or cooperatives (``cooperative``) counts in both cells; a member in
                none is in no cell.

        Returns:
            A tidy :class:`~klaster.measurement.results.Results` table.

        Raises:
            NotFoundError: An unknown indicator (with the closest codes).
            ValidationError: An unknown dimension (the message lists the valid ones).
        """
        codes = report_args.indicator_codes(indicators, self.codes())
        specs = report_args.disaggregations(by, DIMENSIONS)
        with gc_paused():
            return self._report(codes, specs)

    def _report(self, codes: list[str], specs: list[tuple[str, ...]]) -> Results:
        frames = frames_of(self.program, self.observations, self.poverty_lines)
        indicators_ = [self.indicator(code) for code in codes]
        if any(code in MENTORING_CODES for code in codes):  # the log is read once per report
            every = [f for _, _, of_key in frames for f in of_key]
            if self.backend != "python":
                from klaster.measurement._backends.polars import mentoring as _mentoring

                _mentoring.prime(every, self.program)
            prime_mentoring(every, self.program)
        if any(code in ACTIVITY_CODES for code in codes):  # activities read once per report
            every = [f for _, _, of_key in frames for f in of_key]
            if self.backend != "python":
                from klaster.measurement._backends.polars import activities as _activities

                _activities.prime(every, self.program)
            prime_activities(every, self.program)
        fast: dict[tuple[str, str], Block] = {}
        slow_specs = specs
        if self.backend == "polars":
            from klaster.measurement._backends.polars import (
                path as _polars,  # the optional extra, imported on use
            )

            fast, slow_specs = _polars.blocks(self, indicators_, frames, specs)
        elif self.backend != "python":  # an SQL engine, then polars for what it leaves
            from klaster.measurement._backends.sql import path as _sql

            fast, slow_specs = _sql.report_blocks(self, indicators_, frames, specs, self.backend)
        blocks = []
        for indicator in indicators_:
            for key, on, per_cluster in frames:
                found = fast.get((indicator.code, key))
                if found is None:
                    found = python_path.rows(self, indicator, key, on, per_cluster, specs)
                elif slow_specs:
                    slow = python_path.rows(self, indicator, key, on, per_cluster, slow_specs)
                    found = found.joined(slow)
                blocks.append(self._explain(indicator, per_cluster, found).dated(per_cluster))
        displays = {indicator.code: indicator.shown_as for indicator in indicators_}
        return Results.of_blocks(blocks, displays=displays)

    def _explain(self, indicator: AnyIndicator, frames: list[UnitFrame], block: Block) -> Block:
        # Say why, rather than "0 observed": a change since the baseline has no baseline value.
        needs = getattr(indicator, "needs_baseline", False)
        return explain(indicator.code, self._trees.get(indicator.code), needs, frames, block)

    def unit_values(self, code: str, round_id: str) -> tuple[tuple[str, ...], list[Any]]:
        """The indicator's value for each unit of one round (``None`` where missing)."""
        frame = self.frame(round_id)
        units, items = python_path.unit_items(self, self.indicator(code), frame)
        return units, [item[0] if len(item) == 1 else item for item in items]

    def cibest_transitions(
        self,
        from_round: str = "baseline",
        to_round: str = "endline",
        *,
        by: Iterable[Sequence[str]] = ((),),
    ) -> TransitionTable:
        """Movements between CIBEST quadrants from one round to another, by disaggregation.

        Members are placed as the ``cibest_*`` indicators place them (income against the
        round's poverty line × household size, spiritual score against 3, a household on a
        line counted as poor); each cluster's pair of rounds is cross-tabulated with
        :func:`~klaster.measurement.methods.cibest.cibest_transitions` over the members placed in
        both, and the clusters' tables add up.

        Args:
            from_round: Round key of the start (``"baseline"``, ``"midline"``...).
            to_round: Round key of the end.
            by: Disaggregations: sequences of dimensions from :data:`DIMENSIONS` but
                ``group`` and ``cooperative`` (a member may be in several, and a member's
                groups change between rounds), e.g. ``[(), ("kabupaten", "sex")]``.

        Returns:
            A :class:`~klaster.measurement.transitions.TransitionTable`: one row per cell,
            quadrant before and quadrant after, with count and shares, plus the attrition of
            each cell.

        Raises:
            ValidationError: An unknown dimension, or ``group`` or ``cooperative``.
            NotFoundError: No round has one of the keys.
        """
        frames = frames_of(self.program, self.observations, self.poverty_lines)
        specs = list(dict.fromkeys(tuple(s) for s in by))
        with gc_paused():
            if self.backend != "python":
                from klaster.measurement._backends.polars import (
                    transitions as _polars_transitions,  # the optional extra
                )

                try:
                    return _polars_transitions.transition_table(
                        self, frames, from_round, to_round, specs
                    )
                except Unsupported:
                    pass  # values the fast path cannot place exactly: the Python way
            return transition_table(frames, from_round, to_round, specs)

    # -- readiness -----------------------------------------------------------------------------
    def readiness(
        self, rule: Rule, round_id: str, level: Level | str = Level.CLUSTER
    ) -> list[Readiness]:
        """Evaluate a readiness rule for every unit of ``level`` in one cluster's round.

        Member criteria read the member's own value; group criteria read member indicators
        aggregated over the group's members (or the group's own variables); cluster criteria
        read the cluster's figure. Every line names the round its evidence comes from.
        """
        return lookups.readiness(self, rule, round_id, Level(level))

    def lookup(self, round_id: str, level: Level | str = Level.CLUSTER) -> Lookup:
        """A criterion lookup reading indicator figures of one round at ``level``."""
        return lookups.lookup(self, round_id, Level(level))

    def guard(self, rule: Rule, round_id: str, *, name: str = "readiness") -> Guard:
        """A lifecycle guard evaluating ``rule`` for the cluster on the evidence of ``round_id``."""
        return as_guard(rule, self.lookup(round_id, Level.CLUSTER), name=name)

    # -- the internal interface of the backends and lookups (_backends.context.Engine) ---------
    def indicator(self, code: str) -> AnyIndicator:
        """The registered indicator ``code``.

        Raises:
            NotFoundError: No indicator has the code (the message lists the known ones).
        """
        found = self._by_code.get(code)
        if found is None:
            raise NotFoundError(f"no indicator {code!r}; known: {', '.join(self.codes())}")
        return found

    def compiled(self, code: str) -> Op:
        """The compiled formula of a registered indicator, its named rounds checked (internal)."""
        found = self._compiled[code]
        check_round_names(self.observations, self._by_code[code], found)
        return found

    def target(self, code: str, round_key: str) -> Decimal | None:
        """The target set for an indicator in a round kind, if any (see :meth:`set_target`)."""
        return self._targets.get((code, round_key))

    def knows(self, code: str) -> bool:
        """Whether ``code`` names a registered indicator or a variable (internal)."""
        return code in self._by_code or code in self._kinds

    def frame(self, round_id: str) -> UnitFrame:
        """The frame of one round of one cluster, for unit values and readiness (internal)."""
        rnd = self.observations.round(round_id)
        cluster = self.program.clusters[rnd.cluster_id]
        return frame_of(cluster, rnd, self.observations, self.poverty_lines)


_BACKENDS = ("python", "polars", "auto", "duckdb", "spark")


def _backend(value: object) -> str:
    if value not in _BACKENDS:
        raise ValidationError(
            f"unknown backend {value!r}; use one of {', '.join(map(repr, _BACKENDS))}",
            path="backend",
        )
    if value == "python":
        return "python"
    extra = "columnar" if value in ("polars", "auto") else "sql"
    try:
        import numpy  # noqa: F401
        import polars  # noqa: F401

        if value == "duckdb":  # the SQL engines build their tables with polars, as Arrow
            import duckdb  # noqa: F401
            import pyarrow  # noqa: F401
    except ImportError:
        if value == "auto":
            return "python"
        needs = "polars and numpy" if extra == "columnar" else "duckdb, pyarrow, polars and numpy"
        raise KlasterError(
            f"backend={value!r} needs {needs}: pip install 'klaster[{extra}]'"
        ) from None
    return "polars" if value == "auto" else str(value)
