"""The Parquet program document's load in steps, on both cores (issue 18).

The rows are read and ordered first (``Ordered``); the members are judged while the spells'
and cooperatives' entries are taken; the members' IDs are read and their business types judged
(``accepted_road.ahead``, on the loader's thread) while polars still takes the entries; the IDs
are read once (the cooperatives' lists and the members' ``id`` column are that one list); each
owner's entries are numbered by joining the owners to the first entry of each run. Each step
gives what the whole load gave, and a refused file is still worded by the column road.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.documents.test_program_parquet import rewrite
from tests.documents.test_program_parquet_accepted import filled, path, program

import klaster
import klaster.documents._program_parquet as parquet_form
import klaster.documents._program_parquet_entries as taken
import klaster.documents._program_parquet_fast as accepted_road
import klaster.documents._program_parquet_read as frames_read
from klaster import KlasterError, Program
from klaster.model import bulk
from klaster.model.records import columns_of

__all__ = ["filled", "path", "program"]  # (the fixtures, shared with the accepted road's tests)

pl = pytest.importorskip("polars")


def _ordered(path: Path) -> Any:
    document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
    return frames_read.Ordered.of(pl, pl.read_parquet(path), document["program"], "f")


def by_road(path: Path) -> Program:
    """The program the column road reads from ``path`` (the accepted road switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accepted_road, "read", lambda *_: None)
        return klaster.load(path)


class TestSteps:
    def test_members_judged_once_in_the_pool(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: list[tuple[Any, Any]] = []
        judge_members = bulk.judge_members

        def spy(pl_: Any, members: Any) -> Any:
            seen.append((threading.current_thread(), members))
            return judge_members(pl_, members)

        monkeypatch.setattr(bulk, "judge_members", spy)
        monkeypatch.setattr(parquet_form, "judge_members", spy)
        assert klaster.load(path) == program
        assert len(seen) == 1  # (ahead of the entries: not judged again with the spells)
        thread, members = seen[0]
        assert thread is not threading.main_thread()
        assert "__c" in members.columns  # (the ordered rows)

    def test_business_types_judged_ahead_on_the_loaders_thread(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        threads: list[Any] = []
        given_types: list[Any] = []
        types_fine, accepted = bulk.business_types_fine, bulk.accepted

        def spy_types(*args: Any) -> bool:
            threads.append(threading.current_thread())
            return types_fine(*args)

        def spy_accepted(*args: Any, **kwargs: Any) -> bool:
            given_types.append(kwargs.get("types"))
            return accepted(*args, **kwargs)

        monkeypatch.setattr(bulk, "business_types_fine", spy_types)
        monkeypatch.setattr(bulk, "accepted", spy_accepted)
        assert klaster.load(path) == program
        assert threads == [threading.main_thread()]  # (once, ahead: not again in the verdict)
        assert given_types == [True]

    def test_an_undeclared_business_type_refused_ahead(self, path: Path, filled: list[str]) -> None:
        def spaceships(frame: Any) -> Any:
            first = pl.int_range(pl.len()) == 0
            value = pl.when(first).then(pl.lit("spaceships")).otherwise(pl.col("business_type"))
            return frame.with_columns(value.alias("business_type"))

        rewrite(path, spaceships)
        ordered = _ordered(path)
        early = accepted_road.ahead(pl, ordered, bulk.judge_members(pl, ordered.members))
        assert early is not None
        assert early.types is False
        with pytest.raises(KlasterError, match="business_type") as exc:
            klaster.load(path)
        assert filled == []  # (the column road words it)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(accepted_road, "read", lambda *_: None)
            with pytest.raises(KlasterError) as again:
                klaster.load(path)
        assert str(exc.value) == str(again.value)

    def test_ahead_never_raises(self, path: Path) -> None:
        ordered = _ordered(path)
        early = accepted_road.ahead(pl, ordered, bulk.judge_members(pl, ordered.members))
        assert early is not None
        assert early.types is True
        assert accepted_road.ahead(pl, ordered).types is None  # type: ignore[union-attr]

        class Broken:
            members = None

        assert accepted_road.ahead(pl, Broken()) is None  # type: ignore[arg-type]

    def test_a_verdict_of_types_refuses_the_file(self, path: Path) -> None:
        frames = frames_read.Frames.of_ordered(pl, _ordered(path))
        document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
        ids = frames.members["id"].to_list()
        refused = accepted_road.Ahead(ids, False)
        assert accepted_road.read(pl, frames, document, early=refused) is None
        assert accepted_road.read(pl, frames, document, early=accepted_road.Ahead(ids, True))


def _every_member_listed(path: Path) -> None:
    """Each member listed once, in its cluster's first cooperative, in the rows' order."""
    document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
    first = {c["id"]: f"{c['id']}-k" for c in document["program"]["clusters"]}
    dtype = pl.read_parquet_schema(path)["cooperatives"]

    def one_each(document: dict[str, Any]) -> dict[str, Any]:
        for cluster in document["program"]["clusters"]:
            sector = cluster["sectors"][0]["sector"]
            cooperative = {"id": first[cluster["id"]], "name": "Koperasi", "sectors": [sector]}
            cluster["cooperatives"] = [cooperative, *cluster.get("cooperatives", ())]
        return document

    def listed(frame: Any) -> Any:
        entry = pl.struct(
            pl.col("cluster").replace_strict(first).alias("cooperative"),
            pl.int_range(pl.len()).over("cluster").cast(pl.Int64).alias("position"),
        )
        return frame.with_columns(pl.concat_list(entry).cast(dtype).alias("cooperatives"))

    rewrite(path, listed, one_each)


class TestIdsReadOnce:
    def test_id_columns_hold_the_list_read_ahead(
        self, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        given_ids: list[Any] = []
        member_columns = bulk.member_columns

        def spy(pl_: Any, frame: Any, starts: Any, ids: Any = None) -> Any:
            given_ids.append(ids)
            return member_columns(pl_, frame, starts, ids)

        monkeypatch.setattr(bulk, "member_columns", spy)
        loaded = klaster.load(path)
        (ids,) = given_ids
        at = 0
        for cluster in loaded.clusters:
            column = columns_of(cluster.members)["id"]  # type: ignore[index]
            assert all(a is b for a, b in zip(column, ids[at:], strict=False))  # (not read again)
            at += len(column)
        assert at == len(ids) > 0
        assert loaded == by_road(path)

    def test_member_ids_cut_from_the_ids_given(self, path: Path) -> None:
        _every_member_listed(path)
        frames = frames_read.Frames.of_ordered(pl, _ordered(path))
        ids = frames.members["id"].to_list()
        cut = frames.member_ids(ids)
        assert cut == frames.member_ids()  # (as read from the cooperatives' entries)
        flat = [member_id for found in cut if found for member_id in found]
        assert len(flat) == len(ids)
        assert all(a is b for a, b in zip(flat, ids, strict=True))  # (the same text objects)

    def test_listed_otherwise_read_from_the_entries(self, path: Path) -> None:
        frames = frames_read.Frames.of_ordered(pl, _ordered(path))  # (some members listed)
        ids = frames.members["id"].to_list()
        cut = frames.member_ids(ids)
        assert cut == frames.member_ids()
        flat = [member_id for found in cut if found for member_id in found]
        assert 0 < len(flat) < len(ids)


class TestNumberedRuns:
    def test_owners_joined_to_the_runs(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        heights: list[tuple[int, int]] = []
        joined = taken._joined

        def spy(pl_: Any, entries: Any, owners: Any, key: str) -> Any:
            heights.append((entries.height, len(owners)))
            return joined(pl_, entries, owners, key)

        monkeypatch.setattr(taken, "_joined", spy)
        frames = frames_read.Frames.of_ordered(pl, _ordered(path))
        runs = frames.spells.select("__o").unique().height
        assert runs in [height for height, _ in heights]  # (the spells' runs: one a group)
        assert all(h < frames.spells.height for h, _ in heights)  # (never each entry)

    @settings(max_examples=80, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, 2), st.sampled_from("ghkx")), max_size=30),
        st.lists(st.tuples(st.integers(0, 2), st.sampled_from("ghk")), unique=True, max_size=6),
        st.booleans(),
    )
    def test_as_joining_each_entry(
        self, rows: list[tuple[int, str]], owners: list[tuple[int, str]], ordered: bool
    ) -> None:
        rows = sorted(rows) if ordered else rows
        entries = pl.DataFrame(
            {"__c": [c for c, _ in rows], "group": [g for _, g in rows]},
            schema={"__c": pl.UInt32, "group": pl.String},
        )
        expected = taken._joined(pl, entries, owners, "group")  # (the long way: every entry)
        assert taken.numbered(pl, entries, owners, "group").equals(expected)
