"""The Parquet program document's accepted road: a valid file read with no work per member.

A valid file is judged whole by the model's acceptance test and its columns handed to the
clusters unread (:mod:`klaster.documents._program_parquet_fast`); a file with any defect is
refused by that test and read by the column road, which raises the same located error as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.documents.test_program_parquet import at_row, rewrite

import klaster
import klaster.documents._program_parquet_fast as accepted_road
from klaster import KlasterError, Program
from klaster.model import bulk
from klaster.model._frame_columns import program_column
from klaster.model.group import Role
from klaster.model.member import Sex
from klaster.model.records import columns_of

pl = pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parents[2]
FIELDWORK = ROOT / "examples" / "data" / "fieldwork.json"
D = dt.date


def spell(group: str, position: int, joined: Any, left: Any = None, role: str = "member") -> Any:
    return {"group": group, "position": position, "joined": joined, "left": left, "role": role}


@pytest.fixture
def program() -> Program:
    # Four clusters, their groups and cooperatives (no fieldwork: it reads every member).
    full = klaster.load(FIELDWORK)
    return Program(
        full.id, full.name, full.organisation_id, full.organisations, clusters=full.clusters
    )


@pytest.fixture
def path(program: Program, tmp_path: Path) -> Path:
    target = tmp_path / "program.parquet"
    klaster.save(program, target)
    return target


@pytest.fixture
def filled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The clusters the accepted road filled (a spy)."""
    found: list[str] = []
    fill = bulk.fill_accepted_columns

    def spy(cluster: Any, *args: Any) -> None:
        found.append(cluster.id)
        fill(cluster, *args)

    monkeypatch.setattr(bulk, "fill_accepted_columns", spy)
    return found


def road_refusal(path: Path) -> str:
    """The column road's message for ``path`` (nothing of the accepted road run)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accepted_road, "prepare", lambda *_: None)
        patch.setattr(accepted_road, "read", lambda *_: None)
        with pytest.raises(KlasterError) as exc:
            klaster.load(path)
    return str(exc.value)


class TestValidFile:
    def test_same_program_without_work_per_member(
        self, program: Program, path: Path, filled: list[str]
    ) -> None:
        again = klaster.load(path)
        assert filled == [cluster.id for cluster in program.clusters]
        assert again == program
        assert klaster.dumps(again) == klaster.dumps(program)

    def test_members_left_as_columns_read_on_first_need(self, path: Path) -> None:
        cluster = klaster.load(path).clusters["bantaeng"]
        columns = columns_of(cluster.members)
        assert columns is not None  # (not built)
        assert columns["sex"][:2] == [Sex.FEMALE, Sex.MALE]
        assert columns["joined"][0] == D(2011, 4, 4)
        assert type(columns["joined"][0]) is D
        assert columns["id"] == [m.id for m in cluster.members]  # (built now)
        assert columns_of(cluster.members) is None

    def test_groups_built_with_their_spells(self, program: Program, path: Path) -> None:
        cluster = klaster.load(path).clusters["bantaeng"]
        assert columns_of(cluster.groups) is not None
        group = cluster.groups["BTG-K01"]
        assert group == program.clusters["bantaeng"].groups["BTG-K01"]
        assert group.memberships[0].role is Role.MEMBER

    def test_a_spell_again_after_leaving(self, path: Path, filled: list[str]) -> None:
        again = [spell("BTG-K01", 0, D(2011, 4, 4), D(2011, 9, 1))]
        again.append(spell("BTG-K01", 3, D(2011, 9, 1), role="chair"))
        rewrite(path, at_row(0, "memberships", again))
        loaded = klaster.load(path)
        assert filled  # (accepted)
        held = loaded.clusters["bantaeng"].groups["BTG-K01"].memberships
        assert [(s.member_id, s.role) for s in held][-1] == ("BTG-0001", Role.CHAIR)

    def test_not_covered_takes_the_column_road(self, path: Path, filled: list[str]) -> None:
        def capacity(document: dict[str, Any]) -> dict[str, Any]:
            document["program"]["clusters"][0]["groups"][0]["capacity"] = 30
            return document

        rewrite(path, metadata=capacity)
        loaded = klaster.load(path)
        assert filled == []
        assert loaded.clusters["bantaeng"].groups["BTG-K01"].capacity == 30


def _first(path: Path, **where: str) -> int:
    rows = pl.read_parquet(path).with_row_index("row")
    for name, value in where.items():
        rows = rows.filter(pl.col(name) == value)
    return int(rows["row"][0])


def _unserved(path: Path) -> None:
    # A farming member of Blora listed in its livestock cooperative.
    row = _first(path, cluster="blora", sector="farming")
    listed = pl.read_parquet(path)["cooperatives"][row].to_list()  # (kept: no gap left)
    listed.append({"cooperative": "blr-murakabi", "position": 3})
    rewrite(path, at_row(row, "cooperatives", listed))


def _listed_twice(path: Path) -> None:
    # A member of Tuban (its cooperative has no board) listed in it a second time.
    row = _first(path, cluster="tuban")
    listed = pl.read_parquet(path)["cooperatives"][row].to_list()
    listed.append({"cooperative": "tbn-ism-al-hidayah", "position": 6})
    rewrite(path, at_row(row, "cooperatives", listed))


def _change(column: str, value: Any, row: int = 0) -> Callable[[Path], None]:
    return lambda path: (rewrite(path, at_row(row, column, value)), None)[1]


DEFECTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "id with a space": (_change("id", " BTG-0001"), "row 0 column 'id'"),
    "id too long": (_change("id", "B" * 65), "row 0 column 'id'"),
    "id with a control character": (_change("id", "BTG\x010001"), "row 0 column 'id'"),
    "id repeated": (_change("id", "BTG-0001", row=1), "row 1 column"),
    "name blank": (_change("name", "   "), "row 0 column 'name'"),
    "sex unknown": (_change("sex", "x"), "row 0 column 'sex'"),
    "household size 0": (_change("household_size", 0), "row 0 column 'household_size'"),
    "village not a desa": (_change("village", "Atlantis"), "row 0 column 'village'"),
    "village outside the sector's area": (_change("village", "Kampala"), "row 0 column"),
    "sector not the cluster's": (_change("sector", "fishery"), "row 0 column 'sector'"),
    "sector not a code": (_change("sector", "Umkm"), "row 0 column 'sector'"),
    "joined missing": (_change("joined", None), "row 0 column 'joined'"),
    "left before joined": (_change("left", D(2000, 1, 1)), "row 0 column 'left'"),
    "business type undeclared": (_change("business_type", "spaceships"), "business_type"),
    "NIK not 16 digits": (_change("national_id", "123"), "row 0 column 'national_id'"),
    "phone with letters": (_change("phone", "0812-abc"), "row 0 column 'phone'"),
    "birth year before 1900": (_change("birth_year", 1899), "row 0 column 'birth_year'"),
    "application ID with a space": (_change("application_id", "A 1 "), "application_id"),
    "spell before the group was formed": (
        _change("memberships", [spell("BTG-K01", 0, D(2000, 1, 1))]),
        "row 0 column 'memberships'",
    ),
    "spell left before joined": (
        _change("memberships", [spell("BTG-K01", 0, D(2011, 4, 4), D(2011, 1, 1))]),
        "row 0 column 'memberships'",
    ),
    "spell role unknown": (
        _change("memberships", [spell("BTG-K01", 0, D(2011, 4, 4), role="boss")]),
        "row 0 column 'memberships'",
    ),
    "spell overlapping another": (
        _change(
            "memberships",
            [spell("BTG-K01", 0, D(2011, 4, 4)), spell("BTG-K01", 3, D(2011, 5, 1))],
        ),
        "row 0 column 'memberships'",
    ),
    "cooperative member of a sector it does not serve": (_unserved, "cooperatives"),
    "cooperative listing a member twice": (_listed_twice, "is listed twice"),
}


class TestDefectiveFile:
    """Each rule kind broken: the accepted road refuses, the column road words it by row."""

    @pytest.mark.parametrize("defect", sorted(DEFECTS))
    def test_same_located_error(self, defect: str, path: Path, filled: list[str]) -> None:
        change, where = DEFECTS[defect]
        change(path)
        with pytest.raises(KlasterError) as exc:
            klaster.load(path)
        assert filled == []  # (refused whole: no cluster filled on the accepted road)
        text = str(exc.value)
        assert where in text
        assert text == road_refusal(path)


class TestWholeColumns:
    """A field of every member read from the accepted file's column (``program_column``)."""

    FIELDS = ("id", "sector", "household_size", "joined", "left", "business_type", "birth_year")

    @pytest.mark.parametrize("source", ["fieldwork", "bantaeng"])
    def test_each_field_as_the_records_hold_it(
        self, source: str, program: Program, tmp_path: Path
    ) -> None:
        if source == "bantaeng":  # (one cluster, with members who left)
            program = klaster.load(FIELDWORK.parent / "bantaeng.json")
        klaster.save(program, tmp_path / "program.parquet")
        loaded = klaster.load(tmp_path / "program.parquet")
        pending = [columns_of(c.members) for c in loaded.clusters]
        members = [m for c in program.clusters for m in c.members]
        for name in self.FIELDS:
            whole = program_column(pending, name)
            assert whole.to_list() == [getattr(m, name) for m in members], name

    def test_none_unless_every_cluster_is_pending(self, program: Program, path: Path) -> None:
        assert program_column([columns_of(c.members) for c in program.clusters], "id") is None
        loaded = klaster.load(path)
        clusters = list(loaded.clusters)
        assert program_column([columns_of(c.members) for c in clusters[:1]], "id") is None
        list(clusters[1].members)  # built: that cluster's columns go
        assert program_column([columns_of(c.members) for c in clusters], "id") is None

    def test_whole_program_facts_read_in_the_column(self, program: Program, path: Path) -> None:
        from klaster.model.program import _unique_across
        from klaster.plugins.missing import program_sectors

        loaded = klaster.load(path)
        clusters = list(loaded.clusters)
        assert program_sectors(loaded) == program_sectors(program)
        assert _unique_across(clusters, "members")
        assert all(columns_of(c.members) is not None for c in clusters)  # (nothing built)
        # The second cluster's first member given the first member's ID: counted in the column.
        whole = columns_of(clusters[1].members)._whole  # type: ignore[union-attr]
        first = len(clusters[0].members)
        whole._frame = whole._frame.with_columns(
            pl.when(pl.int_range(pl.len()) == first)
            .then(pl.lit(whole._frame["id"][0]))
            .otherwise(pl.col("id"))
            .alias("id")
        )
        assert not _unique_across(clusters, "members")
