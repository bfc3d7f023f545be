"""The sidecar's columnar reading: what the exact reader builds, or it leaves the file to it."""

from __future__ import annotations

import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from tests.observations.builders import CATALOGUE, PROGRAM, D, good_rows, new_store, snapshot

import klaster.observations
from klaster import DocumentError
from klaster.catalogue.variable import Level
from klaster.observations import _sidecar_prefetch, variable_catalogue
from klaster.observations._sidecar_bulk import read_fast
from klaster.observations._sidecar_columns import python_values
from klaster.observations._sidecar_reader import Reader
from klaster.observations.values import Observations

WIDE = {**variable_catalogue(), **CATALOGUE}  # with the UMKM plugin's variables


def plain_store() -> Observations:
    """Every type and level, gaps, units missing from a round: nothing the fast path leaves."""
    obs = Observations(PROGRAM, WIDE)
    for rnd in new_store().rounds():
        obs.add_round(rnd)
    obs.record_many(
        "btg-bl",
        [
            ("M-1", {"monthly_income": Decimal("1250000.50"), "household_size": 4}),
            ("M-2", {"monthly_income": Decimal("-0"), "business_running": False}),
            ("M-3", {"monthly_income": 999, "shop_note": "kios baru", "monthly_revenue": 5}),
            ("L-1", {"species": "goat", "herd_start": 0, "last_vaccination": D(2011, 1, 31)}),
            ("L-2", {"species": None, "herd_start": 1000}),
            ("G-1", {"group_active": True, "group_meetings": 12}),
            ("K-1", {"coop_legal": False}),
            ("btg", {"district_budget": Decimal("1700000000.125")}),
        ],
    )
    obs.record_many(  # M-1 and L-1 not surveyed: the columns have gaps
        "btg-el",
        [
            ("M-4", {"monthly_income": Decimal("0.000001")}),
            ("M-2", {"monthly_income": Decimal("1E+3"), "cibest_prayer": 5}),
            ("L-2", {"herd_start": 7, "last_vaccination": D(2013, 10, 1)}),
        ],
    )
    obs.record("blr-bl", "B-1", {"monthly_income": 999_999_999})
    return obs


def exact(text: str, catalogue: Any = WIDE) -> Observations:
    return Reader("<exact>", PROGRAM, catalogue).read(io.StringIO(text, newline=""))


def edited(text: str, round_id: str, unit_id: str, code: str, value: Any) -> tuple[str, int]:
    """``text`` with one value of a row replaced; and the row's line number."""
    lines = text.splitlines()
    table = next(
        i
        for i, line in enumerate(lines)
        if line.startswith('{"table"') and json.loads(line)["table"]["round"] == round_id
    )
    columns = json.loads(lines[table])["table"]["columns"]
    row = next(i for i in range(table + 1, len(lines)) if lines[i].startswith(f'["{unit_id}"'))
    cells = json.loads(lines[row])
    cells[1 + columns.index(code)] = value
    lines[row] = json.dumps(cells, separators=(",", ":"))
    return "\n".join(lines) + "\n", row + 1


class TestBulkSidecar:
    def test_same_observations_as_the_exact_reader(self) -> None:
        obs = plain_store()
        text = klaster.observations.dumps(obs)
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None  # the fast path read it
        assert fast == obs == exact(text)
        assert snapshot(fast) == snapshot(obs)
        assert fast.value("btg-el", "M-4", "monthly_income") == Decimal("0.000001")
        assert klaster.observations.dumps(fast) == text  # scales kept: the same bytes again

    @settings(max_examples=30, deadline=None)
    @given(rows=good_rows(), later=good_rows())
    def test_round_trip_property(self, rows: Any, later: Any) -> None:
        obs = new_store()
        obs.record_many("btg-bl", rows)
        obs.record_many("btg-el", later)
        text = klaster.observations.dumps(obs)
        fast = read_fast(text.encode(), "<fast>", PROGRAM, CATALOGUE)
        assert fast is not None
        assert fast == obs == exact(text, CATALOGUE)
        assert klaster.observations.dumps(fast) == text

    def test_load_and_loads_take_the_fast_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        obs = plain_store()
        path = tmp_path / "obs.jsonl"
        klaster.observations.save(obs, path)

        def slow(*_args: object) -> None:
            raise AssertionError("read line by line")

        monkeypatch.setattr(Reader, "read", slow)
        assert klaster.observations.load(path, PROGRAM, WIDE) == obs
        assert klaster.observations.loads(path.read_bytes(), PROGRAM, WIDE) == obs

    def test_what_it_does_not_recognise_is_read_exactly(self) -> None:
        obs = plain_store()
        obs.record("btg-el", "M-3", {"shop_note": 'kios "baru"\n'})  # escapes: not recognised
        text = klaster.observations.dumps(obs)
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        assert klaster.observations.loads(text, PROGRAM, WIDE) == obs

    @pytest.mark.parametrize(
        ("round_id", "unit_id", "code", "value", "match"),
        [
            ("btg-bl", "M-1", "monthly_income", 12.5, "written as a string"),
            ("btg-bl", "M-1", "monthly_income", 12, "written as a string"),
            ("btg-bl", "M-1", "monthly_income", "1.5e3", "plain notation"),
            ("btg-bl", "M-1", "monthly_income", "-0.01", "minimum"),
            ("btg-bl", "M-1", "monthly_income", "99999999999999999999", "maximum"),
            ("btg-bl", "M-1", "household_size", 0, "minimum"),
            ("btg-bl", "M-1", "household_size", True, "JSON whole number"),
            ("btg-bl", "M-1", "household_size", "4", "JSON whole number"),
            ("btg-bl", "L-2", "herd_start", 1001, "maximum"),
            ("btg-bl", "M-2", "business_running", 0, "true or false"),
            ("btg-bl", "L-1", "species", "cow", "one of goat, sheep"),
            ("btg-bl", "L-1", "last_vaccination", "2011-02-30", "date"),
            ("btg-bl", "M-1", "species", "goat", "sector 'livestock'"),
            ("btg-bl", "L-1", "shop_note", "warung", "sector 'umkm'"),
            ("btg-bl", "M-3", "shop_note", " ", "non-empty"),
            ("btg-bl", "M-2", "monthly_revenue", "10", "business_running is false"),
        ],
    )
    def test_refused_values_are_located_by_the_exact_reader(
        self, tmp_path: Path, round_id: str, unit_id: str, code: str, value: Any, match: str
    ) -> None:
        text, line = edited(
            klaster.observations.dumps(plain_store()), round_id, unit_id, code, value
        )
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None  # the fast path refuses
        path = tmp_path / "obs.jsonl"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DocumentError, match=match) as caught:
            klaster.observations.load(path, PROGRAM, WIDE)
        assert f"{path} line {line}" in str(caught.value)

    def test_a_unit_twice_in_a_table(self) -> None:
        lines = klaster.observations.dumps(plain_store()).splitlines()
        row = next(i for i, line in enumerate(lines) if line.startswith('["M-2"'))
        lines[row] = lines[row].replace('["M-2"', '["M-1"', 1)
        text = "\n".join(lines) + "\n"
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        with pytest.raises(DocumentError, match=f"line {row + 1}: .*twice"):
            klaster.observations.loads(text, PROGRAM, WIDE)

    @pytest.mark.parametrize(
        ("damage", "refused"),
        [
            (lambda t: t.replace("\n", "\n\n", 3), True),  # a blank line
            (lambda t: t.replace(",null", ",", 1), True),  # an empty cell
            (lambda t: t.replace('\n["M-1",', '\n[ "M-1",', 1), False),  # JSON, not as written
            (lambda t: t.replace('\n["M-1",', '\n["M-1",1,', 1), True),  # a cell too many
            (lambda t: t.rstrip("\n"), False),  # no newline at the end
        ],
    )
    def test_damaged_text_goes_to_the_exact_reader(self, damage: Any, refused: bool) -> None:
        obs = plain_store()
        text = damage(klaster.observations.dumps(obs))
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        if refused:
            with pytest.raises(DocumentError, match="<string> line"):
                klaster.observations.loads(text, PROGRAM, WIDE)
        else:
            assert klaster.observations.loads(text, PROGRAM, WIDE) == obs

    def test_without_polars_the_exact_reader_reads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = plain_store()
        text = klaster.observations.dumps(obs)
        monkeypatch.setitem(sys.modules, "polars", None)  # import polars raises ImportError
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        assert klaster.observations.loads(text, PROGRAM, WIDE) == obs

    def test_python_values_are_the_columns_values(self) -> None:
        obs = plain_store()
        obs.record("btg-el", "M-3", {"monthly_income": Decimal("12.5"), "shop_note": "x"})
        seen = 0
        for rnd in obs.rounds():
            for level in Level:
                for column in obs.columns(rnd.id, level).values():
                    assert python_values(column) == column.to_list()
                    seen += 1
        assert seen > 10

    @pytest.mark.parametrize("step", [1, 7, 64, 1 << 24])
    def test_lines_found_a_slice_at_a_time(
        self, monkeypatch: pytest.MonkeyPatch, step: int
    ) -> None:
        obs = plain_store()
        text = klaster.observations.dumps(obs)
        monkeypatch.setattr(_sidecar_prefetch.Lines, "STEP", step)  # slices end anywhere in a line
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert fast == obs
        assert klaster.observations.dumps(fast) == text

    @pytest.mark.parametrize("unit", ["B-1", "M-9"])  # another cluster's member; nobody's ID
    def test_a_unit_the_units_lines_do_not_number(self, unit: str) -> None:
        lines = klaster.observations.dumps(plain_store()).splitlines()
        row = max(i for i, line in enumerate(lines) if line.startswith('["M-2"'))  # btg-el
        lines[row] = lines[row].replace('["M-2"', f'["{unit}"', 1)
        text = "\n".join(lines) + "\n"
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        with pytest.raises(DocumentError, match=f"line {row + 1}: .*{unit}"):
            klaster.observations.loads(text, PROGRAM, WIDE)

    def test_the_plugins_check_only_the_units_of_their_sectors(self) -> None:
        # The UMKM plugin refuses revenue without a running business; a livestock unit next to
        # it in the same table is not asked (its sectors are looked up by its index).
        obs = plain_store()
        obs.record("btg-el", "L-1", {"herd_start": 3})
        obs.record("btg-el", "M-2", {"business_running": False})
        obs.record("btg-el", "M-3", {"business_running": True, "monthly_revenue": Decimal(5)})
        text, line = edited(
            klaster.observations.dumps(obs), "btg-el", "M-2", "monthly_revenue", "10"
        )
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE) is None
        with pytest.raises(DocumentError, match=f"line {line}: .*business_running is false"):
            klaster.observations.loads(text, PROGRAM, WIDE)
        ok, _ = edited(text, "btg-el", "M-2", "business_running", True)
        fast = read_fast(ok.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert fast == exact(ok)

    @pytest.mark.parametrize("cell", ["fals", "1.5e3", "01", "[]", '"a\\"b"', "9" * 19])
    def test_cells_left_unread_are_still_json(self, tmp_path: Path, cell: str) -> None:
        # load(only=...) leaves the other columns' cells unread; a row the exact reader cannot
        # parse as JSON must still be refused there, on its line (or read by it when it can).
        lines = klaster.observations.dumps(plain_store()).splitlines()
        row = next(i for i, line in enumerate(lines) if line.startswith('["M-2"'))
        assert ",false," in lines[row]  # business_running, not asked for
        lines[row] = lines[row].replace(",false,", f",{cell},", 1)
        text = "\n".join(lines) + "\n"
        only = frozenset({"monthly_income"})
        assert read_fast(text.encode(), "<fast>", PROGRAM, WIDE, only) is None
        path = tmp_path / "obs.jsonl"
        path.write_text(text, encoding="utf-8")
        try:
            json.loads(lines[row])
        except ValueError:
            with pytest.raises(DocumentError, match=f"{path} line {row + 1}: malformed JSON"):
                klaster.observations.load(path, PROGRAM, WIDE, only=only)
        else:  # JSON the columnar reader does not take: the exact reader reads the file
            part = klaster.observations.load(path, PROGRAM, WIDE, only=only)
            assert part.value("btg-bl", "M-2", "monthly_income") == Decimal("-0")
