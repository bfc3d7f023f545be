"""Screening a table: CSV/Parquet in, decisions CSV out; bad cells located, nothing written."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from tests.targeting.screening_builders import AREAS, applicants, rules

from klaster.errors import DocumentError, ValidationError
from klaster.targeting import screen, screen_file, screen_frame

COLUMNS = [
    "monthly_income",
    "asnaf",
    "house_floor",
    "house_wall",
    "house_roof",
    "land_area",
    "has_animal_space",
]


def table() -> list[dict[str, object]]:
    rows = []
    for a in applicants():
        answers = a.answer_map
        row: dict[str, object] = {
            "applicant_id": a.id,
            "sector": a.sector,
            "household_size": a.household_size,
            "applied_on": a.applied_on.isoformat(),
            "area": "73.03",
        }
        for code in COLUMNS:
            value = answers.get(code)
            row[code] = "" if value is None else str(value).lower()
        rows.append(row)
    return rows


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def decisions(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class TestFiles:
    def test_csv_in_decisions_out(self, tmp_path: Path) -> None:
        source = write(tmp_path / "applicants.csv", table())
        out = tmp_path / "decisions.csv"
        screening = screen_file(rules(), source, out=out)
        assert [(r["applicant_id"], r["eligible"], r["failed"]) for r in decisions(out)] == [
            ("APL-01", "true", ""),
            ("APL-02", "false", "poor"),
            ("APL-03", "false", "housing"),
            ("APL-04", "false", "livestock_has_animal_space"),
            ("APL-05", "true", ""),
        ]
        records = screen(rules(), applicants(), areas=AREAS, backend="python")
        assert list(screening) == list(records)  # the same decisions, evidence and all

    def test_parquet(self, tmp_path: Path) -> None:
        frame = pl.read_csv(
            write(tmp_path / "a.csv", table()),
            try_parse_dates=True,
            schema_overrides={"land_area": pl.String},
        )
        frame = frame.with_columns(pl.col("land_area").str.to_decimal(scale=2))
        path = tmp_path / "a.parquet"
        frame.write_parquet(path)
        assert screen_file(rules(), path).eligible_ids() == ("APL-01", "APL-05")

    def test_one_date_for_all(self, tmp_path: Path) -> None:
        rows = [{k: v for k, v in r.items() if k != "applied_on"} for r in table()]
        source = write(tmp_path / "applicants.csv", rows)
        screening = screen_file(rules(), source, on=dt.date(2023, 3, 15))
        assert screening.eligible_ids() == ("APL-01", "APL-05")

    @pytest.mark.parametrize(
        ("column", "value", "where"),
        [
            ("asnaf", "rich", "applicants.csv row 4 column 'asnaf'"),
            ("monthly_income", "1,500", "applicants.csv row 4 column 'monthly_income'"),
            ("monthly_income", "-5", "applicants.csv row 4 column 'monthly_income'"),
            ("household_size", "0", "applicants.csv row 4 column 'household_size'"),
            ("applicant_id", "APL-01", "applicants.csv row 4 column 'applicant_id'"),
            ("area", "7303", "applicants.csv row 4 column 'area'"),
            ("applied_on", "2023-02-30", "applicants.csv row 4 column 'applied_on'"),
            ("applied_on", "15/03/2023", "applicants.csv row 4 column 'applied_on'"),
            ("land_area", "0,5", "applicants.csv row 4 column 'land_area'"),
        ],
    )
    def test_bad_cell_located_and_nothing_written(
        self, tmp_path: Path, column: str, value: str, where: str
    ) -> None:
        rows = table()
        rows[2][column] = value
        source = write(tmp_path / "applicants.csv", rows)
        out = tmp_path / "decisions.csv"
        out.write_text("old\n", encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            screen_file(rules(), source, out=out)
        assert caught.value.path == where
        assert value not in caught.value.message or value == "0"
        assert out.read_text(encoding="utf-8") == "old\n"

    def test_a_decimal_after_whole_numbers_is_exact(self, tmp_path: Path) -> None:
        # Whole numbers in the first rows make the reader guess integers; a later decimal
        # must neither fail the read nor be read as floating point.
        rows = [dict(row) for _ in range(2100) for row in table()]
        for index, row in enumerate(rows):
            row["applicant_id"] = f"APL-{index:05d}"
            row["land_area"] = "1"
        rows[-1]["land_area"] = "0.30"
        screening = screen_file(rules(), write(tmp_path / "a.csv", rows))
        assert len(screening) == len(rows)

    def test_missing_column(self, tmp_path: Path) -> None:
        rows = [{k: v for k, v in r.items() if k != "asnaf"} for r in table()]
        with pytest.raises(ValidationError, match="missing column"):
            screen_file(rules(), write(tmp_path / "a.csv", rows))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="no such file"):
            screen_file(rules(), tmp_path / "none.csv")


class TestFrames:
    def test_floats_are_refused(self) -> None:
        frame = pl.DataFrame(
            {
                "applicant_id": ["a"],
                "sector": ["umkm"],
                "household_size": [2],
                "monthly_income": [1.5],
                "asnaf": ["fakir"],
                "house_floor": ["earth"],
                "house_wall": ["wood"],
                "house_roof": ["zinc"],
                "land_area": [None],
            },
            schema_overrides={"land_area": pl.Decimal(10, 2)},
        )
        with pytest.raises(ValidationError) as caught:
            screen_frame(rules(), frame, on=dt.date(2023, 3, 1))
        assert caught.value.path == "applicants column 'monthly_income'"
        assert "floating point" in caught.value.message
