"""IATI results of a program whose clusters survey the endline on their own days."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.exports.test_iati import PREFIX, activities, make_settings
from tests.exports.test_tidy_round_dates import _load, _twins

from klaster.exports import iati_activities
from klaster.measurement import Measurement
from klaster.model.results_framework import Result, ResultIndicator, Target


def _periods(activity: ET.Element) -> list[tuple[str | None, ...]]:
    """Each period's end, target and actual (``None``: no actual)."""
    found: list[tuple[str | None, ...]] = []
    for period in activity.iter("period"):
        end, target, actual = (period.find(tag) for tag in ("period-end", "target", "actual"))
        assert end is not None
        assert target is not None
        found.append(
            (
                end.get("iso-date"),
                target.get("value"),
                None if actual is None else actual.get("value"),
            )
        )
    return found


class TestEndlineOnTwoDays:
    def test_each_period_ends_on_its_rounds_day(self, tmp_path: Path) -> None:
        # Bantaeng's endline on 1 March 2014, the twin's on 1 April: the program's endline is
        # complete on the later day; each cluster's period ends on its own.
        program, obs = _load(_twins(tmp_path, twin_endline="2014-04-01"))
        framework = [
            Result("op1", "output", "Mitra", [ResultIndicator("members", [
                Target(300, round_key="endline"),
                Target(150, round_key="endline", cluster_id="bantaeng"),
                Target(150, round_key="endline", cluster_id="twin"),
            ])])
        ]  # fmt: skip
        program.revise_framework(framework, recorded_on=dt.date(2011, 3, 1), reason="test")
        xml = iati_activities(program, make_settings(), measurement=Measurement(program, obs))
        found = activities(xml)
        assert _periods(found[PREFIX]) == [("2014-04-01", "300", "376")]
        assert _periods(found[f"{PREFIX}-bantaeng"]) == [("2014-03-01", "150", "188")]
        assert _periods(found[f"{PREFIX}-twin"]) == [("2014-04-01", "150", "188")]
