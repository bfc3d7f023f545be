"""``round_dates``: each round key's day in each cluster, when a report row has no one date."""

from __future__ import annotations

import datetime as dt
import json

import klaster
from klaster.examples import path
from klaster.measurement import Measurement, round_dates
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

    def test_no_rounds(self) -> None:
        assert round_dates(_two_clusters()) == {}
