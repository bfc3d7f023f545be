"""The hand-written columnar references of the mentoring benchmark, and the export they read.

``export`` turns the program's records and mentoring log into polars frames with integer keys,
as an analyst would prepare them (not timed). Two references then compute the same integers as
klaster, from those frames:

* ``polars_reference``: one lazy plan (group visits joined to the membership spells, the periods
  and round dates joined on), collected once with ``pl.collect_all``;
* ``duckdb_reference``: the same in DuckDB SQL over the same frames (copied into DuckDB tables,
  not timed).

Both return ``(table, rounds)``: ``table[(cluster, period key)]`` = (visits, facilitators
visiting, members active at the period's end, members visited, contacts, sum of days since the
last visit, members visited by then, facilitators assigned, caseload members) and
``rounds[(cluster, round kind)]`` = (members active on the date, visits in the 365-day window,
sum of days since the last visit, members visited by then, members visited in 90 days, groups
existing, groups visited in 90 days, whole months since the cluster's last visit or ``None``,
caseload members, facilitators assigned). The rules are the library's
(``klaster.measurement.mentoring_indicators``): a visit reaches the members it lists and the
members of each group it lists whose spell covers the visit's day, once per visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl

from klaster import Program
from klaster.measurement.mentoring_indicators import RECENT_DAYS, WINDOW_DAYS
from klaster.model.mentoring import GROUP, MEMBER
from klaster.observations import Observations

__all__ = ["TableKey", "duckdb_connection", "duckdb_reference", "export", "polars_reference"]

TableKey = tuple[str, int]
NEVER = dt.date.max.toordinal() + 1
EPOCH = dt.date(1970, 1, 1).toordinal()
_R = tuple[dict[tuple[str, int], tuple[int, ...]], dict[tuple[str, str], tuple[Any, ...]]]


def _day(value: dt.date | None, empty: int = NEVER) -> int:
    return empty if value is None else value.toordinal()


# -- export (not timed) ---------------------------------------------------------------------------


def export(program: Program, obs: Observations) -> dict[str, Any]:
    """Polars frames of the log and records, with integer keys (clusters, members, groups...)."""
    clusters = list(program.clusters)
    c_number = {c.id: i for i, c in enumerate(clusters)}
    members: dict[str, list[int]] = {"cluster": [], "member": [], "joined": [], "left": []}
    groups: dict[str, list[int]] = {"cluster": [], "group": [], "formed": [], "dissolved": []}
    spells: dict[str, list[int]] = {"group": [], "member": [], "joined": [], "left": []}
    m_number: dict[tuple[int, str], int] = {}
    g_number: dict[tuple[int, str], int] = {}
    for c, cluster in enumerate(clusters):
        for m in cluster.members:
            m_number[(c, m.id)] = len(m_number)
            members["cluster"].append(c)
            members["member"].append(m_number[(c, m.id)])
            members["joined"].append(m.joined.toordinal())
            members["left"].append(_day(m.left))
        for g in cluster.groups:
            g_number[(c, g.id)] = gi = len(g_number)
            groups["cluster"].append(c)
            groups["group"].append(gi)
            groups["formed"].append(g.formed.toordinal())
            groups["dissolved"].append(_day(g.dissolved))
            for s in g.memberships:
                spells["group"].append(gi)
                spells["member"].append(m_number[(c, s.member_id)])
                spells["joined"].append(s.joined.toordinal())
                spells["left"].append(_day(s.left))
    people: dict[str, int] = {}
    columns = program.fieldwork.visits.columns()
    v_cluster = [c_number[c] for c in columns.cluster_ids]
    subject_number = []
    for row, kind, subject in zip(
        columns.subject_visit, columns.subject_kind, columns.subject_ids, strict=True
    ):
        index = m_number if kind == MEMBER else g_number
        subject_number.append(index[(v_cluster[row], subject)])
    visits = {
        "visit": np.arange(len(columns.ids), dtype=np.int64),
        "cluster": np.asarray(v_cluster, dtype=np.int32),
        "facilitator": np.asarray(
            [people.setdefault(p, len(people)) for p in columns.facilitator_ids], dtype=np.int32
        ),
        "day": np.asarray(columns.days, dtype=np.int32),
    }
    subjects = {
        "visit": np.asarray(columns.subject_visit, dtype=np.int64),
        "kind": np.frombuffer(bytes(columns.subject_kind), dtype=np.uint8).astype(np.int8),
        "subject": np.asarray(subject_number, dtype=np.int64),
    }
    assignments: dict[str, list[int]] = {
        "a": [], "person": [], "cluster": [], "start": [], "end": [], "whole": []
    }  # fmt: skip
    a_groups: dict[str, list[int]] = {"a": [], "group": []}
    a_members: dict[str, list[int]] = {"a": [], "member": []}
    for a_number, a in enumerate(program.fieldwork.assignments):
        c = c_number[a.cluster_id]
        assignments["a"].append(a_number)
        assignments["person"].append(people.setdefault(a.person_id, len(people)))
        assignments["cluster"].append(c)
        assignments["start"].append(_day(a.start, 0))
        assignments["end"].append(_day(a.end))  # inclusive
        assignments["whole"].append(int(a.whole_cluster))
        for group_id in a.group_ids:
            a_groups["a"].append(a_number)
            a_groups["group"].append(g_number[(c, group_id)])
        for member_id in a.member_ids:
            a_members["a"].append(a_number)
            a_members["member"].append(m_number[(c, member_id)])
    kinds = {"baseline", "midline", "endline"}
    rounds: dict[str, list[Any]] = {"cluster": [], "round": [], "on": []}
    for cluster in clusters:
        for rnd in obs.rounds(cluster.id):
            assert rnd.kind.value in kinds, rnd.kind  # one round of each kind per cluster
            rounds["cluster"].append(c_number[cluster.id])
            rounds["round"].append(rnd.kind.value)
            rounds["on"].append(rnd.on.toordinal())
    i32 = {"cluster", "joined", "left", "formed", "dissolved", "start", "end", "on", "whole"}

    def frame(data: dict[str, Any]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                k: pl.Series(k, v, dtype=pl.Int32 if k in i32 else None)
                if isinstance(v, list) and k != "round"
                else v
                for k, v in data.items()
            },
            schema_overrides=dict.fromkeys(("member", "group", "a", "person"), pl.Int64)
            if data is not visits
            else None,
        )

    return {
        "cluster_ids": [c.id for c in clusters],
        "visits": pl.DataFrame(visits),
        "subjects": pl.DataFrame(subjects),
        "members": frame(members),
        "groups": frame(groups),
        "spells": frame(spells),
        "assignments": frame(assignments),
        "assignment_groups": frame(a_groups),
        "assignment_members": frame(a_members),
        "rounds": frame(rounds),
    }


# -- polars ---------------------------------------------------------------------------------------


def _ordinal_date(col: str) -> pl.Expr:
    return (pl.col(col) - EPOCH).cast(pl.Date)


def _date_ordinal(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32) + EPOCH


def _caseload(f: dict[str, Any], at: pl.LazyFrame, keys: list[str], on: str) -> pl.LazyFrame:
    """Per ``keys`` (cluster + period or round, dated ``on``): facilitators assigned, caseload."""
    assigned = (
        f["assignments"]
        .lazy()
        .join(at, on="cluster")
        .filter((pl.col("start") <= pl.col(on)) & (pl.col(on) <= pl.col("end")))
    )
    spells = f["spells"].lazy()
    by_group = (
        assigned.join(f["assignment_groups"].lazy(), on="a")
        .join(spells, on="group")
        .filter((pl.col("joined") <= pl.col(on)) & (pl.col(on) < pl.col("left")))
    )
    listed = assigned.join(f["assignment_members"].lazy(), on="a")
    whole = assigned.filter(pl.col("whole") == 1)
    in_groups = (
        whole.join(f["groups"].lazy().select("cluster", "group"), on="cluster")
        .join(spells, on="group")
        .filter((pl.col("joined") <= pl.col(on)) & (pl.col(on) < pl.col("left")))
    )
    everyone = whole.join(
        f["members"].lazy().select("cluster", "member", "joined", "left"), on="cluster"
    ).filter((pl.col("joined") <= pl.col(on)) & (pl.col(on) < pl.col("left")))
    cols = [*keys, "person", "member"]
    cared = pl.concat([x.select(cols) for x in (by_group, listed, in_groups, everyone)]).unique()
    found: pl.LazyFrame = (
        assigned.group_by(keys)
        .agg(pl.col("person").n_unique().alias("assigned"))
        .join(cared.group_by(keys).agg(pl.len().alias("caseload")), on=keys, how="left")
        .with_columns(pl.col("caseload").fill_null(0))
    )
    return found


def _plans(f: dict[str, Any]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    month = _ordinal_date("day")
    visits = (
        f["visits"]
        .lazy()
        .with_columns(
            key=(month.dt.year().cast(pl.Int32) * 12 + month.dt.month().cast(pl.Int32) - 1)
        )
    )
    subjects = f["subjects"].lazy().join(visits, on="visit")
    alone = subjects.filter(pl.col("kind") == MEMBER).rename({"subject": "member"})
    by_group = (
        subjects.filter(pl.col("kind") == GROUP)
        .join(f["spells"].lazy(), left_on="subject", right_on="group")
        .filter((pl.col("joined") <= pl.col("day")) & (pl.col("day") < pl.col("left")))
    )
    cols = ["visit", "member", "day", "cluster", "key"]
    pairs = pl.concat([alone.select(cols), by_group.select(cols)])
    # Spells of one member never overlap: only a visit listing several subjects, a group among
    # them, can reach a member twice.
    several = (
        f["subjects"].lazy()
        .group_by("visit")
        .agg(several=(pl.len() > 1) & (pl.col("kind") == GROUP).any())
        .filter(pl.col("several"))
        .select("visit", several=pl.lit(True))
    )  # fmt: skip
    pairs = pairs.join(several, on="visit", how="left")
    pairs = pl.concat(
        [
            pairs.filter(pl.col("several").is_null()).select(cols),
            pairs.filter(pl.col("several")).select(cols).unique(["visit", "member"]),
        ]
    )
    members = f["members"].lazy()

    # The table: per cluster and month, from the cluster's first visit's month to its last's.
    bounds = visits.group_by("cluster").agg(lo=pl.col("key").min(), hi=pl.col("key").max())
    first = pl.date(pl.col("key") // 12, pl.col("key") % 12 + 1, 1)
    periods = (
        bounds.select("cluster", key=pl.int_ranges("lo", pl.col("hi") + 1))
        .explode("key")
        .with_columns(key=pl.col("key").cast(pl.Int32))
        .with_columns(s=_date_ordinal(first), e=_date_ordinal(first.dt.month_end()))
    )
    logged = visits.group_by("cluster", "key").agg(
        visits=pl.len(), active=pl.col("facilitator").n_unique()
    )
    per_member = pairs.group_by("member", "key").agg(contacts=pl.len(), latest=pl.col("day").max())
    grid = (
        members.join(periods, on="cluster")
        .join(per_member, on=["member", "key"], how="left")
        .with_columns(last=pl.col("latest").cum_max().forward_fill().over("member", order_by="key"))
        .filter((pl.col("joined") <= pl.col("e")) & (pl.col("e") < pl.col("left")))
        .group_by("cluster", "key")
        .agg(
            members=pl.len(),
            visited=pl.col("contacts").is_not_null().sum(),
            contacts=pl.col("contacts").sum(),
            days=(pl.col("e") - pl.col("last")).sum(),
            dated=pl.col("last").is_not_null().sum(),
        )
    )
    zero = ["visits", "active", "members", "visited", "contacts", "days", "dated"]
    table = (
        periods.join(logged, on=["cluster", "key"], how="left")
        .join(grid, on=["cluster", "key"], how="left")
        .join(_caseload(f, periods, ["cluster", "key"], "e"), on=["cluster", "key"], how="left")
        .select(
            "cluster", "key", *(pl.col(c).fill_null(0).cast(pl.Int64) for c in zero),
            pl.col("assigned").fill_null(0).cast(pl.Int64),
            pl.col("caseload").fill_null(0).cast(pl.Int64),
        )
    )  # fmt: skip

    # The indicators: per cluster and round date.
    rounds = f["rounds"].lazy()
    logged_clusters = visits.select("cluster").unique()
    before = pl.col("day") <= pl.col("on")
    reached = (
        pairs.join(rounds, on="cluster")
        .filter(before)
        .group_by("cluster", "round", "member")
        .agg(
            window=(pl.col("day") > pl.col("on") - WINDOW_DAYS).sum(),
            last=pl.col("day").max(),
        )
    )
    on_date = (
        members.join(rounds, on="cluster")
        .filter((pl.col("joined") <= pl.col("on")) & (pl.col("on") < pl.col("left")))
        .join(reached, on=["cluster", "round", "member"], how="left")
        .group_by("cluster", "round")
        .agg(
            members=pl.len(),
            window=pl.col("window").sum(),
            days=(pl.col("on") - pl.col("last")).sum(),
            dated=pl.col("last").is_not_null().sum(),
            recent=(pl.col("on") - pl.col("last") < RECENT_DAYS).sum(),
        )
    )
    group_last = (
        subjects.filter(pl.col("kind") == GROUP)
        .join(rounds, on="cluster")
        .filter(before)
        .group_by("cluster", "round", pl.col("subject").alias("group"))
        .agg(last=pl.col("day").max())
    )
    groups_on = (
        f["groups"].lazy()
        .join(rounds, on="cluster")
        .filter((pl.col("formed") <= pl.col("on")) & (pl.col("on") < pl.col("dissolved")))
        .join(group_last, on=["cluster", "round", "group"], how="left")
        .group_by("cluster", "round")
        .agg(groups=pl.len(), groups_recent=(pl.col("on") - pl.col("last") < RECENT_DAYS).sum())
    )  # fmt: skip
    ended = (
        visits.join(rounds, on="cluster")
        .filter(before)
        .group_by("cluster", "round")
        .agg(last=pl.col("day").max(), on=pl.col("on").first())
        .with_columns(a=_ordinal_date("last"), b=_ordinal_date("on"))
        .select(
            "cluster",
            "round",
            months=(pl.col("b").dt.year() - pl.col("a").dt.year()).cast(pl.Int32) * 12
            + pl.col("b").dt.month().cast(pl.Int32)
            - pl.col("a").dt.month().cast(pl.Int32)
            - (pl.col("b").dt.day() < pl.col("a").dt.day()).cast(pl.Int32),
        )
    )
    keys = ["cluster", "round"]
    by_round = (
        rounds.join(logged_clusters, on="cluster", how="semi")
        .join(on_date, on=keys, how="left")
        .join(groups_on, on=keys, how="left")
        .join(ended, on=keys, how="left")
        .join(_caseload(f, rounds, keys, "on"), on=keys, how="left")
        .select(
            *keys,
            *(
                pl.col(c).fill_null(0).cast(pl.Int64)
                for c in ("members", "window", "days", "dated", "recent", "groups",
                          "groups_recent")
            ),
            "months",
            pl.col("caseload").fill_null(0).cast(pl.Int64),
            pl.col("assigned").fill_null(0).cast(pl.Int64),
        )
    )  # fmt: skip
    return table, by_round


def _dicts(f: dict[str, Any], table: Iterable[tuple[Any, ...]], by_round: Iterable[Any]) -> _R:
    ids = f["cluster_ids"]
    return (
        {(ids[row[0]], row[1]): tuple(row[2:]) for row in table},
        {(ids[row[0]], row[1]): tuple(row[2:]) for row in by_round},
    )


def polars_reference(f: dict[str, Any]) -> _R:
    """The table's and the rounds' integers: one lazy plan, collected once."""
    table, by_round = pl.collect_all(list(_plans(f)))
    return _dicts(f, table.iter_rows(), by_round.iter_rows())


# -- DuckDB ---------------------------------------------------------------------------------------

_SQL_PAIRS = f"""
WITH v AS (
  SELECT *, year(d) * 12 + month(d) - 1 AS key
  FROM (SELECT *, DATE '1970-01-01' + (day - {EPOCH}) AS d FROM visits)
),
sv AS (
  SELECT s.visit, s.kind, s.subject, v.cluster, v.day, v.key FROM subjects s JOIN v USING (visit)
),
several AS (
  SELECT visit FROM subjects GROUP BY visit HAVING count(*) > 1 AND bool_or(kind = {GROUP})
),
raw AS (
  SELECT visit, subject AS member, day, cluster, key FROM sv WHERE kind = {MEMBER}
  UNION ALL
  SELECT sv.visit, sp.member, sv.day, sv.cluster, sv.key
  FROM sv JOIN spells sp ON sp."group" = sv.subject
  WHERE sv.kind = {GROUP} AND sp.joined <= sv.day AND sv.day < sp."left"
),
pairs AS (
  SELECT * FROM raw WHERE visit NOT IN (SELECT visit FROM several)
  UNION ALL
  SELECT DISTINCT * FROM raw WHERE visit IN (SELECT visit FROM several)
)
"""


def _sql_caseload(at: str, keys: str, on: str) -> str:
    """Per ``keys`` of ``at`` (dated ``on``): facilitators assigned, caseload members."""
    return f"""
    assigned_{at} AS (
      SELECT x.*, x.{on} AS on_day, a.a, a.person, a.whole
      FROM assignments a JOIN {at} x USING (cluster)
      WHERE a."start" <= x.{on} AND x.{on} <= a."end"
    ),
    cared_{at} AS (
      SELECT DISTINCT {keys}, person, member FROM (
        SELECT {keys}, person, sp.member FROM assigned_{at} JOIN assignment_groups USING (a)
          JOIN spells sp USING ("group") WHERE sp.joined <= on_day AND on_day < sp."left"
        UNION ALL
        SELECT {keys}, person, member FROM assigned_{at} JOIN assignment_members USING (a)
        UNION ALL
        SELECT x.{keys.replace(", ", ", x.")}, person, sp.member
          FROM assigned_{at} x JOIN groups g USING (cluster)
          JOIN spells sp ON sp."group" = g."group"
          WHERE x.whole = 1 AND sp.joined <= on_day AND on_day < sp."left"
        UNION ALL
        SELECT x.{keys.replace(", ", ", x.")}, person, m.member
          FROM assigned_{at} x JOIN members m USING (cluster)
          WHERE x.whole = 1 AND m.joined <= on_day AND on_day < m."left"
      )
    ),
    caseload_{at} AS (
      SELECT * FROM (
        SELECT {keys}, count(DISTINCT person) AS assigned FROM assigned_{at} GROUP BY {keys}
      ) LEFT JOIN (
        SELECT {keys}, count(*) AS caseload FROM cared_{at} GROUP BY {keys}
      ) USING ({keys})
    )"""


_SQL_TABLE = (
    _SQL_PAIRS
    + """,
bounds AS (SELECT cluster, min(key) AS lo, max(key) AS hi FROM v GROUP BY cluster),
periods AS (
  SELECT cluster, key,
    make_date(key // 12, key % 12 + 1, 1) - DATE '0001-01-01' + 1 AS s,
    last_day(make_date(key // 12, key % 12 + 1, 1)) - DATE '0001-01-01' + 1 AS e
  FROM (SELECT cluster, unnest(range(lo, hi + 1)) AS key FROM bounds)
),
logged AS (
  SELECT cluster, key, count(*) AS visits, count(DISTINCT facilitator) AS active
  FROM v GROUP BY cluster, key
),
per_member AS (
  SELECT member, key, count(*) AS contacts, max(day) AS latest FROM pairs GROUP BY member, key
),
grid AS (
  SELECT m.cluster, p.key, p.e, m.joined, m."left", pm.contacts,
    max(pm.latest) OVER (PARTITION BY m.member ORDER BY p.key ROWS UNBOUNDED PRECEDING) AS last
  FROM members m JOIN periods p USING (cluster)
  LEFT JOIN per_member pm ON pm.member = m.member AND pm.key = p.key
),
counted AS (
  SELECT cluster, key, count(*) AS members, count(contacts) AS visited,
    coalesce(sum(contacts), 0) AS contacts, coalesce(sum(e - last), 0) AS days,
    count(last) AS dated
  FROM grid WHERE joined <= e AND e < "left" GROUP BY cluster, key
),"""
    + _sql_caseload("periods", "cluster, key", "e")
    + """
SELECT p.cluster, p.key, coalesce(l.visits, 0), coalesce(l.active, 0),
  coalesce(c.members, 0), coalesce(c.visited, 0), coalesce(c.contacts, 0), coalesce(c.days, 0),
  coalesce(c.dated, 0), coalesce(k.assigned, 0), coalesce(k.caseload, 0)
FROM periods p LEFT JOIN logged l USING (cluster, key) LEFT JOIN counted c USING (cluster, key)
  LEFT JOIN caseload_periods k USING (cluster, key)
"""
)

_SQL_ROUNDS = (
    _SQL_PAIRS
    + f""",
reached AS (
  SELECT r.cluster, r.round, p.member,
    count(*) FILTER (WHERE p.day > r."on" - {WINDOW_DAYS}) AS win, max(p.day) AS last
  FROM pairs p JOIN rounds r USING (cluster) WHERE p.day <= r."on"
  GROUP BY r.cluster, r.round, p.member
),
on_date AS (
  SELECT r.cluster, r.round, count(*) AS members, coalesce(sum(x.win), 0) AS win,
    coalesce(sum(r."on" - x.last), 0) AS days, count(x.last) AS dated,
    count(*) FILTER (WHERE r."on" - x.last < {RECENT_DAYS}) AS recent
  FROM members m JOIN rounds r USING (cluster)
  LEFT JOIN reached x ON x.cluster = r.cluster AND x.round = r.round AND x.member = m.member
  WHERE m.joined <= r."on" AND r."on" < m."left"
  GROUP BY r.cluster, r.round
),
group_last AS (
  SELECT r.cluster, r.round, sv.subject AS "group", max(sv.day) AS last
  FROM sv JOIN rounds r USING (cluster) WHERE sv.kind = {GROUP} AND sv.day <= r."on"
  GROUP BY r.cluster, r.round, sv.subject
),
groups_on AS (
  SELECT r.cluster, r.round, count(*) AS groups,
    count(*) FILTER (WHERE r."on" - gl.last < {RECENT_DAYS}) AS recent
  FROM groups g JOIN rounds r USING (cluster)
  LEFT JOIN group_last gl
    ON gl.cluster = r.cluster AND gl.round = r.round AND gl."group" = g."group"
  WHERE g.formed <= r."on" AND r."on" < g.dissolved
  GROUP BY r.cluster, r.round
),
ended AS (
  SELECT cluster, round,
    (year(b) - year(a)) * 12 + month(b) - month(a) - CAST(day(b) < day(a) AS INTEGER) AS months
  FROM (
    SELECT r.cluster, r.round, DATE '1970-01-01' + (max(v.day) - {EPOCH}) AS a,
      DATE '1970-01-01' + (r."on" - {EPOCH}) AS b
    FROM v JOIN rounds r USING (cluster) WHERE v.day <= r."on" GROUP BY r.cluster, r.round, r."on"
  )
),"""
    + _sql_caseload("rounds", "cluster, round", '"on"')
    + """
SELECT r.cluster, r.round, coalesce(o.members, 0), coalesce(o.win, 0), coalesce(o.days, 0),
  coalesce(o.dated, 0), coalesce(o.recent, 0), coalesce(g.groups, 0), coalesce(g.recent, 0),
  e.months, coalesce(k.caseload, 0), coalesce(k.assigned, 0)
FROM rounds r LEFT JOIN on_date o USING (cluster, round)
  LEFT JOIN groups_on g USING (cluster, round)
  LEFT JOIN ended e USING (cluster, round) LEFT JOIN caseload_rounds k USING (cluster, round)
WHERE r.cluster IN (SELECT cluster FROM visits)
"""
)


def duckdb_connection(f: dict[str, Any]) -> Any:
    """An in-memory DuckDB database holding the frames as tables (copied in, not timed)."""
    import duckdb

    con = duckdb.connect(":memory:")
    for name in (
        "visits", "subjects", "members", "groups", "spells", "assignments", "assignment_groups",
        "assignment_members", "rounds",
    ):  # fmt: skip
        frame = f[name]
        data = {c: frame[c].to_numpy() for c in frame.columns}  # noqa: F841 - read by the SQL
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM data")
    return con


def duckdb_reference(f: dict[str, Any], con: Any) -> _R:
    """The table's and the rounds' integers in DuckDB SQL (two queries)."""
    table = con.execute(_SQL_TABLE).fetchall()
    by_round = con.execute(_SQL_ROUNDS).fetchall()
    return _dicts(f, table, by_round)
