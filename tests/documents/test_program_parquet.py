"""The program document as a Parquet file: the same programs as JSON, the same checks, by row.

``klaster.save(p, "x.parquet")`` writes a row per member (spells and cooperatives' places as
list columns) and the rest of the document in the file's metadata;
``klaster.load`` reads it through the JSON form's column road
(:mod:`klaster.documents._program_parquet`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.documents.builders import NAME, NIK, PHONE, bantaeng

import klaster
import klaster.documents._program_parquet as parquet_form
import klaster.documents._program_parquet_columns as columns
from klaster import Cluster, ClusterSector, DocumentError, KlasterError, Member, Program, Region
from klaster.cli import main
from klaster.testing import strategies as kst

pl = pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
EXAMPLES = ["bantaeng.json", "bantaeng_intake.json", "fieldwork.json"]
D = dt.date
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def saved(program: Program, folder: Path, name: str = "p.parquet") -> Path:
    path = folder / name
    klaster.save(program, path)
    return path


def rewrite(
    path: Path,
    frame: Callable[[Any], Any] = lambda f: f,
    metadata: Callable[[dict[str, Any]], dict[str, Any]] = lambda m: m,
) -> Path:
    """The Parquet file at ``path`` with its rows and metadata changed (as by hand)."""
    rows = pl.read_parquet(path)
    document = json.loads(pl.read_parquet_metadata(path)[parquet_form.METADATA_KEY])
    frame(rows).write_parquet(path, metadata={"klaster": json.dumps(metadata(document))})
    return path


def at_row(row: int, column: str, value: Any) -> Callable[[Any], Any]:
    """A frame change: ``column`` of ``row`` set to ``value``."""

    def change(frame: Any) -> Any:
        new = pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value))
        dtype = frame.schema[column]
        return frame.with_columns(new.otherwise(pl.col(column)).cast(dtype).alias(column))

    return change


def refusal(path: Path) -> str:
    with pytest.raises(KlasterError) as exc:
        klaster.load(path)
    text = str(exc.value)
    for secret in (NAME, NIK, PHONE):
        assert secret not in text
    return text


class TestRoundTrip:
    @SLOW
    @given(program=kst.programs(max_clusters=3, max_cooperatives=2))
    def test_any_program(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = saved(program, Path(folder))
            again = klaster.load(path)
        assert again == program
        assert klaster.dumps(again) == klaster.dumps(klaster.loads(klaster.dumps(program)))

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs_with_intake())
    def test_programs_with_intake(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            again = klaster.load(saved(program, Path(folder)))
        assert klaster.dumps(again) == klaster.dumps(program)

    @pytest.mark.parametrize("name", EXAMPLES)
    def test_bundled_examples_exactly(self, name: str, tmp_path: Path) -> None:
        program = klaster.load(DATA / name)
        again = klaster.load(saved(program, tmp_path))
        assert again == program
        assert klaster.dumps(again) == (DATA / name).read_text(encoding="utf-8")

    def test_personal_fields_travel(self, tmp_path: Path) -> None:
        again = klaster.load(saved(bantaeng(), tmp_path))
        member = again.clusters["bantaeng"].members["BTG-1"]
        assert (member.name, member.national_id, member.phone) == (NAME, NIK, PHONE)

    def test_rows_of_interleaved_clusters(self, tmp_path: Path) -> None:
        program = klaster.load(DATA / "fieldwork.json")
        path = saved(program, tmp_path)
        # Rows in any order: each cluster's rows keep their order among themselves.
        rewrite(path, lambda f: f.sort("cluster", descending=True, maintain_order=True))
        assert klaster.load(path) == program

    def test_suffix_in_any_case_writes_parquet(self, tmp_path: Path) -> None:
        path = saved(bantaeng(), tmp_path, "P.PARQUET")
        assert path.read_bytes()[:4] == b"PAR1"
        json_path = saved(bantaeng(), tmp_path, "p.json")
        assert json_path.read_bytes()[:1] == b"{"


class TestLayout:
    def test_columns_and_types(self, tmp_path: Path) -> None:
        schema = pl.read_parquet_schema(saved(bantaeng(), tmp_path))
        assert list(schema) == [
            "cluster",
            "id",
            "name",
            "sex",
            "household_size",
            "village",
            "sector",
            "joined",
            "business_type",
            "left",
            "national_id",
            "phone",
            "birth_year",
            "application_id",
            "memberships",
            "cooperatives",
        ]
        assert schema["joined"] == pl.Date
        assert schema["household_size"] == pl.Int64
        assert schema["sex"] == pl.String
        assert schema["birth_year"] == pl.Int64
        spell = pl.Struct(
            {"group": pl.String, "position": pl.Int64, "joined": pl.Date}
            | {"left": pl.Date, "role": pl.String}
        )
        assert schema["memberships"] == pl.List(spell)
        place = pl.Struct({"cooperative": pl.String, "position": pl.Int64})
        assert schema["cooperatives"] == pl.List(place)

    def test_every_member_field_is_a_column(self) -> None:
        import attrs

        fields = [a.name for a in attrs.fields(klaster.Member) if a.init]
        assert list(columns.MEMBER_TYPES) == fields

    def test_rows_and_metadata(self, tmp_path: Path) -> None:
        path = saved(bantaeng(), tmp_path)
        rows = pl.read_parquet(path)
        assert rows["id"].to_list() == ["BTG-1", "BTG-2", "BTG-3"]
        assert rows["memberships"][1].to_list() == [
            {"group": "BTG-K01", "position": 1, "joined": D(2011, 5, 2)}
            | {"left": D(2012, 10, 1), "role": "member"}
        ]
        assert rows["cooperatives"][2].to_list() == [{"cooperative": "irman", "position": 1}]
        document = json.loads(pl.read_parquet_metadata(path)["klaster"])
        assert (document["klaster"], document["schema_version"]) == ("program", 3)
        cluster = document["program"]["clusters"][0]
        assert "members" not in cluster
        assert all("memberships" not in group for group in cluster["groups"])
        assert all("member_ids" not in c for c in cluster["cooperatives"])
        assert NAME not in pl.read_parquet_metadata(path)["klaster"]

    @pytest.mark.parametrize("name", EXAMPLES)
    def test_metadata_is_the_json_document_without_members(self, name: str, tmp_path: Path) -> None:
        program = klaster.load(DATA / name)
        expected = json.loads(klaster.dumps(program))
        for cluster in expected["program"]["clusters"]:
            del cluster["members"]
            for group in cluster.get("groups", []):
                group.pop("memberships", None)
            for cooperative in cluster.get("cooperatives", []):
                cooperative.pop("member_ids", None)
        metadata = pl.read_parquet_metadata(saved(program, tmp_path))["klaster"]
        assert json.loads(metadata) == expected


class TestRefusals:
    """What the JSON form refuses, the Parquet form refuses, located by row and column."""

    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return saved(bantaeng(), tmp_path, "program.parquet")

    def test_duplicate_member_id(self, path: Path) -> None:
        rewrite(path, at_row(1, "id", "BTG-1"))
        rewrite(path, at_row(1, "memberships", None))
        text = refusal(path)
        assert "program.parquet: invalid program document" in text
        assert "row 1 column 'id' (clusters[0].members[1].id)" in text
        assert "'BTG-1'" in text

    def test_duplicate_member_id_across_clusters(self, tmp_path: Path) -> None:
        program = klaster.load(DATA / "fieldwork.json")
        path = saved(program, tmp_path)
        rows = pl.read_parquet(path)
        last = rows.height - 1  # (the last in its group and cooperative: no gap left)
        assert rows["cluster"][last] != rows["cluster"][0]
        rewrite(path, at_row(last, "id", rows["id"][0]))
        rewrite(path, at_row(last, "memberships", None))
        rewrite(path, at_row(last, "cooperatives", None))
        text = refusal(path)
        assert re.search(rf"row {last} column 'id' \(clusters\[\d\]\.members\[\d+\]\.id\)", text)
        assert f"duplicate ID {rows['id'][0]!r}" in text

    def test_spell_of_a_member_of_another_sector(self, path: Path) -> None:
        spell = {"group": "BTG-K01", "position": 2, "joined": dt.date(2012, 1, 1)}
        spell |= {"left": None, "role": "member"}
        rewrite(path, at_row(2, "memberships", [spell]))
        text = refusal(path)
        assert "row 2 column 'memberships' (group 'BTG-K01' position 2 field 'member_id'): " in text
        assert "works in sector 'livestock', but the group is in 'umkm'" in text

    def test_bad_date(self, path: Path) -> None:
        rewrite(path, at_row(0, "left", dt.date(1990, 1, 1)))
        text = refusal(path)
        assert "row 0 column 'left' (clusters[0].members[0].left)" in text
        assert "before joined" in text

    def test_dates_of_another_type(self, path: Path) -> None:
        rewrite(path, lambda f: f.with_columns(pl.col("joined").cast(pl.String)))
        assert refusal(path) == f"{path} column 'joined': must be Date, got String"

    def test_unknown_sex(self, path: Path) -> None:
        rewrite(path, at_row(2, "sex", "x"))
        text = refusal(path)
        assert "row 2 column 'sex' (clusters[0].members[2].sex)" in text
        assert "use one of 'female', 'male'" in text

    def test_missing_required_value(self, path: Path) -> None:
        rewrite(path, at_row(1, "household_size", None))
        assert "row 1 column 'household_size'" in refusal(path)

    def test_unknown_cluster(self, path: Path) -> None:
        rewrite(path, at_row(1, "cluster", "blora"))
        assert refusal(path) == (
            f"{path} row 1 column 'cluster': no cluster 'blora' in the document; its clusters "
            "are 'bantaeng'"
        )

    def test_unknown_group(self, path: Path) -> None:
        spell = {"group": "BTG-K09", "position": 0, "joined": dt.date(2012, 1, 1)}
        rewrite(path, at_row(2, "memberships", [spell | {"left": None, "role": "member"}]))
        assert "row 2 column 'memberships': no group 'BTG-K09'" in refusal(path)

    def test_positions_out_of_order(self, path: Path) -> None:
        spell = {"group": "BTG-K01", "position": 3, "joined": dt.date(2011, 6, 1)}
        rewrite(path, at_row(1, "memberships", [spell | {"left": None, "role": "member"}]))
        text = refusal(path)
        assert "row 1 column 'memberships': group 'BTG-K01' has position 3 out of place" in text

    def test_unknown_and_missing_columns(self, path: Path) -> None:
        rewrite(path, lambda f: f.rename({"phone": "phon"}))
        assert "column 'phon': unknown column; did you mean 'phone'?" in refusal(path)
        rewrite(path, lambda f: f.drop("phon", "sex"))
        assert "the column 'sex' is missing" in refusal(path)

    def test_members_in_the_metadata(self, path: Path) -> None:
        def members(document: dict[str, Any]) -> dict[str, Any]:
            document["program"]["clusters"][0]["members"] = []
            return document

        rewrite(path, metadata=members)
        assert "program.clusters[0].members: the members are the file's rows" in refusal(path)

    def test_newer_schema(self, path: Path) -> None:
        rewrite(path, metadata=lambda d: d | {"schema_version": 99})
        with pytest.raises(klaster.SchemaVersionError, match="newer than this klaster"):
            klaster.load(path)

    def test_metadata_of_the_shell_goes_through_the_converter(self, path: Path) -> None:
        def bad_region(document: dict[str, Any]) -> dict[str, Any]:
            document["program"]["clusters"][0]["region"]["level"] = "planet"
            return document

        rewrite(path, metadata=bad_region)
        assert "program.clusters[0].region.level" in refusal(path)

    def test_not_a_program_parquet(self, tmp_path: Path) -> None:
        path = tmp_path / "other.parquet"
        pl.DataFrame({"a": [1]}).write_parquet(path)
        assert "not a klaster program document" in refusal(path)

    def test_misnamed_files(self, tmp_path: Path) -> None:
        as_json = tmp_path / "p.parquet"
        as_json.write_text(klaster.dumps(bantaeng()), encoding="utf-8")
        text = refusal(as_json)
        assert "named .parquet but not a Parquet file" in text
        assert "JSON text" in text
        # A Parquet file under another name is read as one (by its first bytes).
        other = tmp_path / "p.json"
        shutil.copy(saved(bantaeng(), tmp_path), other)
        assert klaster.load(other) == bantaeng()


class TestWriting:
    def test_atomic(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = saved(bantaeng(), tmp_path)
        before = path.read_bytes()

        def broken(self: Any, file: Any, **_: Any) -> None:
            file.write(b"PAR1 half a file")
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(pl.DataFrame, "write_parquet", broken)
        with pytest.raises(DocumentError, match="cannot write the Parquet file"):
            klaster.save(klaster.load(DATA / "fieldwork.json"), path)
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == [path.name]

    def test_invalid_program_is_not_written(self, tmp_path: Path) -> None:
        program = bantaeng()
        other = Cluster(
            id="blora",
            name="Blora",
            region=Region.province("Jawa Tengah", "33"),
            sectors=[ClusterSector("livestock")],
        )
        program.add_cluster(other)
        other.add_member(Member("BTG-1", "x", "male", 1, "Jiken", "livestock", D(2012, 1, 1)))
        with pytest.raises(klaster.DuplicateIdError, match=r"clusters\[1\]\.members\[0\]\.id"):
            klaster.save(program, tmp_path / "p.parquet")
        assert list(tmp_path.iterdir()) == []


class TestWithoutPolars:
    def test_save_and_load_name_the_extra(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = saved(bantaeng(), tmp_path)
        monkeypatch.setitem(sys.modules, "polars", None)  # import polars now fails
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[columnar\]'"):
            klaster.save(bantaeng(), tmp_path / "q.parquet")
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[columnar\]'"):
            klaster.load(path)
        assert klaster.loads(klaster.dumps(bantaeng())) == bantaeng()  # JSON needs no polars


class TestCommandLine:
    @pytest.fixture
    def document(self, tmp_path: Path) -> Path:
        path = saved(klaster.load(DATA / "bantaeng.json"), tmp_path, "prog.parquet")
        shutil.copy(DATA / "bantaeng.observations.jsonl", tmp_path / "prog.observations.jsonl")
        return path

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def test_validate(self, document: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code, text = self.run(capsys, "validate", document)
        assert code == 0, text
        assert "every check passed" in text

    def test_report(self, document: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code, text = self.run(
            capsys, "report", document, "--indicator", "members", "--format", "csv"
        )
        assert code == 0, text
        assert "members,Jumlah mitra,Members,member,endline,2014-03-01,,188," in text

    def test_init_from_parquet(
        self, document: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        store = tmp_path / "p.klaster"
        code, text = self.run(capsys, "init", "--from", document, store)
        assert code == 0, text
        with klaster.Store.open(store, readonly=True) as opened:
            assert opened.load_program() == klaster.load(DATA / "bantaeng.json")

    def test_refusal_is_located(self, document: Path, capsys: pytest.CaptureFixture[str]) -> None:
        rewrite(document, at_row(2, "sex", "x"))
        code, text = self.run(capsys, "validate", document)
        assert code != 0
        assert "row 2 column 'sex'" in text

    def test_other_parquet_is_named(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "values.parquet"
        pl.DataFrame({"a": [1]}).write_parquet(path)
        code, text = self.run(capsys, "validate", path)
        assert code != 0
        assert "is a Parquet file, not a program document" in text
