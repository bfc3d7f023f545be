"""The internal interface of the observations: ObservationStorage, StoredTable, UnitNumbering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError
from klaster.observations.rounds import Round
from klaster.observations.storage import (
    ObservationStorage,
    RowRefused,
    UnitNumbering,
    empty_column,
)
from klaster.observations.values import Observations
from klaster.testing.samples import sample_program


@pytest.fixture
def obs() -> Observations:
    found = Observations(sample_program())
    found.add_round(Round("bl", "bantaeng", "baseline", dt.date(2011, 6, 1)))
    found.add_round(Round("el", "bantaeng", "endline", dt.date(2013, 6, 1)))
    found.record_many(
        "bl",
        [
            ("BTG-2", {"monthly_income": Decimal("100.5")}),
            ("BTG-1", {"monthly_income": None, "household_size": 5}),
        ],
    )
    found.record("el", "BTG-1", {"monthly_income": 7})
    return found


class TestReading:
    def test_storage_is_owned_and_handed_out(self, obs: Observations) -> None:
        assert isinstance(obs.storage, ObservationStorage)
        assert obs.storage is obs.storage
        assert obs.storage.program is obs.program

    def test_numbering_is_shared_by_rounds(self, obs: Observations) -> None:
        units = obs.storage.numbering("bantaeng", Level.MEMBER)
        assert units is not None
        assert list(units.ids) == ["BTG-2", "BTG-1"]  # in the order first recorded
        assert units.index["BTG-1"] == 1
        assert obs.storage.numbering("bantaeng", Level.GROUP) is None
        assert [(c, lv, list(ids)) for c, lv, ids in obs.storage.numberings()] == [
            ("bantaeng", Level.MEMBER, ["BTG-2", "BTG-1"])
        ]

    def test_tables(self, obs: Observations) -> None:
        baseline = obs.storage.table("bl", Level.MEMBER)
        endline = obs.storage.table("el", Level.MEMBER)
        assert baseline is not None
        assert endline is not None
        assert bytes(baseline.present) == b"\x01\x01"
        assert bytes(endline.present) == b"\x00\x01"
        assert set(baseline.columns) == {"monthly_income", "household_size"}
        assert obs.storage.codes("el", Level.MEMBER) == ("monthly_income",)
        assert obs.storage.table("el", Level.GROUP) is None
        column = obs.storage.stored_column("bl", Level.MEMBER, "monthly_income")
        assert column is not None
        assert column.to_list() == [Decimal("100.5"), None]
        with pytest.raises(TypeError):
            baseline.columns["x"] = column  # type: ignore[index]

    def test_rounds_and_variables(self, obs: Observations) -> None:
        assert [r.id for r in obs.storage.added_rounds()] == ["bl", "el"]
        assert obs.storage.has_round("bl")
        assert not obs.storage.has_round("ml")
        with pytest.raises(NotFoundError, match="known: 'bl', 'el'"):
            obs.storage.round("ml")
        with pytest.raises(NotFoundError, match="unknown variable"):
            obs.storage.variable("nope")


class TestLoading:
    def test_number_units_in_a_given_order(self) -> None:
        storage = Observations(sample_program()).storage
        assert storage.number_units("bantaeng", Level.MEMBER, ["BTG-3", "BTG-1"]) is None
        units = storage.numbering("bantaeng", Level.MEMBER)
        assert units is not None
        assert list(units.ids) == ["BTG-3", "BTG-1"]

    def test_number_units_names_a_stranger_and_numbers_nothing(self) -> None:
        storage = Observations(sample_program()).storage
        assert storage.number_units("bantaeng", Level.MEMBER, ["BTG-1", "X-9"]) == "X-9"
        assert storage.numbering("bantaeng", Level.MEMBER) is None

    def test_load_rows_accepts_units_without_values(self, obs: Observations) -> None:
        obs.storage.load_rows("el", Level.MEMBER, [("BTG-3", {})])
        obs.storage.ensure_columns("el", Level.MEMBER, ["household_size"])
        assert obs.units("el") == ("BTG-1", "BTG-3")
        assert obs.storage.codes("el", Level.MEMBER) == ("monthly_income", "household_size")

    def test_load_rows_refuses_all_or_nothing(self, obs: Observations) -> None:
        with pytest.raises(RowRefused) as caught:
            obs.storage.load_rows(
                "el", Level.MEMBER, [("BTG-2", {"household_size": 4}), ("BTG-3", {"x": 1})]
            )
        assert caught.value.row == 1
        assert "row 1 of the batch" in str(caught.value.located())
        assert obs.units("el") == ("BTG-1",)

    def test_empty_column(self, obs: Observations) -> None:
        column = empty_column(obs.variable("monthly_income"))
        assert len(column) == 0
        assert column.type.value == "decimal"


_UNITS = st.lists(st.sampled_from(["BTG-1", "BTG-2", "BTG-3"]), max_size=6)


class TestNumberingAListAtOnce:
    """Units are numbered a list at once, as numbering them one at a time in order would."""

    @settings(max_examples=100, deadline=None)
    @given(batches=st.lists(_UNITS, max_size=3))
    def test_number_units_as_one_at_a_time(self, batches: list[list[str]]) -> None:
        storage = Observations(sample_program()).storage
        reference: dict[str, int] = {}
        for batch in batches:
            assert storage.number_units("bantaeng", Level.MEMBER, batch) is None
            for unit_id in batch:  # the first time an ID is seen gives its index
                reference.setdefault(unit_id, len(reference))
        units = storage.numbering("bantaeng", Level.MEMBER)
        assert (units is None) == (not batches)
        if units is not None:
            assert list(units.ids) == list(reference)
            assert dict(units.index) == reference

    @settings(max_examples=100, deadline=None)
    @given(first=_UNITS, then=st.lists(st.sampled_from(["BTG-1", "BTG-2", "BTG-3"]), unique=True))
    def test_store_columns_as_one_at_a_time(self, first: list[str], then: list[str]) -> None:
        obs = Observations(sample_program())
        rnd = obs.add_round(Round("bl", "bantaeng", "baseline", dt.date(2011, 6, 1)))
        storage = obs.storage
        storage.number_units("bantaeng", Level.MEMBER, first)
        planned = storage.planned_indexes("bantaeng", Level.MEMBER, then)
        storage.store_columns(rnd, Level.MEMBER, then, {}, {})
        units = storage.numbering("bantaeng", Level.MEMBER)
        assert units is not None
        assert [units.index[u] for u in then] == planned
        assert list(units.ids) == list(dict.fromkeys(first + then))
        table = storage.table("bl", Level.MEMBER)
        assert table is not None
        assert [i for i, flag in enumerate(table.present) if flag] == sorted(set(planned))
        assert len(table.present) == len(units.ids)

    @settings(max_examples=100, deadline=None)
    @given(first=_UNITS, then=st.lists(st.sampled_from(["BTG-1", "BTG-2", "BTG-3"])))
    def test_planned_indexes_of_repeated_ids(self, first: list[str], then: list[str]) -> None:
        storage = Observations(sample_program()).storage
        storage.number_units("bantaeng", Level.MEMBER, first)
        planned = storage.planned_indexes("bantaeng", Level.MEMBER, then)
        storage.number_units("bantaeng", Level.MEMBER, then)
        units = storage.numbering("bantaeng", Level.MEMBER)
        index = {} if units is None else units.index
        assert [index[u] for u in then] == planned  # one index for an ID given twice

    def test_no_unit_is_numbered_one_at_a_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def one_at_a_time(self: UnitNumbering, unit_id: str) -> int:
            raise AssertionError("numbered one at a time")

        monkeypatch.setattr(UnitNumbering, "number", one_at_a_time)
        storage = Observations(sample_program()).storage
        for level, ids in (
            (Level.MEMBER, ["BTG-3", "BTG-1", "BTG-3"]),
            (Level.GROUP, ["BTG-K02", "BTG-K01"]),
            (Level.COOPERATIVE, ["irman"]),
            (Level.CLUSTER, ["bantaeng"]),
        ):
            assert storage.number_units("bantaeng", level, ids) is None
            units = storage.numbering("bantaeng", level)
            assert units is not None
            assert list(units.ids) == list(dict.fromkeys(ids))

    def test_the_programs_own_strings(self) -> None:
        program = sample_program()
        storage = Observations(program).storage
        given_id = "".join(["BTG-", "2"])  # equal, not the same object
        assert storage.number_units("bantaeng", Level.MEMBER, [given_id]) is None
        units = storage.numbering("bantaeng", Level.MEMBER)
        assert units is not None
        assert units.ids[0] is program.clusters["bantaeng"].members["BTG-2"].id

    @pytest.mark.parametrize(
        ("level", "ids", "stranger"),
        [
            (Level.MEMBER, ["BTG-1", "BTG-K01", "X"], "BTG-K01"),
            (Level.GROUP, ["BTG-K01", "BTG-1"], "BTG-1"),
            (Level.COOPERATIVE, ["nope"], "nope"),
            (Level.CLUSTER, ["bantaeng", "other"], "other"),
        ],
    )
    def test_the_first_stranger_is_named(self, level: Level, ids: list[str], stranger: str) -> None:
        storage = Observations(sample_program()).storage
        assert storage.number_units("bantaeng", level, ids) == stranger
        assert storage.numbering("bantaeng", level) is None


class TestStoreSurveyed:
    def test_a_mask_as_store_columns_stores_units(self) -> None:
        obs = Observations(sample_program())
        rnd = obs.add_round(Round("bl", "bantaeng", "baseline", dt.date(2011, 6, 1)))
        storage = obs.storage
        storage.number_units("bantaeng", Level.MEMBER, ["BTG-3", "BTG-1", "BTG-2"])
        storage.store_surveyed(rnd, Level.MEMBER, b"\x00\x01", {})
        table = storage.table("bl", Level.MEMBER)
        assert table is not None
        assert bytes(table.present) == b"\x00\x01\x00"  # as long as the numbering
        storage.store_surveyed(rnd, Level.MEMBER, b"\x01\x00\x00", {})  # added to, not replaced
        assert bytes(table.present) == b"\x01\x01\x00"
        assert obs.units("bl") == ("BTG-3", "BTG-1")
