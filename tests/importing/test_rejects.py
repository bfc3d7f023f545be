"""The rejects file: rows as read, every reason, safe against CSV injection, written atomically."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from klaster import DocumentError, ImportDataError
from klaster.importing import ImportBatch, Rejection, write_rejects


def batch(*rejected: Rejection) -> ImportBatch:
    return ImportBatch(source="survey.csv", rejected=rejected)


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


class TestRejects:
    def test_columns_reasons_and_escaping(self, tmp_path: Path) -> None:
        first = Rejection(
            "survey.csv",
            3,
            ["column 'hh/pendapatan': must be a number", "column '_uuid': duplicate"],
            {"hh/id_mitra": "BTG-0001", "hh/pendapatan": '=HYPERLINK("x")', "_uuid": "u1"},
        )
        second = Rejection(
            "survey.xlsx:usaha",
            7,
            ["names parent '9'"],
            {"usaha/omzet": "-5", "catatan": "@SUM(A1)", "note": "+62 812", "_row": "x"},
        )
        path = tmp_path / "rejects.csv"
        assert write_rejects(batch(first, second), path) == 2
        header, one, two = rows(path)
        assert header == [
            "_source",
            "_row",
            "hh/id_mitra",
            "hh/pendapatan",
            "_uuid",
            "usaha/omzet",
            "catatan",
            "note",
            "_reasons",
        ]
        assert one == [
            "survey.csv",
            "3",
            "BTG-0001",
            '\'=HYPERLINK("x")',
            "u1",
            "",
            "",
            "",
            "column 'hh/pendapatan': must be a number | column '_uuid': duplicate",
        ]
        assert two[:2] == ["survey.xlsx:usaha", "7"]
        assert two[5:8] == ["'-5", "'@SUM(A1)", "'+62 812"]

    def test_nothing_rejected(self, tmp_path: Path) -> None:
        path = tmp_path / "rejects.csv"
        assert write_rejects(batch(), path) == 0
        assert rows(path) == [["_source", "_row", "_reasons"]]

    def test_failed_write_leaves_the_old_file(self, tmp_path: Path) -> None:
        path = tmp_path / "rejects.csv"
        path.write_text("old", encoding="utf-8")

        class Exploding(dict[str, str]):
            def get(self, key: str, default: object = None) -> str:
                raise RuntimeError("disk gone")

        bad = Rejection("s.csv", 2, ["r"], Exploding(a="1"))
        with pytest.raises(RuntimeError):
            write_rejects(batch(bad), path)
        assert path.read_text(encoding="utf-8") == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["rejects.csv"]

    def test_errors(self, tmp_path: Path) -> None:
        with pytest.raises(ImportDataError, match="batch must be an ImportBatch"):
            write_rejects([], tmp_path / "r.csv")  # type: ignore[arg-type]
        with pytest.raises(DocumentError, match="cannot write the file"):
            write_rejects(batch(), tmp_path / "missing" / "r.csv")
