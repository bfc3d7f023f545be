"""How loads() reads: fast converter first, msgspec one cluster at a time, shared values, GC.

The fast roads must never change an outcome: the same documents are accepted (with equal programs)
and refused (with the same messages) as by the detailed converter over ``json.loads``.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
import klaster.documents.converter as converter
import klaster.documents.program as document
from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
)
from klaster.testing import strategies as kst

pytest.importorskip("msgspec")


def outcome(read: Any, arg: Any) -> tuple[str, object]:
    """``("ok", result)`` or ``(error type, message)`` of ``read(arg)``."""
    try:
        return "ok", read(arg)
    except Exception as exc:  # (a few known bugs still escape raw: the same on every road)
        return type(exc).__name__, str(exc)


def plain_loads(text: str | bytes) -> Program:
    """loads() as it reads without msgspec, the columns road and the fast converter."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "_msgspec", None)
        patch.setattr(document, "by_columns", _no_columns)
        patch.setattr(document, "fast_converter", converter.detailed_converter)
        return klaster.loads(text)


def _no_columns(_raw: Any) -> Program:
    raise AssertionError("not read by columns")


def damaged(doc: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """``doc`` with one to three random replacements, deletions or additions."""
    doc = copy.deepcopy(doc)
    junk = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.text(max_size=3),
        st.sampled_from(["2011-01-01", "38.20", "umkm", "growth", "M-1", "", "x" * 70]),
        st.builds(list),
        st.builds(dict),
    )
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = [p for p in _paths(doc) if len(p) >= 2]
        path = data.draw(st.sampled_from(paths), label="path")
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "drop", "add"]), label="action")
        if action == "replace":
            parent[path[-1]] = data.draw(junk, label="value")
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["id", "note", "extra"]))] = data.draw(junk)
        else:
            parent.append(data.draw(junk))
    return doc


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


SLOW = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class TestSameOutcome:
    @SLOW
    @given(program=kst.programs(max_clusters=2), data=st.data())
    def test_fast_and_detailed_converters_agree(
        self, program: Program, data: st.DataObject
    ) -> None:
        raw = damaged(json.loads(klaster.dumps(program)), data)["program"]

        def fast(value: Any) -> object:
            return converter.fast_converter().structure(value, Program)

        def detailed(value: Any) -> object:
            return converter.detailed_converter().structure(value, Program)

        results = []
        for structure in (fast, detailed):
            try:
                results.append(("ok", structure(raw)))
            except Exception:  # any failure: the detailed one then reports it
                results.append(("error", None))
        assert results[0] == results[1]

    @SLOW
    @given(program=kst.programs(max_clusters=3), data=st.data())
    def test_every_road_gives_the_same_program_or_message(
        self, program: Program, data: st.DataObject
    ) -> None:
        doc = json.loads(klaster.dumps(program))
        if data.draw(st.booleans(), label="damage"):
            doc = damaged(doc, data)
        texts = [
            json.dumps(doc),
            json.dumps(doc, ensure_ascii=False),
            json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8", "surrogatepass"),
        ]
        for text in texts:
            assert outcome(klaster.loads, text) == outcome(plain_loads, text)

    @pytest.mark.parametrize(
        "text",
        [
            # What msgspec refuses or reads otherwise, json.loads decides.
            b'{"klaster": "program", "schema_version": 1, "program": NaN}',
            b'\xef\xbb\xbf{"klaster": "program", "schema_version": 1, "program": {}}',
            '{"klaster": "program", "schema_version": 1, "program": {}}'.encode("utf-16"),
            b'{"klaster": "program", "schema_version": 1, "program": {"id": "\\ud800"}}',
            # A value json.loads would refuse, hidden behind a repeated key.
            b'{"klaster": "program", "schema_version": 1, "program": {"clusters": ["\xff"], '
            b'"clusters": []}}',
            b'{"klaster": "program", "schema_version": 1, "program": {"clusters": [1,], '
            b'"clusters": []}}',
            # Repeated keys: the last one counts, on both roads.
            b'{"klaster": "x", "klaster": "program", "schema_version": 1, "program": {"id": "a", '
            b'"id": "km", "name": "K", "organisation_id": "dd", "organisations": '
            b'[{"id": "dd", "name": "DD", "kind": "ngo"}]}}',
            # Envelope trouble.
            b'{"klaster": "program", "schema_version": true, "program": {}}',
            b'{"klaster": "program", "schema_version": 1.0, "program": {}}',
            b'{"klaster": "program", "schema_version": 1, "program": {}, "x": 1}',
            b'{"klaster": "program", "schema_version": 1, "program": {"clusters": {}}}',
            b'{"klaster": "program", "schema_version": 1, "program": {"clusters": "ab"}}',
            b'{"klaster": "program", "schema_version": 1, "program": {"unknown": 1}}',
            b'{"klaster": "program", "schema_version": 1, "program": {"id": 10000000000000000000'
            b"000}}",
            b'{"klaster": "program", "schema_version": 1}',
            b'["klaster"]',
            b"",
        ],
    )
    def test_odd_documents(self, text: bytes) -> None:
        assert outcome(klaster.loads, text) == outcome(plain_loads, text)
        assert outcome(klaster.loads, bytearray(text)) == outcome(plain_loads, text)


def small_program() -> Program:
    day = dt.date(2011, 5, 2)
    members = [
        Member(f"M-{n}", f"Person {n}", "female", 4, "Baruga", "umkm", day, "batik",
               birth_year=1980)
        for n in range(4)
    ]  # fmt: skip
    cluster = Cluster(
        id="c1",
        name="Klaster",
        region=Region.province("Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03", [
            Region.kecamatan("Pajukukang", "73.03.05", [Region.desa("Baruga")])])]),
        sectors=[ClusterSector("umkm")],
        members=members,
        groups=[Group("G-1", "Kelompok", "umkm", day, [Membership(m.id, day) for m in members])],
        cooperatives=[Cooperative("K-1", "Koperasi", ["umkm"], [m.id for m in members])],
    )  # fmt: skip
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[cluster],
    )


class TestUtf8Check:
    def test_characters_across_slices(self) -> None:
        step = 1 << 20
        text = ("a" * (step - 1) + "é" + "ü" * 10).encode("utf-8")  # é straddles the slices
        assert document._is_utf8(text)
        assert not document._is_utf8(text + b"\xff")
        assert not document._is_utf8(text[:-1])  # cut in the middle of the last character
        assert document._is_utf8(b"plain ascii")


class TestSharedValues:
    @pytest.mark.parametrize("road", ["default", "json", "detailed"])
    def test_repeated_values_are_one_object(self, road: str) -> None:
        text = klaster.dumps(small_program())
        read = {"default": klaster.loads, "json": plain_loads}.get(road)
        if read is None:  # the detailed converter alone shares the same way
            program = converter.detailed_converter().structure(json.loads(text)["program"], Program)
        else:
            program = read(text)
        assert program == small_program()
        cluster = program.clusters["c1"]
        members = list(cluster.members)
        spells = cluster.groups["G-1"].memberships
        coop = cluster.cooperatives["K-1"]
        for member, spell, listed in zip(members, spells, coop.member_ids, strict=True):
            assert spell.member_id is member.id
            assert listed is member.id
        for field in ("village", "sector", "business_type", "birth_year"):
            assert len({id(getattr(m, field)) for m in members}) == 1, field
        assert converter._SHARED == {}

    def test_the_table_is_emptied_after_a_failure(self) -> None:
        doc = json.loads(klaster.dumps(small_program()))
        doc["program"]["clusters"][0]["groups"][0]["memberships"][0]["member_id"] = "nobody"
        with pytest.raises(klaster.DocumentError, match="nobody"):
            klaster.loads(json.dumps(doc))
        assert converter._SHARED == {}


class TestGarbageCollector:
    def test_paused_while_reading_and_restored(self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[bool] = []
        validate = Program.validate

        def spy(program: Program) -> None:
            seen.append(gc.isenabled())
            validate(program)

        monkeypatch.setattr(Program, "validate", spy)
        text = klaster.dumps(small_program())
        assert gc.isenabled()
        seen.clear()
        klaster.loads(text)
        assert seen == [False]
        assert gc.isenabled()
        with pytest.raises(klaster.DocumentError):
            klaster.loads(text.replace('"household_size": 4', '"household_size": 0'))
        assert gc.isenabled()

    def test_left_off_if_it_was_off(self) -> None:
        gc.disable()
        try:
            klaster.loads(klaster.dumps(small_program()))
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_the_records_read_are_in_the_oldest_generation(self) -> None:
        program = klaster.loads(klaster.dumps(small_program()))
        young = {id(found) for generation in (0, 1) for found in gc.get_objects(generation)}
        records = [*program.clusters, *(m for c in program.clusters for m in c.members)]
        assert records
        assert not any(id(record) in young for record in records)

    def test_no_collection_walks_the_records_read(self) -> None:
        # The records are settled before the collector is back on: its count of new objects
        # starts at zero, so no pass (a million records' walk at scale) runs at the end.
        text = klaster.dumps(small_program())
        klaster.loads(text)  # (converters and plugins made first)
        started: list[dict[str, int]] = []

        def spy(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started.append(info)

        threshold = gc.get_threshold()
        gc.collect()
        gc.callbacks.append(spy)
        gc.set_threshold(50)  # (so that this small document's objects would start a pass)
        try:
            klaster.loads(text)
            assert gc.get_count()[0] < 50
        finally:
            gc.set_threshold(*threshold)
            gc.callbacks.remove(spy)
        assert started == []


class TestFastPathIsTaken:
    def test_valid_document_is_parsed_one_cluster_at_a_time(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The memory figures in docs/performance.md depend on this path: a valid document must
        # never fall back to json.loads of the whole text.
        pytest.importorskip("msgspec")
        import pathlib

        import klaster
        from klaster.documents import program as document

        data = (
            pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
        ).read_bytes()

        def no_fallback(*_args: object, **_kwargs: object) -> object:
            raise AssertionError("a valid document fell back to json.loads")

        monkeypatch.setattr(document, "_loads_json", no_fallback)
        assert len(klaster.loads(data).clusters) == 1
