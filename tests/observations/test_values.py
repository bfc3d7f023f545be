"""Recording observations: Observations, record, record_many, record_columns, validate_many."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tests.observations.builders import (
    BTG_MEMBERS,
    CATALOGUE,
    GOOD_VALUES,
    PROGRAM,
    D,
    good_rows,
    make_program,
    new_store,
    rounds,
    snapshot,
)

from klaster import (
    DuplicateIdError,
    InvalidReferenceError,
    KlasterError,
    NotFoundError,
    ValidationError,
)
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.label import Label
from klaster.observations.core_variables import CORE_SECTOR, CORE_VARIABLES, core_variables
from klaster.observations.values import Observations


class TestRecording:
    def test_record_and_read(self) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"monthly_income": "1250000", "cibest_prayer": 4})
        assert obs.value("btg-bl", "M-1", "monthly_income") == Decimal(1250000)
        assert isinstance(obs.value("btg-bl", "M-1", "monthly_income"), Decimal)
        assert obs.value("btg-bl", "M-1", "cibest_prayer") == 4
        assert obs.value("btg-bl", "M-1", "cibest_fasting") is None
        assert obs.value("btg-bl", "M-2", "monthly_income") is None
        assert obs.value("btg-el", "M-1", "monthly_income") is None
        assert obs.units("btg-bl") == ("M-1",)
        assert obs.row("btg-bl", "M-1") == {"monthly_income": 1250000, "cibest_prayer": 4}
        assert obs.row("btg-bl", "M-2") is None
        assert len(obs) == 1

    def test_record_many_returns_the_count(self) -> None:
        obs = new_store()
        rows = ((m, {"household_size": 3}) for m in BTG_MEMBERS)
        assert obs.record_many("btg-bl", rows) == 6
        assert obs.units("btg-bl") == BTG_MEMBERS

    def test_every_value_type(self) -> None:
        obs = new_store()
        obs.record(
            "btg-bl",
            "L-1",
            {
                "species": "goat",
                "herd_start": "12",
                "last_vaccination": "2010-12-01",
                "monthly_income": Decimal("1500000.50"),
            },
        )
        obs.record("btg-bl", "M-1", {"shop_note": "warung"})
        obs.record("btg-bl", "G-1", {"group_active": True, "group_meetings": 12})
        obs.record("btg-bl", "K-1", {"coop_legal": False})
        obs.record("btg-bl", "btg", {"district_budget": 1_700_000_000})
        assert obs.row("btg-bl", "L-1") == {
            "species": "goat",
            "herd_start": 12,
            "last_vaccination": D(2010, 12, 1),
            "monthly_income": Decimal("1500000.5"),
        }
        assert obs.value("btg-bl", "M-1", "shop_note") == "warung"
        assert obs.units("btg-bl", Level.GROUP) == ("G-1",)
        assert obs.units("btg-bl", "cooperative") == ("K-1",)
        assert obs.value("btg-bl", "K-1", "coop_legal") is False
        assert obs.value("btg-bl", "btg", "district_budget") == Decimal(1_700_000_000)
        assert obs.row("btg-bl", "G-1", Level.GROUP) == {"group_active": True, "group_meetings": 12}

    def test_a_batch_may_hold_several_levels(self) -> None:
        obs = new_store()
        obs.record_many("btg-bl", [("M-1", {"household_size": 2}), ("G-1", {"group_active": True})])
        assert obs.units("btg-bl", Level.MEMBER) == ("M-1",)
        assert obs.units("btg-bl", Level.GROUP) == ("G-1",)

    def test_recording_again_replaces_and_keeps_the_rest(self) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"monthly_income": 100, "household_size": 4})
        obs.record("btg-bl", "M-1", {"monthly_income": "150.5"})
        assert obs.row("btg-bl", "M-1") == {"monthly_income": Decimal("150.5"), "household_size": 4}
        obs.record("btg-bl", "M-1", {"household_size": None})
        assert obs.row("btg-bl", "M-1") == {"monthly_income": Decimal("150.5")}
        assert obs.units("btg-bl") == ("M-1",)

    def test_record_columns(self) -> None:
        obs = new_store()
        count = obs.record_columns(
            "btg-bl",
            ["M-1", "M-2"],
            {"monthly_income": ["100", None], "cibest_prayer": [5, 4]},
        )
        assert count == 2
        assert obs.column("btg-bl", "cibest_prayer").to_list() == [5, 4]
        with pytest.raises(ValidationError, match="one value per unit"):
            obs.record_columns("btg-bl", ["M-1"], {"cibest_prayer": [1, 2]})

    def test_default_catalogue_is_the_core(self) -> None:
        obs = Observations(PROGRAM)
        assert dict(obs.variables) == dict(core_variables())
        assert Observations(PROGRAM, CORE_VARIABLES).variables == obs.variables

    @pytest.mark.parametrize(
        "variables",
        [{"wrong": core_variables()["monthly_income"]}, {"x": "not a variable"}, 3],
        ids=["key", "value", "type"],
    )
    def test_catalogue_is_checked(self, variables: Any) -> None:
        with pytest.raises(ValidationError):
            Observations(PROGRAM, variables)

    def test_program_and_catalogue_are_fixed(self) -> None:
        obs = new_store()
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            obs.variables = {}
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            obs.program = make_program()
        with pytest.raises(ValidationError, match="must be a Program"):
            Observations("km")  # type: ignore[arg-type]

    def test_unit_id_must_be_text(self) -> None:
        with pytest.raises(ValidationError, match="unit ID is a string"):
            new_store().record("btg-bl", 1, {"monthly_income": 1})  # type: ignore[arg-type]

    def test_repr_is_short(self) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"monthly_income": 987654321})
        assert "987654321" not in repr(obs)
        assert repr(obs).startswith("<Observations of program 'km': 3 rounds, 1 rows")

    def test_nbytes_counts_buffers(self) -> None:
        obs = new_store()
        obs.record_many("btg-bl", [(m, {"cibest_prayer": 3}) for m in BTG_MEMBERS])
        assert obs.nbytes() == 6 + 6 + 6  # present mask, one-byte values, valid mask


SECRET = 987654321

BAD_ROWS: list[tuple[str, tuple[str, Mapping[str, object]], type[KlasterError], str, str]] = [
    (
        "float",
        ("M-2", {"monthly_income": 1.5}),
        ValidationError,
        "members[M-2].monthly_income",
        "float",
    ),
    (
        "below minimum",
        ("M-2", {"monthly_income": -SECRET}),
        ValidationError,
        "members[M-2].monthly_income",
        "minimum",
    ),
    (
        "above maximum",
        ("M-2", {"cibest_prayer": 6}),
        ValidationError,
        "members[M-2].cibest_prayer",
        "maximum",
    ),
    (
        "not a whole number",
        ("M-2", {"cibest_prayer": "4.5"}),
        ValidationError,
        "members[M-2].cibest_prayer",
        "whole number",
    ),
    (
        "bool for a number",
        ("M-2", {"household_size": True}),
        ValidationError,
        "members[M-2].household_size",
        "whole number",
    ),
    (
        "unknown category",
        ("L-1", {"species": "horse"}),
        ValidationError,
        "members[L-1].species",
        "goat, sheep",
    ),
    (
        "required but None",
        ("L-1", {"herd_start": None}),
        ValidationError,
        "members[L-1].herd_start",
        "required",
    ),
    (
        "unknown variable",
        ("M-2", {"monthly_incom": SECRET}),
        InvalidReferenceError,
        "[M-2].monthly_incom",
        "unknown variable",
    ),
    (
        "unknown member",
        ("M-99", {"monthly_income": SECRET}),
        InvalidReferenceError,
        "members[M-99]",
        "not a member",
    ),
    (
        "member of another cluster",
        ("B-1", {"monthly_income": SECRET}),
        InvalidReferenceError,
        "members[B-1]",
        "belongs to cluster 'blr'",
    ),
    (
        "group of another cluster",
        ("G-9", {"group_active": True}),
        InvalidReferenceError,
        "groups[G-9]",
        "belongs to cluster 'blr'",
    ),
    (
        "another cluster's own values",
        ("blr", {"district_budget": SECRET}),
        InvalidReferenceError,
        "clusters[blr]",
        "its cluster 'btg'",
    ),
    (
        "group variable for a member",
        ("M-2", {"group_active": True}),
        InvalidReferenceError,
        "groups[M-2]",
        "not a group",
    ),
    (
        "mixed levels",
        ("G-1", {"group_active": True, "monthly_income": SECRET}),
        ValidationError,
        "groups[G-1].monthly_income",
        "separate rows",
    ),
    (
        "another sector's variable",
        ("M-2", {"herd_start": 3}),
        ValidationError,
        "members[M-2].herd_start",
        "sector 'livestock'",
    ),
    ("empty row", ("M-2", {}), ValidationError, "rows[1]", "no variable"),
    ("not a pair", ("M-2",), ValidationError, "rows[1]", "pair"),  # type: ignore[list-item]
    (
        "duplicate in the batch",
        ("M-1", {"cibest_zakat": 2}),
        DuplicateIdError,
        "members[M-1]",
        "twice",
    ),
]


class TestBadInput:
    @pytest.mark.parametrize(
        ("row", "error", "path", "message"),
        [case[1:] for case in BAD_ROWS],
        ids=[case[0] for case in BAD_ROWS],
    )
    def test_a_bad_row_refuses_the_batch(
        self,
        row: tuple[str, Mapping[str, object]],
        error: type[KlasterError],
        path: str,
        message: str,
    ) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-3", {"monthly_income": 5})
        before = snapshot(obs)
        batch = [("M-1", {"monthly_income": 1, "cibest_fasting": 5}), row]
        with pytest.raises(error) as caught:
            obs.record_many("btg-bl", batch)
        err = caught.value
        assert err.path is not None
        assert err.path.startswith("rounds[btg-bl].")
        assert path in err.path
        assert message in str(err)
        assert "(row 1 of the batch)" in str(err)
        assert str(SECRET) not in str(err)
        assert "Nama Rahasia" not in str(err)
        assert snapshot(obs) == before

    def test_record_names_no_row(self) -> None:
        obs = new_store()
        with pytest.raises(ValidationError) as caught:
            obs.record("btg-bl", "M-1", {"monthly_income": -1})
        assert "row" not in str(caught.value)
        assert caught.value.path == "rounds[btg-bl].members[M-1].monthly_income"

    def test_unknown_round(self) -> None:
        obs = new_store()
        with pytest.raises(NotFoundError, match="no round with ID 'x'"):
            obs.record_many("x", [("M-1", {"monthly_income": 1})])

    def test_value_that_cannot_be_stored_exactly(self) -> None:
        wide = Variable("ratio", CORE_SECTOR, Level.MEMBER, ValueType.DECIMAL, Label("R", "R"))
        obs = Observations(PROGRAM, {"ratio": wide})
        obs.add_round(rounds()[0])
        obs.record("btg-bl", "M-1", {"ratio": 10**17})
        with pytest.raises(ValidationError, match="64 bits") as caught:
            obs.record_many("btg-bl", [("M-2", {"ratio": 1}), ("M-3", {"ratio": "0.01"})])
        assert caught.value.path == "rounds[btg-bl].members.ratio"
        with pytest.raises(ValidationError, match="64 bits") as caught:
            obs.record_many("btg-bl", [("M-2", {"ratio": 1}), ("M-3", {"ratio": 10**19})])
        assert caught.value.path == "rounds[btg-bl].members[M-3].ratio"
        assert "(row 1 of the batch)" in str(caught.value)
        assert obs.units("btg-bl") == ("M-1",)

    def test_validate_many_lists_every_problem_and_records_nothing(self) -> None:
        obs = new_store()
        rows: list[tuple[str, dict[str, object]]] = [
            ("M-1", {"monthly_income": 1.5}),
            ("M-2", {"monthly_income": 2}),
            ("M-99", {"monthly_income": 3}),
            ("M-3", {"cibest_prayer": 0}),
        ]
        problems = obs.validate_many("btg-bl", rows)
        assert len(problems) == 3
        assert "row 0" in problems[0]
        assert "row 2" in problems[1]
        assert "row 3" in problems[2]
        assert obs.validate_many("btg-bl", rows, limit=1) == problems[:1]
        assert obs.validate_many("btg-bl", rows[1:2]) == ()
        assert obs.validate_many("nope", rows)[0].startswith("round_id: no round")
        assert len(obs) == 0


# -- record / record_many as a state machine ---------------------------------------------------

BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "monthly_income": st.one_of(
        st.floats(allow_nan=False), st.integers(max_value=-1), st.just("lots")
    ),
    "household_size": st.one_of(st.integers(max_value=0), st.just(2.0), st.booleans()),
    "cibest_prayer": st.one_of(st.integers(min_value=6), st.just("x")),
}
ROUND_IDS = ("btg-bl", "btg-el")


@st.composite
def bad_row(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["value", "unit", "variable"]))
    if kind == "unit":
        return draw(st.sampled_from(["B-1", "M-99", "G-1"])), {"monthly_income": 1}
    if kind == "variable":
        return draw(st.sampled_from(BTG_MEMBERS)), {"no_such": 1}
    code = draw(st.sampled_from(sorted(BAD_VALUES)))
    return draw(st.sampled_from(BTG_MEMBERS)), {code: draw(BAD_VALUES[code])}


class StoreMachine(RuleBasedStateMachine):
    """Valid batches change the store like a dict model; a batch with a bad row changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.obs = new_store()
        self.model: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in ROUND_IDS}

    def _apply(self, round_id: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        for unit, values in rows:
            recorded = self.model[round_id].setdefault(unit, {})
            for code, value in values.items():
                recorded[code] = None if value is None else CATALOGUE[code].check_value(value)

    @rule(round_id=st.sampled_from(ROUND_IDS), rows=good_rows())
    def record_many(self, round_id: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        assert self.obs.record_many(round_id, rows) == len(rows)
        self._apply(round_id, rows)

    @rule(round_id=st.sampled_from(ROUND_IDS), rows=good_rows().filter(bool))
    def record_each(self, round_id: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        for unit, values in rows:
            self.obs.record(round_id, unit, values)
        self._apply(round_id, rows)

    @rule(
        round_id=st.sampled_from(ROUND_IDS),
        rows=good_rows(),
        bad=bad_row(),
        at=st.integers(0, 4),
    )
    def record_bad_batch(
        self,
        round_id: str,
        rows: list[tuple[str, dict[str, Any]]],
        bad: tuple[str, dict[str, Any]],
        at: int,
    ) -> None:
        batch = [*rows]
        batch.insert(min(at, len(batch)), bad)
        before = snapshot(self.obs)
        with pytest.raises(KlasterError):
            self.obs.record_many(round_id, batch)
        assert snapshot(self.obs) == before

    @invariant()
    def store_matches_model(self) -> None:
        for round_id, units in self.model.items():
            assert set(self.obs.units(round_id)) == set(units)
            for unit, values in units.items():
                for code in GOOD_VALUES:
                    assert self.obs.value(round_id, unit, code) == values.get(code)


StoreMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestStoreMachine = StoreMachine.TestCase
