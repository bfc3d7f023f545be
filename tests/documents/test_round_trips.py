"""Program documents: exact round trips through dumps and loads, and the document envelope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.documents.builders import NIK, READERS, as_json, bantaeng, members_of, reader

import klaster
import klaster.documents.program as document
from klaster import Cluster, ClusterSector, DocumentError, Member, Program, Region
from klaster.testing import strategies as kst

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


class TestRoundTrip:
    def test_small_program(self) -> None:
        program = bantaeng()
        text = klaster.dumps(program)
        again = klaster.loads(text)
        assert again == program
        assert klaster.dumps(again) == text
        cluster = again.clusters["bantaeng"]
        assert cluster.members["BTG-1"].national_id == NIK
        assert cluster.lifecycle.phase is klaster.Phase.GROWTH
        assert cluster.region.children[0].stats[0].poverty_rate == Decimal("38.20")

    @pytest.mark.parametrize("name", READERS)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs(max_clusters=3))
    def test_any_program(self, name: str, program: Program) -> None:
        with reader(name):
            text = klaster.dumps(program)
            again = klaster.loads(text)
            assert again == program
            assert klaster.dumps(again) == text  # stable: nothing drifts on a second pass
            compact = klaster.dumps(program, indent=None)
            assert "\n" not in compact
            assert klaster.loads(compact.encode("utf-8")) == program

    def test_document_envelope(self) -> None:
        doc = as_json(bantaeng())
        assert list(doc) == ["klaster", "schema_version", "program"]
        assert doc["klaster"] == document.DOCUMENT_KIND == "program"
        assert doc["schema_version"] == klaster.SCHEMA_VERSION
        stat_ = doc["program"]["clusters"][0]["region"]["children"][0]["stats"][0]
        assert stat_["poverty_rate"] == "38.20"  # decimals travel as strings, never floats
        member = members_of(doc)[2]
        spell = doc["program"]["clusters"][0]["groups"][0]["memberships"][1]
        assert "left" not in member  # defaults are left out
        assert "role" not in spell

    def test_bundled_example_round_trips_byte_for_byte(self) -> None:
        path = ROOT / "examples" / "data" / "bantaeng.json"
        if not path.exists():
            pytest.skip("examples/data/bantaeng.json is not built")
        text = path.read_text(encoding="utf-8")
        assert klaster.dumps(klaster.load(path)) == text

    def test_dumps_validates_first(self) -> None:
        program = bantaeng()
        other = Cluster(
            id="blora",
            name="Blora",
            region=Region.province("Jawa Tengah", "33"),
            sectors=[ClusterSector("livestock")],
        )
        program.add_cluster(other)
        other.add_member(Member("BTG-1", "x", "male", 1, "Jiken", "livestock", D(2012, 1, 1)))
        with pytest.raises(klaster.DuplicateIdError, match=r"clusters\[1\]\.members\[0\]\.id"):
            klaster.dumps(program)

    def test_only_programs_are_written(self) -> None:
        with pytest.raises(DocumentError, match="can only write a Program, got dict"):
            klaster.dumps({"id": "km"})  # type: ignore[arg-type]
