"""Poverty lines (shipped BPS lines, lookup with fallback, user CSV files) and FGT measures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import DocumentError, DuplicateIdError, KlasterError, StatKind, ValidationError
from klaster.measurement.methods.fgt import FgtMeasure, FgtResult, fgt, round_measure
from klaster.measurement.methods.poverty_lines import (
    NATIONAL,
    LineMatch,
    PovertyLine,
    PovertyLines,
    SurveyMonth,
    UrbanRural,
)
from klaster.measurement.na import NotAvailable

Z_2023 = 550_458  # BPS national line, March 2023
WORKED = [300_000, 450_000, 500_000] + [600_000] * 7

# The national lines and headcount rates listed in the domain reference (docs/poverty.md).
DOMAIN_LINES = {
    (2010, "march"): ("211726", "13.33"),
    (2011, "march"): ("233740", "12.49"),
    (2012, "march"): ("248707", "11.96"),
    (2012, "september"): ("259520", "11.66"),
    (2013, "march"): ("271626", "11.37"),
    (2013, "september"): ("292951", "11.47"),
    (2014, "march"): ("302735", "11.25"),
    (2014, "september"): ("312328", "10.96"),
    (2023, "march"): ("550458", "9.36"),
    (2024, "march"): ("582932", "9.03"),
    (2024, "september"): ("595242", "8.57"),
}


def ok(result: FgtResult | NotAvailable) -> FgtResult:
    assert isinstance(result, FgtResult), result
    return result


def exact(value: Fraction) -> Decimal:
    """A rational to 28 significant digits, computed independently of klaster."""
    from decimal import Context

    return Context(prec=28).divide(Decimal(value.numerator), Decimal(value.denominator))


def line(
    area: str = "73.03",
    year: int = 2023,
    month: str = "march",
    rupiah: int = 480_000,
    **more: object,
) -> PovertyLine:
    return PovertyLine(area, year, month, rupiah, f"test source {area}", **more)  # type: ignore[arg-type]


# -- FGT against hand-computed examples -----------------------------------------------------------
class TestFgtWorkedExamples:
    def test_domain_worked_example(self) -> None:
        r = ok(fgt(WORKED, Z_2023))
        assert (r.n, r.poor, r.lines) == (10, 3, (Decimal(Z_2023),))
        assert r.p0 == Decimal("0.3")
        assert round_measure(r.p1) == Decimal("0.0729")
        assert round_measure(r.p2) == Decimal("0.0249")

    def test_worked_example_is_exact_before_rounding(self) -> None:
        gaps = [Z_2023 - y for y in (300_000, 450_000, 500_000)]
        r = ok(fgt(WORKED, Decimal(Z_2023)))
        assert r.p1 == exact(Fraction(sum(gaps), Z_2023 * 10))
        assert r.p2 == exact(Fraction(sum(g * g for g in gaps), Z_2023**2 * 10))

    def test_percent_as_bps_prints_them(self) -> None:
        shown = ok(fgt(WORKED, Z_2023)).percent()
        assert (shown.p0, shown.p1, shown.p2) == (
            Decimal("30.00"),
            Decimal("7.29"),
            Decimal("2.49"),
        )
        assert ok(fgt(WORKED, Z_2023)).percent(3).p1 == Decimal("7.292")

    def test_household_size_weights_give_a_person_rate(self) -> None:
        # A household of four at 300,000 per head and a single person at 700,000.
        unweighted = ok(fgt([300_000, 700_000], Z_2023))
        persons = ok(fgt([300_000, 700_000], Z_2023, weights=[4, 1]))
        assert unweighted.p0 == Decimal("0.5")
        assert persons.p0 == Decimal("0.8")
        assert persons.p1 == exact(Fraction(4 * (Z_2023 - 300_000), Z_2023 * 5))
        assert (persons.population, persons.poor_population) == (Decimal(5), Decimal(4))
        assert persons.poor == 1
        assert persons.weighted
        assert not unweighted.weighted

    def test_on_the_line_is_not_poor(self) -> None:
        r = ok(fgt([Z_2023, Z_2023 - 1], Z_2023))
        assert r.poor == 1
        assert r.p0 == Decimal("0.5")

    def test_line_per_unit(self) -> None:
        # Same income, two kabupaten lines: poor only where the line is higher.
        r = ok(fgt([500_000, 500_000], [480_000, Z_2023]))
        assert r.poor == 1
        assert r.lines == (Decimal(480_000), Decimal(Z_2023))
        assert r.p1 == exact(Fraction(Z_2023 - 500_000, Z_2023 * 2))

    def test_missing_values_are_left_out_and_counted(self) -> None:
        na = NotAvailable("lookup failed")
        r = ok(
            fgt(
                [300_000, None, 600_000, 400_000, NotAvailable("not asked")],
                [Z_2023, Z_2023, na, Z_2023, Z_2023],
                weights=[2, 3, 1, None, 1],
            )
        )
        assert (r.n, r.missing_income, r.missing_line, r.missing_weight) == (1, 2, 1, 1)
        assert r.excluded == 4
        assert r.p0 == 1

    def test_nothing_left_is_not_available(self) -> None:
        result = fgt([None, None], Z_2023)
        assert isinstance(result, NotAvailable)
        assert "2 missing an income" in result.reason
        assert isinstance(fgt([], Z_2023), NotAvailable)
        zero = fgt([100], Z_2023, weights=[0])
        assert isinstance(zero, NotAvailable)
        assert "zero" in zero.reason

    def test_negative_income_counts_as_a_full_gap(self) -> None:
        r = ok(fgt([-250_000], Z_2023))
        assert (r.p0, r.p1, r.p2) == (Decimal(1), Decimal(1), Decimal(1))
        assert r.negative_incomes == 1

    def test_line_records_are_kept_with_sources_and_fallbacks(self) -> None:
        table = PovertyLines.bps_national()
        match = table.lookup("73.03", dt.date(2023, 6, 1))
        assert isinstance(match, LineMatch)
        r = ok(fgt([300_000, 600_000], [match, table.lines[-3]]))
        assert r.sources == (table.lines[-3],)
        assert r.fallback_units == 1
        assert r.sources[0].source.startswith("BPS, Berita Resmi Statistik")

    def test_measures_by_name_with_bilingual_labels(self) -> None:
        r = ok(fgt(WORKED, Z_2023))
        assert r.measure("p1") == r.p1
        assert FgtMeasure.P1.alpha == 1
        assert "kedalaman" in FgtMeasure.P1.label.id
        assert "keparahan" in FgtMeasure.P2.label.id
        assert FgtMeasure.P0.label.en == "Poverty headcount (P0)"


class TestFgtBadInput:
    def test_float_income_is_refused_without_echoing_it(self) -> None:
        with pytest.raises(ValidationError) as exc:
            fgt([300_000, 412_345.67], Z_2023)  # type: ignore[list-item]
        assert exc.value.path == "incomes[1]"
        assert "412345" not in str(exc.value)
        assert "float" in str(exc.value)

    def test_text_income_is_refused(self) -> None:
        with pytest.raises(ValidationError) as exc:
            fgt(["300000"], Z_2023)  # type: ignore[list-item]
        assert exc.value.path == "incomes[0]"
        assert "str" in exc.value.message

    def test_lengths_must_match(self) -> None:
        with pytest.raises(ValidationError) as exc:
            fgt(WORKED, Z_2023, weights=[1] * 9)
        assert exc.value.path == "weights"
        assert "has 9 values but incomes has 10" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            fgt(WORKED, [Z_2023] * 3)
        assert exc.value.path == "lines"

    @pytest.mark.parametrize("bad", [0, -5, Decimal("-1")])
    def test_line_must_be_positive(self, bad: int | Decimal) -> None:
        with pytest.raises(ValidationError) as exc:
            fgt([1], bad)
        assert exc.value.path == "lines"
        with pytest.raises(ValidationError) as exc:
            fgt([1, 2], [Z_2023, bad])
        assert exc.value.path == "lines[1]"

    def test_negative_weight(self) -> None:
        with pytest.raises(ValidationError) as exc:
            fgt([1], Z_2023, weights=[-1])
        assert exc.value.path == "weights[0]"

    def test_errors_are_klaster_errors(self) -> None:
        with pytest.raises(KlasterError):
            fgt([True], Z_2023)


# -- FGT properties -------------------------------------------------------------------------------
incomes_st = st.lists(st.integers(-100_000, 2_000_000), min_size=1, max_size=30)
line_st = st.integers(1, 1_500_000)


class TestFgtProperties:
    @settings(max_examples=150, deadline=None)
    @given(incomes_st, line_st, st.data())
    def test_measures_are_ordered_shares(
        self, incomes: list[int], z: int, data: st.DataObject
    ) -> None:
        weights = data.draw(
            st.lists(st.integers(1, 9), min_size=len(incomes), max_size=len(incomes))
        )
        for r in (ok(fgt(incomes, z)), ok(fgt(incomes, z, weights=weights))):
            assert 0 <= r.p2 <= r.p1 <= r.p0 <= 1

    @settings(max_examples=150, deadline=None)
    @given(incomes_st, line_st, line_st)
    def test_measures_grow_with_the_line(self, incomes: list[int], z1: int, z2: int) -> None:
        low, high = ok(fgt(incomes, min(z1, z2))), ok(fgt(incomes, max(z1, z2)))
        assert low.p0 <= high.p0
        assert low.p1 <= high.p1
        assert low.p2 <= high.p2

    @settings(max_examples=100, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, 1_000_000), st.integers(1, 6)), min_size=1, max_size=15)
    )
    def test_size_weights_equal_one_row_per_person(self, households: list[tuple[int, int]]) -> None:
        incomes = [y for y, _ in households]
        sizes = [s for _, s in households]
        people = [y for y, s in households for _ in range(s)]
        weighted, expanded = ok(fgt(incomes, Z_2023, weights=sizes)), ok(fgt(people, Z_2023))
        assert (weighted.p0, weighted.p1, weighted.p2) == (expanded.p0, expanded.p1, expanded.p2)

    @settings(max_examples=100, deadline=None)
    @given(incomes_st, st.randoms(use_true_random=False))
    def test_order_does_not_matter(self, incomes: list[int], rnd: object) -> None:
        shuffled = list(incomes)
        rnd.shuffle(shuffled)  # type: ignore[attr-defined]
        a, b = ok(fgt(incomes, Z_2023)), ok(fgt(shuffled, Z_2023))
        assert (a.p0, a.p1, a.p2) == (b.p0, b.p1, b.p2)


# -- poverty lines --------------------------------------------------------------------------------
class TestShippedLines:
    def test_exactly_the_domain_figures(self) -> None:
        table = PovertyLines.bps_national()
        found = {(x.year, x.month.value): (str(x.rupiah), str(x.poverty_rate)) for x in table.lines}
        assert found == DOMAIN_LINES

    def test_every_line_is_national_total_and_names_its_release(self) -> None:
        for x in PovertyLines.bps_national():
            assert x.area == NATIONAL
            assert x.urban_rural is UrbanRural.TOTAL
            assert x.source.startswith("BPS, Berita Resmi Statistik")
            assert x.period.id in x.source  # "Maret 2023" in "... Indonesia Maret 2023"

    def test_headcount_keeps_kind_year_and_source(self) -> None:
        first = PovertyLines.bps_national().lines[0]
        stat = first.headcount_stat()
        assert stat is not None
        assert (stat.kind, stat.year, stat.rate) == (StatKind.BPS_HEADCOUNT, 2010, Decimal("13.33"))
        assert stat.source == first.source
        assert line().headcount_stat() is None


class TestLookup:
    table = PovertyLines.bps_national().extend(
        [line("73", 2023, rupiah=500_000), line("73.03", 2024, rupiah=520_000)]
    )

    def test_nearest_round_of_the_kabupaten(self) -> None:
        match = self.table.lookup("73.03", dt.date(2024, 5, 20))
        assert isinstance(match, LineMatch)
        assert match.rupiah == 520_000
        assert not match.fell_back
        assert match.tried == ("73.03",)
        assert match.months_apart == -2
        assert match.explanation.en.startswith("Poverty line, kabupaten 73.03, March 2024")

    def test_falls_back_to_province_then_nation_and_says_so(self) -> None:
        province = self.table.lookup("73.03", dt.date(2023, 3, 1), max_gap_months=6)
        assert isinstance(province, LineMatch)
        assert (province.line.area, province.fell_back, province.tried) == (
            "73",
            True,
            ("73.03", "73"),
        )
        assert "No poverty line for kabupaten 73.03 within 6 months" in province.explanation.en
        assert "Tidak ada garis kemiskinan kabupaten 73.03" in province.explanation.id
        nation = self.table.lookup("35.23", dt.date(2013, 4, 1))
        assert isinstance(nation, LineMatch)
        assert nation.tried == ("35.23", "35", NATIONAL)
        assert nation.line.rupiah == 271_626

    def test_without_fallback(self) -> None:
        result = self.table.lookup("35.23", dt.date(2013, 4, 1), fallback=False)
        assert isinstance(result, NotAvailable)
        assert "kabupaten 35.23" in result.reason

    def test_desa_and_kecamatan_use_their_kabupaten(self) -> None:
        for code in ("73.03.05", "73.03.05.2001"):
            match = self.table.lookup(code, dt.date(2024, 3, 1))
            assert isinstance(match, LineMatch)
            assert match.line.area == "73.03"
            assert not match.fell_back
            assert match.requested_area == code

    def test_tie_takes_the_earlier_round(self) -> None:
        match = self.table.lookup(NATIONAL, dt.date(2013, 12, 10))  # Sep 2013 and Mar 2014: 3 each
        assert isinstance(match, LineMatch)
        assert (match.line.year, match.line.month) == (2013, SurveyMonth.SEPTEMBER)

    def test_too_far_from_any_round(self) -> None:
        result = self.table.lookup(NATIONAL, dt.date(2018, 6, 1))
        assert isinstance(result, NotAvailable)
        assert "within 12 months of 2018-06-01" in result.reason
        assert "national September 2014 (45 months earlier)" in result.reason

    def test_urban_and_total_are_never_swapped(self) -> None:
        result = self.table.lookup(NATIONAL, dt.date(2023, 3, 1), urban_rural="rural")
        assert isinstance(result, NotAvailable)
        assert "no rural poverty line" in result.reason

    @pytest.mark.parametrize(
        ("area", "fragment"),
        [("3523", "looks like a BPS code"), ("73.3", "invalid area"), ("", "invalid area")],
    )
    def test_bad_area(self, area: str, fragment: str) -> None:
        with pytest.raises(ValidationError) as exc:
            self.table.lookup(area, dt.date(2023, 3, 1))
        assert exc.value.path == "area"
        assert fragment in exc.value.message

    def test_bad_date(self) -> None:
        with pytest.raises(ValidationError) as exc:
            self.table.lookup(NATIONAL, "2023-03-01")  # type: ignore[arg-type]
        assert exc.value.path == "on"


class TestPovertyLineRecords:
    def test_area_levels(self) -> None:
        assert line("73").area == "73"
        with pytest.raises(ValidationError) as exc:
            line("73.03.05")
        assert exc.value.path == "area"
        assert "use the kabupaten code '73.03'" in exc.value.message
        with pytest.raises(ValidationError) as exc:
            line("7303")
        assert "BPS code" in exc.value.message

    @pytest.mark.parametrize(
        ("rupiah", "fragment"),
        [(Decimal("550.458"), "write 550458"), (0, "more than zero"), (-1, "more than zero")],
    )
    def test_rupiah(self, rupiah: Decimal | int, fragment: str) -> None:
        with pytest.raises(ValidationError) as exc:
            line(rupiah=rupiah)  # type: ignore[arg-type]
        assert exc.value.path == "rupiah"
        assert fragment in exc.value.message

    def test_rate_is_a_percentage(self) -> None:
        with pytest.raises(ValidationError) as exc:
            line(poverty_rate="101")
        assert exc.value.path == "poverty_rate"

    def test_labels(self) -> None:
        x = line(urban_rural="rural")
        assert x.period.id == "Maret 2023"
        assert x.describe().id == "Garis kemiskinan kabupaten 73.03, Maret 2023 (perdesaan)"
        assert x.reference_date == dt.date(2023, 3, 1)

    def test_duplicates_in_a_table(self) -> None:
        with pytest.raises(DuplicateIdError) as exc:
            PovertyLines([line(), line(rupiah=490_000)])
        assert exc.value.path == "lines[1]"
        assert "lines[0]" in exc.value.message

    def test_extend_skips_copies_and_refuses_conflicts(self) -> None:
        table = PovertyLines([line()])
        assert len(table.extend([line()])) == 1
        with pytest.raises(DuplicateIdError) as exc:
            table.extend([line(rupiah=490_000)])
        assert exc.value.path == "more[0]"
        assert len(table) == 1


class TestUserCsv:
    GOOD = (
        "\ufeff# lines from BPS Provinsi Sulawesi Selatan\n"
        "area,year,month,urban_rural,rupiah,poverty_rate,source,note\n"
        "73,2023,Maret,total,430000,8.70,BPS Sulsel (test figure),\n"
        "73.03,2023,march,perdesaan,410000,,BPS Bantaeng (test figure),rural only\n"
    )

    def test_load_and_use(self, tmp_path: Path) -> None:
        path = tmp_path / "sulsel.csv"
        path.write_text(self.GOOD, encoding="utf-8")
        table = PovertyLines.bps_national().extend(PovertyLines.load_csv(path))
        assert len(table) == 13
        rural = table.lookup("73.03.05", dt.date(2023, 4, 1), urban_rural="rural")
        assert isinstance(rural, LineMatch)
        assert rural.rupiah == 410_000
        total = table.lookup("73.03", dt.date(2023, 4, 1))
        assert isinstance(total, LineMatch)
        assert total.line.area == "73"
        assert total.fell_back
        assert total.line.note is None
        assert total.line.poverty_rate == Decimal("8.70")

    def problems(self, text: str) -> DocumentError:
        with pytest.raises(DocumentError) as exc:
            PovertyLines.read_csv(text, source="file.csv")
        assert exc.value.path == "file.csv"
        return exc.value

    def test_located_cell_errors(self) -> None:
        err = self.problems(
            "area,year,month,rupiah,source\n"
            "73.03,2023,march,480000,ok\n"
            "73.03,2024,march,550.458,thousands separator\n"
            "3523,2024,march,480000,BPS code\n"
            "73.03,23,march,480000,short year\n"
            "73.03,2024,june,480000,no June round\n"
            "73,2024,march,480000,\n"
            "73.03,2023,march,470000,duplicate\n"
            "73,2023,march,1,2,3\n"
        )
        assert err.problems == (
            "file.csv row 3 column 'rupiah': write whole rupiah with digits only, e.g. 550458 "
            "(no thousands separators, no decimals)",
            "file.csv row 4 column 'area': invalid area '3523': use 'national' or a Kemendagri "
            "code, province 'PP' (e.g. '73') or kabupaten 'PP.KK' (e.g. '73.03') (this looks like "
            "a BPS code: use the Kemendagri code)",
            "file.csv row 5 column 'year': must be a year such as 2023, got '23'",
            "file.csv row 6 column 'month': unknown month 'june': use 'march' or 'september'",
            "file.csv row 7 column 'source': is empty; this column is required",
            "file.csv row 8: Poverty line, kabupaten 73.03, March 2023 (urban + rural) is already "
            "given in row 2",
            "file.csv row 9: has 6 cells but the header has 5 columns",
        )
        assert "invalid poverty-line file (7 problems)" in str(err)
        assert "\n  - file.csv row 3 column 'rupiah': " in str(err)

    def test_header_errors(self) -> None:
        err = self.problems("area,year,month,rupiha,source,source\n73,2023,march,1,x,x\n")
        assert err.problems[0].startswith("file.csv row 1 column 'rupiha': unknown column")
        assert "file.csv row 1 column 'source': appears more than once" in err.problems
        assert "file.csv row 1: missing column(s) 'rupiah'" in err.problems

    def test_empty_file(self) -> None:
        err = self.problems("# only a comment\n\n")
        assert err.problems == (
            "file.csv row 1: no header row; it needs area, year, month, rupiah, source",
        )

    def test_rate_with_a_comma(self) -> None:
        err = self.problems("area,year,month,rupiah,source,poverty_rate\n73,2023,march,1,x,9,36\n")
        assert "has 7 cells" in err.problems[0]
        err = self.problems(
            'area,year,month,rupiah,source,poverty_rate\n73,2023,march,1,x,"9,36"\n'
        )
        assert err.problems == (
            "file.csv row 2 column 'poverty_rate': write '9,36' with a decimal point, e.g. 9.36",
        )

    def test_unreadable_files(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as exc:
            PovertyLines.load_csv(tmp_path / "missing.csv")
        assert exc.value.path == str(tmp_path / "missing.csv")
        latin = tmp_path / "latin.csv"
        latin.write_bytes("area,year,month,rupiah,source\n73,2023,march,1,Bps é\n".encode("cp1252"))
        with pytest.raises(DocumentError) as exc:
            PovertyLines.load_csv(latin)
        assert "UTF-8" in exc.value.message
