"""The catalogue's enums (and the round kind) carry bilingual labels; their values stay put.

Documents, stores and sector TOML files hold the values, so a value list is pinned here: changing
one would stop files written before from loading.
"""

from __future__ import annotations

import enum
import json
import pickle
import sqlite3
from pathlib import Path

import pytest
from tests.observations.builders import CATALOGUE, PROGRAM

import klaster.observations
from klaster.catalogue import Aggregation, Direction, Level, Operator, ValueType
from klaster.label import LabelledEnum
from klaster.observations.rounds import RoundKind
from klaster.plugins.sectorfile import load_sector_toml
from klaster.store import Store

FIXTURES = Path(__file__).parent / "fixtures"

VALUES: dict[type[enum.Enum], list[str]] = {
    ValueType: ["decimal", "integer", "boolean", "category", "text", "date"],
    Aggregation: ["sum", "mean", "median", "ratio_of_sums", "share_meeting", "count"],
    Direction: ["higher", "lower"],
    Operator: [">=", ">", "<=", "<", "==", "!="],
    Level: ["member", "group", "cooperative", "cluster"],
    RoundKind: ["baseline", "midline", "endline", "monitoring"],
}
ENUMS = list(VALUES)
MEMBERS = [member for kind in ENUMS for member in kind]


def _name(value: object) -> str:
    return getattr(value, "__name__", None) or repr(value)


@pytest.mark.parametrize("kind", ENUMS, ids=_name)
def test_values_are_unchanged(kind: type[enum.Enum]) -> None:
    assert [member.value for member in kind] == VALUES[kind]


@pytest.mark.parametrize("kind", ENUMS, ids=_name)
def test_every_member_has_an_indonesian_and_an_english_label(kind: type[enum.Enum]) -> None:
    assert issubclass(kind, LabelledEnum)
    for member in kind:
        assert isinstance(member, LabelledEnum)
        assert member.label.id.strip()
        assert member.label.en.strip()
        assert (member.label_id, member.label_en) == (member.label.id, member.label.en)
    # A label tells the members apart in either language.
    assert len({member.label.id for member in kind}) == len(kind)
    assert len({member.label.en for member in kind}) == len(kind)


@pytest.mark.parametrize("member", MEMBERS, ids=repr)
def test_str_json_and_lookup_are_the_value(member: LabelledEnum) -> None:
    kind = type(member)
    assert str(member) == f"{member}" == member.value
    assert json.dumps({"k": member}) == json.dumps({"k": member.value})
    assert kind(member.value) is member
    assert pickle.loads(pickle.dumps(member)) is member


def test_operator_still_compares() -> None:
    assert Operator.GE.compare(3, 3)
    assert not Operator.LT.compare(3, 3)
    assert Operator.GE.label.en == "At least"


@pytest.mark.parametrize("resource", ["umkm.toml", "farming.toml", "livestock.toml"])
def test_sector_files_written_before_still_load(resource: str) -> None:
    data = load_sector_toml("klaster_sectors", resource)
    fields = [
        *(v.type for v in data.variables),
        *(i.aggregation for i in data.indicators),
        *(i.direction for i in data.indicators),
        *(c.operator for c in data.criteria),
    ]
    assert fields
    assert all(isinstance(value, LabelledEnum) for value in fields)


def test_sidecar_and_store_written_before_still_load(tmp_path: Path) -> None:
    # Written by the code before the enums were labelled (every value type, every round kind
    # but midline): it loads, and writing it again gives the same header.
    text = (FIXTURES / "observations_before_labels.jsonl").read_text(encoding="utf-8")
    obs = klaster.observations.loads(text, PROGRAM, CATALOGUE)
    assert {v.type for v in obs.variables.values()} == set(ValueType)
    assert all(isinstance(r.kind, RoundKind) for r in obs.rounds())
    again = klaster.observations.dumps(obs)
    assert json.loads(again.partition("\n")[0]) == json.loads(text.partition("\n")[0])
    assert klaster.observations.loads(again, PROGRAM, CATALOGUE) == obs
    path = tmp_path / "p.klaster"
    with Store.create(path, PROGRAM, observations=obs) as store:
        assert store.load_observations(variables=CATALOGUE) == obs
    conn = sqlite3.connect(path)
    try:
        types = {row[0] for row in conn.execute("SELECT type FROM variables")}
        kinds = {row[0] for row in conn.execute("SELECT kind FROM rounds")}
    finally:
        conn.close()
    assert types == set(VALUES[ValueType])  # the stored text is the value, as before
    assert kinds == {"baseline", "endline", "monitoring"}
