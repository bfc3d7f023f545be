"""Candidate regions from a CSV file: the bundled example, and every bad row located."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.targeting.location_builders import candidate_sets

from klaster import DocumentError
from klaster.model import StatKind
from klaster.targeting import CandidateRegion, parse_regions_csv, read_regions_csv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "data" / "bantaeng_regions.csv"
HEADER = "region_code,region_name,level,parent,indicator,value,year,source,stat_kind,synthetic\n"


def parse(text: str) -> tuple[CandidateRegion, ...]:
    return parse_regions_csv(io.StringIO(text), source="regions.csv")


def problems(text: str) -> tuple[str, ...]:
    with pytest.raises(DocumentError) as exc:
        parse(text)
    return exc.value.problems


class TestExample:
    def test_the_bundled_file(self) -> None:
        regions = read_regions_csv(EXAMPLE)
        assert [r.code for r in regions][:3] == ["73.03", "73.03.01", "73.03.02"]
        (kabupaten,) = [r for r in regions if r.level.value == "kabupaten"]
        (stat,) = kabupaten.stats
        assert (stat.year, stat.kind, stat.population, stat.poor, stat.poverty_rate) == (
            2010,
            StatKind.TARGETING_PEOPLE,
            176_708,
            67_503,
            Decimal("38.20"),
        )
        assert "seed 003" in stat.source
        assert stat.note is None
        kecamatan = [r for r in regions if r.level.value == "kecamatan"]
        assert len(kecamatan) == 8
        # Every kecamatan figure is synthetic, and says so.
        for region in kecamatan:
            for code in region.indicator_codes():
                figure = region.figure(code)
                assert figure is not None
                assert figure.synthetic, (region.code, code)

    def test_statistic_rows_make_one_record(self) -> None:
        (region,) = parse(
            HEADER
            + "73.03,Bantaeng,kabupaten,73,poor,67503,2010,report,targeting_people,no\n"
            + "73.03,Bantaeng,kabupaten,73,population,176708,2010,report,targeting_people,no\n"
        )
        (stat,) = region.stats
        assert stat.rate is not None
        assert round(stat.rate, 2) == Decimal("38.20")

    def test_a_synthetic_statistic_is_marked_in_its_note(self) -> None:
        (region,) = parse(
            HEADER + "73.03.01,Bissappu,kecamatan,73.03,poverty_rate,36.5,2010,"
            "synthetic example,targeting_people,yes\n"
        )
        assert region.stats[0].note == "synthetic"
        figure = region.figure("poverty_rate")
        assert figure is not None
        assert figure.synthetic

    def test_comments_blank_rows_and_a_byte_order_mark(self, tmp_path: Path) -> None:
        path = tmp_path / "r.csv"
        path.write_text(
            "\ufeff# a comment, with a comma\n" + HEADER + "\n"
            "73.03.01,Bissappu,kecamatan,,potential,78,2010,s,,yes\n",
            encoding="utf-8",
        )
        (region,) = read_regions_csv(path)
        assert region.indicators[0].value == Decimal(78)
        assert region.parent is None


class TestBadRows:
    """Every problem located by row and column; nothing returned."""

    ROW = "73.03.01,Bissappu,kecamatan,73.03,{indicator},{value},{year},{source},{kind},no\n"

    def row(
        self,
        indicator: str = "poverty_rate",
        value: str = "36.5",
        year: str = "2010",
        source: str = "BPS",
        kind: str = "bps_headcount",
    ) -> str:
        return self.ROW.format(
            indicator=indicator, value=value, year=year, source=source, kind=kind
        )

    def test_a_statistic_without_a_year(self) -> None:
        found = problems(HEADER + self.row(year=""))
        assert found == (
            "regions.csv row 2 column 'year': is empty; every figure needs the year it refers "
            "to (e.g. 2010)",
        )

    def test_a_statistic_without_a_source(self) -> None:
        (found,) = problems(HEADER + self.row(source=""))
        assert found.startswith(
            "regions.csv row 2 column 'source': is empty; every figure needs its source"
        )

    def test_an_indicator_without_a_year_or_source(self) -> None:
        found = problems(HEADER + self.row("potential", "7", "", "", ""))
        assert [p.split(":")[0] for p in found] == [
            "regions.csv row 2 column 'year'",
            "regions.csv row 2 column 'source'",
        ]

    @pytest.mark.parametrize(
        ("row", "located"),
        [
            ({"year": "10"}, "column 'year': '10' is not a year"),
            ({"value": '"38,20"'}, "column 'value': write the number with a decimal point"),
            ({"value": "lots"}, "column 'value': not a number"),
            ({"indicator": "poor", "value": "12.5"}, "column 'value': poor is a whole number"),
            ({"kind": ""}, "column 'stat_kind': is empty; a poverty_rate figure needs its kind"),
            ({"kind": "bps"}, "column 'stat_kind': unknown kind 'bps'"),
            ({"indicator": "potential", "value": "3"}, "column 'stat_kind': only poverty_rate"),
            ({"indicator": "Potential", "kind": ""}, "column 'indicator': invalid code"),
            ({"value": "120"}, "column 'value': poverty_rate: must be a percentage"),
        ],
    )
    def test_bad_cells(self, row: dict[str, str], located: str) -> None:
        (found,) = problems(HEADER + self.row(**row))
        assert found.startswith(f"regions.csv row 2 {located}"), found

    def test_figures_that_disagree(self) -> None:
        found = problems(
            HEADER
            + self.row("poverty_rate", "30")
            + self.row("poor", "10")
            + self.row("population", "100")
        )
        assert len(found) == 1
        assert "does not match poor/population" in found[0]
        assert found[0].startswith("regions.csv row 2 column 'value': poverty_rate:")

    def test_one_statistic_has_one_source(self) -> None:
        (found,) = problems(
            HEADER + self.row("poor", "10") + self.row("population", "100", source="other")
        )
        assert found.startswith("regions.csv row 3 column 'source': differs from row 2")

    def test_a_figure_given_twice_in_another_spelling(self) -> None:
        (found,) = problems(HEADER + self.row() + self.row(kind="BPS_HEADCOUNT"))
        assert found.startswith("regions.csv row 3 column 'indicator': poverty_rate of 73.03.01")

    def test_a_figure_given_twice(self) -> None:
        (found,) = problems(HEADER + self.row() + self.row(value="30"))
        assert (
            "row 3 column 'indicator': poverty_rate of 73.03.01 for 2010 is already given in "
            "row 2" in found
        )

    def test_a_region_described_two_ways(self) -> None:
        other = self.row("potential", "3", kind="").replace("Bissappu", "Bisappu")
        (found,) = problems(HEADER + self.row() + other)
        assert found.startswith("regions.csv row 3 column 'region_name': differs from row 2")

    def test_a_code_of_the_wrong_level(self) -> None:
        (found,) = problems(HEADER + self.row().replace("73.03.01", "7303010"))
        assert found.startswith(
            "regions.csv row 2 column 'region_code': '7303010' is not a Kemendagri code"
        )

    def test_every_problem_at_once(self) -> None:
        found = problems(
            HEADER + self.row(year="") + self.row(source="x", value='"1,5"') + self.row(kind="nope")
        )
        assert [p.split(":")[0] for p in found] == [
            "regions.csv row 2 column 'year'",
            "regions.csv row 3 column 'value'",
            "regions.csv row 4 column 'stat_kind'",
        ]

    @pytest.mark.parametrize(
        ("header", "located"),
        [
            (
                "region_code,region_name,level,indicator,value,year\n",
                "regions.csv row 1: missing column 'source'",
            ),
            (HEADER.replace("source", "sumber"), "regions.csv row 1 column 'sumber': unknown"),
            (HEADER.replace("parent", "year"), "regions.csv row 1 column 'year': named twice"),
        ],
    )
    def test_bad_headers(self, header: str, located: str) -> None:
        found = problems(header)
        assert any(p.startswith(located) for p in found), found

    def test_an_empty_file_and_a_file_of_only_a_header(self) -> None:
        with pytest.raises(DocumentError, match="empty file"):
            parse("")
        with pytest.raises(DocumentError, match="no regions below the header"):
            parse(HEADER)

    def test_unreadable_files(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the file"):
            read_regions_csv(tmp_path / "missing.csv")
        (tmp_path / "latin.csv").write_bytes(HEADER.encode() + "Bont\xf2".encode("latin-1"))
        with pytest.raises(DocumentError, match="not a UTF-8 text file"):
            read_regions_csv(tmp_path / "latin.csv")


def as_csv(regions: list[CandidateRegion]) -> str:
    """The regions written back as a regions CSV file (one figure per row)."""
    lines = [HEADER.rstrip("\n") + ",unit"]
    for r in regions:
        start = f"{r.code},{r.name},{r.level.value},{r.parent or ''}"
        for stat in r.stats:
            synthetic = "yes" if (stat.note or "").startswith("synthetic") else "no"
            lines.append(
                f"{start},poverty_rate,{stat.poverty_rate},{stat.year},{stat.source},"
                f"{stat.kind.value},{synthetic},"
            )
        for item in r.indicators:
            lines.append(
                f"{start},{item.indicator},{item.value},{item.year},{item.source},,"
                f"{'yes' if item.synthetic else 'no'},{item.unit or ''}"
            )
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(regions=candidate_sets(), data=st.data())
def test_files_round_trip_and_one_bad_cell_refuses_the_whole_file(
    regions: list[CandidateRegion], data: st.DataObject
) -> None:
    text = as_csv(regions)  # a region without a figure has no row
    assert list(parse(text)) == [r for r in regions if r.stats or r.indicators]
    lines = text.splitlines()
    row = data.draw(st.integers(2, len(lines)))
    cells = lines[row - 1].split(",")
    column, bad = data.draw(
        st.sampled_from(
            [
                ("year", ""),
                ("year", "20 10"),
                ("source", ""),
                ("value", "x,y"),
                ("value", ""),
                ("region_code", "73.3.1"),
                ("level", "kota"),
            ]
        )
    )
    cells[HEADER.split(",").index(column)] = bad
    lines[row - 1] = ",".join(cells)
    with pytest.raises(DocumentError) as exc:
        parse("\n".join(lines) + "\n")
    assert any(p.startswith(f"regions.csv row {row}") for p in exc.value.problems)
