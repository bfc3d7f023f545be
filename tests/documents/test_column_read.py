"""Documents read through column-wise checks: the same programs and the same messages.

``loads`` builds each cluster's members, groups and spells from columns
(:mod:`klaster.documents._column_read`); anything that road refuses is read again by the
converter. Compared here against the exact road: the converter alone, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
import klaster.documents.program as document
from klaster import Program
from klaster.cli import main
from klaster.documents import _column_read as column_read
from klaster.testing import strategies as kst

pytest.importorskip("msgspec")

ROOT = Path(__file__).resolve().parents[2]
BANTAENG = ROOT / "examples" / "data" / "bantaeng.json"
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _refused(_raw: Any) -> Program:
    raise column_read.ColumnsRefused


def exact_loads(text: str | bytes) -> Program:
    """``loads`` as it read before the columns: the converter alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "by_columns", _refused)
        return klaster.loads(text)


def outcome(read: Callable[[Any], Program], text: str | bytes) -> tuple[str, object]:
    try:
        return "ok", read(text)
    except klaster.KlasterError as exc:
        return type(exc).__name__, str(exc)


class Road:
    """What the columns road did on each call: ``"built"`` or the exception's type name."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    def __call__(self, raw: Any) -> Program:
        try:
            program = column_read.structure_program(raw)
        except Exception as exc:
            self.taken.append(type(exc).__name__)
            raise
        self.taken.append("built")
        return program


@pytest.fixture
def road(monkeypatch: pytest.MonkeyPatch) -> Road:
    spy = Road()
    monkeypatch.setattr(document, "by_columns", spy)
    return spy


def by_columns(text: str | bytes) -> tuple[Program, list[str]]:
    spy = Road()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "by_columns", spy)
        return klaster.loads(text), spy.taken


# -- valid documents ------------------------------------------------------------------------------
class TestSameProgram:
    @SLOW
    @given(program=kst.programs(max_clusters=3, max_members=6, max_groups=3))
    def test_round_trip_through_the_columns(self, program: Program) -> None:
        text = klaster.dumps(program)
        read, taken = by_columns(text)
        assert taken == ["built"]  # the columns built it: no second road
        assert read == program
        assert read == exact_loads(text)
        assert klaster.dumps(read) == text  # order of members, spells, overrides, roles...

    @SLOW
    @given(program=kst.programs(max_clusters=2, with_areas=True))
    def test_areas_and_overrides(self, program: Program) -> None:
        text = klaster.dumps(program)
        read, taken = by_columns(text)
        assert taken == ["built"]
        assert read == program
        for ours, theirs in zip(read.clusters, program.clusters, strict=True):
            assert ours.area_overrides == theirs.area_overrides

    @SLOW
    @given(program=kst.programs_with_intake())
    def test_members_from_applications(self, program: Program) -> None:
        text = klaster.dumps(program)
        read, taken = by_columns(text)
        assert taken == ["built"]
        assert read == program

    @SLOW
    @given(program=kst.programs_with_fieldwork(max_clusters=2))
    def test_with_fieldwork(self, program: Program) -> None:
        text = klaster.dumps(program)
        read, taken = by_columns(text)
        assert taken == ["built"]
        assert read == program

    def test_the_bundled_program(self) -> None:
        data = BANTAENG.read_bytes()
        read, taken = by_columns(data)
        assert taken == ["built"]
        assert read == exact_loads(data)
        (cluster,) = read.clusters
        (group, *_) = cluster.groups
        member = cluster.members[group.memberships[0].member_id]
        assert group.memberships[0].member_id is member.id  # shared, as the converter does

    def test_json_road_too(self, monkeypatch: pytest.MonkeyPatch, road: Road) -> None:
        monkeypatch.setattr(document, "_msgspec", None)  # as without msgspec: json.loads
        data = BANTAENG.read_bytes()
        assert klaster.loads(data) == exact_loads(data)
        assert road.taken == ["built"]

    def test_migrated_first_then_read(self, road: Road) -> None:
        doc = json.loads(BANTAENG.read_text(encoding="utf-8"))
        doc["schema_version"] = 1
        for cluster in doc["program"]["clusters"]:
            cluster["lifecycle"] = cluster["lifecycle"]["history"]  # the version-1 form
        text = json.dumps(doc)
        assert klaster.loads(text) == exact_loads(BANTAENG.read_bytes())
        assert road.taken == ["built"]


# -- refused documents ------------------------------------------------------------------------
def _bantaeng() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(BANTAENG.read_text(encoding="utf-8"))
    return doc


def _cluster(doc: dict[str, Any]) -> dict[str, Any]:
    cluster: dict[str, Any] = doc["program"]["clusters"][0]
    return cluster


def unknown_key(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][5]["nickname"] = "x"
    return "members[5]: unknown field 'nickname'"


def bad_date(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][3]["joined"] = "2011-13-01"
    return "members[3].joined"


def bad_sex(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][2]["sex"] = "Female"
    return "members[2].sex"


def duplicate_id(doc: dict[str, Any]) -> str:
    members = _cluster(doc)["members"]
    members[7]["id"] = members[6]["id"]
    return "duplicate"


def unknown_group_member(doc: dict[str, Any]) -> str:
    _cluster(doc)["groups"][1]["memberships"][0]["member_id"] = "NOBODY"
    return "groups[1].memberships[0].member_id"


def overlapping_spells(doc: dict[str, Any]) -> str:
    spells = _cluster(doc)["groups"][0]["memberships"]
    spells.append(dict(spells[0]))
    return "groups[0].memberships"


def sector_outside(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][4]["sector"] = "fishing"
    return "members[4].sector"


def float_size(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][1]["household_size"] = 4.0
    return "members[1].household_size"


def float_birth_year(doc: dict[str, Any]) -> str:
    members = _cluster(doc)["members"]
    members[1]["birth_year"] = float(members[0]["birth_year"])  # equal to a year read before
    return "members[1].birth_year"


def string_birth_year(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][1]["birth_year"] = "1980"
    return "members[1].birth_year"


def null_role(doc: dict[str, Any]) -> str:
    _cluster(doc)["groups"][0]["memberships"][1]["role"] = None
    return "groups[0].memberships[1].role"


def unknown_spell_key(doc: dict[str, Any]) -> str:
    _cluster(doc)["groups"][0]["memberships"][1]["since"] = "2011-01-01"
    return "groups[0].memberships[1]"


def missing_name(doc: dict[str, Any]) -> str:
    del _cluster(doc)["members"][0]["name"]
    return "members[0].name"


def left_before_joined(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][0]["left"] = "1999-01-01"
    return "members[0].left"


def village_outside_region(doc: dict[str, Any]) -> str:
    _cluster(doc)["members"][8]["village"] = "Atlantis"
    return "members[8]"


def override_for_nobody(doc: dict[str, Any]) -> str:
    cluster = _cluster(doc)
    cluster.setdefault("area_overrides", []).append(
        {"kind": "member", "record_id": "NOBODY", "reason": "lives with family"}
    )
    return "area_overrides"


def cooperative_of_nobody(doc: dict[str, Any]) -> str:
    _cluster(doc)["cooperatives"][0]["member_ids"].append("NOBODY")
    return "cooperatives[0].member_ids"


BAD = [
    unknown_key,
    bad_date,
    bad_sex,
    duplicate_id,
    unknown_group_member,
    overlapping_spells,
    sector_outside,
    float_size,
    float_birth_year,
    string_birth_year,
    null_role,
    unknown_spell_key,
    missing_name,
    left_before_joined,
    village_outside_region,
    override_for_nobody,
    cooperative_of_nobody,
]


class TestSameMessage:
    @pytest.mark.parametrize("damage", BAD, ids=lambda f: f.__name__)
    def test_refused_with_the_exact_message(self, damage: Callable[[Any], str]) -> None:
        doc = _bantaeng()
        where = damage(doc)
        text = json.dumps(doc, ensure_ascii=False)
        ours = outcome(lambda t: by_columns(t)[0], text)
        assert ours == outcome(exact_loads, text)
        kind, message = ours
        assert kind == "DocumentError"
        assert where in str(message)
        raw = document._program_by_cluster(text.encode())
        with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal: the converter words it
            column_read.structure_program(raw)

    def test_an_unknown_member_key_is_refused_by_the_columns(self) -> None:
        doc = _bantaeng()
        unknown_key(doc)
        raw = document._program_by_cluster(json.dumps(doc).encode())
        with pytest.raises(column_read.ColumnsRefused):
            column_read.structure_program(raw)

    def test_too_many_overrides_go_to_the_converter(
        self, monkeypatch: pytest.MonkeyPatch, road: Road
    ) -> None:
        doc = _bantaeng()
        member = _cluster(doc)["members"][0]["id"]
        _cluster(doc)["area_overrides"] = [
            {"kind": "member", "record_id": member, "reason": "lives with family"}
        ]
        data = json.dumps(doc)
        expected = exact_loads(data)
        assert klaster.loads(data) == expected
        assert road.taken == ["built"]
        monkeypatch.setattr(column_read, "MAX_OVERRIDES", 0)

        def no_json(*_args: object, **_kwargs: object) -> Program:
            raise AssertionError("a valid document fell back to json.loads")

        monkeypatch.setattr(document, "_loads_json", no_json)  # the fast converter reads it
        assert klaster.loads(data) == expected
        assert road.taken == ["built", "ColumnsRefused"]


def _record_paths(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Paths of every value inside the clusters' members and groups (spells included)."""
    found: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        found.append(path)
        if isinstance(node, dict | list):
            for key, value in node.items() if isinstance(node, dict) else enumerate(node):
                walk(value, (*path, key))

    for index, cluster in enumerate(doc["program"]["clusters"]):
        for kind in ("members", "groups", "cooperatives", "area_overrides"):
            if kind in cluster:
                walk(cluster[kind], ("program", "clusters", index, kind))
    return [p for p in found if len(p) > 4]


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1980, 1980.0, 4.0, "2011-01-01", "2011-1-1", "female", "Female", "chair"]),
    st.sampled_from(["umkm", "farming", "M-1", "", " x", "x" * 70, "Baruga"]),
    st.builds(list),
    st.builds(dict),
)


class TestDamagedRecords:
    @SLOW
    @given(program=kst.programs(max_clusters=2, max_members=5, with_areas=True), data=st.data())
    def test_same_program_or_same_message(self, program: Program, data: st.DataObject) -> None:
        doc = json.loads(klaster.dumps(program))
        for _ in range(data.draw(st.integers(1, 2), label="mutations")):
            paths = _record_paths(doc)
            if not paths:
                return
            path = data.draw(st.sampled_from(paths), label="path")
            parent: Any = doc
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.sampled_from(["replace", "drop", "add"]), label="action")
            if action == "replace":
                parent[path[-1]] = data.draw(JUNK, label="value")
            elif action == "drop":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                key = data.draw(st.sampled_from(["id", "left", "role", "extra", "village"]))
                parent[key] = data.draw(JUNK, label="added")
            else:
                parent.append(data.draw(JUNK, label="added"))
        text = json.dumps(doc)
        assert outcome(klaster.loads, text) == outcome(exact_loads, text)


# -- every command line that reads a document --------------------------------------------------
def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


class TestCommandLine:
    def test_validate(self, road: Road, capsys: pytest.CaptureFixture[str]) -> None:
        assert run("validate", BANTAENG) == 0, capsys.readouterr().err
        assert road.taken == ["built"]

    def test_report(self, road: Road, capsys: pytest.CaptureFixture[str]) -> None:
        assert run("report", BANTAENG) == 0, capsys.readouterr().err
        assert road.taken == ["built"]

    def test_init(self, road: Road, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        store = tmp_path / "p.klaster"
        assert run("init", "--from", BANTAENG, store) == 0, capsys.readouterr().err
        assert "built" in road.taken

    def test_refused_document_names_the_record(
        self, road: Road, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        doc = _bantaeng()
        bad_sex(doc)
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        capsys.readouterr()
        assert run("validate", path) != 0
        assert "clusters[0].members[2].sex" in capsys.readouterr().err
        assert road.taken[0] != "built"


class TestParsedIntoFields:
    """``loads`` parses each cluster straight into its records' fields (no dict per record)."""

    @staticmethod
    def parsed(text: str | bytes) -> dict[str, Any]:
        data = text.encode() if isinstance(text, str) else text
        raw = document._program_by_cluster(data, column_read.cluster_decoder())
        assert raw is not None
        return raw

    def test_the_valid_document_never_becomes_dicts(
        self, monkeypatch: pytest.MonkeyPatch, road: Road
    ) -> None:
        def no_dicts(*_args: object) -> None:
            raise AssertionError("the records were parsed as dicts")

        monkeypatch.setattr(column_read, "_check_objects", no_dicts)
        assert klaster.loads(BANTAENG.read_bytes()) == exact_loads(BANTAENG.read_bytes())
        assert road.taken == ["built"]

    def test_same_program_as_from_dicts(self) -> None:
        data = BANTAENG.read_bytes()
        from_dicts = document._program_by_cluster(data)
        assert column_read.structure_program(self.parsed(data)) == (
            column_read.structure_program(from_dicts)
        )

    @pytest.mark.parametrize("damage", BAD, ids=lambda f: f.__name__)
    def test_refused_when_parsed_into_fields(self, damage: Callable[[Any], str]) -> None:
        doc = _bantaeng()
        damage(doc)
        with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal: the converter words it
            column_read.structure_program(self.parsed(json.dumps(doc)))

    @pytest.mark.parametrize(
        ("spell", "role"), [({}, "member"), ({"role": "chair"}, "chair"), ({"left": None}, None)]
    )
    def test_absent_and_null_as_the_dicts_read_them(self, spell: dict[str, Any], role: Any) -> None:
        doc = _bantaeng()
        spells = _cluster(doc)["groups"][0]["memberships"]
        first = {"member_id": spells[0]["member_id"], "joined": spells[0]["joined"], **spell}
        spells[0] = first
        text = json.dumps(doc)
        program = column_read.structure_program(self.parsed(text))
        assert program == exact_loads(text)
        group = next(iter(program.clusters)).groups[_cluster(doc)["groups"][0]["id"]]
        if role is not None:
            assert group.memberships[0].role.value == role


class TestCooperativesJudgedWhole:
    def test_no_member_by_member_check_of_a_cooperative(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from klaster.model.cluster import Cluster

        checked: list[str] = []
        check = Cluster._check_cooperative

        def spy(cluster: Cluster, coop: Any) -> None:
            checked.append(coop.id)
            check(cluster, coop)

        monkeypatch.setattr(Cluster, "_check_cooperative", spy)
        data = BANTAENG.read_bytes()
        expected = exact_loads(data)
        assert checked  # (the converter's road checks each member of each cooperative)
        checked.clear()
        program, taken = by_columns(data)
        assert taken == ["built"]
        assert checked == []
        assert program == expected
        assert any(c.cooperatives for c in program.clusters)

    def test_a_list_of_texts_is_structured_whole(self) -> None:
        import sys

        from klaster.documents.converter import fast_converter

        conv = column_read._converter()
        ids = [f"M-{i}" for i in range(1000)]
        conv.structure(ids[:1], tuple[str, ...])  # (its hook found and kept)
        calls = 0

        def count(_frame: Any, event: str, _arg: Any) -> None:
            nonlocal calls
            calls += event == "call"

        sys.setprofile(count)
        try:
            found = conv.structure(ids, tuple[str, ...])
        finally:
            sys.setprofile(None)
        assert found == tuple(ids)
        assert calls < 5  # (not a call per text)
        for bad in ([*ids[:3], 4], "M-1", [None], {"a": 1}):
            with pytest.raises(Exception) as ours:  # noqa: PT011 - compared below
                conv.structure(bad, tuple[str, ...])
            with pytest.raises(Exception) as theirs:  # noqa: PT011
                fast_converter().structure(bad, tuple[str, ...])
            assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
