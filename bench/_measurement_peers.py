"""The two best hand-written peers of the measurement benchmark: DuckDB SQL and expert polars.

Both compute the same figures as ``bench/_measurement_reference.py`` (every indicator of the full
report, by round, round × cluster and round × cluster × sector) from the same exported frames,
with the same integer rules (scaled ``Int64`` values, exact sums, a yield per hectare inside
``productivity_change`` rounded half-even to 18 decimals in 128 bits) and the same float rules
for FGT. They differ from the plain reference in how they run:

* ``expert_polars``: one lazy plan. Every indicator's aggregations are expressions of a single
  group-by per table (members surveyed; members active; groups; cooperatives), sector-scoped
  indicators as masked expressions (``when(sector == ...)``), the coarser levels summed from the
  finest group, and every table collected at once with ``pl.collect_all`` (no collect per
  indicator).
* ``duckdb_sql``: hand-written SQL over Arrow tables of the same frames registered in an
  in-memory DuckDB (the registration is not timed, as the export is not): one query per table,
  every aggregation in one ``GROUP BY GROUPING SETS``, sector-scoped ones with ``FILTER``.

Both end the same way (``emit``): each cell's exact totals become the reference's figures
(value as float, n, missing, numerator, denominator) in a Python dict.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from bench._measurement_reference import Figure, Key

from klaster.measurement.evaluate import DIVISION_SCALE
from klaster.observations.core_variables import CIBEST_ITEMS, SOCIAL_CAPITAL_ITEMS

__all__ = ["DuckPeer", "expert_polars"]

# What each indicator reads from a cell: (code, kind, scope, detail).
# kind: "count" (value = total), "share" (total / n), "mean" (total / 10**scale / n),
# "ratio" (top / bottom, exact parts at the given scales), "poverty" (FGT of the shared sums).
_VALUES = (
    ("income_per_capita", "ratio", "all"),
    ("income_change_pct", "ratio", "all"),
    ("poverty_headcount", "poverty", "all"),
    ("poverty_gap", "poverty", "all"),
    ("poverty_severity", "poverty", "all"),
    ("cibest_welfare", "quadrant", "all"),
    ("cibest_material_poverty", "quadrant", "all"),
    ("cibest_spiritual_poverty", "quadrant", "all"),
    ("cibest_absolute_poverty", "quadrant", "all"),
    ("social_capital_index", "mean", "all"),
    ("business_profit", "mean", "umkm"),
    ("profit_margin", "ratio", "umkm"),
    ("business_survival_rate", "share", "umkm"),
    ("jobs_created", "count", "umkm"),
    ("yield_per_ha", "ratio", "farming"),
    ("farm_income", "mean", "farming"),
    ("productivity_change", "ratio", "farming"),
    ("mortality_rate", "ratio", "livestock"),
    ("birth_rate", "ratio", "livestock"),
    ("herd_growth", "ratio", "livestock"),
    ("livestock_sales_income", "mean", "livestock"),
)
_SCOPES = ("all", "umkm", "farming", "livestock")


def _scales(s: dict[str, int]) -> dict[str, tuple[int, ...]]:
    """The scale of each indicator's exact parts (ratios: top and bottom; means: the total)."""
    umkm = max(s["monthly_revenue"], s["monthly_costs"])
    farm = s["harvest_kg"] + s["harvest_price"]
    income = s["monthly_income"]
    return {
        "income_per_capita": (income, 0),
        "income_change_pct": (income, income),
        "social_capital_index": (2,),
        "business_profit": (umkm,),
        "profit_margin": (umkm, umkm),
        "yield_per_ha": (s["harvest_kg"], s["planted_area_ha"]),
        "farm_income": (farm,),
        "productivity_change": (DIVISION_SCALE, DIVISION_SCALE),
        "mortality_rate": (0, 0),
        "birth_rate": (0, 0),
        "herd_growth": (0, 0),
        "livestock_sales_income": (s["herd_sales_value"],),
    }


# -- figures from cells (shared by both peers) ----------------------------------------------------


def _cells(out: dict[Key, Figure], table: dict[str, list[Any]], s: dict[str, int]) -> None:
    """Every indicator's figure of every cell of the members surveyed (one column per part)."""
    keys = list(zip(table["round"], table["cluster"], table["sector"], strict=True))
    scales = _scales(s)
    for code, kind, scope in _VALUES:
        if f"u_{scope}" not in table:
            continue  # a table of another scope's cells
        units = table[f"u_{scope}"]
        if kind == "poverty":
            n, people = table["pov_n"], table["pov_people"]
            measure = table[
                {"poverty_headcount": "pov_p0", "poverty_gap": "pov_p1"}.get(code, "pov_p2")
            ]
            for i, (rnd, cluster, sector) in enumerate(keys):
                k = (code, rnd, cluster, sector)
                count = int(n[i] or 0)
                if not count:
                    out[k] = (None, 0, 0, None, None)
                else:
                    value = float(measure[i] or 0) / float(people[i])
                    out[k] = (value, count, int(units[i]) - count, None, None)
            continue
        if kind == "quadrant":
            n = table["q_n"]
            top = table[f"q_{_QUADRANTS.index(code)}"]
            _emit(out, code, keys, units, n, top, None, "share", ())
            continue
        n = table[f"{code}_n"]
        top = table[f"{code}_t"]
        bottom = table.get(f"{code}_b")
        _emit(out, code, keys, units, n, top, bottom, kind, scales.get(code, ()))


_QUADRANTS = (
    "cibest_welfare",
    "cibest_material_poverty",
    "cibest_spiritual_poverty",
    "cibest_absolute_poverty",
)


def _emit(
    out: dict[Key, Figure],
    code: str,
    keys: list[tuple[Any, Any, Any]],
    units: list[Any],
    n: list[Any],
    top: list[Any],
    bottom: list[Any] | None,
    kind: str,
    scales: tuple[int, ...],
) -> None:
    for i, (rnd, cluster, sector) in enumerate(keys):
        u = int(units[i] or 0)
        if not u:
            continue  # no unit of the indicator's scope in this cell: no figure
        count = int(n[i] or 0)
        total = int(top[i] or 0)
        if kind == "count":
            figure: Figure = (None if count == 0 else total, count, u - count, total, None)
        elif kind == "share":
            figure = (None if count == 0 else total / count, count, u - count, total, count)
        elif kind == "mean":
            mean = None if count == 0 else total / 10 ** scales[0] / count
            figure = (mean, count, u - count, Decimal(total).scaleb(-scales[0]), count)
        else:
            assert bottom is not None
            t = Decimal(total).scaleb(-scales[0])
            b = Decimal(int(bottom[i] or 0)).scaleb(-scales[1])
            value = None if count == 0 or b == 0 else float(t) / float(b)
            figure = (value, count, u - count, t, b)
        out[(code, rnd, cluster, sector)] = figure


def _records(out: dict[Key, Figure], table: dict[str, list[Any]]) -> None:
    """Members, households, groups and cooperatives counted from the records."""
    keys = list(zip(table["round"], table["cluster"], table["sector"], strict=True))
    for code, kind, units, n, top in (
        ("members", "count", "m_units", "m_units", "m_units"),
        ("household_members", "count", "m_units", "hh_n", "hh_t"),
        ("groups", "count", "g_units", "g_units", "g_units"),
        ("active_groups", "count", "g_units", "g_units", "g_active"),
        ("active_group_share", "share", "g_units", "g_units", "g_active"),
        ("legal_cooperatives", "count", "k_units", "k_units", "k_legal"),
    ):
        if units in table:
            _emit(out, code, keys, table[units], table[n], table[top], None, kind, ())


def _lists(frame: pl.DataFrame) -> dict[str, list[Any]]:
    return {name: frame[name].to_list() for name in frame.columns}


# -- expert polars: one lazy plan, collected at once ----------------------------------------------


def _levels(fine: pl.LazyFrame, names: list[str], by_sector: bool = True) -> list[pl.LazyFrame]:
    """The finest cells and the coarser levels summed from them (all lazy, one plan)."""
    keys = (["round", "cluster"], ["round"]) if by_sector else (["round"],)
    return [fine, *(fine.group_by(k).agg(pl.col(n).sum() for n in names) for k in keys)]


def expert_polars(frames: dict[str, pl.DataFrame]) -> dict[Key, Figure]:
    """Every figure of the report in one lazy polars plan (see the module docstring)."""
    s = frames["scales"].row(0, named=True)
    col = pl.col
    rounds = frames["rounds"].lazy()
    members = frames["members"].lazy()
    raw = frames["values"].lazy()
    before = ("monthly_income", "workers", "harvest_kg", "planted_area_ha")
    base = raw.join(rounds.select("round_id", "round"), on="round_id").filter(
        col("round") == "baseline"
    )
    values = (
        raw.join(rounds, on="round_id")
        .join(members.select("member", "sector", col("size").alias("rsize")), on="member")
        .join(
            base.select("member", *(col(c).alias(f"b_{c}") for c in before)),
            on="member",
            how="left",
        )
        .with_columns(
            *(
                pl.when(col("round") != "baseline").then(col(f"b_{c}")).alias(f"b_{c}")
                for c in before
            ),
            size=pl.coalesce("household_size", "rsize"),
        )
    )

    def at(name: str, scale: int) -> pl.Expr:
        scaled: pl.Expr = col(name) * 10 ** (scale - int(s[name]))
        return scaled

    # Per scope (every member; each sector's members) its aggregations, on its own rows.
    scoped: dict[str, list[pl.Expr]] = {k: [pl.len().alias(f"u_{k}")] for k in _SCOPES}

    def ratio(code: str, both: pl.Expr, top: pl.Expr, bottom: pl.Expr, where: str = "all") -> None:
        both = both & top.is_not_null() & bottom.is_not_null()
        scoped[where].extend(
            (
                both.sum().alias(f"{code}_n"),
                pl.when(both).then(top).sum().alias(f"{code}_t"),
                pl.when(both).then(bottom).sum().alias(f"{code}_b"),
            )
        )

    def total(code: str, value: pl.Expr, where: str) -> None:
        scoped[where].extend((value.count().alias(f"{code}_n"), value.sum().alias(f"{code}_t")))

    income, size = col("monthly_income"), col("size")
    ratio("income_per_capita", income.is_not_null(), income, size)
    b_income = col("b_monthly_income")
    ratio("income_change_pct", b_income.is_not_null(), (income - b_income) * 100, b_income)
    # FGT: per-capita income (float) against the line.
    z = col("line").cast(pl.Float64)
    counted = income.is_not_null() & size.is_not_null() & (size != 0) & z.is_not_null()
    per_capita = pl.max_horizontal(income / 10 ** int(s["monthly_income"]) / size, pl.lit(0.0))
    poor = counted & (per_capita < z)
    gap = (z - per_capita) / z
    scoped["all"] += [
        counted.sum().alias("pov_n"),
        pl.when(counted).then(size).sum().alias("pov_people"),
        pl.when(poor).then(size).sum().alias("pov_p0"),
        pl.when(poor).then(size * gap).sum().alias("pov_p1"),
        pl.when(poor).then(size * gap * gap).sum().alias("pov_p2"),
    ]
    items = pl.sum_horizontal([col(c) for c in CIBEST_ITEMS], ignore_nulls=False)
    material = income <= col("line") * 10 ** int(s["monthly_income"]) * size
    q = col("q")
    scoped["all"] += [q.count().alias("q_n"), *((q == k).sum().alias(f"q_{k}") for k in range(4))]
    answers = pl.sum_horizontal([col(c) for c in SOCIAL_CAPITAL_ITEMS], ignore_nulls=False)
    total("social_capital_index", (answers - 4) * 625, "all")
    umkm = max(s["monthly_revenue"], s["monthly_costs"])
    rev = at("monthly_revenue", umkm)
    profit = rev - at("monthly_costs", umkm)
    total("business_profit", profit, "umkm")
    ratio("profit_margin", profit.is_not_null(), profit, rev, "umkm")
    total("business_survival_rate", col("business_running").cast(pl.Int64), "umkm")
    total("jobs_created", col("workers") - col("b_workers"), "umkm")
    kg, ha = col("harvest_kg"), col("planted_area_ha")
    ratio("yield_per_ha", kg.is_not_null() & ha.is_not_null(), kg, ha, "farming")
    product = s["harvest_kg"] + s["harvest_price"]
    total("farm_income", kg * col("harvest_price") - at("farm_input_costs", product), "farming")
    change = col("y_now") - col("y_before")
    ratio("productivity_change", change.is_not_null(), change, col("y_before"), "farming")
    start, births, deaths = col("herd_start"), col("herd_births"), col("herd_deaths")
    at_risk = start + births + col("herd_purchases")
    ratio(
        "mortality_rate", deaths.is_not_null() & at_risk.is_not_null(), deaths, at_risk, "livestock"
    )
    ratio("birth_rate", births.is_not_null() & start.is_not_null(), births, start, "livestock")
    grown = col("herd_end") - start
    ratio("herd_growth", grown.is_not_null(), grown, start, "livestock")
    total("livestock_sales_income", col("herd_sales_value"), "livestock")

    shift = DIVISION_SCALE + s["planted_area_ha"] - s["harvest_kg"]
    every = values.with_columns(q=material.cast(pl.Int8) + 2 * (items <= 15).cast(pl.Int8))
    rows = {k: every.filter(col("sector") == k) for k in _SCOPES[1:]}
    rows["all"] = every
    rows["farming"] = rows["farming"].with_columns(
        y_now=_half_even(kg.cast(pl.Int128) * 10**shift, ha),
        y_before=_half_even(
            col("b_harvest_kg").cast(pl.Int128) * 10**shift, col("b_planted_area_ha")
        ),
    )
    surveyed = []
    for where, aggs in scoped.items():
        fine = rows[where].group_by("round", "cluster", "sector").agg(aggs)
        surveyed += _levels(fine, [a.meta.output_name() for a in aggs])

    # The records: members active with their household size, groups, cooperatives.
    active = (
        members.join(rounds, on="cluster")
        .filter((col("joined") <= col("on")) & (col("left").is_null() | (col("on") < col("left"))))
        .join(
            raw.select("member", "round_id", "household_size"),
            on=["member", "round_id"],
            how="left",
        )
        .with_columns(hh=pl.coalesce("household_size", "size"))
        .group_by("round", "cluster", "sector")
        .agg(
            pl.len().alias("m_units"),
            col("hh").count().alias("hh_n"),
            col("hh").sum().alias("hh_t"),
        )
    )
    existing = (
        frames["groups"]
        .lazy()
        .join(rounds.select("cluster", "round_id", "round", "on"), on="cluster")
        .filter(
            (col("formed") <= col("on"))
            & (col("dissolved").is_null() | (col("on") < col("dissolved")))
        )
    )
    covered = (
        existing.select("group", "round_id", "on")
        .join(frames["spells"].lazy(), on="group")
        .filter((col("joined") <= col("on")) & (col("left").is_null() | (col("on") < col("left"))))
        .select("group", "round_id")
        .unique()
        .with_columns(active=pl.lit(1, pl.Int64))
    )
    groups = (
        existing.join(covered, on=["group", "round_id"], how="left")
        .group_by("round", "cluster", "sector")
        .agg(pl.len().alias("g_units"), col("active").sum().alias("g_active"))
    )
    coops = (
        frames["coops"]
        .lazy()
        .join(rounds, on="cluster")
        .group_by("round", "cluster")
        .agg(
            pl.len().alias("k_units"),
            (col("legal_on").is_not_null() & (col("legal_on") <= col("on"))).sum().alias("k_legal"),
        )
    )
    plans = [
        *surveyed,
        *_levels(active, ["m_units", "hh_n", "hh_t"]),
        *_levels(groups, ["g_units", "g_active"]),
        *_levels(coops, ["k_units", "k_legal"], by_sector=False),
    ]
    done = pl.collect_all(plans)
    out: dict[Key, Figure] = {}
    for frame in done[: len(surveyed)]:
        _cells(out, _lists(_keyed(frame)), s)
    for frame in done[len(surveyed) :]:
        _records(out, _lists(_keyed(frame)))
    return out


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """A level's cells with ``cluster`` and ``sector`` present (null where not split)."""
    missing = [
        pl.lit(None, pl.String).alias(k) for k in ("cluster", "sector") if k not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def _half_even(top: pl.Expr, bottom: pl.Expr) -> pl.Expr:
    """``top / bottom`` rounded half-even to an integer (null where ``bottom`` is 0 or null)."""
    whole = top // bottom
    twice = (top - whole * bottom) * 2
    up = (twice > bottom) | ((twice == bottom) & (whole % 2 == 1))
    return pl.when(bottom != 0).then(whole + up.cast(pl.Int128))


# -- DuckDB: hand-written SQL over Arrow tables ---------------------------------------------------


class DuckPeer:
    """An in-memory DuckDB with the exported frames registered as Arrow tables (not timed)."""

    def __init__(self, frames: dict[str, pl.DataFrame]) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.scales = frames["scales"].row(0, named=True)
        self.tables = {name: frames[name].to_arrow() for name in frames if name != "scales"}
        for name, table in self.tables.items():
            self.con.register(name, table)

    def __call__(self) -> dict[Key, Figure]:
        """Every figure of the report from four SQL queries (see the module docstring)."""
        s = self.scales
        out: dict[Key, Figure] = {}
        surveyed = self.con.sql(_surveyed_sql(s)).pl()
        _cells(out, _lists(surveyed), s)
        for query in (_ACTIVE_SQL, _GROUPS_SQL, _COOPS_SQL):
            _records(out, _lists(self.con.sql(query).pl()))
        return out


_SETS = "GROUPING SETS ((round, cluster, sector), (round, cluster), (round))"
"""The three levels, summed from the finest cells (not each aggregated from the rows)."""


def _parts() -> list[str]:
    """The columns of the surveyed members' cells, as the fine query names them."""
    names = ["u_all", "u_umkm", "u_farming", "u_livestock"]
    names += [
        "pov_n",
        "pov_people",
        "pov_p0",
        "pov_p1",
        "pov_p2",
        "q_n",
        "q_0",
        "q_1",
        "q_2",
        "q_3",
    ]
    for code, kind, _ in _VALUES:
        if kind in ("ratio", "mean", "share", "count"):
            names += [f"{code}_n", f"{code}_t"] + ([f"{code}_b"] if kind == "ratio" else [])
    return names


_SURVEYED_PARTS = _parts()


def _surveyed_sql(s: dict[str, int]) -> str:
    income = int(s["monthly_income"])
    umkm = max(s["monthly_revenue"], s["monthly_costs"])
    rev = f"(monthly_revenue * {10 ** (umkm - s['monthly_revenue'])})"
    costs = f"(monthly_costs * {10 ** (umkm - s['monthly_costs'])})"
    product = s["harvest_kg"] + s["harvest_price"]
    inputs = f"(farm_input_costs * {10 ** (product - s['farm_input_costs'])})"
    shift = 10 ** (DIVISION_SCALE + s["planted_area_ha"] - s["harvest_kg"])
    cibest = " + ".join(CIBEST_ITEMS)
    social = " + ".join(SOCIAL_CAPITAL_ITEMS)

    def ratio(code: str, both: str, top: str, bottom: str, where: str = "") -> str:
        cond = f"({both}) AND ({top}) IS NOT NULL AND ({bottom}) IS NOT NULL"
        if where:
            cond += f" AND sector = '{where}'"
        return (
            f"count(*) FILTER (WHERE {cond}) AS {code}_n, "
            f"sum({top}) FILTER (WHERE {cond}) AS {code}_t, "
            f"sum({bottom}) FILTER (WHERE {cond}) AS {code}_b"
        )

    def total(code: str, value: str, where: str = "") -> str:
        cond = f" FILTER (WHERE sector = '{where}')" if where else ""
        return f"count({value}){cond} AS {code}_n, sum({value}){cond} AS {code}_t"

    def half_even(top: str, bottom: str) -> str:
        whole = f"(({top}) // NULLIF({bottom}, 0))"
        twice = f"((({top}) - {whole} * ({bottom})) * 2)"
        return (
            f"({whole} + CASE WHEN {twice} > ({bottom})"
            f" OR ({twice} = ({bottom}) AND {whole} % 2 = 1) THEN 1 ELSE 0 END)"
        )

    big = f"CAST('{shift}' AS HUGEINT)"
    sums = ", ".join(f"sum({name}) AS {name}" for name in _SURVEYED_PARTS)
    y_now = half_even(f"CAST(harvest_kg AS HUGEINT) * {big}", "planted_area_ha")
    y_before = half_even(f"CAST(b_kg AS HUGEINT) * {big}", "b_ha")
    both_herd = "herd_births IS NOT NULL AND herd_start IS NOT NULL"
    both_harvest = "harvest_kg IS NOT NULL AND planted_area_ha IS NOT NULL"
    at_risk = "herd_start + herd_births + herd_purchases"
    change = "y_now - y_before"
    grown = "herd_end - herd_start"
    return f"""
WITH v AS (
    SELECT x.*, r.round, r.cluster, r.line, m.sector,
           coalesce(x.household_size, m.size) AS size
    FROM "values" x JOIN rounds r USING (round_id) JOIN members m USING (member)
),
b AS (
    SELECT member, monthly_income AS b_income, workers AS b_workers,
           harvest_kg AS b_kg, planted_area_ha AS b_ha
    FROM "values" x JOIN rounds r USING (round_id) WHERE r.round = 'baseline'
),
w AS (
    SELECT v.*,
        CASE WHEN round <> 'baseline' THEN b.b_income END AS b_income,
        CASE WHEN round <> 'baseline' THEN b.b_workers END AS b_workers,
        CASE WHEN round <> 'baseline' THEN b.b_kg END AS b_kg,
        CASE WHEN round <> 'baseline' THEN b.b_ha END AS b_ha,
        greatest(monthly_income / {10**income} / size, 0.0) AS pc,
        CAST(line AS DOUBLE) AS z,
        CAST(monthly_income <= line * {10**income} * size AS INTEGER)
            + 2 * CAST(({cibest}) <= 15 AS INTEGER) AS q,
        {rev} - {costs} AS profit
    FROM v LEFT JOIN b USING (member)
),
f AS (
    SELECT w.*,
        monthly_income IS NOT NULL AND size IS NOT NULL AND size <> 0 AND z IS NOT NULL AS counted,
        CASE WHEN sector = 'farming' THEN {y_now} END AS y_now,
        CASE WHEN sector = 'farming' THEN {y_before} END AS y_before
    FROM w
),
fine AS (
SELECT round, cluster, sector,
    count(*) AS u_all,
    count(*) FILTER (WHERE sector = 'umkm') AS u_umkm,
    count(*) FILTER (WHERE sector = 'farming') AS u_farming,
    count(*) FILTER (WHERE sector = 'livestock') AS u_livestock,
    {ratio("income_per_capita", "monthly_income IS NOT NULL", "monthly_income", "size")},
    {
        ratio(
            "income_change_pct",
            "b_income IS NOT NULL",
            "(monthly_income - b_income) * 100",
            "b_income",
        )
    },
    count(*) FILTER (WHERE counted) AS pov_n,
    sum(size) FILTER (WHERE counted) AS pov_people,
    sum(size) FILTER (WHERE counted AND pc < z) AS pov_p0,
    sum(size * (z - pc) / z) FILTER (WHERE counted AND pc < z) AS pov_p1,
    sum(size * ((z - pc) / z) * ((z - pc) / z)) FILTER (WHERE counted AND pc < z) AS pov_p2,
    count(q) AS q_n,
    count(*) FILTER (WHERE q = 0) AS q_0, count(*) FILTER (WHERE q = 1) AS q_1,
    count(*) FILTER (WHERE q = 2) AS q_2, count(*) FILTER (WHERE q = 3) AS q_3,
    {total("social_capital_index", f"(({social}) - 4) * 625")},
    {total("business_profit", "profit", "umkm")},
    {ratio("profit_margin", "profit IS NOT NULL", "profit", rev, "umkm")},
    {total("business_survival_rate", "CAST(business_running AS INTEGER)", "umkm")},
    {total("jobs_created", "workers - b_workers", "umkm")},
    {ratio("yield_per_ha", both_harvest, "harvest_kg", "planted_area_ha", "farming")},
    {total("farm_income", f"harvest_kg * harvest_price - {inputs}", "farming")},
    {ratio("productivity_change", f"{change} IS NOT NULL", change, "y_before", "farming")},
    {ratio("mortality_rate", "herd_deaths IS NOT NULL", "herd_deaths", at_risk, "livestock")},
    {ratio("birth_rate", both_herd, "herd_births", "herd_start", "livestock")},
    {ratio("herd_growth", f"{grown} IS NOT NULL", grown, "herd_start", "livestock")},
    {total("livestock_sales_income", "herd_sales_value", "livestock")}
FROM f
GROUP BY round, cluster, sector
)
SELECT round, cluster, sector, {sums} FROM fine GROUP BY {_SETS}
"""


_ACTIVE_SQL = """
SELECT r.round, m.cluster, m.sector,
    count(*) AS m_units,
    count(coalesce(x.household_size, m.size)) AS hh_n,
    sum(coalesce(x.household_size, m.size)) AS hh_t
FROM members m JOIN rounds r USING (cluster)
LEFT JOIN "values" x ON x.member = m.member AND x.round_id = r.round_id
WHERE m.joined <= r."on" AND (m."left" IS NULL OR r."on" < m."left")
GROUP BY GROUPING SETS ((r.round, m.cluster, m.sector), (r.round, m.cluster), (r.round))
"""

_GROUPS_SQL = f"""
WITH g AS (
    SELECT g."group", g.cluster, g.sector, r.round, r."on"
    FROM groups g JOIN rounds r USING (cluster)
    WHERE g.formed <= r."on" AND (g.dissolved IS NULL OR r."on" < g.dissolved)
)
SELECT round, cluster, sector,
    count(*) AS g_units,
    count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM spells s
        WHERE s."group" = g."group" AND s.joined <= g."on"
            AND (s."left" IS NULL OR g."on" < s."left")
    )) AS g_active
FROM g
GROUP BY {_SETS}
"""

_COOPS_SQL = """
SELECT r.round, k.cluster, CAST(NULL AS VARCHAR) AS sector,
    count(*) AS k_units,
    count(*) FILTER (WHERE k.legal_on IS NOT NULL AND k.legal_on <= r."on") AS k_legal
FROM coops k JOIN rounds r USING (cluster)
GROUP BY GROUPING SETS ((r.round, k.cluster), (r.round))
"""
