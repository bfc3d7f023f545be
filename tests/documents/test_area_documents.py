"""Sector areas in program documents: written when set, left out when empty, checked on reading."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.model.area_builders import (
    ALL_DESA,
    AREAS,
    area_cluster,
    area_program,
    area_programs,
    meeting,
    sectors,
    training,
    villager,
)

import klaster
from klaster import DocumentError, KlasterError, Program
from klaster.testing import strategies as kst


def program_with_everything() -> Program:
    c = area_cluster()
    c.add_member(villager("M-1", "Lamalaka"))
    c.add_member(villager("M-2", "Baruga"), outside_area="moved after the flood")
    c.add_group(meeting("G-1", "Kampala", "M-1"), outside_area="meets at the market hall")
    p = area_program(c)
    p.fieldwork.add_activity(training("A-1", "Lamalaka"), outside_area="the only hall")
    return p


def cluster_of(text: str) -> dict[str, Any]:
    cluster: dict[str, Any] = json.loads(text)["program"]["clusters"][0]
    return cluster


class TestWriting:
    def test_the_new_fields(self) -> None:
        p = program_with_everything()
        raw = cluster_of(klaster.dumps(p))
        assert raw["sectors"][0] == {
            "sector": "umkm",
            "partner_id": "mm",
            "areas": ["Bantaeng", "Bissappu"],
        }
        assert raw["area_overrides"] == [
            {"kind": "member", "record_id": "M-2", "reason": "moved after the flood"},
            {"kind": "group", "record_id": "G-1", "reason": "meets at the market hall"},
            {"kind": "activity", "record_id": "A-1", "reason": "the only hall"},
        ]
        assert raw["groups"][0]["village"] == "Kampala"
        assert klaster.loads(klaster.dumps(p)) == p

    def test_left_out_when_empty(self) -> None:
        c = area_cluster(sectors=sectors({}))
        c.add_member(villager("M-1", "Rappoa"))
        c.add_group(meeting("G-1", None, "M-1"))
        raw = cluster_of(klaster.dumps(area_program(c)))
        assert "area_overrides" not in raw
        assert all("areas" not in s for s in raw["sectors"])
        assert "village" not in raw["groups"][0]


class TestReading:
    def edited(self, change: Any) -> str:
        document = json.loads(klaster.dumps(program_with_everything()))
        change(document["program"]["clusters"][0], document["program"])
        return json.dumps(document)

    @pytest.mark.parametrize(
        ("change", "where", "says"),
        [
            (
                lambda c, _p: c["members"][0].update(village="Kampala"),
                "program.clusters[0].members[0].village",
                "outside the area of sector 'umkm' in cluster 'bantaeng' (Bantaeng, Bissappu)",
            ),
            (
                lambda c, _p: c["area_overrides"].pop(1),
                "program.clusters[0].groups[0].village",
                "AreaOverride('group', 'G-1', reason)",
            ),
            (
                lambda c, _p: c["area_overrides"][0].update(record_id="M-9"),
                "program.clusters[0].",  # the member it no longer covers, or the unknown one
                "",
            ),
            (
                lambda c, _p: c["area_overrides"][0].update(reason=""),
                "program.clusters[0].area_overrides[0].reason",
                "",
            ),
            (
                lambda c, _p: c["sectors"][1].update(areas=["Bacem"]),
                "program.clusters[0].sectors[1].areas[0]",
                "not a kecamatan or desa",
            ),
            (
                lambda c, _p: c["sectors"][1].update(areas="Eremerasa"),
                "program.clusters[0].sectors[1].areas",
                "",
            ),
            (
                lambda _c, p: p["fieldwork"]["activities"][0].update(id="A-2", village="Kampala"),
                "program.clusters[0].area_overrides[2].record_id",
                "activity 'A-1' is not an activity of cluster 'bantaeng'",
            ),
            (
                lambda c, _p: c["area_overrides"].pop(2),
                "program.fieldwork.activities[0].village",
                "outside the area of sector 'farming'",
            ),
        ],
    )
    def test_refused_and_located(self, change: Any, where: str, says: str) -> None:
        with pytest.raises(KlasterError) as exc:
            klaster.loads(self.edited(change))
        assert isinstance(exc.value, DocumentError | KlasterError)
        assert where in str(exc.value), str(exc.value)
        assert says in str(exc.value)

    def test_a_version_2_document_has_no_areas(self) -> None:
        document = json.loads(klaster.dumps(area_program(area_cluster(sectors=sectors({})))))
        document["schema_version"] = 2
        assert klaster.loads(json.dumps(document)).clusters["bantaeng"].area_overrides == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area_programs())
def test_round_trip(program: Program) -> None:
    assert klaster.loads(klaster.dumps(program)) == program
    assert klaster.loads(klaster.dumps(program, indent=None)) == program


@settings(max_examples=60, deadline=None)
@given(
    areas=st.lists(st.sampled_from(["Bantaeng", "Bissappu", "73.03.03", "Rappoa", "Kampala"])),
    sector=st.sampled_from(list(AREAS)),
    village=st.sampled_from([*ALL_DESA, "Gaji"]),
    reason=st.none() | st.just("kept by the manager"),
)
def test_the_api_and_the_document_decide_alike(
    areas: list[str], sector: str, village: str, reason: str | None
) -> None:
    areas = list(dict.fromkeys(areas))
    empty = area_program(area_cluster(sectors=sectors({"umkm": tuple(areas)})))
    person = villager("M-1", village, sector)
    api: object
    try:
        empty.clusters["bantaeng"].add_member(person, outside_area=reason)
        api = "ok"
    except KlasterError as exc:
        api = type(exc).__name__, exc.message
    document = json.loads(
        klaster.dumps(area_program(area_cluster(sectors=sectors({"umkm": tuple(areas)}))))
    )
    cluster = document["program"]["clusters"][0]
    cluster["members"] = [
        json.loads(json.dumps(klaster.documents.converter.detailed_converter().unstructure(person)))
    ]
    if reason is not None:
        cluster["area_overrides"] = [{"kind": "member", "record_id": "M-1", "reason": reason}]
    loaded: object
    try:
        klaster.loads(json.dumps(document))
        loaded = "ok"
    except KlasterError as exc:
        loaded = type(exc).__name__
    assert (api == "ok") == (loaded == "ok"), (api, loaded)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kst.programs(with_areas=True))
def test_round_trip_of_random_regions_and_areas(program: Program) -> None:
    assert klaster.loads(klaster.dumps(program)) == program
