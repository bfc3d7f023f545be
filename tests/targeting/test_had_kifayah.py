"""Had kifayah as versioned data: the bundled figures, a user's file, lookup and fallback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from klaster.errors import DocumentError
from klaster.finance import Asnaf
from klaster.measurement.na import NotAvailable
from klaster.targeting import ASNAF, HadKifayah, KifayahBasis, KifayahMatch, screening_catalogue

HEADER = "area,year,basis,rupiah,source,synthetic,note\n"


class TestBundled:
    def test_the_national_2018_figure_as_reported(self) -> None:
        national = next(v for v in HadKifayah.bundled().values if v.area == "national")
        assert (national.year, national.rupiah, national.basis) == (
            2018,
            Decimal(3011142),
            KifayahBasis.HOUSEHOLD_MONTH,
        )
        assert "Kajian Had Kifayah 2018" in national.source
        assert not national.synthetic

    def test_every_provincial_figure_is_synthetic(self) -> None:
        # Only the national figure has a citable source in klaster's reference.
        assert all(v.synthetic for v in HadKifayah.bundled().values if v.area != "national")

    def test_province_then_nation(self) -> None:
        table = HadKifayah.bundled()
        sulsel = table.lookup("73.03.05", dt.date(2023, 1, 1))
        assert isinstance(sulsel, KifayahMatch)
        assert sulsel.value.area == "73"
        assert not sulsel.fell_back
        assert "synthetic" in sulsel.explanation.en
        jakarta = table.lookup("31", dt.date(2023, 1, 1))
        assert isinstance(jakarta, KifayahMatch)
        assert jakarta.fell_back
        assert jakarta.explanation.en.startswith("No had kifayah for province 31 on or before")

    def test_nothing_before_the_first_version(self) -> None:
        found = HadKifayah.bundled().lookup("73", dt.date(2017, 12, 31))
        assert isinstance(found, NotAvailable)


class TestUserFile:
    def test_latest_version_on_or_before(self, tmp_path: Path) -> None:
        path = tmp_path / "hk.csv"
        path.write_text(
            HEADER
            + "73,2018,household_month,3000000,Puskas BAZNAS,false,\n"
            + "73,2020,household_month,3200000,Puskas BAZNAS,false,\n"
            + "# a comment\n"
            + "national,2018,capita_month,800000,x,true,synthetic\n",
            encoding="utf-8",
        )
        table = HadKifayah.load_csv(path)
        found = table.lookup("73", dt.date(2021, 6, 1))
        assert isinstance(found, KifayahMatch)
        assert found.rupiah == Decimal(3200000)
        earlier = table.lookup("73", dt.date(2019, 6, 1))
        assert isinstance(earlier, KifayahMatch)
        assert earlier.rupiah == Decimal(3000000)

    def test_problems_are_located(self) -> None:
        text = (
            HEADER
            + "73.03,2018,household_month,3000000,src,false,\n"
            + "73,20x8,household_month,1.5,src,maybe,\n"
            + "73,2018,per_week,300,,false,\n"
        )
        with pytest.raises(DocumentError) as caught:
            HadKifayah.read_csv(text, source="hk.csv")
        assert caught.value.problems == (
            "hk.csv row 2 column 'area': use 'national' or a Kemendagri province code such as "
            "'73' (had kifayah is set per province)",
            "hk.csv row 3 column 'year': write the year with digits, e.g. 2018",
            "hk.csv row 3 column 'rupiah': write whole rupiah with digits only",
            "hk.csv row 3 column 'synthetic': write true or false",
            "hk.csv row 4 column 'source': required",
        )

    def test_unknown_and_missing_columns(self) -> None:
        with pytest.raises(DocumentError) as caught:
            HadKifayah.read_csv("area,year,rupee\n", source="hk.csv")
        assert "hk.csv row 1: unknown column 'rupee'" in caught.value.problems[0]
        assert "hk.csv: missing column 'basis'" in caught.value.problems

    def test_duplicate_version(self) -> None:
        row = "73,2018,household_month,3000000,src,false,\n"
        with pytest.raises(DocumentError, match="already given"):
            HadKifayah.read_csv(HEADER + row + row)

    def test_unreadable(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read"):
            HadKifayah.load_csv(tmp_path / "missing.csv")


class TestScreeningVariables:
    def test_asnaf_codes_are_the_finance_ones(self) -> None:
        assert [c.code for c in ASNAF] == [a.value for a in Asnaf]

    def test_catalogue_has_the_core_and_the_plugins(self) -> None:
        catalogue = screening_catalogue()
        for code in ("monthly_income", "household_size", "asnaf", "house_floor", "debt"):
            assert code in catalogue
        assert catalogue["has_animal_space"].sector == "livestock"
