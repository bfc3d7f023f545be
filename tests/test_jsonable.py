"""The public JSON encoder: results for web apps, exact and private."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klaster
from klaster.label import Label
from klaster.measurement import NotAvailable, Results, Row
from klaster.model.member import Sex

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "data" / "bantaeng.json"


def _row(value: Decimal | NotAvailable) -> Row:
    return Row(
        "poverty_headcount",
        Label("Persentase penduduk miskin", "Headcount"),
        "ratio",
        "endline",
        dt.date(2014, 3, 1),
        (("sex", "female"),),
        value,
        n=188,
    )


class TestValues:
    def test_decimals_dates_labels_and_reasons(self) -> None:
        encoded = klaster.to_jsonable(
            {
                "value": Decimal("0.3101"),
                "on": dt.date(2014, 3, 1),
                "at": dt.datetime(2014, 3, 1, 8, 30),
                "label": Label("Jumlah mitra", "Members"),
                "missing": NotAvailable("no endline round"),
                "sex": Sex.FEMALE,
                "path": Path("a/b"),
                "set": {3, 1},
            }
        )
        assert encoded == {
            "value": "0.3101",
            "on": "2014-03-01",
            "at": "2014-03-01T08:30:00",
            "label": {"id": "Jumlah mitra", "en": "Members"},
            "missing": {"not_available": True, "reason": "no endline round"},
            "sex": "female",
            "path": "a/b",
            "set": [1, 3],
        }

    @given(st.decimals(allow_nan=False, allow_infinity=False))
    def test_decimals_round_trip_exactly(self, value: Decimal) -> None:
        text = json.dumps({"v": value}, cls=klaster.JSONEncoder)
        assert Decimal(json.loads(text)["v"]) == value

    def test_disaggregation_keys(self) -> None:
        encoded = klaster.to_jsonable({(("sex", "female"), ("desa", "Bonto")): 1, None: 2})
        assert encoded == {"sex=female,desa=Bonto": 1, "null": 2}


class TestResults:
    def test_a_results_table_is_its_records(self) -> None:
        results = Results([_row(Decimal("0.31")), _row(NotAvailable("too few"))])
        text = json.dumps(results, cls=klaster.JSONEncoder)
        records = json.loads(text)
        assert records[0]["value"] == "0.31"
        assert records[0]["date"] == "2014-03-01"
        assert records[1]["value"] is None
        assert records[1]["reason"] == "too few"

    def test_a_row_is_its_fields(self) -> None:
        encoded = klaster.to_jsonable(_row(NotAvailable("too few")))
        assert encoded["value"] == {"not_available": True, "reason": "too few"}
        assert encoded["label"] == {"id": "Persentase penduduk miskin", "en": "Headcount"}
        assert encoded["by"] == [["sex", "female"]]


class TestPrivacy:
    def test_personal_fields_are_left_out(self) -> None:
        program = klaster.load(EXAMPLE)
        member = next(iter(program.clusters["bantaeng"].members))
        encoded = klaster.to_jsonable(member)
        assert encoded["id"] == member.id
        assert "name" not in encoded
        assert member.name not in json.dumps(encoded)


class TestRefusals:
    def test_unknown_objects_are_located(self) -> None:
        with pytest.raises(klaster.ValidationError, match="a object cannot be written") as e:
            klaster.to_jsonable({"rows": [1, {"value": object()}]})
        assert e.value.path == "$.rows[1].value"

    def test_non_finite_floats(self) -> None:
        with pytest.raises(klaster.ValidationError, match="not a JSON number") as e:
            klaster.to_jsonable([float("nan")])
        assert e.value.path == "$[0]"
        with pytest.raises(klaster.ValidationError, match="not a JSON number"):
            json.dumps([Decimal("Infinity"), float("inf")], cls=klaster.JSONEncoder)

    def test_too_deep(self) -> None:
        deep: list[object] = []
        for _ in range(100):
            deep = [deep]
        with pytest.raises(klaster.ValidationError, match="nested deeper"):
            klaster.to_jsonable(deep)
