"""What a report is built from: the program, its data, the scope, and the figures computed once.

:class:`Scope` says what the report covers (the program, a cluster, a sector, a round);
:class:`ReportData` holds the inputs and the indicator figures of that scope, computed once by
:meth:`klaster.measurement.Measurement.report` and read by every section, so the report shows
exactly the figures the measurement gives. The sections add the definitions of the indicators
they show to :attr:`ReportData.definitions` (the report's appendix).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from attrs import define, field, frozen

from klaster._support.suggest import did_you_mean
from klaster.errors import NotFoundError
from klaster.label import Label
from klaster.measurement import CORE_INDICATORS, WELFARE_INDICATORS, Measurement
from klaster.reports.document import Definition

if TYPE_CHECKING:
    from klaster.finance import Finance
    from klaster.measurement import Row
    from klaster.model.program import Program
    from klaster.observations import Observations, Round

__all__ = ["Cell", "ReportData", "Scope", "round_key"]

Cell = tuple[tuple[str, str], ...]
"""A disaggregation cell: ``(dimension, category)`` pairs (``()``: the whole program)."""
Index = dict[tuple[str, frozenset[tuple[str, str]]], "dict[str, Row]"]


@frozen
class Scope:
    """What a report covers: the whole program, or one cluster, one sector, one round.

    The three narrow a report together (a cluster's endline, a sector in one cluster).

    Args:
        cluster: Only this cluster (its ID).
        sector: Only this sector (its code).
        round: Only this round: a round key (``"baseline"``, ``"endline"``, ``"midline_2"``)
            or a round ID.
    """

    cluster: str | None = None
    sector: str | None = None
    round: str | None = None

    @property
    def kind(self) -> str:
        """``"round"``, ``"cluster"``, ``"sector"`` or ``"program"``: the narrowest given."""
        if self.round is not None:
            return "round"
        if self.cluster is not None:
            return "cluster"
        return "sector" if self.sector is not None else "program"

    @property
    def cell(self) -> Cell:
        """The disaggregation cell of the scope's headline figures (``()``: the program)."""
        found = [("cluster", self.cluster), ("sector", self.sector)]
        return tuple((k, v) for k, v in found if v is not None)


def _tuple_of_finance(value: Iterable[Finance] | Finance | None) -> tuple[Finance, ...]:
    if value is None:
        return ()
    if isinstance(value, Iterable) and not hasattr(value, "ledger"):
        return tuple(value)
    return (value,)  # type: ignore[return-value]


@define
class ReportData:
    """The inputs of one report and its figures (the internal interface of the sections).

    Args:
        program: The program.
        observations: Its survey rounds and values (``None``: sections on figures say so).
        finance: The finance books (one per cluster), if any.
        scope: What the report covers.
        made_on: The report's date.
        backend: The measurement backend (``Measurement``'s: ``"python"``, ``"polars"``,
            ``"auto"``, ``"duckdb"``, ``"spark"``; the same figures).
    """

    program: Program
    observations: Observations | None
    finance: tuple[Finance, ...] = field(converter=_tuple_of_finance)
    scope: Scope = field(factory=Scope)
    made_on: _dt.date = field(factory=_dt.date.today)
    backend: str = "python"
    engine: Measurement | None = field(init=False, default=None)
    rows: tuple[Row, ...] = field(init=False, default=())
    definitions: dict[str, Definition] = field(init=False, factory=dict)
    _index: dict[int, tuple[tuple[Row, ...], Index]] = field(init=False, factory=dict)
    _days: dict[str, dict[str, _dt.date]] | None = field(init=False, default=None)

    def __attrs_post_init__(self) -> None:
        self._check_scope()
        if self.observations is not None:
            self.engine = Measurement(self.program, self.observations, backend=self.backend)

    def _check_scope(self) -> None:
        scope = self.scope
        if scope.cluster is not None and scope.cluster not in self.program.clusters:
            known = [c.id for c in self.program.clusters]
            hint = did_you_mean(scope.cluster, known) or f"clusters: {', '.join(known)}"
            raise NotFoundError(f"no cluster {scope.cluster!r} in the program; {hint}")
        if scope.sector is not None and scope.sector not in self.sectors(every=True):
            known = self.sectors(every=True)
            hint = did_you_mean(scope.sector, known) or f"sectors: {', '.join(known)}"
            raise NotFoundError(f"no sector {scope.sector!r} in the program; {hint}")

    # -- what the scope holds ------------------------------------------------------------------
    def clusters(self) -> list[str]:
        """The IDs of the clusters in scope."""
        wanted = self.scope.cluster
        return [c.id for c in self.program.clusters if wanted is None or c.id == wanted]

    def sectors(self, *, every: bool = False) -> list[str]:
        """The sector codes of the clusters in scope (``every``: of the whole program)."""
        found: dict[str, None] = {}
        for cluster in self.program.clusters:
            if every or cluster.id in self.clusters():
                found.update(dict.fromkeys(s.sector for s in cluster.sectors))
        codes = list(found)
        if not every and self.scope.sector is not None:
            codes = [c for c in codes if c == self.scope.sector]
        return codes

    def indicator_codes(self) -> list[str]:
        """The indicators a report shows: the core and welfare ones, then its sectors' own."""
        if self.engine is None:
            return []
        core = [i.code for i in (*CORE_INDICATORS, *WELFARE_INDICATORS)]
        sectors = set(self.sectors())
        own = [
            code
            for code in self.engine.codes()
            if getattr(self.engine.indicator(code), "sector", None) in sectors
        ]
        return [c for c in core if self.engine.knows(c)] + own

    # -- figures -------------------------------------------------------------------------------
    def compute(self, extra: Sequence[str] = ()) -> None:
        """Compute the scope's figures once: the headline cell and its cells by sector."""
        if self.engine is None:
            return
        base = self.scope.cell
        by_sector = base if self.scope.sector is not None else (*base, ("sector", ""))
        specs = [tuple(k for k, _ in base), tuple(k for k, _ in by_sector)]
        codes = list(dict.fromkeys([*self.indicator_codes(), *extra]))
        codes = [c for c in codes if self.engine.knows(c)]
        rows = self.engine.report(codes, by=list(dict.fromkeys(specs)))
        wanted_round = self._round_key(rows)
        kept = []
        for row in rows:
            named = dict(row.by)
            if any(named.get(k) != v for k, v in base):
                continue
            if wanted_round is not None and row.round_id != wanted_round:
                continue
            kept.append(row)
        self.rows = tuple(kept)

    def _round_key(self, rows: Iterable[Row]) -> str | None:
        wanted = self.scope.round
        if wanted is None:
            return None
        keys = list(dict.fromkeys(r.round_id for r in rows if r.round_id is not None))
        if wanted in keys:
            return wanted
        assert self.observations is not None
        found = next((r for r in self.observations.rounds() if r.id == wanted), None)
        if found is not None:
            key = round_key(self.observations, found)
            if key in keys:
                return key
        ids = [r.id for r in self.observations.rounds()]
        hint = did_you_mean(wanted, [*keys, *ids]) or f"rounds: {', '.join([*keys, *ids])}"
        raise NotFoundError(f"no round {wanted!r} in the observations; {hint}")

    def rounds(self) -> list[tuple[str, _dt.date | None]]:
        """The round keys of the figures in date order (earliest date of each key).

        A key's date is shown when every cluster surveyed it on one day; its place in the
        order is its earliest day in any cluster (clusters survey on their own days: ordered by
        name, a program's ``midline`` came after its ``endline``).
        """
        dates = self._round_dates()
        earliest = {key: min(days.values()) for key, days in dates.items()}
        first: dict[str, _dt.date | None] = {}
        for row in self.rows:
            if row.round_id is None:
                continue
            seen = first.get(row.round_id)
            if row.round_id not in first or (
                row.on is not None and (seen is None or row.on < seen)
            ):
                first[row.round_id] = row.on
        return sorted(
            first.items(),
            key=lambda item: (earliest.get(item[0]) or item[1] or _dt.date.max, item[0]),
        )

    def round_days(self, key: str) -> tuple[_dt.date, _dt.date] | None:
        """The first and last day the clusters in scope surveyed round ``key`` (``None``: none).

        A row's date is the key's only when every cluster of the program surveyed it on one day;
        a heading shows these days instead: the cluster's own in a cluster's report, the span
        of the clusters' days in the program's.
        """
        if self.observations is None:
            return None
        wanted = set(self.clusters())
        if self.scope.sector is not None:
            wanted &= {
                c.id
                for c in self.program.clusters
                if any(s.sector == self.scope.sector for s in c.sectors)
            }
        days = [d for c, d in self._round_dates().get(key, {}).items() if c in wanted]
        return (min(days), max(days)) if days else None

    def _round_dates(self) -> dict[str, dict[str, _dt.date]]:
        # Each round key's day per cluster, found once: every heading and section asks.
        if self._days is None:
            from klaster.measurement import round_dates

            self._days = {} if self.observations is None else round_dates(self.observations)
        return self._days

    def headline(
        self, code: str, cell: Cell | None = None, rows: Iterable[Row] | None = None
    ) -> dict[str, Row]:
        """Round key → the figure of ``code`` in ``cell`` (default: the scope's headline cell).

        ``rows`` are figures computed apart (a plugin section's breakdown); by default the
        report's own.
        """
        wanted = frozenset(self.scope.cell if cell is None else cell)
        table = self.rows if rows is None else rows if isinstance(rows, tuple) else tuple(rows)
        return self._indexed(table).get((code, wanted), {})

    def _indexed(self, rows: tuple[Row, ...]) -> Index:
        # Rows by indicator and cell, built once per table of rows: a report of a thousand
        # clusters looks up each figure in a dict, not by scanning every row.
        cached = self._index.get(id(rows))
        if cached is not None and cached[0] is rows:
            return cached[1]
        index: Index = {}
        for row in rows:
            index.setdefault((row.indicator, frozenset(row.by)), {})[row.round_id or "-"] = row
        self._index[id(rows)] = (rows, index)
        return index

    def by_sector(self, code: str) -> dict[tuple[str, str], Row]:
        """(sector, round key) → the figure of ``code`` in each sector of the scope."""
        found = {}
        for row in self.rows:
            sector = row.dimension("sector")
            if (
                row.indicator == code
                and sector is not None
                and len(row.by)
                == len(self.scope.cell) + (0 if self.scope.sector is not None else 1)
            ):
                found[(sector, row.round_id or "-")] = row
        return found

    def define(self, code: str) -> None:
        """Add indicator ``code``'s definition to the appendix (once)."""
        if self.engine is None or code in self.definitions or not self.engine.knows(code):
            return
        try:
            indicator = self.engine.indicator(code)
        except NotFoundError:
            return  # a variable, not an indicator: defined by its catalogue
        self.definitions[code] = Definition(code, indicator.name, definition_text(indicator))


def round_key(observations: Observations, rnd: Round) -> str:
    """The key a round's figures carry, as the measurement keys them (``"midline_2"``).

    Its kind, numbered from the second of its cluster's rounds of that kind.
    """
    same = [r.id for r in observations.rounds(rnd.cluster_id) if r.kind is rnd.kind]
    ordinal = same.index(rnd.id) + 1
    return rnd.kind.value if ordinal == 1 else f"{rnd.kind.value}_{ordinal}"


def definition_text(indicator: object) -> Label:
    """What an indicator measures, how its units combine and its unit, in both languages."""
    description = getattr(indicator, "description", None)
    aggregation = getattr(indicator, "aggregation", None)
    unit = getattr(indicator, "unit", None) or "-"
    formula = getattr(indicator, "formula", None)
    how_id = how_en = ""
    if aggregation is not None:
        label = getattr(aggregation, "label", None)
        how_id = f" Agregasi: {label.id if label else aggregation.value}."
        how_en = f" Aggregation: {label.en if label else aggregation.value}."
    rule_id = f" Rumus: {formula}." if formula else ""
    rule_en = f" Formula: {formula}." if formula else ""
    base_id = description.id if isinstance(description, Label) else ""
    base_en = description.en if isinstance(description, Label) else ""
    return Label(
        f"{base_id}{how_id}{rule_id} Satuan: {unit}.".strip(),
        f"{base_en}{how_en}{rule_en} Unit: {unit}.".strip(),
    )
