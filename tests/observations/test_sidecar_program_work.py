"""The sidecar readers' work against the program, made leaner (issue 18): each shortcut shown
taken, and giving what the long way gives.

A table's list of columns judged once per distinct list; the Parquet sidecar's members found by
packed keys sorted a cluster at a time; the units' sectors numbered in one byte; and the
plugins' checks across values handed each row's sectors only, the rows' tables, units and values
worked out when a plugin reads a column or finds a problem.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM, make_program, snapshot
from tests.observations.test_sector_checks import unchecked
from tests.observations.test_sidecar import full_store
from tests.observations.test_sidecar_bulk import WIDE
from tests.observations.test_sidecar_speed import counting, exact_only, mixed_text

import klaster.observations
from klaster import DocumentError
from klaster.catalogue.variable import Level
from klaster.model.records import field_of
from klaster.observations import _sidecar_parquet_units, _sidecar_sectors
from klaster.observations._hook_columns import RowIds, RowSectors
from klaster.observations._numbering import HeldIds
from klaster.observations._sidecar_bulk import read_fast
from klaster.observations._sidecar_parquet_exact import ExactParquetReader
from klaster.observations._sidecar_reader import Reader
from klaster.observations._sidecar_sectors import UnitSectors
from klaster.observations.core_variables import variable_catalogue
from klaster.plugins import _column_checks

save, load = klaster.observations.save, klaster.observations.load


class _Counted(set[str]):
    """A set that counts the look-ups made in it."""

    looked = 0

    def __contains__(self, item: object) -> bool:
        self.looked += 1
        return super().__contains__(item)


def _reader() -> Reader:
    reader = Reader("<t>", PROGRAM, CATALOGUE)
    reader.header(
        {
            "klaster": "observations",
            "schema_version": 1,
            "program": PROGRAM.id,
            "variables": {
                "monthly_income": {"type": "decimal", "level": "member"},
                "household_size": {"type": "integer", "level": "member"},
            },
            "rounds": [
                {"id": "bl", "cluster_id": "btg", "kind": "baseline", "on": "2011-02-01"},
                {"id": "el", "cluster_id": "btg", "kind": "endline", "on": "2013-11-01"},
            ],
        }
    )
    return reader


def _table(round_id: str, columns: Any, rows: Any = 1) -> dict[str, Any]:
    return {"round": round_id, "level": "member", "columns": columns, "rows": rows}


class TestColumnsJudgedOnce:
    def test_a_list_of_columns_seen_again_is_not_judged_again(self) -> None:
        reader = _reader()
        reader.declared = declared = _Counted(reader.declared)
        first = reader.open_table(_table("bl", ["monthly_income", "household_size"]))
        looked = declared.looked
        assert looked
        second = reader.open_table(_table("el", ["monthly_income", "household_size"]))
        assert declared.looked == looked  # the verdict taken, not the checks made again
        assert first[1:] == second[1:]
        assert second[0] == "el"

    def _cached(self) -> tuple[Reader, _Counted]:
        """A reader that judged ``monthly_income`` once (round ``bl``), its look-ups counted."""
        reader = _reader()
        reader.declared = declared = _Counted(reader.declared)
        reader.open_table(_table("bl", ["monthly_income"]))
        declared.looked = 0
        return reader, declared

    def test_the_lists_given_back_are_fresh(self) -> None:
        reader, declared = self._cached()
        _, _, _, _, kept, types = reader.open_table(_table("el", ["monthly_income"]))
        assert declared.looked == 0  # (the verdict taken)
        kept.append("x")
        types.clear()
        reader.tables_seen.clear()
        _, _, _, _, again, types_again = reader.open_table(_table("el", ["monthly_income"]))
        assert again == ["monthly_income"]
        assert len(types_again) == 1

    def test_each_table_still_checked_on_its_own(self) -> None:
        reader, declared = self._cached()
        with pytest.raises(DocumentError, match="a second table for round 'bl'"):
            reader.open_table(_table("bl", ["monthly_income"]))
        with pytest.raises(DocumentError, match="'rows' must be a whole number"):
            reader.open_table(_table("el", ["monthly_income"], rows=-1))
        assert declared.looked == 0  # (its columns' verdict taken: the rows still checked)

    @pytest.mark.parametrize(
        ("columns", "message"),
        [
            (["monthly_income", "monthly_income"], "each once"),
            (["workers"], "declared in the header"),
            ([["monthly_income"]], "declared in the header"),  # (unhashable: not cached)
            ("monthly_income", "declared in the header"),
        ],
    )
    def test_a_bad_list_after_a_good_one_is_refused(self, columns: Any, message: str) -> None:
        reader, declared = self._cached()
        reader.tables_seen.clear()
        reader.open_table(_table("bl", ["monthly_income"]))
        assert declared.looked == 0
        with pytest.raises(DocumentError, match=message):
            reader.open_table(_table("el", columns))

    def test_only_is_part_of_the_verdict(self) -> None:
        reader, declared = self._cached()
        reader.only = frozenset({"household_size"})
        codes = ["monthly_income", "household_size"]
        types = reader.open_table(_table("el", codes))[5]
        assert types[0] is None
        assert types[1] is not None
        reader.tables_seen.clear()
        looked = declared.looked
        assert reader.open_table(_table("el", codes))[5] == types
        assert declared.looked == looked  # (judged once for this only)


def _reference(
    ids: list[str], counts: list[int], parts: list[tuple[int, list[str]]]
) -> list[int] | None:
    """Each listed unit's place among all members (a dict a cluster), or None."""
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).tolist()
    found = []
    for cluster, listed in parts:
        own = ids[starts[cluster] : starts[cluster] + counts[cluster]]
        where = {unit: starts[cluster] + at for at, unit in enumerate(own)}
        if len(set(listed)) != len(listed) or any(unit not in where for unit in listed):
            return None
        found += [where[unit] for unit in listed]
    return found


@st.composite
def _programs(draw: st.DrawFn) -> tuple[list[str], list[int], list[tuple[int, list[str]]]]:
    counts = draw(st.lists(st.integers(0, 6), min_size=1, max_size=5))
    # IDs repeat across clusters (a member of another cluster with the same ID is no match).
    ids = [f"M-{draw(st.integers(0, 3))}-{at}" for count in counts for at in range(count)]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).tolist()
    clusters = draw(st.permutations(range(len(counts))))
    parts = []
    for cluster in clusters[: draw(st.integers(1, len(counts)))]:
        own = ids[starts[cluster] : starts[cluster] + counts[cluster]]
        listed = draw(st.permutations(own))[: draw(st.integers(0, len(own)))]
        if draw(st.booleans()) and draw(st.booleans()):  # now and then: a stranger or a twin
            listed = [*listed, draw(st.sampled_from([*listed, "X-1"] if listed else ["X-1"]))]
        parts.append((cluster, listed))
    return ids, counts, parts


class TestMembersFound:
    @settings(max_examples=300, deadline=None)
    @given(program=_programs(), runs=st.booleans())
    def test_found_as_a_dict_a_cluster_finds_them(
        self, program: tuple[list[str], list[int], list[tuple[int, list[str]]]], runs: bool
    ) -> None:
        ids, counts, parts = program
        if runs:  # parts in cluster order: sorted a run at a time
            parts = sorted(parts)
        listed = [unit for _, part in parts for unit in part]
        with pytest.MonkeyPatch.context() as patch:
            # Runs of any length sorted and searched a run at a time (else the whole at once).
            patch.setattr(_sidecar_parquet_units, "_RUN", 1 if runs else 10**9)
            found = _sidecar_parquet_units._found(
                pl,
                np,
                pl.Series(ids, dtype=pl.String),
                np.array(counts, dtype=np.int64),
                pl.Series(listed, dtype=pl.String),
                np.array([cluster for cluster, _ in parts], dtype=np.int64),
                np.array([len(part) for _, part in parts], dtype=np.int64),
            )
        expected = _reference(ids, counts, parts)
        if expected is None or not listed:
            assert found is None
            return
        assert found is not None
        local, places = found
        assert places.tolist() == expected
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        cluster_of = np.repeat([c for c, _ in parts], [len(p) for _, p in parts])
        assert local.tolist() == (places - starts[cluster_of]).tolist()

    def _find(self, parts: list[tuple[int, list[str]]], monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.setattr(_sidecar_parquet_units, "_RUN", 1)  # (runs of one: still by run)
        ids = ["A-0", "A-1", "A-2", "B-0", "B-1"]
        listed = [unit for _, part in parts for unit in part]
        return _sidecar_parquet_units._found(
            pl,
            np,
            pl.Series(ids),
            np.array([3, 2]),
            pl.Series(listed),
            np.array([c for c, _ in parts]),
            np.array([len(p) for _, p in parts]),
        )

    def test_parts_in_cluster_order_are_sorted_a_run_at_a_time(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        by_run = counting(monkeypatch, _sidecar_parquet_units, "_sorted_runs")
        searched = counting(monkeypatch, _sidecar_parquet_units, "_searched_runs")
        found = self._find([(0, ["A-2", "A-0"]), (1, ["B-1", "B-0"])], monkeypatch)
        assert found is not None
        assert found[1].tolist() == [2, 0, 4, 3]
        assert len(by_run) == 2  # the members' keys and the file's
        assert len(searched) == 1
        missing = self._find([(0, ["A-2", "A-0"]), (1, ["B-1", "A-1"])], monkeypatch)
        assert missing is None  # (A-1 sought in cluster 1's run only)

    def test_parts_out_of_cluster_order_are_sorted_whole(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        by_run = counting(monkeypatch, _sidecar_parquet_units, "_sorted_runs")
        searched = counting(monkeypatch, _sidecar_parquet_units, "_searched_runs")
        found = self._find([(1, ["B-1"]), (0, ["A-1", "A-2"])], monkeypatch)
        assert found is not None
        assert found[1].tolist() == [4, 1, 2]
        assert len(by_run) == 1  # the members' keys only
        assert not searched

    @pytest.mark.parametrize("distinct", [3, 20])
    def test_sectors_numbered_in_order_first_met(self, distinct: int) -> None:
        names = [f"s{at % distinct}" for at in range(3 * distinct)][::-1]
        found, numbered = _sidecar_parquet_units._numbered(pl, np, pl.Series(names))
        assert found == list(dict.fromkeys(names))
        assert [found[kind] for kind in numbered.tolist()] == names

    def test_a_file_read_column_wise_numbers_as_the_exact_reader(
        self, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        klaster.save(PROGRAM, tmp_path / "program.parquet")
        accepted = klaster.load(tmp_path / "program.parquet")  # (members as one frame)
        obs = full_store()  # btg's members numbered L-2, M-2, M-1 (not the cluster's order)
        save(obs, tmp_path / "o.parquet")
        numbered = counting(monkeypatch, _sidecar_parquet_units, "_numbered")
        back = load(tmp_path / "o.parquet", accepted, CATALOGUE)
        assert numbered  # (the members found by their keys)
        exact = ExactParquetReader(str(tmp_path / "o.parquet"), accepted, CATALOGUE)
        assert snapshot(back) == snapshot(exact.read_file((tmp_path / "o.parquet").read_bytes()))
        assert snapshot(back) == snapshot(obs)

    def test_a_parts_ids_are_the_programs_own_strings(self, tmp_path: Any) -> None:
        klaster.save(PROGRAM, tmp_path / "program.parquet")
        accepted = klaster.load(tmp_path / "program.parquet")  # (members as one frame)
        obs = full_store()  # btg's members numbered L-2, M-2, M-1 (not the cluster's order)
        save(obs, tmp_path / "o.parquet")
        frame = pl.read_parquet(tmp_path / "o.parquet")
        meta = pl.read_parquet_metadata(tmp_path / "o.parquet")["klaster"]
        units = json.loads(meta)["units"]
        keys = [(c, Level(lv)) for c, lv in zip(units["cluster"], units["level"], strict=True)]
        total = sum(units["rows"])
        members = _sidecar_parquet_units.member_rows(
            pl, np, accepted, frame["unit"].head(total), keys, units["rows"]
        )
        assert members is not None
        part = keys.index(("btg", Level.MEMBER))
        own = field_of(accepted.clusters["btg"].members, "id")
        ids = members.own_ids(part, own)
        assert type(ids) is HeldIds
        assert ids == ["L-2", "M-2", "M-1"]
        held = {unit: unit for unit in own}
        assert all(unit is held[unit] for unit in ids)  # (the very strings: no copy)
        assert members.place_array(part).tolist() == members.places(part)
        assert [own[at] for at in members.places(part)] == ids


class TestSectorsInOneByte:
    def test_numbers_are_one_byte_until_the_level_has_too_many(self) -> None:
        sectors = UnitSectors()
        assert sectors.numbers(Level.MEMBER, ["umkm", "farming"]).dtype == np.int8
        many = [f"s{at}" for at in range(200)]
        found = sectors.numbers(Level.MEMBER, many)
        assert found.dtype == np.int64
        assert [sectors.of_level(Level.MEMBER)[n] for n in found.tolist()] == [
            (name,) for name in many
        ]

    def test_the_readers_sectors_are_the_exact_readers(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        laid: list[Any] = []
        real = UnitSectors.laid

        def spied(self: UnitSectors, placed: Any, tables: Any) -> Any:
            laid.append(real(self, placed, tables))
            return laid[-1]

        monkeypatch.setattr(UnitSectors, "laid", spied)
        text = mixed_text()
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert snapshot(fast) == snapshot(exact_only(text, frozenset(WIDE)))
        assert laid
        assert {found.dtype for found in laid} == {np.dtype(np.int8)}  # (a byte a unit)


class _Sectors(RowSectors):
    """RowSectors counting how often its rows are listed."""

    listed = 0

    def counted_rows_of_each(self) -> Any:
        found = super().counted_rows_of_each()

        def counting(make: Any) -> Any:
            def made() -> Any:
                type(self).listed += 1
                return make()

            return made

        return {codes: (count, counting(make)) for codes, (count, make) in found.items()}


class TestRowsListedOnNeed:
    @settings(max_examples=100, deadline=None)
    @given(kinds=st.lists(st.integers(0, 19), max_size=60), few=st.booleans())
    def test_counted_as_listed(self, kinds: list[int], few: bool) -> None:
        distinct = [(f"s{at}",) for at in range(4 if few else 20)]
        kinds = [kind % len(distinct) for kind in kinds]
        rows = RowSectors(np, np.array(kinds, dtype=np.int8), distinct)
        counted = rows.counted_rows_of_each()
        grouped = _column_checks._rows_of_each([distinct[kind] for kind in kinds])
        assert list(counted) == list(grouped)  # (the order of first rows)
        assert {codes: found[0] for codes, found in counted.items()} == {
            codes: len(found) for codes, found in grouped.items()
        }
        assert {codes: found[1]().tolist() for codes, found in counted.items()} == grouped

    def _check(self, values: dict[str, list[Any]]) -> tuple[tuple[str, ...], int]:
        from klaster.testing.plugins import isolated_host
        from klaster_sectors import livestock, umkm

        host = isolated_host(livestock, umkm, strict=False)
        distinct = [("umkm",), ("livestock",)]
        sectors = _Sectors(np, np.array([0, 1, 0, 1], dtype=np.int8), distinct)
        _Sectors.listed = 0
        made: list[int] = []

        def make() -> list[tuple[list[str], Any]]:
            made.append(1)
            return [(["M-1", "L-1", "M-2", "L-2"], np.arange(4))]

        ids = RowIds(make, 4)
        found = host.validate_recorded_columns(Level.MEMBER, values, sectors, ids, str)
        return found, _Sectors.listed + len(made)

    def test_no_row_listed_when_nothing_is_read_or_found(self) -> None:
        found, listed = self._check({"monthly_income": [Decimal(1)] * 4})
        assert found == ()
        assert listed == 0

    def test_rows_listed_for_a_column_read_and_a_problem_found(self) -> None:
        values: dict[str, list[Any]] = {
            "business_running": [False, None, True, None],
            "monthly_revenue": [Decimal(10), None, Decimal(5), None],
        }
        found, listed = self._check(values)
        problem = "monthly_revenue is recorded although business_running is false"
        assert found == (f"0: {problem} (plugin 'klaster_sectors.umkm')",)
        assert listed


class TestRowIdsLater:
    def test_made_on_first_need(self) -> None:
        made: list[int] = []

        def make() -> list[tuple[list[str], Any]]:
            made.append(1)
            return [(["A", "B", "C"], np.array([2, 0]))]

        ids = RowIds(make, 2)
        assert len(ids) == 2
        assert not made
        assert list(ids) == ["C", "A"]
        assert ids.ends == [2]
        assert made == [1]

    def test_rows_given_later_need_their_count(self) -> None:
        with pytest.raises(ValueError, match="count"):
            RowIds(list)


class TestSectorWorkOnNeed:
    def test_tables_not_worked_out_when_no_plugin_reads_or_finds(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        worked = counting(monkeypatch, _sidecar_sectors._Rows, "tables")
        text = mixed_text()
        only = frozenset({"monthly_income"})
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE, only=only)
        assert fast is not None
        assert not worked
        assert snapshot(fast) == snapshot(exact_only(text, only))

    def test_worked_out_when_a_plugin_reads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        worked = counting(monkeypatch, _sidecar_sectors._Rows, "tables")
        text = mixed_text()
        fast = read_fast(text.encode(), "<fast>", PROGRAM, WIDE)
        assert fast is not None
        assert worked
        assert snapshot(fast) == snapshot(exact_only(text, frozenset(WIDE)))

    def test_worked_out_to_locate_a_problem(self, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = unchecked()  # (recorded past the plugins: UMKM revenue of a closed business)
        obs.record("btg-base", "M-3", {"business_running": False, "monthly_revenue": Decimal(5)})
        text = klaster.observations.dumps(obs)
        worked = counting(monkeypatch, _sidecar_sectors._Rows, "tables")
        assert read_fast(text.encode(), "<fast>", make_program(), variable_catalogue()) is None
        assert worked  # (the problem's unit and round named)
        with pytest.raises(DocumentError, match="business_running is false") as caught:
            klaster.observations.loads(text, make_program(), variable_catalogue())
        assert "rounds[btg-base].members[M-3]" in str(caught.value)
