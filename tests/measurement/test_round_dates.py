"""``round_dates``: each round key's day in each cluster, when a report row has no one date."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import klaster
from klaster.examples import path
from klaster.measurement import Measurement, Results, round_dates
from klaster.observations import Observations, Round


def _two_clusters() -> Observations:
    """Bantaeng and a copy of it (other member IDs), without rounds."""
    document = json.loads(path("bantaeng.json").read_text(encoding="utf-8"))
    cluster = document["program"]["clusters"][0]
    twin = json.loads(json.dumps(cluster).replace('"BTG-', '"TWN-'))
    twin.update(id="twin", name="Twin", groups=[], cooperatives=[], stakeholders=[])
    document["program"]["clusters"].append(twin)
    return Observations(klaster.loads(json.dumps(document)))


class TestRoundDates:
    def test_each_cluster_its_own_day_and_numbered_keys(self) -> None:
        observations = _two_clusters()
        for round_id, cluster, kind, on in (
            ("b", "bantaeng", "baseline", dt.date(2011, 6, 15)),
            ("m1", "bantaeng", "monitoring", dt.date(2012, 1, 10)),
            ("m2", "bantaeng", "monitoring", dt.date(2012, 7, 10)),
            ("tb", "twin", "baseline", dt.date(2011, 5, 2)),
        ):
            observations.add_round(Round(round_id, cluster, kind, on))
        assert round_dates(observations) == {
            "baseline": {"bantaeng": dt.date(2011, 6, 15), "twin": dt.date(2011, 5, 2)},
            "monitoring": {"bantaeng": dt.date(2012, 1, 10)},
            "monitoring_2": {"bantaeng": dt.date(2012, 7, 10)},
        }
        # What they stand for: the report's rows of a key without one day carry no date.
        rows = Measurement(observations.program, observations).report(["members"], by=[()])
        assert {row.round_id: row.on for row in rows} == {
            "baseline": None,
            "monitoring": dt.date(2012, 1, 10),
            "monitoring_2": dt.date(2012, 7, 10),
        }

    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_a_clusters_rows_carry_its_own_day(self, backend: str) -> None:
        # The baseline key has no one day; a row of one cluster is its cluster's round, so it
        # carries that day (in rows, records and every backend); a row over both, none.
        observations = _two_clusters()
        observations.add_round(Round("b", "bantaeng", "baseline", dt.date(2011, 6, 15)))
        observations.add_round(Round("tb", "twin", "baseline", dt.date(2011, 5, 2)))
        engine = Measurement(observations.program, observations, backend=backend)
        results = engine.report(["members"], by=[(), ("cluster",), ("cluster", "sex")])
        days = {row.by: row.on for row in results}
        assert days[()] is None
        assert days[(("cluster", "bantaeng"),)] == dt.date(2011, 6, 15)
        assert days[(("cluster", "twin"),)] == dt.date(2011, 5, 2)
        assert days[(("cluster", "twin"), ("sex", "female"))] == dt.date(2011, 5, 2)
        records = {r["cluster"]: r["date"] for r in results.to_records() if r["sex"] is None}
        assert records == {
            None: None,
            "bantaeng": dt.date(2011, 6, 15),
            "twin": dt.date(2011, 5, 2),
        }
        twin = results.filter(cluster="twin", total_over=["sex"])  # a row taken keeps its day
        assert [row.on for row in twin] == [dt.date(2011, 5, 2)]
        again = Results(results.rows)  # blocks made from the rows: runs of one date each
        assert again == results
        assert again.to_records() == results.to_records()

    def test_no_rounds(self) -> None:
        assert round_dates(_two_clusters()) == {}
