"""Benchmark: building a large program with three rounds of values, bulk API vs per record.

Usage::

    python bench/build.py                          # bulk 1,000,000 members; per record 100,000
    python bench/build.py --members 100000 --per-record-members 10000
    python bench/build.py --verify --members 5000  # both paths give equal programs and values
    python bench/build.py --json

The program has the shape of the measurement benchmark's (``bench/_measurement_data.py``):
clusters of 1,000 members in umkm plus farming, livestock or both, groups of 20 of one sector,
one cooperative per cluster, a baseline, a midline and an endline per cluster, and every member
surveyed gets the core member variables and its sector's (groups and cooperatives their core
ones). The data is drawn with numpy per cluster (fixed seed), outside the timed calls.

What is timed (the public API calls only, summed over the clusters; best of ``--repeat`` runs,
each in a fresh process so that its peak memory, ``ru_maxrss``, is its own):

* ``bulk``: ``Cluster(...)``, :func:`klaster.model.add_member_columns`,
  :func:`~klaster.model.add_group_columns`, :func:`~klaster.model.join_group_columns`,
  ``Cluster.add_cooperative``, ``Program(...)``, ``Observations.add_round`` and
  ``Observations.record_columns`` (numpy/polars columns, ``skip_nulls=True``) per round and level;
* ``per record``: ``Cluster.add_member(Member(...))`` per member, ``add_group``, ``join_group``
  (and ``leave_group``) per spell, ``add_cooperative``, ``Program(...)``, ``add_round`` and
  ``Observations.record_many`` of one row per unit.

The goal (issue 18): the bulk build of 1,000,000 members with three rounds in ≤ 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/build.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import polars as pl
from bench._measurement_data import _BUSINESS, _CROPS, _PARTNERS, KINDS, _region, round_dates, shape

from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Member,
    Organisation,
    Program,
)
from klaster.model import add_group_columns, add_member_columns, join_group_columns
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    SOCIAL_CAPITAL_ITEMS,
    variable_catalogue,
)
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

GOAL = 60.0
GROUP_SIZE = 20
_SPECIES = ["goat", "sheep", "cattle"]
_TENURE = ["owned", "rented", "sharecropped"]
_EPOCH = np.datetime64("1970-01-01", "D")


class _Clock:
    """Sums the time spent in the API calls it wraps."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0  # this process's CPU time: what a shared machine's load does not inflate

    def __call__(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.cpu += time.process_time() - cpu


# -- the data, drawn with numpy per cluster ---------------------------------------------------
def _days(values: np.ndarray) -> np.ndarray:
    return _EPOCH + values.astype("timedelta64[D]")


def _day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def cluster_data(c: int, size: int, seed: int) -> dict[str, Any]:
    """One cluster's records, as columns, and what its rounds are drawn from."""
    rng = np.random.default_rng([seed, c])
    cid = f"c{c:04d}"
    extra = [["farming"], ["livestock"], ["farming", "livestock"]][c % 3]
    sectors = ["umkm", *extra]
    plan = ["umkm", extra[0], "umkm", extra[-1]]
    region = _region(c)
    villages = [d for k in region.children[0].children for d in k.children]
    baseline, _, endline = round_dates(c)
    n_groups = max(1, size // GROUP_SIZE)
    n = n_groups * GROUP_SIZE
    g_of = np.arange(n) // GROUP_SIZE
    g_sector = [plan[g % len(plan)] for g in range(n_groups)]
    g_business = [_BUSINESS[s][g % len(_BUSINESS[s])] for g, s in enumerate(g_sector)]
    g_formed = np.array([_day(baseline) - 60 - 3 * (g % 30) for g in range(n_groups)])
    joined = np.where(
        rng.random(n) >= 0.08, g_formed[g_of], _day(baseline) + 30 + np.arange(n) % 400
    )
    leaves = rng.random(n) < 0.04
    left = np.maximum(joined, _day(baseline)) + 40 + np.arange(n) % 900
    village = [
        (villages[g % len(villages)].name if k % 2 else villages[g % len(villages)].code)
        for k, g in enumerate(g_of.tolist())
    ]
    ids = [f"{cid}-m{k:04d}" for k in range(n)]
    member_sector = [g_sector[g] for g in g_of.tolist()]
    members = {
        "id": ids,
        "name": [f"Mitra {cid} {k}" for k in range(n)],
        "sex": np.where(rng.random(n) < 0.6, "female", "male"),
        "household_size": rng.choice([2, 3, 3, 4, 4, 4, 5, 5, 6, 7], n),
        "village": village,
        "sector": member_sector,
        "joined": _days(joined),
        "business_type": [g_business[g] for g in g_of.tolist()],
        "left": pl.Series(_days(left))
        .to_frame("d")
        .select(pl.when(pl.Series(leaves)).then(pl.col("d")))
        .to_series(),
    }
    group_ids = [f"{cid}-g{g:03d}" for g in range(n_groups)]
    dissolved = [_day(endline) - 30 if g % 47 == 46 else None for g in range(n_groups)]
    groups = {
        "id": group_ids,
        "name": [f"Kelompok {b} {g + 1}" for g, b in enumerate(g_business)],
        "sector": g_sector,
        "formed": _days(g_formed),
        "dissolved": [None if d is None else dt.date.fromordinal(719163 + d) for d in dissolved],
    }
    spells = {
        "group_id": [group_ids[g] for g in g_of.tolist()],
        "member_id": ids,
        "joined": members["joined"],
        "left": members["left"],
    }
    legal = None
    if c % 5:
        legal = LegalStatus(f"518/BH/{c:04d}", baseline + dt.timedelta(days=200 + (c * 37) % 800))
    coop = Cooperative(
        id=f"{cid}-kop",
        name=f"Koperasi Mandiri {cid}",
        sectors=sectors,
        member_ids=ids,
        founded=baseline,
        legal=legal,
    )
    shell = {
        "id": cid,
        "name": f"Klaster {c:04d}",
        "region": region,
        "sectors": [ClusterSector(s, _PARTNERS[s]) for s in sectors],
    }
    return {
        "shell": shell,
        "members": members,
        "groups": groups,
        "spells": spells,
        "coop": coop,
        "panel": (c, ids, joined, left, leaves, members, member_sector, group_ids, dissolved, coop),
    }


def round_data(panel: tuple[Any, ...], seed: int) -> list[tuple[Any, ...]]:
    """One cluster's three rounds: the round, then member, group and cooperative columns."""
    c, ids, joined, left, leaves, members, member_sector, group_ids, dissolved, coop = panel
    rng = np.random.default_rng([seed, c, 1])
    n, n_groups = len(ids), len(group_ids)
    cid = f"c{c:04d}"
    base = (rng.integers(300, 2_500, n), rng.integers(2, 12, n), rng.integers(10, 200, n))
    rounds = []
    for r, (kind, on) in enumerate(zip(KINDS, round_dates(c), strict=True)):
        day = _day(on)
        active = (joined <= day) & (~leaves | (day < left)) & (rng.random(n) >= 0.03)
        rows = np.flatnonzero(active)
        frame = _member_values(rng, (100, 118, 135)[r], member_sector, base, members, rows)
        dissolved_on = np.array([d is not None and d <= day for d in dissolved])
        group_frame = {
            "group_active": pl.Series(np.array([True] * n_groups) & ~dissolved_on),
            "group_meetings": rng.integers(0, 25, n_groups),
        }
        coop_frame = {"coop_legal": [coop.is_legal(on)], "coop_active": [True]}
        rounds.append(
            (
                Round(f"{cid}-{kind[:2]}", cid, kind, on),
                [ids[k] for k in rows.tolist()],
                frame,
                group_ids,
                group_frame,
                coop_frame,
            )
        )
    return rounds


def _nullable(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    series = pl.Series(values)
    gaps = np.flatnonzero(missing)
    return series.scatter(gaps, None) if len(gaps) else series


def _member_values(
    rng: np.random.Generator,
    growth: int,
    sectors: list[str],
    base: tuple[np.ndarray, np.ndarray, np.ndarray],
    members: dict[str, Any],
    rows: np.ndarray,
) -> dict[str, pl.Series]:
    m = len(rows)
    income_k, herd, area = (b[rows] for b in base)
    sector = np.array(sectors)[rows]
    umkm, farm, stock = sector == "umkm", sector == "farming", sector == "livestock"

    def gaps(share: float) -> np.ndarray:
        return rng.random(m) < share

    frame: dict[str, pl.Series] = {
        "monthly_income": _nullable(
            income_k * growth * 10 + 1_000 * rng.integers(0, 50, m), gaps(0.03)
        ),
        "monthly_expenditure": _nullable(
            income_k * 800 + 1_000 * rng.integers(0, 50, m), gaps(0.05)
        ),
        "household_size": _nullable(members["household_size"][rows], gaps(0.1)),
    }
    for item in (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS):
        frame[item] = _nullable(rng.integers(2, 6, m), gaps(0.02))
    # umkm
    revenue = rng.integers(500, 6_000, m) * growth * 10
    running = rng.random(m) < (0.97 if growth == 100 else 0.9)
    running_gap = gaps(0.02)
    workers = rng.integers(1, 4, m) + (growth > 100) * rng.integers(0, 3, m)
    closed = ~running & ~running_gap
    frame["monthly_revenue"] = _nullable(np.where(closed, 0, revenue), ~umkm | gaps(0.03))
    frame["monthly_costs"] = _nullable(revenue * rng.integers(50, 95, m) // 100, ~umkm | gaps(0.04))
    frame["workers"] = _nullable(np.where(closed, 0, workers), ~umkm | gaps(0.02))
    frame["business_running"] = _nullable(running, ~umkm | running_gap)
    frame["business_registered"] = _nullable(rng.random(m) < 0.3, ~umkm)
    # farming: hectares with 2 decimals, kilograms with 1 (exact scaled integers)
    hundredths = np.where(rng.random(m) > 0.01, area * rng.integers(90, 111, m) // 100, 0)
    tenths = hundredths * (rng.integers(2_000, 6_000, m) * growth // 100) // 10
    price_gap = ~farm | gaps(0.04)
    frame["crop"] = _nullable(np.array(_CROPS)[rng.integers(0, len(_CROPS), m)], ~farm)
    frame["planted_area_ha"] = _decimal(hundredths, 2, ~farm | gaps(0.02))
    frame["harvest_kg"] = _decimal(tenths, 1, ~farm | gaps(0.03) | (price_gap & (tenths > 0)))
    frame["harvest_price"] = _nullable(rng.integers(60, 240, m) * 50, price_gap)
    frame["farm_input_costs"] = _nullable(rng.integers(200, 4_000, m) * 1_000, ~farm | gaps(0.03))
    frame["land_tenure"] = _nullable(np.array(_TENURE)[rng.integers(0, 3, m)], ~farm)
    frame["organic_practice"] = _nullable(rng.random(m) < 0.4, ~farm)
    # livestock: a herd whose flows add up
    start = herd + rng.integers(0, 3, m) * (growth > 100)
    births, purchases = rng.integers(0, 4, m), rng.integers(0, 2, m)
    deaths = np.minimum(start + births + purchases, rng.choice([0, 0, 0, 1], m))
    sales = np.minimum(start + births + purchases - deaths, rng.integers(0, 3, m))
    end = start + births + purchases - deaths - sales
    frame["species"] = _nullable(np.array(_SPECIES)[rng.integers(0, 3, m)], ~stock)
    frame["herd_start"] = _nullable(start, ~stock | gaps(0.02))
    for code, values in (
        ("herd_births", births),
        ("herd_deaths", deaths),
        ("herd_sales", sales),
        ("herd_purchases", purchases),
    ):
        frame[code] = _nullable(values, ~stock)
    frame["herd_end"] = _nullable(end, ~stock | gaps(0.02))
    value = sales * rng.integers(1_500, 3_500, m) * 1_000
    frame["herd_sales_value"] = _nullable(value, ~stock | gaps(0.03))
    frame["feed_costs"] = _nullable(rng.integers(50, 600, m) * 1_000, ~stock | gaps(0.03))
    return frame


def _decimal(scaled: np.ndarray, scale: int, missing: np.ndarray) -> pl.Series:
    # Exact: the integers cast to Decimal, then divided by 10**scale at that scale.
    series: pl.Series = _nullable(scaled, missing).cast(pl.Decimal(38, scale)) / 10**scale
    return series


def clusters(members: int, seed: int) -> Iterator[dict[str, Any]]:
    """Each cluster's data in turn."""
    n_clusters, size = shape(members)
    for c in range(n_clusters):
        yield cluster_data(c, size, seed)


_ORGANISATIONS = [
    ("dd", "Dompet Dhuafa", "ngo"),
    ("mm", "Masyarakat Mandiri", "implementing_partner"),
    ("psi", "Pertanian Sehat Indonesia", "implementing_partner"),
    ("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
]


def _program(clusters: list[Cluster]) -> Program:
    return Program(
        id="klaster-nasional",
        name="Klaster Mandiri (synthetic, national)",
        organisation_id="dd",
        organisations=[Organisation(*o) for o in _ORGANISATIONS],
        clusters=clusters,
    )


def build_bulk(members: int, seed: int) -> tuple[Program, Observations, _Clock]:
    """The program and its rounds through the bulk API; the seconds spent in the API."""
    clock = _Clock()
    built, panels = [], []
    for data in clusters(members, seed):
        cluster = clock(Cluster, **data["shell"])
        clock(add_member_columns, cluster, data["members"])
        clock(add_group_columns, cluster, data["groups"])
        clock(join_group_columns, cluster, data["spells"])
        clock(cluster.add_cooperative, data["coop"])
        built.append(cluster)
        panels.append(data["panel"])
    program = clock(_program, built)
    obs = clock(Observations, program, variable_catalogue())
    for panel in panels:
        rounds = round_data(panel, seed)
        for rnd, *_ in rounds:
            clock(obs.add_round, rnd)
        for rnd, units, frame, group_ids, group_frame, coop_frame in rounds:
            clock(obs.record_columns, rnd.id, units, frame, skip_nulls=True)
            clock(obs.record_columns, rnd.id, group_ids, group_frame)
            clock(obs.record_columns, rnd.id, [f"{rnd.cluster_id}-kop"], coop_frame)
    return program, obs, clock


def build_per_record(members: int, seed: int) -> tuple[Program, Observations, _Clock]:
    """The same program and rounds through the per-record API; the seconds spent in the API."""
    clock = _Clock()
    built, panels = [], []
    for data in clusters(members, seed):
        cluster = clock(Cluster, **data["shell"])
        for row in _rows(data["members"]):
            clock(lambda r=row, c=cluster: c.add_member(Member(**r)))
        for row in _rows(data["groups"]):
            clock(lambda r=row, c=cluster: c.add_group(Group(**r)))
        for row in _rows(data["spells"]):
            clock(cluster.join_group, row["group_id"], row["member_id"], row["joined"])
            if row["left"] is not None:
                clock(cluster.leave_group, row["group_id"], row["member_id"], row["left"])
        clock(cluster.add_cooperative, data["coop"])
        built.append(cluster)
        panels.append(data["panel"])
    program = clock(_program, built)
    obs = clock(Observations, program, variable_catalogue())
    for panel in panels:
        rounds = round_data(panel, seed)
        for rnd, *_ in rounds:
            clock(obs.add_round, rnd)
        for rnd, units, frame, group_ids, group_frame, coop_frame in rounds:
            for ids, columns in (
                (units, frame),
                (group_ids, group_frame),
                ([f"{rnd.cluster_id}-kop"], coop_frame),
            ):
                rows = [(unit, row) for unit, row in zip(ids, _rows(columns), strict=True)]
                clock(
                    obs.record_many,
                    rnd.id,
                    [(u, {k: v for k, v in r.items() if v is not None}) for u, r in rows],
                )
    return program, obs, clock


def _rows(columns: dict[str, Any]) -> list[dict[str, Any]]:
    lists = {}
    for name, values in columns.items():
        if isinstance(values, pl.Series):
            lists[name] = values.to_list()
        elif isinstance(values, np.ndarray):
            lists[name] = values.tolist()
        else:
            lists[name] = list(values)
    names = list(lists)
    return [dict(zip(names, row, strict=True)) for row in zip(*lists.values(), strict=True)]


# -- running ----------------------------------------------------------------------------------
def _one(path: str, members: int, seed: int) -> dict[str, Any]:
    """One build in this process: its API seconds, wall seconds and peak memory."""
    start = time.perf_counter()
    build = build_bulk if path == "bulk" else build_per_record
    program, obs, clock = build(members, seed)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "path": path,
        "members": sum(len(c.members) for c in program.clusters),
        "rows": len(obs),
        "api_seconds": clock.seconds,
        "api_cpu_seconds": clock.cpu,
        "wall_seconds": wall,
        "peak_rss_bytes": rss,
    }


def _in_child(path: str, members: int, seed: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, "--members", str(members), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = min(runs, key=lambda r: r["api_seconds"])
    return {**best, "runs": [round(r["api_seconds"], 2) for r in runs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--per-record-members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verify", action="store_true", help="compare the two paths' results")
    parser.add_argument("--child", choices=["bulk", "per-record"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_one(args.child, args.members, args.seed)))
        return 0
    if args.verify:
        bulk_program, bulk_obs, _ = build_bulk(args.members, args.seed)
        record_program, record_obs, _ = build_per_record(args.members, args.seed)
        same = bulk_program == record_program and bulk_obs == record_obs
        print(f"bulk == per record at {args.members:,} members: {same} ({len(bulk_obs):,} rows)")
        return 0 if same else 1
    small = args.per_record_members
    results = {
        "bulk": _best([_in_child("bulk", args.members, args.seed) for _ in range(args.repeat)]),
        "bulk_small": _best([_in_child("bulk", small, args.seed) for _ in range(args.repeat)]),
        "per_record_small": _best(
            [_in_child("per-record", small, args.seed) for _ in range(args.repeat)]
        ),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, r in results.items():
        print(
            f"{name:>17}: {r['members']:>9,} members, {r['rows']:>9,} rows: "
            f"API {r['api_seconds']:7.2f} s (CPU {r['api_cpu_seconds']:7.2f} s) "
            f"(runs {r['runs']}), wall {r['wall_seconds']:7.2f} s, peak RSS "
            f"{r['peak_rss_bytes'] / 2**30:.2f} GiB"
        )
    ratio = results["per_record_small"]["api_seconds"] / results["bulk_small"]["api_seconds"]
    print(f"per record / bulk at {small:,} members: {ratio:.1f}x")
    if args.members:
        ratio = (
            results["per_record_small"]["api_seconds"]
            * args.members
            / small
            / results["bulk"]["api_seconds"]
        )
        print(f"per record at {small:,} scaled to {args.members:,} / bulk: {ratio:.1f}x")
    bulk = results["bulk"]["api_seconds"]
    print(
        f"bulk at {args.members:,} members: {bulk:.1f} s (goal <= {GOAL:.0f} s: "
        f"{'met' if bulk <= GOAL else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
