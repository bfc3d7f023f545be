"""Charts: offline inline SVG with alt text, localized ticks, gaps for missing values."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.errors import KlasterError, ValidationError
from klaster.formatting import Lang
from klaster.label import Label
from klaster.reports.charts import PALETTE, chart_alt, chart_png, chart_svg
from klaster.reports.document import Chart, ChartKind, Kind, Report, Series


def _charts(report: Report) -> list[Chart]:
    return [b for s in report.sections for b in s.blocks if isinstance(b, Chart)]


def _texts(svg: str) -> list[str]:
    # Text is drawn as paths; matplotlib keeps each text as a comment before its glyphs.
    return re.findall(r"<!-- (.*?) -->", svg)


def _chart(kind: ChartKind, value_kind: Kind, *values: Decimal | None) -> Chart:
    categories = [Label(f"K{i}", f"C{i}") for i in range(len(values))]
    return Chart(
        "demo", Label("Judul", "Title"), kind, categories, [Series(("A", "A"), values)], value_kind
    )


class TestSvg:
    def test_is_inline_offline_and_deterministic(self, every_block: Report) -> None:
        for chart in _charts(every_block):
            svg = chart_svg(chart, "id")
            assert svg.startswith("<svg")
            assert svg.rstrip().endswith("</svg>")
            assert svg == chart_svg(chart, "id")
            assert "<?xml" not in svg
            assert "<!DOCTYPE" not in svg
            assert "<metadata" not in svg  # no date, no creator
            hrefs = re.findall(r'href="([^"]*)"', svg)
            assert hrefs
            assert all(h.startswith("#") for h in hrefs)
            assert not re.search(r"(src|href)=\"(https?:|//|file:)", svg)
            assert "@import" not in svg
            assert "url(http" not in svg

    def test_has_title_and_alt_text(self, every_block: Report) -> None:
        bar, line = _charts(every_block)
        svg = chart_svg(bar, "en")
        assert 'role="img"' in svg
        assert (
            '<title id="klaster-income_by_sector-title">Income: baseline → endline</title>' in svg
        )
        assert "Bar chart: Income: baseline → endline. Baseline: Livestock IDR 282,809" in svg
        assert "Poverty fell from 31% to 12%." in chart_svg(line, "en")

    def test_ids_are_prefixed_so_two_charts_never_clash(self, every_block: Report) -> None:
        ids: list[str] = []
        for chart in _charts(every_block):
            svg = chart_svg(chart, "en")
            own = re.findall(r'\bid="([^"]+)"', svg)
            assert own
            assert all(i.startswith(f"klaster-{chart.key}-") for i in own)
            for ref in re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg):
                assert "".join(ref) in own
            ids += own
        assert len(ids) == len(set(ids))

    def test_ticks_are_in_the_reports_language(self) -> None:
        chart = _chart(ChartKind.BAR, Kind.NUMBER, Decimal("1500.5"), Decimal("2500.25"))
        assert "2.500" in _texts(chart_svg(chart, "id"))
        assert "2,500" in _texts(chart_svg(chart, "en"))

    def test_percent_and_money_axes(self, every_block: Report) -> None:
        bar, line = _charts(every_block)
        assert "Rp 400.000" in _texts(chart_svg(bar, "id"))
        assert "IDR 400,000" in _texts(chart_svg(bar, "en"))
        assert any(re.fullmatch(r"\d+%", t) for t in _texts(chart_svg(line, "id")))
        big = _chart(ChartKind.BAR, Kind.MONEY, Decimal("1700000000"))
        assert any("miliar" in t for t in _texts(chart_svg(big, "id")))

    def test_colour_blind_safe_palette(self, every_block: Report) -> None:
        svg = chart_svg(_charts(every_block)[0], "en").lower()
        assert PALETTE[0].lower() in svg
        assert PALETTE[1].lower() in svg
        assert "#1f77b4" not in svg  # matplotlib's default (not colour-blind safe)


class TestMissingValues:
    @pytest.mark.parametrize("kind", list(ChartKind))
    def test_a_gap_is_noted_not_a_crash(self, kind: ChartKind) -> None:
        chart = _chart(kind, Kind.PERCENT, Decimal("0.3"), None, Decimal("0.1"))
        texts = _texts(chart_svg(chart, "en"))
        assert "Gap = no data: A – C1" in texts
        assert "not available (no data)" in chart_alt(chart, "en")

    @pytest.mark.parametrize("kind", list(ChartKind))
    def test_a_chart_without_any_value_says_so(self, kind: ChartKind) -> None:
        chart = _chart(kind, Kind.MONEY, None, None)
        assert "tidak tersedia (tidak ada data)" in _texts(chart_svg(chart, "id"))
        assert chart_png(chart, "en").startswith(b"\x89PNG")

    def test_a_chart_without_series_still_draws(self) -> None:
        chart = Chart("empty", ("Kosong", "Empty"), ChartKind.BAR, [("A", "A")], [])
        assert "not available (no data)" in _texts(chart_svg(chart, "en"))

    @pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+400")])
    def test_a_value_that_cannot_be_drawn_is_named(self, bad: Decimal) -> None:
        chart = _chart(ChartKind.BAR, Kind.NUMBER, Decimal(1), bad)
        with pytest.raises(ValidationError, match=r"chart 'demo' series\[0\]\.values\[1\]"):
            chart_svg(chart, "en")

    def test_dollar_signs_are_text_not_tex(self) -> None:
        chart = _chart(ChartKind.LINE, Kind.NUMBER, Decimal(1), Decimal(2), Decimal(3))
        chart = Chart(
            "d",
            ("$x$", "$x$"),
            chart.kind,
            [("$a", "$a"), ("Rp $\\q$", "Rp $\\q$"), ("b -->", "b -->")],
            chart.series,
        )
        svg = chart_svg(chart, "en")
        assert "$a" in _texts(svg)
        assert svg.count("<!--") == svg.count("-->")  # a label cannot end a comment early


_VALUES = st.one_of(
    st.none(),
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=3),
)


class TestAnyData:
    @settings(max_examples=15, deadline=None)
    @given(
        st.integers(min_value=1, max_value=9).flatmap(
            lambda n: st.lists(st.lists(_VALUES, min_size=n, max_size=n), min_size=1, max_size=4)
        ),
        st.sampled_from(list(ChartKind)),
        st.sampled_from([Kind.NUMBER, Kind.PERCENT, Kind.MONEY, Kind.COUNT]),
        st.sampled_from(["id", "en"]),
    )
    def test_any_values_give_a_well_formed_accessible_svg(
        self, rows: list[list[Decimal | None]], kind: ChartKind, value_kind: Kind, lang: Lang
    ) -> None:
        categories = [Label(f"K{i}", f"C{i}") for i in range(len(rows[0]))]
        series = [Series(Label(f"S{i}", f"S{i}"), values) for i, values in enumerate(rows)]
        chart = Chart("any", Label("Judul", "Title"), kind, categories, series, value_kind)
        svg = chart_svg(chart, lang)
        root = ElementTree.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img"
        missing = sum(v is None for values in rows for v in values)
        texts = _texts(svg)
        if missing == sum(len(values) for values in rows):
            assert any(t.startswith(("not available", "tidak tersedia")) for t in texts)
        elif missing:
            assert any(t.startswith(("Gap = no data", "Celah = tidak ada data")) for t in texts)


class TestPng:
    def test_png_at_the_asked_resolution(self, every_block: Report) -> None:
        small = chart_png(_charts(every_block)[0], "id", dpi=50)
        large = chart_png(_charts(every_block)[0], "id", dpi=150)
        assert small.startswith(b"\x89PNG")
        assert len(small) < len(large)
        assert large == chart_png(_charts(every_block)[0], "id", dpi=150)

    @pytest.mark.parametrize("dpi", [0, -5, 5000, 1.5, True])
    def test_a_bad_resolution_is_refused(self, every_block: Report, dpi: object) -> None:
        with pytest.raises(ValidationError, match="dpi: must be a whole number"):
            chart_png(_charts(every_block)[0], "id", dpi=dpi)  # type: ignore[arg-type]


class TestLanguage:
    def test_an_unknown_language_is_refused(self, every_block: Report) -> None:
        chart = _charts(every_block)[0]
        for draw in (chart_svg, chart_png, chart_alt):
            with pytest.raises(ValidationError, match="unknown language 'fr'"):
                draw(chart, "fr")  # type: ignore[arg-type]


class TestMissingExtra:
    def test_names_the_extra(self, monkeypatch: pytest.MonkeyPatch, every_block: Report) -> None:
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[reports\]'"):
            chart_svg(_charts(every_block)[0], "en")
