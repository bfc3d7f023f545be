"""The Parquet sidecar's column-wise reader: its whole-column checks and their fallbacks.

Each check the column-wise reader makes a level (or a file) at a time is shown both ways: a
file as the writer writes it is read by that reader alone (``fast_only``) into observations
equal to the JSON Lines form's, and a file with that kind of defect makes the reader give up
(the check itself says so: a spy records it), after which the exact reader refuses the file
with its located message, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import (
    BTG_MEMBERS,
    CATALOGUE,
    GOOD_VALUES,
    PROGRAM,
    D,
    make_program,
    new_store,
    snapshot,
)
from tests.observations.test_sector_checks import BAD_HERD, HERD, unchecked
from tests.observations.test_sidecar import full_store

import klaster.observations
from klaster import DocumentError
from klaster.catalogue.variable import Level
from klaster.observations import _numbering, _sidecar_bulk, _sidecar_parquet, _sidecar_parquet_ahead
from klaster.observations._numbering import HeldIds, UnitNumbering, own_ids, placed_ids
from klaster.observations._sidecar_parquet_exact import ExactParquetReader
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.values import Observations
from klaster.plugins import PluginHost

save, load = klaster.observations.save, klaster.observations.load


@pytest.fixture
def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read the column-wise reader gives up on fails the test."""

    def refused(*_args: object) -> None:
        raise AssertionError("the column-wise reader gave up")

    monkeypatch.setattr(ExactParquetReader, "read_file", refused)


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Record what ``owner.name`` returns (or raises) on each call."""
    found: list[Any] = []
    real: Callable[..., Any] = getattr(owner, name)

    def spied(*args: Any, **kwargs: Any) -> Any:
        try:
            result = real(*args, **kwargs)
        except Exception as exc:
            found.append(type(exc).__name__)
            raise
        found.append(result)
        return result

    monkeypatch.setattr(owner, name, spied)
    return found


def _twin(obs: Observations, tmp: Path, program: Any = PROGRAM, catalogue: Any = CATALOGUE) -> Any:
    path = tmp / "twin.observations.jsonl"
    save(obs, path)
    return load(path, program, catalogue)


def _frame_and_meta(path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    return pl.read_parquet(path), json.loads(pl.read_parquet_metadata(path)["klaster"])


def _write(path: Path, frame: pl.DataFrame, meta: dict[str, Any]) -> None:
    frame.write_parquet(path, metadata={"klaster": json.dumps(meta)})


class TestUnitsParts:
    """Each units part found among its cluster's records (one dict a cluster, none a unit)."""

    def test_units_numbered_in_another_order_are_read_column_wise(
        self, tmp_path: Path, fast_only: None
    ) -> None:
        obs = full_store()  # btg's members numbered L-2, M-2, M-1 (not the cluster's order)
        assert list(obs.storage.numbering("btg", Level.MEMBER).ids) == ["L-2", "M-2", "M-1"]  # type: ignore[union-attr]
        save(obs, tmp_path / "o.parquet")
        back = load(tmp_path / "o.parquet", PROGRAM, CATALOGUE)
        assert back == obs == _twin(obs, tmp_path)
        assert snapshot(back) == snapshot(obs)
        numbering = back.storage.numbering("btg", Level.MEMBER)
        assert numbering is not None
        held = {member.id: member.id for member in PROGRAM.clusters["btg"].members}
        # The program's own strings, not a second copy of each (a million IDs at scale).
        assert all(unit is held[unit] for unit in numbering.ids)
        assert dict(numbering.index) == {"L-2": 0, "M-2": 1, "M-1": 2}

    def test_a_unit_twice_in_a_units_part_is_refused_by_the_exact_reader(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        units = frame["unit"].to_list()
        # The first units part (btg's members): its second unit replaced by its first.
        _write(path, frame.with_columns(frame["unit"].scatter(1, units[0])), meta)
        placed = _spy(monkeypatch, _sidecar_parquet, "placed_ids")
        with pytest.raises(DocumentError, match=r"twice|numbered") as caught:
            load(path, PROGRAM, CATALOGUE)
        assert str(caught.value).startswith(f"{path} row 1 column 'unit'"), str(caught.value)
        assert placed[0] is None  # the column-wise reader did not take that part

    def test_a_stranger_in_a_units_part_is_not_placed(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        _write(path, frame.with_columns(frame["unit"].scatter(0, "B-1")), meta)  # blr's member
        placed = _spy(monkeypatch, _sidecar_parquet, "placed_ids")
        with pytest.raises(DocumentError, match="'B-1' is not a member of cluster 'btg'"):
            load(path, PROGRAM, CATALOGUE)
        assert placed[0] is None


class TestHints:
    """Every table row's ``unit_number`` checked against its unit, the whole file at once."""

    @pytest.mark.parametrize("number", [99, -1, None])
    def test_a_hint_outside_its_units_part(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int | None
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        row = sum(meta["units"]["rows"])  # the first table's first row
        hints = frame["unit_number"].scatter(row, number)
        _write(path, frame.with_columns(hints), meta)
        checked = _spy(monkeypatch, _sidecar_parquet_ahead, "_numbers")
        with pytest.raises(DocumentError, match=r"unit_number|number") as caught:
            load(path, PROGRAM, CATALOGUE)
        assert f"row {row} column 'unit_number'" in str(caught.value)
        assert checked == ["GiveUp"]

    def test_a_hint_naming_another_unit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        row = sum(meta["units"]["rows"])
        hints = frame["unit_number"]
        _write(path, frame.with_columns(hints.scatter(row, (hints[row] + 1) % 3)), meta)
        checked = _spy(monkeypatch, _sidecar_parquet_ahead, "_numbers")
        with pytest.raises(DocumentError, match="is not number"):
            load(path, PROGRAM, CATALOGUE)
        assert checked == ["GiveUp"]


class TestPlacing:
    """A group of tables laid out on their numberings at once: a unit twice in a table."""

    def test_a_unit_twice_in_a_table_with_its_own_hint(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        first = sum(meta["units"]["rows"])  # the first table (btg-el, members): L-2, M-2
        assert frame["unit"][first : first + 2].to_list() == ["L-2", "M-2"]
        # M-2's row made L-2's, hint and all: only the placing finds the unit twice.
        units = frame["unit"].scatter(first + 1, "L-2")
        hints = frame["unit_number"].scatter(first + 1, frame["unit_number"][first])
        _write(path, frame.with_columns(units, hints), meta)
        placed = _spy(monkeypatch, _sidecar_bulk.BulkReader, "place")
        with pytest.raises(DocumentError, match="two rows") as caught:
            load(path, PROGRAM, CATALOGUE)
        assert f"row {first + 1} column 'unit'" in str(caught.value)
        assert placed[0] == "GiveUp"


@pytest.fixture
def herds(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """A Parquet sidecar of herds saved unchecked: L-2 surveyed first, then M-1 and L-1.

    ``l1`` is L-1's herd in the second round (the level's second table).
    """

    def saved(l1: dict[str, Any]) -> Path:
        obs = unchecked()
        obs.add_round(Round("btg-end", "btg", RoundKind.ENDLINE, D(2014, 1, 1)))
        obs.record("btg-base", "L-2", HERD)
        obs.record("btg-base", "M-1", {"monthly_income": Decimal(5)})
        obs.record("btg-base", "L-1", HERD)
        obs.record_many("btg-end", [("M-1", {"monthly_income": Decimal(6)}), ("L-1", l1)])
        path = tmp_path / "herds.parquet"
        save(obs, path)
        return path

    return saved


class TestPluginChecks:
    """The sector plugins asked once a level, each row's unit's sectors found by its place."""

    def test_a_herd_that_does_not_add_up_is_found_column_wise(
        self, herds: Callable[[dict[str, Any]], Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = herds(BAD_HERD)
        found = _spy(monkeypatch, _sidecar_bulk, "sector_problems")
        with pytest.raises(DocumentError, match="herd does not add up") as caught:
            load(path, make_program(), variable_catalogue())
        assert "rounds[btg-end].members[L-1]" in str(caught.value)
        assert "plugin 'livestock'" in str(caught.value)
        assert f"{path} row " in str(caught.value)
        assert found == [True]  # the column-wise reader's check found it

    def test_herds_that_add_up_are_read_column_wise(
        self, herds: Callable[[dict[str, Any]], Path], fast_only: None, tmp_path: Path
    ) -> None:
        path = herds(HERD)
        back = load(path, make_program(), variable_catalogue())
        assert back.value("btg-end", "L-1", "herd_end") == 10
        assert back == _twin(back, tmp_path, make_program(), variable_catalogue())

    @pytest.fixture
    def livestock_unchecked(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The livestock sector taken for one whose plugins check nothing across values."""
        real = PluginHost.checks_values

        def checks_values(host: PluginHost, sectors: Any) -> bool:
            return real(host, [s for s in sectors if s != "livestock"])

        monkeypatch.setattr(PluginHost, "checks_values", checks_values)

    def test_only_the_rows_of_sectors_that_check_are_asked(
        self,
        herds: Callable[[dict[str, Any]], Path],
        livestock_unchecked: None,
        fast_only: None,
    ) -> None:
        # L-1's herd does not add up, but its sector checks nothing: the row is not asked.
        back = load(herds(BAD_HERD), make_program(), variable_catalogue())
        assert back.value("btg-end", "L-1", "herd_end") == 11

    def test_the_rows_of_sectors_that_check_are_still_asked(
        self, tmp_path: Path, livestock_unchecked: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        obs = unchecked()
        obs.record("btg-base", "L-1", HERD)  # (a livestock row beside it, left unasked)
        closed = {"business_running": False, "monthly_revenue": Decimal(5)}
        obs.record("btg-base", "M-3", closed)  # UMKM: revenue of a closed business
        save(obs, tmp_path / "o.parquet")
        found = _spy(monkeypatch, _sidecar_bulk, "sector_problems")
        with pytest.raises(DocumentError, match="business_running is false") as caught:
            load(tmp_path / "o.parquet", make_program(), variable_catalogue())
        assert "plugin 'umkm'" in str(caught.value)
        assert found == [True]

    def test_a_sector_variable_of_a_unit_outside_the_sector(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        frame, meta = _frame_and_meta(path)
        # M-2 (umkm) given a species (livestock): no row reaches the plugins.
        at = sum(meta["units"]["rows"]) + frame["unit"].to_list()[
            sum(meta["units"]["rows"]) :
        ].index("M-2")
        _write(path, frame.with_columns(frame["species"].scatter(at, "goat")), meta)
        placed = _spy(monkeypatch, _sidecar_bulk.BulkReader, "place")
        with pytest.raises(DocumentError, match="sector 'livestock'") as caught:
            load(path, PROGRAM, CATALOGUE)
        assert f"row {at} column 'species'" in str(caught.value)
        assert "GiveUp" in placed


class TestNumbering:
    """Units numbered from the cluster's own IDs: no look-up, the index built on first need."""

    def test_placed_ids(self) -> None:
        btg = PROGRAM.clusters["btg"]
        held = [member.id for member in btg.members]
        found = placed_ids(btg, Level.MEMBER, list(held))
        assert found is not None
        assert found[1] is None
        assert found[0] == held
        assert type(found[0]) is HeldIds
        found = placed_ids(btg, Level.MEMBER, ["L-2", "M-1"])
        assert found is not None
        assert (list(found[0]), found[1]) == (["L-2", "M-1"], [5, 0])
        assert found[0][0] is held[5]  # the program's own string
        assert placed_ids(btg, Level.MEMBER, ["M-1", "X-1"]) is None  # a stranger
        assert placed_ids(btg, Level.MEMBER, ["M-1", "M-1"]) is None  # twice
        assert placed_ids(btg, Level.CLUSTER, ["btg"]) is None

    def test_a_numbering_from_held_ids_builds_its_index_when_asked(self) -> None:
        units = UnitNumbering()
        units.number_all(HeldIds(["M-3", "M-1"]))
        assert list(units.ids) == ["M-3", "M-1"]
        assert dict(units.index) == {"M-3": 0, "M-1": 1}
        assert units.number("M-2") == 2
        assert units.number("M-1") == 1
        units.number_all(["M-4", "M-3", "M-4"])  # a list: looked up, the first of repeats kept
        assert list(units.ids) == ["M-3", "M-1", "M-2", "M-4"]
        assert dict(units.index) == {"M-3": 0, "M-1": 1, "M-2": 2, "M-4": 3}

    def test_held_ids_are_taken_only_into_an_empty_numbering(self) -> None:
        units = UnitNumbering()
        units.number("M-1")
        units.number_all(HeldIds(["M-2", "M-1"]))
        assert list(units.ids) == ["M-1", "M-2"]

    def test_own_ids(self) -> None:
        btg = PROGRAM.clusters["btg"]
        given = HeldIds(["L-1"])
        assert own_ids(btg, Level.MEMBER, given) is given  # found so by its maker
        found = own_ids(btg, Level.MEMBER, ["L-1", "M-2"])
        assert type(found) is HeldIds
        assert found == ["L-1", "M-2"]
        assert type(own_ids(btg, Level.MEMBER, ["L-1", "L-1"])) is list  # twice: looked up
        assert _numbering.own_ids(btg, Level.MEMBER, ["X"]) is None


_SECTOR_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "species": st.one_of(st.none(), st.sampled_from(["goat", "sheep"])),
    "herd_start": st.integers(0, 1000),  # (required: never recorded missing)
}


@st.composite
def _rounds(draw: st.DrawFn) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Rows for btg's two rounds and blr's, units in any order, any of their variables."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for round_id, units in (("btg-bl", BTG_MEMBERS), ("btg-el", BTG_MEMBERS), ("blr-bl", ("B-1",))):
        rows = []
        for unit in draw(st.lists(st.sampled_from(units), unique=True)):
            values = GOOD_VALUES | (_SECTOR_VALUES if unit.startswith("L-") else {})
            codes = draw(st.lists(st.sampled_from(sorted(values)), unique=True, min_size=1))
            rows.append((unit, {code: draw(values[code]) for code in codes}))
        found[round_id] = rows
    return found


class TestRoundTripProperty:
    @settings(max_examples=30, deadline=None)
    @given(
        rows=_rounds(),
        only=st.one_of(
            st.none(), st.sets(st.sampled_from(["monthly_income", "herd_start", "species"]))
        ),
    )
    def test_random_observations_read_column_wise_as_their_json_lines_form(
        self, tmp_path_factory: pytest.TempPathFactory, rows: Any, only: set[str] | None
    ) -> None:
        obs = new_store()
        for round_id, found in rows.items():
            obs.record_many(round_id, found)
        tmp = tmp_path_factory.mktemp("random")
        save(obs, tmp / "o.parquet")
        save(obs, tmp / "o.jsonl")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ExactParquetReader, "read_file", _no_exact)
            back = load(tmp / "o.parquet", PROGRAM, CATALOGUE, only=only)
        twin = load(tmp / "o.jsonl", PROGRAM, CATALOGUE, only=only)
        assert back == twin
        assert snapshot(back) == snapshot(twin)
        if only is None:
            assert back == obs


def _no_exact(*_args: object) -> None:
    raise AssertionError("the column-wise reader gave up")
