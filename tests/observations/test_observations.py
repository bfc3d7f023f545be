"""Survey rounds, core variables, the observation store and its sidecar files."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import klaster.observations
from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    DocumentError,
    DuplicateIdError,
    Group,
    InvalidReferenceError,
    KlasterError,
    Member,
    Membership,
    NotFoundError,
    Organisation,
    Program,
    Region,
    SchemaVersionError,
    ValidationError,
)
from klaster._support.validate import CODE_PATTERN
from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.label import Label
from klaster.observations.columns.factory import DecimalColumn
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    CORE_SECTOR,
    CORE_VARIABLES,
    SOCIAL_CAPITAL_ITEMS,
    core_variables,
)
from klaster.observations.rounds import Round, RoundKind, check_round, ordered
from klaster.observations.sidecar import SIDECAR_SCHEMA_VERSION
from klaster.observations.values import Observations

D = dt.date
JOINED = D(2011, 1, 1)


# -- a small program: two clusters, two sectors -----------------------------------------------


def _member(member_id: str, sector: str) -> Member:
    return Member(
        id=member_id,
        name="Nama Rahasia",
        sex="female",
        household_size=4,
        village="Bonto Jai",
        sector=sector,
        joined=JOINED,
    )


def _cluster(cluster_id: str, members: list[Member], group: str, coop: str) -> Cluster:
    region = Region.province("Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03")])
    return Cluster(
        id=cluster_id,
        name=f"Klaster {cluster_id}",
        region=region,
        sectors=[ClusterSector("umkm", "dd"), ClusterSector("livestock", "dd")],
        members=members,
        groups=[
            Group(
                id=group,
                name="Kelompok",
                sector="umkm",
                formed=JOINED,
                memberships=[Membership(members[0].id, JOINED)],
            )
        ],
        cooperatives=[Cooperative(id=coop, name="Koperasi", sectors=["umkm", "livestock"])],
    )


def make_program() -> Program:
    btg = [_member(f"M-{i}", "umkm") for i in range(1, 5)] + [
        _member(f"L-{i}", "livestock") for i in range(1, 3)
    ]
    blr = [_member("B-1", "umkm")]
    return Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[_cluster("btg", btg, "G-1", "K-1"), _cluster("blr", blr, "G-9", "K-9")],
    )


PROGRAM = make_program()
BTG_MEMBERS = ("M-1", "M-2", "M-3", "M-4", "L-1", "L-2")

SECTOR_VARIABLES = (
    Variable(
        "species",
        "livestock",
        Level.MEMBER,
        ValueType.CATEGORY,
        Label("Jenis ternak", "Species"),
        categories=[
            Category("goat", Label("Kambing", "Goat")),
            Category("sheep", Label("Domba", "Sheep")),
        ],
    ),
    Variable(
        "herd_start",
        "livestock",
        Level.MEMBER,
        ValueType.INTEGER,
        Label("Ternak awal", "Herd at start"),
        unit="head",
        minimum=0,
        maximum=1000,
        required=True,
    ),
    Variable(
        "last_vaccination",
        "livestock",
        Level.MEMBER,
        ValueType.DATE,
        Label("Vaksinasi terakhir", "Last vaccination"),
    ),
    Variable(
        "shop_note",
        "umkm",
        Level.MEMBER,
        ValueType.TEXT,
        Label("Catatan usaha", "Business note"),
    ),
    Variable(
        "district_budget",
        CORE_SECTOR,
        Level.CLUSTER,
        ValueType.DECIMAL,
        Label("Anggaran daerah", "District budget"),
        unit="IDR",
        minimum=0,
    ),
)
CATALOGUE: dict[str, Variable] = {**core_variables(), **{v.code: v for v in SECTOR_VARIABLES}}


def rounds() -> list[Round]:
    return [
        Round("btg-bl", "btg", RoundKind.BASELINE, D(2011, 2, 1)),
        Round("btg-el", "btg", RoundKind.ENDLINE, D(2013, 11, 1)),
        Round("blr-bl", "blr", RoundKind.BASELINE, D(2012, 3, 1)),
    ]


def new_store() -> Observations:
    obs = Observations(PROGRAM, CATALOGUE)
    for rnd in rounds():
        obs.add_round(rnd)
    return obs


def snapshot(obs: Observations) -> dict[tuple[str, Level], Any]:
    """Everything a reader can see, as plain data."""
    seen: dict[tuple[str, Level], Any] = {}
    for rnd in obs.rounds():
        for level in Level:
            units = obs.units(rnd.id, level)
            columns = {code: col.to_list() for code, col in obs.columns(rnd.id, level).items()}
            seen[(rnd.id, level)] = (units, columns)
    return seen


# -- rounds ------------------------------------------------------------------------------------


class TestRounds:
    def test_kinds_have_bilingual_labels(self) -> None:
        for kind in RoundKind:
            assert kind.label.id
            assert kind.label.en
            assert (kind.label_id, kind.label_en) == (kind.label.id, kind.label.en)
        assert RoundKind.BASELINE.label.en == "Baseline survey"

    def test_round_reads_strings(self) -> None:
        rnd = Round("r", "btg", "midline", "2012-05-01", label=("Survei tengah", "Midline"))
        assert (rnd.kind, rnd.on) == (RoundKind.MIDLINE, D(2012, 5, 1))
        assert rnd.title("id") == "Survei tengah"
        assert Round("r", "btg", "endline", "2013-01-01").title("en") == "Endline survey 2013-01-01"

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"kind": "census"}, "kind"),
            ({"on": "2012-13-01"}, "on"),
            ({"id": " r"}, "id"),
            ({"note": "  "}, "note"),
        ],
    )
    def test_round_fields_are_checked(self, fields: dict[str, Any], path: str) -> None:
        args: dict[str, Any] = {"id": "r", "cluster_id": "btg", "kind": "baseline", "on": JOINED}
        with pytest.raises(ValidationError) as caught:
            Round(**{**args, **fields})
        assert caught.value.path == path

    def test_unknown_cluster(self) -> None:
        obs = Observations(PROGRAM, CATALOGUE)
        with pytest.raises(InvalidReferenceError, match="'btg', 'blr'") as caught:
            obs.add_round(Round("r", "lebak", "baseline", JOINED))
        assert caught.value.path == "rounds[0].cluster_id"

    def test_duplicate_id(self) -> None:
        obs = new_store()
        with pytest.raises(DuplicateIdError):
            obs.add_round(Round("btg-bl", "blr", "monitoring", D(2014, 1, 1)))

    @pytest.mark.parametrize(
        ("new", "message"),
        [
            (Round("x", "btg", "baseline", D(2011, 1, 1)), "at most one baseline"),
            (Round("x", "btg", "endline", D(2014, 1, 1)), "at most one endline"),
            (Round("x", "btg", "monitoring", D(2010, 1, 1)), "before the baseline"),
            (Round("x", "btg", "midline", D(2014, 1, 1)), "after the endline"),
        ],
    )
    def test_order_rules(self, new: Round, message: str) -> None:
        obs = new_store()
        with pytest.raises(ValidationError, match=message):
            obs.add_round(new)
        assert len(obs.rounds()) == 3

    def test_baseline_after_other_rounds_is_refused(self) -> None:
        existing = [Round("m", "btg", "monitoring", D(2011, 5, 1))]
        with pytest.raises(ValidationError, match="baseline comes first"):
            check_round(existing, Round("b", "btg", "baseline", D(2011, 6, 1)))

    def test_endline_before_midline_is_refused(self) -> None:
        existing = [Round("m", "btg", "midline", D(2012, 5, 1))]
        with pytest.raises(ValidationError, match="endline comes after"):
            check_round(existing, Round("e", "btg", "endline", D(2012, 4, 1)))

    def test_allowed_shapes(self) -> None:
        obs = new_store()
        obs.add_round(Round("btg-mon-1", "btg", "monitoring", D(2012, 1, 1)))  # during
        obs.add_round(Round("btg-mid", "btg", "midline", D(2012, 6, 1)))
        obs.add_round(Round("btg-mon-2", "btg", "monitoring", D(2014, 6, 1)))  # after exit
        obs.add_round(Round("btg-mon-3", "btg", "monitoring", D(2014, 6, 1)))  # same day
        assert [r.id for r in obs.rounds("btg")] == [
            "btg-bl",
            "btg-mon-1",
            "btg-mid",
            "btg-el",
            "btg-mon-2",
            "btg-mon-3",
        ]
        assert obs.baseline("btg") == rounds()[0]
        assert obs.endline("btg") == rounds()[1]
        assert obs.endline("blr") is None

    def test_ordered_sorts_by_date_then_kind(self) -> None:
        same_day = [
            Round("m", "c", "monitoring", JOINED),
            Round("b", "c", "baseline", JOINED),
        ]
        assert [r.id for r in ordered(same_day)] == ["b", "m"]

    def test_unknown_round_lists_known(self) -> None:
        with pytest.raises(NotFoundError, match="'btg-bl'"):
            new_store().round("nope")


# -- core variables -----------------------------------------------------------------------------


class TestCoreVariables:
    def test_core_is_a_valid_sector_code(self) -> None:
        assert CODE_PATTERN.match(CORE_SECTOR)

    def test_codes_are_unique_and_all_core(self) -> None:
        codes = [v.code for v in CORE_VARIABLES]
        assert len(set(codes)) == len(codes)
        assert all(v.sector == CORE_SECTOR for v in CORE_VARIABLES)
        assert set(core_variables()) == set(codes)

    def test_every_variable_is_documented_in_both_languages(self) -> None:
        for variable in CORE_VARIABLES:
            assert variable.label.id
            assert variable.label.en
            assert variable.description is not None

    def test_cibest_and_social_capital_items_are_1_to_5_scores(self) -> None:
        assert len(CIBEST_ITEMS) == 5
        for code in (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS):
            variable = core_variables()[code]
            assert (variable.type, variable.level) == (ValueType.INTEGER, Level.MEMBER)
            assert (variable.minimum, variable.maximum) == (Decimal(1), Decimal(5))

    def test_levels(self) -> None:
        levels = {v.code: v.level for v in CORE_VARIABLES}
        assert levels["monthly_income"] is Level.MEMBER
        assert levels["group_active"] is Level.GROUP
        assert levels["coop_legal"] is Level.COOPERATIVE
        income = core_variables()["monthly_income"]
        assert (income.type, income.unit) == (ValueType.DECIMAL, "IDR/month")
        assert income.minimum == Decimal(0)

    def test_no_clash_with_builtin_sector_variables(self) -> None:
        from klaster.plugins import get_host

        plugin_codes = {v.code for v in get_host().variables()}
        assert not plugin_codes & set(core_variables())


# -- recording and reading ------------------------------------------------------------------


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

    def test_missing_is_explicit(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("M-1", {"monthly_income": 0}),
                ("M-2", {"monthly_income": None}),
                ("M-3", {"cibest_zakat": 3}),
            ],
        )
        column = obs.column("btg-bl", "monthly_income")
        assert column.to_list() == [Decimal(0), None, None]
        assert (column.count(), column.missing()) == (1, 2)
        assert isinstance(column, DecimalColumn)
        assert column.sum() == 0

    def test_columns_align_with_units_across_rounds(self) -> None:
        obs = new_store()
        obs.record_many("btg-el", [("M-3", {"monthly_income": 3}), ("M-1", {"monthly_income": 1})])
        obs.record_many("btg-bl", [("M-2", {"monthly_income": 2}), ("M-1", {"monthly_income": 10})])
        # One numbering per cluster, in the order units were first recorded.
        assert obs.units("btg-el") == ("M-3", "M-1")
        assert obs.units("btg-bl") == ("M-1", "M-2")
        assert obs.column("btg-bl", "monthly_income").to_list() == [10, 2]
        assert obs.column("btg-el", "monthly_income").to_list() == [3, 1]
        assert list(obs.columns("btg-bl")) == ["monthly_income"]

    def test_column_is_a_copy(self) -> None:
        obs = new_store()
        obs.record("btg-bl", "M-1", {"household_size": 2})
        column = obs.column("btg-bl", "household_size")
        column.set(0, 9)
        assert obs.value("btg-bl", "M-1", "household_size") == 2

    def test_reading_nothing(self) -> None:
        obs = new_store()
        assert obs.units("btg-bl") == ()
        assert obs.column("btg-bl", "monthly_income").to_list() == []
        assert obs.columns("btg-bl", Level.GROUP) == {}
        with pytest.raises(NotFoundError, match="unknown variable"):
            obs.column("btg-bl", "nope")
        with pytest.raises(NotFoundError):
            obs.units("nope")
        with pytest.raises(ValidationError, match="unknown level"):
            obs.units("btg-bl", "household")

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


class TestRequired:
    def test_incomplete_lists_required_variables_left_out(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("L-1", {"species": "goat"}),
                ("L-2", {"herd_start": 3}),
                ("M-1", {"monthly_income": 1}),  # umkm: herd_start is not its variable
            ],
        )
        assert obs.incomplete("btg-bl") == {"L-1": ("herd_start",)}
        assert obs.incomplete("btg-el") == {}


class TestPaired:
    def test_only_units_with_both_values(self) -> None:
        obs = new_store()
        obs.record_many(
            "btg-bl",
            [
                ("M-1", {"monthly_income": 100}),
                ("M-2", {"monthly_income": "200.5"}),
                ("M-3", {"monthly_income": None}),
                ("M-4", {"monthly_income": 400}),
            ],
        )
        obs.record_many(
            "btg-el",
            [
                ("M-4", {"monthly_income": 800}),
                ("M-3", {"monthly_income": 300}),
                ("M-1", {"monthly_income": 150}),
                ("L-1", {"monthly_income": 50}),
            ],
        )
        pairs = obs.paired("monthly_income", "btg-bl", "btg-el")
        assert pairs.unit_ids == ("M-1", "M-4")
        assert pairs.first.to_list() == [100, 400]
        assert pairs.second.to_list() == [150, 800]
        assert (pairs.first_only, pairs.second_only, len(pairs)) == (1, 2, 2)

    def test_nothing_recorded(self) -> None:
        pairs = new_store().paired("monthly_income", "btg-bl", "btg-el")
        assert (pairs.unit_ids, pairs.first_only, pairs.second_only) == ((), 0, 0)

    def test_rounds_of_different_clusters(self) -> None:
        with pytest.raises(ValidationError, match="different clusters"):
            new_store().paired("monthly_income", "btg-bl", "blr-bl")
        with pytest.raises(ValidationError, match="two different rounds"):
            new_store().paired("monthly_income", "btg-bl", "btg-bl")


# -- record / record_many as a state machine ---------------------------------------------------

GOOD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "monthly_income": st.one_of(
        st.none(),
        st.decimals(min_value=0, max_value=10**9, places=2),
        st.integers(0, 10**9),
    ),
    "household_size": st.one_of(st.none(), st.integers(1, 50)),
    "cibest_prayer": st.one_of(st.none(), st.integers(1, 5)),
}
BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "monthly_income": st.one_of(
        st.floats(allow_nan=False), st.integers(max_value=-1), st.just("lots")
    ),
    "household_size": st.one_of(st.integers(max_value=0), st.just(2.0), st.booleans()),
    "cibest_prayer": st.one_of(st.integers(min_value=6), st.just("x")),
}
ROUND_IDS = ("btg-bl", "btg-el")


@st.composite
def good_rows(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    units = draw(st.lists(st.sampled_from(BTG_MEMBERS), unique=True, max_size=4))
    rows = []
    for unit in units:
        codes = draw(st.lists(st.sampled_from(sorted(GOOD_VALUES)), unique=True, min_size=1))
        rows.append((unit, {code: draw(GOOD_VALUES[code]) for code in codes}))
    return rows


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


# -- sidecar files ------------------------------------------------------------------------------


def full_store() -> Observations:
    obs = new_store()
    obs.add_round(Round("btg-mon", "btg", "monitoring", D(2014, 5, 1), label=("Pantau", "Check")))
    obs.record_many(
        "btg-el",
        [
            ("L-2", {"species": "sheep", "herd_start": 4, "last_vaccination": D(2013, 1, 5)}),
            ("M-2", {"monthly_income": Decimal("1234567.891"), "shop_note": 'kios "baru"\n'}),
        ],
    )
    obs.record_many(
        "btg-bl",
        [
            ("M-1", {"monthly_income": Decimal("-0"), "household_size": None}),
            ("M-2", {"monthly_income": Decimal("0.000000000000000001"), "cibest_prayer": 5}),
            ("L-2", {"species": None, "herd_start": 0}),
            ("G-1", {"group_active": False, "group_meetings": 300}),
            ("K-1", {"coop_legal": True}),
            ("btg", {"district_budget": Decimal("1700000000.00")}),
        ],
    )
    obs.record("blr-bl", "B-1", {"monthly_income": 999_999_999})
    return obs


class TestSidecar:
    def test_round_trip(self, tmp_path: Path) -> None:
        obs = full_store()
        path = tmp_path / "km.observations.jsonl"
        klaster.observations.save(obs, path)
        back = klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert back == obs
        assert snapshot(back) == snapshot(obs)
        assert back.rounds() == obs.rounds()
        assert back.units("btg-bl") == obs.units("btg-bl")
        assert back.value("btg-bl", "M-2", "monthly_income") == Decimal("1E-18")
        assert back.value("btg-el", "M-2", "shop_note") == 'kios "baru"\n'
        assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind

    def test_format(self, tmp_path: Path) -> None:
        path = tmp_path / "obs.jsonl"
        klaster.observations.save(full_store(), path)
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        header = lines[0]
        assert (header["klaster"], header["schema_version"]) == ("observations", 1)
        assert header["variables"]["monthly_income"] == {"type": "decimal", "level": "member"}
        assert header["rounds"][3]["label"] == {"id": "Pantau", "en": "Check"}
        assert lines[-1] == {"end": {"tables": 6, "rows": 9}}
        assert {
            "units": {"cluster": "btg", "level": "member", "ids": ["L-2", "M-2", "M-1"]}
        } in lines
        assert ["M-2", "0.000000000000000001", None, 5, None, None] in lines  # exact, plain

    def test_equality_notices_differences(self) -> None:
        obs, other = full_store(), full_store()
        assert obs == other
        other.record("btg-bl", "M-1", {"household_size": 3})
        assert obs != other
        assert obs != "obs"

    @settings(max_examples=20, deadline=None)
    @given(rows=good_rows())
    def test_round_trip_property(self, tmp_path_factory: pytest.TempPathFactory, rows: Any) -> None:
        obs = new_store()
        obs.record_many("btg-bl", rows)
        path = tmp_path_factory.mktemp("sidecar") / "obs.jsonl"
        klaster.observations.save(obs, path)
        assert klaster.observations.load(path, PROGRAM, CATALOGUE) == obs

    def test_atomic_write_keeps_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "obs.jsonl"
        klaster.observations.save(new_store(), path)
        old = path.read_bytes()

        def broken(*_args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken)
        with pytest.raises(DocumentError, match="disk full"):
            klaster.observations.save(full_store(), path)
        assert path.read_bytes() == old
        assert list(tmp_path.iterdir()) == [path]

    def test_default_catalogue(self, tmp_path: Path) -> None:
        obs = Observations(PROGRAM)
        obs.add_round(rounds()[0])
        obs.record("btg-bl", "M-1", {"monthly_income": 1})
        klaster.observations.save(obs, tmp_path / "o.jsonl")
        assert klaster.observations.load(tmp_path / "o.jsonl", PROGRAM) == obs


def _lines(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "obs.jsonl"
    klaster.observations.save(full_store(), path)
    return path, path.read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


def _edit(lines: list[str], index: int, new: Any) -> list[str]:
    return [*lines[:index], json.dumps(new), *lines[index + 1 :]]


class TestSidecarBadFiles:
    def _assert_fails(
        self, path: Path, lines: list[str], match: str, line: int | None = None
    ) -> None:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(DocumentError, match=match) as caught:
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        if line is not None:
            assert f"line {line}" in str(caught.value)
        assert str(path) in str(caught.value)

    def test_truncated(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, lines[:-3], "cut short")
        self._assert_fails(path, lines[:-1], "cut short")

    def test_text_after_the_end(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, [*lines, "[]"], "after the end", len(lines) + 1)

    def test_malformed_json(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, [*lines[:3], '["M-1",', *lines[4:]], "malformed JSON", 4)

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "obs.jsonl"
        path.write_bytes(b"\xff\xfe{}")
        with pytest.raises(DocumentError, match="UTF-8"):
            klaster.observations.load(path, PROGRAM, CATALOGUE)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read"):
            klaster.observations.load(tmp_path / "none.jsonl", PROGRAM, CATALOGUE)

    def test_header_problems(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        header = json.loads(lines[0])
        self._assert_fails(
            path, _edit(lines, 0, {**header, "klaster": "program"}), "not a klaster", 1
        )
        self._assert_fails(
            path, _edit(lines, 0, {**header, "program": "other"}), "program 'other'", 1
        )
        self._assert_fails(
            path, _edit(lines, 0, {**header, "extra": 1}), "unknown \\['extra'\\]", 1
        )
        variables = {
            **header["variables"],
            "monthly_income": {"type": "integer", "level": "member"},
        }
        self._assert_fails(path, _edit(lines, 0, {**header, "variables": variables}), "changed", 1)
        variables = {**header["variables"], "ghost": {"type": "integer", "level": "member"}}
        self._assert_fails(
            path, _edit(lines, 0, {**header, "variables": variables}), "catalogue", 1
        )
        bad_round = [{**header["rounds"][0], "kind": "census"}, *header["rounds"][1:]]
        self._assert_fails(path, _edit(lines, 0, {**header, "rounds": bad_round}), "census", 1)

    @pytest.mark.parametrize("version", [2, 0, "1", None])
    def test_schema_version(self, tmp_path: Path, version: object) -> None:
        path, lines = _lines(tmp_path)
        header = json.loads(lines[0])
        path.write_text(json.dumps({**header, "schema_version": version}) + "\n", "utf-8")
        with pytest.raises(SchemaVersionError, match="upgrade" if version == 2 else "damaged"):
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert SIDECAR_SCHEMA_VERSION == 1

    @pytest.mark.parametrize(
        ("row", "match"),
        [
            (["M-2", 12.5, None, 5, None, None], "written as a string"),
            (["M-2", "1.5e3", None, 5, None, None], "plain notation"),
            (["M-2", "-1", None, 5, None, None], "minimum"),
            (["M-2", "1", None, 9, None, None], "maximum"),
            (["M-2", "1", None, True, None, None], "JSON whole number"),
            (["M-2", "1", None, 5, "goat", None], "sector 'livestock'"),
            (["B-1", "1", None, 5, None, None], "belongs to cluster 'blr'"),
            (["M-2", "1"], "one per column"),
            ({"M-2": 1}, "a row is a list"),
        ],
    )
    def test_bad_rows_are_located(self, tmp_path: Path, row: Any, match: str) -> None:
        path, lines = _lines(tmp_path)
        index = _line_of(lines, '["M-2","0.000000000000000001"')
        self._assert_fails(path, _edit(lines, index, row), match, index + 1)

    def test_duplicate_row(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        index = _line_of(lines, '["M-2","0.000000000000000001"')
        edited = [*lines[:index], lines[index - 1], *lines[index + 1 :]]
        self._assert_fails(path, edited, "twice", index + 1)

    def test_bad_units_and_tables(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        units = _line_of(lines, '{"units":{"cluster":"btg","level":"member"')
        self._assert_fails(
            path,
            _edit(lines, units, {"units": {"cluster": "btg", "level": "member", "ids": ["B-1"]}}),
            "not a member of cluster 'btg'",
            units + 1,
        )
        table = _line_of(lines, '{"table":{"round":"btg-bl","level":"member"')
        body = json.loads(lines[table])["table"]
        self._assert_fails(
            path,
            _edit(lines, table, {"table": {**body, "round": "x"}}),
            "not in the header",
            table + 1,
        )
        self._assert_fails(
            path, _edit(lines, table, {"table": {**body, "level": "x"}}), "unknown level", table + 1
        )
        self._assert_fails(
            path, _edit(lines, table, {"table": {**body, "rows": 2}}), "expected", None
        )
        self._assert_fails(
            path,
            _edit(lines, table, {"table": {**body, "columns": ["ghost"]}}),
            "declared",
            table + 1,
        )

    def test_end_counts(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(
            path,
            _edit(lines, len(lines) - 1, {"end": {"tables": 1, "rows": 9}}),
            "damaged",
            len(lines),
        )

    def test_a_bad_file_changes_nothing(self, tmp_path: Path) -> None:
        obs = full_store()
        before = snapshot(obs)
        path, lines = _lines(tmp_path)
        path.write_text("\n".join(lines[:-1]), encoding="utf-8")
        with pytest.raises(DocumentError):
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert snapshot(obs) == before


class TestSidecarVerbs:
    def test_dumps_and_loads(self, tmp_path: Path) -> None:
        obs = full_store()
        text = klaster.observations.dumps(obs)
        assert klaster.observations.loads(text, PROGRAM, CATALOGUE) == obs
        assert klaster.observations.loads(text.encode("utf-8"), PROGRAM, CATALOGUE) == obs
        klaster.observations.save(obs, tmp_path / "o.jsonl")
        assert (tmp_path / "o.jsonl").read_text("utf-8") == text

    def test_loads_names_its_source(self) -> None:
        text = klaster.observations.dumps(full_store())
        with pytest.raises(DocumentError, match=r"survey\.jsonl line 1"):
            klaster.observations.loads(
                text.replace('"km"', '"other"', 1), PROGRAM, source="survey.jsonl"
            )
        with pytest.raises(DocumentError, match="not UTF-8"):
            klaster.observations.loads(b"\xff", PROGRAM)

    def test_old_names_warn(self, tmp_path: Path) -> None:
        obs = full_store()
        path = tmp_path / "o.jsonl"
        with pytest.warns(DeprecationWarning, match="klaster.observations.save"):
            klaster.observations.save_observations(obs, path)
        with pytest.warns(DeprecationWarning, match="klaster.observations.load"):
            assert klaster.observations.load_observations(path, PROGRAM, CATALOGUE) == obs
