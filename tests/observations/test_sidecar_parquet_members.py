"""The Parquet sidecar's member units found among an accepted program's members at once.

A program read from its Parquet form keeps its members as one polars frame; the sidecar's
column-wise reader then finds every member units part in it at once
(:func:`~klaster.observations._sidecar_parquet_units.member_rows`) instead of a dict a
cluster. Shown both ways: the same observations and messages as the per-cluster road, and each
defect (a stranger, a member twice, keys that agree) leaving the part to that road.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from tests.observations.builders import CATALOGUE, PROGRAM, snapshot
from tests.observations.test_sidecar import full_store

import klaster
import klaster.observations
from klaster import DocumentError
from klaster.catalogue.variable import Level
from klaster.model.program import Program
from klaster.model.records import columns_of, field_of
from klaster.observations import _sidecar_parquet, _sidecar_parquet_ahead, _sidecar_parquet_units
from klaster.observations._sidecar_parquet_exact import ExactParquetReader
from klaster.observations._sidecar_sectors import UnitSectors

save, load = klaster.observations.save, klaster.observations.load


@pytest.fixture
def accepted(tmp_path: Path) -> Program:
    """PROGRAM read back from its Parquet form: members kept as one polars frame."""
    klaster.save(PROGRAM, tmp_path / "program.parquet")
    return klaster.load(tmp_path / "program.parquet")


sectors_asked: list[Level] = []


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    found: list[Any] = []
    real = getattr(owner, name)
    sectors_asked.clear()

    def spied(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        found.append(result)
        if name == "_numbered":  # (self, cluster, level, ids)
            sectors_asked.append(args[2])
        return result

    monkeypatch.setattr(owner, name, spied)
    return found


def _rewrite(path: Path, change: Any) -> None:
    frame = pl.read_parquet(path)
    meta = pl.read_parquet_metadata(path)["klaster"]
    change(frame).write_parquet(path, metadata={"klaster": meta})


class TestFoundAtOnce:
    def test_members_found_without_a_lookup_per_cluster(
        self, accepted: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        obs = full_store()  # btg's members numbered L-2, M-2, M-1 (not the cluster's order)
        path = tmp_path / "o.parquet"
        save(obs, path)
        found = _spy(monkeypatch, _sidecar_parquet, "member_rows")
        placed = _spy(monkeypatch, _sidecar_parquet, "placed_ids")
        numbered = _spy(monkeypatch, UnitSectors, "_numbered")
        monkeypatch.setattr(ExactParquetReader, "read_file", None)  # (the exact reader: unused)
        back = load(path, accepted, CATALOGUE)
        assert numbered  # (groups' and cooperatives' sectors: looked up)
        assert not any(level is Level.MEMBER for level in sectors_asked)
        assert found
        assert found[0] is not None
        assert len(placed) == sum(1 for (_, level) in json_units(path) if level != "member")
        assert "member" in {level for (_, level) in json_units(path)}
        assert snapshot(back) == snapshot(obs)
        numbering = back.storage.numbering("btg", Level.MEMBER)
        assert numbering is not None
        assert list(numbering.ids) == ["L-2", "M-2", "M-1"]
        # The program's own strings (a million IDs at scale: no second copy of each).
        own = {unit: unit for unit in field_of(accepted.clusters["btg"].members, "id")}
        assert all(unit is own[unit] for unit in numbering.ids)

    def test_equal_to_the_per_cluster_road(
        self, accepted: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        fast = load(path, accepted, CATALOGUE)
        monkeypatch.setattr(_sidecar_parquet, "member_rows", lambda *_: None)
        assert snapshot(load(path, accepted, CATALOGUE)) == snapshot(fast)
        assert snapshot(fast) == snapshot(load(path, PROGRAM, CATALOGUE))

    def test_a_sector_variable_of_a_unit_outside_the_sector(
        self, accepted: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The members' sectors come from the program's sector column: M-2 (umkm) given a
        # species (livestock) is still refused, located.
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
        units = pl.read_parquet(path)["unit"].to_list()
        first = sum(meta["units"]["rows"])
        at = first + units[first:].index("M-2")
        _rewrite(path, lambda f: f.with_columns(f["species"].scatter(at, "goat")))
        found = _spy(monkeypatch, _sidecar_parquet, "member_rows")
        with pytest.raises(DocumentError, match="sector 'livestock'") as caught:
            load(path, accepted, CATALOGUE)
        assert f"row {at} column 'species'" in str(caught.value)
        assert found[0] is not None


def json_units(path: Path) -> list[tuple[str, str]]:
    meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
    return list(zip(meta["units"]["cluster"], meta["units"]["level"], strict=True))


class TestLeftToTheLongRoad:
    """A defect makes member_rows give None; the per-cluster road words it as before."""

    @pytest.mark.parametrize(
        ("unit", "message"),
        [("B-1", "'B-1' is not a member of cluster 'btg'"), ("M-1", "twice|numbered")],
    )
    def test_a_stranger_or_a_member_twice(
        self,
        unit: str,
        message: str,
        accepted: Program,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        row = 0 if unit == "B-1" else 1  # (btg's member part: L-2, M-2, M-1)
        if unit == "M-1":
            unit = pl.read_parquet(path)["unit"][0]
        _rewrite(path, lambda f: f.with_columns(f["unit"].scatter(row, unit)))
        found = _spy(monkeypatch, _sidecar_parquet, "member_rows")
        with pytest.raises(DocumentError, match=message) as caught:
            load(path, accepted, CATALOGUE)
        assert str(caught.value).startswith(f"{path} row {row} column 'unit'")
        assert found == [None]

    def test_a_member_of_another_cluster_with_the_same_id_is_no_match(self) -> None:
        ids = pl.Series(["A", "B", "A"])  # cluster 0: A, B; cluster 1: A
        counts = np.array([2, 1])
        # The file's parts: cluster 1's (A), then cluster 0's (A, B).
        found = _sidecar_parquet_units._found(
            pl, np, ids, counts, pl.Series(["A", "A", "B"]), np.array([1, 0]), np.array([1, 2])
        )
        assert found is not None
        local, places = found
        assert places.tolist() == [2, 0, 1]
        assert local.tolist() == [0, 0, 1]  # (each one's place among its cluster's members)
        missing = _sidecar_parquet_units._found(
            pl, np, ids, counts, pl.Series(["B"]), np.array([1]), np.array([1])
        )
        assert missing is None

    def test_keys_that_agree_are_checked_by_the_ids(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Every ID hashed alike: the search finds the cluster's first member for each, and
        # the exact check of the IDs refuses the ones it is not.
        monkeypatch.setattr(pl.Series, "hash", lambda s, *_: pl.Series(np.zeros(len(s), "u8")))
        ids, counts, one = pl.Series(["A", "B"]), np.array([2]), np.array([1])
        find = _sidecar_parquet_units._found
        found = find(pl, np, ids, counts, pl.Series(["A"]), np.array([0]), one)
        assert found is not None
        assert found[1].tolist() == [0]
        assert find(pl, np, ids, counts, pl.Series(["B"]), np.array([0]), one) is None

    def test_a_program_built_record_by_record(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        assert columns_of(PROGRAM.clusters["btg"].members) is None
        meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
        keys = [
            (c, Level(lv))
            for c, lv in zip(meta["units"]["cluster"], meta["units"]["level"], strict=True)
        ]
        unit = pl.read_parquet(path)["unit"].head(sum(meta["units"]["rows"]))
        rows = _sidecar_parquet_units.member_rows(
            pl, np, PROGRAM, unit, keys, meta["units"]["rows"]
        )
        assert rows is None


class TestOneChunk:
    def test_the_ids_of_a_file_of_many_row_groups_are_read_into_one_chunk(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # (the IDs are gathered by index: from many chunks that costs ten times more)
        path = tmp_path / "o.parquet"
        obs = full_store()
        save(obs, path)
        frame = pl.read_parquet(path)
        meta = pl.read_parquet_metadata(path)["klaster"]
        frame.write_parquet(path, metadata={"klaster": meta}, row_group_size=2)
        assert pl.read_parquet(path)["unit"].n_chunks() > 1
        chunks: list[int] = []
        real = _sidecar_parquet_ahead._numbers

        def spied(pl: Any, np: Any, frame: Any, *args: Any) -> Any:
            chunks.append(frame["unit"].n_chunks())
            return real(pl, np, frame, *args)

        monkeypatch.setattr(_sidecar_parquet_ahead, "_numbers", spied)
        assert snapshot(load(path, PROGRAM, CATALOGUE)) == snapshot(obs)
        assert chunks
        assert set(chunks) == {1}


class TestPlacesKept:
    """Where each member unit is among its cluster's members, kept for the report's reading."""

    def test_kept_while_the_members_are_the_ones_read(
        self, accepted: Program, tmp_path: Path
    ) -> None:
        from klaster.measurement import Measurement
        from klaster.model.member import Member, Sex

        obs = full_store()  # (btg's members numbered L-2, M-2, M-1: not the cluster's order)
        save(obs, tmp_path / "o.parquet")
        back = load(tmp_path / "o.parquet", accepted, CATALOGUE)
        cluster = accepted.clusters["btg"]
        numbering = back.storage.numbering("btg", Level.MEMBER)
        assert numbering is not None
        held = field_of(cluster.members, "id")
        places = numbering.places_in(columns_of(cluster.members))
        assert places is not None
        assert [held[p] for p in places] == list(numbering.ids) != list(held)
        assert numbering.places_in(None) is None
        assert numbering.places_in(dict(columns_of(cluster.members) or {})) is None
        codes = ["members", "income_per_capita", "household_members"]
        fast = Measurement(accepted, back, backend="polars").report(codes, by=[(), ("sector",)])
        assert fast == Measurement(accepted, back).report(codes, by=[(), ("sector",)])
        # A member added: the columns go, and with them the places (the report looks units up).
        first = next(iter(cluster.members))
        cluster.add_member(
            Member("btg-new", "Nur", Sex.FEMALE, 3, first.village, first.sector, first.joined)
        )
        assert numbering.places_in(columns_of(cluster.members)) is None
        fast = Measurement(accepted, back, backend="polars").report(codes, by=[(), ("sector",)])
        assert fast == Measurement(accepted, back).report(codes, by=[(), ("sector",)])

    def test_a_unit_numbered_later_lets_them_go(self, accepted: Program, tmp_path: Path) -> None:
        save(full_store(), tmp_path / "o.parquet")
        back = load(tmp_path / "o.parquet", accepted, CATALOGUE)
        cluster = accepted.clusters["btg"]
        numbering = back.storage.numbering("btg", Level.MEMBER)
        assert numbering is not None
        columns = columns_of(cluster.members)
        assert numbering.places_in(columns) is not None
        with pytest.raises(ValueError, match="a place per unit"):
            numbering.keep_places(columns, [0])
        missing = next(u for u in field_of(cluster.members, "id") if u not in numbering.ids)
        numbering.number(missing)
        assert numbering.places_in(columns) is None
