"""The Parquet program document's accepted road, its work cut and read ahead (issue 18).

The clusters' objects are read from the metadata while polars reads, checks and judges the rows
(:func:`klaster.documents._program_parquet_fast.prepare`); the list columns' entries are taken
without an explode when each member has one, numbered by a one-key join when the owners' IDs
are unique in the program, and not sorted when the file lists them in order already. Each such
shortcut gives what the long way gives, and the long way is still taken where it does not apply.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.documents.test_program_parquet import rewrite
from tests.documents.test_program_parquet_accepted import filled, path, program, road_refusal

import klaster
import klaster.documents._program_parquet as parquet_form
import klaster.documents._program_parquet_entries as taken
import klaster.documents._program_parquet_fast as accepted_road
import klaster.documents._program_parquet_read as frames_read
from klaster import KlasterError, Program
from klaster.documents._column_read import structure_parts
from klaster.model._frame_columns import all_distinct

__all__ = ["filled", "path", "program"]  # (the fixtures, shared with the accepted road's tests)

pl = pytest.importorskip("polars")

D = dt.date


def without_boards(document: dict[str, Any]) -> dict[str, Any]:
    for cluster in document["program"]["clusters"]:
        for cooperative in cluster.get("cooperatives", ()):
            cooperative.pop("board", None)
    return document


def by_road(path: Path) -> Program:
    """The program the column road reads from ``path`` (the accepted road switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accepted_road, "read", lambda *_: None)
        return klaster.load(path)


class TestReadAhead:
    def test_clusters_read_while_the_rows_are(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: dict[str, Any] = {}
        prepare, judge, read = accepted_road.prepare, accepted_road.judge, accepted_road.read

        def spy_prepare(raw: Any) -> Any:
            seen["prepare"] = threading.current_thread()
            return prepare(raw)

        def spy_judge(*args: Any) -> Any:
            seen["judge"] = threading.current_thread()
            return judge(*args)

        def spy_read(*args: Any) -> Any:
            seen["given"] = args[3:]
            return read(*args)

        monkeypatch.setattr(accepted_road, "prepare", spy_prepare)
        monkeypatch.setattr(accepted_road, "judge", spy_judge)
        monkeypatch.setattr(accepted_road, "read", spy_read)
        assert klaster.load(path) == program
        assert seen["prepare"] is threading.main_thread()
        assert seen["judge"] is not threading.main_thread()  # (polars' time, in the pool)
        prepared, judged, early = seen["given"]
        assert prepared is not None
        assert judged is not None
        assert early is not None

    def test_prepared_ahead_not_read_again(
        self, path: Path, filled: list[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rewrite(path, metadata=without_boards)
        calls: list[int] = []
        parts = structure_parts

        def counted(shell: Any) -> Any:
            calls.append(1)
            return parts(shell)

        monkeypatch.setattr(accepted_road, "structure_parts", counted)
        loaded = klaster.load(path)
        assert len(filled) == 4
        assert len(calls) == 4  # (once a cluster: ahead, not again once the rows are in)
        assert loaded == by_road(path)

    def test_a_cooperative_with_a_board_read_with_its_members(self, path: Path) -> None:
        document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
        prepared = accepted_road.prepare(document["program"])
        assert prepared is not None
        ids = [c["id"] for c in document["program"]["clusters"]]
        # bantaeng's and blora's cooperatives have a board: read once the rows are in
        assert [ids[i] for i, part in enumerate(prepared.parts) if part is None] == [
            "bantaeng",
            "blora",
        ]
        assert [ids[i] for i, part in enumerate(prepared.parts) if part is not None] == [
            "lebak",
            "tuban",
        ]

    def test_not_ours_prepared_as_none(self, path: Path, filled: list[str]) -> None:
        def override(document: dict[str, Any]) -> dict[str, Any]:
            document["program"]["clusters"][2]["groups"][0]["capacity"] = 30
            return document

        rewrite(path, metadata=override)
        document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
        assert accepted_road.prepare(document["program"]) is None
        assert accepted_road.prepare({"clusters": "nonsense"}) is None
        loaded = klaster.load(path)
        assert filled == []  # (the column road)
        assert loaded.clusters["lebak"].groups["LBK-K01"].capacity == 30

    def test_a_refused_cluster_object_still_worded_by_the_road(self, path: Path) -> None:
        def blank_name(document: dict[str, Any]) -> dict[str, Any]:
            document["program"]["clusters"][2]["name"] = "   "  # (the Cluster refuses it)
            return document

        rewrite(path, metadata=blank_name)
        with pytest.raises(KlasterError) as exc:
            klaster.load(path)
        assert str(exc.value) == road_refusal(path)


def _frames(path: Path) -> Any:
    document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
    return frames_read.Frames.of(pl, pl.read_parquet(path), document["program"], "f")


class TestEntries:
    def test_one_entry_a_member_not_exploded(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Every fieldwork member holds one spell: its memberships need no explode.
        explode = pl.DataFrame.explode

        def refuse(frame: Any, columns: Any, *args: Any, **kwargs: Any) -> Any:
            assert columns != "memberships"
            return explode(frame, columns, *args, **kwargs)

        monkeypatch.setattr(pl.DataFrame, "explode", refuse)
        assert klaster.load(path) == program

    @pytest.mark.parametrize(
        "lists",
        [
            [[{"a": 1}], [{"a": 2}], [{"a": 3}]],
            [[{"a": 1}], [None], [{"a": 3}]],
            [[{"a": 1}], [], [{"a": 3}, {"a": 4}]],
            [[{"a": 1}], None, [{"a": 3}]],
        ],
    )
    def test_same_entries_as_exploded(self, lists: list[Any]) -> None:
        frame = pl.DataFrame(
            {"__row": [0, 1, 2], "__c": [0, 0, 1], "id": ["x", "y", "z"], "sector": ["s"] * 3},
            schema_overrides={"__row": pl.UInt32, "__c": pl.UInt32},
        ).with_columns(pl.Series("l", lists, dtype=pl.List(pl.Struct({"a": pl.Int64}))))
        exploded = (
            frame.explode("l").filter(pl.col("l").is_not_null()).unnest("l")
        )  # (the long way)
        assert taken.exploded(pl, frame, "l").equals(exploded)

    def test_in_order_not_sorted(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sort = pl.DataFrame.sort

        def refuse(frame: Any, *args: Any, **kwargs: Any) -> Any:
            assert "position" not in args  # (a file klaster wrote: its entries in order)
            return sort(frame, *args, **kwargs)

        monkeypatch.setattr(pl.DataFrame, "sort", refuse)
        assert klaster.load(path) == program

    def test_out_of_order_sorted(self, path: Path, filled: list[str]) -> None:
        def reversed_groups(frame: Any) -> Any:  # (each group's spells listed last first)
            first = pl.col("memberships").list.first()
            group, place = first.struct.field("group"), first.struct.field("position")
            again = first.struct.with_fields(
                (group.count().over(group) - 1 - place).alias("position")
            )
            return frame.with_columns(pl.concat_list(again).alias("memberships"))

        rewrite(path, reversed_groups)
        assert _frames(path).spells["__row"].to_list() != list(range(24))  # (sorted: reordered)
        loaded = klaster.load(path)
        assert filled  # (accepted, sorted)
        assert loaded == by_road(path)
        group = loaded.clusters["bantaeng"].groups["BTG-K01"]
        assert group.memberships[0].member_id != "BTG-0001"

    def test_a_group_of_another_cluster_refused(self, path: Path) -> None:
        # Unique group IDs in the program: one key joined, the member's cluster still checked.
        def elsewhere(frame: Any) -> Any:
            held = [{"group": "LBK-K01", "position": 9, "joined": D(2011, 4, 4)}]
            value = pl.Series([held], dtype=frame.schema["memberships"])
            first = pl.int_range(pl.len()) == 0
            return frame.with_columns(
                pl.when(first)
                .then(value.first())
                .otherwise(pl.col("memberships"))
                .alias("memberships")
            )

        rewrite(path, elsewhere)
        with pytest.raises(KlasterError, match="row 0 column 'memberships': no group 'LBK-K01'"):
            klaster.load(path)

    def test_owner_ids_repeated_across_clusters(self) -> None:
        entries = pl.DataFrame(
            {"__c": [0, 1, 1], "group": ["g", "g", "h"]},
            schema={"__c": pl.UInt32, "group": pl.String},
        )
        owners = [(0, "g"), (1, "g")]  # (a group ID in two clusters: both keys joined)
        numbered = taken.numbered(pl, entries, owners, "group")
        assert numbered["__o"].to_list() == [0, 1, None]
        unique = taken.numbered(pl, entries, [(0, "g"), (1, "h")], "group")
        assert unique["__o"].to_list() == [0, None, 1]
        assert unique.columns == numbered.columns

    @pytest.mark.parametrize(
        ("positions", "wrong"),
        [([0, 1, 2], None), ([0, 2, 3], 2), ([0, 0, 1], 0), ([1, 2], 1), ([0, 1, 1], 1)],
    )
    def test_positions_judged_as_each_place(self, positions: list[int], wrong: Any) -> None:
        rows = len(positions)
        lists = [[{"cooperative": "k", "position": p}] for p in positions]
        frame = pl.DataFrame(
            {
                "__row": list(range(rows)),
                "__c": [0] * rows,
                "id": [f"m{i}" for i in range(rows)],
                "sector": ["s"] * rows,
                "cooperatives": lists,
            },
            schema_overrides={"__row": pl.UInt32, "__c": pl.UInt32},
        )
        if wrong is None:
            entries = taken.entries(pl, frame, "cooperatives", [(0, "k")], "f")
            assert entries["position"].to_list() == positions
        else:
            with pytest.raises(KlasterError, match=f"has position {wrong} out of place"):
                taken.entries(pl, frame, "cooperatives", [(0, "k")], "f")

    def test_member_ids_cut_from_one_list(self, path: Path) -> None:
        found = _frames(path)
        lists = found.listed.group_by("__o", maintain_order=True).agg("id")  # (the long way)
        expected = dict(zip(lists["__o"].to_list(), lists["id"].to_list(), strict=True))
        got = found.member_ids()
        assert got == [expected.get(i) for i in range(len(got))]
        assert len(got) == 4  # (four cooperatives, each listing members)


class TestProgramCheck:
    def test_member_ids_judged_in_the_sorted_column(
        self, program: Program, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import klaster.model.program as program_module

        judged: list[int] = []
        distinct = all_distinct

        def spy(series: Any) -> bool:
            judged.append(len(series))
            return distinct(series)

        monkeypatch.setattr(program_module, "all_distinct", spy)
        assert klaster.load(path) == program
        assert judged == [24]  # (the file's 24 member IDs, one column)
