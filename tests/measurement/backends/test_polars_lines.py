"""A round key's poverty lines are looked up once per area and survey month, not per frame."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from klaster import Cluster, ClusterSector, Organisation, Program, Region
from klaster.measurement.core_indicators import frame_poverty_line, frame_poverty_lines
from klaster.measurement.engine import Measurement
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.methods.poverty_records import PovertyLine
from klaster.measurement.na import NotAvailable
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

# (cluster, kabupaten, survey date): two share a kabupaten and a month, one is in another
# month, one in another kabupaten; the last two have no line (long before any survey).
FRAMES = [
    ("c0", "73.03", dt.date(2023, 3, 1)),
    ("c1", "73.03", dt.date(2023, 3, 29)),
    ("c2", "73.03", dt.date(2023, 9, 5)),
    ("c3", "73.01", dt.date(2023, 3, 8)),
    ("c4", "73.03", dt.date(1950, 3, 1)),
    ("c5", "73.03", dt.date(1950, 3, 2)),
]


def _observations() -> Observations:
    clusters = [
        Cluster(
            id=cid,
            name=f"Klaster {cid}",
            region=Region.province("Sulawesi Selatan", "73", [Region.kabupaten("Kab", kab)]),
            sectors=[ClusterSector("umkm", "dd")],
        )
        for cid, kab, _ in FRAMES
    ]
    program = Program(
        id="p",
        name="Program",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=clusters,
    )
    obs = Observations(program, variable_catalogue())
    for cid, _, on in FRAMES:
        obs.add_round(Round(f"{cid}-b", cid, "baseline", on))
    return obs


def _frames(obs: Observations) -> list[Any]:
    engine = Measurement(obs.program, obs)
    return [engine.frame(f"{cid}-b") for cid, _, _ in FRAMES]


class TestLinesOfFrames:
    def test_one_look_up_per_area_and_month_and_the_same_lines(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        obs = _observations()
        expected = [frame_poverty_line(f) for f in _frames(obs)]
        calls = []
        lookup = PovertyLines.lookup

        def counted(lines: PovertyLines, area: str, on: dt.date, **kwargs: Any) -> Any:
            calls.append((area, on))
            return lookup(lines, area, on, **kwargs)

        monkeypatch.setattr(PovertyLines, "lookup", counted)
        frames = _frames(obs)
        found = frame_poverty_lines(frames)
        assert found == expected
        assert [f.cache["line"] for f in frames] == expected  # what frame_poverty_line reads
        # c1 shares c0's line, and so does c3: neither kabupaten has a line of its own, so both
        # are measured against the nation's line of March 2023. Each frame without a line
        # keeps its own reason (its date).
        assert [on for _, on in calls] == [on for cid, _, on in FRAMES if cid not in ("c1", "c3")]
        missing = [line for line in found if isinstance(line, NotAvailable)]
        assert len(missing) == 2
        assert missing[0] != missing[1]

    def test_a_frame_read_before_is_not_looked_up_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        frames = _frames(_observations())
        first = frame_poverty_line(frames[0])
        calls = []
        lookup = PovertyLines.lookup

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return lookup(*args, **kwargs)

        monkeypatch.setattr(PovertyLines, "lookup", counted)
        assert frame_poverty_lines(frames[:2]) == [first, first]
        assert calls == [1]  # c1's, the first of its area and month here


class TestSearchedFrom:
    def test_a_kabupaten_with_a_line_of_its_own_is_not_merged(self) -> None:
        own = PovertyLine("73.03", 2023, "march", 450_000, "BPS Kabupaten Bantaeng")
        lines = PovertyLines.bps_national().extend([own])
        assert lines.searched_from("73.03") == "73.03"
        assert lines.searched_from("73.03.01") == "73.03"  # a kecamatan: its kabupaten's
        assert lines.searched_from("73.01") == "national"
        assert PovertyLines(()).searched_from("73.01") is None

    def test_frames_of_kabupaten_with_and_without_lines_get_their_own(self) -> None:
        obs = _observations()
        own = PovertyLine("73.03", 2023, "march", 450_000, "BPS Kabupaten Bantaeng")
        engine = Measurement(
            obs.program, obs, poverty_lines=PovertyLines.bps_national().extend([own])
        )
        frames = [engine.frame(f"{cid}-b") for cid in ("c0", "c3")]
        found = frame_poverty_lines(frames)
        assert found[0] == 450_000
        assert found[1] != 450_000  # 73.01 has none: the nation's
        assert found == [frame_poverty_line(engine.frame(f"{c}-b")) for c in ("c0", "c3")]
