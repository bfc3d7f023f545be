"""The columnar screening backend: the rules compiled to one lazy polars query on exact integers.

Every number a rule compares is held as an ``Int64`` scaled by ``10**S`` (``S`` the most
decimals any value or threshold of that variable has), so comparisons are exact. A per-capita
comparison ``round_half_even(n / d, 18) <op> T`` is made as ``n <op> T·d``: the two agree
whenever ``d·10**S < 2·10**18`` (a non-zero difference ``(n - T·d) / (d·10**S)`` is then larger
than the half unit of the 18th decimal that rounding could remove), which :func:`compile_rules`
checks together with the Int64 range before it runs. Decisions, failed codes and scorecard
totals come from polars; a decision's evidence (values, lines, the reason in words) is rebuilt
exactly, one applicant at a time, when it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from klaster.catalogue.criterion import Operator
from klaster.catalogue.eligibility import EligibilityCriterion, LineRef, Membership
from klaster.catalogue.scorecard import Scorecard
from klaster.catalogue.variable import ValueType
from klaster.errors import ValidationError
from klaster.measurement.readiness import AllOf, EssentialPlusConditional, KOfN, Weighted
from klaster.targeting._evaluate import SECTOR_AREA, Plan
from klaster.targeting.screening_variables import HOUSEHOLD_SIZE

ID, SECTOR, SIZE, AREA, ON = "applicant_id", "sector", HOUSEHOLD_SIZE, "__area", "__on"
MONTH = "__month"
IN_AREA = "__in_area"  # the sector_area check (null: not checked), when the program is known
_LIMIT = 2**62  # headroom below Int64's 2**63 for sums of products
_ROUNDING = 2 * 10**18
_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER)
_OPS: dict[Operator, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    Operator.GE: lambda a, b: a >= b,
    Operator.GT: lambda a, b: a > b,
    Operator.LE: lambda a, b: a <= b,
    Operator.LT: lambda a, b: a < b,
    Operator.EQ: lambda a, b: a == b,
    Operator.NE: lambda a, b: a != b,
}


def decimals(value: Decimal) -> int:
    """How many decimals ``value`` needs (``Decimal('2.50')`` needs 1)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def scaled(value: Decimal, scale: int) -> int:
    """``value · 10**scale`` as an exact integer."""
    return int(value.scaleb(scale))


def _data_scale(dtype: pl.DataType, code: str) -> int:
    if dtype.is_integer():
        return 0
    if isinstance(dtype, pl.Decimal):
        return int(dtype.scale or 0)
    if dtype == pl.Null:
        return 0
    raise ValidationError(
        f"column {code!r} holds {dtype}: screening compares exact numbers (integers or "
        "decimals), never floating point",
        path=code,
    )


class Compiled:
    """The rules as polars expressions over one frame (internal)."""

    def __init__(
        self,
        plan: Plan,
        schema: pl.Schema,
        lines: dict[str, list[Decimal | None]],
        bounds: dict[str, int],
        max_size: int,
        line_scales: dict[str, int],
        nullable: frozenset[str] | None = None,
    ) -> None:
        self.plan = plan
        self.nullable = nullable
        self.line_scales = line_scales
        self.lines = lines
        self.schema = schema
        self.scales: dict[str, int] = {}
        self.items = [*plan.rules.items]
        self.sector_items = [c for cs in plan.sector_items.values() for c in cs]
        everything = [*self.items, *self.sector_items]
        for item in everything:
            for code, numbers in _numbers_of(item, lines):
                kind = plan.catalogue[code].type if code != SIZE else ValueType.INTEGER
                if kind not in _NUMERIC:
                    continue
                base = 0 if code == SIZE else _data_scale(schema[code], code)
                wanted = max([base, *(decimals(n) for n in numbers)])
                self.scales[code] = max(self.scales.get(code, 0), wanted)
        for code, scale in self.scales.items():
            peak = bounds.get(code, 0) * 10**scale
            if peak >= _LIMIT or max_size * 10**scale >= _ROUNDING:
                raise ValidationError(
                    f"values of {code!r} are too large for exact columnar screening; use "
                    "backend='python'",
                    path=code,
                )
        self.max_size = max_size

    def number(self, code: str) -> pl.Expr:
        scale = self.scales.get(code, 0)
        column = pl.col(code)
        if isinstance(self.schema[code], pl.Decimal):
            column = column.cast(pl.Decimal(38, scale)) * 10**scale
            whole: pl.Expr = column.cast(pl.Int64)
            return whole
        column = column.cast(pl.Int64)
        return column * 10**scale if scale else column

    def _limit(self, value: int) -> pl.Expr:
        if abs(value) * max(self.max_size, 1) >= _LIMIT:
            raise ValidationError(
                "a threshold is too large for exact columnar screening; use backend='python'",
                path="rules",
            )
        return pl.lit(value, dtype=pl.Int64)

    def compare(self, code: str, op: Operator, limit: pl.Expr, per_capita: bool) -> pl.Expr:
        right = limit * pl.col(SIZE).cast(pl.Int64) if per_capita else limit
        return _OPS[op](self.number(code), right)

    def null(self, code: str) -> bool:
        """Whether column ``code`` may hold a missing value (``None``: unknown, so yes)."""
        return self.nullable is None or code in self.nullable

    def can_be_null(self, item: Any, *, of_sector: bool = False) -> bool:
        """Whether ``item``'s outcome may be missing (``of_sector``: for its own sector's rows)."""
        if item.sector is not None and not of_sector:
            return True
        if isinstance(item, Scorecard):
            return any(self.null(i.reads) for i in item.items)
        line = isinstance(item.threshold, LineRef) and None in self.lines[item.code]
        return line or self.null(item.reads)

    def criterion(self, c: EligibilityCriterion, *, raw: bool = False) -> pl.Expr:
        """The outcome of ``c`` (``raw``: without the null for rows of other sectors)."""
        column = pl.col(c.reads)
        t = c.threshold
        if isinstance(t, LineRef):
            assert not isinstance(c.operator, Membership)
            up = self.scales.get(c.reads, 0) - self.line_scales[c.code]
            found = [abs(v) for v in self.lines[c.code] if v is not None]
            self._limit(scaled(max(found, default=Decimal(0)), self.scales.get(c.reads, 0)))
            limit = pl.col(f"__line_{c.code}")
            limit = limit * 10**up if up else limit
            passed = self.compare(c.reads, c.operator, limit, c.per_capita)
        elif isinstance(t, Decimal):
            assert not isinstance(c.operator, Membership)
            value = self._limit(scaled(t, self.scales.get(c.reads, 0)))
            passed = self.compare(c.reads, c.operator, value, c.per_capita)
        elif isinstance(t, tuple):
            inside = column.is_in(list(t))
            inside = inside if c.operator is Membership.IN else ~inside
            null = self.null(c.reads)
            passed = pl.when(column.is_null()).then(None).otherwise(inside) if null else inside
        else:
            assert not isinstance(c.operator, Membership)
            passed = _OPS[c.operator](column, pl.lit(t))
        return passed if raw else _only(passed, c.sector)

    def scorecard(self, card: Scorecard, scale: int) -> pl.Expr:
        total: pl.Expr | None = None
        for item in card.items:
            column = pl.col(item.reads)
            if item.points:
                part = self._points(item.reads, item.points, scale)
            else:
                part = pl.lit(0, dtype=pl.Int64)
                for band in reversed(item.bands):
                    holds: pl.Expr | None = None
                    for bound, op in ((band.at_least, Operator.GE), (band.below, Operator.LT)):
                        if bound is not None:
                            b = self._limit(scaled(bound, self.scales.get(item.reads, 0)))
                            test = self.compare(item.reads, op, b, item.per_capita)
                            holds = test if holds is None else holds & test
                    assert holds is not None  # a band has a bound
                    part = pl.when(holds).then(scaled(band.points, scale)).otherwise(part)
            if self.null(item.reads):
                part = pl.when(column.is_null()).then(None).otherwise(part)
            total = part if total is None else total + part
        assert total is not None
        return total

    def _points(
        self, code: str, points: Sequence[tuple[str | bool, Decimal]], scale: int
    ) -> pl.Expr:
        column = pl.col(code)
        if self.plan.catalogue[code].type is ValueType.BOOLEAN:
            given = dict(points)
            yes = scaled(given.get(True, Decimal(0)), scale)
            no = scaled(given.get(False, Decimal(0)), scale)
            return pl.when(column).then(pl.lit(yes, pl.Int64)).otherwise(pl.lit(no, pl.Int64))
        return column.replace_strict(
            [k for k, _ in points],
            [scaled(p, scale) for _, p in points],
            default=0,
            return_dtype=pl.Int64,
        )


def _only(passed: pl.Expr, sector: str | None) -> pl.Expr:
    if sector is None:
        return passed
    return pl.when(pl.col(SECTOR) == sector).then(passed).otherwise(None)


def _numbers_of(
    item: Any, lines: dict[str, list[Decimal | None]]
) -> list[tuple[str, list[Decimal]]]:
    if isinstance(item, EligibilityCriterion):
        found: list[Decimal] = []
        if isinstance(item.threshold, Decimal):
            found = [item.threshold]
        elif isinstance(item.threshold, LineRef):
            found = [v for v in lines.get(item.code, []) if v is not None]
        pairs = [(item.reads, found)]
        return [*pairs, (SIZE, [])] if item.per_capita else pairs
    out: list[tuple[str, list[Decimal]]] = []
    for line in item.items:
        bounds = [b for band in line.bands for b in (band.at_least, band.below) if b is not None]
        out.append((line.reads, bounds))
    return out


def card_scale(card: Scorecard) -> int:
    numbers = [
        card.cut_off,
        *(p for i in card.items for _, p in i.points),
        *(b.points for i in card.items for b in i.bands),
    ]
    return max(decimals(n) for n in numbers)


def _combine(plan: Plan, passed: list[pl.Expr], nulls: list[bool]) -> pl.Expr:
    rule = plan.rules.rule
    if not any(nulls) and not isinstance(rule, Weighted):
        # Every outcome is known: all of, and essential plus conditional, are a plain "and".
        if isinstance(rule, KOfN):
            return pl.sum_horizontal([p.cast(pl.Int32) for p in passed]) >= rule.k
        return pl.all_horizontal(passed)
    applies = [p.is_not_null() for p in passed]
    met = [p.fill_null(False) for p in passed]
    failed = [p.not_().fill_null(False) for p in passed]
    if isinstance(rule, AllOf):
        return pl.any_horizontal(applies) & ~pl.any_horizontal(failed)
    if isinstance(rule, KOfN):
        return pl.sum_horizontal([m.cast(pl.Int32) for m in met]) >= rule.k
    if isinstance(rule, EssentialPlusConditional):
        return _essential_plus(rule.criteria, met, failed)
    assert isinstance(rule, Weighted)
    weights = [c.weight for c in rule.criteria]
    scale = max(decimals(w) for w in weights)
    ints = [scaled(w, scale) for w in weights]
    total = pl.sum_horizontal(
        [pl.when(a).then(w).otherwise(0) for a, w in zip(applies, ints, strict=True)]
    )
    got = pl.sum_horizontal(
        [pl.when(m).then(w).otherwise(0) for m, w in zip(met, ints, strict=True)]
    )
    must = [
        pl.when(essential(c) | (c.code in rule.required)).then(m).otherwise(True)
        for m, c in zip(met, rule.criteria, strict=True)
    ]
    q = decimals(rule.score)
    share = got.cast(pl.Int64) * 10**q >= total.cast(pl.Int64) * scaled(rule.score, q)
    decided: pl.Expr = (total > 0) & pl.all_horizontal([pl.lit(True), *must]) & share
    return decided


def essential(item: Any) -> pl.Expr:
    """Whether ``item`` is essential for a row: never for a sector it is not of."""
    if item.sector is None or not item.essential:
        constant: pl.Expr = pl.lit(item.essential)
        return constant
    mine: pl.Expr = pl.col(SECTOR) == item.sector
    return mine


def _essential_plus(criteria: Sequence[Any], met: list[pl.Expr], failed: list[pl.Expr]) -> pl.Expr:
    parts = [
        pl.when(essential(c)).then(m).otherwise(~f)
        for c, m, f in zip(criteria, met, failed, strict=True)
    ]
    return pl.all_horizontal(parts)


def compile_rules(
    plan: Plan,
    frame: pl.LazyFrame,
    bounds: dict[str, int],
    max_size: int,
    lines: dict[str, list[Decimal | None]],
    line_scales: dict[str, int],
    nullable: frozenset[str] | None = None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The screening queries: the decisions, and their details row for row.

    The decisions are ID, sector and eligible; the details the failed codes, each item's
    outcome and the scorecards' totals.
    """
    schema = frame.collect_schema()
    compiled = Compiled(plan, schema, lines, bounds, max_size, line_scales, nullable)
    passed: list[pl.Expr] = []
    codes: list[str] = []
    totals: list[pl.Expr] = []
    for item in compiled.items:
        if isinstance(item, EligibilityCriterion):
            passed.append(compiled.criterion(item))
        else:
            scale = card_scale(item)
            total = _only(compiled.scorecard(item, scale), item.sector)
            totals.append(total.alias(f"__total_{item.code}"))
            passed.append(_OPS[item.operator](total, pl.lit(scaled(item.cut_off, scale))))
        codes.append(item.code)
    eligible = _combine(plan, passed, [compiled.can_be_null(i) for i in compiled.items])
    sector_passed: list[pl.Expr] = []
    for sector, items in plan.sector_items.items():
        mine = [compiled.criterion(c) for c in items]
        sector_passed += mine
        codes += [c.code for c in items]
        if any(compiled.can_be_null(c, of_sector=True) for c in items):
            met = [p.fill_null(False) for p in mine]
            failed = [p.not_().fill_null(False) for p in mine]
            ok = _essential_plus(items, met, failed)
        else:
            ok = pl.all_horizontal([compiled.criterion(c, raw=True) for c in items])
        eligible = eligible & ((pl.col(SECTOR) != sector) | ok)
    everything = [*passed, *sector_passed]
    flagged = list(everything)  # the items whose outcome a decision's evidence takes from here
    needed = [essential(i) for i in (*compiled.items, *compiled.sector_items)]
    if IN_AREA in schema:
        # The core sector_area check, outside the rules' form: failed, never eligible.
        eligible = eligible & pl.col(IN_AREA).fill_null(True)
        everything.append(pl.col(IN_AREA))
        needed.append(pl.lit(False))
        codes.append(SECTOR_AREA)
    failed_codes = pl.concat_str(
        [
            pl.when(p.not_().fill_null(e)).then(pl.lit(code))
            for p, code, e in zip(everything, codes, needed, strict=True)
        ],
        separator=";",
        ignore_nulls=True,
    )
    decisions = frame.select(pl.col(ID), pl.col(SECTOR), eligible.alias("eligible"))
    details = frame.select(
        failed_codes.alias("failed"),
        *[p.alias(f"__passed_{i}") for i, p in enumerate(flagged)],
        *totals,
    )
    return decisions, details
