"""The sidecar's columnar reading without a Python step per unit (issue 18): the shortcuts taken
and the observations they build, equal to the exact reader's."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM, new_store
from tests.observations.test_sidecar_bulk import WIDE, exact, plain_store

import klaster.observations
from klaster.catalogue.variable import Level
from klaster.observations import _sidecar_bulk, _sidecar_sectors
from klaster.observations._hook_columns import RowIds, RowSectors
from klaster.observations._sidecar_bulk import read_fast
from klaster.observations._sidecar_reader import Reader
from klaster.observations.storage import ObservationStorage
from klaster.observations.values import Observations


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Every call of ``owner.name`` (still made), as the arguments' list."""
    calls: list[Any] = []
    real = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((*args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def exact_only(text: str, only: frozenset[str]) -> Observations:
    reader = Reader("<exact>", PROGRAM, WIDE)
    reader.only = only
    return reader.read(io.StringIO(text, newline=""))


def mixed_text() -> str:
    """UMKM and livestock members side by side in tables the plugins check, and gaps."""
    obs = plain_store()
    obs.record("btg-el", "L-1", {"herd_start": 3, "species": "sheep"})
    obs.record("btg-el", "M-3", {"business_running": True, "monthly_revenue": 5})
    return klaster.observations.dumps(obs)


class TestUnitSectors:
    def test_no_call_per_member_or_group(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # A member's or group's sectors are read for every unit at once; the per-unit function
        # is left to the cooperatives (several sectors each).
        calls = counting(monkeypatch, _sidecar_sectors, "unit_sectors")
        text = mixed_text()
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert fast == exact(text)
        assert calls  # the cooperatives'
        assert {args[1] for args in calls} <= {Level.COOPERATIVE, Level.CLUSTER}

    def test_each_unit_gets_its_own_sectors(self) -> None:
        # Per cluster and level, the kinds index into the distinct sectors in the units' order.
        bulk = _sidecar_bulk.BulkReader("<fast>", PROGRAM, WIDE)
        btg = PROGRAM.clusters["btg"]
        ids = ["L-2", "M-1", "L-1", "M-4"]
        kinds, distinct = (
            bulk.sectors.kinds(btg, Level.MEMBER, ids),
            bulk.sectors.of_level(Level.MEMBER),
        )
        assert [distinct[k] for k in kinds.tolist()] == [
            ("livestock",),
            ("umkm",),
            ("livestock",),
            ("umkm",),
        ]
        kinds = bulk.sectors.kinds(btg, Level.COOPERATIVE, ["K-1"])
        distinct = bulk.sectors.of_level(Level.COOPERATIVE)
        assert [distinct[k] for k in kinds.tolist()] == [("umkm", "livestock")]

    def test_a_unit_the_cluster_does_not_hold_gives_up(self) -> None:
        # Not reachable from a file (the units lines are checked first), but the shortcut must
        # still give up rather than guess: B-1 is another cluster's member.
        bulk = _sidecar_bulk.BulkReader("<fast>", PROGRAM, WIDE)
        with pytest.raises(KeyError):
            bulk.sectors.kinds(PROGRAM.clusters["btg"], Level.MEMBER, ["M-1", "B-1"])

    def test_a_sector_variable_of_another_sectors_member_is_read_exactly(self) -> None:
        # The sectors found at once still decide: a livestock value of an UMKM member (the
        # unit outside its variable's sector) leaves the file to the exact reader.
        text = mixed_text()
        lines = text.splitlines()
        table = next(i for i, line in enumerate(lines) if '"btg-el"' in line and "table" in line)
        row = next(i for i in range(table, len(lines)) if lines[i].startswith('["M-3"'))
        columns = json.loads(lines[table])["table"]["columns"]
        cells = json.loads(lines[row])
        cells[1 + columns.index("herd_start")] = 4
        lines[row] = json.dumps(cells, separators=(",", ":"))
        bad = "\n".join(lines) + "\n"
        assert read_fast(bad.encode(), "<fast>", PROGRAM, WIDE) is None
        with pytest.raises(klaster.DocumentError, match="sector 'livestock'"):
            klaster.observations.loads(bad, PROGRAM, WIDE)


class TestSurveyedMask:
    def test_units_stored_as_a_mask_not_by_id(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def by_id(*_args: object) -> None:
            raise AssertionError("stored by unit ID")

        monkeypatch.setattr(ObservationStorage, "store_columns", by_id)
        masks = counting(monkeypatch, ObservationStorage, "store_surveyed")
        text = mixed_text()
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert masks
        assert fast == exact(text)
        for rnd in fast.rounds():  # every round's surveyed units, and only those
            assert fast.units(rnd.id) == exact(text).units(rnd.id)

    @settings(max_examples=25, deadline=None)
    @given(surveyed=st.lists(st.sampled_from(["M-1", "M-3", "L-1", "K-1"]), unique=True))
    def test_any_units_surveyed(self, surveyed: list[str]) -> None:
        # Units added to a round anywhere in the numbering (gaps before, after, between), and
        # a cooperative; read with only=, the surveyed units are those of every column.
        obs = plain_store()
        for unit in surveyed:
            code = "coop_legal" if unit == "K-1" else "cibest_prayer"
            obs.record("btg-el", unit, {code: True if unit == "K-1" else 3})
        text = klaster.observations.dumps(obs)
        only = frozenset({"cibest_prayer"})
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE, only)
        assert fast is not None
        assert fast == exact_only(text, only)
        for rnd in fast.rounds():
            for level in Level:
                assert fast.units(rnd.id, level) == obs.units(rnd.id, level)


class TestUnreadCells:
    def test_the_lines_are_cut_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # load(only=...): the lines are cut once; their JSON is checked in one lazy query (the
        # lines read and matched together, split between the cores), not read twice eagerly.
        reads = counting(monkeypatch, pl, "read_csv")
        scans = counting(monkeypatch, pl, "scan_csv")
        text = mixed_text()
        only = frozenset({"monthly_income"})
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE, only)
        assert fast is not None
        assert scans  # the lines of groups with unread cells, matched in a query
        assert all("separator" not in call[-1] for call in reads)  # never read whole eagerly
        assert fast == exact_only(text, only)


DECIMAL_CELLS = st.one_of(
    st.just("null"),
    st.builds(
        lambda sign, whole, fraction: f'"{sign}{whole}{fraction}"',
        st.sampled_from(["", "-"]),
        st.from_regex(r"\A[0-9]{1,18}\Z"),
        st.one_of(st.just(""), st.from_regex(r"\A\.[0-9]{1,18}\Z")),
    ),
)


def reference(cells: list[str], tables: list[int]) -> tuple[list[int], list[int]] | None:
    """Each cell scaled by its table's scale, and the scales, by Decimal (None: gives up)."""
    scales = [0] * (max(tables) + 1 if tables else 0)
    for cell, table in zip(cells, tables, strict=True):
        if cell != "null":
            exponent = Decimal(cell.strip('"')).normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            scales[table] = max(scales[table], -exponent)
    values = []
    for cell, table in zip(cells, tables, strict=True):
        if cell == "null":
            values.append(0)
            continue
        number = Decimal(cell.strip('"'))
        whole = len(str(int(abs(number)))) if int(abs(number)) else 0
        if whole + scales[table] > 18:
            return None
        values.append(int(number.scaleb(scales[table])))
    return values, scales


class TestDecimals:
    @settings(max_examples=200, deadline=None)
    @given(rows=st.lists(st.tuples(DECIMAL_CELLS, st.integers(0, 2)), max_size=30))
    def test_scaled_as_decimal_scales_them(self, rows: list[tuple[str, int]]) -> None:
        # The cells as polars' decimal of scale 18: the same integers and scales as Python's
        # Decimal, and the same cells too big for 64 bits given up.
        import numpy as np

        from klaster.observations import _sidecar_columns as columns

        rows = sorted(rows, key=lambda row: row[1])  # the tables one after the other
        cells = [cell for cell, _ in rows] + ['"0"', '"0"', '"0"']  # every table has a row
        tables = [table for _, table in rows] + [0, 1, 2]
        order = np.argsort(np.array(tables), kind="stable")
        cells = [cells[i] for i in order]
        tables = [tables[i] for i in order]
        raw = pl.Series(cells, dtype=pl.String)
        present = (raw != "null").to_numpy()
        table_of = np.array(tables, dtype=np.int64)
        offsets = np.array([0, *np.cumsum(np.bincount(table_of, minlength=3)).tolist()])
        layout = columns.Layout(np, np.arange(len(cells)), len(cells), table_of, offsets, 3)
        expected = reference(cells, tables)
        if expected is None:
            with pytest.raises(columns.GiveUp):
                columns._decimals(pl, np, raw, present, layout)
            return
        values, scales = columns._decimals(pl, np, raw, present, layout)
        assert (values.tolist(), scales.tolist()) == expected

    @pytest.mark.parametrize(
        "cell",
        [
            '"-0"',
            '"000.000"',
            '"999999999999999999"',
            '"0.000000000000000001"',
            '"-123456789.123456789"',
            '"999999999999999999.5"',
        ],
    )
    def test_edges(self, cell: str) -> None:
        import numpy as np

        from klaster.observations import _sidecar_columns as columns

        raw = pl.Series([cell, "null"], dtype=pl.String)
        present = np.array([True, False])
        layout = columns.Layout(
            np, np.arange(2), 2, np.zeros(2, dtype=np.int64), np.array([0, 2]), 1
        )
        expected = reference([cell, "null"], [0, 0])
        if expected is None:
            with pytest.raises(columns.GiveUp):
                columns._decimals(pl, np, raw, present, layout)
        else:
            values, scales = columns._decimals(pl, np, raw, present, layout)
            assert (values.tolist(), scales.tolist()) == expected


class TestCommasInUnreadCells:
    def test_a_row_a_cell_short_with_a_comma_in_a_string(self) -> None:
        # A text cell "kios,baru" is cut in two by the CSV reader: a row one cell short then
        # has as many cuts as a whole row. The exact reader refuses the row; so must the fast
        # path (it gives up: the exact reader locates it).
        text = klaster.observations.dumps(plain_store())
        lines = text.splitlines()
        table = next(i for i, line in enumerate(lines) if '"btg-bl"' in line and "table" in line)
        columns = json.loads(lines[table])["table"]["columns"]
        row = next(i for i in range(table, len(lines)) if lines[i].startswith('["M-3"'))
        cells = json.loads(lines[row])
        note = 1 + columns.index("shop_note")
        cells[note] = "kios,baru"
        gap = next(i for i in range(1, len(cells)) if cells[i] is None)
        del cells[gap]  # one cell short
        lines[row] = json.dumps(cells, separators=(",", ":"))
        bad = "\n".join(lines) + "\n"
        only = frozenset({"monthly_income"})
        assert read_fast(bad.encode(), "<fast>", PROGRAM, WIDE, only) is None
        with pytest.raises(klaster.DocumentError, match=f"line {row + 1}: a row is a list"):
            exact_only(bad, only)

    def test_a_whole_row_with_a_comma_in_a_string_is_read(self) -> None:
        obs = plain_store()
        obs.record("btg-el", "M-3", {"shop_note": "kios,baru"})
        text = klaster.observations.dumps(obs)
        only = frozenset({"monthly_income"})
        assert klaster.observations.loads(text, PROGRAM, WIDE) == obs
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE, only)
        assert fast is None or fast == exact_only(text, only)


class TestRowSectors:
    @settings(max_examples=100, deadline=None)
    @given(kinds=st.lists(st.integers(0, 3), max_size=40))
    def test_grouped_as_row_by_row(self, kinds: list[int]) -> None:
        import numpy as np

        from klaster.plugins import _column_checks

        distinct = [("umkm",), ("livestock",), ("umkm", "livestock"), ("farming",)]
        rows = RowSectors(np, np.array(kinds, dtype=np.int64), distinct)
        listed = [distinct[kind] for kind in kinds]
        assert list(rows) == listed
        assert len(rows) == len(listed)
        assert rows[1:3] == listed[1:3]
        grouped = {codes: found.tolist() for codes, found in rows.rows_of_each().items()}
        assert grouped == _column_checks._rows_of_each(listed)
        assert list(grouped) == list(dict.fromkeys(listed))  # first-appearance order

    def test_the_host_gets_the_numbers_and_finds_the_same(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The sidecar reader hands the plugins' checks its sectors as numbers; the problems are
        # those a list of tuples gives, worded and ordered the same.
        from klaster.plugins import _column_checks
        from klaster.plugins.host import PluginHost

        given_sectors = counting(monkeypatch, PluginHost, "validate_recorded_columns")
        row_by_row = counting(monkeypatch, _column_checks, "_rows_of_each")
        text = mixed_text()
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is not None
        assert given_sectors
        assert all(isinstance(call[3], RowSectors) for call in given_sectors)
        assert all(isinstance(call[4], RowIds) for call in given_sectors)  # no list of IDs
        assert not row_by_row  # no Python step per row to group them
        host, level, columns, sectors, unit_ids, where = given_sectors[0][:6]
        as_numbers = host.validate_recorded_columns(level, columns, sectors, unit_ids, where)
        as_tuples = host.validate_recorded_columns(
            level, columns, list(sectors), list(unit_ids), where
        )
        assert as_numbers == as_tuples
        assert len(unit_ids) == len(sectors) > 0

    @settings(max_examples=100, deadline=None)
    @given(
        tables=st.lists(
            st.lists(st.integers(0, 5), max_size=6).map(lambda picked: sorted(set(picked))),
            max_size=4,
        ),
        row=st.integers(-30, 30),
    )
    def test_ids_read_when_asked_as_a_list_would(self, tables: list[list[int]], row: int) -> None:
        import numpy as np

        numbering = [f"U-{i}" for i in range(6)]
        ids = RowIds([(numbering, np.array(picked, dtype=np.int64)) for picked in tables])
        listed = [numbering[i] for picked in tables for i in picked]
        assert len(ids) == len(listed)
        assert list(ids) == listed
        assert ids[1:4] == listed[1:4]
        if -len(listed) <= row < len(listed):
            assert ids[row] == listed[row]
        else:
            with pytest.raises(IndexError):
                ids[row]


def reordered(text: str, round_id: str, level: str) -> str:
    """``text`` with one table's columns (and its rows' cells) in the reverse order."""
    lines = text.splitlines()
    for at, line in enumerate(lines):
        if not line.startswith('{"table"'):
            continue
        table = json.loads(line)
        if (table["table"]["round"], table["table"]["level"]) != (round_id, level):
            continue
        table["table"]["columns"].reverse()
        lines[at] = json.dumps(table, separators=(",", ":"))
        for row in range(at + 1, at + 1 + table["table"]["rows"]):
            cells = json.loads(lines[row])
            lines[row] = json.dumps([cells[0], *reversed(cells[1:])], separators=(",", ":"))
    return "\n".join(lines) + "\n"


class TestColumnsInAnotherOrder:
    def sidecar(self) -> str:
        """Two rounds' member tables with the same columns, the second in the reverse order."""
        obs = new_store()
        for round_id, income in (("btg-bl", "1250000.50"), ("btg-el", "99")):
            obs.record_many(
                round_id,
                [
                    ("M-1", {"monthly_income": Decimal(income), "household_size": 4}),
                    ("M-2", {"monthly_income": Decimal("7.125"), "cibest_prayer": 5}),
                    ("L-1", {"herd_start": 3, "household_size": 2}),
                ],
            )
        return reordered(klaster.observations.dumps(obs), "btg-el", "member")

    @pytest.mark.parametrize("only", [None, frozenset({"monthly_income", "herd_start"})])
    def test_read_together_as_the_exact_reader_reads_them(
        self, monkeypatch: pytest.MonkeyPatch, only: frozenset[str] | None
    ) -> None:
        text = self.sidecar()
        cuts = counting(monkeypatch, _sidecar_bulk, "cut_rows")
        fast = read_fast(text.encode(), "<fast>", PROGRAM, CATALOGUE, only)
        assert fast is not None
        slow = Reader("<exact>", PROGRAM, CATALOGUE)
        slow.only = only
        assert fast == slow.read(io.StringIO(text, newline=""))
        assert len(cuts) == 1  # both member tables in one cut, though their orders differ
        assert fast.value("btg-el", "M-2", "monthly_income") == Decimal("7.125")
        if only is None:  # each table keeps its own columns' order
            assert klaster.observations.dumps(fast) == text


class TestColumnsMadeWhenRead:
    def test_the_host_makes_only_the_columns_a_plugin_reads(self) -> None:
        # Rows of two sectors (each plugin gets its own rows): a column no plugin reads is
        # never made, the ones read give the problems the per-unit hook gives.
        from klaster.testing.plugins import isolated_host
        from klaster_sectors import livestock, umkm

        host = isolated_host(livestock, umkm, strict=False)
        made: list[str] = []

        def lazily(code: str, values: list[Any]) -> Any:
            def make() -> list[Any]:
                made.append(code)
                return values

            return make

        sectors = [("umkm",), ("livestock",), ("umkm",), ("livestock",)]
        ids = ["M-1", "L-1", "M-2", "L-2"]
        values: dict[str, list[Any]] = {
            "business_running": [False, None, True, None],
            "monthly_revenue": [Decimal(10), None, Decimal(5), None],
            "monthly_income": [Decimal(1)] * 4,  # read by no plugin
        }
        columns = {code: lazily(code, column) for code, column in values.items()}
        found = host.validate_recorded_columns(Level.MEMBER, columns, sectors, ids, str)
        assert "monthly_income" not in made
        assert set(made) == {"business_running", "monthly_revenue"}
        one_by_one = host.validate_recorded(
            (
                str(row),
                sectors[row],
                Level.MEMBER,
                {code: column[row] for code, column in values.items() if column[row] is not None},
            )
            for row in range(4)
        )
        assert found == one_by_one
        assert len(found) == 1
        assert "business_running is false" in found[0]

    def test_the_sidecar_makes_only_the_columns_a_plugin_reads(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        made = counting(monkeypatch, _sidecar_sectors, "hook_frame")
        text = mixed_text()
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert fast == exact(text)
        codes = {code for call in made for code in call[2]}
        assert "monthly_revenue" in codes  # the UMKM plugin's
        assert "monthly_income" not in codes  # nobody's


class TestHugePages:
    @pytest.mark.parametrize("before", [True, False])
    def test_off_while_reading_and_restored_after(
        self, monkeypatch: pytest.MonkeyPatch, before: bool
    ) -> None:
        # numpy's huge pages are off while the columnar reader makes its arrays (fresh 2 MB
        # pages made a process's first read 1.2 s slower at 1M); the setting is restored.
        from klaster._support.huge_pages import huge_pages_setter

        setter = huge_pages_setter()
        if setter is None:
            pytest.skip("this numpy has no madvise switch")
        seen: list[bool] = []
        real = _sidecar_bulk.BulkReader.read

        def probing(self: Any, data: bytes) -> Any:
            was = setter(False)
            setter(was)
            seen.append(was)
            return real(self, data)

        monkeypatch.setattr(_sidecar_bulk.BulkReader, "read", probing)
        old = setter(before)
        try:
            text = mixed_text()
            fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
            assert fast is not None
            assert seen == [False]
            assert setter(before) is before  # restored as it was
        finally:
            setter(old)
