"""A later verification of applicants: from a mapping, a CSV file or a frame; bad input located."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from klaster import DocumentError, DuplicateIdError, ValidationError
from klaster.targeting import Verification

SECRET = "873456"  # an income: never in a message


def read(text: str) -> Verification:
    return Verification.read_csv_text(text, on="2012-03-15", source="visit", name="v.csv")


class TestBuild:
    def test_mapping(self) -> None:
        v = Verification("2012-03-15", {"A-2": 2, "A-1": Decimal("1.5")}, "visit")
        assert v.incomes == (("A-1", Decimal("1.5")), ("A-2", Decimal(2)))
        assert v.as_mapping() == {"A-1": Decimal("1.5"), "A-2": Decimal(2)}
        assert SECRET not in repr(Verification("2012-03-15", {"A-1": int(SECRET)}, "visit"))

    @pytest.mark.parametrize("bad", [1.5, -1, Decimal("NaN"), "12", True])
    def test_inexact_or_negative_income_refused(self, bad: object) -> None:
        with pytest.raises(ValidationError) as exc:
            Verification("2012-03-15", {"A-1": bad}, "visit")
        assert exc.value.path == "incomes['A-1']"
        assert "exact number of Rupiah at least 0" in str(exc.value)

    def test_twice_refused(self) -> None:
        with pytest.raises(DuplicateIdError) as exc:
            Verification("2012-03-15", [("A-1", 1), ("A-1", 2)], "visit")
        assert exc.value.path == "incomes['A-1']"

    def test_bad_id_and_source_refused(self) -> None:
        with pytest.raises(ValidationError):
            Verification("2012-03-15", {" A-1": 1}, "visit")
        with pytest.raises(ValidationError):
            Verification("2012-03-15", {"A-1": 1}, " ")


class TestCsv:
    def test_reads_and_skips_empty_cells(self) -> None:
        v = read("applicant_id,income_per_capita,note\nA-1,180000,x\nA-2,,not found\n")
        assert v.as_mapping() == {"A-1": Decimal(180000)}

    def test_every_problem_located_without_the_value(self) -> None:
        text = (
            "applicant_id,income_per_capita\n"
            f"A-1,{SECRET}.5\n"
            f"A-2,1.{SECRET}\n"
            f" ,{SECRET}\n"
            f"A-3,{SECRET}\n"
            f"A-3,{SECRET}\n"
        )
        with pytest.raises(DocumentError) as exc:
            read(text)
        problems = exc.value.problems
        assert [p.split(":")[0] for p in problems] == [
            "v.csv row 2 column 'income_per_capita'",
            "v.csv row 3 column 'income_per_capita'",
            "v.csv row 4 column 'applicant_id'",
            "v.csv row 6 column 'applicant_id'",
        ]
        assert "already in row 5" in problems[3]
        assert SECRET not in str(exc.value)

    def test_missing_column(self) -> None:
        with pytest.raises(DocumentError) as exc:
            read("id,income\nA-1,1\n")
        assert exc.value.path == "v.csv"
        assert "missing columns 'applicant_id', 'income_per_capita'" in str(exc.value)

    def test_file_with_bom(self, tmp_path: Path) -> None:
        path = tmp_path / "v.csv"
        path.write_bytes(b"\xef\xbb\xbfapplicant_id,income_per_capita\r\nA-1,7\r\n")
        v = Verification.read_csv(path, on="2012-03-15", source="visit")
        assert v.as_mapping() == {"A-1": Decimal(7)}

    def test_unreadable_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the file"):
            Verification.read_csv(tmp_path / "none.csv", on="2012-03-15", source="visit")
        bad = tmp_path / "latin.csv"
        bad.write_bytes(b"applicant_id,income_per_capita\nA-\xe9,1\n")
        with pytest.raises(DocumentError, match="is not UTF-8"):
            Verification.read_csv(bad, on="2012-03-15", source="visit")


class TestFrames:
    def test_polars(self) -> None:
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame({"applicant_id": ["A-1", "A-2"], "income_per_capita": [5, None]})
        v = Verification.from_frame(frame, on="2012-03-15", source="visit")
        assert v.as_mapping() == {"A-1": Decimal(5)}

    def test_pandas(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"applicant_id": ["A-1", "A-2"], "income_per_capita": [5, 6]})
        v = Verification.from_frame(frame, on="2012-03-15", source="visit")
        assert v.as_mapping() == {"A-1": Decimal(5), "A-2": Decimal(6)}

    def test_float_column_refused(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"applicant_id": ["A-1", "A-2"], "income_per_capita": [5.5, None]})
        with pytest.raises(DocumentError) as exc:
            Verification.from_frame(frame, on="2012-03-15", source="visit")
        assert exc.value.problems == (
            "frame row 1 column 'income_per_capita': write whole Rupiah with digits only "
            "(e.g. 180000), no separators, decimals or floats",
        )  # row 2 (NaN) is "not verified"

    def test_not_a_frame(self) -> None:
        with pytest.raises(ValidationError, match="pandas or polars DataFrame"):
            Verification.from_frame([1], on="2012-03-15", source="visit")

    def test_missing_column(self) -> None:
        pd = pytest.importorskip("pandas")
        with pytest.raises(DocumentError, match="missing column 'income_per_capita'"):
            Verification.from_frame(
                pd.DataFrame({"applicant_id": ["A-1"]}), on="2012-03-15", source="visit"
            )
