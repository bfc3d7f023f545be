"""The hand-written polars reference of the measurement benchmark, and the export it reads.

``export`` turns the program's records and the observations into polars frames as an analyst
would prepare them (not timed); ``reference`` computes every figure of the report from those
frames with a plain polars query (timed against the library). It adds up the same scaled
integers as the library and divides each figure in ``Float64``; the one rule it shares with the
library is the formula language's for a division per unit (a yield per hectare inside
``productivity_change``): the quotient rounded half-even to 18 decimals, done here in ``Int128``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from klaster import Program
from klaster.catalogue.variable import Level, ValueType
from klaster.measurement.evaluate import DIVISION_SCALE
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.na import NotAvailable
from klaster.model.region import RegionLevel
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS
from klaster.observations.values import Observations

__all__ = ["VARIABLES", "Figure", "Key", "export", "reference"]

VARIABLES = (
    "monthly_income",
    "household_size",
    "monthly_revenue",
    "monthly_costs",
    "workers",
    "business_running",
    "planted_area_ha",
    "harvest_kg",
    "harvest_price",
    "farm_input_costs",
    "herd_start",
    "herd_births",
    "herd_deaths",
    "herd_purchases",
    "herd_end",
    "herd_sales_value",
    *CIBEST_ITEMS,
    *SOCIAL_CAPITAL_ITEMS,
)
Key = tuple[str, str, str | None, str | None]  # indicator, round, cluster, sector
Figure = tuple[Any, int, int, Any, Any]  # value, n, missing, numerator, denominator


# -- export (not timed in the reference) ---------------------------------------------------------


def export(program: Program, obs: Observations) -> dict[str, pl.DataFrame]:
    """Polars frames of the observations and records, as an analyst would prepare them."""
    scales = dict.fromkeys(VARIABLES, 0)
    chunks: dict[str, list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]]] = {
        c: [] for c in VARIABLES
    }
    member_ids: list[str] = []
    round_of_row: list[str] = []
    for cluster in program.clusters:
        for rnd in obs.rounds(cluster.id):
            units = obs.units(rnd.id, Level.MEMBER)
            member_ids += units
            round_of_row += [rnd.id] * len(units)
            columns = obs.columns(rnd.id, Level.MEMBER)
            for code in VARIABLES:
                data, ok, scale = _column(columns.get(code), len(units))
                scales[code] = max(scales[code], scale)
                chunks[code].append((data, ok, scale))
    series = [pl.Series("member", member_ids), pl.Series("round_id", round_of_row)]
    for code in VARIABLES:
        top = scales[code]
        data = np.concatenate([d * 10 ** (top - k) for d, _, k in chunks[code]])
        ok = np.concatenate([v for _, v, _ in chunks[code]])
        column = pl.Series(code, data)
        if obs.variable(code).type is ValueType.BOOLEAN:
            column = column.cast(pl.Boolean)
        series.append(pl.select(pl.when(pl.Series(ok)).then(column)).to_series().alias(code))
    values = pl.DataFrame(series)
    lines = PovertyLines.bps_national()
    rounds = []
    kinds = {"baseline": "baseline", "midline": "midline", "endline": "endline"}
    for cluster in program.clusters:
        kabupaten = cluster.region.at_level(RegionLevel.KABUPATEN)[0].code or "national"
        for rnd in obs.rounds(cluster.id):
            match = lines.lookup(kabupaten, rnd.on)
            rounds.append(
                {
                    "cluster": cluster.id,
                    "round_id": rnd.id,
                    "round": kinds[rnd.kind.value],
                    "on": rnd.on,
                    "line": None if isinstance(match, NotAvailable) else int(match.rupiah),
                }
            )
    members = pl.DataFrame(
        [
            {
                "cluster": c.id,
                "member": m.id,
                "sector": m.sector,
                "size": m.household_size,
                "joined": m.joined,
                "left": m.left,
            }
            for c in program.clusters
            for m in c.members
        ]
    )
    groups = pl.DataFrame(
        [
            {
                "cluster": c.id,
                "group": g.id,
                "sector": g.sector,
                "formed": g.formed,
                "dissolved": g.dissolved,
            }
            for c in program.clusters
            for g in c.groups
        ],
        schema_overrides={"dissolved": pl.Date},
    )
    spells = pl.DataFrame(
        [
            {"group": g.id, "joined": s.joined, "left": s.left}
            for c in program.clusters
            for g in c.groups
            for s in g.memberships
        ],
        schema_overrides={"left": pl.Date},
    )
    coops = pl.DataFrame(
        [
            {"cluster": c.id, "coop": k.id, "legal_on": k.legal.registered_on if k.legal else None}
            for c in program.clusters
            for k in c.cooperatives
        ],
        schema_overrides={"legal_on": pl.Date},
    )
    return {
        "values": values,
        "scales": pl.DataFrame([scales]),
        "rounds": pl.DataFrame(rounds),
        "members": members,
        "groups": groups,
        "spells": spells,
        "coops": coops,
    }


def _column(column: Any, size: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    if column is None:
        return np.zeros(size, dtype=np.int64), np.zeros(size, dtype=bool), 0
    b = column.buffers()
    data = np.frombuffer(b.data, dtype=np.dtype(b.typecode)).astype(np.int64)
    if b.valid is not None:
        ok = np.frombuffer(b.valid, dtype=np.uint8).astype(bool)
    else:
        ok = data != b.missing_code
        data = (data == 1).astype(np.int64)
    return data, ok, b.scale


# -- the reference query (timed) ------------------------------------------------------------------


def reference(frames: dict[str, pl.DataFrame]) -> dict[Key, Figure]:
    """Every figure of the report, by hand in polars: value (float), n, missing, num., denom."""
    scales = frames["scales"].row(0, named=True)
    rounds = frames["rounds"].lazy()
    members = frames["members"].lazy()
    values = (
        frames["values"]
        .lazy()
        .join(rounds, on="round_id")
        .join(members.select("member", "sector", pl.col("size").alias("record_size")), on="member")
        .with_columns(size=pl.coalesce("household_size", "record_size"))
    )
    base = values.filter(pl.col("round") == "baseline").select(
        "member",
        *(
            pl.col(c).alias(f"b_{c}")
            for c in ("monthly_income", "workers", "harvest_kg", "planted_area_ha")
        ),
    )
    values = (
        values.join(base, on="member", how="left")
        .with_columns(
            # No baseline value to compare with in the baseline round itself.
            *(
                pl.when(pl.col("round") != "baseline").then(pl.col(f"b_{c}")).alias(f"b_{c}")
                for c in ("monthly_income", "workers", "harvest_kg", "planted_area_ha")
            )
        )
        .collect()  # joined once; every aggregation below reads it
        .lazy()
    )
    out: dict[Key, Figure] = {}
    col = pl.col
    s = scales

    def unscaled(name: str) -> pl.Expr:
        expr: pl.Expr = col(name) / 10 ** int(s[name])
        return expr

    # Counted from the records: members, household members, groups, cooperatives.
    active = (
        members.join(rounds, on="cluster")
        .filter((col("joined") <= col("on")) & (col("left").is_null() | (col("on") < col("left"))))
        .join(
            frames["values"].lazy().select("member", "round_id", "household_size"),
            on=["member", "round_id"],
            how="left",
        )
        .with_columns(hh=pl.coalesce("household_size", "size"))
        .collect()
        .lazy()
    )
    _sums(out, "members", active, pl.len(), pl.len(), None, "count")
    _sums(out, "household_members", active, col("hh").count(), col("hh").sum(), None, "sum")
    spells = frames["spells"].lazy()
    groups = (
        frames["groups"]
        .lazy()
        .join(rounds, on="cluster")
        .filter(
            (col("formed") <= col("on"))
            & (col("dissolved").is_null() | (col("on") < col("dissolved")))
        )
    )
    with_members = (
        groups.join(spells, on="group")
        .filter((col("joined") <= col("on")) & (col("left").is_null() | (col("on") < col("left"))))
        .select("group", "round_id")
        .unique()
        .with_columns(active=pl.lit(True))
    )
    groups = (
        groups.join(with_members, on=["group", "round_id"], how="left")
        .with_columns(active=col("active").fill_null(False))
        .collect()
        .lazy()
    )
    _sums(out, "groups", groups, pl.len(), pl.len(), None, "count")
    _sums(out, "active_groups", groups, pl.len(), col("active").sum(), None, "count")
    _sums(out, "active_group_share", groups, pl.len(), col("active").sum(), pl.len(), "ratio")
    coops = (
        frames["coops"]
        .lazy()
        .join(rounds, on="cluster")
        .with_columns(legal=col("legal_on").is_not_null() & (col("legal_on") <= col("on")))
    )
    _sums(
        out,
        "legal_cooperatives",
        coops,
        pl.len(),
        col("legal").sum(),
        None,
        "count",
        by_sector=False,
    )

    # From the observations of the members surveyed.
    income, size = col("monthly_income"), col("size")
    both = income.is_not_null() & size.is_not_null()
    _ratio(out, "income_per_capita", values, both, income, size, (s["monthly_income"], 0))
    before = col("b_monthly_income")
    paired = income.is_not_null() & before.is_not_null()
    _ratio(
        out,
        "income_change_pct",
        values,
        paired,
        (income - before) * 100,
        before,
        (s["monthly_income"], s["monthly_income"]),
    )
    _poverty(out, values, unscaled("monthly_income"), size)

    # CIBEST: materially poor when income ≤ line × household size, spiritually poor when the
    # mean of the five items ≤ 3 (their sum ≤ 15); a household on a line counts as poor.
    items = pl.sum_horizontal([col(c) for c in CIBEST_ITEMS], ignore_nulls=False)
    material = income <= col("line") * 10 ** s["monthly_income"] * size
    quadrant = material.cast(pl.Int8) + 2 * (items <= 15).cast(pl.Int8)
    cibest = values.select("round", "cluster", "sector", q=quadrant).collect().lazy()
    for number, code in enumerate(
        (
            "cibest_welfare",
            "cibest_material_poverty",
            "cibest_spiritual_poverty",
            "cibest_absolute_poverty",
        )
    ):
        q = col("q")
        _sums(out, code, cibest, q.count(), (q == number).sum(), q.count(), "ratio")
    # Social capital: four 1-5 items scored to 0-100, all required: (sum - 4) × 6.25.
    answers = pl.sum_horizontal([col(c) for c in SOCIAL_CAPITAL_ITEMS], ignore_nulls=False)
    _mean(out, "social_capital_index", values, (answers - 4) * 625, 2)

    def at(name: str, scale: int) -> pl.Expr:  # a scaled column at a larger scale
        expr: pl.Expr = col(name) * 10 ** (scale - int(s[name]))
        return expr

    umkm = values.filter(col("sector") == "umkm").collect().lazy()
    scale = max(s["monthly_revenue"], s["monthly_costs"])
    rev = at("monthly_revenue", scale)
    profit = rev - at("monthly_costs", scale)
    _mean(out, "business_profit", umkm, profit, scale)
    _ratio(out, "profit_margin", umkm, profit.is_not_null(), profit, rev, (scale, scale))
    running = col("business_running")
    _sums(
        out,
        "business_survival_rate",
        umkm,
        running.count(),
        running.sum(),
        running.count(),
        "ratio",
    )
    jobs = col("workers") - col("b_workers")
    _sums(out, "jobs_created", umkm, jobs.count(), jobs.sum(), None, "sum")

    farming = values.filter(col("sector") == "farming").collect().lazy()
    kg, ha = col("harvest_kg"), col("planted_area_ha")
    _ratio(
        out,
        "yield_per_ha",
        farming,
        kg.is_not_null() & ha.is_not_null(),
        kg,
        ha,
        (s["harvest_kg"], s["planted_area_ha"]),
    )
    product = s["harvest_kg"] + s["harvest_price"]
    farm = kg * col("harvest_price") - at("farm_input_costs", product)
    _mean(out, "farm_income", farming, farm, product)
    # A division per unit (yield inside productivity_change) is the exact quotient rounded
    # half-even to 18 decimals: as integers, round(kg × 10**(18 + 2 - 1) / ha).
    shift = DIVISION_SCALE + s["planted_area_ha"] - s["harvest_kg"]
    yield_now = _half_even(kg.cast(pl.Int128) * 10**shift, ha)
    yield_before = _half_even(
        col("b_harvest_kg").cast(pl.Int128) * 10**shift, col("b_planted_area_ha")
    )
    farming = farming.with_columns(y_now=yield_now, y_before=yield_before)
    change = col("y_now") - col("y_before")
    _ratio(
        out,
        "productivity_change",
        farming,
        change.is_not_null(),
        change,
        col("y_before"),
        (DIVISION_SCALE, DIVISION_SCALE),
    )

    herd = values.filter(col("sector") == "livestock").collect().lazy()
    start, births, deaths = col("herd_start"), col("herd_births"), col("herd_deaths")
    at_risk = start + births + col("herd_purchases")
    _ratio(
        out,
        "mortality_rate",
        herd,
        deaths.is_not_null() & at_risk.is_not_null(),
        deaths,
        at_risk,
        (0, 0),
    )
    _ratio(
        out, "birth_rate", herd, births.is_not_null() & start.is_not_null(), births, start, (0, 0)
    )
    grown = col("herd_end") - start
    _ratio(out, "herd_growth", herd, grown.is_not_null(), grown, start, (0, 0))
    _mean(out, "livestock_sales_income", herd, col("herd_sales_value"), s["herd_sales_value"])
    return out


def _half_even(top: pl.Expr, bottom: pl.Expr) -> pl.Expr:
    """``top / bottom`` rounded half-even to an integer (null where ``bottom`` is 0 or null)."""
    whole = top // bottom
    twice = (top - whole * bottom) * 2
    up = (twice > bottom) | ((twice == bottom) & (whole % 2 == 1))
    return pl.when(bottom != 0).then(whole + up.cast(pl.Int128))


def _levels(frame: pl.LazyFrame, aggs: list[pl.Expr], by_sector: bool = True) -> pl.DataFrame:
    """The aggregations by cluster × sector, by cluster and in total, stacked.

    Every aggregation is a count or a sum, so the coarser levels add up the finest one.
    """
    finest = ["round", "cluster", "sector"] if by_sector else ["round", "cluster"]
    names = [a.meta.output_name() for a in aggs]
    fine = frame.group_by(finest).agg(aggs).collect()
    parts = [fine] if by_sector else []
    for key in (["round", "cluster"], ["round"]):
        if key == finest:
            parts.append(fine)
            continue
        parts.append(fine.group_by(key).agg(pl.col(n).sum() for n in names))
    return pl.concat(
        [
            p.with_columns(
                pl.lit(None, dtype=pl.String).alias(k) for k in ("cluster", "sector") if k not in p
            ).select("round", "cluster", "sector", *names)
            for p in parts
        ]
    )


def _emit(
    out: dict[Key, Figure], code: str, table: pl.DataFrame, figure: Callable[..., Figure]
) -> None:
    for row in table.iter_rows(named=True):
        out[(code, row["round"], row["cluster"], row["sector"])] = figure(row)


def _sums(
    out: dict[Key, Figure],
    code: str,
    frame: pl.LazyFrame,
    count: pl.Expr,
    total: pl.Expr,
    denominator: pl.Expr | None,
    kind: str,
    *,
    by_sector: bool = True,
) -> None:
    """Counts, sums and shares (``units`` is every unit, ``n`` those with a value)."""
    aggs = [pl.len().alias("units"), count.alias("n"), total.alias("total")]
    table = _levels(frame, aggs, by_sector)

    def figure(row: dict[str, Any]) -> Figure:
        n, total_ = row["n"], int(row["total"] or 0)
        value = None if n == 0 else (total_ / n if kind == "ratio" else total_)
        return value, n, row["units"] - n, total_, n if kind == "ratio" else None

    _emit(out, code, table, figure)


def _mean(
    out: dict[Key, Figure], code: str, frame: pl.LazyFrame, value: pl.Expr, scale: int
) -> None:
    aggs = [pl.len().alias("units"), value.count().alias("n"), value.sum().alias("total")]

    def figure(row: dict[str, Any]) -> Figure:
        n, total = row["n"], row["total"] or 0
        mean = None if n == 0 else total / 10**scale / n
        return mean, n, row["units"] - n, Decimal(total).scaleb(-scale), n

    _emit(out, code, _levels(frame, aggs), figure)


def _ratio(
    out: dict[Key, Figure],
    code: str,
    frame: pl.LazyFrame,
    both: pl.Expr,
    top: pl.Expr,
    bottom: pl.Expr,
    scales: tuple[int, int] | None,
) -> None:
    """Ratio of sums over the units where both parts are present (``scales``: exact parts)."""
    both = both & top.is_not_null() & bottom.is_not_null()
    aggs = [
        pl.len().alias("units"),
        both.sum().alias("n"),
        pl.when(both).then(top).sum().alias("top"),
        pl.when(both).then(bottom).sum().alias("bottom"),
    ]

    def figure(row: dict[str, Any]) -> Figure:
        n, top_, bottom_ = row["n"], row["top"] or 0, row["bottom"] or 0
        if scales is not None:
            top_, bottom_ = Decimal(top_).scaleb(-scales[0]), Decimal(bottom_).scaleb(-scales[1])
        value = None if n == 0 or bottom_ == 0 else float(top_) / float(bottom_)
        return value, n, row["units"] - n, top_, bottom_

    _emit(out, code, _levels(frame, aggs), figure)


def _poverty(out: dict[Key, Figure], frame: pl.LazyFrame, income: pl.Expr, size: pl.Expr) -> None:
    z = pl.col("line").cast(pl.Float64)
    counted = income.is_not_null() & size.is_not_null() & (size != 0) & z.is_not_null()
    per_capita = pl.max_horizontal(income / size, pl.lit(0.0))
    poor = counted & (per_capita < z)
    gap = (z - per_capita) / z
    aggs = [
        pl.len().alias("units"),
        counted.sum().alias("n"),
        pl.when(counted).then(size).sum().alias("people"),
        pl.when(poor).then(size).sum().alias("p0"),
        pl.when(poor).then(size * gap).sum().alias("p1"),
        pl.when(poor).then(size * gap * gap).sum().alias("p2"),
    ]
    table = _levels(frame, aggs)
    for code, measure in (
        ("poverty_headcount", "p0"),
        ("poverty_gap", "p1"),
        ("poverty_severity", "p2"),
    ):
        _emit(
            out,
            code,
            table,
            # No unit counted: the engine says so with n = missing = 0.
            lambda row, m=measure: (
                (None, 0, 0, None, None)
                if not row["n"]
                else ((row[m] or 0) / row["people"], row["n"], row["units"] - row["n"], None, None)
            ),
        )
